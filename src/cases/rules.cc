// Jurisdiction rule sets: parsing, whole-table validation and queries. The
// format is documented in docs/procedure.md; keep both in step.
#include "cases/rules.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "cases/embedded_data.h"
#include "cases/json_reader.h"

namespace cordon {

using cases_internal::FieldErrors;
using cases_internal::IndexPath;
using cases_internal::IsSnakeName;
using cases_internal::ObjectReader;
using nlohmann::json;

namespace {

constexpr std::string_view kRulesFormat = "cordon.rules/1";
constexpr int kMaxPeriodDays = 365;
constexpr int kMaxExtensions = 10;
constexpr size_t kMaxEntries = 500;

constexpr Procedure kProcedures[] = {Procedure::kApplication, Procedure::kExOfficio};

std::optional<Anchor> ParseAnchor(std::string_view name) {
  for (Anchor anchor : {Anchor::kSuspendedOn, Anchor::kNotifiedOn, Anchor::kDetainedOn,
                        Anchor::kOppositionNotifiedOn}) {
    if (name == AnchorName(anchor)) return anchor;
  }
  return std::nullopt;
}

// Every kind of case: 2 procedures x perishable x small consignment.
std::vector<CaseFacts> AllFacts() {
  std::vector<CaseFacts> all;
  for (Procedure procedure : kProcedures) {
    for (bool perishable : {false, true}) {
      for (bool small : {false, true}) all.push_back(CaseFacts{procedure, perishable, small});
    }
  }
  return all;
}

std::string DescribeFacts(const CaseFacts& facts) {
  return std::string("procedure ") + ProcedureName(facts.procedure) +
         (facts.perishable ? ", perishable" : ", not perishable") +
         (facts.small_consignment ? ", small consignment" : ", not a small consignment");
}

std::string Quote(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string JoinNames(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += text.empty() ? name : ", " + name;
  return text;
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return buffer.str();
}

bool Contains(const std::vector<std::string>& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

}  // namespace

const char* ProcedureName(Procedure procedure) {
  switch (procedure) {
    case Procedure::kApplication:
      return "application";
    case Procedure::kExOfficio:
      return "ex_officio";
  }
  return "application";
}

std::optional<Procedure> ParseProcedure(std::string_view name) {
  for (Procedure procedure : kProcedures) {
    if (name == ProcedureName(procedure)) return procedure;
  }
  return std::nullopt;
}

const char* ActorName(Actor party) {
  switch (party) {
    case Actor::kCustoms:
      return "customs";
    case Actor::kRightHolder:
      return "right_holder";
    case Actor::kDeclarant:
      return "declarant";
  }
  return "customs";
}

std::optional<Actor> ParseActor(std::string_view name) {
  for (Actor party : {Actor::kCustoms, Actor::kRightHolder, Actor::kDeclarant}) {
    if (name == ActorName(party)) return party;
  }
  return std::nullopt;
}

const char* AnchorName(Anchor anchor) {
  switch (anchor) {
    case Anchor::kSuspendedOn:
      return "suspended_on";
    case Anchor::kNotifiedOn:
      return "notified_on";
    case Anchor::kDetainedOn:
      return "detained_on";
    case Anchor::kOppositionNotifiedOn:
      return "opposition_notified_on";
  }
  return "notified_on";
}

bool RuleSet::Filter::Matches(const CaseFacts& facts) const {
  if (!procedures.empty() &&
      std::find(procedures.begin(), procedures.end(), facts.procedure) == procedures.end()) {
    return false;
  }
  if (perishable && *perishable != facts.perishable) return false;
  if (small_consignment && *small_consignment != facts.small_consignment) return false;
  return true;
}

// Builds a RuleSet from the parsed document, collecting every field error,
// then validates the table as a whole.
class RuleSetParser {
 public:
  Result<RuleSet> Parse(const json& document) {
    ObjectReader root(document, "", errors_);
    if (!root.is_object()) return errors_.ToError("rule set");

    std::optional<std::string> format = root.String("format", true);
    if (format && *format != kRulesFormat) {
      errors_.Add("format", "must be " + Quote(kRulesFormat));
    }
    std::optional<std::string> jurisdiction = root.String("jurisdiction", true);
    if (jurisdiction && !IsJurisdiction(*jurisdiction)) {
      errors_.Add("jurisdiction", "must be 1-16 characters A-Z, 0-9 or '_' (e.g. \"EU\")");
    }
    std::optional<std::string> name = root.String("name", true);
    root.String("note", false);
    ReadSources(root);
    ReadExclusions(root);
    ReadTimeLimits(root);
    ReadStates(root);
    ReadExtension(root);
    ReadTransitions(root, "actions", /*deadline=*/false, rules_.actions_);
    ReadTransitions(root, "deadline_transitions", /*deadline=*/true, rules_.deadline_transitions_);
    root.RejectUnknown();

    // The whole-table checks only make sense over well-formed entries.
    if (errors_.empty()) ValidateTable();
    if (!errors_.empty()) return errors_.ToError("rule set");
    rules_.jurisdiction_ = *jurisdiction;
    rules_.name_ = *name;
    return std::move(rules_);
  }

 private:
  static bool IsJurisdiction(std::string_view text) {
    if (text.empty() || text.size() > 16) return false;
    return std::all_of(text.begin(), text.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    });
  }

  void ReadSources(ObjectReader& root) {
    const json* sources = root.Array("sources", true);
    if (sources == nullptr) return;
    if (sources->empty()) errors_.Add("sources", "must name at least one legal source");
    for (size_t index = 0; index < sources->size(); ++index) {
      ObjectReader source((*sources)[index], IndexPath("sources", index), errors_);
      source.String("title", true);
      source.DateMember("date", false);
      source.String("note", false);
      source.RejectUnknown();
    }
  }

  // Reads the optional "procedures", "perishable" and "small_consignment" keys.
  RuleSet::Filter ReadFilter(ObjectReader& entry) {
    RuleSet::Filter filter;
    std::optional<std::vector<std::string>> procedures = entry.StringList("procedures", false);
    if (procedures) {
      if (procedures->empty()) {
        errors_.Add(entry.Path("procedures"), "must not be empty (leave it out to mean all)");
      }
      for (size_t index = 0; index < procedures->size(); ++index) {
        std::optional<Procedure> procedure = ParseProcedure((*procedures)[index]);
        std::string path = IndexPath(entry.Path("procedures"), index);
        if (!procedure) {
          errors_.Add(path, "must be \"application\" or \"ex_officio\"");
          continue;
        }
        if (std::find(filter.procedures.begin(), filter.procedures.end(), *procedure) !=
            filter.procedures.end()) {
          errors_.Add(path, Quote((*procedures)[index]) + " is listed twice");
          continue;
        }
        filter.procedures.push_back(*procedure);
      }
    }
    filter.perishable = entry.Bool("perishable", false);
    filter.small_consignment = entry.Bool("small_consignment", false);
    return filter;
  }

  void ReadExclusions(ObjectReader& root) {
    const json* list = root.Array("exclusions", false);
    if (list == nullptr) return;
    for (size_t index = 0; index < list->size() && index < kMaxEntries; ++index) {
      std::string path = IndexPath("exclusions", index);
      ObjectReader entry((*list)[index], path, errors_);
      RuleSet::Exclusion exclusion;
      exclusion.filter = ReadFilter(entry);
      exclusion.reason = entry.String("reason", true).value_or("");
      exclusion.reference = entry.String("reference", true).value_or("");
      entry.RejectUnknown();
      if (entry.is_object() && exclusion.filter.procedures.empty() &&
          !exclusion.filter.perishable && !exclusion.filter.small_consignment) {
        errors_.Add(path, "must name at least one of procedures, perishable, small_consignment");
      }
      rules_.exclusions_.push_back(std::move(exclusion));
    }
  }

  // Reads exactly one of "working_days" / "calendar_days".
  void ReadPeriod(ObjectReader& entry, const std::string& path, PeriodUnit& unit, int& days) {
    bool working = entry.Has("working_days");
    bool calendar = entry.Has("calendar_days");
    if (working == calendar) {
      entry.Get("working_days", false);
      entry.Get("calendar_days", false);
      errors_.Add(path, "must give exactly one of working_days, calendar_days");
      return;
    }
    unit = working ? PeriodUnit::kWorkingDays : PeriodUnit::kCalendarDays;
    days =
        entry.Int(working ? "working_days" : "calendar_days", true, 1, kMaxPeriodDays).value_or(0);
  }

  void ReadTimeLimits(ObjectReader& root) {
    const json* list = root.Array("time_limits", true);
    if (list == nullptr) return;
    if (list->size() > kMaxEntries) {
      errors_.Add("time_limits", "has too many entries");
      return;
    }
    for (size_t index = 0; index < list->size(); ++index) {
      std::string path = IndexPath("time_limits", index);
      ObjectReader entry((*list)[index], path, errors_);
      RuleSet::LimitEntry limit;
      limit.filter = ReadFilter(entry);
      std::optional<std::string> name = entry.String("name", true);
      if (name && !IsSnakeName(*name)) {
        errors_.Add(entry.Path("name"), "must be snake_case (a-z, 0-9, _), e.g. \"response_due\"");
      }
      limit.limit.name = name.value_or("");
      std::optional<std::string> from = entry.String("from", true);
      if (from) {
        std::optional<Anchor> anchor = ParseAnchor(*from);
        if (!anchor) {
          errors_.Add(entry.Path("from"),
                      "must be one of suspended_on, notified_on, detained_on, "
                      "opposition_notified_on");
        } else {
          limit.limit.from = *anchor;
        }
      }
      ReadPeriod(entry, path, limit.limit.unit, limit.limit.days);
      limit.limit.reference = entry.String("reference", true).value_or("");
      limit.limit.description = entry.String("description", false).value_or("");
      entry.RejectUnknown();
      limit_paths_.push_back(path);
      rules_.limits_.push_back(std::move(limit));
    }
  }

  void ReadStates(ObjectReader& root) {
    const json* list = root.Array("states", true);
    if (list == nullptr) return;
    if (list->size() > kMaxEntries) {
      errors_.Add("states", "has too many entries");
      return;
    }
    std::string initial_path;
    for (size_t index = 0; index < list->size(); ++index) {
      std::string path = IndexPath("states", index);
      ObjectReader entry((*list)[index], path, errors_);
      StateInfo state;
      std::optional<std::string> name = entry.String("name", true);
      if (name && !IsSnakeName(*name)) {
        errors_.Add(entry.Path("name"), "must be snake_case (a-z, 0-9, _), e.g. \"notified\"");
        name.reset();
      }
      if (name && state_index_.count(*name) != 0) {
        errors_.Add(entry.Path("name"), Quote(*name) + " is listed twice");
        name.reset();
      }
      state.name = name.value_or("");
      state.initial = entry.Bool("initial", false).value_or(false);
      state.terminal = entry.Bool("terminal", false).value_or(false);
      state.description = entry.String("description", true).value_or("");
      state.reference = entry.String("reference", false).value_or("");
      entry.RejectUnknown();
      if (state.initial && state.terminal) {
        errors_.Add(path, "cannot be both initial and terminal");
      }
      if (state.initial) {
        if (!initial_path.empty()) {
          errors_.Add(entry.Path("initial"),
                      "only one state may be initial (also " + initial_path + ")");
        } else {
          initial_path = path;
          rules_.initial_state_ = state.name;
        }
      }
      if (name) state_index_[*name] = index;
      rules_.states_.push_back(std::move(state));
    }
    if (initial_path.empty() && !list->empty()) {
      errors_.Add("states", "one state must be marked \"initial\": true");
    }
    if (list->empty()) errors_.Add("states", "must list at least one state");
  }

  void ReadExtension(ObjectReader& root) {
    const json* value = root.Get("extension", false);
    if (value == nullptr) return;
    ObjectReader entry(*value, "extension", errors_);
    ExtensionRule rule;
    rules_.extension_filter_ = ReadFilter(entry);
    std::optional<std::vector<std::string>> extends = entry.StringList("extends", true);
    if (extends) {
      if (extends->empty()) errors_.Add("extension.extends", "must name at least one time limit");
      for (size_t index = 0; index < extends->size(); ++index) {
        const std::string& name = (*extends)[index];
        if (!LimitNameExists(name)) {
          errors_.Add(IndexPath("extension.extends", index), "unknown time limit " + Quote(name));
        }
      }
      rule.extends = *extends;
    }
    ReadPeriod(entry, "extension", rule.unit, rule.days);
    rule.max_count = entry.Int("max_count", true, 1, kMaxExtensions).value_or(0);
    rule.reference = entry.String("reference", true).value_or("");
    entry.RejectUnknown();
    rules_.extension_ = std::move(rule);
  }

  bool LimitNameExists(std::string_view name) const {
    return std::any_of(rules_.limits_.begin(), rules_.limits_.end(),
                       [&](const RuleSet::LimitEntry& entry) { return entry.limit.name == name; });
  }

  // A state name used by a transition: reported when unknown.
  bool CheckStateName(const std::string& name, const std::string& path) {
    if (state_index_.count(name) != 0) return true;
    errors_.Add(path, "unknown state " + Quote(name));
    return false;
  }

  void ReadTransitions(ObjectReader& root, std::string_view key, bool deadline,
                       std::vector<RuleSet::TransitionEntry>& out) {
    const json* list = root.Array(key, !deadline);
    if (list == nullptr) return;
    if (list->size() > kMaxEntries) {
      errors_.Add(std::string(key), "has too many entries");
      return;
    }
    for (size_t index = 0; index < list->size(); ++index) {
      std::string path = IndexPath(std::string(key), index);
      ObjectReader entry((*list)[index], path, errors_);
      RuleSet::TransitionEntry transition;
      transition.filter = ReadFilter(entry);
      std::string name_key = deadline ? "deadline" : "name";
      std::optional<std::string> name = entry.String(name_key, true);
      if (name && !IsSnakeName(*name)) {
        errors_.Add(entry.Path(name_key), "must be snake_case (a-z, 0-9, _)");
      } else if (name && deadline && !LimitNameExists(*name)) {
        errors_.Add(entry.Path(name_key), "unknown time limit " + Quote(*name));
      }
      transition.name = name.value_or("");
      std::optional<std::vector<std::string>> from = entry.StringList("from", true);
      if (from) {
        if (from->empty()) errors_.Add(entry.Path("from"), "must name at least one state");
        std::set<std::string> seen;
        for (size_t state = 0; state < from->size(); ++state) {
          std::string state_path = IndexPath(entry.Path("from"), state);
          const std::string& state_name = (*from)[state];
          if (!seen.insert(state_name).second) {
            errors_.Add(state_path, Quote(state_name) + " is listed twice");
            continue;
          }
          if (!CheckStateName(state_name, state_path)) continue;
          if (rules_.states_[state_index_[state_name]].terminal) {
            errors_.Add(state_path,
                        "state " + Quote(state_name) + " is terminal: nothing may leave it");
          }
        }
        transition.from = *from;
      }
      std::optional<std::string> to = entry.String("to", deadline);
      if (to && CheckStateName(*to, entry.Path("to"))) {
        transition.to = *to;
        if (deadline && from && Contains(*from, *to)) {
          errors_.Add(entry.Path("to"), "a deadline must move the case to another state");
        }
      }
      if (!deadline) {
        std::optional<std::vector<std::string>> actors = entry.StringList("actors", true);
        if (actors) {
          if (actors->empty()) errors_.Add(entry.Path("actors"), "must name at least one party");
          for (size_t actor = 0; actor < actors->size(); ++actor) {
            std::optional<Actor> party = ParseActor((*actors)[actor]);
            std::string actor_path = IndexPath(entry.Path("actors"), actor);
            if (!party) {
              errors_.Add(actor_path, "must be one of customs, right_holder, declarant");
            } else if (std::find(transition.actors.begin(), transition.actors.end(), *party) !=
                       transition.actors.end()) {
              errors_.Add(actor_path, Quote((*actors)[actor]) + " is listed twice");
            } else {
              transition.actors.push_back(*party);
            }
          }
        }
        entry.String("description", false);
        if (name && *name == "extend" && !root.Has("extension")) {
          errors_.Add(entry.Path("name"),
                      "action \"extend\" needs an \"extension\" rule in the rule set");
        }
      }
      transition.reference = entry.String("reference", true).value_or("");
      entry.RejectUnknown();
      (deadline ? deadline_paths_ : action_paths_).push_back(path);
      out.push_back(std::move(transition));
    }
  }

  bool Excluded(const CaseFacts& facts) const {
    return std::any_of(rules_.exclusions_.begin(), rules_.exclusions_.end(),
                       [&](const RuleSet::Exclusion& e) { return e.filter.Matches(facts); });
  }

  // Reports two entries of `entries` that both answer the same (state, name)
  // for `facts`.
  void CheckUnique(const std::vector<RuleSet::TransitionEntry>& entries,
                   const std::vector<std::string>& paths, const CaseFacts& facts,
                   std::string_view what, std::set<std::string>& reported) {
    std::map<std::pair<std::string, std::string>, size_t> seen;
    for (size_t index = 0; index < entries.size(); ++index) {
      const RuleSet::TransitionEntry& entry = entries[index];
      if (!entry.filter.Matches(facts)) continue;
      for (const std::string& state : entry.from) {
        auto [it, inserted] = seen.emplace(std::make_pair(state, entry.name), index);
        if (inserted) continue;
        std::string message = "in state " + Quote(state) + " " + std::string(what) + " " +
                              Quote(entry.name) + " is also given by " + paths[it->second] + " (" +
                              DescribeFacts(facts) + ")";
        if (reported.insert(paths[index] + message).second) errors_.Add(paths[index], message);
      }
    }
  }

  void ValidateTable() {
    std::vector<CaseFacts> allowed;
    for (const CaseFacts& facts : AllFacts()) {
      if (!Excluded(facts)) allowed.push_back(facts);
    }
    if (allowed.empty()) {
      errors_.Add("exclusions", "exclude every kind of case");
      return;
    }
    std::set<std::string> reported;
    std::set<std::string> reachable_anywhere;
    for (const CaseFacts& facts : allowed) {
      // One time limit per name.
      std::map<std::string, size_t> limit_seen;
      for (size_t index = 0; index < rules_.limits_.size(); ++index) {
        const RuleSet::LimitEntry& entry = rules_.limits_[index];
        if (!entry.filter.Matches(facts)) continue;
        auto [it, inserted] = limit_seen.emplace(entry.limit.name, index);
        if (inserted) continue;
        std::string message = "time limit " + Quote(entry.limit.name) + " is also given by " +
                              limit_paths_[it->second] + " (" + DescribeFacts(facts) + ")";
        if (reported.insert(limit_paths_[index] + message).second) {
          errors_.Add(limit_paths_[index], message);
        }
      }
      CheckUnique(rules_.actions_, action_paths_, facts, "action", reported);
      CheckUnique(rules_.deadline_transitions_, deadline_paths_, facts, "deadline", reported);
      // A deadline transition needs its time limit for the same cases.
      for (size_t index = 0; index < rules_.deadline_transitions_.size(); ++index) {
        const RuleSet::TransitionEntry& entry = rules_.deadline_transitions_[index];
        if (!entry.filter.Matches(facts) || limit_seen.count(entry.name) != 0) continue;
        std::string message =
            "time limit " + Quote(entry.name) + " is not defined for " + DescribeFacts(facts);
        if (reported.insert(deadline_paths_[index] + message).second) {
          errors_.Add(deadline_paths_[index] + ".deadline", message);
        }
      }
      CheckReachability(facts, reported, reachable_anywhere);
    }
    for (size_t index = 0; index < rules_.states_.size(); ++index) {
      const StateInfo& state = rules_.states_[index];
      if (reachable_anywhere.count(state.name) == 0) {
        errors_.Add(IndexPath("states", index),
                    Quote(state.name) + " cannot be reached from the initial state " +
                        Quote(rules_.initial_state_) + " by any kind of case");
      }
    }
  }

  // Walks the states reachable for one kind of case; every non-terminal one
  // must have a way out, or a case could be stuck there for ever.
  void CheckReachability(const CaseFacts& facts, std::set<std::string>& reported,
                         std::set<std::string>& reachable_anywhere) {
    std::map<std::string, std::set<std::string>> edges;
    auto add_edges = [&](const std::vector<RuleSet::TransitionEntry>& entries) {
      for (const RuleSet::TransitionEntry& entry : entries) {
        if (!entry.filter.Matches(facts)) continue;
        for (const std::string& from : entry.from) {
          if (!entry.to.empty() && entry.to != from) edges[from].insert(entry.to);
        }
      }
    };
    add_edges(rules_.actions_);
    add_edges(rules_.deadline_transitions_);
    std::set<std::string> reached = {rules_.initial_state_};
    std::vector<std::string> queue = {rules_.initial_state_};
    while (!queue.empty()) {
      std::string state = queue.back();
      queue.pop_back();
      for (const std::string& next : edges[state]) {
        if (reached.insert(next).second) queue.push_back(next);
      }
    }
    for (const std::string& state : reached) {
      reachable_anywhere.insert(state);
      size_t index = state_index_[state];
      if (rules_.states_[index].terminal || !edges[state].empty()) continue;
      std::string message = Quote(state) +
                            " is not terminal but no action or deadline leaves it (" +
                            DescribeFacts(facts) + ")";
      std::string path = IndexPath("states", index);
      if (reported.insert(path + message).second) errors_.Add(path, message);
    }
  }

  FieldErrors errors_;
  RuleSet rules_;
  std::map<std::string, size_t> state_index_;
  std::vector<std::string> limit_paths_;
  std::vector<std::string> action_paths_;
  std::vector<std::string> deadline_paths_;
};

Result<RuleSet> RuleSet::FromJson(std::string_view json_text) {
  CORDON_ASSIGN_OR_RETURN(json document, cases_internal::ParseJsonText(json_text, "rule set"));
  return RuleSetParser().Parse(document);
}

Result<RuleSet> RuleSet::Load(const std::string& path) {
  std::optional<std::string> text = ReadFile(path);
  if (!text) return NotFound("cannot read rule set file " + path);
  Result<RuleSet> rules = FromJson(*text);
  if (!rules.ok()) {
    Error error = rules.error();
    error.Prefix(path + ": ");
    return error;
  }
  return rules;
}

Result<RuleSet> RuleSet::Embedded(std::string_view jurisdiction) {
  std::optional<std::string_view> text = cases_internal::EmbeddedRulesJson(jurisdiction);
  if (!text) {
    return NotFound("no rule set " + Quote(jurisdiction) + " is shipped (shipped: " +
                    JoinNames(EmbeddedNames()) + "); load the administration's own file");
  }
  Result<RuleSet> rules = FromJson(*text);
  if (!rules.ok()) {
    // A shipped file that fails validation is a build defect, not bad input.
    return Internal("shipped rule set " + std::string(jurisdiction) + ": " +
                    rules.error().message());
  }
  return rules;
}

std::vector<std::string> RuleSet::EmbeddedNames() { return cases_internal::EmbeddedRulesNames(); }

Status RuleSet::CheckCase(const CaseFacts& facts) const {
  for (const Exclusion& exclusion : exclusions_) {
    if (!exclusion.filter.Matches(facts)) continue;
    // Name the most specific fact the exclusion is about.
    std::string field = exclusion.filter.perishable          ? "perishable"
                        : exclusion.filter.small_consignment ? "small_consignment"
                                                             : "procedure";
    std::string message = exclusion.reason + " (" + exclusion.reference + ")";
    return InvalidInput("not allowed under the " + jurisdiction_ + " rules: " + message,
                        {FieldError{field, message}});
  }
  return Status::Ok();
}

const StateInfo* RuleSet::FindState(std::string_view name) const {
  for (const StateInfo& state : states_) {
    if (state.name == name) return &state;
  }
  return nullptr;
}

std::vector<TimeLimit> RuleSet::LimitsFor(const CaseFacts& facts) const {
  std::vector<TimeLimit> limits;
  for (const LimitEntry& entry : limits_) {
    if (entry.filter.Matches(facts)) limits.push_back(entry.limit);
  }
  return limits;
}

std::optional<TimeLimit> RuleSet::FindLimit(const CaseFacts& facts, std::string_view name) const {
  for (const LimitEntry& entry : limits_) {
    if (entry.limit.name == name && entry.filter.Matches(facts)) return entry.limit;
  }
  return std::nullopt;
}

Status RuleSet::CheckExtension(const CaseFacts& facts, int extensions_taken) const {
  if (extensions_taken < 0) {
    return InvalidInput("extensions_taken must not be negative",
                        {FieldError{"extensions_taken", "must not be negative"}});
  }
  if (!extension_) return Conflict("the " + jurisdiction_ + " rules allow no extension");
  const std::string source = " (" + extension_->reference + ")";
  const Filter& filter = extension_filter_;
  if (filter.perishable && *filter.perishable != facts.perishable) {
    return Conflict(std::string("no extension ") +
                    (facts.perishable ? "for perishable goods" : "except for perishable goods") +
                    source);
  }
  if (filter.small_consignment && *filter.small_consignment != facts.small_consignment) {
    return Conflict(std::string("no extension ") +
                    (facts.small_consignment ? "in the small-consignments procedure"
                                             : "outside the small-consignments procedure") +
                    source);
  }
  if (!filter.Matches(facts)) {
    return Conflict(std::string("no extension in procedure ") + ProcedureName(facts.procedure) +
                    source);
  }
  if (extensions_taken >= extension_->max_count) {
    return Conflict(extension_->max_count == 1
                        ? "the extension was already granted: only one is allowed" + source
                        : "all " + std::to_string(extension_->max_count) +
                              " extensions were already granted" + source);
  }
  return Status::Ok();
}

Transition RuleSet::Materialise(const TransitionEntry& entry, std::string_view from) {
  Transition transition;
  transition.action = entry.name;
  transition.from = std::string(from);
  transition.to = entry.to.empty() ? std::string(from) : entry.to;
  transition.actors = entry.actors;
  transition.reference = entry.reference;
  return transition;
}

Result<Transition> RuleSet::Resolve(const CaseFacts& facts, std::string_view state,
                                    std::string_view action, Actor actor) const {
  const StateInfo* info = FindState(state);
  if (info == nullptr) return NotFound("unknown state " + Quote(state));
  bool known = std::any_of(actions_.begin(), actions_.end(),
                           [&](const TransitionEntry& entry) { return entry.name == action; });
  if (!known) {
    std::vector<std::string> names;
    for (const TransitionEntry& entry : actions_) {
      if (!Contains(names, entry.name)) names.push_back(entry.name);
    }
    return InvalidInput("unknown action " + Quote(action) + " (the " + jurisdiction_ +
                            " rules know: " + JoinNames(names) + ")",
                        {FieldError{"action", "unknown action " + Quote(action)}});
  }
  for (const TransitionEntry& entry : actions_) {
    if (entry.name != action || !entry.filter.Matches(facts) || !Contains(entry.from, state)) {
      continue;
    }
    if (std::find(entry.actors.begin(), entry.actors.end(), actor) == entry.actors.end()) {
      std::vector<std::string> parties;
      for (Actor party : entry.actors) parties.push_back(ActorName(party));
      return Forbidden("action " + Quote(action) + " in state " + Quote(state) + " is taken by " +
                       JoinNames(parties) + ", not " + ActorName(actor));
    }
    return Materialise(entry, state);
  }
  return Conflict("action " + Quote(action) + " is not allowed in state " + Quote(state) +
                  (info->terminal ? " (the case is closed)" : ""));
}

std::vector<Transition> RuleSet::AllowedActions(const CaseFacts& facts,
                                                std::string_view state) const {
  std::vector<Transition> open;
  for (const TransitionEntry& entry : actions_) {
    if (entry.filter.Matches(facts) && Contains(entry.from, state)) {
      open.push_back(Materialise(entry, state));
    }
  }
  return open;
}

std::vector<Transition> RuleSet::AllowedActionsFor(const CaseFacts& facts, std::string_view state,
                                                   Actor actor) const {
  std::vector<Transition> open = AllowedActions(facts, state);
  std::erase_if(open, [&](const Transition& transition) {
    return std::find(transition.actors.begin(), transition.actors.end(), actor) ==
           transition.actors.end();
  });
  return open;
}

std::vector<Transition> RuleSet::DeadlineTransitions(const CaseFacts& facts,
                                                     std::string_view state) const {
  std::vector<Transition> armed;
  for (const TransitionEntry& entry : deadline_transitions_) {
    if (entry.filter.Matches(facts) && Contains(entry.from, state)) {
      armed.push_back(Materialise(entry, state));
    }
  }
  return armed;
}

std::optional<Transition> RuleSet::OnDeadline(const CaseFacts& facts, std::string_view state,
                                              std::string_view deadline) const {
  for (const TransitionEntry& entry : deadline_transitions_) {
    if (entry.name == deadline && entry.filter.Matches(facts) && Contains(entry.from, state)) {
      return Materialise(entry, state);
    }
  }
  return std::nullopt;
}

}  // namespace cordon
