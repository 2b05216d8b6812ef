// Tests of the screening service on a real SQLite store with a fake clock:
// what goes into an administration's Screener, when it is rebuilt, batches
// and their stored runs, profiles and watchlist CRUD with roles and tenant
// isolation, the selection queue and findings, and the deferred selection
// the CLI uses against SelectByBudget / SelectByCapacity.
#include "screening/screening_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "identity/identity.h"
#include "rights/rights.h"
#include "store/sqlite_store.h"
#include "support/test_support.h"

namespace cordon {
namespace {

using json = nlohmann::json;
using std::chrono::days;
using std::chrono::hours;

Timestamp StartTime() { return *ParseTimestamp("2026-03-02T09:00:00Z"); }

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

// The issue's example declaration with the given description, office and id.
json DeclarationJson(const std::string& id, const std::string& description,
                     const std::string& office = "DEHAM") {
  json declaration = json::parse(R"({"type":"import","lodged_at":"2025-03-04T09:12:00Z",
    "transport_mode":"sea","origin":"CN","dispatch":"CN","destination":"DE","e_commerce":false,
    "consignor":{"name":"Shenzhen Bright Trading Co., Ltd.","address":"1 Road","country":"CN"},
    "consignee":{"name":"Nordhandel GmbH","address":"2 Street","country":"DE"},
    "declarant":{"name":"Hafen Zoll Service GmbH"},"route":["CNSZX","SGSIN","DEHAM"],
    "containers":["MSCU1234567"],
    "items":[{"hs":"640411","quantity":1200,"unit":"pairs","gross_kg":900.0,"value":4800.0,
              "currency":"USD"}]})");
  declaration["id"] = id;
  declaration["office"] = office;
  declaration["items"][0]["description"] = description;
  return declaration;
}

json ProfileBody(const std::string& name, const json& rule, double weight = 0.4) {
  return json{{"name", name}, {"weight", weight}, {"rule", rule}};
}

json OriginIs(const std::string& country) {
  return json{{"field", "origin"}, {"op", "eq"}, {"value", country}};
}

class ScreeningServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteStore(SqliteOptions{dir_.File("cordon.db")});
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(opened).value();
    identity_ = std::make_unique<IdentityService>(*store_, clock_, rng_);
    applications_ = std::make_unique<ApplicationService>(*store_, clock_, rng_);
    service_ = std::make_unique<ScreeningService>(*store_, clock_, rng_);

    de_ = CreateOrg("Customs DE", OrgKind::kCustoms, "DE", {"DEHAM", "DEFRA"});
    cn_ = CreateOrg("Customs CN", OrgKind::kCustoms, "CN", {"CNSHA"});
    holder_ = CreateOrg("Zentra Sportswear GmbH", OrgKind::kRightHolder, "DE", {});
    analyst_ = MakeCaller(de_, Role::kRiskAnalyst, "usr_analyst");
    frontline_ = MakeCaller(de_, Role::kFrontlineOfficer, "usr_frontline");
    officer_ = MakeCaller(de_, Role::kIprOfficer, "usr_officer");
    cn_analyst_ = MakeCaller(cn_, Role::kRiskAnalyst, "usr_cn_analyst");
    cn_officer_ = MakeCaller(cn_, Role::kIprOfficer, "usr_cn_officer");
    rep_ = MakeCaller(holder_, Role::kRightHolderRep, "usr_rep");
  }

  Organisation CreateOrg(const std::string& name, OrgKind kind, const std::string& country,
                         std::vector<std::string> offices) {
    NewOrganisation input;
    input.name = name;
    input.kind = kind;
    input.country = country;
    input.jurisdiction = kind == OrgKind::kCustoms ? (country == "CN" ? "CN" : "EU") : "";
    input.offices = std::move(offices);
    Result<Organisation> org = identity_->CreateOrganisation(input);
    EXPECT_TRUE(org.ok()) << org.error().ToString();
    return org.ok() ? *org : Organisation{};
  }

  // An application for `mark`, filed with `filed_with` (country) and granted
  // until `valid_until` (nullopt: left submitted).
  std::string FileApplication(const std::string& mark, const std::string& filed_with,
                              std::optional<Date> valid_until) {
    json body = test_support::IssueExampleApplication();
    body["rights"][0]["marks"] = json::array({mark});
    body["filed_with"] = filed_with;
    Result<Application> app = applications_->Create(rep_, body);
    EXPECT_TRUE(app.ok()) << app.error().ToString();
    if (!app.ok()) return {};
    EXPECT_TRUE(applications_->Submit(rep_, app->id).ok());
    if (valid_until) {
      Caller decider = filed_with == "CN" ? cn_officer_ : officer_;
      Result<Application> granted = applications_->Decide(
          decider, app->id, {{"decision", "grant"}, {"valid_until", FormatDate(*valid_until)}});
      EXPECT_TRUE(granted.ok()) << granted.error().ToString();
    }
    return app->id;
  }

  Date Today() const { return clock_.Today(); }

  // Screens single descriptions and returns the marks found.
  std::vector<std::string> MarksFound(const Caller& caller, const std::string& description) {
    BatchRequest request;
    request.declarations = {DeclarationJson("D1", description).dump()};
    Result<BatchOutcome> outcome = service_->ScreenBatch(caller, request);
    EXPECT_TRUE(outcome.ok()) << outcome.error().ToString();
    std::vector<std::string> marks;
    if (!outcome.ok() || outcome->results.empty()) return marks;
    for (const ScreeningHit& hit : outcome->results[0].hits) {
      if (hit.kind == "mark") marks.push_back(hit.mark);
    }
    return marks;
  }

  test_support::TempDir dir_{"cordon-screening-service"};
  FakeClock clock_{StartTime()};
  SeededRng rng_{7};
  std::unique_ptr<Store> store_;
  std::unique_ptr<IdentityService> identity_;
  std::unique_ptr<ApplicationService> applications_;
  std::unique_ptr<ScreeningService> service_;
  Organisation de_, cn_, holder_;
  Caller analyst_, frontline_, officer_, cn_analyst_, cn_officer_, rep_;
};

// --- what the Screener holds, and when it is rebuilt

// The field names of an error, sorted.
std::vector<std::string> FieldsOf(const Error& error) {
  std::vector<std::string> fields;
  for (const FieldError& field : error.fields()) fields.push_back(field.field);
  std::sort(fields.begin(), fields.end());
  return fields;
}

TEST(ParseBatchRequestJson, KeepsEachDeclarationsTextAndReadsTheOptions) {
  Result<BatchRequest> request = ParseBatchRequestJson(
      R"({"declarations": [ {"id": "D1", "items": [ {"hs": "640411"} ]}, "D-2", 7 ],
          "budget": "5%", "store": true, "unknown": {"ignored": 1}})",
      10);
  ASSERT_TRUE(request.ok()) << request.error().ToString();
  // Minified, in their own key order; an element that is no object is kept
  // for ScreenBatch to report as that declaration's error.
  EXPECT_EQ(request->declarations, (std::vector<std::string>{
                                       R"({"id":"D1","items":[{"hs":"640411"}]})", R"("D-2")",
                                       "7"}));
  EXPECT_EQ(request->budget_percent, 5.0);
  EXPECT_FALSE(request->capacity.has_value());
  EXPECT_TRUE(request->store);

  request = ParseBatchRequestJson(
      R"({"declarations": [], "budget": 12, "capacity": {"DEHAM": 3, "DEFRA": 0}, "store": null})",
      10);
  ASSERT_TRUE(request.ok()) << request.error().ToString();
  EXPECT_TRUE(request->declarations.empty());
  EXPECT_EQ(request->budget_percent, 12.0);
  EXPECT_EQ(request->capacity, (std::map<std::string, int>{{"DEFRA", 0}, {"DEHAM", 3}}));
  EXPECT_FALSE(request->store);
  request = ParseBatchRequestJson(R"({"declarations": [], "budget": 2.5})", 10);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->budget_percent, 2.5);
}

TEST(ParseBatchRequestJson, NamesEveryBadFieldOrSaysTheBodyIsNotAnObject) {
  Result<BatchRequest> bad = ParseBatchRequestJson(
      R"({"budget": "lots", "capacity": {"DEHAM": -1, "DEFRA": 1.5, "DEBER": "2", "DEMUC": 1},
          "store": "yes"})",
      10);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(bad.error().message(), "invalid screening request");
  EXPECT_EQ(FieldsOf(bad.error()),
            (std::vector<std::string>{"budget", "capacity.DEBER", "capacity.DEFRA",
                                      "capacity.DEHAM", "declarations", "store"}));
  for (const char* budget : {"101", "-1", "true", "[5]"}) {
    bad = ParseBatchRequestJson(std::string(R"({"declarations": [], "budget": )") + budget + "}", 10);
    ASSERT_FALSE(bad.ok()) << budget;
    EXPECT_EQ(FieldsOf(bad.error()), (std::vector<std::string>{"budget"})) << budget;
  }
  bad = ParseBatchRequestJson(R"({"declarations": "D-1", "capacity": [1]})", 10);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(FieldsOf(bad.error()), (std::vector<std::string>{"capacity", "declarations"}));
  bad = ParseBatchRequestJson(R"({"declarations": [{}, {}, {}]})", 2);
  ASSERT_FALSE(bad.ok());
  ASSERT_EQ(bad.error().fields().size(), 1u);
  EXPECT_EQ(bad.error().fields()[0].message,
            "must hold at most 2 declarations; send several batches, or use cordon screen for "
            "files");
  // Not JSON, or not an object: no field to name.
  for (const char* body : {"{\"declarations\": [", "[]", "\"text\"", "{\"a\": \"\xFF\"}"}) {
    bad = ParseBatchRequestJson(body, 10);
    ASSERT_FALSE(bad.ok()) << body;
    EXPECT_TRUE(bad.error().fields().empty()) << body;
  }
  EXPECT_EQ(ParseBatchRequestJson("[]", 10).error().message(), "the body must be a JSON object");
  EXPECT_EQ(ParseBatchRequestJson("{", 10).error().message(), "the body is not valid JSON");
}

TEST_F(ScreeningServiceTest, IndexHoldsGrantedApplicationsInForceOfTheAdministrationOnly) {
  FileApplication("ZENTRA", "DE", AddDays(Today(), 10));
  FileApplication("LUMIO", "CN", AddDays(Today(), 300));  // another administration's
  FileApplication("AURELLE", "DE", std::nullopt);         // submitted, not granted
  EXPECT_EQ(MarksFound(analyst_, "sport shoes ZENTRA air runner"),
            (std::vector<std::string>{"ZENTRA"}));
  EXPECT_TRUE(MarksFound(analyst_, "LUMIO headphones").empty());
  EXPECT_TRUE(MarksFound(analyst_, "AURELLE perfume").empty());
  EXPECT_EQ(MarksFound(cn_analyst_, "LUMIO headphones"), (std::vector<std::string>{"LUMIO"}));
  EXPECT_TRUE(MarksFound(cn_analyst_, "sport shoes ZENTRA").empty());

  // valid_until is the last day in force; the day after, the grant has expired.
  clock_.Advance(days(10));
  EXPECT_EQ(MarksFound(analyst_, "sport shoes ZENTRA"), (std::vector<std::string>{"ZENTRA"}));
  clock_.Advance(days(1));
  EXPECT_TRUE(MarksFound(analyst_, "sport shoes ZENTRA").empty());
}

TEST_F(ScreeningServiceTest, ScreenerIsCachedUntilItsInputsOrTheDayChange) {
  FileApplication("ZENTRA", "DE", AddDays(Today(), 100));
  ASSERT_TRUE(service_->ScreenerFor(de_.id).ok());
  auto first = service_->ScreenerFor(de_.id);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(service_->index_builds(), 1u);
  auto again = service_->ScreenerFor(de_.id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->get(), first->get()) << "unchanged inputs: the same Screener";
  EXPECT_EQ(service_->index_builds(), 1u);

  // Another administration's changes do not touch DE's cache.
  FileApplication("LUMIO", "CN", AddDays(Today(), 100));
  ASSERT_TRUE(service_->ScreenerFor(de_.id).ok());
  EXPECT_EQ(service_->index_builds(), 1u);

  // A grant, a profile, a watchlist entry, a new day: each is seen.
  FileApplication("AURELLE", "DE", AddDays(Today(), 100));
  ASSERT_TRUE(service_->ScreenerFor(de_.id).ok());
  EXPECT_EQ(service_->index_builds(), 2u);
  auto profile = service_->CreateProfile(analyst_, ProfileBody("Origin CN", OriginIs("CN")));
  ASSERT_TRUE(profile.ok()) << profile.error().ToString();
  ASSERT_TRUE(service_->ScreenerFor(de_.id).ok());
  EXPECT_EQ(service_->index_builds(), 3u);
  auto entry = service_->CreateWatchlistEntry(analyst_, {{"name", "Bright Trading Co"}});
  ASSERT_TRUE(entry.ok()) << entry.error().ToString();
  ASSERT_TRUE(service_->ScreenerFor(de_.id).ok());
  EXPECT_EQ(service_->index_builds(), 4u);
  clock_.Advance(hours(24));
  ASSERT_TRUE(service_->ScreenerFor(de_.id).ok());
  EXPECT_EQ(service_->index_builds(), 5u);
  ASSERT_TRUE(service_->ScreenerFor(de_.id).ok());
  EXPECT_EQ(service_->index_builds(), 5u);

  // Not a customs administration: no Screener.
  auto holder = service_->ScreenerFor(holder_.id);
  ASSERT_FALSE(holder.ok());
  EXPECT_EQ(holder.error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(service_->ScreenerFor("org_nobody").error().code(), ErrorCode::kNotFound);
}

// --- batches

TEST_F(ScreeningServiceTest, BatchReportsBadDeclarationsAndScreensTheRest) {
  FileApplication("ZENTRA", "DE", AddDays(Today(), 100));
  json bad_hs = DeclarationJson("D2", "shoes");
  bad_hs["items"][0]["hs"] = "64x";
  BatchRequest request;
  request.declarations = {DeclarationJson("D1", "sport shoes ZENTRA").dump(), bad_hs.dump(),
                          "{not json", DeclarationJson("D3", "plain cotton socks").dump()};
  Result<BatchOutcome> outcome = service_->ScreenBatch(analyst_, request);
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  ASSERT_EQ(outcome->results.size(), 2u);
  EXPECT_EQ(outcome->results[0].id, "D1");
  EXPECT_EQ(outcome->results[0].channel, "red");
  EXPECT_TRUE(outcome->results[0].selected);
  EXPECT_EQ(outcome->results[1].id, "D3");
  EXPECT_EQ(outcome->results[1].channel, "green");
  ASSERT_EQ(outcome->errors.size(), 2u);
  EXPECT_EQ(outcome->errors[0].index, 1u);
  EXPECT_EQ(outcome->errors[0].id, "D2");
  EXPECT_NE(outcome->errors[0].error.find("items[0].hs"), std::string::npos)
      << outcome->errors[0].error;
  EXPECT_EQ(outcome->errors[1].index, 2u);
  EXPECT_EQ(outcome->errors[1].id, "");
  EXPECT_EQ(outcome->summary.declarations, 4);
  EXPECT_EQ(outcome->summary.screened, 2);
  EXPECT_EQ(outcome->summary.errors, 2);
  EXPECT_EQ(outcome->summary.selected, 1);
  EXPECT_EQ(outcome->summary.by_channel.at("red"), 1);
  EXPECT_EQ(outcome->summary.by_channel.at("green"), 1);
  EXPECT_EQ(outcome->summary.by_channel.at("yellow"), 0);
  EXPECT_TRUE(outcome->run_id.empty());
}

TEST_F(ScreeningServiceTest, BatchOnlyForAnalystsAndAdminsOfCustoms) {
  BatchRequest request;
  request.declarations = {DeclarationJson("D1", "shoes").dump()};
  for (const Caller& caller : {frontline_, officer_, rep_}) {
    Result<BatchOutcome> outcome = service_->ScreenBatch(caller, request);
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().code(), ErrorCode::kForbidden);
  }
  Caller admin = MakeCaller(de_, Role::kAdmin, "usr_admin");
  EXPECT_TRUE(service_->ScreenBatch(admin, request).ok());
  Caller holder_admin = MakeCaller(holder_, Role::kAdmin, "usr_holder_admin");
  EXPECT_EQ(service_->ScreenBatch(holder_admin, request).error().code(), ErrorCode::kForbidden);
}

TEST_F(ScreeningServiceTest, BatchRefusesTooManyDeclarationsAndBadSelectionOptions) {
  ScreeningServiceOptions options;
  options.max_batch = 2;
  ScreeningService small(*store_, clock_, rng_, options);
  BatchRequest request;
  request.declarations.assign(3, DeclarationJson("D1", "shoes").dump());
  Result<BatchOutcome> outcome = small.ScreenBatch(analyst_, request);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code(), ErrorCode::kInvalidInput);
  ASSERT_EQ(outcome.error().fields().size(), 1u);
  EXPECT_EQ(outcome.error().fields()[0].field, "declarations");

  request.declarations.resize(1);
  request.budget_percent = 5;
  request.capacity = std::map<std::string, int>{{"DEHAM", 1}};
  outcome = service_->ScreenBatch(analyst_, request);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().fields()[0].field, "capacity");
  request.capacity.reset();
  request.budget_percent = 101;
  outcome = service_->ScreenBatch(analyst_, request);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().fields()[0].field, "budget");
  request.budget_percent.reset();
  request.capacity = std::map<std::string, int>{{"hamburg", 1}, {"DEFRA", -1}};
  outcome = service_->ScreenBatch(analyst_, request);
  ASSERT_FALSE(outcome.ok());
  ASSERT_EQ(outcome.error().fields().size(), 2u);
  EXPECT_EQ(outcome.error().fields()[0].field, "capacity.DEFRA");
  EXPECT_EQ(outcome.error().fields()[1].field, "capacity.hamburg");
}

TEST_F(ScreeningServiceTest, BatchSelectsByBudgetOrCapacity) {
  FileApplication("ZENTRA", "DE", AddDays(Today(), 100));
  BatchRequest request;
  // Scores: exact mark (0.9) at DEHAM, one-edit variant at DEFRA, nothing.
  request.declarations = {DeclarationJson("D1", "shoes ZENTRA", "DEHAM").dump(),
                          DeclarationJson("D2", "shoes ZENTRAA", "DEFRA").dump(),
                          DeclarationJson("D3", "plain socks", "DEHAM").dump(),
                          DeclarationJson("D4", "shoes ZENTRA", "DEFRA").dump()};
  request.budget_percent = 50;
  Result<BatchOutcome> outcome = service_->ScreenBatch(analyst_, request);
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  std::vector<bool> selected;
  for (const ScreeningResult& result : outcome->results) selected.push_back(result.selected);
  EXPECT_EQ(selected, (std::vector<bool>{true, false, false, true}));
  EXPECT_EQ(outcome->summary.selected, 2);

  request.budget_percent.reset();
  request.capacity = std::map<std::string, int>{{"DEFRA", 1}};
  outcome = service_->ScreenBatch(analyst_, request);
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  selected.clear();
  for (const ScreeningResult& result : outcome->results) selected.push_back(result.selected);
  EXPECT_EQ(selected, (std::vector<bool>{false, false, false, true}));
}

TEST_F(ScreeningServiceTest, StoredBatchFeedsTheQueueAndRecordsProfileHits) {
  FileApplication("ZENTRA", "DE", AddDays(Today(), 100));
  auto profile = service_->CreateProfile(analyst_, ProfileBody("Origin CN", OriginIs("CN")));
  ASSERT_TRUE(profile.ok()) << profile.error().ToString();
  BatchRequest request;
  request.store = true;
  request.declarations = {DeclarationJson("D1", "shoes ZENTRA", "DEHAM").dump(),
                          DeclarationJson("D2", "shoes ZENTRA", "DEFRA").dump(),
                          DeclarationJson("D1", "plain socks", "DEHAM").dump(),
                          DeclarationJson("D3", "plain socks", "DEHAM").dump()};
  Result<BatchOutcome> outcome = service_->ScreenBatch(analyst_, request);
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  EXPECT_FALSE(outcome->run_id.empty());
  ASSERT_EQ(outcome->errors.size(), 1u);
  EXPECT_EQ(outcome->errors[0].index, 2u);
  EXPECT_NE(outcome->errors[0].error.find("already in this batch at index 0"), std::string::npos);
  EXPECT_EQ(outcome->summary.selected, 2);

  Result<Page<Selection>> queue = service_->ListSelections(frontline_, {});
  ASSERT_TRUE(queue.ok()) << queue.error().ToString();
  ASSERT_EQ(queue->items.size(), 2u);
  for (const Selection& selection : queue->items) {
    EXPECT_EQ(selection.result.run_id, outcome->run_id);
    EXPECT_EQ(selection.result.status, "open");
    EXPECT_EQ(selection.result.channel, "red");
    EXPECT_EQ(selection.result.profile_ids, (std::vector<std::string>{profile->profile.id}));
    json hits = ToJson(selection)["hits"];
    ASSERT_TRUE(hits.is_array());
    EXPECT_EQ(hits[0]["kind"], "mark");
    EXPECT_EQ(hits[0]["mark"], "ZENTRA");
  }
  SelectionQuery hamburg;
  hamburg.office = "DEHAM";
  queue = service_->ListSelections(frontline_, hamburg);
  ASSERT_TRUE(queue.ok());
  ASSERT_EQ(queue->items.size(), 1u);
  EXPECT_EQ(queue->items[0].result.declaration_id, "D1");

  ScreeningRunRecord run;
  ProfileHitCount hits;
  ASSERT_TRUE(store_
                  ->Read([&](ReadTx& tx) -> Status {
                    CORDON_ASSIGN_OR_RETURN(run, tx.GetScreeningRun({de_.id}, outcome->run_id));
                    CORDON_ASSIGN_OR_RETURN(hits,
                                            tx.CountProfileHits({de_.id}, profile->profile.id));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(run.source, "api");
  EXPECT_EQ(run.user_id, "usr_analyst");
  EXPECT_EQ(run.declarations, 4);
  EXPECT_EQ(run.screened, 3);
  EXPECT_EQ(run.errors, 1);
  EXPECT_EQ(run.selected, 2);
  EXPECT_TRUE(run.finished_at.has_value());
  EXPECT_EQ(hits.hits, 3);  // every stored declaration has origin CN
  EXPECT_EQ(hits.selected, 2);

  // Customs CN sees none of it.
  Result<Page<Selection>> cn = service_->ListSelections(cn_officer_, {});
  ASSERT_TRUE(cn.ok());
  EXPECT_TRUE(cn->items.empty());
}

// --- profiles and watchlist

TEST_F(ScreeningServiceTest, DraftProfilesAreTestedAgainstRecentStoredDeclarations) {
  FileApplication("ZENTRA", "DE", AddDays(Today(), 100));
  auto screen = [&](const Caller& caller, std::vector<json> declarations, bool store) {
    BatchRequest request;
    request.store = store;
    for (const json& declaration : declarations) request.declarations.push_back(declaration.dump());
    Result<BatchOutcome> outcome = service_->ScreenBatch(caller, request);
    EXPECT_TRUE(outcome.ok()) << outcome.error().ToString();
  };
  json from_vietnam = DeclarationJson("D2", "plain socks");
  from_vietnam["origin"] = "VN";
  screen(analyst_, {DeclarationJson("D1", "shoes ZENTRA"), from_vietnam}, true);
  clock_.Advance(hours(1));
  screen(analyst_, {DeclarationJson("D3", "plain socks"), DeclarationJson("D4", "cotton socks")},
         true);
  // Not stored, or another administration's: not tested.
  screen(analyst_, {DeclarationJson("D9", "plain socks")}, false);
  screen(cn_analyst_, {DeclarationJson("C1", "plain socks", "CNSHA")}, true);

  // Validity dates do not keep a draft from being tested.
  json draft = ProfileBody("Origin CN", OriginIs("CN"));
  draft["valid_to"] = "2020-01-01";
  Result<ProfileTestOutcome> all = service_->TestProfile(analyst_, draft, {});
  ASSERT_TRUE(all.ok()) << all.error().ToString();
  EXPECT_EQ(all->declarations, 4);
  EXPECT_EQ(all->hits, 3);
  EXPECT_EQ(all->selected_hits, 1);  // D1, the ZENTRA mark
  EXPECT_EQ(all->unreadable, 0);
  ASSERT_EQ(all->samples.size(), 3u);
  EXPECT_EQ(all->samples[0].result.declaration_id, "D4");  // newest first
  EXPECT_EQ(all->samples[1].result.declaration_id, "D3");
  EXPECT_EQ(all->samples[2].result.declaration_id, "D1");
  EXPECT_TRUE(all->samples[2].result.selected);
  EXPECT_EQ(all->samples[0].declaration.consignor.name, "Shenzhen Bright Trading Co., Ltd.");
  EXPECT_EQ(FormatTimestamp(*all->to), FormatTimestamp(StartTime() + hours(1)));
  EXPECT_EQ(FormatTimestamp(*all->from), FormatTimestamp(StartTime()));
  json answer = ToJson(*all);
  EXPECT_EQ(answer["hit_rate"], 0.75);
  EXPECT_EQ(answer["profile"]["valid_to"], "2020-01-01");
  EXPECT_EQ(answer["samples"][0]["goods"]["description"], "cotton socks");

  // The most recent two only, one sample; an item condition names its item.
  json socks = ProfileBody("Socks", {{"field", "item.description"}, {"op", "contains"}, {"value", "socks"}});
  Result<ProfileTestOutcome> recent = service_->TestProfile(analyst_, socks, {2, 1});
  ASSERT_TRUE(recent.ok()) << recent.error().ToString();
  EXPECT_EQ(recent->declarations, 2);
  EXPECT_EQ(recent->hits, 2);
  ASSERT_EQ(recent->samples.size(), 1u);
  EXPECT_EQ(recent->samples[0].item, 0);

  // Nothing was stored.
  Result<std::vector<StoredProfile>> profiles = service_->ListProfiles(analyst_);
  ASSERT_TRUE(profiles.ok());
  EXPECT_TRUE(profiles->empty());

  // Errors name the field; analysts only.
  Result<ProfileTestOutcome> bad = service_->TestProfile(
      analyst_, ProfileBody("x", {{"field", "orign"}, {"op", "eq"}, {"value", "CN"}}), {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidInput);
  ASSERT_FALSE(bad.error().fields().empty());
  EXPECT_EQ(bad.error().fields()[0].field, "rule.field");
  Result<ProfileTestOutcome> options = service_->TestProfile(analyst_, draft, {0, 101});
  ASSERT_FALSE(options.ok());
  EXPECT_EQ(options.error().fields().size(), 2u);
  EXPECT_EQ(service_->TestProfile(frontline_, draft, {}).error().code(), ErrorCode::kForbidden);
}

TEST_F(ScreeningServiceTest, ProfilesCrudWithRolesVersionsAndIsolation) {
  Result<StoredProfile> created =
      service_->CreateProfile(analyst_, ProfileBody("Origin CN", OriginIs("CN")));
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  const std::string id = created->profile.id;
  EXPECT_EQ(id.rfind("prf_", 0), 0u);
  EXPECT_EQ(created->profile.owner_org_id, de_.id);
  EXPECT_EQ(created->profile.owner_user_id, "usr_analyst");
  EXPECT_EQ(created->version, 1);
  json as_json = ToJson(*created);
  EXPECT_EQ(as_json["version"], 1);
  EXPECT_EQ(as_json["name"], "Origin CN");

  // Roles: frontline officers and right holders may not; other administrations do not see it.
  EXPECT_EQ(service_->CreateProfile(frontline_, ProfileBody("x", OriginIs("CN"))).error().code(),
            ErrorCode::kForbidden);
  EXPECT_EQ(service_->ListProfiles(rep_).error().code(), ErrorCode::kForbidden);
  EXPECT_EQ(service_->GetProfile(cn_analyst_, id).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->DeleteProfile(cn_analyst_, id).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(
      service_->UpdateProfile(cn_analyst_, id, ProfileBody("x", OriginIs("CN"))).error().code(),
      ErrorCode::kNotFound);
  auto cn_list = service_->ListProfiles(cn_analyst_);
  ASSERT_TRUE(cn_list.ok());
  EXPECT_TRUE(cn_list->empty());

  // Bad bodies name their fields.
  Result<StoredProfile> bad =
      service_->CreateProfile(analyst_, {{"name", ""}, {"weight", 2}, {"rule", OriginIs("CN")}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidInput);
  std::vector<std::string> fields = FieldsOf(bad.error());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "weight"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "name"), fields.end());

  // Update with the current version, then with a stale one.
  json body = ProfileBody("Origin HK", OriginIs("HK"), 0.3);
  body["version"] = 1;
  Result<StoredProfile> updated = service_->UpdateProfile(analyst_, id, body);
  ASSERT_TRUE(updated.ok()) << updated.error().ToString();
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->profile.name, "Origin HK");
  EXPECT_EQ(updated->profile.id, id);
  EXPECT_EQ(service_->UpdateProfile(analyst_, id, body).error().code(), ErrorCode::kConflict);
  body["version"] = "2";
  EXPECT_EQ(service_->UpdateProfile(analyst_, id, body).error().fields()[0].field, "version");
  Result<StoredProfile> got = service_->GetProfile(analyst_, id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->version, 2);
  EXPECT_DOUBLE_EQ(got->profile.weight, 0.3);

  ASSERT_TRUE(service_->DeleteProfile(analyst_, id).ok());
  EXPECT_EQ(service_->GetProfile(analyst_, id).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->DeleteProfile(analyst_, id).error().code(), ErrorCode::kNotFound);
}

TEST_F(ScreeningServiceTest, ProfilesAndWatchlistRaiseTheScore) {
  BatchRequest request;
  request.declarations = {DeclarationJson("D1", "plain socks").dump()};
  auto score = [&]() {
    Result<BatchOutcome> outcome = service_->ScreenBatch(analyst_, request);
    EXPECT_TRUE(outcome.ok()) << outcome.error().ToString();
    return outcome.ok() ? outcome->results[0] : ScreeningResult{};
  };
  EXPECT_EQ(score().score, 0);
  auto profile = service_->CreateProfile(analyst_, ProfileBody("Origin CN", OriginIs("CN"), 0.4));
  ASSERT_TRUE(profile.ok());
  ScreeningResult with_profile = score();
  EXPECT_DOUBLE_EQ(with_profile.score, 0.4);
  ASSERT_EQ(with_profile.hits.size(), 1u);
  EXPECT_EQ(with_profile.hits[0].kind, "profile");
  EXPECT_EQ(with_profile.hits[0].profile, profile->profile.id);

  auto entry = service_->CreateWatchlistEntry(
      analyst_,
      {{"name", "Shenzhen Bright Trading Co., Ltd."}, {"country", "CN"}, {"weight", 0.5}});
  ASSERT_TRUE(entry.ok()) << entry.error().ToString();
  ScreeningResult with_entry = score();
  EXPECT_GT(with_entry.score, with_profile.score);
  EXPECT_TRUE(
      std::any_of(with_entry.hits.begin(), with_entry.hits.end(), [&](const ScreeningHit& hit) {
        return hit.kind == "watchlist" && hit.entry == entry->entry.id && hit.party == "consignor";
      }));

  // An inactive profile no longer hits.
  json inactive = ProfileBody("Origin CN", OriginIs("CN"), 0.4);
  inactive["active"] = false;
  ASSERT_TRUE(service_->UpdateProfile(analyst_, profile->profile.id, inactive).ok());
  ASSERT_TRUE(service_->DeleteWatchlistEntry(analyst_, entry->entry.id).ok());
  EXPECT_EQ(score().score, 0);
}

// The example declaration declares 1,200 pairs at 4,800 USD: 4 per pair.
TEST_F(ScreeningServiceTest, ReferencePricesFeedPriceRatioConditionsFromTheNextBatchOn) {
  BatchRequest request;
  request.declarations = {DeclarationJson("D1", "plain socks").dump()};
  auto hits = [&]() {
    Result<BatchOutcome> outcome = service_->ScreenBatch(analyst_, request);
    EXPECT_TRUE(outcome.ok()) << outcome.error().ToString();
    return outcome.ok() ? outcome->results[0].hits.size() : size_t{99};
  };
  auto cheap = service_->CreateProfile(
      analyst_,
      ProfileBody("Under a fifth of the usual price",
                  {{"field", "item.price_ratio"}, {"op", "lt"}, {"value", 0.2}}, 0.5));
  ASSERT_TRUE(cheap.ok()) << cheap.error().ToString();

  // No list yet: version 0, and the ratio is undefined, so nothing hits.
  Result<StoredReferencePrices> none = service_->GetReferencePrices(analyst_);
  ASSERT_TRUE(none.ok()) << none.error().ToString();
  EXPECT_EQ(none->version, 0);
  EXPECT_TRUE(none->prices.empty());
  EXPECT_EQ(hits(), 0u);

  // 4 / 50 = 0.08 < 0.2: the profile hits.
  Result<StoredReferencePrices> first = service_->PutReferencePrices(
      analyst_, {{"version", 0},
                 {"reference_prices",
                  {{{"hs_prefix", "6404"}, {"eur_per_unit", 50.0}, {"note", "sports shoes"}}}}});
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_EQ(first->version, 1);
  EXPECT_EQ(hits(), 1u);

  // The longest prefix wins: 4 / 10 = 0.4, no hit.
  Result<StoredReferencePrices> second = service_->PutReferencePrices(
      analyst_, {{"version", 1},
                 {"reference_prices",
                  {{{"hs_prefix", "6404"}, {"eur_per_unit", 50.0}},
                   {{"hs_prefix", "640411"}, {"eur_per_unit", 10.0}}}}});
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  EXPECT_EQ(second->version, 2);
  EXPECT_EQ(hits(), 0u);

  // A stale version, a bad entry and a duplicate prefix change nothing.
  Result<StoredReferencePrices> stale =
      service_->PutReferencePrices(analyst_, {{"version", 1}, {"reference_prices", json::array()}});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code(), ErrorCode::kConflict);
  Result<StoredReferencePrices> bad = service_->PutReferencePrices(
      analyst_, {{"reference_prices",
                  {{{"hs_prefix", "64a4"}, {"eur_per_unit", 5.0}},
                   {{"hs_prefix", "6404"}, {"eur_per_unit", -1}},
                   {{"hs_prefix", "6404"}, {"eur_per_unit", 3}}}}});
  ASSERT_FALSE(bad.ok());
  std::set<std::string> fields;
  for (const FieldError& field : bad.error().fields()) fields.insert(field.field);
  EXPECT_EQ(fields, (std::set<std::string>{"reference_prices[0].hs_prefix",
                                           "reference_prices[1].eur_per_unit",
                                           "reference_prices[2].hs_prefix"}));
  Result<StoredReferencePrices> kept = service_->GetReferencePrices(analyst_);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->version, 2);
  ASSERT_EQ(kept->prices.size(), 2u);
  EXPECT_EQ(kept->prices[1].hs_prefix, "640411");
  EXPECT_EQ(kept->prices[1].eur_per_unit, 10.0);

  // Analysts only; each administration has its own list; changes audited.
  EXPECT_EQ(service_->GetReferencePrices(frontline_).error().code(), ErrorCode::kForbidden);
  EXPECT_EQ(service_->PutReferencePrices(rep_, {{"reference_prices", json::array()}})
                .error()
                .code(),
            ErrorCode::kForbidden);
  Result<StoredReferencePrices> other = service_->GetReferencePrices(cn_analyst_);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->version, 0);
  std::vector<AuditEvent> events;
  ASSERT_TRUE(store_
                  ->Read([&](ReadTx& tx) -> Status {
                    CORDON_ASSIGN_OR_RETURN(events, tx.ListAuditEvents({de_.id}, de_.id));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(std::count_if(events.begin(), events.end(),
                          [](const AuditEvent& event) {
                            return event.action == "reference_prices.replaced";
                          }),
            2);
}

TEST_F(ScreeningServiceTest, WatchlistCrudWithRolesVersionsAndIsolation) {
  auto created = service_->CreateWatchlistEntry(
      analyst_, {{"name", "Shenzhen Bright Trading Co., Ltd."}, {"country", "CN"}});
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  const std::string id = created->entry.id;
  EXPECT_EQ(id.rfind("wle_", 0), 0u);
  EXPECT_EQ(created->entry.owner_org_id, de_.id);
  EXPECT_EQ(created->entry.source, "analyst");

  EXPECT_EQ(service_->CreateWatchlistEntry(frontline_, {{"name", "X"}}).error().code(),
            ErrorCode::kForbidden);
  EXPECT_EQ(service_->GetWatchlistEntry(cn_analyst_, id).error().code(), ErrorCode::kNotFound);
  auto cn_list = service_->ListWatchlist(cn_analyst_);
  ASSERT_TRUE(cn_list.ok());
  EXPECT_TRUE(cn_list->empty());
  auto bad = service_->CreateWatchlistEntry(analyst_, {{"country", "China"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidInput);

  json body = {{"name", "Bright Trading Ltd"}, {"version", 1}};
  auto updated = service_->UpdateWatchlistEntry(analyst_, id, body);
  ASSERT_TRUE(updated.ok()) << updated.error().ToString();
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->entry.name, "Bright Trading Ltd");
  EXPECT_EQ(service_->UpdateWatchlistEntry(analyst_, id, body).error().code(),
            ErrorCode::kConflict);
  auto listed = service_->ListWatchlist(analyst_);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].entry.name, "Bright Trading Ltd");
  ASSERT_TRUE(service_->DeleteWatchlistEntry(analyst_, id).ok());
  EXPECT_EQ(service_->GetWatchlistEntry(analyst_, id).error().code(), ErrorCode::kNotFound);
}

// --- the queue and findings

TEST_F(ScreeningServiceTest, FindingsOncePerSelectionByInspectingOfficers) {
  FileApplication("ZENTRA", "DE", AddDays(Today(), 100));
  BatchRequest request;
  request.store = true;
  request.declarations = {DeclarationJson("D1", "shoes ZENTRA").dump(),
                          DeclarationJson("D2", "plain socks").dump()};
  Result<BatchOutcome> outcome = service_->ScreenBatch(analyst_, request);
  ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
  Result<Page<Selection>> queue = service_->ListSelections(frontline_, {});
  ASSERT_TRUE(queue.ok());
  ASSERT_EQ(queue->items.size(), 1u);
  const std::string id = queue->items[0].result.id;

  // Who may record: not analysts, not other administrations.
  json body = {{"outcome", "suspected_ipr_infringement"}, {"notes", "no hologram on the box"}};
  EXPECT_EQ(service_->RecordFinding(analyst_, id, body).error().code(), ErrorCode::kForbidden);
  EXPECT_EQ(service_->RecordFinding(rep_, id, body).error().code(), ErrorCode::kForbidden);
  Caller cn_frontline = MakeCaller(cn_, Role::kFrontlineOfficer, "usr_cn_frontline");
  EXPECT_EQ(service_->RecordFinding(cn_frontline, id, body).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->GetSelection(cn_frontline, id).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service_->RecordFinding(frontline_, "res_nothing", body).error().code(),
            ErrorCode::kNotFound);

  // Bad bodies.
  Result<FindingRecord> bad = service_->RecordFinding(frontline_, id, {{"outcome", "seized"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().fields()[0].field, "outcome");
  bad = service_->RecordFinding(frontline_, id, {{"notes", 5}});
  ASSERT_FALSE(bad.ok());
  ASSERT_EQ(bad.error().fields().size(), 2u);
  EXPECT_EQ(bad.error().fields()[0].field, "outcome");
  EXPECT_EQ(bad.error().fields()[1].field, "notes");

  clock_.Advance(hours(2));
  Result<FindingRecord> finding = service_->RecordFinding(frontline_, id, body);
  ASSERT_TRUE(finding.ok()) << finding.error().ToString();
  EXPECT_EQ(finding->outcome, "suspected_ipr_infringement");
  EXPECT_EQ(finding->user_id, "usr_frontline");
  EXPECT_EQ(finding->at, clock_.Now());
  Result<FindingRecord> second =
      service_->RecordFinding(officer_, id, {{"outcome", "no_irregularity"}});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), ErrorCode::kConflict);

  Result<Selection> selection = service_->GetSelection(officer_, id);
  ASSERT_TRUE(selection.ok());
  EXPECT_EQ(selection->result.status, "done");
  ASSERT_TRUE(selection->finding.has_value());
  EXPECT_EQ(selection->finding->id, finding->id);
  json as_json = ToJson(*selection);
  EXPECT_EQ(as_json["finding"]["outcome"], "suspected_ipr_infringement");
  EXPECT_EQ(as_json["finding"]["selection_id"], id);

  SelectionQuery open;
  open.status = "open";
  queue = service_->ListSelections(frontline_, open);
  ASSERT_TRUE(queue.ok());
  EXPECT_TRUE(queue->items.empty());
  SelectionQuery done;
  done.status = "done";
  queue = service_->ListSelections(frontline_, done);
  ASSERT_TRUE(queue.ok());
  ASSERT_EQ(queue->items.size(), 1u);
  ASSERT_TRUE(queue->items[0].finding.has_value());

  std::vector<AuditEvent> events;
  ASSERT_TRUE(store_
                  ->Read([&](ReadTx& tx) -> Status {
                    CORDON_ASSIGN_OR_RETURN(events, tx.ListAuditEvents({de_.id}, id));
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, "finding.recorded");
  EXPECT_EQ(events[0].user_id, "usr_frontline");
  EXPECT_NE(events[0].detail.find("suspected_ipr_infringement"), std::string::npos);
}

TEST_F(ScreeningServiceTest, QueueValidatesItsQueryAndPaginates) {
  FileApplication("ZENTRA", "DE", AddDays(Today(), 100));
  BatchRequest request;
  request.store = true;
  for (int index = 0; index < 5; ++index) {
    request.declarations.push_back(
        DeclarationJson("D" + std::to_string(index), "shoes ZENTRA").dump());
  }
  ASSERT_TRUE(service_->ScreenBatch(analyst_, request).ok());
  SelectionQuery query;
  query.limit = 2;
  std::vector<std::string> seen;
  while (true) {
    Result<Page<Selection>> page = service_->ListSelections(officer_, query);
    ASSERT_TRUE(page.ok()) << page.error().ToString();
    for (const Selection& selection : page->items) seen.push_back(selection.result.id);
    if (page->next_cursor.empty()) break;
    query.cursor = page->next_cursor;
  }
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 5u);

  SelectionQuery bad;
  bad.office = "Hamburg";
  bad.status = "closed";
  bad.limit = 0;
  Result<Page<Selection>> refused = service_->ListSelections(officer_, bad);
  ASSERT_FALSE(refused.ok());
  ASSERT_EQ(refused.error().fields().size(), 3u);
  EXPECT_EQ(refused.error().fields()[0].field, "office");
  EXPECT_EQ(refused.error().fields()[1].field, "status");
  EXPECT_EQ(refused.error().fields()[2].field, "limit");
  EXPECT_EQ(service_->ListSelections(rep_, {}).error().code(), ErrorCode::kForbidden);
}

// --- runs for the command line

TEST_F(ScreeningServiceTest, RunsStoreResultsInChunksAndSkipDuplicates) {
  auto run = service_->StartRun(de_.id, "", "cli");
  ASSERT_TRUE(run.ok()) << run.error().ToString();
  ScreeningResult first;
  first.id = "D1";
  first.office = "DEHAM";
  first.score = 0.9;
  first.channel = "red";
  ScreeningResult second = first;
  second.id = "D2";
  second.score = 0.5;
  second.channel = "yellow";
  auto stored = service_->StoreResults(*run, {{0, &first}, {1, &second}});
  ASSERT_TRUE(stored.ok()) << stored.error().ToString();
  EXPECT_FALSE((*stored)[0].empty());
  // D1 again in a later chunk: not stored, reported.
  stored = service_->StoreResults(*run, {{2, &first}});
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE((*stored)[0].empty());

  ASSERT_TRUE(service_->SetRunSelection(*run, {1}).ok());
  ScreeningSummary summary;
  summary.Count(first);
  summary.Count(second);
  summary.errors = 1;
  summary.declarations = 3;
  summary.selected = 1;
  ASSERT_TRUE(service_->FinishRun(*run, summary).ok());
  Result<Page<Selection>> queue = service_->ListSelections(frontline_, {});
  ASSERT_TRUE(queue.ok());
  ASSERT_EQ(queue->items.size(), 1u);
  EXPECT_EQ(queue->items[0].result.declaration_id, "D2");
  EXPECT_EQ(service_->StartRun(holder_.id, "", "cli").error().code(), ErrorCode::kInvalidInput);
}

// Result ids lead with their creation time, so that each stored batch goes
// to the end of the indexes keyed by result id: a later batch's ids sort
// after an earlier one's, whatever their random part.
TEST_F(ScreeningServiceTest, StoredResultIdsSortByCreationTime) {
  auto run = service_->StartRun(de_.id, "", "cli");
  ASSERT_TRUE(run.ok()) << run.error().ToString();
  std::vector<ScreeningResult> results(20);
  for (size_t index = 0; index < results.size(); ++index) {
    results[index].id = "D" + std::to_string(index);
    results[index].office = "DEHAM";
    results[index].channel = "green";
  }
  std::vector<std::string> earlier;
  std::vector<std::string> later;
  for (size_t index = 0; index < results.size(); ++index) {
    std::vector<std::string>& ids = index < 10 ? earlier : later;
    if (index == 10) clock_.Advance(std::chrono::milliseconds(1));
    auto stored = service_->StoreResults(*run, {{static_cast<long long>(index), &results[index]}});
    ASSERT_TRUE(stored.ok()) << stored.error().ToString();
    ids.push_back(stored->at(0));
  }
  const std::regex shape("res_[0-9a-hjkmnp-tv-z]{20}");
  for (const std::string& id : earlier) EXPECT_TRUE(std::regex_match(id, shape)) << id;
  std::set<std::string> distinct(earlier.begin(), earlier.end());
  EXPECT_EQ(distinct.size(), earlier.size());
  const std::string last_earlier = *std::max_element(earlier.begin(), earlier.end());
  for (const std::string& id : later) {
    EXPECT_TRUE(std::regex_match(id, shape)) << id;
    EXPECT_GT(id, last_earlier);
  }
}

// --- deferred selection

// Random results (scores on a coarse grid so that ties are common) at three
// offices; DeferredSelection must pick exactly what the in-memory selection
// picks.
TEST(DeferredSelectionTest, AgreesWithInMemorySelection) {
  std::mt19937 random(12345);
  const std::vector<std::string> offices = {"DEHAM", "DEFRA", "DEMUC"};
  for (int round = 0; round < 200; ++round) {
    const size_t count = random() % 60;
    std::vector<ScreeningResult> results(count);
    for (ScreeningResult& result : results) {
      result.score = static_cast<double>(random() % 5) / 4;  // 0, .25, .5, .75, 1
      result.office = offices[random() % offices.size()];
    }
    const double percent = static_cast<double>(random() % 101);
    std::map<std::string, int> capacity = {{"DEHAM", static_cast<int>(random() % 8)},
                                           {"DEFRA", static_cast<int>(random() % 3)}};

    auto expected_ordinals = [](const std::vector<ScreeningResult>& selected) {
      std::vector<long long> ordinals;
      for (size_t index = 0; index < selected.size(); ++index) {
        if (selected[index].selected) ordinals.push_back(static_cast<long long>(index));
      }
      return ordinals;
    };

    std::vector<ScreeningResult> by_budget = results;
    ASSERT_TRUE(SelectByBudget(by_budget, percent).ok());
    Result<DeferredSelection> budget = DeferredSelection::Budget(percent);
    ASSERT_TRUE(budget.ok());
    for (size_t index = 0; index < results.size(); ++index) {
      budget->Add(static_cast<long long>(index), results[index]);
    }
    EXPECT_EQ(budget->Decide(), expected_ordinals(by_budget)) << "round " << round;

    std::vector<ScreeningResult> by_capacity = results;
    ASSERT_TRUE(SelectByCapacity(by_capacity, capacity).ok());
    Result<DeferredSelection> deferred = DeferredSelection::Capacity(capacity);
    ASSERT_TRUE(deferred.ok());
    for (size_t index = 0; index < results.size(); ++index) {
      deferred->Add(static_cast<long long>(index), results[index]);
    }
    EXPECT_EQ(deferred->Decide(), expected_ordinals(by_capacity)) << "round " << round;
    // Only candidates are remembered: scores above 0 at offices with a capacity.
    size_t candidates = 0;
    for (const ScreeningResult& result : results) {
      if (result.score > 0 && capacity.count(result.office) > 0) ++candidates;
    }
    EXPECT_EQ(deferred->candidate_count(), candidates);
  }
  EXPECT_FALSE(DeferredSelection::Budget(-1).ok());
  EXPECT_FALSE(DeferredSelection::Capacity({{"DEHAM", -1}}).ok());
}

}  // namespace
}  // namespace cordon
