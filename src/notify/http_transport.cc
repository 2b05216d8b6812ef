// The webhook transport over cpp-httplib's client: the only file of this
// module that knows the HTTP library.
#include <httplib.h>

#include <string>
#include <utility>
#include <vector>

#include "notify/delivery.h"

namespace cordon {
namespace {

class HttplibWebhookTransport final : public WebhookTransport {
 public:
  HttpPostResult Post(const std::string& url,
                      const std::vector<std::pair<std::string, std::string>>& headers,
                      const std::string& body) override {
    // "scheme://authority" goes to the client, the rest is the request target.
    size_t scheme_end = url.find("://");
    if (scheme_end == std::string::npos) return {0, "not an absolute URL"};
    size_t path_start = url.find_first_of("/?", scheme_end + 3);
    std::string base = path_start == std::string::npos ? url : url.substr(0, path_start);
    std::string target = path_start == std::string::npos ? "/" : url.substr(path_start);
    if (!target.empty() && target.front() == '?') target = "/" + target;
    try {
      httplib::Client client(base);
      if (!client.is_valid()) return {0, "unsupported URL " + base};
      client.set_connection_timeout(5, 0);
      client.set_read_timeout(10, 0);
      client.set_write_timeout(10, 0);
      client.set_follow_location(false);
      httplib::Headers request_headers;
      for (const auto& [name, value] : headers) request_headers.emplace(name, value);
      httplib::Result result = client.Post(target, request_headers, body, "application/json");
      if (!result) return {0, "no answer: " + httplib::to_string(result.error())};
      return {result->status, ""};
    } catch (const std::exception& error) {
      return {0, std::string("request failed: ") + error.what()};
    }
  }
};

}  // namespace

std::unique_ptr<WebhookTransport> NewHttpWebhookTransport() {
  return std::make_unique<HttplibWebhookTransport>();
}

}  // namespace cordon
