// Signing, the retry schedule and the delivery worker; see delivery.h.
#include "notify/delivery.h"

#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "notify/notify.h"

namespace cordon {
namespace {

using json = nlohmann::json;

constexpr std::string_view kSecretPrefix = "whsec_";
constexpr size_t kSecretBytes = 32;
constexpr int kBatch = 50;

std::string Base64(const unsigned char* data, size_t size) {
  std::string out(sodium_base64_encoded_len(size, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

bool IsAcknowledged(int status) { return status >= 200 && status <= 299; }

std::string Truncate(std::string text, size_t max) {
  if (text.size() > max) text.resize(max);
  return text;
}

}  // namespace

std::string NewWebhookSecret(Rng& rng) {
  std::array<uint8_t, kSecretBytes> bytes{};
  rng.Fill(bytes);
  return std::string(kSecretPrefix) + Base64(bytes.data(), bytes.size());
}

Result<std::string> SignWebhook(const std::string& secret, const std::string& id,
                                long long timestamp_seconds, const std::string& body) {
  if (secret.rfind(kSecretPrefix, 0) != 0) {
    return InvalidInput("webhook secret must start with whsec_", {{"secret", "bad prefix"}});
  }
  std::string encoded = secret.substr(kSecretPrefix.size());
  std::vector<unsigned char> key(encoded.size());
  size_t key_length = 0;
  if (encoded.empty() ||
      sodium_base642bin(key.data(), key.size(), encoded.data(), encoded.size(), nullptr,
                        &key_length, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      key_length == 0) {
    return InvalidInput("webhook secret is not base64 after whsec_", {{"secret", "not base64"}});
  }
  std::string content = id + "." + std::to_string(timestamp_seconds) + "." + body;
  crypto_auth_hmacsha256_state state;
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_init(&state, key.data(), key_length);
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(content.data()),
                                content.size());
  crypto_auth_hmacsha256_final(&state, mac.data());
  sodium_memzero(key.data(), key.size());
  return "v1," + Base64(mac.data(), mac.size());
}

std::chrono::milliseconds RetryDelay(const BackoffPolicy& policy, int failed_attempts) {
  using std::chrono::milliseconds;
  if (failed_attempts < 1) failed_attempts = 1;
  milliseconds delay = policy.base;
  for (int doubling = 1; doubling < failed_attempts; ++doubling) {
    if (delay >= policy.cap) break;
    delay *= 2;
  }
  return std::min(delay, policy.cap);
}

// --- DeliveryWorker

DeliveryWorker::DeliveryWorker(Store& store, const Clock& clock, Rng& rng,
                               const SecretsKey& secrets_key,
                               std::unique_ptr<WebhookTransport> webhooks, DeliveryOptions options)
    : store_(store),
      clock_(clock),
      rng_(rng),
      secrets_key_(secrets_key),
      webhooks_(std::move(webhooks)),
      options_(std::move(options)),
      // New notices are committed by other units of work, so they are found
      // by polling; the sleep is no longer than until the next retry is due.
      worker_(
          "notice delivery", options_.poll, [this] { return RunOnce().status(); },
          [this] { return NextDueIn(); }) {}

DeliveryWorker::~DeliveryWorker() { Stop(); }

void DeliveryWorker::Start() { worker_.Start(); }
void DeliveryWorker::Stop() { worker_.Stop(); }
void DeliveryWorker::Wake() { worker_.Wake(); }

std::optional<std::chrono::milliseconds> DeliveryWorker::NextDueIn() {
  std::optional<Timestamp> next;
  Status read = store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(next, tx.NextDeliveryDue());
    return Status::Ok();
  });
  if (!read.ok() || !next.has_value()) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(*next - clock_.Now());
}

Result<int> DeliveryWorker::RunOnce() {
  CORDON_RETURN_IF_ERROR(PlanNew());
  std::vector<NoticeDeliveryRecord> due;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(due, tx.ListDueDeliveries(clock_.Now(), kBatch));
    return Status::Ok();
  }));
  int attempts = 0;
  for (const NoticeDeliveryRecord& delivery : due) {
    Status status = Attempt(delivery);
    if (!status.ok()) {
      spdlog::warn("notice delivery {}: {}", delivery.id, status.error().ToString());
    } else {
      ++attempts;
    }
  }
  return attempts;
}

Status DeliveryWorker::PlanNew() {
  std::vector<NoticeRecord> notices;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(notices, tx.ListUnplannedNotices(kBatch));
    return Status::Ok();
  }));
  for (const NoticeRecord& notice : notices) {
    Status status = store_.Write([&](WriteTx& tx) -> Status {
      Timestamp now = clock_.Now();
      std::vector<NoticeDeliveryRecord> deliveries;
      auto add = [&](const std::string& channel, const std::string& endpoint_id,
                     const std::string& address) {
        NoticeDeliveryRecord delivery;
        delivery.id = NewId(rng_, "dlv");
        delivery.notice_id = notice.id;
        delivery.channel = channel;
        delivery.endpoint_id = endpoint_id;
        delivery.address = address;
        delivery.status = "pending";
        delivery.next_attempt_at = now;
        delivery.created_at = now;
        deliveries.push_back(std::move(delivery));
      };
      if (!notice.recipient_org_id.empty()) {
        CORDON_ASSIGN_OR_RETURN(std::vector<WebhookEndpointRecord> endpoints,
                                tx.ListWebhookEndpoints(Scope{notice.recipient_org_id}));
        for (const WebhookEndpointRecord& endpoint : endpoints) {
          add("webhook", endpoint.id, endpoint.url);
        }
      }
      if (options_.mail) {
        std::set<std::string> addresses;
        json party = json::parse(notice.recipient_party, nullptr, false);
        if (party.is_object() && party.contains("email") && party["email"].is_string()) {
          addresses.insert(party["email"].get<std::string>());
        }
        if (!notice.recipient_org_id.empty()) {
          CORDON_ASSIGN_OR_RETURN(std::vector<User> users,
                                  tx.ListUsers(Scope{notice.recipient_org_id}));
          for (const User& user : users) {
            if (user.active && (user.role == Role::kAdmin || user.role == Role::kIprOfficer ||
                                user.role == Role::kRightHolderRep)) {
              addresses.insert(user.email);
            }
          }
        }
        for (const std::string& address : addresses) add("email", "", address);
      }
      return tx.PlanNoticeDeliveries(notice.id, deliveries);
    });
    // kConflict: another worker (another process on the same file) planned
    // it. Any other failure is logged and retried on the next pass; it must
    // not hold up the other notices.
    if (!status.ok() && status.error().code() != ErrorCode::kConflict) {
      spdlog::warn("planning the deliveries of notice {}: {}", notice.id,
                   status.error().ToString());
    }
  }
  return Status::Ok();
}

Status DeliveryWorker::Attempt(const NoticeDeliveryRecord& delivery) {
  NoticeRecord notice;
  WebhookEndpointRecord endpoint;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(notice, tx.GetNoticeForDelivery(delivery.notice_id));
    if (delivery.channel == "webhook") {
      CORDON_ASSIGN_OR_RETURN(endpoint, tx.GetWebhookEndpointForDelivery(delivery.endpoint_id));
    }
    return Status::Ok();
  }));

  DeliveryAttemptRecord attempt;
  attempt.attempt = delivery.attempts + 1;
  if (delivery.channel == "webhook") {
    json payload = {{"type", "notice.created"},
                    {"timestamp", FormatTimestamp(notice.created_at)},
                    {"data", NoticeJson(notice)}};
    std::string body = payload.dump(-1, ' ', false, json::error_handler_t::replace);
    Timestamp now = clock_.Now();
    long long seconds =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    // The secret is opened only here, to sign, and wiped right after.
    Result<std::string> signature = [&]() -> Result<std::string> {
      CORDON_ASSIGN_OR_RETURN(std::string secret, OpenWebhookSecret(secrets_key_, endpoint));
      Result<std::string> signed_value = SignWebhook(secret, delivery.id, seconds, body);
      sodium_memzero(secret.data(), secret.size());
      return signed_value;
    }();
    if (!signature.ok()) {
      // Never sent unsigned: the failure is recorded as an attempt without
      // a request, so the sender sees why, and retried on the usual schedule
      // (it succeeds once the right key file is back).
      spdlog::error("notice delivery {}: not sent: {}", delivery.id, signature.error().message());
      attempt.at = clock_.Now();
      attempt.outcome = "failed";
      attempt.error = Truncate("not sent: " + signature.error().message(), 500);
    } else {
      std::vector<std::pair<std::string, std::string>> headers = {
          {"webhook-id", delivery.id},
          {"webhook-timestamp", std::to_string(seconds)},
          {"webhook-signature", *signature},
          {"User-Agent", "Cordon-Webhooks/1"},
      };
      HttpPostResult result = webhooks_->Post(endpoint.url, headers, body);
      attempt.at = clock_.Now();
      if (result.status != 0) attempt.http_status = result.status;
      if (IsAcknowledged(result.status)) {
        attempt.outcome = "acknowledged";
      } else {
        attempt.outcome = "failed";
        attempt.error = result.status != 0 ? fmt::format("HTTP {}", result.status)
                                           : Truncate(result.error, 500);
      }
    }
  } else if (delivery.channel == "email") {
    if (!options_.mail) return Status::Ok();  // mail switched off since planning: wait
    MailMessage message;
    message.from = options_.mail_from;
    message.to = delivery.address;
    message.subject = notice.subject;
    message.body = notice.body + "\n--\nCordon notice " + notice.id + ", " +
                   FormatTimestamp(notice.created_at) +
                   ". Also in your organisation's Cordon inbox.\n";
    message.message_id = "<" + delivery.id + "@cordon>";
    Status sent = options_.mail->Send(message);
    attempt.at = clock_.Now();
    if (sent.ok()) {
      attempt.outcome = "acknowledged";
    } else {
      attempt.outcome = "failed";
      attempt.error = Truncate(sent.error().message(), 500);
    }
  } else {
    return Internal("unknown delivery channel " + delivery.channel);
  }

  bool delivered = attempt.outcome == "acknowledged";
  std::optional<Timestamp> next;
  if (!delivered) {
    next = attempt.at + RetryDelay(options_.backoff, attempt.attempt);
  }
  Status recorded = store_.Write([&](WriteTx& tx) -> Status {
    CORDON_RETURN_IF_ERROR(tx.RecordDeliveryAttempt(
        delivery.id, attempt, delivered ? "delivered" : "pending", next));
    if (!delivered) return Status::Ok();
    AuditEvent event;
    event.at = attempt.at;
    event.org_id = notice.sender_org_id;
    event.action = "notice.delivered";
    event.object_type = "notice";
    event.object_id = notice.id;
    event.detail = json{{"delivery_id", delivery.id},
                        {"channel", delivery.channel},
                        {"attempt", attempt.attempt}}
                       .dump();
    return tx.AppendAuditEvent(event).status();
  });
  // Cancelled meanwhile (endpoint deleted): nothing to record.
  if (!recorded.ok() && recorded.error().code() == ErrorCode::kConflict) return Status::Ok();
  return recorded;
}

}  // namespace cordon
