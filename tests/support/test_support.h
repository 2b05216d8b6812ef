// Shared by Cordon's tests and benchmarks: temporary folders and the test
// data files under tests/data/. Not linked into the product.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

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

// A whole file's bytes ("" when it cannot be read).
std::string ReadFile(const std::filesystem::path& path);

// Starts `binary` with `args`, its stdin read from `in` and its stdout and
// stderr written to `out` and `err`; std::runtime_error when it cannot start.
pid_t SpawnWithFiles(const std::string& binary, const std::vector<std::string>& args,
                     const std::filesystem::path& in, const std::filesystem::path& out,
                     const std::filesystem::path& err);

// Waits for the `cordon serve` started as `pid` to write "listening on
// http://127.0.0.1:PORT" to its stdout file `out`, for at most `limit`.
struct Listening {
  int port = 0;         // 0: not listening
  bool exited = false;  // the process ended first (it has been reaped)
};
Listening WaitUntilListening(pid_t pid, const std::filesystem::path& out,
                             std::chrono::seconds limit);

}  // namespace cordon::test_support
