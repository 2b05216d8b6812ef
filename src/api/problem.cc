#include "api/problem.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <utility>

namespace cordon::api {
namespace {

constexpr char kProblemContentType[] = "application/problem+json";
constexpr char kServerFailureDetail[] =
    "the server failed to handle the request; the failure has been logged";

const char* TitleFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidInput:
      return "Invalid input";
    case ErrorCode::kUnauthenticated:
      return "Unauthenticated";
    case ErrorCode::kForbidden:
      return "Forbidden";
    case ErrorCode::kNotFound:
      return "Not found";
    case ErrorCode::kConflict:
      return "Conflict";
    case ErrorCode::kRateLimited:
      return "Too many requests";
    case ErrorCode::kUnavailable:
      return "Service unavailable";
    case ErrorCode::kCorrupt:
      return "Stored data is corrupt";
    case ErrorCode::kInternal:
      return "Internal error";
  }
  return "Internal error";
}

HttpResponse MakeProblem(int status, std::string_view type_name, std::string_view title,
                         std::string_view detail, std::string_view instance,
                         const std::vector<FieldError>& fields = {}) {
  nlohmann::json body = {
      {"type", "/problems/" + std::string(type_name)},
      {"title", title},
      {"status", status},
      {"detail", detail},
      {"instance", instance},
  };
  if (!fields.empty()) {
    nlohmann::json errors = nlohmann::json::array();
    for (const FieldError& field : fields) {
      errors.push_back({{"field", field.field}, {"message", field.message}});
    }
    body["errors"] = std::move(errors);
  }
  HttpResponse response;
  response.status = status;
  response.content_type = kProblemContentType;
  // Messages may quote client input; replace rather than throw on bad UTF-8.
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (status == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

}  // namespace

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidInput:
      return 422;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kForbidden:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kRateLimited:
      return 429;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kCorrupt:
      return 500;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

HttpResponse ProblemFor(const Error& error, std::string_view instance) {
  const int status = HttpStatusFor(error.code());
  if (status >= 500) {
    if (status == 500) {
      spdlog::error("{}: {}", instance, error.ToString());
    } else {
      spdlog::warn("{}: {}", instance, error.ToString());
    }
  }
  // A 500's message describes server internals (SQL errors, paths): keep it
  // in the log. A 503 says only that a dependency is unavailable.
  std::string_view detail =
      status == 500 ? std::string_view(kServerFailureDetail) : std::string_view(error.message());
  HttpResponse response = MakeProblem(status, ErrorCodeName(error.code()), TitleFor(error.code()),
                                      detail, instance, error.fields());
  if (error.retry_after_seconds() && (status == 429 || status == 503)) {
    response.headers.emplace_back("Retry-After", std::to_string(*error.retry_after_seconds()));
  }
  return response;
}

HttpResponse MalformedJsonProblem(std::string detail, std::string_view instance) {
  return MakeProblem(400, "malformed_json", "Malformed JSON", detail, instance);
}

HttpResponse UnknownRouteProblem(std::string_view instance) {
  return MakeProblem(404, "not_found", "Not found", "no such resource", instance);
}

HttpResponse MethodNotAllowedProblem(const std::vector<std::string>& allowed_methods,
                                     std::string_view instance) {
  std::string allow;
  for (const std::string& method : allowed_methods) {
    if (!allow.empty()) allow += ", ";
    allow += method;
  }
  HttpResponse response = MakeProblem(405, "method_not_allowed", "Method not allowed",
                                      "this resource allows " + allow, instance);
  response.headers.emplace_back("Allow", allow);
  return response;
}

HttpResponse ProtocolProblem(int status, std::string_view instance) {
  switch (status) {
    case 400:
      return MakeProblem(400, "bad_request", "Bad request", "the HTTP request is malformed",
                         instance);
    case 404:
      return UnknownRouteProblem(instance);
    case 413:
      return MakeProblem(413, "payload_too_large", "Payload too large",
                         "the request body exceeds the limit of 16 MiB", instance);
    case 414:
      return MakeProblem(414, "uri_too_long", "URI too long", "the request target is too long",
                         instance);
    case 416:
      return MakeProblem(416, "range_not_satisfiable", "Range not satisfiable",
                         "the requested range cannot be served", instance);
    default:
      if (status >= 500) {
        return MakeProblem(status, "internal", "Internal error", kServerFailureDetail, instance);
      }
      return MakeProblem(status, "http_error", "HTTP error", "the request cannot be served",
                         instance);
  }
}

HttpResponse UnexpectedFailureProblem(std::string_view what, std::string_view instance) {
  spdlog::error("{}: unhandled exception: {}", instance, what);
  return MakeProblem(500, "internal", "Internal error", kServerFailureDetail, instance);
}

}  // namespace cordon::api
