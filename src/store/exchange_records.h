// Exchange between Cordon nodes (issue 7) as the store holds it: partners,
// closed user groups, the messages sent (the outbox the delivery worker
// reads) and received, and refused envelopes. Included by store.h; only the
// exchange module interprets the JSON text columns.
//
// Thread safety: plain values.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.h"

namespace cordon {

// A partner node registered by an admin of the local administration
// (org_id). Trust is set out of band: `jwks` is imported from a file.
struct ExchangePartnerRecord {
  std::string org_id;   // the local administration
  std::string node_id;  // the partner's node id, e.g. "CN-GACC"
  std::string name;
  std::string inbox_url;  // "http://host:port/api/v1/exchange/inbox"
  std::string jwks;       // JSON text: the partner's public JWK Set
  std::string legal_basis;  // the agreement the exchange rests on
  std::string country;      // ISO 3166-1 alpha-2 the partner speaks for, or "" (not given)
  std::vector<std::string> allow_send;     // types we may send it
  std::vector<std::string> allow_receive;  // types it may send us
  std::string status = "active";           // active | suspended
  Timestamp created_at{};
  Timestamp updated_at{};
};

// A closed user group: a named set of partners for an operation.
struct ExchangeGroupRecord {
  std::string org_id;
  std::string name;
  std::string description;
  std::vector<std::string> members;  // partner node ids, sorted
  Timestamp created_at{};
};

// One message sent to or received from one partner.
struct ExchangeMessageRecord {
  std::string id;          // local id, "xmsg_..."
  std::string org_id;      // the local administration
  std::string direction;   // "out" | "in"
  std::string message_id;  // the envelope's jti (for "out": equal to id)
  std::string partner;     // recipient (out) or sender (in) node id
  std::string type;        // referral | feedback | alert | joint_profile | statistics
  int version = 1;
  std::string in_reply_to;  // a message id, or empty
  std::string group_name;   // the group it was sent to, or empty
  std::string payload;      // JSON text
  std::string envelope;     // the compact JWE as sent / received
  std::string envelope_sha256;  // hex
  // out: pending | delivered | rejected | expired
  // in:  received | accepted | declined
  std::string state;
  int attempts = 0;
  std::optional<Timestamp> next_attempt_at;  // out, pending only
  std::string last_error;
  std::string receipt;  // the signed receipt envelope (out: got back; in: returned)
  std::string object_type;  // what caused it ("case"), or empty
  std::string object_id;
  std::string created_by;  // user id; empty for the CLI
  Timestamp created_at{};
  Timestamp expires_at{};
  Timestamp updated_at{};
  std::string result;  // JSON text: what accepting it created (profile id, watchlist ids)
};

struct ExchangeMessageFilter {
  std::optional<std::string> direction;
  std::optional<std::string> state;
  std::optional<std::string> type;
  // Newest first by (created_at, id); `after` is the previous page's cursor.
  std::string after;
  int limit = 50;  // 1..1000
};

// An envelope the inbox refused, with why. `sender` and `message_id` are as
// claimed (unverified when the signature did not verify).
struct ExchangeRejectionRecord {
  std::string id;  // "xrej_..."
  std::string org_id;
  Timestamp at{};
  std::string reason;  // RejectionName
  std::string detail;
  std::string sender;
  std::string message_id;
  std::string envelope_sha256;
};

}  // namespace cordon
