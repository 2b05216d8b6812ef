#include "support/test_support.h"

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace cordon::test_support {

TempDir::TempDir(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror("mkdtemp");
    std::abort();
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

nlohmann::json LoadTestJson(const std::string& relative_path) {
  std::filesystem::path path = std::filesystem::path(CORDON_TEST_DATA_DIR) / relative_path;
  std::ifstream file(path);
  nlohmann::json document = nlohmann::json::parse(file, nullptr, /*allow_exceptions=*/false);
  if (!file.good() && !file.eof()) document = nlohmann::json::value_t::discarded;
  if (document.is_discarded()) {
    std::fprintf(stderr, "test data %s is missing or not JSON\n", path.c_str());
    std::abort();
  }
  return document;
}

nlohmann::json IssueExampleApplication() {
  return LoadTestJson("applications/issue_example.json");
}

}  // namespace cordon::test_support
