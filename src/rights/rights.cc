// ApplicationService: the life cycle of applications for action (TRIPS
// Art. 51-52; Regulation (EU) No 608/2013 Art. 5-6, 11-12), its permissions,
// and bulk import/export. See rights.h for the contract and
// docs/applications.md for the user-facing description.
//
// Every command runs in one store transaction: the application is read through
// the caller's scope (so invisible and missing look the same), changed, written
// back with UpdateApplication's optimistic version check, and its audit event is
// appended in the same transaction.
#include "rights/rights.h"

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/codes.h"
#include "core/digest.h"
#include "core/file_types.h"
#include "core/random.h"
#include "notify/notify.h"
#include "rights/application_internal.h"

namespace cordon {

namespace {

using nlohmann::json;
using rights_internal::FieldErrors;
using rights_internal::FieldPath;
using rights_internal::kMaxTextChars;
using rights_internal::PrefixPath;
using rights_internal::ReadDate;
using rights_internal::ReadString;
using rights_internal::ReadTimestamp;

constexpr int kMaxPageSize = 1000;

// The service may be shared between threads while the injected Rng (e.g. a
// SeededRng) need not be thread-safe: serialise id generation.
std::mutex& IdMutex() {
  static std::mutex mutex;
  return mutex;
}

std::string NewIdLocked(Rng& rng, std::string_view prefix) {
  std::lock_guard<std::mutex> lock(IdMutex());
  return NewId(rng, prefix);
}

Error ApplicationNotFound(const std::string& id) {
  return NotFound("application " + id + " not found");
}

// "cannot submit an application in state granted".
Error StateConflict(std::string_view action, std::string_view state) {
  return Conflict("cannot " + std::string(action) + " an application in state " +
                  std::string(state));
}

bool IsHolderRole(const Caller& caller) {
  return caller.org_kind == OrgKind::kRightHolder &&
         (caller.role == Role::kRightHolderRep || caller.role == Role::kAdmin);
}

bool IsDeciderRole(const Caller& caller) {
  return caller.org_kind == OrgKind::kCustoms &&
         (caller.role == Role::kIprOfficer || caller.role == Role::kAdmin);
}

// Holder-side actions: a representative (or admin) of the holder organisation.
Status RequireHolder(const Caller& caller, const Application& app, std::string_view action) {
  if (IsHolderRole(caller) && caller.org_id == app.holder_org_id) return Status::Ok();
  return Forbidden("only a representative of the right holder may " + std::string(action) +
                   " this application");
}

// Customs-side actions: an IPR officer (or admin) of the administration the
// application is filed with, which is the "competent customs department" of
// Regulation (EU) No 608/2013 Art. 9, 11, 12 and 16. Other administrations a
// union application covers can see it but do not decide it.
Status RequireDecider(const Caller& caller, const Application& app, std::string_view action) {
  if (IsDeciderRole(caller) && caller.org_id == app.filed_with_org_id) return Status::Ok();
  return Forbidden("only an IPR officer of the administration the application is filed with may " +
                   std::string(action) + " it");
}

// The effective status: a grant whose period has passed is "expired". Derived
// from the clock on every read, never stored. valid_until is the last day of
// the period, so the application is still in force on that day.
std::string EffectiveStatus(const std::string& stored, const std::optional<Date>& valid_until,
                            Date today) {
  if (stored == "granted" && valid_until && *valid_until < today) return "expired";
  return stored;
}

// Drafts are the holder's own work until submitted (Art. 5(1): an application
// is "submitted" to the competent customs department); the administrations it
// names do not see them.
bool VisibleToCaller(const std::string& caller_org_id, const Application& app) {
  return app.status != "draft" || caller_org_id == app.holder_org_id;
}

// The application held in a record: the content from the stored document
// (read leniently: it was validated when written), the server-managed fields
// from the record's columns and the document.
Result<Application> DecodeRecord(const ApplicationRecord& record) {
  json body = json::parse(record.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    return Corrupt("application " + record.id + ": stored document is not a JSON object");
  }
  Application app;
  FieldErrors ignored;
  rights_internal::ParseApplicationContent(body, "", app, ignored);
  app.id = record.id;
  app.kind = record.kind;
  app.status = record.status;
  app.holder_org_id = record.holder_org_id;
  app.filed_with_org_id = record.filed_with_org_id;
  app.valid_until = record.valid_until;
  app.created_at = record.created_at;
  app.updated_at = record.updated_at;
  app.version = record.version;
  app.submitted_at = ReadTimestamp(body, "submitted_at", "submitted_at", ignored);
  app.decided_at = ReadTimestamp(body, "decided_at", "decided_at", ignored);
  if (auto reason = ReadString(body, "decision_reason", "", false, kMaxTextChars, ignored)) {
    app.decision_reason = std::move(*reason);
  }
  auto renewal = body.find("renewal");
  if (renewal != body.end() && renewal->is_object()) {
    Renewal stored;
    if (auto at = ReadTimestamp(*renewal, "requested_at", "", ignored)) stored.requested_at = *at;
    if (auto status = ReadString(*renewal, "status", "", false, kMaxTextChars, ignored)) {
      stored.status = std::move(*status);
    }
    stored.previous_valid_until = ReadDate(*renewal, "previous_valid_until", "", false, ignored);
    if (auto reason = ReadString(*renewal, "reason", "", false, kMaxTextChars, ignored)) {
      stored.reason = std::move(*reason);
    }
    app.renewal = std::move(stored);
  }
  return app;
}

// The application through the caller's scope (invisible and missing look
// the same), as Get and the photo calls read it.
Result<Application> VisibleApplication(ReadTx& tx, const Caller& caller, const std::string& id) {
  if (caller.org_id.empty()) return ApplicationNotFound(id);
  Result<ApplicationRecord> record = tx.GetApplication(Scope{caller.org_id}, id);
  if (!record.ok()) {
    if (record.error().code() == ErrorCode::kNotFound) return ApplicationNotFound(id);
    return record.error();
  }
  CORDON_ASSIGN_OR_RETURN(Application app, DecodeRecord(*record));
  if (!VisibleToCaller(caller.org_id, app)) return ApplicationNotFound(id);
  return app;
}

// The record for `app`, whose status must be the stored one.
ApplicationRecord EncodeRecord(const Application& app) {
  ApplicationRecord record;
  record.id = app.id;
  record.holder_org_id = app.holder_org_id;
  record.filed_with_org_id = app.filed_with_org_id;
  record.kind = app.kind;
  record.status = app.status;
  record.valid_until = app.valid_until;
  record.holder_name = app.holder.name;
  record.created_at = app.created_at;
  record.updated_at = app.updated_at;
  record.version = app.version;
  record.body = ToJson(app).dump();
  return record;
}

Result<long long> AppendAudit(WriteTx& tx, Timestamp at, const std::string& org_id,
                              const std::string& user_id, const std::string& action,
                              const std::string& app_id, const json& detail) {
  AuditEvent event;
  event.at = at;
  event.org_id = org_id;
  event.user_id = user_id;
  event.action = "application." + action;
  event.object_type = "application";
  event.object_id = app_id;
  event.detail = detail.dump();
  return tx.AppendAuditEvent(event);
}

Error FiledWithError(std::string message) {
  return InvalidInput("invalid application: filed_with: " + message,
                      {FieldError{"filed_with", std::move(message)}});
}

// Resolves the administration an application is filed with: an organisation
// id naming a customs organisation, a country code naming the (single) customs
// administration of that country, the exact name of a customs organisation, or,
// when `raw` is empty, the customs administration of the holder's country. Unresolvable values are kInvalidInput
// with one FieldError on "filed_with"; store failures pass through.
Result<std::string> ResolveFiledWith(ReadTx& tx, const std::string& raw,
                                     const std::string& holder_country) {
  if (raw.rfind("org_", 0) == 0) {
    Result<Organisation> org = tx.GetOrganisation(raw);
    if (!org.ok()) {
      if (org.error().code() == ErrorCode::kNotFound) {
        return FiledWithError("no organisation " + raw);
      }
      return org.error();
    }
    if (org->kind != OrgKind::kCustoms) {
      return FiledWithError("organisation " + raw + " is not a customs administration");
    }
    return org->id;
  }
  if (!raw.empty() && !IsCountryCode(raw)) {
    Result<Organisation> org = tx.FindOrganisationByName(raw);
    if (!org.ok()) {
      if (org.error().code() == ErrorCode::kNotFound) {
        return FiledWithError(
            "must be an organisation id (org_...), an ISO 3166-1 alpha-2 country code or the "
            "name of a customs administration; no organisation is named \"" + raw + "\"");
      }
      return org.error();
    }
    if (org->kind != OrgKind::kCustoms) {
      return FiledWithError("organisation \"" + raw + "\" is not a customs administration");
    }
    return org->id;
  }
  const std::string& country = raw.empty() ? holder_country : raw;
  if (!IsCountryCode(country)) {
    return FiledWithError("is required: the holder's country names no customs administration");
  }
  CORDON_ASSIGN_OR_RETURN(std::vector<Organisation> customs, tx.FindCustomsByCountry(country));
  std::string whose = raw.empty() ? "the holder's country " + country : country;
  if (customs.empty()) {
    return FiledWithError("no customs administration for " + whose + " is known here" +
                          (raw.empty() ? "; give filed_with" : ""));
  }
  if (customs.size() > 1) {
    return FiledWithError("several customs administrations for " + whose +
                          "; give the organisation id");
  }
  return customs.front().id;
}

// The organisations that may see an application: the holder, the
// administration it is filed with and, for a union application, the customs
// administrations of every member state it covers (Art. 2(11), Art. 4).
Result<std::vector<std::string>> AccessList(ReadTx& tx, const Application& app) {
  std::vector<std::string> visible = {app.holder_org_id};
  auto add = [&visible](const std::string& org_id) {
    if (std::find(visible.begin(), visible.end(), org_id) == visible.end()) {
      visible.push_back(org_id);
    }
  };
  add(app.filed_with_org_id);
  if (app.kind == "union") {
    for (const std::string& country : app.member_states) {
      CORDON_ASSIGN_OR_RETURN(std::vector<Organisation> customs, tx.FindCustomsByCountry(country));
      for (const Organisation& org : customs) add(org.id);
    }
  }
  return visible;
}

// Reads and checks a decision body: {"decision":"grant","valid_until":...} or
// {"decision":"reject","reason":...}. The grant's date is checked by the caller.
struct DecisionInput {
  bool grant = false;
  std::optional<Date> valid_until;
  std::string reason;
};

Result<DecisionInput> ParseDecision(const json& body) {
  FieldErrors errors;
  DecisionInput input;
  if (!body.is_object()) {
    errors.Add("", "must be a JSON object");
    return errors.ToError("decision");
  }
  auto decision = ReadString(body, "decision", "decision", true, kMaxTextChars, errors);
  if (decision && *decision != "grant" && *decision != "reject" && errors.empty()) {
    errors.Add("decision", "must be one of: grant, reject");
  }
  if (decision == "grant") {
    input.grant = true;
    input.valid_until = ReadDate(body, "valid_until", "valid_until", true, errors);
  } else if (decision == "reject") {
    if (auto reason = ReadString(body, "reason", "reason", true, kMaxTextChars, errors)) {
      input.reason = std::move(*reason);
    }
  }
  if (!errors.empty()) return errors.ToError("decision");
  return input;
}

// {"reason": "..."} for suspend, revoke and renewal requests. A null body is
// an empty one.
Result<std::string> ParseReason(const json& body, bool required, std::string_view what) {
  FieldErrors errors;
  std::string reason;
  if (body.is_null()) {
    if (required) errors.Add("reason", "is required");
  } else if (!body.is_object()) {
    errors.Add("", "must be a JSON object");
  } else if (auto text = ReadString(body, "reason", "reason", required, kMaxTextChars, errors)) {
    reason = std::move(*text);
  }
  if (!errors.empty()) return errors.ToError(what);
  return reason;
}

std::string FormatOptionalDate(const std::optional<Date>& date) {
  return date ? FormatDate(*date) : std::string();
}

// What a change function gets to work with inside the transaction.
struct ChangeContext {
  WriteTx& tx;
  Timestamp now;
  Date today;
  std::string effective_status;
  json detail = json::object();  // audit detail
};

// The shared shape of every command on an existing application: read it
// through the caller's scope, apply `change`, write it back (optimistic
// version check) and append the audit event `application.<action>`, all in one
// transaction. Returns the application as it now is, with its effective status.
Result<Application> ChangeApplication(
    Store& store, const Clock& clock, const Caller& caller, const std::string& id,
    std::string_view action, const std::function<Status(Application&, ChangeContext&)>& change) {
  if (caller.org_id.empty()) return ApplicationNotFound(id);
  Timestamp now = clock.Now();
  Date today = DateOf(now);
  Scope scope{caller.org_id};
  std::optional<Application> changed;
  Status status = store.Write([&](WriteTx& tx) -> Status {
    Result<ApplicationRecord> record = tx.GetApplication(scope, id);
    if (!record.ok()) {
      if (record.error().code() == ErrorCode::kNotFound) return ApplicationNotFound(id);
      return record.error();
    }
    CORDON_ASSIGN_OR_RETURN(Application app, DecodeRecord(*record));
    if (!VisibleToCaller(caller.org_id, app)) return ApplicationNotFound(id);
    ChangeContext context{tx, now, today, EffectiveStatus(app.status, app.valid_until, today)};
    CORDON_RETURN_IF_ERROR(change(app, context));
    app.updated_at = now;
    app.version = record->version + 1;
    ApplicationRecord updated = EncodeRecord(app);
    updated.version = record->version;  // the version we read: optimistic check
    CORDON_RETURN_IF_ERROR(tx.UpdateApplication(scope, updated));
    context.detail["status"] = app.status;
    CORDON_RETURN_IF_ERROR(AppendAudit(tx, now, caller.org_id, caller.user_id, std::string(action),
                                       app.id, context.detail)
                               .status());
    changed = std::move(app);
    return Status::Ok();
  });
  if (!status.ok()) return status.error();
  changed->status = EffectiveStatus(changed->status, changed->valid_until, today);
  return *std::move(changed);
}

// A grant's period under Regulation (EU) No 608/2013 Art. 11(1): it "shall not
// exceed one year from the day following the date of adoption" of the
// decision. Counted per Regulation (EEC, Euratom) No 1182/71 Art. 3(2)(c), a
// one-year period that starts the day after the decision ends at the end of
// the day one year after the decision's date. So, deciding on `today`, the
// last valid day is at most AddYears(today, 1) (29 February maps to 28
// February), and must be after today for the grant to mean anything.
void CheckGrantPeriod(const Date& valid_until, Date today, FieldErrors& errors) {
  Date latest = AddYears(today, 1);
  if (valid_until <= today) {
    errors.Add("valid_until", "must be after today (" + FormatDate(today) + ")");
  } else if (valid_until > latest) {
    errors.Add("valid_until",
               "must be at most one year from the day after the decision, i.e. no later than " +
                   FormatDate(latest) + " (Regulation (EU) No 608/2013 Art. 11(1))");
  }
}

// An extension under Art. 12(3) runs "for a period not exceeding one year from
// the day following the expiry of the preceding period": by the same counting,
// the new last day is at most AddYears(previous last day, 1).
void CheckRenewalPeriod(const Date& valid_until, const Date& previous, Date today,
                        FieldErrors& errors) {
  Date latest = AddYears(previous, 1);
  if (valid_until <= previous) {
    errors.Add("valid_until",
               "must be after the current end of the period (" + FormatDate(previous) + ")");
  } else if (valid_until <= today) {
    errors.Add("valid_until", "must be after today (" + FormatDate(today) + ")");
  } else if (valid_until > latest) {
    errors.Add("valid_until",
               "must be at most one year from the day after the current period ends, i.e. no "
               "later than " +
                   FormatDate(latest) + " (Regulation (EU) No 608/2013 Art. 12(3))");
  }
}

// The applicant is notified of the decision granting or rejecting its
// application (Regulation (EU) No 608/2013 Art. 9): a notice in the holder
// organisation's inbox, delivered by webhook and e-mail, recorded in the same
// unit of work as the decision.
Status NotifyDecision(WriteTx& tx, Rng& rng, Timestamp now, const Application& app) {
  const bool granted = app.status == "granted";
  NoticeDraft draft;
  draft.sender_org_id = app.filed_with_org_id;
  draft.recipient_org_id = app.holder_org_id;
  draft.recipient_role = "applicant";
  draft.kind = granted ? "application.granted_notice" : "application.rejected_notice";
  draft.subject = std::string("Decision on your application for action ") + app.id + ": " +
                  (granted ? "granted" : "rejected");
  draft.object_type = "application";
  draft.object_id = app.id;
  if (granted) {
    draft.body = "The customs department has granted your application for action " + app.id +
                 " (" + app.holder.name + "). Customs will take action in respect of the goods "
                 "it covers until " + FormatDate(*app.valid_until) +
                 " (end of that day); an extension may be requested before then.\n\n"
                 "Legal basis: Regulation (EU) No 608/2013 Art. 9 (notification of the "
                 "decision), Art. 11(1) (period of action), Art. 12 (extension).\n";
    draft.data = {{"application_id", app.id},
                  {"decision", "granted"},
                  {"valid_until", FormatDate(*app.valid_until)},
                  {"references", {"Regulation (EU) No 608/2013 Art. 9", "Art. 11(1)", "Art. 12"}}};
  } else {
    draft.body = "The customs department has rejected your application for action " + app.id +
                 " (" + app.holder.name + ").\n\nReason: " + app.decision_reason +
                 "\n\nLegal basis: Regulation (EU) No 608/2013 Art. 9 (notification of the "
                 "decision, with its reasons).\n";
    draft.data = {{"application_id", app.id},
                  {"decision", "rejected"},
                  {"reason", app.decision_reason},
                  {"references", {"Regulation (EU) No 608/2013 Art. 9"}}};
  }
  std::lock_guard<std::mutex> lock(IdMutex());
  return CreateNotice(tx, rng, now, draft).status();
}

}  // namespace

ApplicationService::ApplicationService(Store& store, const Clock& clock, Rng& rng)
    : store_(store), clock_(clock), rng_(rng) {}

Result<Application> ApplicationService::Create(const Caller& caller, const json& body) {
  if (!IsHolderRole(caller) || caller.org_id.empty()) {
    return Forbidden("only a representative of a right holder may file an application for action");
  }
  CORDON_ASSIGN_OR_RETURN(Application app, ApplicationFromJson(body));
  std::string raw_filed_with = std::move(app.filed_with_org_id);
  Timestamp now = clock_.Now();
  app.id = NewIdLocked(rng_, "app");
  app.status = "draft";
  app.holder_org_id = caller.org_id;
  app.created_at = now;
  app.updated_at = now;
  app.version = 1;
  Status status = store_.Write([&](WriteTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(app.filed_with_org_id,
                            ResolveFiledWith(tx, raw_filed_with, app.holder.country));
    CORDON_ASSIGN_OR_RETURN(std::vector<std::string> visible_to, AccessList(tx, app));
    CORDON_RETURN_IF_ERROR(tx.InsertApplication(EncodeRecord(app), visible_to));
    json detail = {
        {"status", app.status}, {"kind", app.kind}, {"filed_with_org_id", app.filed_with_org_id}};
    return AppendAudit(tx, now, caller.org_id, caller.user_id, "created", app.id, detail).status();
  });
  if (!status.ok()) return status.error();
  return app;
}

Result<Application> ApplicationService::Update(const Caller& caller, const std::string& id,
                                               const json& body) {
  return ChangeApplication(
      store_, clock_, caller, id, "updated",
      [&](Application& app, ChangeContext& context) -> Status {
        CORDON_RETURN_IF_ERROR(RequireHolder(caller, app, "update"));
        if (app.status != "draft") return StateConflict("update", context.effective_status);
        CORDON_ASSIGN_OR_RETURN(Application content, ApplicationFromJson(body));
        // Who can see an application is fixed when it is created (the store's
        // access rows), so what decides it cannot change on a draft: create a
        // new application instead.
        FieldErrors errors;
        if (!content.filed_with_org_id.empty()) {
          Result<std::string> filed_with =
              ResolveFiledWith(context.tx, content.filed_with_org_id, content.holder.country);
          if (!filed_with.ok() && filed_with.error().code() != ErrorCode::kInvalidInput) {
            return filed_with.error();
          }
          if (!filed_with.ok()) {
            errors.Append(filed_with.error().fields());
          } else if (*filed_with != app.filed_with_org_id) {
            errors.Add("filed_with", "cannot be changed after the application is created");
          }
        }
        if (content.kind != app.kind) {
          errors.Add("kind", "cannot be changed after the application is created");
        }
        std::set<std::string> old_states(app.member_states.begin(), app.member_states.end());
        std::set<std::string> new_states(content.member_states.begin(),
                                         content.member_states.end());
        if (content.kind == app.kind && old_states != new_states) {
          errors.Add("member_states", "cannot be changed after the application is created");
        }
        if (!errors.empty()) return errors.ToError("application");
        content.id = app.id;
        content.status = app.status;
        content.holder_org_id = app.holder_org_id;
        content.filed_with_org_id = app.filed_with_org_id;
        content.member_states = app.member_states;
        content.created_at = app.created_at;
        app = std::move(content);
        return Status::Ok();
      });
}

Result<Application> ApplicationService::Submit(const Caller& caller, const std::string& id) {
  return ChangeApplication(store_, clock_, caller, id, "submitted",
                           [&](Application& app, ChangeContext& context) -> Status {
                             CORDON_RETURN_IF_ERROR(RequireHolder(caller, app, "submit"));
                             if (app.status != "draft") {
                               return StateConflict("submit", context.effective_status);
                             }
                             FieldErrors errors;
                             rights_internal::CheckComplete(app, "", errors);
                             if (!errors.empty()) return errors.ToError("application");
                             app.status = "submitted";
                             app.submitted_at = context.now;
                             return Status::Ok();
                           });
}

Result<Application> ApplicationService::Decide(const Caller& caller, const std::string& id,
                                               const json& body) {
  // The audit action depends on the decision; read the body first so the
  // action name is known, but report body errors only after visibility,
  // permission and state (a caller who may not decide learns nothing more).
  Result<DecisionInput> input = ParseDecision(body);
  std::string action = input.ok() && !input->grant ? "rejected" : "granted";
  return ChangeApplication(store_, clock_, caller, id, action,
                           [&](Application& app, ChangeContext& context) -> Status {
                             CORDON_RETURN_IF_ERROR(RequireDecider(caller, app, "decide on"));
                             if (app.status != "submitted")
                               return StateConflict("decide on", context.effective_status);
                             if (!input.ok()) return input.error();
                             if (input->grant) {
                               FieldErrors errors;
                               CheckGrantPeriod(*input->valid_until, context.today, errors);
                               if (!errors.empty()) return errors.ToError("decision");
                               app.status = "granted";
                               app.valid_until = input->valid_until;
                               app.decision_reason.clear();
                               context.detail["valid_until"] = FormatDate(*input->valid_until);
                             } else {
                               app.status = "rejected";
                               app.valid_until.reset();
                               app.decision_reason = input->reason;
                               context.detail["reason"] = input->reason;
                             }
                             app.decided_at = context.now;
                             return NotifyDecision(context.tx, rng_, context.now, app);
                           });
}

Result<Application> ApplicationService::RequestRenewal(const Caller& caller, const std::string& id,
                                                       const json& body) {
  Result<std::string> note = ParseReason(body, false, "renewal request");
  return ChangeApplication(
      store_, clock_, caller, id, "renewal_requested",
      [&](Application& app, ChangeContext& context) -> Status {
        CORDON_RETURN_IF_ERROR(RequireHolder(caller, app, "request renewal of"));
        // Art. 12(1): the period is extended at the holder's request; the
        // request must come before the period ends (an expired decision is
        // followed by a new application, not an extension).
        if (context.effective_status != "granted") {
          return StateConflict("request renewal of", context.effective_status);
        }
        if (app.renewal && app.renewal->status == "pending") {
          return Conflict("a renewal request is already pending for application " + app.id);
        }
        if (!note.ok()) return note.error();
        Renewal renewal;
        renewal.requested_at = context.now;
        renewal.status = "pending";
        renewal.previous_valid_until = app.valid_until;
        renewal.reason = *note;
        app.renewal = std::move(renewal);
        context.detail["valid_until"] = FormatOptionalDate(app.valid_until);
        return Status::Ok();
      });
}

Result<Application> ApplicationService::DecideRenewal(const Caller& caller, const std::string& id,
                                                      const json& body) {
  Result<DecisionInput> input = ParseDecision(body);
  std::string action = input.ok() && !input->grant ? "renewal_rejected" : "renewed";
  return ChangeApplication(
      store_, clock_, caller, id, action, [&](Application& app, ChangeContext& context) -> Status {
        CORDON_RETURN_IF_ERROR(RequireDecider(caller, app, "decide a renewal of"));
        // A pending request made in time is decided even if the period ran
        // out meanwhile (stored status still granted, effective "expired").
        if (app.status != "granted") {
          return StateConflict("decide a renewal of", context.effective_status);
        }
        if (!app.renewal || app.renewal->status != "pending") {
          return Conflict("no renewal request is pending for application " + app.id);
        }
        if (!input.ok()) return input.error();
        if (input->grant) {
          FieldErrors errors;
          Date previous = app.valid_until.value_or(context.today);
          CheckRenewalPeriod(*input->valid_until, previous, context.today, errors);
          if (!errors.empty()) return errors.ToError("renewal decision");
          app.renewal->status = "granted";
          app.renewal->previous_valid_until = app.valid_until;
          app.valid_until = input->valid_until;
          context.detail["previous_valid_until"] = FormatDate(previous);
          context.detail["valid_until"] = FormatDate(*input->valid_until);
        } else {
          app.renewal->status = "rejected";
          app.renewal->reason = input->reason;
          context.detail["reason"] = input->reason;
        }
        return Status::Ok();
      });
}

Result<Application> ApplicationService::Suspend(const Caller& caller, const std::string& id,
                                                const json& body) {
  Result<std::string> reason = ParseReason(body, true, "suspension");
  return ChangeApplication(store_, clock_, caller, id, "suspended",
                           [&](Application& app, ChangeContext& context) -> Status {
                             CORDON_RETURN_IF_ERROR(RequireDecider(caller, app, "suspend"));
                             if (context.effective_status != "granted") {
                               return StateConflict("suspend", context.effective_status);
                             }
                             if (!reason.ok()) return reason.error();
                             app.status = "suspended";
                             app.decision_reason = *reason;
                             context.detail["reason"] = *reason;
                             return Status::Ok();
                           });
}

Result<Application> ApplicationService::Reinstate(const Caller& caller, const std::string& id) {
  return ChangeApplication(store_, clock_, caller, id, "reinstated",
                           [&](Application& app, ChangeContext& context) -> Status {
                             CORDON_RETURN_IF_ERROR(RequireDecider(caller, app, "reinstate"));
                             if (app.status != "suspended") {
                               return StateConflict("reinstate", context.effective_status);
                             }
                             app.status = "granted";
                             app.decision_reason.clear();
                             return Status::Ok();
                           });
}

Result<Application> ApplicationService::Revoke(const Caller& caller, const std::string& id,
                                               const json& body) {
  Result<std::string> reason = ParseReason(body, true, "revocation");
  return ChangeApplication(
      store_, clock_, caller, id, "revoked",
      [&](Application& app, ChangeContext& context) -> Status {
        CORDON_RETURN_IF_ERROR(RequireDecider(caller, app, "revoke"));
        if (context.effective_status != "granted" && context.effective_status != "suspended") {
          return StateConflict("revoke", context.effective_status);
        }
        if (!reason.ok()) return reason.error();
        app.status = "revoked";
        app.decision_reason = *reason;
        if (app.renewal && app.renewal->status == "pending") app.renewal->status = "rejected";
        context.detail["reason"] = *reason;
        return Status::Ok();
      });
}

Result<Application> ApplicationService::Get(const Caller& caller, const std::string& id) {
  Date today = clock_.Today();
  std::optional<Application> found;
  Status status = store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(found, VisibleApplication(tx, caller, id));
    return Status::Ok();
  });
  if (!status.ok()) return status.error();
  found->status = EffectiveStatus(found->status, found->valid_until, today);
  return *std::move(found);
}

Result<Page<Application>> ApplicationService::List(const Caller& caller,
                                                   const ApplicationQuery& query) {
  if (query.limit < 1 || query.limit > kMaxPageSize) {
    return InvalidInput("invalid query: limit must be between 1 and 1000",
                        {FieldError{"limit", "must be between 1 and 1000"}});
  }
  Date today = clock_.Today();
  ApplicationFilter filter;
  if (query.status) {
    const std::string& wanted = *query.status;
    if (wanted == "expired") {
      filter.status = "granted";
      filter.valid_until_before = today;
    } else if (wanted == "granted") {
      filter.status = "granted";
      filter.valid_until_on_or_after = today;
    } else if (rights_internal::IsStoredStatus(wanted)) {
      filter.status = wanted;
    } else {
      std::string message =
          "must be one of: draft, submitted, granted, expired, rejected, suspended, revoked";
      return InvalidInput("invalid query: status " + message, {FieldError{"status", message}});
    }
  }
  Page<Application> page;
  if (caller.org_id.empty()) return page;
  bool holder = caller.org_kind == OrgKind::kRightHolder;
  // Only holders see drafts (see VisibleToCaller).
  if (!holder && filter.status == "draft") return page;
  filter.after = query.cursor;
  filter.newest_first = query.newest_first;
  Status status = store_.Read([&](ReadTx& tx) -> Status {
    // Drafts filtered out for other organisations can leave a store page short;
    // keep reading so a page is full unless the list ends. The cursor returned
    // is the store's, after the last record examined.
    while (true) {
      filter.limit = query.limit - static_cast<int>(page.items.size());
      CORDON_ASSIGN_OR_RETURN(Page<ApplicationRecord> records,
                              tx.ListApplications(Scope{caller.org_id}, filter));
      for (const ApplicationRecord& record : records.items) {
        CORDON_ASSIGN_OR_RETURN(Application app, DecodeRecord(record));
        if (!VisibleToCaller(caller.org_id, app)) continue;
        app.status = EffectiveStatus(app.status, app.valid_until, today);
        page.items.push_back(std::move(app));
      }
      page.next_cursor = records.next_cursor;
      if (page.next_cursor.empty() || static_cast<int>(page.items.size()) >= query.limit) break;
      filter.after = page.next_cursor;
    }
    return Status::Ok();
  });
  if (!status.ok()) return status.error();
  return page;
}

namespace {

// One validated import entry, ready to store.
struct ImportEntry {
  Application app;  // status = stored status
  std::string raw_filed_with;
};

// Reads the server-managed fields an import entry may carry for migration:
// status (draft|submitted|granted|rejected, and for Export's own output also
// suspended|revoked|expired), valid_until, decision_reason, submitted_at and
// decided_at.
void ParseImportState(const json& entry, const std::string& path, Date today, ImportEntry& out,
                      FieldErrors& errors) {
  if (!entry.is_object()) return;
  Application& app = out.app;
  std::string status_path = FieldPath(path, "status");
  std::string status = "draft";
  if (auto given = ReadString(entry, "status", status_path, false, 100, errors)) {
    if (rights_internal::IsStoredStatus(*given) || *given == "expired") {
      status = *given;
    } else {
      errors.Add(status_path,
                 "must be one of: draft, submitted, granted, rejected, suspended, revoked, "
                 "expired");
    }
  }
  std::string valid_until_path = FieldPath(path, "valid_until");
  bool has_period = status == "granted" || status == "suspended" || status == "expired";
  app.valid_until = ReadDate(entry, "valid_until", valid_until_path, has_period, errors);
  if (app.valid_until && !has_period && status != "revoked") {
    errors.Add(valid_until_path, "is only allowed with status granted, suspended or revoked");
  }
  // A migrated grant may already have run out (it is then reported as
  // expired); "expired" itself is a derived status and is stored as granted.
  if (status == "expired") {
    if (app.valid_until && !(*app.valid_until < today)) {
      errors.Add(valid_until_path, "must be before today for an expired application");
    }
    status = "granted";
  }
  app.status = status;
  if (auto reason = ReadString(entry, "decision_reason", FieldPath(path, "decision_reason"), false,
                               kMaxTextChars, errors)) {
    app.decision_reason = std::move(*reason);
  }
  app.submitted_at = ReadTimestamp(entry, "submitted_at", FieldPath(path, "submitted_at"), errors);
  app.decided_at = ReadTimestamp(entry, "decided_at", FieldPath(path, "decided_at"), errors);
  if (status == "draft") {
    app.submitted_at.reset();
    app.decided_at.reset();
    return;
  }
  // Anything past draft went through Submit, so it must be complete.
  rights_internal::CheckComplete(app, path, errors);
}

}  // namespace

Result<int> ApplicationService::Import(const json& entries, const ImportOptions& options) {
  if (!entries.is_array()) {
    return InvalidInput("invalid import file: must be a JSON array of application bodies",
                        {FieldError{"", "must be a JSON array of application bodies"}});
  }
  Timestamp now = clock_.Now();
  Date today = DateOf(now);
  FieldErrors errors;
  std::vector<ImportEntry> pending;
  pending.reserve(entries.size());
  for (size_t index = 0; index < entries.size(); ++index) {
    std::string path = rights_internal::IndexPath("", index);
    ImportEntry entry;
    rights_internal::ParseApplicationContent(entries[index], path, entry.app, errors);
    ParseImportState(entries[index], path, today, entry, errors);
    entry.raw_filed_with = std::move(entry.app.filed_with_org_id);
    entry.app.filed_with_org_id.clear();
    if (entry.raw_filed_with.empty()) entry.raw_filed_with = options.filed_with_org_id;
    pending.push_back(std::move(entry));
  }

  int stored = 0;
  Status status = store_.Write([&](WriteTx& tx) -> Status {
    // Resolve every organisation before writing anything, so that all bad
    // entries are reported together.
    std::map<std::string, std::string> holder_ids;  // holder name -> org id ("" = create)
    for (size_t index = 0; index < pending.size(); ++index) {
      ImportEntry& entry = pending[index];
      std::string path = rights_internal::IndexPath("", index);
      // Without filed_with, the holder's country decides; a bad or missing
      // one has been reported already.
      if (!entry.raw_filed_with.empty() || IsCountryCode(entry.app.holder.country)) {
        Result<std::string> filed_with =
            ResolveFiledWith(tx, entry.raw_filed_with, entry.app.holder.country);
        if (filed_with.ok()) {
          entry.app.filed_with_org_id = *filed_with;
        } else if (filed_with.error().code() == ErrorCode::kInvalidInput) {
          for (const FieldError& field : filed_with.error().fields()) {
            errors.Add(PrefixPath(path, field.field), field.message);
          }
        } else {
          return filed_with.error();
        }
      }
      const std::string& name = entry.app.holder.name;
      if (name.empty() || holder_ids.count(name) > 0) continue;
      Result<Organisation> org = tx.FindOrganisationByName(name);
      if (org.ok()) {
        if (org->kind != OrgKind::kRightHolder) {
          errors.Add(PrefixPath(path, "holder.name"),
                     "names an organisation that is not a right holder");
        }
        holder_ids[name] = org->id;
      } else if (org.error().code() == ErrorCode::kNotFound) {
        holder_ids[name] = "";
      } else {
        return org.error();
      }
    }
    if (!errors.empty()) return errors.ToError("import file").Prefix("nothing was stored: ");

    for (ImportEntry& entry : pending) {
      Application& app = entry.app;
      std::string& holder_id = holder_ids[app.holder.name];
      if (holder_id.empty()) {
        Organisation org;
        org.id = NewIdLocked(rng_, "org");
        org.name = app.holder.name;
        org.kind = OrgKind::kRightHolder;
        org.country = app.holder.country;
        org.address = app.holder.address;
        org.created_at = now;
        CORDON_RETURN_IF_ERROR(tx.InsertOrganisation(org));
        holder_id = org.id;
      }
      app.id = NewIdLocked(rng_, "app");
      app.holder_org_id = holder_id;
      app.created_at = now;
      app.updated_at = now;
      app.version = 1;
      if (app.status != "draft" && !app.submitted_at) app.submitted_at = now;
      if (app.status != "draft" && app.status != "submitted" && !app.decided_at) {
        app.decided_at = now;
      }
      CORDON_ASSIGN_OR_RETURN(std::vector<std::string> visible_to, AccessList(tx, app));
      CORDON_RETURN_IF_ERROR(tx.InsertApplication(EncodeRecord(app), visible_to));
      json detail = {{"status", app.status}, {"source", "import"}};
      if (app.valid_until) detail["valid_until"] = FormatDate(*app.valid_until);
      // An operator's bulk action: no acting organisation or user.
      CORDON_RETURN_IF_ERROR(AppendAudit(tx, now, "", "", "imported", app.id, detail).status());
      ++stored;
    }
    return Status::Ok();
  });
  if (!status.ok()) return status.error();
  return stored;
}

Result<json> ApplicationService::Export(const Scope& scope) {
  Date today = clock_.Today();
  // The store's scoped list, for one organisation; for the operator (empty
  // scope), the union over every organisation's view: every application is
  // visible to at least its holder.
  std::vector<std::string> org_ids;
  std::map<std::string, Application> by_id;
  std::vector<std::string> order;
  Status status = store_.Read([&](ReadTx& tx) -> Status {
    if (scope.org_id.empty()) {
      CORDON_ASSIGN_OR_RETURN(std::vector<Organisation> orgs, tx.ListOrganisations());
      for (const Organisation& org : orgs) org_ids.push_back(org.id);
    } else {
      org_ids.push_back(scope.org_id);
    }
    for (const std::string& org_id : org_ids) {
      ApplicationFilter filter;
      filter.limit = kMaxPageSize;
      while (true) {
        CORDON_ASSIGN_OR_RETURN(Page<ApplicationRecord> records,
                                tx.ListApplications(Scope{org_id}, filter));
        for (const ApplicationRecord& record : records.items) {
          if (by_id.count(record.id) > 0) continue;
          CORDON_ASSIGN_OR_RETURN(Application app, DecodeRecord(record));
          if (!scope.org_id.empty() && !VisibleToCaller(scope.org_id, app)) continue;
          order.push_back(app.id);
          by_id.emplace(app.id, std::move(app));
        }
        if (records.next_cursor.empty()) break;
        filter.after = records.next_cursor;
      }
    }
    return Status::Ok();
  });
  if (!status.ok()) return status.error();
  // Creation order, as the store lists them.
  std::stable_sort(order.begin(), order.end(), [&](const std::string& a, const std::string& b) {
    const Application& left = by_id.at(a);
    const Application& right = by_id.at(b);
    if (left.created_at != right.created_at) return left.created_at < right.created_at;
    return left.id < right.id;
  });
  // Ids are local to one database: name the administration instead, so the
  // export imports into another node's database.
  std::map<std::string, std::string> admin_names;
  status = store_.Read([&](ReadTx& tx) -> Status {
    for (const auto& [id, app] : by_id) {
      if (admin_names.count(app.filed_with_org_id) > 0) continue;
      CORDON_ASSIGN_OR_RETURN(Organisation org, tx.GetOrganisation(app.filed_with_org_id));
      admin_names[org.id] = org.name;
    }
    return Status::Ok();
  });
  if (!status.ok()) return status.error();
  json out = json::array();
  for (const std::string& id : order) {
    Application& app = by_id.at(id);
    app.status = EffectiveStatus(app.status, app.valid_until, today);
    json entry = ToJson(app);
    entry["filed_with"] = admin_names.at(app.filed_with_org_id);
    out.push_back(std::move(entry));
  }
  return out;
}

Result<Application> ApplicationFromRecord(const ApplicationRecord& record, Date today) {
  CORDON_ASSIGN_OR_RETURN(Application app, DecodeRecord(record));
  app.status = EffectiveStatus(app.status, app.valid_until, today);
  return app;
}

// --- photos of the authentic goods (docs/applications.md, "Photos")

namespace {

struct PhotoType {
  std::string_view media_type;
  std::string_view extension;
};
constexpr PhotoType kPhotoTypes[] = {
    {"image/jpeg", "jpg"}, {"image/png", "png"}, {"image/webp", "webp"}};


// Photos are part of what the holder files: added and removed by its
// representatives while the application is a draft or awaits the decision.
Status RequirePhotoEditor(const Caller& caller, const Application& app, Date today,
                          std::string_view action) {
  CORDON_RETURN_IF_ERROR(RequireHolder(caller, app, action));
  const std::string status = EffectiveStatus(app.status, app.valid_until, today);
  if (status != "draft" && status != "submitted") {
    return Conflict("photos change only while the application is a draft or submitted, not " +
                    status);
  }
  return Status::Ok();
}

}  // namespace

json ToJson(const ApplicationPhotoRecord& photo) {
  return {{"id", photo.id},
          {"application_id", photo.application_id},
          {"sha256", photo.sha256},
          {"media_type", photo.media_type},
          {"size", photo.size},
          {"filename", photo.filename},
          {"description", photo.description},
          {"uploaded_by", photo.user_id},
          {"created_at", FormatTimestamp(photo.created_at)}};
}

Result<ApplicationPhotoRecord> ApplicationService::AddPhoto(const Caller& caller,
                                                            const std::string& id,
                                                            const PhotoUpload& upload) {
  FieldErrors errors;
  const PhotoType* type = nullptr;
  for (const PhotoType& candidate : kPhotoTypes) {
    if (candidate.media_type == upload.media_type) type = &candidate;
  }
  if (type == nullptr) errors.Add("content_type", "must be one of image/jpeg, image/png, image/webp");
  if (upload.content.empty()) {
    errors.Add("content", "must not be empty");
  } else if (upload.content.size() > kMaxPhotoBytes) {
    errors.Add("content", "must be at most " + std::to_string(kMaxPhotoBytes) + " bytes (is " +
                              std::to_string(upload.content.size()) + ")");
  } else if (type != nullptr && !StartsAsMediaType(type->media_type, upload.content)) {
    errors.Add("content", "is not a " + std::string(type->media_type) + " file");
  }
  if (upload.filename.size() > 255 ||
      std::any_of(upload.filename.begin(), upload.filename.end(), [](char c) {
        return c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
      })) {
    errors.Add("filename", "must be a plain file name of at most 255 characters");
  }
  if (upload.description.size() > kMaxTextChars) {
    errors.Add("description", "must be at most " + std::to_string(kMaxTextChars) + " characters");
  }
  const Timestamp now = clock_.Now();
  ApplicationPhotoRecord record;
  Status written = store_.Write([&](WriteTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(Application app, VisibleApplication(tx, caller, id));
    CORDON_RETURN_IF_ERROR(RequirePhotoEditor(caller, app, DateOf(now), "add photos to"));
    if (!errors.empty()) return errors.ToError("photo");
    CORDON_ASSIGN_OR_RETURN(std::vector<ApplicationPhotoRecord> existing,
                            tx.ListApplicationPhotos(id));
    if (existing.size() >= kMaxPhotos) {
      return Conflict("an application holds at most " + std::to_string(kMaxPhotos) +
                      " photos; remove one first");
    }
    record.id = NewIdLocked(rng_, "pho");
    record.application_id = id;
    record.sha256 = Sha256Hex(upload.content);
    record.media_type = upload.media_type;
    record.size = static_cast<long long>(upload.content.size());
    record.filename =
        upload.filename.empty() ? record.id + "." + std::string(type->extension) : upload.filename;
    record.description = upload.description;
    record.user_id = caller.user_id;
    record.created_at = now;
    CORDON_RETURN_IF_ERROR(tx.InsertApplicationPhoto(record, upload.content));
    return AppendAudit(tx, now, caller.org_id, caller.user_id, "photo_added", id,
                       {{"photo_id", record.id},
                        {"sha256", record.sha256},
                        {"media_type", record.media_type},
                        {"size", record.size},
                        {"filename", record.filename}})
        .status();
  });
  if (!written.ok()) return written.error();
  return record;
}

Result<std::vector<ApplicationPhotoRecord>> ApplicationService::ListPhotos(const Caller& caller,
                                                                         const std::string& id) {
  std::vector<ApplicationPhotoRecord> photos;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_RETURN_IF_ERROR(VisibleApplication(tx, caller, id).status());
    CORDON_ASSIGN_OR_RETURN(photos, tx.ListApplicationPhotos(id));
    return Status::Ok();
  }));
  return photos;
}

Result<PhotoContent> ApplicationService::GetPhoto(const Caller& caller, const std::string& id,
                                                  const std::string& photo_id) {
  PhotoContent found;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_RETURN_IF_ERROR(VisibleApplication(tx, caller, id).status());
    CORDON_ASSIGN_OR_RETURN(found.content, tx.GetApplicationPhotoContent(id, photo_id, &found.record));
    return Status::Ok();
  }));
  return found;
}

Status ApplicationService::DeletePhoto(const Caller& caller, const std::string& id,
                                       const std::string& photo_id) {
  const Timestamp now = clock_.Now();
  return store_.Write([&](WriteTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(Application app, VisibleApplication(tx, caller, id));
    CORDON_RETURN_IF_ERROR(RequirePhotoEditor(caller, app, DateOf(now), "remove photos from"));
    CORDON_RETURN_IF_ERROR(tx.DeleteApplicationPhoto(id, photo_id));
    return AppendAudit(tx, now, caller.org_id, caller.user_id, "photo_removed", id,
                       {{"photo_id", photo_id}})
        .status();
  });
}

}  // namespace cordon
