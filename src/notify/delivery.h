// Delivering notices (issue 5): webhooks signed with HMAC-SHA256 and retried
// with capped exponential backoff until a 2xx acknowledges them, and e-mail
// through an SMTP server when one is configured. All delivery state lives in
// the store, so a restarted server carries on where it stopped.
//
// Webhook signature (the Standard Webhooks scheme, https://www.standardwebhooks.com):
//   webhook-id:        the delivery id ("dlv_..."), the same on every retry
//   webhook-timestamp: Unix seconds of this attempt
//   webhook-signature: "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body))
// where key is the base64-decoded part of the endpoint secret after "whsec_".
// docs/notifications.md has the receiver's verification recipe.
//
// Network access goes through the WebhookTransport and MailTransport
// interfaces (implemented with cpp-httplib and libcurl), so tests of the
// worker logic can use real receivers or inject failures.
//
// Thread safety: Sign/Verify/Backoff are pure. A DeliveryWorker runs its own
// thread; Start/Stop/Wake may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/periodic_worker.h"
#include "core/random.h"
#include "core/result.h"
#include "core/secrets_key.h"
#include "core/time.h"
#include "store/store.h"

namespace cordon {

// --- Signing

// A new endpoint secret: "whsec_" + base64 of 32 random bytes.
std::string NewWebhookSecret(Rng& rng);
// The webhook-signature header value for one attempt. kInvalidInput when the
// secret is not "whsec_" + base64.
Result<std::string> SignWebhook(const std::string& secret, const std::string& id,
                                long long timestamp_seconds, const std::string& body);

// --- Retry schedule

struct BackoffPolicy {
  std::chrono::milliseconds base{std::chrono::seconds(10)};  // delay after the 1st failure
  std::chrono::milliseconds cap{std::chrono::hours(1)};      // longest delay
};
// The delay before attempt `failed_attempts + 1` after `failed_attempts`
// (>= 1) failures: base * 2^(failed_attempts - 1), at most cap. Retries never
// stop on their own: a notice is delivered when acknowledged, or the endpoint
// is deleted.
std::chrono::milliseconds RetryDelay(const BackoffPolicy& policy, int failed_attempts);

// --- Transports

struct HttpPostResult {
  int status = 0;  // 0: no HTTP answer (connection refused, timeout, ...)
  std::string error;  // why there was no answer
};

class WebhookTransport {
 public:
  virtual ~WebhookTransport() = default;
  // POSTs `body` (application/json) with `headers` to `url`; never throws.
  virtual HttpPostResult Post(const std::string& url,
                              const std::vector<std::pair<std::string, std::string>>& headers,
                              const std::string& body) = 0;
};
// cpp-httplib: 5 s connect, 10 s read/write timeouts; no redirects followed
// (a 3xx is a failed attempt).
std::unique_ptr<WebhookTransport> NewHttpWebhookTransport();

struct MailMessage {
  std::string from;
  std::string to;
  std::string subject;
  std::string body;  // plain text, UTF-8
  std::string message_id;  // "<dlv_...@cordon>"
};

class MailTransport {
 public:
  virtual ~MailTransport() = default;
  // Sends one message; kUnavailable with the server's answer when refused.
  virtual Status Send(const MailMessage& message) = 0;
};
// libcurl SMTP. `url`: "smtp://host:port" (or smtps://); 10 s timeouts.
std::unique_ptr<MailTransport> NewSmtpMailTransport(const std::string& url);
// kInvalidInput naming `smtp_url` unless it is smtp:// or smtps:// with a host.
Status ValidateSmtpUrl(const std::string& url);

// --- The worker

struct DeliveryOptions {
  BackoffPolicy backoff;
  // When set, notices are also e-mailed: to the recipient party's address,
  // and to the active admin, ipr_officer and right_holder_rep users of the
  // recipient organisation.
  std::unique_ptr<MailTransport> mail;
  std::string mail_from = "cordon@localhost";
  // How long the worker sleeps when nothing is due (it is also woken by
  // Wake(), and checks for new notices this often).
  std::chrono::milliseconds poll{std::chrono::milliseconds(500)};
};

// Plans the deliveries of new notices (one per live webhook endpoint of the
// recipient organisation, one per e-mail address when mail is configured)
// and attempts those due. Attempts are recorded in the store; the first 2xx
// marks a delivery delivered (exactly once) and appends a "notice.delivered"
// audit event. Webhook secrets are opened with `secrets_key` (which must
// outlive the worker) just to sign; when one cannot be opened (wrong key,
// altered value) nothing is sent, and the attempt is recorded as failed with
// the reason naming the endpoint, then retried on the usual schedule.
class DeliveryWorker {
 public:
  DeliveryWorker(Store& store, const Clock& clock, Rng& rng, const SecretsKey& secrets_key,
                 std::unique_ptr<WebhookTransport> webhooks, DeliveryOptions options);
  ~DeliveryWorker();  // stops the thread
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  void Start();
  void Stop();
  void Wake();

  // One pass: plan new notices, attempt due deliveries. Returns how many
  // attempts were made. Public for tests that drive the worker by hand.
  Result<int> RunOnce();

 private:
  Status PlanNew();
  Status Attempt(const NoticeDeliveryRecord& delivery);
  // Until the next delivery is due; nullopt when none is or it cannot be read.
  std::optional<std::chrono::milliseconds> NextDueIn();

  Store& store_;
  const Clock& clock_;
  Rng& rng_;
  const SecretsKey& secrets_key_;
  std::unique_ptr<WebhookTransport> webhooks_;
  DeliveryOptions options_;
  PeriodicWorker worker_;  // last: its thread stops before the members it uses go
};

}  // namespace cordon
