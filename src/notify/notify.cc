// Notices: creation in the caller's unit of work, the inbox and webhook
// endpoints; see notify.h.
#include "notify/notify.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "notify/delivery.h"

namespace cordon {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxUrlLength = 2048;
constexpr size_t kMaxDescriptionLength = 500;
constexpr size_t kMaxEndpointsPerOrg = 10;
constexpr size_t kMaxSubjectLength = 300;
constexpr size_t kMaxBodyLength = 64 * 1024;

bool HandlesNotices(const Caller& caller) {
  return caller.role == Role::kAdmin || caller.role == Role::kIprOfficer ||
         caller.role == Role::kRightHolderRep;
}

Status RequireNoticeRole(const Caller& caller) {
  if (HandlesNotices(caller) && !caller.org_id.empty()) return Status::Ok();
  return Forbidden(fmt::format("role {} does not handle notices", RoleName(caller.role)));
}

bool ContainsControl(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

json PartyJson(const NoticeParty& party) {
  json out = json::object();
  if (!party.name.empty()) out["name"] = party.name;
  if (!party.address.empty()) out["address"] = party.address;
  if (!party.country.empty()) out["country"] = party.country;
  if (!party.email.empty()) out["email"] = party.email;
  return out;
}

json OptionalTimestamp(const std::optional<Timestamp>& at) {
  return at ? json(FormatTimestamp(*at)) : json(nullptr);
}

}  // namespace

// Deliverability is the SMTP server's business; this keeps out header
// injection and lists.
bool PlausibleEmail(std::string_view email) {
  if (email.size() > 254 || ContainsControl(email)) return false;
  size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= email.size()) return false;
  if (email.find('@', at + 1) != std::string_view::npos) return false;
  if (email.find_first_of(" ,;<>\"") != std::string_view::npos) return false;
  return email.find('.', at) != std::string_view::npos;
}

Result<NoticeRecord> CreateNotice(WriteTx& tx, Rng& rng, Timestamp now, const NoticeDraft& draft) {
  std::vector<FieldError> errors;
  auto required = [&](const std::string& value, const char* field) {
    if (value.empty()) errors.push_back({field, "is required"});
  };
  required(draft.sender_org_id, "sender_org_id");
  required(draft.kind, "kind");
  required(draft.subject, "subject");
  required(draft.body, "body");
  required(draft.object_type, "object_type");
  required(draft.object_id, "object_id");
  if (draft.recipient_role != "right_holder" && draft.recipient_role != "declarant" &&
      draft.recipient_role != "applicant") {
    errors.push_back({"recipient_role", "must be right_holder, declarant or applicant"});
  }
  if (draft.recipient_org_id.empty() && draft.recipient_party.name.empty()) {
    errors.push_back({"recipient_party.name",
                      "is required when the recipient has no organisation in Cordon"});
  }
  if (!draft.recipient_party.email.empty() && !PlausibleEmail(draft.recipient_party.email)) {
    errors.push_back({"recipient_party.email", "must be one e-mail address"});
  }
  if (draft.subject.size() > kMaxSubjectLength || ContainsControl(draft.subject)) {
    errors.push_back({"subject", "must be one line of at most 300 bytes"});
  }
  if (draft.body.size() > kMaxBodyLength) errors.push_back({"body", "must be at most 64 KiB"});
  if (!draft.data.is_object()) errors.push_back({"data", "must be a JSON object"});
  if (!errors.empty()) return InvalidInput("invalid notice", std::move(errors));

  CORDON_ASSIGN_OR_RETURN(Organisation sender, tx.GetOrganisation(draft.sender_org_id));
  if (!draft.recipient_org_id.empty()) {
    CORDON_RETURN_IF_ERROR(tx.GetOrganisation(draft.recipient_org_id).status());
  }
  NoticeRecord record;
  record.id = NewId(rng, "ntc");
  record.sender_org_id = sender.id;
  record.recipient_org_id = draft.recipient_org_id;
  record.recipient_role = draft.recipient_role;
  record.recipient_party = PartyJson(draft.recipient_party).dump();
  record.kind = draft.kind;
  record.subject = draft.subject;
  record.body = draft.body;
  record.data = draft.data.dump();
  record.object_type = draft.object_type;
  record.object_id = draft.object_id;
  record.created_at = now;
  record.due_by = draft.due_by;
  CORDON_RETURN_IF_ERROR(tx.InsertNotice(record));

  AuditEvent event;
  event.at = now;
  event.org_id = sender.id;
  event.action = "notice.created";
  event.object_type = "notice";
  event.object_id = record.id;
  json detail = {{"kind", record.kind},
                 {"object_type", record.object_type},
                 {"object_id", record.object_id},
                 {"recipient_role", record.recipient_role},
                 {"recipient_org_id", record.recipient_org_id.empty()
                                          ? json(nullptr)
                                          : json(record.recipient_org_id)}};
  if (record.due_by) detail["due_by"] = FormatDate(*record.due_by);
  event.detail = detail.dump();
  CORDON_RETURN_IF_ERROR(tx.AppendAuditEvent(event).status());
  return record;
}

// --- JSON

json NoticeJson(const NoticeRecord& notice) {
  json party = json::parse(notice.recipient_party, nullptr, false);
  json data = json::parse(notice.data, nullptr, false);
  return {{"id", notice.id},
          {"kind", notice.kind},
          {"subject", notice.subject},
          {"body", notice.body},
          {"data", data.is_discarded() ? json::object() : data},
          {"sender_org_id", notice.sender_org_id},
          {"recipient_org_id",
           notice.recipient_org_id.empty() ? json(nullptr) : json(notice.recipient_org_id)},
          {"recipient_role", notice.recipient_role},
          {"recipient_party", party.is_discarded() ? json::object() : party},
          {"object", {{"type", notice.object_type}, {"id", notice.object_id}}},
          {"created_at", FormatTimestamp(notice.created_at)},
          {"due_by", notice.due_by ? json(FormatDate(*notice.due_by)) : json(nullptr)},
          {"read_at", OptionalTimestamp(notice.read_at)}};
}

json NoticeViewJson(const NoticeView& view) {
  json out = NoticeJson(view.notice);
  json deliveries = json::array();
  for (const NoticeDeliveryRecord& delivery : view.deliveries) {
    json attempts = json::array();
    for (const DeliveryAttemptRecord& attempt : delivery.attempt_log) {
      attempts.push_back(
          {{"attempt", attempt.attempt},
           {"at", FormatTimestamp(attempt.at)},
           {"http_status", attempt.http_status ? json(*attempt.http_status) : json(nullptr)},
           {"outcome", attempt.outcome},
           {"error", attempt.error}});
    }
    json item = {{"id", delivery.id},
                 {"channel", delivery.channel},
                 {"status", delivery.status},
                 {"attempts", delivery.attempts},
                 {"next_attempt_at", OptionalTimestamp(delivery.next_attempt_at)},
                 {"delivered_at", OptionalTimestamp(delivery.delivered_at)},
                 {"last_error", delivery.last_error},
                 {"attempt_log", std::move(attempts)}};
    // A webhook is named by its endpoint id (its URL is the recipient's
    // business); an e-mail delivery by its address.
    if (delivery.channel == "webhook") {
      item["endpoint_id"] = delivery.endpoint_id;
    } else {
      item["address"] = delivery.address;
    }
    deliveries.push_back(std::move(item));
  }
  out["deliveries"] = std::move(deliveries);
  return out;
}

json WebhookJson(const WebhookEndpointRecord& endpoint) {
  return {{"id", endpoint.id},
          {"url", endpoint.url},
          {"description", endpoint.description},
          {"created_at", FormatTimestamp(endpoint.created_at)}};
}

json CreatedWebhookJson(const CreatedWebhook& created) {
  json out = WebhookJson(created.endpoint);
  out["secret"] = created.secret;
  return out;
}

// --- URL validation

Status ValidateWebhookUrl(const std::string& url) {
  auto bad = [](const std::string& message) {
    return InvalidInput("invalid webhook: url: " + message, {{"url", message}});
  };
  if (url.empty()) return bad("is required");
  if (url.size() > kMaxUrlLength) return bad("must be at most 2048 characters");
  if (ContainsControl(url) || url.find(' ') != std::string::npos) {
    return bad("must not contain spaces or control characters");
  }
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return bad("must be an absolute http or https URL");
  std::string scheme = url.substr(0, scheme_end);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme != "http" && scheme != "https") return bad("scheme must be http or https");
  std::string rest = url.substr(scheme_end + 3);
  if (rest.find('#') != std::string::npos) return bad("must not have a fragment");
  std::string authority = rest.substr(0, rest.find_first_of("/?"));
  if (authority.find('@') != std::string::npos) return bad("must not contain user info");
  std::string host = authority;
  std::string port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string::npos) return bad("has an unterminated IPv6 address");
    host = authority.substr(1, close - 1);
    std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("has junk after the IPv6 address");
      port = after.substr(1);
      if (port.empty()) return bad("has an empty port");
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return bad("has an empty port");
  }
  if (host.empty()) return bad("must name a host");
  for (char c : host) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == ':';
    if (!ok) return bad("host may contain only letters, digits, '-', '.' (or an IPv6 address)");
  }
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(),
                                        [](char c) { return c >= '0' && c <= '9'; })) {
      return bad("port must be a number from 1 to 65535");
    }
    int number = std::stoi(port);
    if (number < 1 || number > 65535) return bad("port must be a number from 1 to 65535");
  }
  return Status::Ok();
}

// --- NotificationService

NotificationService::NotificationService(Store& store, const Clock& clock, Rng& rng,
                                         const SecretsKey& secrets_key)
    : store_(store), clock_(clock), rng_(rng), secrets_key_(secrets_key) {}

Result<Page<NoticeRecord>> NotificationService::List(const Caller& caller,
                                                     const NoticeQuery& query) {
  CORDON_RETURN_IF_ERROR(RequireNoticeRole(caller));
  std::vector<FieldError> errors;
  if (query.box != "inbox" && query.box != "sent") errors.push_back({"box", "must be inbox or sent"});
  if (query.limit < 1 || query.limit > 1000) {
    errors.push_back({"limit", "must be an integer between 1 and 1000"});
  }
  if (query.unread_only && query.box != "inbox") {
    errors.push_back({"unread", "applies to the inbox only"});
  }
  if (!errors.empty()) return InvalidInput("invalid query parameters", std::move(errors));
  NoticeFilter filter;
  filter.box = query.box;
  filter.unread_only = query.unread_only;
  filter.after = query.cursor;
  filter.limit = query.limit;
  Page<NoticeRecord> page;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(page, tx.ListNotices(Scope{caller.org_id}, filter));
    return Status::Ok();
  }));
  return page;
}

Result<NoticeView> NotificationService::Get(const Caller& caller, const std::string& id) {
  CORDON_RETURN_IF_ERROR(RequireNoticeRole(caller));
  NoticeView view;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    Scope scope{caller.org_id};
    CORDON_ASSIGN_OR_RETURN(view.notice, tx.GetNotice(scope, id));
    CORDON_ASSIGN_OR_RETURN(view.deliveries, tx.ListNoticeDeliveries(scope, id));
    return Status::Ok();
  }));
  return view;
}

Result<NoticeView> NotificationService::MarkRead(const Caller& caller, const std::string& id) {
  CORDON_RETURN_IF_ERROR(RequireNoticeRole(caller));
  Timestamp now = clock_.Now();
  NoticeView view;
  CORDON_RETURN_IF_ERROR(store_.Write([&](WriteTx& tx) -> Status {
    Scope scope{caller.org_id};
    CORDON_ASSIGN_OR_RETURN(NoticeRecord before, tx.GetNotice(scope, id));
    if (before.recipient_org_id != caller.org_id) {
      // The sender sees its notice but cannot mark the recipient's copy read.
      return Conflict(fmt::format("notice {} is not addressed to your organisation", id));
    }
    CORDON_RETURN_IF_ERROR(tx.MarkNoticeRead(scope, id, now));
    CORDON_ASSIGN_OR_RETURN(view.notice, tx.GetNotice(scope, id));
    CORDON_ASSIGN_OR_RETURN(view.deliveries, tx.ListNoticeDeliveries(scope, id));
    if (!before.read_at) {
      AuditEvent event;
      event.at = now;
      event.org_id = caller.org_id;
      event.user_id = caller.user_id;
      event.action = "notice.read";
      event.object_type = "notice";
      event.object_id = id;
      event.detail = json{{"kind", before.kind}, {"object_id", before.object_id}}.dump();
      CORDON_RETURN_IF_ERROR(tx.AppendAuditEvent(event).status());
    }
    return Status::Ok();
  }));
  return view;
}

Result<CreatedWebhook> NotificationService::CreateWebhook(const Caller& caller, const json& body) {
  CORDON_RETURN_IF_ERROR(RequireNoticeRole(caller));
  std::vector<FieldError> errors;
  std::string url;
  std::string description;
  for (const auto& [key, value] : body.items()) {
    if (key != "url" && key != "description") errors.push_back({key, "is not a known field"});
  }
  auto url_field = body.find("url");
  if (url_field == body.end() || url_field->is_null()) {
    errors.push_back({"url", "is required"});
  } else if (!url_field->is_string()) {
    errors.push_back({"url", "must be a string"});
  } else {
    url = url_field->get<std::string>();
    Status valid = ValidateWebhookUrl(url);
    if (!valid.ok()) errors.insert(errors.end(), valid.error().fields().begin(),
                                   valid.error().fields().end());
  }
  if (auto found = body.find("description"); found != body.end() && !found->is_null()) {
    if (!found->is_string()) {
      errors.push_back({"description", "must be a string"});
    } else {
      description = found->get<std::string>();
      if (description.size() > kMaxDescriptionLength || ContainsControl(description)) {
        errors.push_back({"description", "must be one line of at most 500 bytes"});
      }
    }
  }
  if (!errors.empty()) return InvalidInput("invalid webhook", std::move(errors));

  CreatedWebhook created;
  WebhookEndpointRecord& endpoint = created.endpoint;
  endpoint.id = NewId(rng_, "whk");
  endpoint.org_id = caller.org_id;
  endpoint.url = url;
  endpoint.description = description;
  endpoint.created_at = clock_.Now();
  created.secret = NewWebhookSecret(rng_);
  endpoint.stored_secret = SealWebhookSecret(secrets_key_, endpoint, created.secret, rng_);
  CORDON_RETURN_IF_ERROR(store_.Write([&](WriteTx& tx) -> Status {
    Scope scope{caller.org_id};
    CORDON_ASSIGN_OR_RETURN(std::vector<WebhookEndpointRecord> live, tx.ListWebhookEndpoints(scope));
    if (live.size() >= kMaxEndpointsPerOrg) {
      return Conflict(fmt::format("an organisation may register at most {} webhook endpoints",
                                  kMaxEndpointsPerOrg));
    }
    CORDON_RETURN_IF_ERROR(tx.InsertWebhookEndpoint(endpoint));
    AuditEvent event;
    event.at = endpoint.created_at;
    event.org_id = caller.org_id;
    event.user_id = caller.user_id;
    event.action = "webhook.created";
    event.object_type = "webhook";
    event.object_id = endpoint.id;
    event.detail = json{{"url", endpoint.url}}.dump();
    return tx.AppendAuditEvent(event).status();
  }));
  return created;
}

Result<std::vector<WebhookEndpointRecord>> NotificationService::ListWebhooks(const Caller& caller) {
  CORDON_RETURN_IF_ERROR(RequireNoticeRole(caller));
  std::vector<WebhookEndpointRecord> endpoints;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(endpoints, tx.ListWebhookEndpoints(Scope{caller.org_id}));
    return Status::Ok();
  }));
  return endpoints;
}

Status NotificationService::DeleteWebhook(const Caller& caller, const std::string& id) {
  CORDON_RETURN_IF_ERROR(RequireNoticeRole(caller));
  Timestamp now = clock_.Now();
  return store_.Write([&](WriteTx& tx) -> Status {
    CORDON_RETURN_IF_ERROR(tx.DeleteWebhookEndpoint(Scope{caller.org_id}, id, now));
    AuditEvent event;
    event.at = now;
    event.org_id = caller.org_id;
    event.user_id = caller.user_id;
    event.action = "webhook.deleted";
    event.object_type = "webhook";
    event.object_id = id;
    event.detail = "{}";
    return tx.AppendAuditEvent(event).status();
  });
}

}  // namespace cordon
