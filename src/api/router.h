// Internals of the API module: the HTTP request/response values handlers see
// (independent of the HTTP library, which only server.cc knows) and the route
// table that maps "METHOD /api/v1/applications/{id}" to a handler.
//
// Not part of the module's public interface: only files in src/api include it.
//
// Thread safety: a Router is built once before serving and then only read, so
// concurrent Find() calls are safe. Requests and responses are plain values.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/api.h"
#include "core/identity_types.h"

namespace cordon::api {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // upper case, "GET"
  std::string path;    // percent-decoded, without the query string
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  HeaderList headers;
  std::string body;

  // First header of that name, compared case-insensitively.
  std::optional<std::string> Header(std::string_view name) const;
  // First query parameter of that name.
  std::optional<std::string> Query(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type;  // empty: no body (204)
  std::string body;
  HeaderList headers;
};

// What a handler gets: the request, the path parameters of its pattern, and
// the authenticated caller (always set for routes that require auth).
struct RequestContext {
  const HttpRequest& request;
  std::map<std::string, std::string> params;
  std::optional<Caller> caller;

  // The value of a path parameter of the matched pattern ("" if absent).
  const std::string& Param(const std::string& name) const;
};

using Handler = std::function<HttpResponse(const RequestContext&)>;

class Router {
 public:
  // Registers a route. Patterns are absolute paths whose segments are
  // literals or "{name}" parameters matching one non-empty segment.
  void Add(RouteInfo info, Handler handler);

  struct Match {
    const RouteInfo* info = nullptr;  // null: no route for this method and path
    const Handler* handler = nullptr;
    std::map<std::string, std::string> params;
    // When info is null but the path matches routes of other methods: their
    // methods, for 405 and its Allow header. Empty: the path is unknown (404).
    std::vector<std::string> allowed_methods;
  };
  // HEAD is matched as GET. A literal segment wins over a parameter, so
  // "/applications/{id}/submit" never shadows or is shadowed by a literal.
  Match Find(std::string_view method, std::string_view path) const;

  std::vector<RouteInfo> Routes() const;

 private:
  struct Entry {
    RouteInfo info;
    std::vector<std::string> segments;  // "{id}" marks a parameter
    Handler handler;
  };
  std::vector<Entry> entries_;
};

// Splits "/a/b/c" into {"a","b","c"}; "" and "/" give {}. Empty segments
// (from "//" or a trailing '/') are kept, so they never match a pattern.
std::vector<std::string> SplitPath(std::string_view path);

}  // namespace cordon::api
