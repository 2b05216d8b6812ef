// Notices (issue 5): what a customs administration tells the parties of a
// procedure, with its legal content, recorded in the store in the same unit
// of work as the event that requires it, shown in the recipient
// organisation's inbox and delivered by webhook and e-mail (delivery.h).
//
//   - CreateNotice: called by domain code (the case engine, the rights
//     module) inside its own store.Write, so the notice exists exactly when
//     the event does ("transactional outbox").
//   - RenderCaseNotice: the legal text of the case notices per jurisdiction
//     (EU 608/2013, TRIPS, CN), citing its sources and the due dates.
//   - NotificationService: the inbox and webhook endpoints for API callers.
//
// Thread safety: the free functions are reentrant; NotificationService is
// safe to share between threads when its Rng is (SystemRng is).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/identity_types.h"
#include "core/random.h"
#include "core/result.h"
#include "core/secrets_key.h"
#include "core/time.h"
#include "store/store.h"

namespace cordon {

// A party as named in a procedure (declarant, holder of the goods). `email`
// is optional; when given, the notice is also e-mailed there.
struct NoticeParty {
  std::string name;
  std::string address;
  std::string country;
  std::string email;
};

// What the caller of CreateNotice supplies.
struct NoticeDraft {
  std::string sender_org_id;     // the administration giving the notice
  std::string recipient_org_id;  // empty: a party without an account (recipient_party)
  std::string recipient_role;    // "right_holder" | "declarant" | "applicant"
  NoticeParty recipient_party;   // may be empty when recipient_org_id is set
  std::string kind;              // "case.suspension_notice", ...
  std::string subject;
  std::string body;  // the legal text
  nlohmann::json data = nlohmann::json::object();
  std::string object_type;  // "case", "application"
  std::string object_id;
  std::optional<Date> due_by;  // the last day the law allows for giving it
};

// Validates the draft and records it in `tx` with an audit event
// ("notice.created", by the sender organisation, no user). The delivery
// worker picks it up after commit. kInvalidInput naming the field (e.g.
// "recipient_party.email") for an incomplete draft; kNotFound when the
// recipient organisation does not exist.
Result<NoticeRecord> CreateNotice(WriteTx& tx, Rng& rng, Timestamp now, const NoticeDraft& draft);

// --- Case notices and their legal content.

enum class CaseNoticeKind {
  kSuspension,       // release suspended / goods detained: the Art. 17(3) / 18(3) notice
  kOpposition,       // the declarant opposed destruction (608/2013 Art. 23(3), 26(8))
  kExtension,        // the response period was extended (608/2013 Art. 23(4), TRIPS Art. 55)
  kDeemedAgreement,  // the declarant is deemed to agree (608/2013 Art. 23(1), 26(6))
  kDestruction,      // the goods were destroyed (or confiscated, CN)
  kRelease,          // the goods are released
  kHandover,         // the goods were handed over to the authority deciding on the merits
};
// Wire names: "case.suspension_notice", "case.opposition_notice",
// "case.extension_notice", "case.deemed_agreement_notice",
// "case.destruction_notice", "case.release_notice", "case.handover_notice".
const char* CaseNoticeKindName(CaseNoticeKind kind);

enum class NoticeAddressee { kRightHolder, kDeclarant };

struct CaseNoticeDeadline {
  std::string name;  // "response_due", "application_due", "proceedings_due"
  Date due{};
  std::string reference;  // its legal source
};

// The facts a case notice states. Only what is set is printed.
struct CaseNoticeFacts {
  std::string jurisdiction = "EU";  // "EU" | "TRIPS" | "CN"
  std::string case_id;
  std::string administration;  // the customs administration's name
  std::string office;          // UN/LOCODE of the detaining office
  std::string procedure = "application";  // "application" | "ex_officio"
  bool perishable = false;
  bool small_consignment = false;
  std::optional<Date> suspended_on;
  std::optional<Date> notified_on;
  std::string application_id;  // the decision granting the application, if any
  std::string goods;           // e.g. "240 pairs of sports shoes bearing the mark ZENTRA"
  std::string holder_name;     // the right holder
  std::string declarant_name;  // the declarant or holder of the goods
  std::vector<CaseNoticeDeadline> deadlines;
  std::optional<Date> event_on;  // destruction, release or deemed agreement day
  std::string detail;            // free text appended (e.g. destruction method and place)
};

// The subject, legal text and structured data of a case notice. kInvalidInput
// for an unknown jurisdiction or a notice the jurisdiction does not have
// (e.g. deemed agreement under TRIPS or CN; extension under CN), naming the
// field `kind` or `jurisdiction`; kInvalidInput naming `case_id` when absent.
struct RenderedNotice {
  std::string kind;
  std::string subject;
  std::string body;
  nlohmann::json data;
};
Result<RenderedNotice> RenderCaseNotice(CaseNoticeKind kind, NoticeAddressee to,
                                        const CaseNoticeFacts& facts);

// --- The inbox and webhook endpoints, for API callers.

// A notice as shown to a caller, with its deliveries (see store.h for who
// sees which).
struct NoticeView {
  NoticeRecord notice;
  std::vector<NoticeDeliveryRecord> deliveries;
};

struct NoticeQuery {
  std::string box = "inbox";  // "inbox" | "sent"
  bool unread_only = false;
  std::string cursor;
  int limit = 50;
};

// A webhook endpoint just registered: the only time its secret is shown.
struct CreatedWebhook {
  WebhookEndpointRecord endpoint;  // stored_secret sealed
  std::string secret;              // "whsec_...", in clear
};

class NotificationService {
 public:
  // New endpoints' secrets are sealed with `secrets_key` (which must outlive
  // the service).
  NotificationService(Store& store, const Clock& clock, Rng& rng, const SecretsKey& secrets_key);

  // Roles: the organisation's admin, ipr_officer and right_holder_rep users
  // handle notices; other roles get kForbidden. Notices and endpoints of
  // other organisations are kNotFound.
  Result<Page<NoticeRecord>> List(const Caller& caller, const NoticeQuery& query);
  Result<NoticeView> Get(const Caller& caller, const std::string& id);
  // Marks a notice addressed to the caller's organisation read (idempotent:
  // the first read time is kept) and returns it.
  Result<NoticeView> MarkRead(const Caller& caller, const std::string& id);

  // body: {"url": "https://...", "description": "..."}; the URL must be
  // absolute http(s) with a host, no user info or fragment, at most 2048
  // characters (kInvalidInput naming `url`). At most 10 live endpoints per
  // organisation (kConflict).
  Result<CreatedWebhook> CreateWebhook(const Caller& caller, const nlohmann::json& body);
  Result<std::vector<WebhookEndpointRecord>> ListWebhooks(const Caller& caller);
  // Pending deliveries to it are cancelled.
  Status DeleteWebhook(const Caller& caller, const std::string& id);

 private:
  Store& store_;
  const Clock& clock_;
  Rng& rng_;
  const SecretsKey& secrets_key_;
};

// --- Webhook secrets at rest (docs/notifications.md "Secrets at rest").
//
// Each endpoint's secret is stored sealed with the node's secrets key
// (core/secrets_key.h), bound to the endpoint: the associated data is
// "cordon/webhook-secret\n" + org_id + "\n" + id.

std::string SealWebhookSecret(const SecretsKey& key, const WebhookEndpointRecord& endpoint,
                              std::string_view secret, Rng& rng);
// The endpoint's secret in clear, for signing a delivery. kCorrupt naming
// the endpoint when its stored secret is not sealed, was sealed with another
// key, was altered, or belongs to another endpoint.
Result<std::string> OpenWebhookSecret(const SecretsKey& key, const WebhookEndpointRecord& endpoint);

// The id of a key that sealed some stored webhook secret, or nullopt when
// none is sealed (checked before a new key may be created: a new key cannot
// open secrets sealed with a lost one).
Result<std::optional<std::string>> WebhookSecretsSealedKeyId(Store& store);

// Run by `cordon serve` at start, before deliveries: kConflict naming both
// key ids when a stored secret was sealed with another key than `key` (the
// key file does not belong to this database); otherwise seals every secret
// still in clear (written before secrets were sealed), in one transaction,
// so a crash leaves all of them clear or all sealed. Returns how many were
// sealed. kCorrupt naming the endpoint for a stored value that is neither.
Result<int> PrepareWebhookSecrets(Store& store, const SecretsKey& key, Rng& rng);

// Whether `email` is plausibly one address: local@domain with a dot in the
// domain, at most 254 bytes, no spaces, control characters, brackets, quotes,
// commas or semicolons. What CreateNotice accepts for a party.
bool PlausibleEmail(std::string_view email);

// Checks a webhook URL; the error message says what is wrong with it.
Status ValidateWebhookUrl(const std::string& url);

// JSON forms (the API's and the webhook payload's). Secrets are never
// included except by CreatedWebhookJson.
nlohmann::json NoticeJson(const NoticeRecord& notice);
nlohmann::json NoticeViewJson(const NoticeView& view);
nlohmann::json WebhookJson(const WebhookEndpointRecord& endpoint);
nlohmann::json CreatedWebhookJson(const CreatedWebhook& created);

}  // namespace cordon
