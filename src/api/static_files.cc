#include "api/static_files.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>

#include "api/problem.h"

namespace cordon::api {
namespace {

// The dashboard loads only its own scripts and styles and talks only to its
// own origin. ECharts sets inline styles; exported charts and CSV files are
// data: and blob: URLs.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'";

constexpr const char* kImmutable = "public, max-age=31536000, immutable";
constexpr const char* kRevalidate = "no-cache";

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// The request path as a relative path inside the root, or nullopt when it
// would leave the root or names nothing sensible. The path arrives
// percent-decoded, so "%2e%2e" is already "..".
std::optional<std::filesystem::path> RelativePath(const std::string& path) {
  if (path.empty() || path[0] != '/') return std::nullopt;
  std::filesystem::path relative;
  for (const std::string& segment : SplitPath(path)) {
    if (segment.empty() || segment == ".") continue;
    if (segment == ".." || segment.find('\0') != std::string::npos ||
        segment.find('\\') != std::string::npos) {
      return std::nullopt;
    }
    relative /= segment;
  }
  return relative;
}

std::optional<std::string> ReadFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(content).str();
}

// A weak validator from the file's size and modification time: a rebuild
// changes it, an unchanged file keeps it.
std::string ETagFor(const std::filesystem::path& file) {
  std::error_code error;
  const auto size = std::filesystem::file_size(file, error);
  const auto modified = std::filesystem::last_write_time(file, error);
  const auto ticks = modified.time_since_epoch().count();
  return fmt::format("W/\"{:x}-{:x}\"", size, static_cast<unsigned long long>(ticks));
}

bool IsRegularFile(const std::filesystem::path& file) {
  std::error_code error;
  return std::filesystem::is_regular_file(file, error);
}

// True when file, with symbolic links resolved, is still inside root: a link
// in the build folder must not publish the rest of the disk.
bool InsideRoot(const std::filesystem::path& root, const std::filesystem::path& file) {
  std::error_code error;
  const std::filesystem::path real_root = std::filesystem::canonical(root, error);
  if (error) return false;
  const std::filesystem::path real_file = std::filesystem::canonical(file, error);
  if (error) return false;
  auto [root_end, file_it] =
      std::mismatch(real_root.begin(), real_root.end(), real_file.begin(), real_file.end());
  return root_end == real_root.end();
}

}  // namespace

std::string ContentTypeFor(const std::filesystem::path& file) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
  };
  const std::string extension = file.extension().string();
  for (const auto& [suffix, type] : kTypes) {
    if (extension == suffix) return type;
  }
  return "application/octet-stream";
}

StaticFiles::StaticFiles(std::filesystem::path root) : root_(std::move(root)) {}

bool StaticFiles::Handles(const HttpRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") return false;
  return request.path != "/api" && !StartsWith(request.path, "/api/");
}

HttpResponse StaticFiles::Serve(const HttpRequest& request) const {
  std::optional<std::filesystem::path> relative = RelativePath(request.path);
  if (!relative) return UnknownRouteProblem(request.path);

  std::filesystem::path file = root_ / *relative;
  bool is_index = relative->empty();
  if (is_index) file = root_ / "index.html";
  if (!IsRegularFile(file)) {
    // A name with an extension is a file the build should have had; anything
    // else is a route of the single-page application.
    if (relative->has_extension()) return UnknownRouteProblem(request.path);
    file = root_ / "index.html";
    is_index = true;
    if (!IsRegularFile(file)) return UnknownRouteProblem(request.path);
  }

  if (!InsideRoot(root_, file)) return UnknownRouteProblem(request.path);

  const bool hashed = !is_index && StartsWith(relative->generic_string(), "assets/");
  HttpResponse response;
  // The build writes file.br and file.gz beside each text file: send the
  // best one the client accepts, as it is.
  std::filesystem::path variant = file;
  std::string encoding;
  const std::string accepts = request.Header("Accept-Encoding").value_or("");
  for (const auto& [name, suffix] : {std::pair{"br", ".br"}, std::pair{"gzip", ".gz"}}) {
    std::filesystem::path candidate = file;
    candidate += suffix;
    if (accepts.find(name) != std::string::npos && IsRegularFile(candidate) &&
        InsideRoot(root_, candidate)) {
      variant = candidate;
      encoding = name;
      break;
    }
  }
  if (IsRegularFile(std::filesystem::path(file).concat(".br")) ||
      IsRegularFile(std::filesystem::path(file).concat(".gz"))) {
    response.headers.push_back({"Vary", "Accept-Encoding"});
  }
  if (!encoding.empty()) response.headers.push_back({"Content-Encoding", encoding});
  const std::string etag = ETagFor(variant);
  response.headers.push_back({"ETag", etag});
  response.headers.push_back({"Cache-Control", hashed ? kImmutable : kRevalidate});
  response.headers.push_back({"X-Content-Type-Options", "nosniff"});
  if (is_index || file.extension() == ".html") {
    response.headers.push_back({"Content-Security-Policy", kContentSecurityPolicy});
    response.headers.push_back({"Referrer-Policy", "no-referrer"});
    response.headers.push_back({"X-Frame-Options", "DENY"});
  }
  std::optional<std::string> if_none_match = request.Header("If-None-Match");
  if (if_none_match && *if_none_match == etag) {
    response.status = 304;
    return response;
  }
  std::optional<std::string> content = ReadFile(variant);
  if (!content) return UnknownRouteProblem(request.path);
  response.status = 200;
  response.content_type = ContentTypeFor(file);
  response.body = std::move(*content);
  return response;
}

}  // namespace cordon::api
