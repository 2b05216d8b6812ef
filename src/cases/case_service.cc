// The detention case engine; see case_service.h for the contract and
// docs/cases.md for the API and the legal references.
#include "cases/case_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <set>
#include <string_view>
#include <utility>

#include "cases/calendar.h"
#include "cases/case_applications.h"
#include "cases/deadlines.h"
#include "cases/json_reader.h"
#include "cases/rules.h"
#include "core/digest.h"
#include "core/file_types.h"
#include "notify/notify.h"
#include "stats/stats.h"

namespace cordon {

using nlohmann::json;
using cases_internal::FieldErrors;
using cases_internal::IndexPath;
using cases_internal::ObjectReader;

namespace {

constexpr size_t kMaxText = 1000;
constexpr size_t kMaxLongText = 10000;
constexpr size_t kMaxGoods = 1000;
constexpr int kSweepBatch = 100;

// IPR types of applications for action (rights module). Product categories
// are the statistics taxonomy's (stats/stats.h, data/stats/product_categories.json).
constexpr std::string_view kIprTypes[] = {
    "trademark",     "design",        "copyright",  "patent",     "geographical_indication",
    "plant_variety", "utility_model", "topography", "trade_name",
};
constexpr std::string_view kTransportModes[] = {"sea",    "air",     "road",     "rail",
                                                "postal", "express", "passenger"};
constexpr std::string_view kCostKinds[] = {"storage", "destruction", "transport", "other"};

// Evidence types and their magic numbers.
struct EvidenceType {
  std::string_view media_type;
  std::string_view extension;
};
constexpr EvidenceType kEvidenceTypes[] = {
    {"image/jpeg", "jpg"}, {"image/png", "png"},       {"image/webp", "webp"},
    {"image/tiff", "tif"}, {"application/pdf", "pdf"},
};

template <size_t N>
bool OneOf(std::string_view value, const std::string_view (&list)[N]) {
  return std::find(std::begin(list), std::end(list), value) != std::end(list);
}

template <size_t N>
std::string ListText(const std::string_view (&list)[N]) {
  std::string text;
  for (std::string_view item : list) {
    if (!text.empty()) text += ", ";
    text += item;
  }
  return text;
}

bool IsDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsCountryCode(std::string_view text) {
  return text.size() == 2 && text[0] >= 'A' && text[0] <= 'Z' && text[1] >= 'A' && text[1] <= 'Z';
}

std::optional<Date> BodyDate(const json& body, const char* key) {
  auto found = body.find(key);
  if (found == body.end() || !found->is_string()) return std::nullopt;
  return ParseDate(found->get<std::string>());
}

// A string member with a length cap, reported by path.
std::optional<std::string> Text(ObjectReader& reader, std::string_view key, bool required,
                                FieldErrors& errors, size_t max = kMaxText) {
  std::optional<std::string> text = reader.String(key, required);
  if (text && text->size() > max) {
    errors.Add(reader.Path(key), fmt::format("must be at most {} characters", max));
    return std::nullopt;
  }
  return text;
}

// A JSON number > 0 (or >= 0 when zero_ok), reported by path.
std::optional<double> Number(ObjectReader& reader, std::string_view key, bool required,
                             FieldErrors& errors, bool zero_ok = false) {
  const json* member = reader.Get(key, required);
  if (member == nullptr) return std::nullopt;
  if (!member->is_number()) {
    errors.Add(reader.Path(key), "must be a number");
    return std::nullopt;
  }
  double value = member->get<double>();
  if (!std::isfinite(value) || value < 0 || (!zero_ok && value == 0) || value > 1e12) {
    errors.Add(reader.Path(key), zero_ok ? "must be a number from 0 to 10^12"
                                         : "must be a number greater than 0 (at most 10^12)");
    return std::nullopt;
  }
  return value;
}

std::string NumberText(double value) {
  if (value == std::floor(value) && value < 1e15) return fmt::format("{}", static_cast<long long>(value));
  return fmt::format("{}", value);
}

// {"name","address","country"[,"email"]} of the declarant / holder of the goods.
json ReadPartyObject(ObjectReader& parent, std::string_view key, bool required,
                     FieldErrors& errors) {
  const json* member = parent.Get(key, required);
  if (member == nullptr) return nullptr;
  ObjectReader reader(*member, parent.Path(key), errors);
  if (!reader.is_object()) return nullptr;
  json party = json::object();
  if (auto name = Text(reader, "name", true, errors)) party["name"] = *name;
  if (auto address = Text(reader, "address", true, errors)) party["address"] = *address;
  if (auto country = Text(reader, "country", true, errors)) {
    if (!IsCountryCode(*country)) {
      errors.Add(reader.Path("country"), "must be an ISO 3166-1 alpha-2 code, e.g. \"CN\"");
    } else {
      party["country"] = *country;
    }
  }
  // Where the notices to this party are e-mailed, besides the post.
  if (auto email = Text(reader, "email", false, errors)) {
    if (!PlausibleEmail(*email)) {
      errors.Add(reader.Path("email"), "must be one e-mail address, e.g. \"customs@forwarder.example\"");
    } else {
      party["email"] = *email;
    }
  }
  reader.RejectUnknown();
  return party;
}

bool IsCustomsOfficer(const Caller& caller) {
  return caller.org_kind == OrgKind::kCustoms &&
         (caller.role == Role::kIprOfficer || caller.role == Role::kAdmin);
}

bool IsHolderRep(const Caller& caller) {
  return caller.org_kind == OrgKind::kRightHolder &&
         (caller.role == Role::kRightHolderRep || caller.role == Role::kAdmin);
}

// Whether an HS code of the detained goods falls under one the application
// lists: one is a prefix of the other (an application may list a heading,
// a declaration a subheading, or the other way round).
bool HsCovered(const std::string& hs, const std::vector<std::string>& listed) {
  for (const std::string& code : listed) {
    size_t common = std::min(code.size(), hs.size());
    if (common >= 2 && code.compare(0, common, hs, 0, common) == 0) return true;
  }
  return false;
}

}  // namespace

// --- the engine

struct CaseService::Impl {
  Store& store;
  const Clock& clock;
  Rng& rng;
  CaseServiceOptions options;

  std::mutex cache_mutex;
  std::map<std::string, std::shared_ptr<const RuleSet>> rule_sets;
  std::map<std::string, std::shared_ptr<const Calendar>> calendars;

  Impl(Store& store_in, const Clock& clock_in, Rng& rng_in, CaseServiceOptions options_in)
      : store(store_in), clock(clock_in), rng(rng_in), options(std::move(options_in)) {}

  Result<std::shared_ptr<const RuleSet>> Rules(std::string jurisdiction) {
    if (jurisdiction.empty()) jurisdiction = std::string(RuleSet::kDefaultJurisdiction);
    std::lock_guard lock(cache_mutex);
    auto found = rule_sets.find(jurisdiction);
    if (found != rule_sets.end()) return found->second;
    Result<RuleSet> loaded = RuleSet::Embedded(jurisdiction);
    if (!loaded.ok()) {
      return Unavailable(fmt::format("no rule set for jurisdiction \"{}\" (shipped: EU, TRIPS, CN)",
                                     jurisdiction));
    }
    auto shared = std::make_shared<const RuleSet>(std::move(loaded).value());
    rule_sets[jurisdiction] = shared;
    return shared;
  }

  Result<std::shared_ptr<const Calendar>> CalendarFor(const std::string& code) {
    std::lock_guard lock(cache_mutex);
    if (auto given = options.calendars.find(code); given != options.calendars.end()) {
      return given->second;
    }
    auto found = calendars.find(code);
    if (found != calendars.end()) return found->second;
    Result<Calendar> loaded = Calendar::Embedded(code);
    if (!loaded.ok()) {
      return Unavailable(fmt::format(
          "no working-day calendar for \"{}\" (shipped: DE, NL, CN); load the administration's "
          "own calendar",
          code));
    }
    auto shared = std::make_shared<const Calendar>(std::move(loaded).value());
    calendars[code] = shared;
    return shared;
  }

  // A notice a command owes a party, given when it commits.
  struct PendingNotice {
    NoticeAddressee to;
    CaseNoticeKind kind;
    std::optional<Date> event_on;  // destruction, release, handover, deemed agreement day
    std::string detail;            // printed after the legal text
  };

  // A case loaded for reading or changing, with its rules and calendar.
  struct Loaded {
    CaseRecord record;
    json body;
    json parties;  // null when hidden from the caller
    std::shared_ptr<const RuleSet> rules;
    std::shared_ptr<const Calendar> calendar;
    CaseFacts facts;
    Deadlines deadlines;
    // Given by Commit / Record, through notify's CreateNotice.
    std::vector<PendingNotice> notices;
  };

  Result<Loaded> Load(ReadTx& tx, const Scope& scope, const std::string& id) {
    Loaded loaded;
    CORDON_ASSIGN_OR_RETURN(loaded.record, tx.GetCase(scope, id));
    loaded.body = json::parse(loaded.record.body, nullptr, false);
    if (!loaded.body.is_object()) return Corrupt(fmt::format("case {}: stored body is not JSON", id));
    if (!loaded.record.parties.empty()) {
      loaded.parties = json::parse(loaded.record.parties, nullptr, false);
      if (loaded.parties.is_discarded()) loaded.parties = nullptr;
    }
    CORDON_ASSIGN_OR_RETURN(loaded.rules, Rules(loaded.body.value("jurisdiction", "")));
    CORDON_ASSIGN_OR_RETURN(loaded.calendar, CalendarFor(loaded.body.value("calendar", "")));
    std::optional<Procedure> procedure = ParseProcedure(loaded.record.procedure);
    if (!procedure) return Corrupt(fmt::format("case {}: unknown procedure", id));
    loaded.facts.procedure = *procedure;
    loaded.facts.perishable = loaded.body.value("perishable", false);
    loaded.facts.small_consignment = loaded.body.value("small_consignment", false);
    CORDON_RETURN_IF_ERROR(Recompute(loaded));
    return loaded;
  }

  static DeadlineInput InputOf(const Loaded& loaded) {
    DeadlineInput input;
    input.facts = loaded.facts;
    input.suspended_on = BodyDate(loaded.body, "suspended_on").value_or(Date{});
    input.notified_on = BodyDate(loaded.body, "notified_on").value_or(input.suspended_on);
    input.detained_on = BodyDate(loaded.body, "detained_on");
    input.opposition_notified_on = BodyDate(loaded.body, "opposition_notified_on");
    input.extensions_taken = static_cast<int>(loaded.body.value("extensions", json::array()).size());
    return input;
  }

  // Deadlines, next armed deadline and open flag from the body and state.
  Status Recompute(Loaded& loaded) {
    Result<Deadlines> deadlines = ComputeDeadlines(*loaded.rules, *loaded.calendar, InputOf(loaded));
    if (!deadlines.ok()) {
      return deadlines.error().code() == ErrorCode::kNotFound
                 ? Unavailable(deadlines.error().message())
                 : deadlines.error();
    }
    loaded.deadlines = std::move(deadlines).value();
    loaded.record.next_due.reset();
    loaded.record.next_deadline.clear();
    for (const Transition& armed : loaded.rules->DeadlineTransitions(loaded.facts, loaded.record.state)) {
      std::optional<Date> due = loaded.deadlines.Due(armed.action);
      if (!due) continue;
      if (!loaded.record.next_due || *due < *loaded.record.next_due) {
        loaded.record.next_due = due;
        loaded.record.next_deadline = armed.action;
      }
    }
    const StateInfo* info = loaded.rules->FindState(loaded.record.state);
    loaded.record.open = info == nullptr || !info->terminal;
    return Status::Ok();
  }

  Date NoticeDue(const Loaded& loaded, Date today) {
    // Notices go out within one working day (608/2013 Art. 17(3)).
    Result<Date> due = loaded.calendar->AddWorkingDays(today, 1);
    return due.ok() ? *due : today;
  }

  // Quantity and nature of the goods, as a notice states them (608/2013 Art. 17(4)).
  static json GoodsSummary(const std::vector<CaseGoodsRecord>& lines) {
    json goods = json::array();
    for (const CaseGoodsRecord& line : lines) {
      goods.push_back({{"description", line.description},
                       {"quantity", json::parse(line.quantity, nullptr, false)},
                       {"unit", line.unit},
                       {"product_category", line.product_category},
                       {"ipr_type", line.ipr_type}});
    }
    return goods;
  }

  json DeadlineMap(const Loaded& loaded) {
    json map = json::object();
    for (const Deadline& deadline : loaded.deadlines.items) map[deadline.name] = FormatDate(deadline.due);
    return map;
  }

  // A notice owed to a party; given when the command commits (Record). The
  // holder is only notified once there is one (an application).
  void AddNotice(Loaded& loaded, NoticeAddressee to, CaseNoticeKind kind,
                 std::optional<Date> event_on = std::nullopt, std::string detail = "") {
    if (to == NoticeAddressee::kRightHolder && loaded.record.holder_org_id.empty()) return;
    loaded.notices.push_back({to, kind, event_on, std::move(detail)});
  }

  // "1200 pairs of sport shoes (HS 640411) bearing the mark ZENTRA; ..."
  static std::string GoodsText(const std::vector<CaseGoodsRecord>& lines) {
    std::string text;
    for (const CaseGoodsRecord& line : lines) {
      if (!text.empty()) text += "; ";
      text += line.quantity;
      if (!line.unit.empty()) text += " " + line.unit;
      text += " of " + line.description;
      if (!line.hs.empty()) text += " (HS " + line.hs + ")";
      if (!line.mark.empty()) text += " bearing the mark " + line.mark;
    }
    return text;
  }

  // Renders a pending notice in the case's jurisdiction and gives it
  // through notify's CreateNotice, in the command's transaction: the
  // recipient's inbox, webhooks and e-mail all follow from it.
  Result<NoticeRecord> GiveNotice(WriteTx& tx, const Loaded& loaded, const PendingNotice& pending,
                                  Timestamp now) {
    const CaseRecord& record = loaded.record;
    const Scope administration{record.org_id};
    // The parties as the administration sees them (the command may run for
    // the holder, who may not see them yet).
    CORDON_ASSIGN_OR_RETURN(CaseRecord full, tx.GetCase(administration, record.id));
    json parties = json::parse(full.parties.empty() ? "{}" : full.parties, nullptr, false);
    if (!parties.is_object()) parties = json::object();
    json declarant = parties.value("declarant", json::object());
    if (!declarant.is_object()) declarant = json::object();

    CaseNoticeFacts facts;
    facts.jurisdiction = loaded.rules->jurisdiction();
    facts.case_id = record.id;
    CORDON_ASSIGN_OR_RETURN(Organisation sender, tx.GetOrganisation(record.org_id));
    facts.administration = sender.name;
    facts.office = record.office;
    // An ex officio case whose holder's application was accepted runs as one
    // on application from then on (608/2013 Art. 18(4)(b)): the holder's
    // detention notice is the Art. 17(3) one.
    facts.procedure = record.procedure == "ex_officio" && !record.application_id.empty()
                          ? "application"
                          : record.procedure;
    facts.perishable = loaded.facts.perishable;
    facts.small_consignment = loaded.facts.small_consignment;
    facts.suspended_on = BodyDate(loaded.body, "suspended_on");
    facts.notified_on = BodyDate(loaded.body, "notified_on");
    facts.application_id = record.application_id;
    // Read once for the text and the structured data; a failed read fails
    // the command rather than giving a notice without its goods.
    CORDON_ASSIGN_OR_RETURN(std::vector<CaseGoodsRecord> goods,
                            tx.ListCaseGoods(administration, record.id));
    facts.goods = GoodsText(goods);
    if (!record.holder_org_id.empty()) {
      CORDON_ASSIGN_OR_RETURN(Organisation holder, tx.GetOrganisation(record.holder_org_id));
      facts.holder_name = holder.name;
    }
    facts.declarant_name = declarant.value("name", "");
    for (const Deadline& deadline : loaded.deadlines.items) {
      facts.deadlines.push_back({deadline.name, deadline.due, deadline.reference});
    }
    facts.event_on = pending.event_on;
    facts.detail = pending.detail;
    CORDON_ASSIGN_OR_RETURN(RenderedNotice rendered, RenderCaseNotice(pending.kind, pending.to, facts));

    NoticeDraft draft;
    draft.sender_org_id = record.org_id;
    if (pending.to == NoticeAddressee::kRightHolder) {
      draft.recipient_org_id = record.holder_org_id;
      draft.recipient_role = "right_holder";
    } else {
      draft.recipient_role = "declarant";
      draft.recipient_party = {declarant.value("name", ""), declarant.value("address", ""),
                               declarant.value("country", ""), declarant.value("email", "")};
    }
    draft.kind = rendered.kind;
    draft.subject = rendered.subject;
    draft.body = rendered.body;
    draft.data = std::move(rendered.data);
    draft.data["procedure"] = record.procedure;
    draft.data["office"] = record.office;
    draft.data["state"] = record.state;
    draft.data["goods"] = GoodsSummary(goods);
    // The holder gets names and addresses only once entitled (Art. 17(4), 21).
    if (pending.to == NoticeAddressee::kDeclarant || record.parties_disclosed) {
      draft.data["parties"] = parties;
    }
    draft.object_type = "case";
    draft.object_id = record.id;
    draft.due_by = NoticeDue(loaded, DateOf(now));
    return CreateNotice(tx, rng, now, draft);
  }

  // Notices a state change causes, after the state has changed.
  void NoticesForState(Loaded& loaded, const std::string& from, Date today) {
    const std::string& to = loaded.record.state;
    if (to == from) return;
    const json& body = loaded.body;
    std::optional<Date> event_on = today;
    std::string detail;
    CaseNoticeKind kind;
    if (to == "deemed_agreement") {
      kind = CaseNoticeKind::kDeemedAgreement;
    } else if (to == "released") {
      kind = CaseNoticeKind::kRelease;
      if (body.contains("release")) {
        event_on = BodyDate(body["release"], "on").value_or(today);
        detail = "Reason: " + body["release"].value("reason", "") + ".";
      }
    } else if (to == "destroyed" || to == "confiscated") {
      // CN's confiscation is its destruction notice (the CN text says so).
      kind = CaseNoticeKind::kDestruction;
      if (body.contains("destruction")) {
        const json& destruction = body["destruction"];
        event_on = BodyDate(destruction, "date").value_or(today);
        detail = fmt::format("Destroyed at {} by {}; environmental handling: {}; witness: {}.",
                             destruction.value("place", ""), destruction.value("method", ""),
                             destruction.value("environmental_handling", ""),
                             destruction.value("witness", ""));
      }
    } else if (to == "handed_over") {
      kind = CaseNoticeKind::kHandover;
      if (body.contains("handover")) {
        event_on = BodyDate(body["handover"], "on").value_or(today);
        detail = "Authority: " + body["handover"].value("authority", "") + ".";
      }
    } else {
      return;
    }
    for (NoticeAddressee addressee : {NoticeAddressee::kDeclarant, NoticeAddressee::kRightHolder}) {
      AddNotice(loaded, addressee, kind, event_on, detail);
    }
  }

  // Writes the changed case, its history event, the audit event and the
  // notices collected in `loaded`, in the caller's transaction.
  Status Commit(WriteTx& tx, Loaded& loaded, const std::string& from_state, const Caller* actor,
                const std::string& party, const std::string& action, json detail, Timestamp now) {
    CORDON_RETURN_IF_ERROR(Recompute(loaded));
    loaded.record.body = loaded.body.dump();
    loaded.record.updated_at = now;
    // parties are written only when changed here; reads may have hidden them.
    std::string parties = loaded.record.parties;
    loaded.record.parties.clear();
    CORDON_RETURN_IF_ERROR(tx.UpdateCase(Scope{loaded.record.org_id}, loaded.record));
    // The case's seizure records follow it in the same transaction.
    CORDON_RETURN_IF_ERROR(RecordCaseSeizures(tx, loaded.record));
    loaded.record.parties = std::move(parties);
    ++loaded.record.version;
    return Record(tx, loaded, from_state, actor, party, action, std::move(detail), now);
  }

  Status Record(WriteTx& tx, Loaded& loaded, const std::string& from_state, const Caller* actor,
                const std::string& party, const std::string& action, json detail, Timestamp now) {
    json notice_ids = json::array();
    for (const PendingNotice& pending : loaded.notices) {
      Result<NoticeRecord> notice = GiveNotice(tx, loaded, pending, now);
      if (!notice.ok()) {
        Error error = notice.error();
        return error.Prefix(fmt::format("giving the {} of case {}: ", CaseNoticeKindName(pending.kind),
                                        loaded.record.id));
      }
      notice_ids.push_back({{"id", notice->id}, {"kind", notice->kind}, {"to", notice->recipient_role}});
    }
    loaded.notices.clear();
    if (!notice_ids.empty()) detail["notices"] = notice_ids;
    detail["deadlines"] = DeadlineMap(loaded);
    CaseEventRecord event;
    event.case_id = loaded.record.id;
    event.at = now;
    event.org_id = actor ? actor->org_id : loaded.record.org_id;
    event.user_id = actor ? actor->user_id : "";
    event.party = party;
    event.action = action;
    event.from_state = from_state;
    event.to_state = loaded.record.state;
    event.detail = detail.dump();
    CORDON_ASSIGN_OR_RETURN(long long seq, tx.AppendCaseEvent(event));
    // The tamper-evident log gets the same facts, plus where they sit.
    json audit_detail = std::move(detail);
    audit_detail["case_event"] = seq;
    audit_detail["party"] = party;
    audit_detail["from_state"] = from_state;
    audit_detail["to_state"] = loaded.record.state;
    audit_detail["administration"] = loaded.record.org_id;
    AuditEvent audit;
    audit.at = now;
    audit.org_id = event.org_id;
    audit.user_id = event.user_id;
    audit.action = "case." + action;
    audit.object_type = "case";
    audit.object_id = loaded.record.id;
    audit.detail = audit_detail.dump();
    return tx.AppendAuditEvent(audit).status();
  }

  // --- views

  json AllowedActions(const Loaded& loaded, const Caller& caller) {
    json actions = json::array();
    bool customs = caller.org_id == loaded.record.org_id && IsCustomsOfficer(caller);
    bool holder = caller.org_id == loaded.record.holder_org_id && IsHolderRep(caller);
    for (const Transition& transition : loaded.rules->AllowedActions(loaded.facts, loaded.record.state)) {
      for (Actor party : transition.actors) {
        bool may = customs || (holder && party == Actor::kRightHolder);
        if (!may) continue;
        if (transition.action == "extend" &&
            !loaded.rules->CheckExtension(loaded.facts, static_cast<int>(InputOf(loaded).extensions_taken)).ok()) {
          continue;
        }
        actions.push_back({{"action", transition.action},
                           {"party", ActorName(party)},
                           {"to", transition.to},
                           {"reference", transition.reference}});
      }
    }
    if (customs) actions.push_back({{"action", "record_cost"}, {"party", "customs"}, {"to", loaded.record.state},
                                    {"reference", "Regulation (EU) No 608/2013 Art. 29"}});
    return actions;
  }

  json View(ReadTx& tx, const Caller& caller, Loaded& loaded, bool full) {
    const CaseRecord& record = loaded.record;
    const json& body = loaded.body;
    Scope scope{caller.org_id};
    json view = {{"id", record.id},
                 {"administration_id", record.org_id},
                 {"office", record.office},
                 {"procedure", record.procedure},
                 {"application_id", record.application_id.empty() ? json(nullptr) : json(record.application_id)},
                 {"holder_org_id", record.holder_org_id.empty() ? json(nullptr) : json(record.holder_org_id)},
                 {"declaration_id", body.value("declaration_id", json(nullptr))},
                 {"perishable", loaded.facts.perishable},
                 {"small_consignment", loaded.facts.small_consignment},
                 {"jurisdiction", loaded.rules->jurisdiction()},
                 {"calendar", loaded.calendar->code()},
                 {"state", record.state},
                 {"open", record.open},
                 {"suspended_on", body.value("suspended_on", "")},
                 {"notified_on", body.value("notified_on", "")},
                 {"detained_on", body.value("detained_on", json(nullptr))},
                 {"opposition_notified_on", body.value("opposition_notified_on", json(nullptr))},
                 {"deadlines", DeadlineMap(loaded)},
                 {"created_at", FormatTimestamp(record.created_at)},
                 {"updated_at", FormatTimestamp(record.updated_at)},
                 {"version", record.version}};
    if (const StateInfo* info = loaded.rules->FindState(record.state)) {
      view["state_description"] = info->description;
    }
    if (record.next_due) {
      std::optional<Transition> on_expiry =
          loaded.rules->OnDeadline(loaded.facts, record.state, record.next_deadline);
      view["next_deadline"] = {{"name", record.next_deadline},
                               {"due", FormatDate(*record.next_due)},
                               {"on_expiry", on_expiry ? json(on_expiry->to) : json(nullptr)},
                               {"overdue", *record.next_due < clock.Today()}};
    } else {
      view["next_deadline"] = nullptr;
    }
    view["parties_disclosed"] = record.parties_disclosed;
    bool show_parties = loaded.parties.is_object();
    view["declarant"] = show_parties ? loaded.parties.value("declarant", json(nullptr)) : json(nullptr);
    view["holder_of_goods"] =
        show_parties ? loaded.parties.value("holder_of_goods", json(nullptr)) : json(nullptr);

    json goods = json::array();
    if (Result<std::vector<CaseGoodsRecord>> lines = tx.ListCaseGoods(scope, record.id); lines.ok()) {
      for (const CaseGoodsRecord& line : *lines) {
        goods.push_back({{"description", line.description},
                         {"hs", line.hs},
                         {"quantity", json::parse(line.quantity, nullptr, false)},
                         {"unit", line.unit},
                         {"product_category", line.product_category},
                         {"ipr_type", line.ipr_type},
                         {"mark", line.mark.empty() ? json(nullptr) : json(line.mark)},
                         {"estimated_value_eur",
                          line.estimated_value_cents
                              ? json(static_cast<double>(*line.estimated_value_cents) / 100.0)
                              : json(nullptr)}});
      }
    }
    view["goods"] = std::move(goods);
    view["responses"] = body.value("responses", json::object());
    view["extensions"] = body.value("extensions", json::array());
    view["samples"] = body.value("samples", json::array());
    view["proceedings"] = body.value("proceedings", json(nullptr));
    view["destruction"] = body.value("destruction", json(nullptr));
    view["release"] = body.value("release", json(nullptr));
    view["handover"] = body.value("handover", json(nullptr));
    json costs = body.value("costs", json::array());
    long long total_cents = 0;
    for (const json& cost : costs) total_cents += cost.value("amount_cents", 0LL);
    view["costs"] = {{"items", costs},
                     {"total_eur", static_cast<double>(total_cents) / 100.0},
                     {"attributed_to", "right_holder"},
                     {"reference", "Regulation (EU) No 608/2013 Art. 29"}};
    view["allowed_actions"] = AllowedActions(loaded, caller);
    if (!full) return view;

    json details = json::array();
    for (const Deadline& deadline : loaded.deadlines.items) {
      details.push_back({{"name", deadline.name},
                         {"due", FormatDate(deadline.due)},
                         {"original_due", FormatDate(deadline.original_due)},
                         {"extensions", deadline.extensions},
                         {"provisional", deadline.provisional},
                         {"reference", deadline.reference},
                         {"description", deadline.description}});
    }
    view["deadline_details"] = std::move(details);
    json history = json::array();
    if (auto events = tx.ListCaseEvents(scope, record.id); events.ok()) {
      for (const CaseEventRecord& event : *events) {
        json detail = json::parse(event.detail, nullptr, false);
        // A holder reading the history before disclosure must not learn the
        // parties from it either.
        if (!show_parties && detail.is_object()) detail.erase("parties");
        history.push_back({{"seq", event.seq},
                           {"at", FormatTimestamp(event.at)},
                           {"party", event.party},
                           {"action", event.action},
                           {"from", event.from_state},
                           {"to", event.to_state},
                           {"user_id", event.user_id.empty() ? json(nullptr) : json(event.user_id)},
                           {"detail", detail}});
      }
    }
    view["history"] = std::move(history);
    // The notices of the case, with their deliveries (the administration's
    // proof of notification; the holder sees its own).
    json notices = json::array();
    if (auto stored = tx.ListObjectNotices(scope, "case", record.id); stored.ok()) {
      for (NoticeRecord& notice : *stored) {
        NoticeView notice_view{std::move(notice), {}};
        if (auto deliveries = tx.ListNoticeDeliveries(scope, notice_view.notice.id); deliveries.ok()) {
          notice_view.deliveries = std::move(deliveries).value();
        }
        notices.push_back(NoticeViewJson(notice_view));
      }
    }
    view["notices"] = std::move(notices);
    json evidence = json::array();
    if (auto stored = tx.ListEvidence(scope, record.id); stored.ok()) {
      for (const EvidenceRecord& item : *stored) evidence.push_back(EvidenceJson(item));
    }
    view["evidence"] = std::move(evidence);
    return view;
  }

  static json EvidenceJson(const EvidenceRecord& item) {
    return {{"id", item.id},
            {"sha256", item.sha256},
            {"media_type", item.media_type},
            {"size", item.size},
            {"filename", item.filename},
            {"description", item.description},
            {"uploaded_by", item.user_id},
            {"created_at", FormatTimestamp(item.created_at)}};
  }

  Result<json> ReadView(const Caller& caller, const std::string& id) {
    json view;
    CORDON_RETURN_IF_ERROR(store.Read([&](ReadTx& tx) -> Status {
      CORDON_ASSIGN_OR_RETURN(Loaded loaded, Load(tx, Scope{caller.org_id}, id));
      view = View(tx, caller, loaded, true);
      return Status::Ok();
    }));
    return view;
  }

  // --- the clock

  // Applies every deadline transition that is due before `today`. Returns how
  // many were applied.
  Result<int> AdvanceLoaded(WriteTx& tx, Loaded& loaded, Timestamp now) {
    Date today = DateOf(now);
    int moved = 0;
    while (loaded.record.open && loaded.record.next_due && *loaded.record.next_due < today) {
      std::string deadline = loaded.record.next_deadline;
      Date due = *loaded.record.next_due;
      std::optional<Transition> transition =
          loaded.rules->OnDeadline(loaded.facts, loaded.record.state, deadline);
      if (!transition) break;
      std::string from = loaded.record.state;
      loaded.record.state = transition->to;
      if (transition->to == "released") {
        loaded.body["release"] = {{"on", FormatDate(today)},
                                  {"by", "clock"},
                                  {"reason", fmt::format("{} ended on {} without the act it calls for",
                                                         deadline, FormatDate(due))},
                                  {"reference", transition->reference}};
      }
      CORDON_RETURN_IF_ERROR(Recompute(loaded));
      NoticesForState(loaded, from, today);
      json detail = {{"deadline", deadline}, {"due", FormatDate(due)}, {"reference", transition->reference}};
      CORDON_RETURN_IF_ERROR(Commit(tx, loaded, from, nullptr, "clock", deadline, std::move(detail), now));
      ++moved;
      if (moved > 16) break;  // a rule set cannot chain more; guards a bad file
    }
    return moved;
  }
};

CaseService::CaseService(Store& store, const Clock& clock, Rng& rng, CaseServiceOptions options)
    : impl_(std::make_unique<Impl>(store, clock, rng, std::move(options))) {}
CaseService::~CaseService() = default;

// --- open

Result<json> CaseService::Open(const Caller& caller, const json& body) {
  if (!IsCustomsOfficer(caller)) {
    return Forbidden("only an IPR officer of a customs administration may open a case");
  }
  Impl& impl = *impl_;
  const Timestamp now = impl.clock.Now();
  const Date today = DateOf(now);
  FieldErrors errors;
  ObjectReader reader(body, "", errors);
  if (!reader.is_object()) return errors.ToError("case");

  std::optional<std::string> office = Text(reader, "office", true, errors);
  std::optional<std::string> procedure_text = Text(reader, "procedure", true, errors);
  std::optional<Procedure> procedure;
  if (procedure_text) {
    procedure = ParseProcedure(*procedure_text);
    if (!procedure) errors.Add("procedure", "must be application or ex_officio");
  }
  std::optional<std::string> application_id = Text(reader, "application_id", false, errors);
  if (procedure == Procedure::kApplication && !application_id) {
    if (!reader.Has("application_id")) errors.Add("application_id", "is required for procedure application");
  }
  if (procedure == Procedure::kExOfficio && application_id) {
    errors.Add("application_id",
               "must not be given ex officio (no application covers the goods; Regulation (EU) "
               "No 608/2013 Art. 18)");
  }
  std::optional<std::string> declaration_id = Text(reader, "declaration_id", false, errors, 100);
  std::optional<std::string> finding_id = Text(reader, "selection_id", false, errors, 100);
  bool perishable = reader.Bool("perishable", false).value_or(false);
  bool small_consignment = reader.Bool("small_consignment", false).value_or(false);
  std::optional<Date> suspended_on = reader.DateMember("suspended_on", false);
  std::optional<Date> notified_on = reader.DateMember("notified_on", false);
  bool dates_given_bad = (reader.Has("suspended_on") && !suspended_on) ||
                         (reader.Has("notified_on") && !notified_on);
  Date suspended = suspended_on.value_or(today);
  Date notified = notified_on.value_or(std::max(today, suspended));
  if (!dates_given_bad) {
    if (suspended > today) errors.Add("suspended_on", "must not be in the future");
    if (notified > today) errors.Add("notified_on", "must not be in the future");
    if (notified < suspended) errors.Add("notified_on", "must not be before suspended_on");
  }
  // Where the goods came from and went (for the seizure statistics; optional).
  std::optional<std::string> transport_mode = Text(reader, "transport_mode", false, errors);
  if (transport_mode && !OneOf(*transport_mode, kTransportModes)) {
    errors.Add("transport_mode", "must be one of " + ListText(kTransportModes));
  }
  std::map<std::string, std::string> shipment_countries;
  for (const char* name : {"origin", "dispatch", "destination"}) {
    std::optional<std::string> country = Text(reader, name, false, errors);
    if (country && !IsCountryCode(*country)) {
      errors.Add(name, "must be an ISO 3166-1 alpha-2 country code");
    } else if (country) {
      shipment_countries[name] = *country;
    }
  }
  std::optional<bool> e_commerce = reader.Bool("e_commerce", false);
  json declarant = ReadPartyObject(reader, "declarant", true, errors);
  json holder_of_goods = ReadPartyObject(reader, "holder_of_goods", false, errors);

  std::vector<CaseGoodsRecord> goods;
  if (const json* list = reader.Array("goods", true)) {
    if (list->empty()) errors.Add("goods", "must list at least one line of goods");
    if (list->size() > kMaxGoods) errors.Add("goods", "must hold at most 1000 lines");
    for (size_t index = 0; index < list->size() && index < kMaxGoods; ++index) {
      std::string path = IndexPath("goods", index);
      ObjectReader line(list->at(index), path, errors);
      if (!line.is_object()) continue;
      CaseGoodsRecord record;
      record.ordinal = static_cast<int>(index);
      record.description = Text(line, "description", true, errors).value_or("");
      std::optional<std::string> hs = Text(line, "hs", true, errors);
      if (hs && !(IsDigits(*hs) && hs->size() >= 4 && hs->size() <= 10)) {
        errors.Add(line.Path("hs"), "must be 4 to 10 digits (HS / CN / TARIC code)");
      } else if (hs) {
        record.hs = *hs;
      }
      if (std::optional<double> quantity = Number(line, "quantity", true, errors)) {
        record.quantity = NumberText(*quantity);
      }
      record.unit = Text(line, "unit", true, errors, 50).value_or("");
      std::optional<std::string> category = Text(line, "product_category", true, errors);
      if (category && !IsProductCategory(*category)) {
        std::string ids;
        for (const ProductCategory& known : ProductCategories()) {
          ids += (ids.empty() ? "" : ", ") + known.id;
        }
        errors.Add(line.Path("product_category"), "must be one of " + ids);
      } else if (category) {
        record.product_category = *category;
      }
      std::optional<std::string> ipr_type = Text(line, "ipr_type", true, errors);
      if (ipr_type && !OneOf(*ipr_type, kIprTypes)) {
        errors.Add(line.Path("ipr_type"), "must be one of " + ListText(kIprTypes));
      } else if (ipr_type) {
        record.ipr_type = *ipr_type;
      }
      record.mark = Text(line, "mark", false, errors).value_or("");
      if (std::optional<double> value = Number(line, "estimated_value_eur", false, errors, true)) {
        record.estimated_value_cents = std::llround(*value * 100.0);
      }
      line.RejectUnknown();
      goods.push_back(std::move(record));
    }
  }
  reader.RejectUnknown();
  if (!errors.empty()) return errors.ToError("case");

  CaseFacts facts{*procedure, perishable, small_consignment};
  json view;
  Status written = impl.store.Write([&](WriteTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(Organisation administration, tx.GetOrganisation(caller.org_id));
    CORDON_ASSIGN_OR_RETURN(auto rules, impl.Rules(administration.jurisdiction));
    CORDON_ASSIGN_OR_RETURN(auto calendar, impl.CalendarFor(administration.country));
    FieldErrors checks;
    if (!administration.offices.empty() &&
        std::find(administration.offices.begin(), administration.offices.end(), *office) ==
            administration.offices.end()) {
      std::string offices;
      for (const std::string& code : administration.offices) offices += (offices.empty() ? "" : ", ") + code;
      checks.Add("office", "must be one of this administration's offices: " + offices);
    }
    if (Status allowed = rules->CheckCase(facts); !allowed.ok()) {
      for (const FieldError& field : allowed.error().fields()) checks.Add(field.field, field.message);
      if (allowed.error().fields().empty()) checks.Add("procedure", allowed.error().message());
    }
    Impl::Loaded loaded;
    loaded.rules = rules;
    loaded.calendar = calendar;
    loaded.facts = facts;
    CaseRecord& record = loaded.record;
    record.id = NewId(impl.rng, "cas");
    record.org_id = caller.org_id;
    record.office = *office;
    record.procedure = ProcedureName(*procedure);
    if (procedure == Procedure::kApplication && application_id) {
      Result<ApplicationRecord> stored = tx.GetApplication(Scope{caller.org_id}, *application_id);
      if (!stored.ok()) {
        if (stored.error().code() != ErrorCode::kNotFound) return stored.error();
        checks.Add("application_id", "no application for action with this id is filed with this administration");
      } else {
        CORDON_ASSIGN_OR_RETURN(cases_internal::CoveringApplication app,
                                cases_internal::ReadCoveringApplication(*stored, today));
        if (app.status != "granted") {
          checks.Add("application_id",
                     fmt::format("must be a granted application in force (it is {}); Regulation "
                                 "(EU) No 608/2013 Art. 17(1)",
                                 app.status));
        }
        if (small_consignment && !app.small_consignments) {
          checks.Add("small_consignment",
                     "the application did not ask for the small-consignments procedure "
                     "(Regulation (EU) No 608/2013 Art. 26(1)(d))");
        }
        for (const CaseGoodsRecord& line : goods) {
          std::string path = IndexPath("goods", static_cast<size_t>(line.ordinal));
          if (!app.goods_hs.empty() && !HsCovered(line.hs, app.goods_hs)) {
            checks.Add(path + ".hs", fmt::format("{} is not among the goods application {} covers",
                                                 line.hs, app.id));
          }
          if (std::find(app.right_types.begin(), app.right_types.end(), line.ipr_type) ==
              app.right_types.end()) {
            checks.Add(path + ".ipr_type",
                       fmt::format("application {} records no {} right", app.id, line.ipr_type));
          }
        }
        record.application_id = app.id;
        record.holder_org_id = app.holder_org_id;
      }
    }
    if (!checks.empty()) return checks.ToError("case");

    json& case_body = loaded.body;
    case_body = {{"jurisdiction", rules->jurisdiction()},
                 {"calendar", calendar->code()},
                 {"perishable", perishable},
                 {"small_consignment", small_consignment},
                 {"suspended_on", FormatDate(suspended)},
                 {"notified_on", FormatDate(notified)},
                 {"responses", json::object()},
                 {"extensions", json::array()},
                 {"samples", json::array()},
                 {"costs", json::array()}};
    if (declaration_id) case_body["declaration_id"] = *declaration_id;
    if (transport_mode) case_body["transport_mode"] = *transport_mode;
    for (const auto& [name, country] : shipment_countries) case_body[name] = country;
    if (e_commerce) case_body["e_commerce"] = *e_commerce;
    if (finding_id) case_body["selection_id"] = *finding_id;
    loaded.parties = {{"declarant", declarant}, {"holder_of_goods", holder_of_goods}};
    record.parties = loaded.parties.dump();
    record.state = rules->initial_state();
    record.created_at = now;
    record.updated_at = now;
    // The holder of the decision learns names and addresses with the
    // notification of Art. 17(3)-(4); ex officio and in the small-consignments
    // procedure not yet (Art. 18(5), 26(8)).
    record.parties_disclosed = procedure == Procedure::kApplication && !small_consignment;
    Status computed = impl.Recompute(loaded);
    if (!computed.ok()) {
      return InvalidInput(computed.error().message(), {{"suspended_on", computed.error().message()}});
    }
    record.body = case_body.dump();
    CORDON_RETURN_IF_ERROR(tx.InsertCase(record, goods));

    json goods_detail = json::array();
    for (const CaseGoodsRecord& line : goods) {
      goods_detail.push_back({{"description", line.description}, {"hs", line.hs},
                              {"quantity", json::parse(line.quantity)}, {"unit", line.unit},
                              {"product_category", line.product_category},
                              {"ipr_type", line.ipr_type}, {"mark", line.mark}});
    }
    // Personal data stays out of the append-only log; its hash proves what
    // was recorded.
    json opened = {{"procedure", record.procedure},
                   {"office", record.office},
                   {"application_id", record.application_id},
                   {"declaration_id", case_body.value("declaration_id", "")},
                   {"perishable", perishable},
                   {"small_consignment", small_consignment},
                   {"suspended_on", FormatDate(suspended)},
                   {"goods", goods_detail},
                   {"parties_sha256", Sha256Hex(record.parties)},
                   {"reference", procedure == Procedure::kApplication
                                     ? "Regulation (EU) No 608/2013 Art. 17(1)"
                                     : "Regulation (EU) No 608/2013 Art. 18(1)"}};
    CORDON_RETURN_IF_ERROR(impl.Record(tx, loaded, "", &caller, "customs", "suspension", opened, now));

    // The parties are notified (on notified_on): the rule set's "notify".
    CORDON_ASSIGN_OR_RETURN(Transition notify,
                            rules->Resolve(facts, record.state, "notify", Actor::kCustoms));
    std::string from = record.state;
    record.state = notify.to;
    CORDON_RETURN_IF_ERROR(impl.Recompute(loaded));
    impl.AddNotice(loaded, NoticeAddressee::kDeclarant, CaseNoticeKind::kSuspension);
    // In the small-consignments procedure the holder is not consulted
    // (Art. 26(2)); ex officio there is no holder of a decision yet.
    if (procedure == Procedure::kApplication && !small_consignment) {
      impl.AddNotice(loaded, NoticeAddressee::kRightHolder, CaseNoticeKind::kSuspension);
    }
    CORDON_RETURN_IF_ERROR(impl.Commit(tx, loaded, from, &caller, "customs", "notify",
                                       {{"notified_on", FormatDate(notified)},
                                        {"reference", notify.reference}},
                                       now));
    view = impl.View(tx, caller, loaded, true);
    return Status::Ok();
  });
  if (!written.ok()) return written.error();
  return view;
}

// --- reads

Result<json> CaseService::Get(const Caller& caller, const std::string& id) {
  return impl_->ReadView(caller, id);
}

Result<Page<json>> CaseService::List(const Caller& caller, const CaseQuery& query) {
  CaseFilter filter;
  filter.state = query.state;
  filter.office = query.office;
  filter.open_only = query.open_only;
  filter.order = query.by_next_deadline ? CaseFilter::Order::kNextDue : CaseFilter::Order::kCreated;
  filter.after = query.cursor;
  filter.limit = query.limit;
  Page<json> page;
  Impl& impl = *impl_;
  CORDON_RETURN_IF_ERROR(impl.store.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(Page<CaseRecord> records, tx.ListCases(Scope{caller.org_id}, filter));
    page.next_cursor = records.next_cursor;
    for (const CaseRecord& record : records.items) {
      CORDON_ASSIGN_OR_RETURN(Impl::Loaded loaded, impl.Load(tx, Scope{caller.org_id}, record.id));
      page.items.push_back(impl.View(tx, caller, loaded, false));
    }
    return Status::Ok();
  }));
  return page;
}

// --- acts

namespace {

// Who acts: the party the caller acts for on this case.
Result<Actor> ActingParty(const Caller& caller, const CaseRecord& record, const json& body,
                          FieldErrors& errors) {
  std::optional<Actor> asked;
  auto found = body.find("party");
  if (found != body.end() && !found->is_null()) {
    if (!found->is_string() || !ParseActor(found->get<std::string>())) {
      errors.Add("party", "must be customs, right_holder or declarant");
    } else {
      asked = ParseActor(found->get<std::string>());
    }
  }
  if (caller.org_id == record.org_id) {
    if (!IsCustomsOfficer(caller)) {
      return Forbidden("only an IPR officer of the administration acts on its cases");
    }
    // Officers record the written acts of the declarant and the holder.
    return asked.value_or(Actor::kCustoms);
  }
  if (caller.org_id == record.holder_org_id) {
    if (!IsHolderRep(caller)) {
      return Forbidden("only a representative of the right holder acts for it on a case");
    }
    if (asked && *asked != Actor::kRightHolder) {
      return Forbidden(fmt::format("a right holder acts as right_holder, not as {}", ActorName(*asked)));
    }
    return Actor::kRightHolder;
  }
  return NotFound(fmt::format("case {} not found", record.id));
}

}  // namespace

Result<json> CaseService::Extend(const Caller& caller, const std::string& id, const json& body) {
  if (!body.is_object()) return InvalidInput("invalid extension", {{"(document)", "must be an object"}});
  json act = body;
  act["action"] = "extend";
  return Act(caller, id, act);
}

Result<json> CaseService::Act(const Caller& caller, const std::string& id, const json& body) {
  Impl& impl = *impl_;
  const Timestamp now = impl.clock.Now();
  const Date today = DateOf(now);
  FieldErrors errors;
  ObjectReader reader(body, "", errors);
  if (!reader.is_object()) return errors.ToError("action");
  std::optional<std::string> action = Text(reader, "action", true, errors, 64);
  reader.Get("party", false);
  if (!action) return errors.ToError("action");

  json view;
  Status written = impl.store.Write([&](WriteTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(Impl::Loaded loaded, impl.Load(tx, Scope{caller.org_id}, id));
    CaseRecord& record = loaded.record;
    json& case_body = loaded.body;
    FieldErrors field_errors;
    CORDON_ASSIGN_OR_RETURN(Actor party, ActingParty(caller, record, body, field_errors));
    if (!field_errors.empty()) return field_errors.ToError("action");
    const std::string from = record.state;
    json detail = json::object();

    // Costs (Art. 29) are recorded in any state, by customs.
    if (*action == "record_cost") {
      if (party != Actor::kCustoms) return Forbidden("costs are recorded by customs");
      std::optional<std::string> kind = Text(reader, "kind", true, errors, 32);
      if (kind && !OneOf(*kind, kCostKinds)) errors.Add("kind", "must be one of " + ListText(kCostKinds));
      std::optional<double> amount = Number(reader, "amount_eur", true, errors);
      std::optional<std::string> description = Text(reader, "description", false, errors);
      std::optional<Date> incurred_on = reader.DateMember("incurred_on", false);
      reader.RejectUnknown();
      if (!errors.empty()) return errors.ToError("cost");
      long long cents = std::llround(*amount * 100.0);
      json cost = {{"kind", *kind},
                   {"amount_eur", static_cast<double>(cents) / 100.0},
                   {"amount_cents", cents},
                   {"description", description.value_or("")},
                   {"incurred_on", FormatDate(incurred_on.value_or(today))},
                   {"attributed_to", "right_holder"},
                   {"reference", "Regulation (EU) No 608/2013 Art. 29"}};
      case_body["costs"].push_back(cost);
      detail = cost;
      CORDON_RETURN_IF_ERROR(impl.Commit(tx, loaded, from, &caller, "customs", "record_cost", detail, now));
      view = impl.View(tx, caller, loaded, true);
      return Status::Ok();
    }

    // A deadline that has passed decides first: the clock moves the case
    // (AdvanceDueCases); no late act can overtake it.
    if (record.open && record.next_due && *record.next_due < today) {
      std::optional<Transition> on_expiry =
          loaded.rules->OnDeadline(loaded.facts, record.state, record.next_deadline);
      return Conflict(fmt::format(
          "action \"{}\" is not allowed in state \"{}\": {} ended on {} and the case moves to "
          "\"{}\"",
          *action, record.state, record.next_deadline, FormatDate(*record.next_due),
          on_expiry ? on_expiry->to : std::string("?")));
    }

    Result<Transition> resolved = loaded.rules->Resolve(loaded.facts, record.state, *action, party);
    if (!resolved.ok()) {
      if (resolved.error().code() == ErrorCode::kInvalidInput) {
        return InvalidInput(resolved.error().message(), {{"action", resolved.error().message()}});
      }
      return resolved.error();
    }
    const Transition& transition = *resolved;
    std::string note;
    if (std::optional<std::string> given = Text(reader, "note", false, errors, kMaxLongText)) note = *given;
    if (!note.empty()) detail["note"] = note;
    json response = {{"on", FormatDate(today)}, {"action", *action}};
    if (!note.empty()) response["note"] = note;

    const std::string& name = *action;
    if (name == "extend") {
      CORDON_RETURN_IF_ERROR(loaded.rules->CheckExtension(
          loaded.facts, static_cast<int>(case_body["extensions"].size())));
      std::optional<std::string> reason = Text(reader, "reason", true, errors, kMaxLongText);
      reader.RejectUnknown();
      if (!errors.empty()) return errors.ToError("extension");
      json before = impl.DeadlineMap(loaded);
      case_body["extensions"].push_back({{"on", FormatDate(today)}, {"reason", *reason}});
      CORDON_RETURN_IF_ERROR(impl.Recompute(loaded));
      detail = {{"reason", *reason}, {"before", before}, {"after", impl.DeadlineMap(loaded)},
                {"reference", loaded.rules->extension() ? loaded.rules->extension()->reference : ""}};
      for (NoticeAddressee to : {NoticeAddressee::kDeclarant, NoticeAddressee::kRightHolder}) {
        impl.AddNotice(loaded, to, CaseNoticeKind::kExtension, today, "Reason: " + *reason + ".");
      }
    } else if (name == "accept_application") {
      std::optional<std::string> application_id = Text(reader, "application_id", true, errors);
      reader.RejectUnknown();
      if (!errors.empty()) return errors.ToError("action");
      Result<ApplicationRecord> stored = tx.GetApplication(Scope{record.org_id}, *application_id);
      if (!stored.ok()) {
        if (stored.error().code() != ErrorCode::kNotFound) return stored.error();
        return InvalidInput("unknown application",
                            {{"application_id", "no application for action with this id is filed with this administration"}});
      }
      CORDON_ASSIGN_OR_RETURN(cases_internal::CoveringApplication app,
                              cases_internal::ReadCoveringApplication(*stored, today));
      if (app.status != "granted") {
        return InvalidInput("application not granted",
                            {{"application_id", fmt::format("must be granted (it is {}); Regulation (EU) No 608/2013 Art. 18(4)(b)", app.status)}});
      }
      record.application_id = app.id;
      record.holder_org_id = app.holder_org_id;
      record.parties_disclosed = true;
      if (!case_body.contains("detained_on") && loaded.rules->jurisdiction() == "CN") {
        case_body["detained_on"] = FormatDate(today);
      }
      detail["application_id"] = app.id;
      case_body["application_decision"] = {{"on", FormatDate(today)}, {"accepted", true}, {"application_id", app.id}};
      record.state = transition.to;
      CORDON_RETURN_IF_ERROR(impl.Recompute(loaded));
      impl.AddNotice(loaded, NoticeAddressee::kRightHolder, CaseNoticeKind::kSuspension);
    } else if (name == "reject_application") {
      std::optional<std::string> reason = Text(reader, "reason", false, errors, kMaxLongText);
      reader.RejectUnknown();
      if (!errors.empty()) return errors.ToError("action");
      case_body["application_decision"] = {{"on", FormatDate(today)}, {"accepted", false}, {"reason", reason.value_or("")}};
      case_body["release"] = {{"on", FormatDate(today)}, {"by", "customs"}, {"reason", reason.value_or("no application for action was granted")}};
      detail["reason"] = reason.value_or("");
    } else if (name == "destroy") {
      std::optional<Date> date = reader.DateMember("date", true);
      std::optional<std::string> place = Text(reader, "place", true, errors);
      std::optional<std::string> method = Text(reader, "method", true, errors);
      std::optional<std::string> environmental = Text(reader, "environmental_handling", true, errors, kMaxLongText);
      std::optional<std::string> witness = Text(reader, "witness", true, errors);
      std::optional<double> quantity = Number(reader, "quantity", true, errors);
      std::optional<std::string> unit = Text(reader, "unit", false, errors, 50);
      std::optional<double> cost = Number(reader, "cost_eur", false, errors, true);
      reader.RejectUnknown();
      if (date) {
        if (*date > today) errors.Add("date", "must not be in the future");
        if (auto suspended = BodyDate(case_body, "suspended_on"); suspended && *date < *suspended) {
          errors.Add("date", "must not be before suspended_on");
        }
      }
      if (!errors.empty()) return errors.ToError("destruction");
      json destruction = {{"date", FormatDate(*date)}, {"place", *place}, {"method", *method},
                          {"environmental_handling", *environmental}, {"witness", *witness},
                          {"quantity", *quantity}, {"unit", unit.value_or("")},
                          {"recorded_by", caller.user_id},
                          {"reference", transition.reference}};
      case_body["destruction"] = destruction;
      detail = destruction;
      if (cost && *cost > 0) {
        long long cents = std::llround(*cost * 100.0);
        json item = {{"kind", "destruction"}, {"amount_eur", static_cast<double>(cents) / 100.0},
                     {"amount_cents", cents}, {"description", "destruction under customs control"},
                     {"incurred_on", FormatDate(*date)}, {"attributed_to", "right_holder"},
                     {"reference", "Regulation (EU) No 608/2013 Art. 29"}};
        case_body["costs"].push_back(item);
        detail["cost"] = item;
      }
    } else if (name == "release") {
      std::optional<std::string> reason = Text(reader, "reason", true, errors, kMaxLongText);
      reader.RejectUnknown();
      if (!errors.empty()) return errors.ToError("release");
      case_body["release"] = {{"on", FormatDate(today)}, {"by", "customs"}, {"reason", *reason}, {"reference", transition.reference}};
      detail["reason"] = *reason;
    } else if (name == "hand_over") {
      std::optional<std::string> authority = Text(reader, "authority", true, errors);
      std::optional<std::string> reference = Text(reader, "reference", false, errors);
      reader.RejectUnknown();
      if (!errors.empty()) return errors.ToError("handover");
      case_body["handover"] = {{"on", FormatDate(today)}, {"authority", *authority}, {"reference", reference.value_or("")}};
      detail = case_body["handover"];
    } else if (name == "start_proceedings") {
      std::optional<std::string> reference = Text(reader, "reference", true, errors);
      std::optional<std::string> court = Text(reader, "court", false, errors);
      std::optional<Date> started_on = reader.DateMember("started_on", false);
      reader.RejectUnknown();
      if (started_on && *started_on > today) errors.Add("started_on", "must not be in the future");
      if (!errors.empty()) return errors.ToError("proceedings");
      case_body["proceedings"] = {{"reference", *reference}, {"court", court.value_or("")},
                                  {"started_on", FormatDate(started_on.value_or(today))},
                                  {"reference_law", transition.reference}};
      detail = case_body["proceedings"];
      case_body["responses"]["right_holder"] = response;
    } else if (name == "request_samples") {
      std::optional<double> quantity = Number(reader, "quantity", false, errors);
      std::optional<std::string> purpose = Text(reader, "purpose", false, errors, kMaxLongText);
      reader.RejectUnknown();
      if (!errors.empty()) return errors.ToError("samples request");
      json request = {{"on", FormatDate(today)}, {"purpose", purpose.value_or("")}};
      if (quantity) request["quantity"] = *quantity;
      case_body["samples"].push_back(request);
      detail = request;
    } else if (name == "oppose" || name == "notify_opposition") {
      reader.RejectUnknown();
      if (!errors.empty()) return errors.ToError("action");
      if (name == "oppose") case_body["responses"]["declarant"] = response;
      // Customs tell the holder of the opposition at once; it fixes the day
      // the small-consignments proceedings period runs from (Art. 26(8)-(9)),
      // and entitles the holder to the parties' names (Art. 26(8)).
      case_body["opposition_notified_on"] = FormatDate(today);
      record.parties_disclosed = !record.holder_org_id.empty();
      record.state = transition.to;
      CORDON_RETURN_IF_ERROR(impl.Recompute(loaded));
      impl.AddNotice(loaded, NoticeAddressee::kRightHolder, CaseNoticeKind::kOpposition, today);
    } else {
      // confirm_infringement, agree, notify and the rule sets' other acts.
      reader.RejectUnknown();
      if (!errors.empty()) return errors.ToError("action");
      if (party == Actor::kRightHolder || party == Actor::kDeclarant) {
        case_body["responses"][ActorName(party)] = response;
      }
      if (name == "notify") case_body["notified_on"] = FormatDate(today);
    }
    detail["reference"] = detail.value("reference", transition.reference);
    record.state = transition.to;
    CORDON_RETURN_IF_ERROR(impl.Recompute(loaded));
    impl.NoticesForState(loaded, from, today);
    CORDON_RETURN_IF_ERROR(impl.Commit(tx, loaded, from, &caller, ActorName(party), name, detail, now));
    view = impl.View(tx, caller, loaded, true);
    return Status::Ok();
  });
  if (!written.ok()) return written.error();
  return view;
}

// --- evidence

Result<json> CaseService::AddEvidence(const Caller& caller, const std::string& id,
                                      const EvidenceUpload& upload) {
  Impl& impl = *impl_;
  FieldErrors errors;
  const EvidenceType* type = nullptr;
  for (const EvidenceType& candidate : kEvidenceTypes) {
    if (candidate.media_type == upload.media_type) type = &candidate;
  }
  if (type == nullptr) {
    errors.Add("content_type", "must be one of image/jpeg, image/png, image/webp, image/tiff, application/pdf");
  }
  if (upload.content.empty()) {
    errors.Add("content", "must not be empty");
  } else if (upload.content.size() > impl.options.max_evidence_bytes) {
    errors.Add("content", fmt::format("must be at most {} bytes (is {})", impl.options.max_evidence_bytes,
                                      upload.content.size()));
  } else if (type != nullptr && !StartsAsMediaType(type->media_type, upload.content)) {
    errors.Add("content", fmt::format("is not a {} file", type->media_type));
  }
  if (upload.filename.size() > 255 ||
      std::any_of(upload.filename.begin(), upload.filename.end(),
                  [](char c) { return c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20; })) {
    errors.Add("filename", "must be a plain file name of at most 255 characters");
  }
  if (upload.description.size() > kMaxLongText) errors.Add("description", "must be at most 10000 characters");
  json result;
  const Timestamp now = impl.clock.Now();
  Status written = impl.store.Write([&](WriteTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(Impl::Loaded loaded, impl.Load(tx, Scope{caller.org_id}, id));
    bool customs = caller.org_id == loaded.record.org_id &&
                   (IsCustomsOfficer(caller) || caller.role == Role::kFrontlineOfficer);
    bool holder = caller.org_id == loaded.record.holder_org_id && IsHolderRep(caller);
    if (!customs && !holder) return Forbidden("you may not add evidence to this case");
    if (!errors.empty()) return errors.ToError("evidence");
    EvidenceRecord record;
    record.id = NewId(impl.rng, "evd");
    record.case_id = id;
    record.sha256 = Sha256Hex(upload.content);
    record.media_type = upload.media_type;
    record.size = static_cast<long long>(upload.content.size());
    record.filename = upload.filename.empty() ? record.id + "." + std::string(type->extension) : upload.filename;
    record.description = upload.description;
    record.org_id = caller.org_id;
    record.user_id = caller.user_id;
    record.created_at = now;
    CORDON_RETURN_IF_ERROR(tx.InsertEvidence(record, upload.content));
    json detail = {{"evidence_id", record.id}, {"sha256", record.sha256},
                   {"media_type", record.media_type}, {"size", record.size},
                   {"filename", record.filename}};
    CORDON_RETURN_IF_ERROR(impl.Record(tx, loaded, loaded.record.state, &caller,
                                       customs ? "customs" : "right_holder", "evidence_added", detail, now));
    result = Impl::EvidenceJson(record);
    return Status::Ok();
  });
  if (!written.ok()) return written.error();
  return result;
}

Result<json> CaseService::ListEvidence(const Caller& caller, const std::string& id) {
  json items = json::array();
  CORDON_RETURN_IF_ERROR(impl_->store.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(std::vector<EvidenceRecord> records, tx.ListEvidence(Scope{caller.org_id}, id));
    for (const EvidenceRecord& record : records) items.push_back(Impl::EvidenceJson(record));
    return Status::Ok();
  }));
  return items;
}

Result<EvidenceContent> CaseService::GetEvidence(const Caller& caller, const std::string& id,
                                                 const std::string& evidence_id) {
  EvidenceContent found;
  CORDON_RETURN_IF_ERROR(impl_->store.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(std::vector<EvidenceRecord> records, tx.ListEvidence(Scope{caller.org_id}, id));
    auto match = std::find_if(records.begin(), records.end(),
                              [&](const EvidenceRecord& record) { return record.id == evidence_id; });
    if (match == records.end()) return NotFound(fmt::format("evidence {} not found", evidence_id));
    found.record = *match;
    CORDON_ASSIGN_OR_RETURN(found.content, tx.GetEvidenceContent(Scope{caller.org_id}, id, evidence_id));
    return Status::Ok();
  }));
  return found;
}

// --- the clock

Result<AdvanceReport> CaseService::AdvanceDueCases(Timestamp now) {
  Impl& impl = *impl_;
  AdvanceReport report;
  std::set<std::string> failed;
  while (true) {
    std::vector<CaseRecord> due;
    CORDON_RETURN_IF_ERROR(impl.store.Read([&](ReadTx& tx) -> Status {
      CORDON_ASSIGN_OR_RETURN(due, tx.ListCasesDueBefore(DateOf(now), kSweepBatch));
      return Status::Ok();
    }));
    bool progressed = false;
    for (const CaseRecord& candidate : due) {
      if (failed.count(candidate.id) > 0) continue;
      int moved = 0;
      Status status = impl.store.Write([&](WriteTx& tx) -> Status {
        CORDON_ASSIGN_OR_RETURN(Impl::Loaded loaded, impl.Load(tx, Scope{candidate.org_id}, candidate.id));
        CORDON_ASSIGN_OR_RETURN(moved, impl.AdvanceLoaded(tx, loaded, now));
        return Status::Ok();
      });
      if (!status.ok()) {
        // Someone acted on the case meanwhile: the next run looks again.
        spdlog::warn("deadline sweep: case {}: {}", candidate.id, status.error().ToString());
        failed.insert(candidate.id);
        ++report.failed;
        continue;
      }
      if (moved == 0) {
        failed.insert(candidate.id);  // e.g. a deadline with no transition; do not loop
        continue;
      }
      report.moved += moved;
      ++report.cases;
      progressed = true;
    }
    if (!progressed || due.size() < static_cast<size_t>(kSweepBatch)) break;
  }
  return report;
}

// --- the sweeper

DeadlineSweeper::DeadlineSweeper(CaseService& service, const Clock& clock,
                                 std::chrono::milliseconds interval)
    : service_(service),
      clock_(clock),
      worker_("deadline sweep", interval, [this] { return RunOnce(); }) {}

DeadlineSweeper::~DeadlineSweeper() { Stop(); }

Status DeadlineSweeper::RunOnce() {
  CORDON_ASSIGN_OR_RETURN(AdvanceReport report, service_.AdvanceDueCases(clock_.Now()));
  if (report.moved > 0 || report.failed > 0) {
    spdlog::info("deadline sweep: {} transitions in {} cases, {} cases failed", report.moved,
                 report.cases, report.failed);
  }
  return Status::Ok();
}

void DeadlineSweeper::Start() {
  worker_.RunPassAndLog();
  worker_.Start(PeriodicWorker::FirstPass::kAfterInterval);
}

void DeadlineSweeper::Stop() { worker_.Stop(); }

}  // namespace cordon
