#include "support/test_support.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

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

nlohmann::json IssueExampleApplication() { return LoadTestJson("applications/issue_example.json"); }

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

pid_t SpawnWithFiles(const std::string& binary, const std::vector<std::string>& args,
                     const std::filesystem::path& in, const std::filesystem::path& out,
                     const std::filesystem::path& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::string program = binary;
  std::vector<std::string> copies = args;
  std::vector<char*> argv = {program.data()};
  for (std::string& arg : copies) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + binary + ": " + std::strerror(rc));
  return pid;
}

Listening WaitUntilListening(pid_t pid, const std::filesystem::path& out,
                             std::chrono::seconds limit) {
  const std::regex listening("listening on http://127\\.0\\.0\\.1:([0-9]+)");
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch match;
    const std::string text = ReadFile(out);
    if (std::regex_search(text, match, listening)) return Listening{std::stoi(match[1]), false};
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return Listening{0, true};
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Listening{};
}

}  // namespace cordon::test_support
