// Exchange between Cordon nodes (issue 7): partners and closed user groups,
// versioned message types, the outbox and the inbox, and the worker that
// delivers the outbox. Envelopes and node keys are in envelope.h;
// docs/exchange.md describes the formats and every rejection reason.
//
//   - A node speaks for one local customs administration (NodeKeys::org_id);
//     only that organisation's users reach these operations (others get
//     kForbidden).
//   - Sending stores one outgoing message per recipient in the same unit of
//     work as the act that causes it (Send; ReferCase with the case event);
//     ExchangeDeliveryWorker then POSTs it to the partner's inbox until a
//     signed receipt comes back.
//   - Receive is the inbox: it opens the envelope, checks the sender may send
//     that type, the payload's schema and replay, stores the message and
//     returns a signed receipt; a duplicate delivery gets the stored receipt.
//
// Thread safety: ExchangeService is safe to share between threads when its
// Rng is (SystemRng is). The worker runs its own thread; Start/Stop/Wake may
// be called from any thread.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/identity_types.h"
#include "core/periodic_worker.h"
#include "core/random.h"
#include "core/result.h"
#include "core/time.h"
#include "exchange/envelope.h"
#include "store/store.h"

namespace cordon::exchange {

// The message types partners may be allowed, in documentation order.
const std::vector<std::string>& MessageTypes();  // referral feedback alert joint_profile statistics
constexpr int kPayloadVersion = 1;

// Validates a payload of `type` (version 1, docs/exchange.md). kInvalidInput
// with every bad field named from the payload root ("payload.goods[1].hs");
// unknown members are errors (an alert has no place for personal data).
Status ValidatePayload(const std::string& type, int version, const nlohmann::json& payload);

// What to send: to one partner or to every member of a group.
struct SendRequest {
  std::string type;
  std::string to;     // partner node id, or empty
  std::string group;  // group name, or empty (exactly one of to/group)
  nlohmann::json payload;
  std::string in_reply_to;
  std::string object_type;  // what caused it ("case"), or empty
  std::string object_id;
  std::string user_id;  // empty for the operator's CLI
};

// The inbox's answer.
struct InboxOutcome {
  bool accepted = false;
  bool duplicate = false;  // the same envelope was delivered before
  std::string receipt;     // compact JWE receipt for the sender (accepted only)
  std::string message_local_id;
  std::optional<RejectionError> rejected;
};

class ExchangeService {
 public:
  ExchangeService(Store& store, const Clock& clock, Rng& rng, NodeKeys keys);

  const NodeKeys& keys() const { return keys_; }
  // The node's public JWK Set as of now.
  nlohmann::json Jwks() const;

  // --- partners and groups (admin of the node's administration; the CLI
  // passes std::nullopt as caller: the operator acts for the node).
  // body: {"id","name","inbox","jwks":{...},"legal_basis","country"?,
  //        "allow_send":[...],"allow_receive":[...],"status":"active"|"suspended"};
  // every bad field named. kConflict when the partner exists. With a
  // country, the inbox refuses statistics of another country from it.
  Result<ExchangePartnerRecord> AddPartner(const std::optional<Caller>& caller,
                                           const nlohmann::json& body);
  // The same body, every member optional (what is given replaces).
  Result<ExchangePartnerRecord> UpdatePartner(const std::optional<Caller>& caller,
                                              const std::string& node_id,
                                              const nlohmann::json& body);
  Result<std::vector<ExchangePartnerRecord>> ListPartners(const Caller& caller);
  // body: {"description": "...", "members": ["CN-GACC", ...]} (registered partners).
  Result<ExchangeGroupRecord> PutGroup(const std::optional<Caller>& caller, const std::string& name,
                                       const nlohmann::json& body);
  Result<std::vector<ExchangeGroupRecord>> ListGroups(const Caller& caller);
  Result<std::vector<ExchangeRejectionRecord>> ListRejections(const std::optional<Caller>& caller,
                                                              int limit);

  // --- sending. Roles: ipr_officer, risk_analyst, admin. body: {"type",
  // "to" | "group", "payload", "in_reply_to"?}. Returns one message per
  // recipient, pending delivery.
  Result<std::vector<ExchangeMessageRecord>> Send(const Caller& caller, const nlohmann::json& body);
  // The same for the operator's CLI and for other modules' units of work.
  Result<std::vector<ExchangeMessageRecord>> Queue(const SendRequest& request);
  Result<std::vector<ExchangeMessageRecord>> QueueIn(WriteTx& tx, const SendRequest& request);
  // "Refer this case": a referral built from a detention case of the
  // caller's administration (goods, office, the case id as reference; the
  // parties only with "include_parties": true), queued in the same unit of
  // work as the case event "case.referred". body: {"to","summary"?,
  // "include_parties"?, "route"?, "containers"?}. Role: ipr_officer, admin.
  Result<ExchangeMessageRecord> ReferCase(const Caller& caller, const std::string& case_id,
                                          const nlohmann::json& body);
  // The envelope Queue would send to one partner, without storing anything
  // (`cordon exchange envelope`).
  Result<std::string> Envelope(const SendRequest& request);

  // --- receiving.
  InboxOutcome Receive(const std::string& envelope);
  // Verifies and decrypts without storing (`cordon exchange open`): the
  // same checks as Receive, with replay meaning "a different message with
  // this id was received". kInvalidInput is never returned: a refused
  // envelope is in `rejected`.
  OpenResult Inspect(const std::string& envelope);

  // --- the administration's messages (officers, analysts, admin).
  Result<Page<ExchangeMessageRecord>> ListMessages(const Caller& caller,
                                                   const ExchangeMessageFilter& filter);
  Result<ExchangeMessageRecord> GetMessage(const Caller& caller, const std::string& id);
  // Accepts a received message, in one unit of work with what it creates:
  // referral -> its parties join the watchlist; joint_profile -> the profile
  // joins screening (active, owned by the caller's administration);
  // statistics, alert, feedback -> marked accepted. Roles: risk_analyst,
  // admin (ipr_officer too for referral/alert/feedback). kConflict unless
  // the message is "received".
  Result<ExchangeMessageRecord> Accept(const Caller& caller, const std::string& id);
  Result<ExchangeMessageRecord> Decline(const Caller& caller, const std::string& id);

 private:
  friend class ExchangeDeliveryWorker;  // opens receipts with the node's keys
  Status RequireNodeOrg(const std::optional<Caller>& caller, bool admin_only) const;
  std::optional<SenderKeys> LookupSender(ReadTx& tx, const std::string& node_id) const;
  Result<std::string> SealFor(const ExchangePartnerRecord& partner, const EnvelopeHeader& header,
                              const std::string& payload) const;
  OpenResult OpenAndCheck(ReadTx& tx, const std::string& envelope, const std::string& sha256,
                          std::optional<ExchangeMessageRecord>* duplicate_of);

  Store& store_;
  const Clock& clock_;
  Rng& rng_;
  NodeKeys keys_;
};

// JSON forms for the API and the CLI.
nlohmann::json PartnerJson(const ExchangePartnerRecord& partner);
nlohmann::json GroupJson(const ExchangeGroupRecord& group);
nlohmann::json MessageJson(const ExchangeMessageRecord& message);
nlohmann::json RejectionJson(const ExchangeRejectionRecord& rejection);
// The header and payload of an opened envelope (`cordon exchange open`).
nlohmann::json OpenedJson(const OpenedEnvelope& opened);

// --- delivery

struct InboxReply {
  int status = 0;  // 0: no HTTP answer
  std::string body;
  std::string error;
};
class InboxTransport {
 public:
  virtual ~InboxTransport() = default;
  // POSTs the envelope (application/jose) to the partner's inbox URL.
  virtual InboxReply Post(const std::string& url, const std::string& envelope) = 0;
};
// cpp-httplib: 5 s connect, 10 s read/write timeouts, no redirects.
std::unique_ptr<InboxTransport> NewHttpInboxTransport();

struct ExchangeDeliveryOptions {
  std::chrono::milliseconds retry_base{std::chrono::seconds(10)};
  std::chrono::milliseconds retry_cap{std::chrono::hours(1)};
  std::chrono::milliseconds poll{std::chrono::milliseconds(500)};
};

// Delivers pending outgoing messages: a 200 whose body is a receipt signed by
// the partner for this message id marks it delivered (exactly once, with the
// receipt kept); a 422 (the partner refused it, with a reason) marks it
// rejected; anything else is retried after base * 2^(attempts-1), at most
// cap, until the message expires (then "expired").
class ExchangeDeliveryWorker {
 public:
  ExchangeDeliveryWorker(ExchangeService& service, Store& store, const Clock& clock,
                         std::unique_ptr<InboxTransport> transport,
                         ExchangeDeliveryOptions options);
  ~ExchangeDeliveryWorker();
  ExchangeDeliveryWorker(const ExchangeDeliveryWorker&) = delete;
  ExchangeDeliveryWorker& operator=(const ExchangeDeliveryWorker&) = delete;

  void Start();
  void Stop();
  void Wake();
  // One pass over the due messages; returns how many attempts were made.
  Result<int> RunOnce();

 private:
  Status Attempt(const ExchangeMessageRecord& message);
  // Until the next message is due; nullopt when none is or it cannot be read.
  std::optional<std::chrono::milliseconds> NextDueIn();

  ExchangeService& service_;
  Store& store_;
  const Clock& clock_;
  std::unique_ptr<InboxTransport> transport_;
  ExchangeDeliveryOptions options_;
  PeriodicWorker worker_;  // last: its thread stops before the members it uses go
};

}  // namespace cordon::exchange
