#include "e2e/harness.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>

#include "support/test_support.h"

namespace cordon::e2e {
namespace {

using test_support::ReadFile;

int Spawn(const std::vector<std::string>& args, const std::filesystem::path& in,
          const std::filesystem::path& out, const std::filesystem::path& err) {
  return test_support::SpawnWithFiles(CORDON_BINARY, args, in, out, err);
}

}  // namespace

CommandResult RunCordon(const std::vector<std::string>& args, const std::filesystem::path& work_dir,
                        const std::string& stdin_text) {
  std::filesystem::path in = work_dir / "cmd.in";
  std::filesystem::path out = work_dir / "cmd.out";
  std::filesystem::path err = work_dir / "cmd.err";
  std::ofstream(in) << stdin_text;
  int pid = Spawn(args, in, out, err);
  int status = 0;
  waitpid(pid, &status, 0);
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadFile(out);
  result.err = ReadFile(err);
  return result;
}

Server::Server(const std::filesystem::path& db, const std::vector<std::string>& extra_args,
               const std::filesystem::path& log_dir, const std::string& listen) {
  static int counter = 0;
  std::string suffix = std::to_string(++counter);
  out_path_ = log_dir / ("server" + suffix + ".out");
  err_path_ = log_dir / ("server" + suffix + ".err");
  std::vector<std::string> args = {"serve", "--db", db.string(), "--listen", listen};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = Spawn(args, "/dev/null", out_path_, err_path_);
  const test_support::Listening listening =
      test_support::WaitUntilListening(pid_, out_path_, std::chrono::seconds(120));
  if (listening.port > 0) {
    port_ = listening.port;
    return;
  }
  if (listening.exited) {
    pid_ = -1;
    ADD_FAILURE() << "cordon serve exited early:\n" << Log();
    throw std::runtime_error("server did not start");
  }
  ADD_FAILURE() << "cordon serve did not report its address:\n" << Log();
  throw std::runtime_error("server did not start");
}

Server::~Server() {
  if (pid_ > 0) Kill(SIGTERM);
}

int Server::Kill(int signal_number) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal_number);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

std::string Server::Log() const {
  return "--- stdout\n" + ReadFile(out_path_) + "--- stderr\n" + ReadFile(err_path_);
}

std::string Response::Header(const std::string& name) const {
  auto found = headers.find(name);
  return found == headers.end() ? "" : found->second;
}

Client::Client(int port) : http_(std::make_unique<httplib::Client>("127.0.0.1", port)) {
  http_->set_connection_timeout(10);
  http_->set_read_timeout(60);
}

httplib::Headers Client::AuthHeaders() const {
  httplib::Headers headers;
  if (!token_.empty()) headers.emplace("Authorization", "Bearer " + token_);
  return headers;
}

Response Client::Wrap(const httplib::Result& result) {
  Response response;
  if (!result) {
    response.status = 0;
    return response;
  }
  response.status = result->status;
  response.raw = result->body;
  response.headers = result->headers;
  if (!result->body.empty()) {
    response.body = nlohmann::json::parse(result->body, nullptr, false);
    if (response.body.is_discarded()) response.body = nullptr;
  }
  return response;
}

Response Client::Get(const std::string& path) { return Wrap(http_->Get(path, AuthHeaders())); }

Response Client::Post(const std::string& path, const nlohmann::json& body) {
  return PostRaw(path, body.dump());
}

Response Client::PostRaw(const std::string& path, const std::string& body,
                         const std::string& content_type) {
  return Wrap(http_->Post(path, AuthHeaders(), body, content_type));
}

Response Client::Put(const std::string& path, const nlohmann::json& body) {
  return Wrap(http_->Put(path, AuthHeaders(), body.dump(), "application/json"));
}

Response Client::Delete(const std::string& path) {
  return Wrap(http_->Delete(path, AuthHeaders()));
}

void Client::Login(const std::string& email, const std::string& password) {
  Response response = Post("/api/v1/sessions", {{"email", email}, {"password", password}});
  if (response.status != 201 || !response.body.contains("token")) {
    ADD_FAILURE() << "login of " << email << " failed: " << response.status << " " << response.raw;
    throw std::runtime_error("login failed");
  }
  token_ = response.body["token"].get<std::string>();
}

std::vector<std::string> ErrorFields(const nlohmann::json& problem) {
  std::vector<std::string> fields;
  if (!problem.is_object() || !problem.contains("errors")) return fields;
  for (const auto& error : problem["errors"]) fields.push_back(error.value("field", ""));
  return fields;
}

}  // namespace cordon::e2e
