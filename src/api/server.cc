// The adapter between cpp-httplib and the API: the only file that includes
// <httplib.h> (outside tests). It turns httplib requests into HttpRequest
// values, runs them through the route table (authentication, handler,
// problem mapping) and writes the HttpResponse back, logging one access line
// per request.
#include <brotli/encode.h>
#include <httplib.h>
#include <zlib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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

// Whether an Accept-Encoding header value accepts `coding` ("br", "gzip"):
// named, or "*", with a weight other than q=0 ("gzip, br", "br;q=0.8").
bool Accepts(std::string_view header, std::string_view coding) {
  auto trim = [](std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
  };
  auto same = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) ==
                    std::tolower(static_cast<unsigned char>(y));
           });
  };
  bool accepted = false;
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view item = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    const size_t semicolon = item.find(';');
    std::string_view name = trim(item.substr(0, semicolon));
    const bool named = same(name, coding);
    if (!named && name != "*") continue;
    bool positive = true;
    if (semicolon != std::string_view::npos) {
      std::string_view parameters = item.substr(semicolon + 1);
      if (const size_t q = parameters.find("q="); q != std::string_view::npos) {
        // q is a number from 0 to 1 with at most three decimals: zero only
        // when every digit is 0.
        positive = trim(parameters.substr(q + 2)).find_first_not_of("0.") != std::string_view::npos;
      }
    }
    if (named) return positive;  // the coding's own entry wins over "*"
    accepted = positive;
  }
  return accepted;
}

// Cordon chooses the encoding of every body itself, and hands httplib only
// content providers, which it sends as they are: httplib's own Brotli
// encoder runs at the library's default quality (11), about 1 s per MB of
// JSON (377 ms for the 199 KB OpenAPI document, 12.3 KB sent). Brotli at
// quality 5 sends it in 9 ms (14.9 KB); gzip (zlib's default level, 16.2 KB)
// for clients without Brotli; bodies under 1 KiB go as they are.
constexpr size_t kCompressFrom = 1024;
constexpr int kBrotliQuality = 5;

std::optional<std::string> BrotliCompressed(const std::string& body) {
  size_t size = BrotliEncoderMaxCompressedSize(body.size());
  if (size == 0) return std::nullopt;
  std::string encoded(size, '\0');
  if (BrotliEncoderCompress(kBrotliQuality, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, body.size(),
                            reinterpret_cast<const uint8_t*>(body.data()), &size,
                            reinterpret_cast<uint8_t*>(encoded.data())) != BROTLI_TRUE) {
    return std::nullopt;
  }
  encoded.resize(size);
  return encoded;
}

std::optional<std::string> GzipCompressed(const std::string& body) {
  z_stream stream{};
  // 15 + 16: a 32 KiB window with the gzip header and trailer.
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return std::nullopt;
  }
  std::string encoded(deflateBound(&stream, body.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  stream.avail_in = static_cast<uInt>(body.size());
  stream.next_out = reinterpret_cast<Bytef*>(encoded.data());
  stream.avail_out = static_cast<uInt>(encoded.size());
  const int status = deflate(&stream, Z_FINISH);
  encoded.resize(stream.total_out);
  deflateEnd(&stream);
  if (status != Z_STREAM_END) return std::nullopt;
  return encoded;
}

void ToHttplib(const api::HttpResponse& response, std::string_view accept_encoding,
               httplib::Response& out) {
  out.status = response.status;
  out.headers.clear();
  for (const auto& [name, value] : response.headers) out.set_header(name, value);
  // API responses carry tokens and tenant data: no shared cache may keep
  // them. The dashboard's files say how they may be cached.
  if (!out.has_header("Cache-Control")) out.set_header("Cache-Control", "no-store");
  if (response.content_type.empty()) {
    out.body.clear();
    return;
  }
  std::string body = response.body;
  // Already compressed (the dashboard's .br/.gz files) or not.
  if (!out.has_header("Content-Encoding") && body.size() >= kCompressFrom) {
    std::optional<std::string> encoded;
    const char* coding = nullptr;
    if (Accepts(accept_encoding, "br")) {
      encoded = BrotliCompressed(body);
      coding = "br";
    } else if (Accepts(accept_encoding, "gzip")) {
      encoded = GzipCompressed(body);
      coding = "gzip";
    }
    if (encoded) {
      body = std::move(*encoded);
      out.set_header("Content-Encoding", coding);
    }
    out.set_header("Vary", "Accept-Encoding");
  }
  auto shared = std::make_shared<const std::string>(std::move(body));
  out.set_content_provider(shared->size(), response.content_type,
                           [shared](size_t offset, size_t length, httplib::DataSink& sink) {
                             return sink.write(shared->data() + offset,
                                               std::min(length, shared->size() - offset));
                           });
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
    ToHttplib(response, in.get_header_value("Accept-Encoding"), out);
    const std::chrono::duration<double, std::milli> elapsed =
        std::chrono::steady_clock::now() - started;
    LogAccess(request.method, request.path, response.status, elapsed.count(), user_id);
  }

  void Configure() {
    server.set_payload_max_length(kMaxBodyBytes);
    // httplib writes a response's head and body in two send() calls; with
    // Nagle's algorithm on, a body under one segment waits for the client to
    // acknowledge the head, which a client delays by up to 40 ms: a one-
    // declaration screening took 43 ms instead of well under 1 ms
    // (bench/api_screening_bench).
    server.set_tcp_nodelay(true);
    // httplib closes a keep-alive connection after 5 requests by default, so a
    // system screening one declaration at a time reconnected every fifth one;
    // the idle timeout still frees a worker from a silent client.
    server.set_keep_alive_max_count(100);
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
    // responses pass through untouched: ToHttplib always sets Cache-Control
    // (their bodies are content providers, so out.body is empty).
    httplib::Server::HandlerWithResponse on_error = [](const httplib::Request& in,
                                                       httplib::Response& out) {
      if (!out.body.empty() || out.has_header("Cache-Control")) {
        return httplib::Server::HandlerResponse::Unhandled;
      }
      api::HttpResponse response = api::ProtocolProblem(out.status, in.path);
      ToHttplib(response, in.get_header_value("Accept-Encoding"), out);
      LogAccess(in.method, in.path, response.status, std::nullopt, "");
      return httplib::Server::HandlerResponse::Handled;
    };
    server.set_error_handler(on_error);
    // Dispatch catches handler exceptions; this covers what escapes it.
    server.set_exception_handler([](const httplib::Request& in, httplib::Response& out,
                                    std::exception_ptr) {
      ToHttplib(api::UnexpectedFailureProblem("exception outside the dispatcher", in.path),
                in.get_header_value("Accept-Encoding"), out);
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
