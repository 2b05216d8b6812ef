// Notices, webhook endpoints and their delivery outbox as the store holds
// them (issue 5). Included by store.h; only the notify module interprets the
// JSON text columns.
//
// Thread safety: plain values.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.h"

namespace cordon {

// A notice one organisation (the sender, a customs administration) gives to
// a party: an organisation with an account in Cordon (`recipient_org_id`), or
// a party without one (a declarant), described in `recipient_party`.
struct NoticeRecord {
  std::string id;                // "ntc_..."
  std::string sender_org_id;     // the administration giving the notice
  std::string recipient_org_id;  // empty: the recipient has no account
  std::string recipient_role;    // "right_holder" | "declarant" | "applicant"
  std::string recipient_party;   // JSON object {name,address,country,email}; "{}" when none
  std::string kind;              // "case.suspension_notice", ...
  std::string subject;
  std::string body;  // the legal text, plain UTF-8
  std::string data;  // JSON object: the structured facts (deadlines, references)
  std::string object_type;  // "case", "application"
  std::string object_id;
  Timestamp created_at{};
  std::optional<Date> due_by;  // the day by which the law wants it given
  std::optional<Timestamp> read_at;  // set by the recipient organisation
};

struct NoticeFilter {
  // "inbox": notices addressed to the scope's organisation; "sent": notices
  // it gave.
  std::string box = "inbox";
  bool unread_only = false;  // inbox only
  // Newest first, by (created_at, id) descending; `after` is the previous
  // page's cursor (opaque); empty = first page.
  std::string after;
  int limit = 50;  // 1..1000
};

// An HTTPS/HTTP endpoint an organisation registered for its notices.
struct WebhookEndpointRecord {
  std::string id;  // "whk_..."
  std::string org_id;
  std::string url;
  std::string description;
  // The signing secret ("whsec_" + base64) as stored: sealed with the node's
  // secrets key ("v1:<key id>:...", core/secrets_key.h) by the notify module,
  // which alone opens it, to sign a delivery. Databases written before
  // secrets were sealed hold it in clear until `cordon serve` seals it.
  std::string stored_secret;
  Timestamp created_at{};
  std::optional<Timestamp> deleted_at;
};

// One attempt at delivering a notice through one channel.
struct DeliveryAttemptRecord {
  int attempt = 0;  // 1, 2, ...
  Timestamp at{};
  std::optional<int> http_status;  // webhook answers; nullopt for e-mail or no answer
  std::string outcome;             // "acknowledged" | "failed"
  std::string error;               // empty when acknowledged
};

// The delivery of one notice to one webhook endpoint or one e-mail address.
struct NoticeDeliveryRecord {
  std::string id;  // "dlv_..."
  std::string notice_id;
  std::string channel;      // "webhook" | "email"
  std::string endpoint_id;  // webhook only
  std::string address;      // the URL or e-mail address when planned
  std::string status;       // "pending" | "delivered" | "cancelled"
  int attempts = 0;
  std::optional<Timestamp> next_attempt_at;  // pending only
  std::optional<Timestamp> delivered_at;
  std::string last_error;
  Timestamp created_at{};
  std::vector<DeliveryAttemptRecord> attempt_log;  // filled by ListNoticeDeliveries
};

}  // namespace cordon
