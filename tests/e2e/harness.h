// End-to-end harness: starts the real `cordon` binary on 127.0.0.1 with a
// fresh database in a temporary directory and talks to it over real HTTP.
#pragma once

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace cordon::e2e {

using test_support::TempDir;

// Runs `cordon` with arguments; returns its exit code and captured output.
struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
CommandResult RunCordon(const std::vector<std::string>& args, const std::filesystem::path& work_dir,
                        const std::string& stdin_text = "");

// A `cordon serve` process listening on 127.0.0.1 on a free port.
class Server {
 public:
  // Starts `cordon serve --db DB --listen 127.0.0.1:0 [extra]` and waits until
  // it prints its address. Aborts the test (ADD_FAILURE + throws) on timeout.
  // `listen` fixes the address (a restarted node keeps the one its partners know).
  Server(const std::filesystem::path& db, const std::vector<std::string>& extra_args,
         const std::filesystem::path& log_dir, const std::string& listen = "127.0.0.1:0");
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return port_; }
  // Sends a signal and waits for the process to end; returns its wait status.
  int Kill(int signal_number);
  std::string Log() const;

 private:
  int pid_ = -1;
  int port_ = 0;
  std::filesystem::path out_path_;
  std::filesystem::path err_path_;
};

struct Response {
  int status = 0;
  nlohmann::json body;  // null when the body is empty or not JSON
  std::string raw;
  httplib::Headers headers;
  std::string Header(const std::string& name) const;
};

// A small JSON client bound to one server and, optionally, one bearer token.
class Client {
 public:
  explicit Client(int port);
  void SetToken(const std::string& token) { token_ = token; }
  const std::string& token() const { return token_; }

  Response Get(const std::string& path);
  Response Post(const std::string& path, const nlohmann::json& body = nlohmann::json::object());
  Response PostRaw(const std::string& path, const std::string& body,
                   const std::string& content_type = "application/json");
  Response Put(const std::string& path, const nlohmann::json& body);
  Response Delete(const std::string& path);

  // Logs in and keeps the token; fails the test when login fails.
  void Login(const std::string& email, const std::string& password = "cordon-demo");

 private:
  Response Wrap(const httplib::Result& result);
  httplib::Headers AuthHeaders() const;

  std::unique_ptr<httplib::Client> http_;
  std::string token_;
};

// The issue's example application body.
inline nlohmann::json ExampleApplication() { return test_support::IssueExampleApplication(); }

// Field names of a problem body's `errors` list.
std::vector<std::string> ErrorFields(const nlohmann::json& problem);

}  // namespace cordon::e2e
