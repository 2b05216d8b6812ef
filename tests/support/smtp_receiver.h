// A tiny SMTP server on 127.0.0.1 for tests: accepts connections one after
// another, answers the commands a client needs to hand over a message
// (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and keeps every message
// received. Enough to prove that Cordon's SMTP client delivers; not a mail
// server. Header-only so unit and end-to-end tests can share it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cordon::test_support {

struct ReceivedMail {
  std::string from;               // MAIL FROM argument
  std::vector<std::string> to;    // RCPT TO arguments
  std::string data;               // the message, CRLF line ends, without the final "."
};

class SmtpReceiver {
 public:
  SmtpReceiver() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(listen_fd_, 8);
    socklen_t length = sizeof address;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~SmtpReceiver() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }
  SmtpReceiver(const SmtpReceiver&) = delete;
  SmtpReceiver& operator=(const SmtpReceiver&) = delete;

  int port() const { return port_; }
  std::string Url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

  // Waits until `count` messages arrived or `limit` passed; returns them.
  std::vector<ReceivedMail> WaitFor(size_t count, std::chrono::seconds limit) {
    std::unique_lock<std::mutex> lock(mutex_);
    arrived_.wait_for(lock, limit, [&] { return mails_.size() >= count; });
    return mails_;
  }

 private:
  void Serve() {
    while (!stop_) {
      pollfd waiting{listen_fd_, POLLIN, 0};
      if (::poll(&waiting, 1, 100) <= 0) continue;
      int client = ::accept(listen_fd_, nullptr, nullptr);
      if (client < 0) continue;
      Converse(client);
      ::close(client);
    }
  }

  // Reads one CRLF-terminated line; false when the client went away.
  bool ReadLine(int fd, std::string& buffer, std::string& line) {
    while (true) {
      size_t end = buffer.find("\r\n");
      if (end != std::string::npos) {
        line = buffer.substr(0, end);
        buffer.erase(0, end + 2);
        return true;
      }
      pollfd waiting{fd, POLLIN, 0};
      if (::poll(&waiting, 1, 5000) <= 0) return false;
      char chunk[4096];
      ssize_t got = ::read(fd, chunk, sizeof chunk);
      if (got <= 0) return false;
      buffer.append(chunk, static_cast<size_t>(got));
    }
  }

  static void Send(int fd, const std::string& text) {
    std::string line = text + "\r\n";
    (void)!::write(fd, line.data(), line.size());
  }

  static std::string Upper(std::string text) {
    for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
  }

  void Converse(int fd) {
    Send(fd, "220 test-smtp ready");
    std::string buffer;
    std::string line;
    ReceivedMail mail;
    while (ReadLine(fd, buffer, line)) {
      std::string verb = Upper(line.substr(0, 4));
      if (verb == "EHLO" || verb == "HELO") {
        Send(fd, "250 test-smtp");
      } else if (verb == "MAIL") {
        mail = ReceivedMail();
        mail.from = line.substr(line.find(':') + 1);
        Send(fd, "250 OK");
      } else if (verb == "RCPT") {
        mail.to.push_back(line.substr(line.find(':') + 1));
        Send(fd, "250 OK");
      } else if (verb == "DATA") {
        Send(fd, "354 end with <CRLF>.<CRLF>");
        std::string data;
        while (ReadLine(fd, buffer, line) && line != ".") {
          if (!line.empty() && line[0] == '.') line.erase(0, 1);  // dot-stuffing
          data += line + "\r\n";
        }
        mail.data = data;
        {
          std::lock_guard<std::mutex> lock(mutex_);
          mails_.push_back(mail);
        }
        arrived_.notify_all();
        Send(fd, "250 OK queued");
      } else if (verb == "QUIT") {
        Send(fd, "221 bye");
        return;
      } else if (verb == "RSET" || verb == "NOOP") {
        Send(fd, "250 OK");
      } else {
        Send(fd, "502 not implemented");
      }
    }
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<ReceivedMail> mails_;
};

}  // namespace cordon::test_support
