// A webhook receiver for end-to-end tests: a real HTTP server on 127.0.0.1
// that records every request and refuses the first attempts of each delivery,
// as a flaky receiving system would.
#pragma once

#include <httplib.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cordon::e2e {

// A webhook receiver: answers 500 to the first `failures` attempts of each
// delivery (by its webhook-id), then 200 (or 500 to everything while
// `refusing`).
class WebhookReceiver {
 public:
  explicit WebhookReceiver(int failures) : failures_(failures) {
    server_.Post("/cordon", [this](const httplib::Request& request, httplib::Response& response) {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(request);
      int attempt = ++attempts_[request.get_header_value("webhook-id")];
      bool fail = refusing_ || attempt <= failures_;
      response.status = fail ? 500 : 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~WebhookReceiver() {
    server_.stop();
    thread_.join();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/cordon"; }
  void SetRefusing(bool refusing) {
    std::lock_guard<std::mutex> lock(mutex_);
    refusing_ = refusing;
  }
  std::vector<httplib::Request> Requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  // Waits (up to a minute) until at least `count` requests arrived.
  std::vector<httplib::Request> WaitFor(size_t count) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      std::vector<httplib::Request> seen = Requests();
      if (seen.size() >= count) return seen;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return Requests();
  }

 private:
  int failures_;
  bool refusing_ = false;
  std::map<std::string, int> attempts_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<httplib::Request> requests_;
};

// The attempts of one delivery, by its webhook-id.
inline std::vector<httplib::Request> AttemptsOf(const std::vector<httplib::Request>& requests,
                                                const std::string& delivery_id) {
  std::vector<httplib::Request> attempts;
  for (const httplib::Request& request : requests) {
    if (request.get_header_value("webhook-id") == delivery_id) attempts.push_back(request);
  }
  return attempts;
}

}  // namespace cordon::e2e
