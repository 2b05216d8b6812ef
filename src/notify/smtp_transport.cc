// The e-mail transport over libcurl's SMTP client: the only file of this
// module that knows libcurl.
#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>

#include "core/time.h"
#include "notify/delivery.h"

namespace cordon {
namespace {

struct Upload {
  std::string data;
  size_t offset = 0;
};

size_t ReadChunk(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  size_t room = size * count;
  size_t left = upload->data.size() - upload->offset;
  size_t chunk = std::min(room, left);
  std::memcpy(buffer, upload->data.data() + upload->offset, chunk);
  upload->offset += chunk;
  return chunk;
}

// RFC 2047 encoded-word for a subject that is not plain ASCII.
std::string EncodeHeader(const std::string& text) {
  bool ascii = std::all_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (ascii) return text;
  static constexpr char kTable[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t index = 0; index < text.size(); index += 3) {
    unsigned value = static_cast<unsigned char>(text[index]) << 16;
    if (index + 1 < text.size()) value |= static_cast<unsigned char>(text[index + 1]) << 8;
    if (index + 2 < text.size()) value |= static_cast<unsigned char>(text[index + 2]);
    out += kTable[(value >> 18) & 63];
    out += kTable[(value >> 12) & 63];
    out += index + 1 < text.size() ? kTable[(value >> 6) & 63] : '=';
    out += index + 2 < text.size() ? kTable[value & 63] : '=';
  }
  return "=?UTF-8?B?" + out + "?=";
}

// CRLF line ends, and dot-stuffing is done by libcurl.
std::string CrLf(const std::string& text) {
  std::string out;
  for (size_t index = 0; index < text.size(); ++index) {
    if (text[index] == '\n' && (index == 0 || text[index - 1] != '\r')) out += '\r';
    out += text[index];
  }
  return out;
}

std::string RfcDate() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S +0000", &utc);
  return buffer;
}

class CurlMailTransport final : public MailTransport {
 public:
  explicit CurlMailTransport(std::string url) : url_(std::move(url)) {
    static std::once_flag init;
    std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  Status Send(const MailMessage& message) override {
    for (const std::string* header : {&message.from, &message.to, &message.message_id}) {
      if (header->find_first_of("\r\n") != std::string::npos) {
        return InvalidInput("mail header contains a line break");
      }
    }
    CURL* curl = curl_easy_init();
    if (curl == nullptr) return Internal("curl_easy_init failed");
    Upload upload;
    upload.data = "Date: " + RfcDate() + "\r\nFrom: <" + message.from + ">\r\nTo: <" + message.to +
                  ">\r\nMessage-ID: " + message.message_id +
                  "\r\nSubject: " + EncodeHeader(message.subject) +
                  "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                  "Content-Transfer-Encoding: 8bit\r\n\r\n" +
                  CrLf(message.body);
    std::string from = "<" + message.from + ">";
    curl_slist* recipients = curl_slist_append(nullptr, ("<" + message.to + ">").c_str());
    char error_buffer[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadChunk);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
    CURLcode code = curl_easy_perform(curl);
    long response = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response);
    curl_slist_free_all(recipients);
    curl_easy_cleanup(curl);
    if (code != CURLE_OK) {
      std::string detail = error_buffer[0] != 0 ? error_buffer : curl_easy_strerror(code);
      return Unavailable("SMTP: " + detail +
                         (response != 0 ? " (server answered " + std::to_string(response) + ")"
                                        : std::string()));
    }
    return Status::Ok();
  }

 private:
  std::string url_;
};

}  // namespace

Status ValidateSmtpUrl(const std::string& url) {
  auto bad = [](const std::string& message) {
    return InvalidInput("--smtp-url " + message, {{"smtp_url", message}});
  };
  std::string rest;
  if (url.rfind("smtp://", 0) == 0) {
    rest = url.substr(7);
  } else if (url.rfind("smtps://", 0) == 0) {
    rest = url.substr(8);
  } else {
    return bad("must start with smtp:// or smtps://");
  }
  std::string authority = rest.substr(0, rest.find('/'));
  if (authority.empty() || authority.front() == ':') return bad("must name a host");
  if (url.find_first_of(" \r\n") != std::string::npos) return bad("must not contain spaces");
  return Status::Ok();
}

std::unique_ptr<MailTransport> NewSmtpMailTransport(const std::string& url) {
  return std::make_unique<CurlMailTransport>(url);
}

}  // namespace cordon
