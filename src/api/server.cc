// The adapter between cpp-httplib and the API: the only file that includes
// <httplib.h> (outside tests). It turns httplib requests into HttpRequest
// values, runs them through the route table (authentication, handler,
// problem mapping) and writes the HttpResponse back, logging one access line
// per request.
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "api/api.h"
#include "api/problem.h"
#include "api/router.h"
#include "api/routes.h"
#include "api/static_files.h"

namespace cordon {
namespace {

constexpr size_t kMaxBodyBytes = 16 * 1024 * 1024;
constexpr size_t kWorkerThreads = 16;

api::HttpRequest FromHttplib(const httplib::Request& in) {
  api::HttpRequest request;
  request.method = in.method;
  request.path = in.path;
  request.query.assign(in.params.begin(), in.params.end());
  request.headers.assign(in.headers.begin(), in.headers.end());
  request.body = in.body;
  return request;
}

void ToHttplib(const api::HttpResponse& response, httplib::Response& out) {
  out.status = response.status;
  out.headers.clear();
  for (const auto& [name, value] : response.headers) out.set_header(name, value);
  // API responses carry tokens and tenant data: no shared cache may keep
  // them. The dashboard's files say how they may be cached.
  if (!out.has_header("Cache-Control")) out.set_header("Cache-Control", "no-store");
  if (response.content_type.empty()) {
    out.body.clear();
  } else if (out.has_header("Content-Encoding")) {
    // Already compressed (the dashboard's .br/.gz files). httplib compresses
    // bodies, not providers of a known length, so a provider sends it as is.
    auto body = std::make_shared<const std::string>(response.body);
    out.set_content_provider(body->size(), response.content_type,
                             [body](size_t offset, size_t length, httplib::DataSink& sink) {
                               return sink.write(body->data() + offset,
                                                 std::min(length, body->size() - offset));
                             });
  } else {
    out.set_content(response.body, response.content_type);
  }
}

// The path as safe log text: control characters (a decoded %0A, say) would
// let a client forge log lines.
std::string LoggablePath(const std::string& path) {
  std::string text = path.substr(0, 512);
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return text;
}

// One line per request. Never the query string, headers or body: they may
// carry passwords and tokens.
void LogAccess(const std::string& method, const std::string& path, int status,
               std::optional<double> duration_ms, const std::string& user_id) {
  if (duration_ms) {
    spdlog::info("{} {} {} {:.1f}ms user={}", LoggablePath(method), LoggablePath(path), status,
                 *duration_ms, user_id.empty() ? "-" : user_id);
  } else {
    spdlog::info("{} {} {} -ms user={}", LoggablePath(method), LoggablePath(path), status,
                 user_id.empty() ? "-" : user_id);
  }
}

// The token of "Authorization: Bearer <token>" (scheme case-insensitive).
std::optional<std::string> BearerToken(const api::HttpRequest& request) {
  std::optional<std::string> header = request.Header("Authorization");
  if (!header) return std::nullopt;
  constexpr std::string_view kScheme = "bearer ";
  if (header->size() <= kScheme.size()) return std::nullopt;
  for (size_t index = 0; index < kScheme.size(); ++index) {
    if (std::tolower(static_cast<unsigned char>((*header)[index])) != kScheme[index]) {
      return std::nullopt;
    }
  }
  std::string token = header->substr(kScheme.size());
  size_t begin = token.find_first_not_of(' ');
  size_t end = token.find_last_not_of(' ');
  if (begin == std::string::npos) return std::nullopt;
  return token.substr(begin, end - begin + 1);
}

}  // namespace

struct ApiServer::Impl {
  explicit Impl(ApiServices services_in) : services(services_in) {
    api::RegisterRoutes(router, services);
    if (!services.web_root.empty()) web.emplace(services.web_root);
  }

  // Routing, authentication and the handler; never throws past the caller's
  // catch (handlers may, and the caller maps that to a 500).
  api::HttpResponse Handle(const api::HttpRequest& request, std::string& user_id) {
    if (web && api::StaticFiles::Handles(request)) return web->Serve(request);
    api::Router::Match match = router.Find(request.method, request.path);
    if (!match.info) {
      if (match.allowed_methods.empty()) return api::UnknownRouteProblem(request.path);
      return api::MethodNotAllowedProblem(match.allowed_methods, request.path);
    }
    api::RequestContext context{request, std::move(match.params), std::nullopt};
    if (match.info->requires_auth) {
      std::optional<std::string> token = BearerToken(request);
      if (!token) {
        return api::ProblemFor(
            Unauthenticated("this resource needs an Authorization: Bearer <token> header"),
            request.path);
      }
      Result<Caller> caller = services.identity.Authenticate(*token);
      if (!caller.ok()) return api::ProblemFor(caller.error(), request.path);
      user_id = caller->user_id;
      context.caller = std::move(caller).value();
    }
    return (*match.handler)(context);
  }

  void Dispatch(const httplib::Request& in, httplib::Response& out) {
    const auto started = std::chrono::steady_clock::now();
    api::HttpRequest request = FromHttplib(in);
    std::string user_id;
    api::HttpResponse response;
    try {
      response = Handle(request, user_id);
    } catch (const std::exception& error) {
      response = api::UnexpectedFailureProblem(error.what(), request.path);
    } catch (...) {
      response = api::UnexpectedFailureProblem("unknown exception", request.path);
    }
    ToHttplib(response, out);
    const std::chrono::duration<double, std::milli> elapsed =
        std::chrono::steady_clock::now() - started;
    LogAccess(request.method, request.path, response.status, elapsed.count(), user_id);
  }

  void Configure() {
    server.set_payload_max_length(kMaxBodyBytes);
    // httplib holds a worker per open keep-alive connection; the default pool
    // (hardware threads - 1, at least 8) lets a few idle clients starve the
    // rest. Each worker may run one Argon2 check (64 MiB), which bounds the
    // pool from above.
    server.new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
    // Every method goes to one dispatcher: the route table, not httplib's
    // regexes, decides 404 versus 405.
    httplib::Server::Handler dispatch = [this](const httplib::Request& in, httplib::Response& out) {
      Dispatch(in, out);
    };
    server.Get(".*", dispatch);
    server.Post(".*", dispatch);
    server.Put(".*", dispatch);
    server.Patch(".*", dispatch);
    server.Delete(".*", dispatch);
    server.Options(".*", dispatch);

    // Statuses httplib produces on its own (unparseable request, body over
    // the limit, URI too long, ...) get problem bodies too. Our own error
    // responses already have a body and pass through untouched.
    httplib::Server::HandlerWithResponse on_error = [](const httplib::Request& in,
                                                       httplib::Response& out) {
      if (!out.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
      api::HttpResponse response = api::ProtocolProblem(out.status, in.path);
      ToHttplib(response, out);
      LogAccess(in.method, in.path, response.status, std::nullopt, "");
      return httplib::Server::HandlerResponse::Handled;
    };
    server.set_error_handler(on_error);
    // Dispatch catches handler exceptions; this covers what escapes it.
    server.set_exception_handler([](const httplib::Request& in, httplib::Response& out,
                                    std::exception_ptr) {
      ToHttplib(api::UnexpectedFailureProblem("exception outside the dispatcher", in.path), out);
    });
  }

  ApiServices services;
  api::Router router;
  std::optional<api::StaticFiles> web;
  httplib::Server server;
  // Stop() may come before Run() has started listening; httplib's stop() is a
  // no-op then, so Run() checks stop_requested and Stop() waits for the
  // listener to be up before stopping it.
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> run_started{false};
  std::atomic<bool> run_finished{false};
};

ApiServer::ApiServer(ApiServices services) : impl_(std::make_unique<Impl>(services)) {
  impl_->Configure();
}

ApiServer::~ApiServer() = default;

Result<int> ApiServer::Bind(const std::string& host, int port) {
  if (port < 0 || port > 65535) return InvalidInput("port must be between 0 and 65535");
  if (port == 0) {
    int bound = impl_->server.bind_to_any_port(host);
    if (bound < 0) return Unavailable("cannot listen on " + host + " (any port)");
    return bound;
  }
  if (!impl_->server.bind_to_port(host, port)) {
    return Unavailable("cannot listen on " + host + ":" + std::to_string(port));
  }
  return port;
}

void ApiServer::Run() {
  impl_->run_started = true;
  if (!impl_->stop_requested) impl_->server.listen_after_bind();
  impl_->run_finished = true;
}

void ApiServer::Stop() {
  impl_->stop_requested = true;
  while (impl_->run_started && !impl_->run_finished && !impl_->server.is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->server.stop();
}

std::vector<RouteInfo> ApiServer::Routes() const { return impl_->router.Routes(); }

}  // namespace cordon
