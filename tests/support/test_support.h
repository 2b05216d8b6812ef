// Shared by Cordon's tests and benchmarks: temporary folders and the test
// data files under tests/data/. Not linked into the product.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace cordon::test_support {

// A unique folder under the system's temporary directory, removed with
// everything in it on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "cordon-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  // path() / name, as a string (e.g. a database file inside the folder).
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// The file tests/data/<relative_path>, parsed as JSON; aborts the process with
// a message when it is missing or malformed (a broken checkout, not a test result).
nlohmann::json LoadTestJson(const std::string& relative_path);

// The application body issue #2 requires the API to accept, verbatim
// (tests/data/applications/issue_example.json).
nlohmann::json IssueExampleApplication();

}  // namespace cordon::test_support
