// Rule sets: the shipped tables (limits, exclusions, transitions, who may
// act, automatic transitions) and the validation of rule-set files.
#include "cases/rules.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace cordon {
namespace {

using nlohmann::json;

constexpr CaseFacts kOnApplication{Procedure::kApplication, false, false};
constexpr CaseFacts kPerishable{Procedure::kApplication, true, false};
constexpr CaseFacts kExOfficio{Procedure::kExOfficio, false, false};
constexpr CaseFacts kSmallConsignment{Procedure::kApplication, false, true};

RuleSet MustEmbedded(std::string_view name) {
  Result<RuleSet> rules = RuleSet::Embedded(name);
  EXPECT_TRUE(rules.ok()) << rules.error().ToString();
  return std::move(rules).value();
}

std::vector<std::string> ActionNames(const std::vector<Transition>& transitions) {
  std::vector<std::string> names;
  for (const Transition& transition : transitions) names.push_back(transition.action);
  return names;
}

bool HasField(const Error& error, std::string_view field) {
  return std::any_of(error.fields().begin(), error.fields().end(),
                     [&](const FieldError& f) { return f.field == field; });
}

bool HasFieldMessage(const Error& error, std::string_view field, std::string_view text) {
  return std::any_of(error.fields().begin(), error.fields().end(), [&](const FieldError& f) {
    return f.field == field && f.message.find(text) != std::string::npos;
  });
}

// Applies a sequence of actions from the initial state; returns the state.
std::string Walk(const RuleSet& rules, const CaseFacts& facts,
                 const std::vector<std::pair<std::string, Actor>>& steps) {
  std::string state = rules.initial_state();
  for (const auto& [action, party] : steps) {
    Result<Transition> step = rules.Resolve(facts, state, action, party);
    EXPECT_TRUE(step.ok()) << state << " --" << action << "--> " << step.error().ToString();
    if (!step.ok()) return state;
    state = step->to;
  }
  return state;
}

TEST(ShippedRules, AllLoad) {
  EXPECT_EQ(RuleSet::EmbeddedNames(), (std::vector<std::string>{"CN", "EU", "TRIPS"}));
  for (const std::string& name : RuleSet::EmbeddedNames()) {
    RuleSet rules = MustEmbedded(name);
    EXPECT_EQ(rules.jurisdiction(), name);
    EXPECT_EQ(rules.initial_state(), "suspended");
  }
  EXPECT_EQ(RuleSet::kDefaultJurisdiction, "EU");
  Result<RuleSet> us = RuleSet::Embedded("US");
  ASSERT_FALSE(us.ok());
  EXPECT_EQ(us.error().code(), ErrorCode::kNotFound);
}

TEST(ShippedRules, LoadsFromAPath) {
  Result<RuleSet> rules = RuleSet::Load(std::string(CORDON_SOURCE_DATA_DIR) + "/rules/TRIPS.json");
  ASSERT_TRUE(rules.ok()) << rules.error().ToString();
  EXPECT_EQ(rules->jurisdiction(), "TRIPS");
  EXPECT_EQ(RuleSet::Load("/nonexistent/rules.json").error().code(), ErrorCode::kNotFound);
}

TEST(EuRules, TimeLimitsOf608) {
  RuleSet eu = MustEmbedded("EU");
  // Art. 23(1): 10 working days, 3 for perishable goods.
  EXPECT_EQ(eu.FindLimit(kOnApplication, "response_due")->days, 10);
  EXPECT_EQ(eu.FindLimit(kPerishable, "response_due")->days, 3);
  EXPECT_EQ(eu.FindLimit(kOnApplication, "response_due")->unit, PeriodUnit::kWorkingDays);
  EXPECT_EQ(eu.FindLimit(kOnApplication, "response_due")->from, Anchor::kNotifiedOn);
  // Art. 5(3)(a): 4 working days to apply, ex officio only.
  EXPECT_EQ(eu.FindLimit(kExOfficio, "application_due")->days, 4);
  EXPECT_FALSE(eu.FindLimit(kOnApplication, "application_due").has_value());
  // Art. 17(3): declarant notified within 1 working day of the suspension.
  EXPECT_EQ(eu.FindLimit(kOnApplication, "declarant_notice_due")->days, 1);
  EXPECT_EQ(eu.FindLimit(kOnApplication, "declarant_notice_due")->from, Anchor::kSuspendedOn);
  // Art. 26(4) and (9): small consignments.
  EXPECT_EQ(eu.FindLimit(kSmallConsignment, "response_due")->days, 10);
  EXPECT_EQ(eu.FindLimit(kSmallConsignment, "proceedings_due")->from,
            Anchor::kOppositionNotifiedOn);
  EXPECT_FALSE(eu.FindLimit(kOnApplication, "proceedings_due").has_value());
  EXPECT_NE(eu.FindLimit(kPerishable, "response_due")->reference.find("Art. 23(1)"),
            std::string::npos);
  EXPECT_EQ(eu.LimitsFor(kExOfficio).size(), 3u);
}

TEST(EuRules, CasesTheRegulationExcludes) {
  RuleSet eu = MustEmbedded("EU");
  EXPECT_TRUE(eu.CheckCase(kOnApplication).ok());
  EXPECT_TRUE(eu.CheckCase(kPerishable).ok());
  EXPECT_TRUE(eu.CheckCase(kSmallConsignment).ok());

  // Art. 18(1): no ex officio action for perishable goods.
  Status perishable = eu.CheckCase({Procedure::kExOfficio, true, false});
  ASSERT_FALSE(perishable.ok());
  EXPECT_EQ(perishable.error().code(), ErrorCode::kInvalidInput);
  EXPECT_TRUE(HasFieldMessage(perishable.error(), "perishable", "Art. 18(1)"));
  // Art. 26(1)(c): small consignments need a granted application.
  EXPECT_TRUE(HasFieldMessage(eu.CheckCase({Procedure::kExOfficio, false, true}).error(),
                              "small_consignment", "Art. 26(1)"));
  // Art. 26(1)(b): not for perishable goods.
  EXPECT_TRUE(HasFieldMessage(eu.CheckCase({Procedure::kApplication, true, true}).error(),
                              "perishable", "Art. 26(1)(b)"));
}

TEST(EuRules, OneExtensionNotForPerishablesNorSmallConsignments) {
  RuleSet eu = MustEmbedded("EU");
  ASSERT_NE(eu.extension(), nullptr);
  EXPECT_EQ(eu.extension()->days, 10);
  EXPECT_EQ(eu.extension()->extends, std::vector<std::string>{"response_due"});
  EXPECT_TRUE(eu.CheckExtension(kOnApplication, 0).ok());
  EXPECT_TRUE(eu.CheckExtension(kExOfficio, 0).ok());

  Status again = eu.CheckExtension(kOnApplication, 1);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kConflict);
  EXPECT_NE(again.error().message().find("already granted"), std::string::npos);

  Status perishable = eu.CheckExtension(kPerishable, 0);
  ASSERT_FALSE(perishable.ok());
  EXPECT_EQ(perishable.error().code(), ErrorCode::kConflict);
  EXPECT_NE(perishable.error().message().find("perishable"), std::string::npos);
  EXPECT_NE(perishable.error().message().find("Art. 23(4)"), std::string::npos);

  EXPECT_NE(eu.CheckExtension(kSmallConsignment, 0).error().message().find("small-consignments"),
            std::string::npos);
  EXPECT_EQ(eu.CheckExtension(kOnApplication, -1).error().code(), ErrorCode::kInvalidInput);
}

TEST(EuRules, WhoMayActInNotified) {
  RuleSet eu = MustEmbedded("EU");
  Result<Transition> confirm =
      eu.Resolve(kOnApplication, "notified", "confirm_infringement", Actor::kRightHolder);
  ASSERT_TRUE(confirm.ok()) << confirm.error().ToString();
  EXPECT_EQ(confirm->to, "holder_confirmed");
  EXPECT_TRUE(confirm->changes_state());
  EXPECT_NE(confirm->reference.find("Art. 23(1)(a)-(b)"), std::string::npos);

  // The declarant may not confirm for the holder.
  Result<Transition> by_declarant =
      eu.Resolve(kOnApplication, "notified", "confirm_infringement", Actor::kDeclarant);
  ASSERT_FALSE(by_declarant.ok());
  EXPECT_EQ(by_declarant.error().code(), ErrorCode::kForbidden);
  EXPECT_NE(by_declarant.error().message().find("taken by right_holder, not declarant"),
            std::string::npos)
      << by_declarant.error().message();

  EXPECT_EQ(ActionNames(eu.AllowedActionsFor(kOnApplication, "notified", Actor::kDeclarant)),
            (std::vector<std::string>{"agree", "oppose"}));
  EXPECT_EQ(
      ActionNames(eu.AllowedActionsFor(kOnApplication, "notified", Actor::kRightHolder)),
      (std::vector<std::string>{"confirm_infringement", "request_samples", "start_proceedings"}));
  EXPECT_EQ(ActionNames(eu.AllowedActionsFor(kOnApplication, "notified", Actor::kCustoms)),
            (std::vector<std::string>{"extend", "release"}));
}

TEST(EuRules, ForbiddenTransitionsNameStateAndAction) {
  RuleSet eu = MustEmbedded("EU");
  // Destruction needs agreement (or deemed agreement) first: Art. 23(1).
  Result<Transition> destroy = eu.Resolve(kOnApplication, "notified", "destroy", Actor::kCustoms);
  ASSERT_FALSE(destroy.ok());
  EXPECT_EQ(destroy.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(destroy.error().message(), "action \"destroy\" is not allowed in state \"notified\"");

  Result<Transition> closed = eu.Resolve(kOnApplication, "released", "release", Actor::kCustoms);
  ASSERT_FALSE(closed.ok());
  EXPECT_EQ(closed.error().code(), ErrorCode::kConflict);
  EXPECT_NE(closed.error().message().find("closed"), std::string::npos);
  EXPECT_TRUE(eu.AllowedActions(kOnApplication, "destroyed").empty());

  EXPECT_EQ(eu.Resolve(kOnApplication, "notified", "teleport", Actor::kCustoms).error().code(),
            ErrorCode::kInvalidInput);
  EXPECT_EQ(eu.Resolve(kOnApplication, "limbo", "release", Actor::kCustoms).error().code(),
            ErrorCode::kNotFound);
}

TEST(EuRules, SamplesAndExtensionLeaveTheStateUnchanged) {
  RuleSet eu = MustEmbedded("EU");
  Result<Transition> samples =
      eu.Resolve(kOnApplication, "holder_confirmed", "request_samples", Actor::kRightHolder);
  ASSERT_TRUE(samples.ok());
  EXPECT_EQ(samples->to, "holder_confirmed");
  EXPECT_FALSE(samples->changes_state());
  Result<Transition> extend =
      eu.Resolve(kOnApplication, "declarant_opposed", "extend", Actor::kCustoms);
  ASSERT_TRUE(extend.ok());
  EXPECT_FALSE(extend->changes_state());
  // Art. 26(2): no samples in the small-consignments procedure.
  EXPECT_EQ(eu.Resolve(kSmallConsignment, "notified", "request_samples", Actor::kRightHolder)
                .error()
                .code(),
            ErrorCode::kConflict);
}

TEST(EuRules, PathsThroughTheProcedure) {
  RuleSet eu = MustEmbedded("EU");
  // Destroyed with both sides' agreement: Art. 23(1).
  EXPECT_EQ(Walk(eu, kOnApplication,
                 {{"notify", Actor::kCustoms},
                  {"confirm_infringement", Actor::kRightHolder},
                  {"agree", Actor::kDeclarant},
                  {"destroy", Actor::kCustoms}}),
            "destroyed");
  // The declarant agrees first, then the holder confirms.
  EXPECT_EQ(Walk(eu, kOnApplication,
                 {{"notify", Actor::kCustoms},
                  {"agree", Actor::kDeclarant},
                  {"confirm_infringement", Actor::kRightHolder}}),
            "destruction_agreed");
  // Opposition then court: Art. 23(3).
  EXPECT_EQ(Walk(eu, kOnApplication,
                 {{"notify", Actor::kCustoms},
                  {"oppose", Actor::kDeclarant},
                  {"notify_opposition", Actor::kCustoms},
                  {"start_proceedings", Actor::kRightHolder},
                  {"hand_over", Actor::kCustoms}}),
            "handed_over");
  // Ex officio: notice, application within 4 working days, then Art. 23.
  EXPECT_EQ(
      Walk(eu, kExOfficio, {{"notify", Actor::kCustoms}, {"accept_application", Actor::kCustoms}}),
      "notified");
  EXPECT_EQ(Walk(eu, kExOfficio, {{"notify", Actor::kCustoms}}), "awaiting_application");
  // Small consignments: the declarant's agreement suffices (Art. 26(5)).
  EXPECT_EQ(Walk(eu, kSmallConsignment,
                 {{"notify", Actor::kCustoms},
                  {"agree", Actor::kDeclarant},
                  {"destroy", Actor::kCustoms}}),
            "destroyed");
  // ... and the holder is not consulted: no confirmation step (Art. 26(2)).
  EXPECT_EQ(eu.Resolve(kSmallConsignment, "notified", "confirm_infringement", Actor::kRightHolder)
                .error()
                .code(),
            ErrorCode::kConflict);
  // accept_application exists only ex officio.
  EXPECT_EQ(
      eu.Resolve(kOnApplication, "suspended", "accept_application", Actor::kCustoms).error().code(),
      ErrorCode::kConflict);
}

TEST(EuRules, DeadlinesMoveCasesAutomatically) {
  RuleSet eu = MustEmbedded("EU");
  // Nobody answered: release (Art. 23(5)).
  EXPECT_EQ(eu.OnDeadline(kOnApplication, "notified", "response_due")->to, "released");
  // The holder confirmed and the declarant kept silent: deemed agreement
  // (Art. 23(1) second subparagraph).
  std::optional<Transition> deemed =
      eu.OnDeadline(kOnApplication, "holder_confirmed", "response_due");
  ASSERT_TRUE(deemed.has_value());
  EXPECT_EQ(deemed->to, "deemed_agreement");
  EXPECT_TRUE(deemed->actors.empty());
  // Opposed and no proceedings: release (Art. 23(3), (5)).
  EXPECT_EQ(eu.OnDeadline(kOnApplication, "declarant_opposed", "response_due")->to, "released");
  // Small consignments: silence is agreement (Art. 26(6)); after opposition
  // the holder has 10 working days from being told (Art. 26(9)).
  EXPECT_EQ(eu.OnDeadline(kSmallConsignment, "notified", "response_due")->to, "deemed_agreement");
  EXPECT_EQ(eu.OnDeadline(kSmallConsignment, "declarant_opposed", "proceedings_due")->to,
            "released");
  EXPECT_FALSE(eu.OnDeadline(kSmallConsignment, "declarant_opposed", "response_due").has_value());
  // Ex officio: no application in time (Art. 18(4)(b)).
  EXPECT_EQ(eu.OnDeadline(kExOfficio, "awaiting_application", "application_due")->to, "released");
  // Nothing runs against a case in court or already agreed.
  EXPECT_TRUE(eu.DeadlineTransitions(kOnApplication, "court_proceedings").empty());
  EXPECT_TRUE(eu.DeadlineTransitions(kOnApplication, "destruction_agreed").empty());
  EXPECT_EQ(ActionNames(eu.DeadlineTransitions(kOnApplication, "holder_confirmed")),
            std::vector<std::string>{"response_due"});
}

TEST(TripsRules, TreatyMinimum) {
  RuleSet trips = MustEmbedded("TRIPS");
  // Art. 55: 10 working days, no perishable rule, one extension by 10.
  EXPECT_EQ(trips.FindLimit(kOnApplication, "response_due")->days, 10);
  EXPECT_EQ(trips.FindLimit(kPerishable, "response_due")->days, 10);
  EXPECT_TRUE(trips.CheckExtension(kPerishable, 0).ok());
  EXPECT_EQ(trips.CheckExtension(kOnApplication, 1).error().code(), ErrorCode::kConflict);
  EXPECT_TRUE(trips.CheckCase({Procedure::kExOfficio, true, false}).ok());
  EXPECT_FALSE(trips.CheckCase(kSmallConsignment).ok());
  // No simplified destruction: destruction only after proceedings (Art. 59).
  EXPECT_EQ(trips.Resolve(kOnApplication, "notified", "agree", Actor::kDeclarant).error().code(),
            ErrorCode::kInvalidInput);
  EXPECT_EQ(Walk(trips, kOnApplication,
                 {{"notify", Actor::kCustoms},
                  {"start_proceedings", Actor::kRightHolder},
                  {"destroy", Actor::kCustoms}}),
            "destroyed");
  EXPECT_EQ(trips.OnDeadline(kOnApplication, "notified", "response_due")->to, "released");
}

TEST(CnRules, HolderAnswersWithinThreeWorkingDays) {
  RuleSet cn = MustEmbedded("CN");
  // Art. 16: the holder applies (with security) within 3 working days.
  std::optional<TimeLimit> apply = cn.FindLimit(kExOfficio, "application_due");
  ASSERT_TRUE(apply.has_value());
  EXPECT_EQ(apply->days, 3);
  EXPECT_NE(apply->reference.find("Art. 16"), std::string::npos);
  // Art. 24: release without a court's notice within 20 / 50 working days.
  EXPECT_EQ(cn.FindLimit(kOnApplication, "response_due")->days, 20);
  EXPECT_EQ(cn.FindLimit(kExOfficio, "response_due")->days, 50);
  EXPECT_EQ(cn.FindLimit(kExOfficio, "response_due")->from, Anchor::kDetainedOn);
  EXPECT_EQ(cn.FindLimit(kExOfficio, "investigation_due")->days, 30);
  // No extension in the CN rules.
  EXPECT_EQ(cn.extension(), nullptr);
  EXPECT_EQ(cn.CheckExtension(kOnApplication, 0).error().code(), ErrorCode::kConflict);
  // Perishable goods may be detained ex officio in CN.
  EXPECT_TRUE(cn.CheckCase({Procedure::kExOfficio, true, false}).ok());
  EXPECT_EQ(cn.OnDeadline(kExOfficio, "awaiting_application", "application_due")->to, "released");
  // The Art. 20 investigation period arms no automatic transition.
  EXPECT_FALSE(cn.OnDeadline(kExOfficio, "notified", "investigation_due").has_value());
  // Confiscation follows a customs investigation, which only ex officio has.
  EXPECT_EQ(Walk(cn, kExOfficio,
                 {{"notify", Actor::kCustoms},
                  {"accept_application", Actor::kCustoms},
                  {"confiscate", Actor::kCustoms}}),
            "confiscated");
  EXPECT_EQ(cn.Resolve(kOnApplication, "notified", "confiscate", Actor::kCustoms).error().code(),
            ErrorCode::kConflict);
}

// A small valid rule set that each validation test breaks in one place.
json ValidRules() {
  return json::parse(R"({
    "format": "cordon.rules/1",
    "jurisdiction": "XA",
    "name": "Test rules",
    "sources": [{"title": "Test act"}],
    "time_limits": [
      {"name": "response_due", "from": "notified_on", "working_days": 10, "reference": "Art. 1"}
    ],
    "extension": {"extends": ["response_due"], "working_days": 5, "max_count": 1,
                  "reference": "Art. 2"},
    "states": [
      {"name": "open", "initial": true, "description": "open"},
      {"name": "waiting", "description": "waiting"},
      {"name": "closed", "terminal": true, "description": "closed"}
    ],
    "actions": [
      {"name": "notify", "from": ["open"], "to": "waiting", "actors": ["customs"],
       "reference": "Art. 3"},
      {"name": "extend", "from": ["waiting"], "actors": ["customs"], "reference": "Art. 2"},
      {"name": "close", "from": ["open", "waiting"], "to": "closed", "actors": ["customs"],
       "reference": "Art. 4"}
    ],
    "deadline_transitions": [
      {"deadline": "response_due", "from": ["waiting"], "to": "closed", "reference": "Art. 1"}
    ]
  })");
}

Error MustFail(const json& document) {
  Result<RuleSet> rules = RuleSet::FromJson(document.dump());
  EXPECT_FALSE(rules.ok());
  if (rules.ok()) return Internal("parsed unexpectedly");
  EXPECT_EQ(rules.error().code(), ErrorCode::kInvalidInput);
  return rules.error();
}

TEST(RulesValidation, TheBaseDocumentIsValid) {
  Result<RuleSet> rules = RuleSet::FromJson(ValidRules().dump());
  ASSERT_TRUE(rules.ok()) << rules.error().ToString();
  EXPECT_EQ(rules->Resolve(kOnApplication, "open", "notify", Actor::kCustoms)->to, "waiting");
}

TEST(RulesValidation, UnknownNames) {
  json document = ValidRules();
  document["actions"][0]["from"] = {"opne"};
  Error error = MustFail(document);
  EXPECT_TRUE(HasFieldMessage(error, "actions[0].from[0]", "unknown state \"opne\""))
      << error.ToString();

  document = ValidRules();
  document["actions"][0]["to"] = "wiating";
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "actions[0].to", "unknown state"));

  document = ValidRules();
  document["actions"][0]["actors"] = {"importer"};
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "actions[0].actors[0]", "customs"));

  document = ValidRules();
  document["deadline_transitions"][0]["deadline"] = "respond_due";
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "deadline_transitions[0].deadline",
                              "unknown time limit"));

  document = ValidRules();
  document["time_limits"][0]["from"] = "arrived_on";
  EXPECT_TRUE(HasField(MustFail(document), "time_limits[0].from"));

  document = ValidRules();
  document["extension"]["extends"] = {"reply_due"};
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "extension.extends[0]", "unknown time limit"));

  document = ValidRules();
  document["actions"][0]["procedures"] = {"on_request"};
  EXPECT_TRUE(HasField(MustFail(document), "actions[0].procedures[0]"));
}

TEST(RulesValidation, PeriodsAndNames) {
  json document = ValidRules();
  document["time_limits"][0]["calendar_days"] = 3;
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "time_limits[0]", "exactly one of"));

  document = ValidRules();
  document["time_limits"][0]["working_days"] = 0;
  EXPECT_TRUE(HasField(MustFail(document), "time_limits[0].working_days"));

  document = ValidRules();
  document["states"][1]["name"] = "Waiting Room";
  EXPECT_TRUE(HasField(MustFail(document), "states[1].name"));

  document = ValidRules();
  document["states"][1]["name"] = "open";
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "states[1].name", "listed twice"));

  document = ValidRules();
  document["actions"][0]["reference"] = "";
  EXPECT_TRUE(HasField(MustFail(document), "actions[0].reference"));

  document = ValidRules();
  document["actions"][0]["actor"] = {"customs"};  // misspelt key
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "actions[0].actor", "unknown field"));
}

TEST(RulesValidation, InitialAndTerminalStates) {
  json document = ValidRules();
  document["states"][1]["initial"] = true;
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "states[1].initial", "only one state"));

  document = ValidRules();
  document["states"][0].erase("initial");
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "states", "initial"));

  document = ValidRules();
  document["actions"][2]["from"] = {"closed"};
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "actions[2].from[0]", "is terminal"));
}

TEST(RulesValidation, TwoEntriesForTheSameActionInAState) {
  json document = ValidRules();
  document["actions"].push_back(json::parse(
      R"({"name": "close", "procedures": ["ex_officio"], "from": ["waiting"], "to": "open",
          "actors": ["declarant"], "reference": "Art. 9"})"));
  Error error = MustFail(document);
  EXPECT_TRUE(HasFieldMessage(error, "actions[3]",
                              "in state \"waiting\" action \"close\" is also given by actions[2] "
                              "(procedure ex_officio"))
      << error.ToString();

  // Disjoint filters are fine: one entry per kind of case.
  document = ValidRules();
  document["actions"][2]["procedures"] = {"application"};
  document["actions"].push_back(json::parse(
      R"({"name": "close", "procedures": ["ex_officio"], "from": ["open", "waiting"],
          "to": "closed", "actors": ["declarant"], "reference": "Art. 9"})"));
  EXPECT_TRUE(RuleSet::FromJson(document.dump()).ok());

  document = ValidRules();
  document["time_limits"].push_back(json::parse(
      R"({"name": "response_due", "perishable": true, "from": "notified_on", "working_days": 3,
          "reference": "Art. 1"})"));
  EXPECT_TRUE(
      HasFieldMessage(MustFail(document), "time_limits[1]", "also given by time_limits[0]"));
}

TEST(RulesValidation, UnreachableAndStuckStates) {
  json document = ValidRules();
  document["states"].push_back(
      json::parse(R"({"name": "island", "terminal": true, "description": "never reached"})"));
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "states[3]", "cannot be reached"));

  // "waiting" with no way out but the extension, which keeps the state.
  document = ValidRules();
  document["actions"][2]["from"] = {"open"};
  document["deadline_transitions"] = json::array();
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "states[1]", "no action or deadline leaves it"));
}

TEST(RulesValidation, DeadlineNeedsItsLimitForTheSameCases) {
  json document = ValidRules();
  document["time_limits"][0]["procedures"] = {"application"};
  Error error = MustFail(document);
  EXPECT_TRUE(HasFieldMessage(error, "deadline_transitions[0].deadline",
                              "not defined for procedure ex_officio"))
      << error.ToString();
  // Excluding the ex officio procedure makes it consistent again.
  document["exclusions"] = json::parse(
      R"([{"procedures": ["ex_officio"], "reason": "no ex officio action", "reference": "Art. 5"}])");
  EXPECT_TRUE(RuleSet::FromJson(document.dump()).ok());
}

TEST(RulesValidation, ExtendNeedsAnExtensionRule) {
  json document = ValidRules();
  document.erase("extension");
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "actions[1].name", "needs an \"extension\""));
}

TEST(RulesValidation, ExclusionsMustNameSomethingAndLeaveSomething) {
  json document = ValidRules();
  document["exclusions"] = json::parse(R"([{"reason": "all", "reference": "x"}])");
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "exclusions[0]", "at least one of"));

  document = ValidRules();
  document["exclusions"] = json::parse(
      R"([{"procedures": ["application", "ex_officio"], "reason": "none", "reference": "x"}])");
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "exclusions", "exclude every kind of case"));
}

TEST(RulesValidation, NotJson) {
  Result<RuleSet> rules = RuleSet::FromJson("{");
  ASSERT_FALSE(rules.ok());
  EXPECT_EQ(rules.error().code(), ErrorCode::kInvalidInput);
}

TEST(RulesNames, RoundTrip) {
  for (Procedure procedure : {Procedure::kApplication, Procedure::kExOfficio}) {
    EXPECT_EQ(ParseProcedure(ProcedureName(procedure)), procedure);
  }
  for (Actor party : {Actor::kCustoms, Actor::kRightHolder, Actor::kDeclarant}) {
    EXPECT_EQ(ParseActor(ActorName(party)), party);
  }
  EXPECT_FALSE(ParseProcedure("ex-officio").has_value());
  EXPECT_FALSE(ParseActor("importer").has_value());
  EXPECT_STREQ(AnchorName(Anchor::kOppositionNotifiedOn), "opposition_notified_on");
}

}  // namespace
}  // namespace cordon
