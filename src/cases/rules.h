// Jurisdiction rule sets (issue 5): the time limits of a detention procedure,
// its states, and which party may take which action in which state, as data,
// so that the case engine is table-driven and a new jurisdiction is a new
// file, not new code.
//
// Shipped: data/rules/EU.json (Regulation (EU) No 608/2013, the default),
// TRIPS.json (the treaty's minimum, Art. 51-60) and CN.json (Regulations of
// the PRC on Customs Protection of IPR), compiled into the binary. The format
// and the shipped state machines are documented in docs/procedure.md.
//
// A rule set is validated as a whole when loaded: every name it uses is
// defined, exactly one state is initial, every state can be reached, every
// non-terminal state has a way out, and for every kind of case no two entries
// claim the same action (or the same deadline) in the same state, so a query
// has one answer.
//
// Thread safety: a RuleSet is immutable after construction and safe to share
// between threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace cordon {

// How the goods came to be detained: on a granted application for action
// (608/2013 Art. 17) or ex officio, before any application (Art. 18).
enum class Procedure { kApplication, kExOfficio };
// Wire names: "application", "ex_officio".
const char* ProcedureName(Procedure procedure);
std::optional<Procedure> ParseProcedure(std::string_view name);

// The legal parties whose acts move a case. The case engine maps them to
// Cordon roles: customs = the administration's ipr_officer; right_holder =
// the holder of the decision granting the application (608/2013 Art. 2(13)),
// or in ex officio cases the person entitled to apply; declarant = the
// declarant or holder of the goods (Art. 2(15), (16)), whose acts an officer
// records.
enum class Actor { kCustoms, kRightHolder, kDeclarant };
// Wire names: "customs", "right_holder", "declarant".
const char* ActorName(Actor party);
std::optional<Actor> ParseActor(std::string_view name);

// The facts of a case that select its rules.
struct CaseFacts {
  Procedure procedure = Procedure::kApplication;
  bool perishable = false;         // 608/2013 Art. 2(20)
  bool small_consignment = false;  // handled under the small-consignments procedure (Art. 26)
};

// The day a time limit is counted from (the "event" of Regulation 1182/71
// Art. 3(1)).
enum class Anchor {
  kSuspendedOn,           // release suspended / goods detained
  kNotifiedOn,            // the parties were notified of the suspension
  kDetainedOn,            // detention after the holder's application (CN ex officio, Art. 16)
  kOppositionNotifiedOn,  // the holder was told of the declarant's opposition (Art. 26(8))
};
// Wire names: "suspended_on", "notified_on", "detained_on",
// "opposition_notified_on".
const char* AnchorName(Anchor anchor);

enum class PeriodUnit { kWorkingDays, kCalendarDays };

// One time limit as it applies to a kind of case.
struct TimeLimit {
  std::string name;  // e.g. "response_due"
  Anchor from = Anchor::kNotifiedOn;
  PeriodUnit unit = PeriodUnit::kWorkingDays;
  int days = 0;
  std::string reference;    // legal source, e.g. "Regulation (EU) No 608/2013 Art. 23(1)"
  std::string description;  // what must happen by the due date
};

// The extension a rule set allows, if any (608/2013 Art. 23(4)).
struct ExtensionRule {
  std::vector<std::string> extends;  // names of the time limits it moves
  PeriodUnit unit = PeriodUnit::kWorkingDays;
  int days = 0;       // added, counted from the due date being extended
  int max_count = 0;  // how many extensions a case may get
  std::string reference;
};

// One step the table allows. For an action, `actors` are the parties who may
// take it; for a deadline transition `action` is the time limit's name and
// `actors` is empty (the clock acts). `to` equals `from` when the action
// leaves the state unchanged (e.g. request_samples, extend).
struct Transition {
  std::string action;
  std::string from;
  std::string to;
  std::vector<Actor> actors;
  std::string reference;
  bool changes_state() const { return to != from; }
};

struct StateInfo {
  std::string name;
  bool initial = false;
  bool terminal = false;
  std::string description;
  std::string reference;
};

class RuleSet {
 public:
  // Parses and validates the JSON form documented in docs/procedure.md.
  // kInvalidInput naming every bad field, e.g. "actions[4].from[1]: unknown
  // state \"notifed\"" or "actions[7]: in state \"notified\" action \"agree\"
  // is also given by actions[5] (procedure application)".
  static Result<RuleSet> FromJson(std::string_view json_text);
  // Reads a file, then as FromJson. kNotFound when it cannot be read.
  static Result<RuleSet> Load(const std::string& path);
  // A shipped rule set by jurisdiction ("EU", "TRIPS", "CN"); kNotFound otherwise.
  static Result<RuleSet> Embedded(std::string_view jurisdiction);
  // The jurisdictions Embedded() accepts, sorted.
  static std::vector<std::string> EmbeddedNames();
  // The rule set used when an administration names none.
  static constexpr std::string_view kDefaultJurisdiction = "EU";

  const std::string& jurisdiction() const { return jurisdiction_; }
  const std::string& name() const { return name_; }

  // Whether the rule set allows a case with these facts at all. kInvalidInput
  // whose field is "procedure", "perishable" or "small_consignment" and whose
  // message gives the reason and legal source, e.g. ex officio action for
  // perishable goods (608/2013 Art. 18(1)).
  Status CheckCase(const CaseFacts& facts) const;

  const std::vector<StateInfo>& states() const { return states_; }
  const std::string& initial_state() const { return initial_state_; }
  // nullptr for an unknown state.
  const StateInfo* FindState(std::string_view name) const;

  // The time limits that apply to a case with these facts, in file order.
  std::vector<TimeLimit> LimitsFor(const CaseFacts& facts) const;
  // One of them; nullopt when the limit does not apply to these facts.
  std::optional<TimeLimit> FindLimit(const CaseFacts& facts, std::string_view name) const;

  // The extension rule, or nullptr when the rule set has none.
  const ExtensionRule* extension() const { return extension_ ? &*extension_ : nullptr; }
  // Whether a case with these facts that already had `extensions_taken`
  // extensions may get one more. kConflict with the reason (none in this
  // jurisdiction; not for perishable goods, Art. 23(4); not in this
  // procedure; already taken); kInvalidInput for a negative count.
  Status CheckExtension(const CaseFacts& facts, int extensions_taken) const;

  // Where `action` taken by `actor` leads from `state`. Errors: kNotFound for
  // an unknown state; kInvalidInput for an action the rule set never names;
  // kConflict naming the state and the action when the action is not allowed
  // in that state for this case (terminal states allow none); kForbidden
  // naming the parties who may take it when `actor` may not.
  Result<Transition> Resolve(const CaseFacts& facts, std::string_view state,
                             std::string_view action, Actor actor) const;
  // The actions open in `state` for this case, in file order (empty for
  // terminal and unknown states).
  std::vector<Transition> AllowedActions(const CaseFacts& facts, std::string_view state) const;
  // The actions open in `state` to one party.
  std::vector<Transition> AllowedActionsFor(const CaseFacts& facts, std::string_view state,
                                            Actor actor) const;
  // The automatic transitions armed in `state`: each fires when its time
  // limit (Transition::action) has passed without the case leaving the state.
  std::vector<Transition> DeadlineTransitions(const CaseFacts& facts, std::string_view state) const;
  // What the passing of `deadline` does in `state`; nullopt when nothing.
  std::optional<Transition> OnDeadline(const CaseFacts& facts, std::string_view state,
                                       std::string_view deadline) const;

 private:
  friend class RuleSetParser;

  // Which cases an entry applies to; an absent key matches every case.
  struct Filter {
    std::vector<Procedure> procedures;      // empty = every procedure
    std::optional<bool> perishable;         // nullopt = both
    std::optional<bool> small_consignment;  // nullopt = both
    bool Matches(const CaseFacts& facts) const;
  };
  struct LimitEntry {
    Filter filter;
    TimeLimit limit;
  };
  struct TransitionEntry {
    Filter filter;
    std::string name;  // the action, or the deadline's time-limit name
    std::vector<std::string> from;
    std::string to;  // empty = stays in the state it was taken in
    std::vector<Actor> actors;
    std::string reference;
  };
  struct Exclusion {
    Filter filter;
    std::string reason;
    std::string reference;
  };

  RuleSet() = default;

  static Transition Materialise(const TransitionEntry& entry, std::string_view from);

  std::string jurisdiction_;
  std::string name_;
  std::vector<Exclusion> exclusions_;
  std::vector<StateInfo> states_;
  std::string initial_state_;
  std::vector<LimitEntry> limits_;
  std::optional<ExtensionRule> extension_;
  Filter extension_filter_;
  std::vector<TransitionEntry> actions_;
  std::vector<TransitionEntry> deadline_transitions_;
};

}  // namespace cordon
