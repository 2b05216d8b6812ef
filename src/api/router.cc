#include "api/router.h"

#include <algorithm>
#include <cctype>

namespace cordon::api {
namespace {

bool EqualsIgnoreCase(std::string_view left, std::string_view right) {
  return left.size() == right.size() &&
         std::equal(left.begin(), left.end(), right.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

bool IsParameter(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Matches path segments against a pattern; returns the number of literal
// segments matched (for preferring literals), or -1 when it does not match.
int MatchSegments(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
                  std::map<std::string, std::string>* params) {
  if (pattern.size() != path.size()) return -1;
  int literals = 0;
  for (size_t index = 0; index < pattern.size(); ++index) {
    if (IsParameter(pattern[index])) {
      if (path[index].empty()) return -1;
      if (params) (*params)[pattern[index].substr(1, pattern[index].size() - 2)] = path[index];
    } else if (pattern[index] == path[index]) {
      ++literals;
    } else {
      return -1;
    }
  }
  return literals;
}

}  // namespace

std::optional<std::string> HttpRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

std::optional<std::string> HttpRequest::Query(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return std::nullopt;
}

const std::string& RequestContext::Param(const std::string& name) const {
  static const std::string kEmpty;
  auto found = params.find(name);
  return found == params.end() ? kEmpty : found->second;
}

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) return segments;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      segments.emplace_back(path.substr(start));
      break;
    }
    segments.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return segments;
}

void Router::Add(RouteInfo info, Handler handler) {
  std::vector<std::string> segments = SplitPath(info.pattern);
  entries_.push_back({std::move(info), std::move(segments), std::move(handler)});
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  const std::string_view effective_method = method == "HEAD" ? "GET" : method;
  const std::vector<std::string> segments = SplitPath(path);
  Match match;
  int best_literals = -1;
  for (const Entry& entry : entries_) {
    if (entry.info.method != effective_method) continue;
    std::map<std::string, std::string> params;
    int literals = MatchSegments(entry.segments, segments, &params);
    if (literals > best_literals) {
      best_literals = literals;
      match.info = &entry.info;
      match.handler = &entry.handler;
      match.params = std::move(params);
    }
  }
  if (match.info) return match;
  for (const Entry& entry : entries_) {
    if (MatchSegments(entry.segments, segments, nullptr) < 0) continue;
    if (std::find(match.allowed_methods.begin(), match.allowed_methods.end(), entry.info.method) ==
        match.allowed_methods.end()) {
      match.allowed_methods.push_back(entry.info.method);
    }
  }
  return match;
}

std::vector<RouteInfo> Router::Routes() const {
  std::vector<RouteInfo> routes;
  routes.reserve(entries_.size());
  for (const Entry& entry : entries_) routes.push_back(entry.info);
  return routes;
}

}  // namespace cordon::api
