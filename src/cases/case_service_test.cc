// Tests of the case engine on a real SQLite store with a fake clock: every
// path of the EU procedure, invalid transitions, the clock's deemed agreement
// and release, perishables, the one extension, ex officio cases, small
// consignments, who sees what, evidence, and the deadline queue.
//
// Dates: the fake clock starts on Monday 2 March 2026; the DE calendar has no
// public holiday until Good Friday (3 April), so 10 working days after
// 2 March end on Monday 16 March, 3 on Thursday 5 March, 4 on Friday 6 March,
// and 10 more after 16 March on Monday 30 March.
#include "cases/case_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "identity/identity.h"
#include "rights/rights.h"
#include "store/sqlite_store.h"
#include "support/test_support.h"

namespace cordon {
namespace {

using json = nlohmann::json;

Timestamp At(const std::string& text) { return *ParseTimestamp(text); }

Caller MakeCaller(const Organisation& org, Role role, const std::string& user_id) {
  Caller caller;
  caller.user_id = user_id;
  caller.org_id = org.id;
  caller.org_kind = org.kind;
  caller.role = role;
  caller.country = org.country;
  caller.jurisdiction = org.jurisdiction;
  return caller;
}

std::vector<std::string> Fields(const Error& error) {
  std::vector<std::string> fields;
  for (const FieldError& field : error.fields()) fields.push_back(field.field);
  return fields;
}

bool HasField(const Error& error, const std::string& field) {
  std::vector<std::string> fields = Fields(error);
  return std::find(fields.begin(), fields.end(), field) != fields.end();
}

class CaseServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteStore(SqliteOptions{dir_.File("cordon.db")});
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(opened).value();
    identity_ = std::make_unique<IdentityService>(*store_, clock_, rng_);
    applications_ = std::make_unique<ApplicationService>(*store_, clock_, rng_);
    cases_ = std::make_unique<CaseService>(*store_, clock_, rng_);

    de_ = CreateOrg("Customs DE", OrgKind::kCustoms, "DE", {"DEHAM", "DEFRA"});
    holder_ = CreateOrg("Zentra Sportswear GmbH", OrgKind::kRightHolder, "DE", {});
    other_holder_ = CreateOrg("Other Brand SA", OrgKind::kRightHolder, "FR", {});
    officer_ = MakeCaller(de_, Role::kIprOfficer, "usr_officer");
    frontline_ = MakeCaller(de_, Role::kFrontlineOfficer, "usr_frontline");
    rep_ = MakeCaller(holder_, Role::kRightHolderRep, "usr_rep");
    other_rep_ = MakeCaller(other_holder_, Role::kRightHolderRep, "usr_other");
    application_id_ = FileApplication(rep_, /*small_consignments=*/true, /*grant=*/true);
  }

  Organisation CreateOrg(const std::string& name, OrgKind kind, const std::string& country,
                         std::vector<std::string> offices) {
    NewOrganisation input;
    input.name = name;
    input.kind = kind;
    input.country = country;
    input.jurisdiction = kind == OrgKind::kCustoms ? "EU" : "";
    input.offices = std::move(offices);
    Result<Organisation> org = identity_->CreateOrganisation(input);
    EXPECT_TRUE(org.ok()) << org.error().ToString();
    return org.ok() ? *org : Organisation{};
  }

  std::string FileApplication(const Caller& rep, bool small_consignments, bool grant) {
    json body = test_support::IssueExampleApplication();
    body["filed_with"] = "DE";
    body["small_consignments"] = small_consignments;
    Result<Application> app = applications_->Create(rep, body);
    EXPECT_TRUE(app.ok()) << app.error().ToString();
    if (!app.ok()) return {};
    EXPECT_TRUE(applications_->Submit(rep, app->id).ok());
    if (grant) {
      Result<Application> granted = applications_->Decide(
          officer_, app->id, {{"decision", "grant"}, {"valid_until", "2027-03-01"}});
      EXPECT_TRUE(granted.ok()) << granted.error().ToString();
    }
    return app->id;
  }

  json CaseBody(const std::string& procedure = "application") {
    json body = {
        {"office", "DEHAM"},
        {"procedure", procedure},
        {"declaration_id", "26DE000000000001"},
        {"declarant", {{"name", "Hafen Zoll Service GmbH"}, {"address", "Kai 1, Hamburg"}, {"country", "DE"}}},
        {"holder_of_goods", {{"name", "Nordhandel GmbH"}, {"address", "Weg 2, Bremen"}, {"country", "DE"}}},
        {"goods",
         {{{"description", "sports shoes bearing the ZENTRA mark"},
           {"hs", "640411"},
           {"quantity", 1200},
           {"unit", "pairs"},
           {"product_category", "shoes"},
           {"ipr_type", "trademark"},
           {"mark", "ZENTRA"},
           {"estimated_value_eur", 54000}}}}};
    if (procedure == "application") body["application_id"] = application_id_;
    return body;
  }

  json Open(json body) {
    Result<json> opened = cases_->Open(officer_, body);
    EXPECT_TRUE(opened.ok()) << opened.error().ToString();
    return opened.ok() ? *opened : json();
  }

  json Act(const Caller& caller, const std::string& id, json body) {
    Result<json> done = cases_->Act(caller, id, body);
    EXPECT_TRUE(done.ok()) << body.dump() << ": " << done.error().ToString();
    return done.ok() ? *done : json();
  }

  json Get(const Caller& caller, const std::string& id) {
    Result<json> found = cases_->Get(caller, id);
    EXPECT_TRUE(found.ok()) << found.error().ToString();
    return found.ok() ? *found : json();
  }

  static json DestroyBody() {
    return {{"action", "destroy"},         {"date", "2026-03-20"},
            {"place", "Hamburg incinerator, Borsigstr."}, {"method", "incineration"},
            {"environmental_handling", "energy recovery; ash to licensed landfill"},
            {"witness", "J. Weber (customs)"}, {"quantity", 1200},
            {"unit", "pairs"},             {"cost_eur", 850.5}};
  }

  // The kinds of the case's notices to `role`, "suspension" for
  // "case.suspension_notice" (the notices are notify's, one system).
  std::vector<std::string> NoticeKinds(const json& view, const std::string& role) {
    std::vector<std::string> kinds;
    for (const json& notice : view["notices"]) {
      if (notice["recipient_role"] != role) continue;
      std::string kind = notice["kind"];
      EXPECT_EQ(kind.rfind("case.", 0), 0u) << kind;
      EXPECT_EQ(notice["object"]["id"], view["id"]);
      kinds.push_back(kind.substr(5, kind.size() - 5 - std::string("_notice").size()));
    }
    return kinds;
  }

  // The audit events of one acting organisation (the administration by default).
  std::vector<std::string> AuditActions(const std::string& case_id, std::string org_id = "") {
    if (org_id.empty()) org_id = de_.id;
    std::vector<std::string> actions;
    Status read = store_->Read([&](ReadTx& tx) -> Status {
      CORDON_ASSIGN_OR_RETURN(auto events, tx.ListAuditEvents(Scope{org_id}, case_id));
      for (const AuditEvent& event : events) actions.push_back(event.action);
      return Status::Ok();
    });
    EXPECT_TRUE(read.ok());
    return actions;
  }

  test_support::TempDir dir_{"cordon-cases"};
  FakeClock clock_{At("2026-03-02T09:00:00Z")};
  SeededRng rng_{11};
  std::unique_ptr<Store> store_;
  std::unique_ptr<IdentityService> identity_;
  std::unique_ptr<ApplicationService> applications_;
  std::unique_ptr<CaseService> cases_;
  Organisation de_, holder_, other_holder_;
  Caller officer_, frontline_, rep_, other_rep_;
  std::string application_id_;
};

TEST_F(CaseServiceTest, OpeningOnApplicationNotifiesBothPartiesAndRunsTenWorkingDays) {
  json opened = Open(CaseBody());
  EXPECT_EQ(opened["state"], "notified");
  EXPECT_EQ(opened["suspended_on"], "2026-03-02");
  EXPECT_EQ(opened["notified_on"], "2026-03-02");
  EXPECT_EQ(opened["deadlines"]["response_due"], "2026-03-16");
  EXPECT_EQ(opened["deadlines"]["declarant_notice_due"], "2026-03-03");
  EXPECT_EQ(opened["next_deadline"]["name"], "response_due");
  EXPECT_EQ(opened["next_deadline"]["on_expiry"], "released");
  EXPECT_EQ(opened["holder_org_id"], holder_.id);
  EXPECT_EQ(NoticeKinds(opened, "declarant"), std::vector<std::string>{"suspension"});
  EXPECT_EQ(NoticeKinds(opened, "right_holder"), std::vector<std::string>{"suspension"});
  for (const json& notice : opened["notices"]) {
    EXPECT_EQ(notice["due_by"], "2026-03-03");
    // The legal text in the jurisdiction's terms, with the due date.
    EXPECT_NE(notice["body"].get<std::string>().find("2026-03-16"), std::string::npos) << notice["body"];
    EXPECT_NE(notice["body"].get<std::string>().find("Art. 17(3)"), std::string::npos) << notice["body"];
    EXPECT_EQ(notice["data"]["deadlines"]["response_due"]["due"], "2026-03-16");
    EXPECT_EQ(notice["data"]["goods"].size(), 1u);
  }
  // The declarant's notice carries its name and address; the holder's too,
  // as the holder of an application is entitled to them (Art. 17(4)).
  for (const json& notice : opened["notices"]) {
    if (notice["recipient_role"] == "declarant") {
      EXPECT_TRUE(notice["recipient_org_id"].is_null());
      EXPECT_EQ(notice["recipient_party"]["name"], opened["declarant"]["name"]);
    } else {
      EXPECT_EQ(notice["recipient_org_id"], holder_.id);
    }
  }
  ASSERT_EQ(opened["history"].size(), 2u);
  EXPECT_EQ(opened["history"][0]["action"], "suspension");
  EXPECT_EQ(opened["history"][1]["action"], "notify");
  EXPECT_EQ(AuditActions(opened["id"]), (std::vector<std::string>{"case.suspension", "case.notify"}));
  EXPECT_EQ(opened["goods"][0]["estimated_value_eur"], 54000.0);
}

TEST_F(CaseServiceTest, DestroyedWithAgreementOfBothSides) {
  std::string id = Open(CaseBody())["id"];
  json confirmed = Act(rep_, id, {{"action", "confirm_infringement"}});
  EXPECT_EQ(confirmed["state"], "holder_confirmed");
  EXPECT_EQ(confirmed["next_deadline"]["on_expiry"], "deemed_agreement");
  json agreed = Act(officer_, id, {{"action", "agree"}, {"party", "declarant"}, {"note", "letter of 4 March"}});
  EXPECT_EQ(agreed["state"], "destruction_agreed");
  EXPECT_TRUE(agreed["next_deadline"].is_null());

  Result<json> incomplete = cases_->Act(officer_, id, {{"action", "destroy"}, {"date", "2026-03-20"}});
  ASSERT_FALSE(incomplete.ok());
  EXPECT_EQ(incomplete.error().code(), ErrorCode::kInvalidInput);
  for (const char* field : {"place", "method", "environmental_handling", "witness", "quantity"}) {
    EXPECT_TRUE(HasField(incomplete.error(), field)) << field;
  }
  Result<json> future = cases_->Act(officer_, id, DestroyBody());
  ASSERT_FALSE(future.ok());
  EXPECT_TRUE(HasField(future.error(), "date"));

  clock_.Set(At("2026-03-20T10:00:00Z"));
  json destroyed = Act(officer_, id, DestroyBody());
  EXPECT_EQ(destroyed["state"], "destroyed");
  EXPECT_FALSE(destroyed["open"]);
  EXPECT_EQ(destroyed["destruction"]["method"], "incineration");
  EXPECT_EQ(destroyed["costs"]["total_eur"], 850.5);
  EXPECT_EQ(destroyed["costs"]["attributed_to"], "right_holder");
  json stored = Act(officer_, id, {{"action", "record_cost"}, {"kind", "storage"}, {"amount_eur", 120}});
  EXPECT_EQ(stored["costs"]["total_eur"], 970.5);
  EXPECT_EQ(NoticeKinds(destroyed, "right_holder"),
            (std::vector<std::string>{"suspension", "destruction"}));
  std::vector<std::string> audit = AuditActions(id);
  EXPECT_EQ(audit, (std::vector<std::string>{"case.suspension", "case.notify", "case.agree",
                                             "case.destroy", "case.record_cost"}));
  EXPECT_EQ(AuditActions(id, holder_.id), std::vector<std::string>{"case.confirm_infringement"});
}

TEST_F(CaseServiceTest, ClockMakesDeemedAgreementOnlyAfterTheDueDay) {
  std::string id = Open(CaseBody())["id"];
  Act(rep_, id, {{"action", "confirm_infringement"}});
  // The due day itself is still in time (Regulation 1182/71 Art. 3(2)(b)).
  Result<AdvanceReport> on_due_day = cases_->AdvanceDueCases(At("2026-03-16T23:59:00Z"));
  ASSERT_TRUE(on_due_day.ok());
  EXPECT_EQ(on_due_day->moved, 0);
  EXPECT_EQ(Get(officer_, id)["state"], "holder_confirmed");

  clock_.Set(At("2026-03-17T00:30:00Z"));
  Result<AdvanceReport> after = cases_->AdvanceDueCases(clock_.Now());
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->moved, 1);
  json view = Get(officer_, id);
  EXPECT_EQ(view["state"], "deemed_agreement");
  EXPECT_EQ(view["history"].back()["party"], "clock");
  EXPECT_EQ(view["history"].back()["action"], "response_due");
  EXPECT_EQ(NoticeKinds(view, "declarant"), (std::vector<std::string>{"suspension", "deemed_agreement"}));
  EXPECT_EQ(AuditActions(id).back(), "case.response_due");
  // Idempotent: nothing more to do.
  EXPECT_EQ(cases_->AdvanceDueCases(clock_.Now())->moved, 0);
  clock_.Set(At("2026-03-18T09:00:00Z"));
  json destroyed = Act(officer_, id, [] {
    json body = DestroyBody();
    body["date"] = "2026-03-18";
    return body;
  }());
  EXPECT_EQ(destroyed["state"], "destroyed");
}

TEST_F(CaseServiceTest, ClockReleasesWhenNobodyAnswers) {
  std::string id = Open(CaseBody())["id"];
  clock_.Set(At("2026-03-17T08:00:00Z"));
  // Before the sweep runs, a late act is refused, naming the deadline.
  Result<json> late = cases_->Act(rep_, id, {{"action", "confirm_infringement"}});
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code(), ErrorCode::kConflict);
  EXPECT_NE(late.error().message().find("response_due ended on 2026-03-16"), std::string::npos);

  ASSERT_EQ(cases_->AdvanceDueCases(clock_.Now())->moved, 1);
  json view = Get(officer_, id);
  EXPECT_EQ(view["state"], "released");
  EXPECT_FALSE(view["open"]);
  EXPECT_EQ(view["release"]["by"], "clock");
  EXPECT_EQ(NoticeKinds(view, "right_holder"), (std::vector<std::string>{"suspension", "release"}));
}

TEST_F(CaseServiceTest, OppositionThenCourtThenHandover) {
  std::string id = Open(CaseBody())["id"];
  json opposed = Act(officer_, id, {{"action", "oppose"}, {"party", "declarant"}});
  EXPECT_EQ(opposed["state"], "declarant_opposed");
  EXPECT_EQ(opposed["opposition_notified_on"], "2026-03-02");
  EXPECT_EQ(NoticeKinds(opposed, "right_holder"), (std::vector<std::string>{"suspension", "opposition"}));

  Result<json> no_reference = cases_->Act(rep_, id, {{"action", "start_proceedings"}});
  ASSERT_FALSE(no_reference.ok());
  EXPECT_TRUE(HasField(no_reference.error(), "reference"));
  json court = Act(rep_, id, {{"action", "start_proceedings"}, {"reference", "LG Hamburg 312 O 45/26"}, {"court", "Landgericht Hamburg"}});
  EXPECT_EQ(court["state"], "court_proceedings");
  EXPECT_EQ(court["proceedings"]["reference"], "LG Hamburg 312 O 45/26");
  EXPECT_TRUE(court["next_deadline"].is_null());
  // Nothing runs against a case before a court.
  EXPECT_EQ(cases_->AdvanceDueCases(At("2026-06-01T00:00:00Z"))->moved, 0);
  json handed = Act(officer_, id, {{"action", "hand_over"}, {"authority", "Staatsanwaltschaft Hamburg"}});
  EXPECT_EQ(handed["state"], "handed_over");
}

TEST_F(CaseServiceTest, InvalidTransitionsAreConflictsNamingStateAndAction) {
  std::string id = Open(CaseBody())["id"];
  Result<json> destroy = cases_->Act(officer_, id, DestroyBody());
  ASSERT_FALSE(destroy.ok());
  EXPECT_EQ(destroy.error().code(), ErrorCode::kConflict);
  EXPECT_NE(destroy.error().message().find("\"destroy\""), std::string::npos);
  EXPECT_NE(destroy.error().message().find("\"notified\""), std::string::npos);

  Result<json> unknown = cases_->Act(officer_, id, {{"action", "teleport"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_TRUE(HasField(unknown.error(), "action"));

  // The holder may not speak for the declarant; the declarant's act is the officer's record.
  Result<json> as_declarant = cases_->Act(rep_, id, {{"action", "agree"}, {"party", "declarant"}});
  ASSERT_FALSE(as_declarant.ok());
  EXPECT_EQ(as_declarant.error().code(), ErrorCode::kForbidden);
  Result<json> frontline = cases_->Act(frontline_, id, {{"action", "release"}, {"reason", "x"}});
  ASSERT_FALSE(frontline.ok());
  EXPECT_EQ(frontline.error().code(), ErrorCode::kForbidden);

  json released = Act(officer_, id, {{"action", "release"}, {"reason", "authentic goods"}});
  EXPECT_EQ(released["state"], "released");
  Result<json> again = cases_->Act(officer_, id, {{"action", "release"}, {"reason", "again"}});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kConflict);
}

TEST_F(CaseServiceTest, PerishableGoodsHaveThreeWorkingDaysAndNoExtension) {
  json body = CaseBody();
  body["perishable"] = true;
  json opened = Open(body);
  EXPECT_EQ(opened["deadlines"]["response_due"], "2026-03-05");
  Result<json> extended = cases_->Extend(officer_, opened["id"], {{"reason", "holder asked"}});
  ASSERT_FALSE(extended.ok());
  EXPECT_EQ(extended.error().code(), ErrorCode::kConflict);
  EXPECT_NE(extended.error().message().find("perishable"), std::string::npos);
}

TEST_F(CaseServiceTest, ExtensionOnceByTenWorkingDaysFromTheOriginalDueDate) {
  std::string id = Open(CaseBody())["id"];
  clock_.Set(At("2026-03-04T09:00:00Z"));
  Result<json> no_reason = cases_->Extend(officer_, id, json::object());
  ASSERT_FALSE(no_reason.ok());
  EXPECT_TRUE(HasField(no_reason.error(), "reason"));
  Result<json> by_holder = cases_->Extend(rep_, id, {{"reason", "need time"}});
  ASSERT_FALSE(by_holder.ok());
  EXPECT_EQ(by_holder.error().code(), ErrorCode::kForbidden);

  Result<json> extended = cases_->Extend(officer_, id, {{"reason", "holder's justified request of 3 March"}});
  ASSERT_TRUE(extended.ok()) << extended.error().ToString();
  EXPECT_EQ((*extended)["deadlines"]["response_due"], "2026-03-30");
  EXPECT_EQ((*extended)["extensions"].size(), 1u);
  EXPECT_EQ(NoticeKinds(*extended, "declarant"), (std::vector<std::string>{"suspension", "extension"}));

  Result<json> twice = cases_->Extend(officer_, id, {{"reason", "again"}});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code(), ErrorCode::kConflict);
  // The old due date no longer moves the case.
  EXPECT_EQ(cases_->AdvanceDueCases(At("2026-03-20T00:00:00Z"))->moved, 0);
  EXPECT_EQ(cases_->AdvanceDueCases(At("2026-03-31T00:00:00Z"))->moved, 1);
  EXPECT_EQ(Get(officer_, id)["state"], "released");
}

TEST_F(CaseServiceTest, ExOfficioNeedsAnApplicationWithinFourWorkingDays) {
  json perishable = CaseBody("ex_officio");
  perishable["perishable"] = true;
  Result<json> refused = cases_->Open(officer_, perishable);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(HasField(refused.error(), "perishable")) << refused.error().ToString();

  json with_application = CaseBody("ex_officio");
  with_application["application_id"] = application_id_;
  Result<json> mixed = cases_->Open(officer_, with_application);
  ASSERT_FALSE(mixed.ok());
  EXPECT_TRUE(HasField(mixed.error(), "application_id"));

  json lapsed = Open(CaseBody("ex_officio"));
  EXPECT_EQ(lapsed["state"], "awaiting_application");
  EXPECT_EQ(lapsed["deadlines"]["application_due"], "2026-03-06");
  EXPECT_TRUE(lapsed["holder_org_id"].is_null());
  EXPECT_EQ(NoticeKinds(lapsed, "right_holder"), std::vector<std::string>{});
  ASSERT_EQ(cases_->AdvanceDueCases(At("2026-03-07T00:00:00Z"))->moved, 1);
  EXPECT_EQ(Get(officer_, lapsed["id"])["state"], "released");

  json accepted_case = Open(CaseBody("ex_officio"));
  std::string id = accepted_case["id"];
  EXPECT_EQ(cases_->Get(rep_, id).error().code(), ErrorCode::kNotFound);
  json accepted = Act(officer_, id, {{"action", "accept_application"}, {"application_id", application_id_}});
  EXPECT_EQ(accepted["state"], "notified");
  EXPECT_EQ(accepted["application_id"], application_id_);
  json seen = Get(rep_, id);
  EXPECT_EQ(seen["declarant"]["name"], "Hafen Zoll Service GmbH");
  EXPECT_EQ(NoticeKinds(seen, "right_holder"), std::vector<std::string>{"suspension"});
}

TEST_F(CaseServiceTest, SmallConsignmentsLeaveTheHolderOutUntilOpposition) {
  json body = CaseBody();
  body["small_consignment"] = true;
  json opened = Open(body);
  std::string id = opened["id"];
  EXPECT_EQ(opened["deadlines"]["response_due"], "2026-03-16");
  EXPECT_EQ(NoticeKinds(opened, "right_holder"), std::vector<std::string>{});
  json holder_view = Get(rep_, id);
  EXPECT_TRUE(holder_view["declarant"].is_null());
  EXPECT_FALSE(holder_view["parties_disclosed"]);
  EXPECT_TRUE(holder_view["notices"].empty());
  // No holder confirmation in this procedure (Art. 26(2)).
  Result<json> confirm = cases_->Act(rep_, id, {{"action", "confirm_infringement"}});
  ASSERT_FALSE(confirm.ok());
  EXPECT_EQ(confirm.error().code(), ErrorCode::kConflict);

  clock_.Set(At("2026-03-10T09:00:00Z"));
  json opposed = Act(officer_, id, {{"action", "oppose"}, {"party", "declarant"}});
  EXPECT_EQ(opposed["state"], "declarant_opposed");
  EXPECT_EQ(opposed["deadlines"]["proceedings_due"], "2026-03-24");
  json disclosed = Get(rep_, id);
  EXPECT_TRUE(disclosed["parties_disclosed"]);
  EXPECT_EQ(disclosed["holder_of_goods"]["name"], "Nordhandel GmbH");
  EXPECT_EQ(NoticeKinds(disclosed, "right_holder"), std::vector<std::string>{"opposition"});
  ASSERT_EQ(cases_->AdvanceDueCases(At("2026-03-25T00:00:00Z"))->moved, 1);
  EXPECT_EQ(Get(officer_, id)["state"], "released");

  // Silence in the small-consignments procedure is deemed agreement (Art. 26(6)).
  clock_.Set(At("2026-03-02T09:00:00Z"));
  std::string silent = Open(body)["id"];
  ASSERT_EQ(cases_->AdvanceDueCases(At("2026-03-17T00:00:00Z"))->moved, 1);
  EXPECT_EQ(Get(officer_, silent)["state"], "deemed_agreement");
}

TEST_F(CaseServiceTest, SmallConsignmentsNeedTheApplicationsOptIn) {
  Caller other = other_rep_;
  std::string no_opt_in = FileApplication(other, /*small_consignments=*/false, /*grant=*/true);
  json body = CaseBody();
  body["application_id"] = no_opt_in;
  body["small_consignment"] = true;
  Result<json> refused = cases_->Open(officer_, body);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(HasField(refused.error(), "small_consignment")) << refused.error().ToString();
}

TEST_F(CaseServiceTest, ApplicationMustBeGrantedAndCoverTheGoods) {
  json body = CaseBody();
  body["goods"][0]["hs"] = "950300";        // toys: not among the application's goods
  body["goods"][0]["ipr_type"] = "design";  // the application records a trademark only
  Result<json> uncovered = cases_->Open(officer_, body);
  ASSERT_FALSE(uncovered.ok());
  EXPECT_TRUE(HasField(uncovered.error(), "goods[0].hs"));
  EXPECT_TRUE(HasField(uncovered.error(), "goods[0].ipr_type"));

  json pending = CaseBody();
  pending["application_id"] = FileApplication(rep_, false, /*grant=*/false);
  Result<json> not_granted = cases_->Open(officer_, pending);
  ASSERT_FALSE(not_granted.ok());
  EXPECT_TRUE(HasField(not_granted.error(), "application_id"));
}

TEST_F(CaseServiceTest, EveryBadFieldIsNamed) {
  json body = CaseBody();
  body["office"] = "FRPAR";
  body["notified_on"] = "2026-02-30";
  body["declarant"].erase("country");
  body["goods"].push_back({{"description", ""}, {"hs", "64x"}, {"quantity", -1}, {"unit", "pairs"},
                           {"product_category", "shoe"}, {"ipr_type", "brand"}, {"colour", "red"}});
  Result<json> refused = cases_->Open(officer_, body);
  ASSERT_FALSE(refused.ok());
  for (const char* field : {"notified_on", "declarant.country", "goods[1].description", "goods[1].hs",
                            "goods[1].quantity", "goods[1].product_category", "goods[1].ipr_type",
                            "goods[1].colour"}) {
    EXPECT_TRUE(HasField(refused.error(), field)) << field << " in " << refused.error().ToString();
  }
  json office = CaseBody();
  office["office"] = "FRPAR";
  Result<json> wrong_office = cases_->Open(officer_, office);
  ASSERT_FALSE(wrong_office.ok());
  EXPECT_TRUE(HasField(wrong_office.error(), "office"));
  EXPECT_EQ(cases_->Open(rep_, CaseBody()).error().code(), ErrorCode::kForbidden);
}

TEST_F(CaseServiceTest, OnlyTheAdministrationAndTheHolderSeeACase) {
  std::string id = Open(CaseBody())["id"];
  EXPECT_EQ(Get(rep_, id)["declarant"]["name"], "Hafen Zoll Service GmbH");
  Result<json> other = cases_->Get(other_rep_, id);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(cases_->Act(other_rep_, id, {{"action", "confirm_infringement"}}).error().code(),
            ErrorCode::kNotFound);
  CaseQuery query;
  Result<Page<json>> listed = cases_->List(other_rep_, query);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->items.empty());
  EXPECT_EQ(cases_->List(rep_, query)->items.size(), 1u);
}

TEST_F(CaseServiceTest, EvidenceIsStoredByHashWithTypeAndSizeLimits) {
  std::string id = Open(CaseBody())["id"];
  std::string png = std::string("\x89PNG\r\n\x1A\n", 8) + std::string(100, '\x01');
  Result<json> added = cases_->AddEvidence(frontline_, id, {"image/png", "shoe.png", "left shoe", png});
  ASSERT_TRUE(added.ok()) << added.error().ToString();
  EXPECT_EQ((*added)["size"], 108);
  EXPECT_EQ((*added)["sha256"].get<std::string>().size(), 64u);
  Result<EvidenceContent> content = cases_->GetEvidence(rep_, id, (*added)["id"]);
  ASSERT_TRUE(content.ok());
  EXPECT_EQ(content->content, png);
  EXPECT_EQ(AuditActions(id).back(), "case.evidence_added");

  Result<json> wrong_type = cases_->AddEvidence(officer_, id, {"text/html", "", "", "<html>"});
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_TRUE(HasField(wrong_type.error(), "content_type"));
  Result<json> disguised = cases_->AddEvidence(officer_, id, {"image/jpeg", "", "", png});
  ASSERT_FALSE(disguised.ok());
  EXPECT_TRUE(HasField(disguised.error(), "content"));
  CaseServiceOptions small;
  small.max_evidence_bytes = 64;
  CaseService limited(*store_, clock_, rng_, small);
  Result<json> too_big = limited.AddEvidence(officer_, id, {"image/png", "", "", png});
  ASSERT_FALSE(too_big.ok());
  EXPECT_TRUE(HasField(too_big.error(), "content"));
  EXPECT_EQ(cases_->AddEvidence(other_rep_, id, {"image/png", "", "", png}).error().code(),
            ErrorCode::kNotFound);
}

TEST_F(CaseServiceTest, QueueOrdersOpenCasesByNextDeadlineWithCursor) {
  std::string normal = Open(CaseBody())["id"];  // response_due 16 March
  json perishable_body = CaseBody();
  perishable_body["perishable"] = true;
  std::string perishable = Open(perishable_body)["id"];  // 5 March
  std::string ex_officio = Open(CaseBody("ex_officio"))["id"];  // application_due 6 March
  std::string court = Open(CaseBody())["id"];
  Act(rep_, court, {{"action", "start_proceedings"}, {"reference", "LG 1"}});  // nothing runs
  std::string closed = Open(CaseBody())["id"];
  Act(officer_, closed, {{"action", "release"}, {"reason", "authentic"}});

  CaseQuery query;
  query.by_next_deadline = true;
  query.limit = 2;
  std::vector<std::string> order;
  do {
    Result<Page<json>> page = cases_->List(officer_, query);
    ASSERT_TRUE(page.ok()) << page.error().ToString();
    for (const json& item : page->items) order.push_back(item["id"]);
    query.cursor = page->next_cursor;
  } while (!query.cursor.empty());
  EXPECT_EQ(order, (std::vector<std::string>{perishable, ex_officio, normal, court}));
}

}  // namespace
}  // namespace cordon
