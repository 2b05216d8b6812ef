// Partners, groups, the outbox and the inbox; see exchange.h.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <regex>
#include <set>

#include "core/codes.h"
#include "core/digest.h"
#include "exchange/exchange.h"
#include "exchange/exchange_internal.h"
#include "screening/profiles.h"
#include "screening/screening_service.h"
#include "screening/watchlist.h"
#include "stats/stats.h"

namespace cordon::exchange {

using nlohmann::json;

namespace {

constexpr std::chrono::hours kDefaultValidity{24 * 14};
constexpr std::initializer_list<Role> kSenderRoles = {Role::kIprOfficer, Role::kRiskAnalyst,
                                                      Role::kAdmin};
constexpr std::initializer_list<Role> kReaderRoles = {Role::kIprOfficer, Role::kRiskAnalyst,
                                                      Role::kAdmin, Role::kFrontlineOfficer};

bool HasRole(const Caller& caller, std::initializer_list<Role> roles) {
  return std::find(roles.begin(), roles.end(), caller.role) != roles.end();
}

bool IsMessageType(const std::string& type) {
  const auto& types = MessageTypes();
  return std::find(types.begin(), types.end(), type) != types.end();
}

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// "http(s)://host[:port]/path" with a host, no user info or fragment.
bool ValidInboxUrl(const std::string& url) {
  static const std::regex kUrl(R"(https?://[A-Za-z0-9.\-\[\]:]+(/[^\s#]*)?)");
  return url.size() <= 2048 && std::regex_match(url, kUrl) && url.find('@') == std::string::npos;
}

Result<std::vector<std::string>> ReadTypeList(const json& body, const std::string& key,
                                              std::vector<FieldError>& errors) {
  std::vector<std::string> types;
  const json& value = body[key];
  if (!value.is_array()) {
    errors.push_back({key, "must be an array of message types"});
    return types;
  }
  for (size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string() || !IsMessageType(value[i].get<std::string>())) {
      errors.push_back({key + "[" + std::to_string(i) + "]",
                        "must be referral, feedback, alert, joint_profile or statistics"});
    } else if (!Contains(types, value[i].get<std::string>())) {
      types.push_back(value[i].get<std::string>());
    }
  }
  return types;
}

// Applies the members of a partner body to `partner`; `creating` requires
// id, inbox and jwks.
Status ApplyPartnerBody(const json& body, bool creating, ExchangePartnerRecord& partner) {
  if (!body.is_object()) return InvalidInput("a JSON object body is required");
  std::vector<FieldError> errors;
  static const std::set<std::string> kKeys = {"id",          "name",       "inbox",
                                              "jwks",        "legal_basis", "country",
                                              "allow_send",  "allow_receive", "status"};
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (!kKeys.count(it.key())) errors.push_back({it.key(), "is not a partner member"});
  }
  auto string_member = [&](const char* key, std::string& out, bool required, size_t max) {
    if (!body.contains(key) || body[key].is_null()) {
      if (required) errors.push_back({key, "is required"});
      return;
    }
    if (!body[key].is_string() || body[key].get<std::string>().size() > max) {
      errors.push_back({key, "must be a string of at most " + std::to_string(max) + " characters"});
      return;
    }
    out = body[key].get<std::string>();
  };
  if (creating) {
    std::string id;
    string_member("id", id, true, 64);
    if (!id.empty()) {
      Status valid = ValidateNodeId(id, "id");
      if (!valid.ok()) errors.push_back(valid.error().fields().at(0));
      partner.node_id = id;
    }
  }
  string_member("name", partner.name, false, 200);
  if (body.contains("inbox")) {
    string_member("inbox", partner.inbox_url, true, 2048);
    if (!partner.inbox_url.empty() && !ValidInboxUrl(partner.inbox_url)) {
      errors.push_back({"inbox", "must be an absolute http(s) URL with a host"});
    }
  } else if (creating) {
    errors.push_back({"inbox", "is required"});
  }
  string_member("legal_basis", partner.legal_basis, creating, 500);
  if (body.contains("country") && !body["country"].is_null()) {
    if (!body["country"].is_string() || !IsCountryCode(body["country"].get<std::string>())) {
      errors.push_back({"country", "must be an ISO 3166-1 alpha-2 country code"});
    } else {
      partner.country = body["country"].get<std::string>();
    }
  }
  if (body.contains("jwks")) {
    Status valid = ValidatePartnerJwks(body["jwks"]);
    if (!valid.ok()) {
      if (valid.error().fields().empty()) errors.push_back({"jwks", valid.error().message()});
      for (const FieldError& error : valid.error().fields()) {
        errors.push_back({"jwks." + error.field, error.message});
      }
    } else {
      partner.jwks = body["jwks"].dump();
    }
  } else if (creating) {
    errors.push_back({"jwks", "is required"});
  }
  if (body.contains("allow_send")) {
    partner.allow_send = *ReadTypeList(body, "allow_send", errors);
  }
  if (body.contains("allow_receive")) {
    partner.allow_receive = *ReadTypeList(body, "allow_receive", errors);
  }
  if (body.contains("status")) {
    if (body["status"] != "active" && body["status"] != "suspended") {
      errors.push_back({"status", "must be active or suspended"});
    } else {
      partner.status = body["status"].get<std::string>();
    }
  }
  if (!errors.empty()) return InvalidInput("invalid partner", std::move(errors));
  return Status::Ok();
}

json ParseOrEmpty(const std::string& text) {
  json parsed = json::parse(text, nullptr, false);
  return parsed.is_discarded() ? json() : parsed;
}

// `error` with its fields named under `prefix` ("payload.file"): the
// payload's fields as the inbox names them.
Error Under(const std::string& prefix, const Error& error) {
  std::vector<FieldError> fields;
  for (const FieldError& field : error.fields()) {
    fields.push_back({field.field.empty() ? prefix : prefix + "." + field.field, field.message});
  }
  if (fields.empty()) fields.push_back({prefix, error.message()});
  return Error(error.code(), error.message(), std::move(fields));
}

OpenResult Rejected(Rejection reason, std::string detail, const EnvelopeHeader& header) {
  OpenResult result;
  result.rejected = RejectionError{reason, std::move(detail), header.sender, header.message_id};
  return result;
}

}  // namespace

ExchangeService::ExchangeService(Store& store, const Clock& clock, Rng& rng, NodeKeys keys)
    : store_(store), clock_(clock), rng_(rng), keys_(std::move(keys)) {}

json ExchangeService::Jwks() const { return keys_.PublicJwks(clock_.Now()); }

Status ExchangeService::RequireNodeOrg(const std::optional<Caller>& caller, bool admin_only) const {
  if (!caller) return Status::Ok();  // the operator's CLI acts for the node
  if (caller->org_id != keys_.org_id) {
    return Forbidden("only users of " + keys_.org_id + ", the administration of node " +
                     keys_.node_id + ", use its exchange");
  }
  if (admin_only && caller->role != Role::kAdmin) {
    return Forbidden("only an admin manages exchange partners and groups");
  }
  return Status::Ok();
}

std::optional<SenderKeys> ExchangeService::LookupSender(ReadTx& tx,
                                                        const std::string& node_id) const {
  Result<ExchangePartnerRecord> partner = tx.GetExchangePartner(Scope{keys_.org_id}, node_id);
  if (!partner.ok()) return std::nullopt;
  return SenderKeys{ParseOrEmpty(partner->jwks), partner->status == "active"};
}

// --- partners and groups ------------------------------------------------------------

Result<ExchangePartnerRecord> ExchangeService::AddPartner(const std::optional<Caller>& caller,
                                                          const json& body) {
  CORDON_RETURN_IF_ERROR(RequireNodeOrg(caller, true));
  ExchangePartnerRecord partner;
  CORDON_RETURN_IF_ERROR(ApplyPartnerBody(body, true, partner));
  if (partner.node_id == keys_.node_id) {
    return InvalidInput("a node is not its own partner", {{"id", "is this node's own id"}});
  }
  if (partner.name.empty()) partner.name = partner.node_id;
  partner.org_id = keys_.org_id;
  partner.created_at = partner.updated_at = clock_.Now();
  CORDON_RETURN_IF_ERROR(store_.Write([&](WriteTx& tx) -> Status {
    CORDON_RETURN_IF_ERROR(tx.InsertExchangePartner(partner));
    AuditEvent event;
    event.at = partner.created_at;
    event.org_id = keys_.org_id;
    event.user_id = caller ? caller->user_id : "";
    event.action = "exchange.partner_added";
    event.object_type = "exchange_partner";
    event.object_id = partner.node_id;
    event.detail = json({{"legal_basis", partner.legal_basis},
                         {"allow_send", partner.allow_send},
                         {"allow_receive", partner.allow_receive}})
                       .dump();
    return tx.AppendAuditEvent(event).status();
  }));
  return partner;
}

Result<ExchangePartnerRecord> ExchangeService::UpdatePartner(const std::optional<Caller>& caller,
                                                             const std::string& node_id,
                                                             const json& body) {
  CORDON_RETURN_IF_ERROR(RequireNodeOrg(caller, true));
  if (body.is_object() && body.contains("id") && body["id"] != node_id) {
    return InvalidInput("a partner's id cannot change", {{"id", "differs from the path"}});
  }
  ExchangePartnerRecord partner;
  CORDON_RETURN_IF_ERROR(store_.Write([&](WriteTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(partner, tx.GetExchangePartner(Scope{keys_.org_id}, node_id));
    json without_id = body;
    if (without_id.is_object()) without_id.erase("id");
    CORDON_RETURN_IF_ERROR(ApplyPartnerBody(without_id, false, partner));
    partner.updated_at = clock_.Now();
    CORDON_RETURN_IF_ERROR(tx.UpdateExchangePartner(partner));
    AuditEvent event;
    event.at = partner.updated_at;
    event.org_id = keys_.org_id;
    event.user_id = caller ? caller->user_id : "";
    event.action = "exchange.partner_updated";
    event.object_type = "exchange_partner";
    event.object_id = partner.node_id;
    event.detail = json({{"status", partner.status}}).dump();
    return tx.AppendAuditEvent(event).status();
  }));
  return partner;
}

Result<std::vector<ExchangePartnerRecord>> ExchangeService::ListPartners(const Caller& caller) {
  CORDON_RETURN_IF_ERROR(RequireNodeOrg(caller, false));
  std::vector<ExchangePartnerRecord> partners;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(partners, tx.ListExchangePartners(Scope{keys_.org_id}));
    return Status::Ok();
  }));
  return partners;
}

Result<ExchangeGroupRecord> ExchangeService::PutGroup(const std::optional<Caller>& caller,
                                                      const std::string& name, const json& body) {
  CORDON_RETURN_IF_ERROR(RequireNodeOrg(caller, true));
  std::vector<FieldError> errors;
  static const std::regex kName("[A-Za-z0-9._-]{1,64}");
  if (!std::regex_match(name, kName)) errors.push_back({"name", "must be 1 to 64 of A-Z a-z 0-9 . _ -"});
  ExchangeGroupRecord group;
  group.org_id = keys_.org_id;
  group.name = name;
  if (!body.is_object()) return InvalidInput("a JSON object body is required");
  if (body.contains("description")) {
    if (!body["description"].is_string()) {
      errors.push_back({"description", "must be a string"});
    } else {
      group.description = body["description"].get<std::string>();
    }
  }
  if (!body.contains("members") || !body["members"].is_array() || body["members"].empty()) {
    errors.push_back({"members", "must be a non-empty array of partner ids"});
  }
  if (!errors.empty()) return InvalidInput("invalid group", std::move(errors));
  group.created_at = clock_.Now();
  CORDON_RETURN_IF_ERROR(store_.Write([&](WriteTx& tx) -> Status {
    std::vector<FieldError> member_errors;
    for (size_t i = 0; i < body["members"].size(); ++i) {
      const json& member = body["members"][i];
      const std::string field = "members[" + std::to_string(i) + "]";
      if (!member.is_string()) {
        member_errors.push_back({field, "must be a partner id"});
        continue;
      }
      if (!tx.GetExchangePartner(Scope{keys_.org_id}, member.get<std::string>()).ok()) {
        member_errors.push_back({field, "is not a registered partner"});
        continue;
      }
      if (!Contains(group.members, member.get<std::string>())) {
        group.members.push_back(member.get<std::string>());
      }
    }
    if (!member_errors.empty()) return InvalidInput("invalid group", std::move(member_errors));
    std::sort(group.members.begin(), group.members.end());
    return tx.PutExchangeGroup(group);
  }));
  return group;
}

Result<std::vector<ExchangeGroupRecord>> ExchangeService::ListGroups(const Caller& caller) {
  CORDON_RETURN_IF_ERROR(RequireNodeOrg(caller, false));
  std::vector<ExchangeGroupRecord> groups;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(groups, tx.ListExchangeGroups(Scope{keys_.org_id}));
    return Status::Ok();
  }));
  return groups;
}

Result<std::vector<ExchangeRejectionRecord>> ExchangeService::ListRejections(
    const std::optional<Caller>& caller, int limit) {
  CORDON_RETURN_IF_ERROR(RequireNodeOrg(caller, true));
  std::vector<ExchangeRejectionRecord> rejections;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(rejections, tx.ListExchangeRejections(Scope{keys_.org_id}, limit));
    return Status::Ok();
  }));
  return rejections;
}

// --- sending ------------------------------------------------------------------------------

Result<std::string> ExchangeService::SealFor(const ExchangePartnerRecord& partner,
                                             const EnvelopeHeader& header,
                                             const std::string& payload) const {
  return Seal(keys_, ParseOrEmpty(partner.jwks), header, payload);
}

Result<std::vector<ExchangeMessageRecord>> ExchangeService::Send(const Caller& caller,
                                                                 const json& body) {
  CORDON_RETURN_IF_ERROR(RequireNodeOrg(caller, false));
  if (!HasRole(caller, kSenderRoles)) {
    return Forbidden("only an ipr_officer, risk_analyst or admin sends exchange messages");
  }
  if (!body.is_object()) return InvalidInput("a JSON object body is required");
  std::vector<FieldError> errors;
  static const std::set<std::string> kKeys = {"type", "to", "group", "payload", "in_reply_to"};
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (!kKeys.count(it.key())) errors.push_back({it.key(), "is not a member of a message"});
  }
  SendRequest request;
  auto text = [&](const char* key, std::string& out) {
    if (!body.contains(key) || body[key].is_null()) return;
    if (!body[key].is_string()) {
      errors.push_back({key, "must be a string"});
    } else {
      out = body[key].get<std::string>();
    }
  };
  text("type", request.type);
  text("to", request.to);
  text("group", request.group);
  text("in_reply_to", request.in_reply_to);
  if (!errors.empty()) return InvalidInput("invalid message", std::move(errors));
  request.payload = body.value("payload", json());
  request.user_id = caller.user_id;
  return Queue(request);
}

Result<std::vector<ExchangeMessageRecord>> ExchangeService::Queue(const SendRequest& request) {
  std::vector<ExchangeMessageRecord> queued;
  CORDON_RETURN_IF_ERROR(store_.Write([&](WriteTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(queued, QueueIn(tx, request));
    return Status::Ok();
  }));
  return queued;
}

Result<std::vector<ExchangeMessageRecord>> ExchangeService::QueueIn(WriteTx& tx,
                                                                    const SendRequest& request) {
  std::vector<FieldError> errors;
  if (request.type.empty()) {
    errors.push_back({"type", "is required"});
  } else if (!IsMessageType(request.type)) {
    errors.push_back({"type", "must be referral, feedback, alert, joint_profile or statistics"});
  }
  if (request.to.empty() == request.group.empty()) {
    errors.push_back({request.to.empty() ? "to" : "group", "give exactly one of to and group"});
  }
  static const std::regex kMessageId("[A-Za-z0-9._:-]{1,128}");
  if (!request.in_reply_to.empty() && !std::regex_match(request.in_reply_to, kMessageId)) {
    errors.push_back({"in_reply_to", "must be a message id"});
  }
  if (!errors.empty()) return InvalidInput("invalid message", std::move(errors));
  CORDON_RETURN_IF_ERROR(ValidatePayload(request.type, kPayloadVersion, request.payload));
  if (request.type == "statistics") {
    // A node sends its own administration's figures.
    CORDON_ASSIGN_OR_RETURN(Organisation org, tx.GetOrganisation(keys_.org_id));
    if (request.payload["file"]["reporting_country"] != org.country) {
      return InvalidInput("the statistics file is not this administration's",
                          {{"payload.file.reporting_country",
                            "must be " + org.country + ", the country of " + org.name}});
    }
  }

  const Scope scope{keys_.org_id};
  std::vector<std::string> recipients;
  if (!request.to.empty()) {
    recipients.push_back(request.to);
  } else {
    Result<ExchangeGroupRecord> group = tx.GetExchangeGroup(scope, request.group);
    if (!group.ok()) {
      return InvalidInput("no group named \"" + request.group + "\"", {{"group", "is not a group"}});
    }
    recipients = group->members;
  }
  const Timestamp now = clock_.Now();
  const std::string payload_text = request.payload.dump();
  std::vector<ExchangeMessageRecord> queued;
  for (const std::string& recipient : recipients) {
    const std::string field = request.to.empty() ? "group" : "to";
    Result<ExchangePartnerRecord> partner = tx.GetExchangePartner(scope, recipient);
    if (!partner.ok()) {
      return InvalidInput("\"" + recipient + "\" is not a registered partner",
                          {{field, recipient + " is not a registered partner"}});
    }
    if (partner->status != "active") {
      return Conflict("partner " + recipient + " is " + partner->status);
    }
    if (!Contains(partner->allow_send, request.type)) {
      return Forbidden("the exchange with " + recipient + " does not allow sending " +
                       request.type + " messages (legal basis: " + partner->legal_basis + ")");
    }
    ExchangeMessageRecord message;
    message.id = NewId(rng_, "xmsg");
    message.org_id = keys_.org_id;
    message.direction = "out";
    message.message_id = message.id;
    message.partner = recipient;
    message.type = request.type;
    message.version = kPayloadVersion;
    message.in_reply_to = request.in_reply_to;
    message.group_name = request.group;
    message.payload = payload_text;
    message.state = "pending";
    message.next_attempt_at = now;
    message.object_type = request.object_type;
    message.object_id = request.object_id;
    message.created_by = request.user_id;
    message.created_at = message.updated_at = now;
    message.expires_at = now + kDefaultValidity;
    message.result = "{}";
    EnvelopeHeader header;
    header.type = message.type;
    header.version = message.version;
    header.message_id = message.message_id;
    header.sender = keys_.node_id;
    header.recipient = recipient;
    header.issued_at = std::chrono::floor<std::chrono::seconds>(now);
    header.expires_at = std::chrono::floor<std::chrono::seconds>(message.expires_at);
    header.in_reply_to = message.in_reply_to;
    CORDON_ASSIGN_OR_RETURN(message.envelope, SealFor(*partner, header, payload_text));
    message.envelope_sha256 = Sha256Hex(message.envelope);
    CORDON_RETURN_IF_ERROR(tx.InsertExchangeMessage(message));
    AuditEvent event;
    event.at = now;
    event.org_id = keys_.org_id;
    event.user_id = request.user_id;
    event.action = "exchange.sent";
    event.object_type = "exchange_message";
    event.object_id = message.id;
    event.detail = json({{"to", recipient},
                         {"type", message.type},
                         {"group", message.group_name},
                         {"envelope_sha256", message.envelope_sha256}})
                       .dump();
    CORDON_RETURN_IF_ERROR(tx.AppendAuditEvent(event).status());
    queued.push_back(std::move(message));
  }
  return queued;
}

Result<ExchangeMessageRecord> ExchangeService::ReferCase(const Caller& caller,
                                                         const std::string& case_id,
                                                         const json& body) {
  CORDON_RETURN_IF_ERROR(RequireNodeOrg(caller, false));
  if (caller.role != Role::kIprOfficer && caller.role != Role::kAdmin) {
    return Forbidden("only an ipr_officer or admin refers a case to a partner");
  }
  if (!body.is_object()) return InvalidInput("a JSON object body is required");
  std::vector<FieldError> errors;
  static const std::set<std::string> kKeys = {"to", "summary", "include_parties", "route",
                                              "containers", "photo_hashes"};
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (!kKeys.count(it.key())) errors.push_back({it.key(), "is not a member of a referral request"});
  }
  if (!body.value("to", json()).is_string()) errors.push_back({"to", "is required (a partner id)"});
  if (body.contains("include_parties") && !body["include_parties"].is_boolean()) {
    errors.push_back({"include_parties", "must be true or false"});
  }
  if (!errors.empty()) return InvalidInput("invalid referral request", std::move(errors));
  ExchangeMessageRecord referral;
  CORDON_RETURN_IF_ERROR(store_.Write([&](WriteTx& tx) -> Status {
    const Scope scope{caller.org_id};
    CORDON_ASSIGN_OR_RETURN(CaseRecord found, tx.GetCase(scope, case_id));
    if (found.org_id != caller.org_id) return NotFound("case " + case_id + " not found");
    CORDON_ASSIGN_OR_RETURN(std::vector<CaseGoodsRecord> goods, tx.ListCaseGoods(scope, case_id));
    json payload = {{"case_reference", found.id}, {"goods", json::array()}};
    if (!found.office.empty()) payload["office"] = found.office;
    payload["detained_on"] = FormatDate(DateOf(found.created_at));
    if (body.contains("summary")) payload["summary"] = body["summary"];
    for (const char* key : {"route", "containers", "photo_hashes"}) {
      if (body.contains(key)) payload[key] = body[key];
    }
    for (const CaseGoodsRecord& line : goods) {
      json item = {{"description", line.description}};
      if (!line.hs.empty()) item["hs"] = line.hs;
      double quantity = std::atof(line.quantity.c_str());
      if (quantity > 0) item["quantity"] = quantity;
      if (!line.unit.empty()) item["unit"] = line.unit;
      if (!line.mark.empty()) item["mark"] = line.mark;
      if (!line.ipr_type.empty()) item["ipr_type"] = line.ipr_type;
      payload["goods"].push_back(std::move(item));
    }
    if (body.value("include_parties", false)) {
      json parties = ParseOrEmpty(found.parties);
      json list = json::array();
      for (const char* role : {"declarant", "holder_of_goods"}) {
        if (!parties.is_object() || !parties.contains(role) || !parties[role].is_object()) continue;
        const json& party = parties[role];
        if (!party.value("name", json()).is_string()) continue;
        json entry = {{"role", std::string(role) == "declarant" ? "declarant" : "consignee"},
                      {"name", party["name"]}};
        if (party.value("address", json()).is_string()) entry["address"] = party["address"];
        if (party.value("country", json()).is_string() &&
            party["country"].get<std::string>().size() == 2) {
          entry["country"] = party["country"];
        }
        list.push_back(std::move(entry));
      }
      payload["parties"] = std::move(list);
    }
    SendRequest request;
    request.type = "referral";
    request.to = body["to"].get<std::string>();
    request.payload = std::move(payload);
    request.object_type = "case";
    request.object_id = case_id;
    request.user_id = caller.user_id;
    CORDON_ASSIGN_OR_RETURN(std::vector<ExchangeMessageRecord> queued, QueueIn(tx, request));
    referral = queued.front();
    CaseEventRecord event;
    event.case_id = case_id;
    event.at = clock_.Now();
    event.org_id = caller.org_id;
    event.user_id = caller.user_id;
    event.party = "customs";
    event.action = "case.referred";
    event.from_state = found.state;
    event.to_state = found.state;
    event.detail = json({{"to", request.to}, {"message_id", referral.message_id}}).dump();
    return tx.AppendCaseEvent(event).status();
  }));
  return referral;
}

Result<std::string> ExchangeService::Envelope(const SendRequest& request) {
  std::string envelope;
  // Validated and sealed as Queue would, then rolled back: nothing is stored.
  Status status = store_.Write([&](WriteTx& tx) -> Status {
    if (request.to.empty()) {
      return InvalidInput("an envelope is for one partner", {{"to", "is required"}});
    }
    CORDON_ASSIGN_OR_RETURN(std::vector<ExchangeMessageRecord> queued, QueueIn(tx, request));
    envelope = queued.front().envelope;
    return Conflict("roll back");
  });
  if (!envelope.empty()) return envelope;
  return status.error();
}

// --- receiving -----------------------------------------------------------------------------

OpenResult ExchangeService::OpenAndCheck(ReadTx& tx, const std::string& envelope,
                                         const std::string& sha256,
                                         std::optional<ExchangeMessageRecord>* duplicate_of) {
  const Timestamp now = clock_.Now();
  OpenResult result = Open(
      keys_, envelope, [&](const std::string& node_id) { return LookupSender(tx, node_id); }, now);
  if (!result.opened) return result;
  const EnvelopeHeader& header = result.opened->header;
  Result<ExchangePartnerRecord> partner = tx.GetExchangePartner(Scope{keys_.org_id}, header.sender);
  if (!partner.ok()) return Rejected(Rejection::kUnknownSender, "partner removed", header);
  if (!Contains(partner->allow_receive, header.type)) {
    return Rejected(Rejection::kTypeNotAllowed,
                    "partner " + header.sender + " may not send " + header.type + " messages",
                    header);
  }
  Result<ExchangeMessageRecord> seen =
      tx.FindExchangeMessage(Scope{keys_.org_id}, "in", header.sender, header.message_id);
  if (seen.ok()) {
    if (seen->envelope_sha256 != sha256) {
      return Rejected(Rejection::kReplayed,
                      "message id " + header.message_id + " was received before with other content",
                      header);
    }
    if (duplicate_of != nullptr) *duplicate_of = *seen;
    return result;
  }
  json payload = json::parse(result.opened->payload, nullptr, false);
  if (payload.is_discarded()) return Rejected(Rejection::kInvalidPayload, "the payload is not JSON", header);
  Status valid = ValidatePayload(header.type, header.version, payload);
  if (!valid.ok()) {
    std::string detail = valid.error().message();
    for (const FieldError& field : valid.error().fields()) {
      detail += "; " + field.field + ": " + field.message;
    }
    return Rejected(header.version != kPayloadVersion ? Rejection::kInvalidHeader
                                                      : Rejection::kInvalidPayload,
                    detail, header);
  }
  if (header.type == "statistics") {
    // A partner's statistics are its own country's: never this node's
    // (PutPartnerStatisticsIn checks that again on acceptance), and the
    // partner's registered country when it has one.
    const json& country = payload["file"]["reporting_country"];
    Result<Organisation> org = tx.GetOrganisation(keys_.org_id);
    if (org.ok() && country == org->country) {
      return Rejected(Rejection::kInvalidPayload,
                      "invalid statistics payload; payload.file.reporting_country: must be a "
                      "partner's country, not " + org->country + ", this node's own",
                      header);
    }
    if (!partner->country.empty() && country != partner->country) {
      return Rejected(Rejection::kInvalidPayload,
                      "invalid statistics payload; payload.file.reporting_country: must be " +
                          partner->country + ", the country of partner " + partner->node_id,
                      header);
    }
  }
  return result;
}

OpenResult ExchangeService::Inspect(const std::string& envelope) {
  OpenResult result;
  Status status = store_.Read([&](ReadTx& tx) -> Status {
    result = OpenAndCheck(tx, envelope, Sha256Hex(envelope), nullptr);
    return Status::Ok();
  });
  if (!status.ok()) {
    result.opened.reset();
    result.rejected = RejectionError{Rejection::kMalformed, status.error().ToString(), "", ""};
  }
  return result;
}

InboxOutcome ExchangeService::Receive(const std::string& envelope) {
  InboxOutcome outcome;
  const std::string sha256 = Sha256Hex(envelope);
  const Timestamp now = clock_.Now();
  Status status = store_.Write([&](WriteTx& tx) -> Status {
    std::optional<ExchangeMessageRecord> duplicate;
    OpenResult opened = OpenAndCheck(tx, envelope, sha256, &duplicate);
    if (opened.rejected) {
      outcome.rejected = opened.rejected;
      ExchangeRejectionRecord rejection;
      rejection.id = NewId(rng_, "xrej");
      rejection.org_id = keys_.org_id;
      rejection.at = now;
      rejection.reason = RejectionName(opened.rejected->reason);
      rejection.detail = opened.rejected->detail;
      rejection.sender = opened.rejected->sender.substr(0, 200);
      rejection.message_id = opened.rejected->message_id.substr(0, 200);
      rejection.envelope_sha256 = sha256;
      return tx.InsertExchangeRejection(rejection);
    }
    if (duplicate) {
      outcome.accepted = true;
      outcome.duplicate = true;
      outcome.receipt = duplicate->receipt;
      outcome.message_local_id = duplicate->id;
      return Status::Ok();
    }
    const EnvelopeHeader& header = opened.opened->header;
    CORDON_ASSIGN_OR_RETURN(ExchangePartnerRecord partner,
                            tx.GetExchangePartner(Scope{keys_.org_id}, header.sender));
    ExchangeMessageRecord message;
    message.id = NewId(rng_, "xmsg");
    message.org_id = keys_.org_id;
    message.direction = "in";
    message.message_id = header.message_id;
    message.partner = header.sender;
    message.type = header.type;
    message.version = header.version;
    message.in_reply_to = header.in_reply_to;
    message.payload = json::parse(opened.opened->payload).dump();
    message.envelope = envelope;
    message.envelope_sha256 = sha256;
    message.state = "received";
    message.created_at = message.updated_at = now;
    message.expires_at = header.expires_at;
    message.result = "{}";
    // The receipt: signed by this node, for the sender, naming the message.
    EnvelopeHeader receipt_header;
    receipt_header.type = "receipt";
    receipt_header.message_id = NewId(rng_, "xrcpt");
    receipt_header.sender = keys_.node_id;
    receipt_header.recipient = header.sender;
    receipt_header.issued_at = std::chrono::floor<std::chrono::seconds>(now);
    receipt_header.expires_at = std::chrono::floor<std::chrono::seconds>(now + kDefaultValidity);
    receipt_header.in_reply_to = header.message_id;
    json receipt_payload = {{"message_id", header.message_id},
                            {"status", "received"},
                            {"received_at", FormatTimestamp(now)}};
    CORDON_ASSIGN_OR_RETURN(message.receipt,
                            SealFor(partner, receipt_header, receipt_payload.dump()));
    CORDON_RETURN_IF_ERROR(tx.InsertExchangeMessage(message));
    AuditEvent event;
    event.at = now;
    event.org_id = keys_.org_id;
    event.action = "exchange.received";
    event.object_type = "exchange_message";
    event.object_id = message.id;
    event.detail = json({{"from", message.partner},
                         {"type", message.type},
                         {"message_id", message.message_id},
                         {"envelope_sha256", sha256}})
                       .dump();
    CORDON_RETURN_IF_ERROR(tx.AppendAuditEvent(event).status());
    outcome.accepted = true;
    outcome.receipt = message.receipt;
    outcome.message_local_id = message.id;
    return Status::Ok();
  });
  if (!status.ok()) {
    outcome = InboxOutcome{};
    outcome.rejected = RejectionError{Rejection::kMalformed, "", "", ""};
    outcome.rejected->detail = "the inbox could not store the message: " + status.error().ToString();
    outcome.accepted = false;
    spdlog::warn("exchange inbox: {}", status.error().ToString());
  }
  if (outcome.rejected) {
    spdlog::info("exchange inbox refused an envelope from \"{}\": {} ({})",
                 outcome.rejected->sender, RejectionName(outcome.rejected->reason),
                 outcome.rejected->detail);
  }
  return outcome;
}

// --- the administration's messages ----------------------------------------------------------

Result<Page<ExchangeMessageRecord>> ExchangeService::ListMessages(
    const Caller& caller, const ExchangeMessageFilter& filter) {
  CORDON_RETURN_IF_ERROR(RequireNodeOrg(caller, false));
  if (!HasRole(caller, kReaderRoles)) return Forbidden("this role does not read exchange messages");
  Page<ExchangeMessageRecord> page;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(page, tx.ListExchangeMessages(Scope{keys_.org_id}, filter));
    return Status::Ok();
  }));
  return page;
}

Result<ExchangeMessageRecord> ExchangeService::GetMessage(const Caller& caller,
                                                          const std::string& id) {
  CORDON_RETURN_IF_ERROR(RequireNodeOrg(caller, false));
  if (!HasRole(caller, kReaderRoles)) return Forbidden("this role does not read exchange messages");
  ExchangeMessageRecord message;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(message, tx.GetExchangeMessage(Scope{keys_.org_id}, id));
    return Status::Ok();
  }));
  return message;
}

Result<ExchangeMessageRecord> ExchangeService::Accept(const Caller& caller, const std::string& id) {
  CORDON_RETURN_IF_ERROR(RequireNodeOrg(caller, false));
  ExchangeMessageRecord message;
  CORDON_RETURN_IF_ERROR(store_.Write([&](WriteTx& tx) -> Status {
    const Scope scope{keys_.org_id};
    CORDON_ASSIGN_OR_RETURN(message, tx.GetExchangeMessage(scope, id));
    if (message.direction != "in" || message.state != "received") {
      return Conflict("message " + id + " is " + message.direction + "/" + message.state +
                      "; only a received message can be accepted");
    }
    const bool analyst = caller.role == Role::kRiskAnalyst || caller.role == Role::kAdmin;
    const bool officer = caller.role == Role::kIprOfficer;
    const bool needs_analyst = message.type == "joint_profile" || message.type == "statistics";
    if (!(analyst || (officer && !needs_analyst))) {
      return Forbidden(needs_analyst ? "only a risk_analyst or admin accepts " + message.type
                                     : "only an ipr_officer, risk_analyst or admin accepts " +
                                           message.type);
    }
    const json payload = json::parse(message.payload);
    const Timestamp now = clock_.Now();
    json result = json::object();
    if (message.type == "referral") {
      // Each party through screening's validator and record, as an
      // analyst's entry would be (the inbox checked the same fields).
      json ids = json::array();
      const json parties = payload.value("parties", json::array());
      for (size_t index = 0; index < parties.size(); ++index) {
        json entry_body = exchange_internal::WatchlistBodyOfParty(parties[index]);
        entry_body["reason"] = "referral " + message.message_id + " from " + message.partner;
        entry_body["source"] = "referral:" + message.id;
        Result<WatchlistEntry> entry = WatchlistEntryFromJson(entry_body);
        if (!entry.ok()) {
          return Under("payload.parties[" + std::to_string(index) + "]", entry.error());
        }
        entry->id = NewId(rng_, "wle");
        entry->owner_org_id = keys_.org_id;
        CORDON_RETURN_IF_ERROR(tx.InsertWatchlistEntry(NewWatchlistEntryRecord(*entry, now)));
        ids.push_back(entry->id);
      }
      result["watchlist_entries"] = std::move(ids);
    } else if (message.type == "joint_profile") {
      Result<RiskProfile> profile =
          exchange_internal::ReceivedProfile(payload.value("profile", json()), message.partner);
      if (!profile.ok()) return Under("payload.profile", profile.error());
      profile->id = NewId(rng_, "prf");
      profile->owner_org_id = keys_.org_id;
      profile->owner_user_id = caller.user_id;
      CORDON_RETURN_IF_ERROR(tx.InsertRiskProfile(NewProfileRecord(*profile, now)));
      result["profile_id"] = profile->id;
    } else if (message.type == "statistics") {
      // The file joins the partner statistics (the joint view) in this unit
      // of work, the way `cordon stats import-partner` loads one; the same
      // figures loaded before (another message with the same file) change
      // nothing.
      Result<StatisticsExchange> file = ParseStatisticsExchange(payload.value("file", json()));
      if (!file.ok()) return Under("payload.file", file.error());
      Result<PartnerImportReport> imported =
          PutPartnerStatisticsIn(tx, keys_.org_id, *file, now);
      if (!imported.ok()) return Under("payload.file", imported.error());
      result["period"] = imported->quarter;
      result["partner_statistics"] = {{"partner", imported->partner},
                                      {"quarter", imported->quarter},
                                      {"cells", imported->cells},
                                      {"changed", imported->changed}};
    }
    const std::string expected = message.state;
    message.state = "accepted";
    message.updated_at = now;
    message.result = result.dump();
    CORDON_RETURN_IF_ERROR(tx.UpdateExchangeMessage(message, expected));
    AuditEvent event;
    event.at = now;
    event.org_id = keys_.org_id;
    event.user_id = caller.user_id;
    event.action = "exchange.accepted";
    event.object_type = "exchange_message";
    event.object_id = message.id;
    event.detail = result.dump();
    return tx.AppendAuditEvent(event).status();
  }));
  return message;
}

Result<ExchangeMessageRecord> ExchangeService::Decline(const Caller& caller,
                                                       const std::string& id) {
  CORDON_RETURN_IF_ERROR(RequireNodeOrg(caller, false));
  if (!HasRole(caller, kSenderRoles)) return Forbidden("this role does not handle exchange messages");
  ExchangeMessageRecord message;
  CORDON_RETURN_IF_ERROR(store_.Write([&](WriteTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(message, tx.GetExchangeMessage(Scope{keys_.org_id}, id));
    if (message.direction != "in" || message.state != "received") {
      return Conflict("only a received message can be declined");
    }
    message.state = "declined";
    message.updated_at = clock_.Now();
    CORDON_RETURN_IF_ERROR(tx.UpdateExchangeMessage(message, "received"));
    AuditEvent event;
    event.at = message.updated_at;
    event.org_id = keys_.org_id;
    event.user_id = caller.user_id;
    event.action = "exchange.declined";
    event.object_type = "exchange_message";
    event.object_id = message.id;
    event.detail = "{}";
    return tx.AppendAuditEvent(event).status();
  }));
  return message;
}

// --- JSON forms ------------------------------------------------------------------------------

json PartnerJson(const ExchangePartnerRecord& partner) {
  return {{"id", partner.node_id},
          {"name", partner.name},
          {"inbox", partner.inbox_url},
          {"jwks", ParseOrEmpty(partner.jwks)},
          {"legal_basis", partner.legal_basis},
          {"country", partner.country.empty() ? json() : json(partner.country)},
          {"allow_send", partner.allow_send},
          {"allow_receive", partner.allow_receive},
          {"status", partner.status},
          {"created_at", FormatTimestamp(partner.created_at)},
          {"updated_at", FormatTimestamp(partner.updated_at)}};
}

json GroupJson(const ExchangeGroupRecord& group) {
  return {{"name", group.name},
          {"description", group.description},
          {"members", group.members},
          {"created_at", FormatTimestamp(group.created_at)}};
}

json MessageJson(const ExchangeMessageRecord& message) {
  json out = {{"id", message.id},
              {"direction", message.direction},
              {"message_id", message.message_id},
              {message.direction == "out" ? "to" : "from", message.partner},
              {"type", message.type},
              {"version", message.version},
              {"in_reply_to", message.in_reply_to.empty() ? json() : json(message.in_reply_to)},
              {"group", message.group_name.empty() ? json() : json(message.group_name)},
              {"state", message.state},
              {"payload", ParseOrEmpty(message.payload)},
              {"envelope_sha256", message.envelope_sha256},
              {"created_at", FormatTimestamp(message.created_at)},
              {"expires_at", FormatTimestamp(message.expires_at)},
              {"updated_at", FormatTimestamp(message.updated_at)},
              {"result", ParseOrEmpty(message.result)}};
  if (message.direction == "out") {
    out["attempts"] = message.attempts;
    out["next_attempt_at"] =
        message.next_attempt_at ? json(FormatTimestamp(*message.next_attempt_at)) : json();
    out["last_error"] = message.last_error;
    out["receipt"] = message.receipt.empty() ? json() : json(message.receipt);
  }
  if (!message.object_type.empty()) {
    out["object"] = {{"type", message.object_type}, {"id", message.object_id}};
  }
  return out;
}

json RejectionJson(const ExchangeRejectionRecord& rejection) {
  return {{"id", rejection.id},
          {"at", FormatTimestamp(rejection.at)},
          {"reason", rejection.reason},
          {"detail", rejection.detail},
          {"sender", rejection.sender},
          {"message_id", rejection.message_id},
          {"envelope_sha256", rejection.envelope_sha256}};
}

json OpenedJson(const OpenedEnvelope& opened) {
  const EnvelopeHeader& header = opened.header;
  json payload = json::parse(opened.payload, nullptr, false);
  return {{"header",
           {{"typ", "cordon." + header.type + ".v" + std::to_string(header.version)},
            {"type", header.type},
            {"version", header.version},
            {"jti", header.message_id},
            {"iss", header.sender},
            {"aud", header.recipient},
            {"iat", FormatTimestamp(header.issued_at)},
            {"exp", FormatTimestamp(header.expires_at)},
            {"in_reply_to", header.in_reply_to.empty() ? json() : json(header.in_reply_to)},
            {"kid", header.kid}}},
          {"payload", payload.is_discarded() ? json(opened.payload) : payload}};
}

}  // namespace cordon::exchange
