// Tests of ApplicationService against the real SQLite store in a temporary
// directory, with a fake clock: life cycle, permissions and tenant isolation,
// the legal periods of Regulation (EU) No 608/2013 Art. 11-12, import/export.
#include "rights/rights.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/random.h"
#include "store/sqlite_store.h"
#include "support/test_support.h"

namespace cordon {
namespace {

using nlohmann::json;
using std::chrono::days;

Date D(const char* text) { return ParseDate(text).value(); }

json ExampleBody() { return test_support::IssueExampleApplication(); }

json LumioBody() {
  json body = ExampleBody();
  body["holder"] = {
      {"name", "Lumio Electronics Ltd"}, {"address", "1 Dock Rd, Leeds"}, {"country", "GB"}};
  body["contact"] = {{"name", "Lee"}, {"email", "legal@lumio.demo"}};
  body["rights"][0]["marks"] = json::array({"LUMIO"});
  body["rights"][0]["nice_classes"] = json::array({9});
  body["filed_with"] = "DE";
  return body;
}

std::string FieldList(const Error& error) {
  std::string out;
  for (const FieldError& field : error.fields()) out += field.field + ";";
  return out;
}

template <typename T>
bool HasField(const Result<T>& result, const std::string& field) {
  if (result.ok()) return false;
  for (const FieldError& error : result.error().fields()) {
    if (error.field == field) return true;
  }
  return false;
}

#define EXPECT_CODE(result, expected_code)                                                         \
  do {                                                                                             \
    const auto& cordon_r_ = (result);                                                              \
    ASSERT_FALSE(cordon_r_.ok()) << "expected " << #expected_code;                                 \
    EXPECT_EQ(cordon_r_.error().code(), ErrorCode::expected_code) << cordon_r_.error().ToString(); \
  } while (false)

ApplicationQuery Query(std::optional<std::string> status, int limit) {
  ApplicationQuery query;
  query.status = std::move(status);
  query.limit = limit;
  return query;
}

#define ASSERT_OK(result) ASSERT_TRUE((result).ok()) << (result).error().ToString()

class ApplicationServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("cordon_rights_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = OpenStore("db.sqlite");
    AddOrganisations(*store_);
    service_ = std::make_unique<ApplicationService>(*store_, clock_, rng_);

    zentra_rep_ = HolderCaller("org_zentra");
    lumio_rep_ = HolderCaller("org_lumio");
    de_officer_ = CustomsCaller("org_customs_de", "DE", Role::kIprOfficer);
    nl_officer_ = CustomsCaller("org_customs_nl", "NL", Role::kIprOfficer);
    cn_officer_ = CustomsCaller("org_customs_cn", "CN", Role::kIprOfficer);
    de_analyst_ = CustomsCaller("org_customs_de", "DE", Role::kRiskAnalyst);
    police_reader_.user_id = "usr_police";
    police_reader_.org_id = "org_police_de";
    police_reader_.org_kind = OrgKind::kAgency;
    police_reader_.role = Role::kAgencyReader;
    police_reader_.country = "DE";
  }

  void TearDown() override {
    service_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<Store> OpenStore(const std::string& name) {
    auto store = OpenSqliteStore({.path = (dir_ / name).string()});
    EXPECT_TRUE(store.ok()) << store.error().ToString();
    return std::move(store).value();
  }

  static void AddOrganisations(Store& store) {
    auto customs = [](std::string id, std::string name, std::string country,
                      std::string jurisdiction) {
      Organisation org;
      org.id = std::move(id);
      org.name = std::move(name);
      org.kind = OrgKind::kCustoms;
      org.country = std::move(country);
      org.jurisdiction = std::move(jurisdiction);
      return org;
    };
    auto other = [](std::string id, std::string name, OrgKind kind, std::string country) {
      Organisation org;
      org.id = std::move(id);
      org.name = std::move(name);
      org.kind = kind;
      org.country = std::move(country);
      return org;
    };
    std::vector<Organisation> orgs = {
        customs("org_customs_de", "Customs DE", "DE", "EU"),
        customs("org_customs_nl", "Customs NL", "NL", "EU"),
        customs("org_customs_cn", "Customs CN", "CN", "CN"),
        other("org_zentra", "Zentra Sportswear GmbH", OrgKind::kRightHolder, "DE"),
        other("org_lumio", "Lumio Electronics Ltd", OrgKind::kRightHolder, "GB"),
        other("org_police_de", "Police DE", OrgKind::kAgency, "DE"),
        other("org_secretariat", "Secretariat", OrgKind::kSecretariat, ""),
    };
    Status status = store.Write([&](WriteTx& tx) -> Status {
      for (const Organisation& org : orgs) CORDON_RETURN_IF_ERROR(tx.InsertOrganisation(org));
      return Status::Ok();
    });
    ASSERT_TRUE(status.ok()) << status.error().ToString();
  }

  static Caller HolderCaller(const std::string& org_id) {
    Caller caller;
    caller.user_id = "usr_" + org_id;
    caller.org_id = org_id;
    caller.org_kind = OrgKind::kRightHolder;
    caller.role = Role::kRightHolderRep;
    return caller;
  }

  static Caller CustomsCaller(const std::string& org_id, const std::string& country, Role role) {
    Caller caller;
    caller.user_id = "usr_" + org_id + "_" + RoleName(role);
    caller.org_id = org_id;
    caller.org_kind = OrgKind::kCustoms;
    caller.role = role;
    caller.country = country;
    caller.jurisdiction = "EU";
    return caller;
  }

  Date Today() const { return clock_.Today(); }

  // A submitted application of Zentra, filed with Customs DE.
  Application SubmittedApplication(json body = ExampleBody()) {
    Result<Application> created = service_->Create(zentra_rep_, body);
    EXPECT_TRUE(created.ok()) << created.error().ToString();
    Result<Application> submitted = service_->Submit(zentra_rep_, created->id);
    EXPECT_TRUE(submitted.ok()) << submitted.error().ToString();
    return *submitted;
  }

  Application GrantedApplication(std::optional<Date> valid_until = std::nullopt) {
    Application app = SubmittedApplication();
    Date until = valid_until.value_or(AddYears(Today(), 1));
    Result<Application> granted = service_->Decide(
        de_officer_, app.id, {{"decision", "grant"}, {"valid_until", FormatDate(until)}});
    EXPECT_TRUE(granted.ok()) << granted.error().ToString();
    return *granted;
  }

  std::vector<std::string> AuditActions(Store& store, const std::string& org_id,
                                        const std::string& app_id) {
    std::vector<std::string> actions;
    Status status = store.Read([&](ReadTx& tx) -> Status {
      CORDON_ASSIGN_OR_RETURN(std::vector<AuditEvent> events,
                              tx.ListAuditEvents(Scope{org_id}, app_id));
      for (const AuditEvent& event : events) actions.push_back(event.action);
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok()) << status.error().ToString();
    return actions;
  }

  std::vector<std::string> ListIds(const Caller& caller, std::optional<std::string> status = {}) {
    std::vector<std::string> ids;
    ApplicationQuery query = Query(std::move(status), 2);
    while (true) {
      Result<Page<Application>> page = service_->List(caller, query);
      EXPECT_TRUE(page.ok()) << page.error().ToString();
      if (!page.ok()) break;
      for (const Application& app : page->items) ids.push_back(app.id);
      if (page->next_cursor.empty()) break;
      query.cursor = page->next_cursor;
    }
    return ids;
  }

  std::filesystem::path dir_;
  FakeClock clock_{*ParseTimestamp("2026-03-10T09:00:00Z")};
  SeededRng rng_{42};
  std::unique_ptr<Store> store_;
  std::unique_ptr<ApplicationService> service_;
  Caller zentra_rep_, lumio_rep_, de_officer_, nl_officer_, cn_officer_, de_analyst_,
      police_reader_;
};

TEST_F(ApplicationServiceTest, CreateFilesADraftWithTheHolderCountrysCustoms) {
  Result<Application> app = service_->Create(zentra_rep_, ExampleBody());
  ASSERT_OK(app);
  EXPECT_EQ(app->status, "draft");
  EXPECT_EQ(app->id.rfind("app_", 0), 0u);
  EXPECT_EQ(app->holder_org_id, "org_zentra");
  EXPECT_EQ(app->filed_with_org_id, "org_customs_de");
  EXPECT_EQ(app->version, 1);
  EXPECT_EQ(app->created_at, clock_.Now());

  Result<Application> read = service_->Get(zentra_rep_, app->id);
  ASSERT_OK(read);
  EXPECT_EQ(ToJson(*read), ToJson(*app));
  EXPECT_EQ(AuditActions(*store_, "org_zentra", app->id),
            std::vector<std::string>{"application.created"});
}

TEST_F(ApplicationServiceTest, CreateIgnoresServerManagedFields) {
  json body = ExampleBody();
  body["id"] = "app_chosen";
  body["status"] = "granted";
  body["holder_org_id"] = "org_lumio";
  body["valid_until"] = "2030-01-01";
  Result<Application> app = service_->Create(zentra_rep_, body);
  ASSERT_OK(app);
  EXPECT_NE(app->id, "app_chosen");
  EXPECT_EQ(app->status, "draft");
  EXPECT_EQ(app->holder_org_id, "org_zentra");
  EXPECT_FALSE(app->valid_until.has_value());
}

TEST_F(ApplicationServiceTest, OnlyRightHolderRepresentativesCreate) {
  EXPECT_CODE(service_->Create(de_officer_, ExampleBody()), kForbidden);
  EXPECT_CODE(service_->Create(police_reader_, ExampleBody()), kForbidden);
  Caller holder_admin = zentra_rep_;
  holder_admin.role = Role::kAdmin;
  EXPECT_TRUE(service_->Create(holder_admin, ExampleBody()).ok());
  Caller customs_admin = de_officer_;
  customs_admin.role = Role::kAdmin;
  EXPECT_CODE(service_->Create(customs_admin, ExampleBody()), kForbidden);
}

TEST_F(ApplicationServiceTest, FiledWithResolvesOrganisationIdsAndCountryCodes) {
  json body = ExampleBody();
  body["filed_with"] = "NL";
  Result<Application> by_country = service_->Create(zentra_rep_, body);
  ASSERT_OK(by_country);
  EXPECT_EQ(by_country->filed_with_org_id, "org_customs_nl");

  body["filed_with"] = "org_customs_cn";
  Result<Application> by_id = service_->Create(zentra_rep_, body);
  ASSERT_OK(by_id);
  EXPECT_EQ(by_id->filed_with_org_id, "org_customs_cn");

  for (const char* unresolvable : {"org_zentra", "org_nonexistent", "FR"}) {
    body["filed_with"] = unresolvable;
    Result<Application> bad = service_->Create(zentra_rep_, body);
    EXPECT_CODE(bad, kInvalidInput);
    EXPECT_TRUE(HasField(bad, "filed_with")) << unresolvable;
  }

  // Lumio's country (GB) has no customs administration here: filed_with is needed.
  json lumio = LumioBody();
  lumio.erase("filed_with");
  Result<Application> no_default = service_->Create(lumio_rep_, lumio);
  EXPECT_CODE(no_default, kInvalidInput);
  EXPECT_TRUE(HasField(no_default, "filed_with"));
  EXPECT_TRUE(ListIds(lumio_rep_).empty());
}

TEST_F(ApplicationServiceTest, InvalidBodyStoresNothing) {
  json body = ExampleBody();
  body["rights"][0]["nice_classes"][1] = 46;
  body["goods"][0]["hs"][2] = "64x4";
  Result<Application> bad = service_->Create(zentra_rep_, body);
  EXPECT_CODE(bad, kInvalidInput);
  EXPECT_EQ(FieldList(bad.error()), "rights[0].nice_classes[1];goods[0].hs[2];");
  EXPECT_TRUE(ListIds(zentra_rep_).empty());
}

TEST_F(ApplicationServiceTest, FullLifeCycle) {
  // Create and edit the draft.
  Result<Application> created = service_->Create(zentra_rep_, ExampleBody());
  ASSERT_OK(created);
  const std::string id = created->id;
  json edited = ExampleBody();
  edited["authentic_features"] = "Hologram on the box; serial under the insole";
  Result<Application> updated = service_->Update(zentra_rep_, id, edited);
  ASSERT_OK(updated);
  EXPECT_EQ(updated->authentic_features, "Hologram on the box; serial under the insole");
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->created_at, created->created_at);

  // Submit.
  clock_.Advance(std::chrono::hours(1));
  Result<Application> submitted = service_->Submit(zentra_rep_, id);
  ASSERT_OK(submitted);
  EXPECT_EQ(submitted->status, "submitted");
  EXPECT_EQ(submitted->submitted_at, clock_.Now());
  EXPECT_CODE(service_->Update(zentra_rep_, id, edited), kConflict);

  // Grant for the longest period Art. 11(1) allows.
  Date until = AddYears(Today(), 1);
  Result<Application> granted = service_->Decide(
      de_officer_, id, {{"decision", "grant"}, {"valid_until", FormatDate(until)}});
  ASSERT_OK(granted);
  EXPECT_EQ(granted->status, "granted");
  EXPECT_EQ(granted->valid_until, until);
  EXPECT_EQ(granted->decided_at, clock_.Now());
  EXPECT_EQ(ListIds(zentra_rep_, "granted"), std::vector<std::string>{id});
  EXPECT_EQ(ListIds(de_officer_, "granted"), std::vector<std::string>{id});
  EXPECT_TRUE(ListIds(zentra_rep_, "expired").empty());

  // Renewal requested before expiry and granted for up to one more year (Art. 12(3)).
  clock_.Advance(days(300));
  Result<Application> requested =
      service_->RequestRenewal(zentra_rep_, id, {{"reason", "continuing counterfeits"}});
  ASSERT_OK(requested);
  ASSERT_TRUE(requested->renewal.has_value());
  EXPECT_EQ(requested->renewal->status, "pending");
  EXPECT_EQ(requested->renewal->reason, "continuing counterfeits");
  EXPECT_EQ(requested->renewal->previous_valid_until, until);
  EXPECT_CODE(service_->RequestRenewal(zentra_rep_, id, json::object()), kConflict);
  Date renewed_until = AddYears(until, 1);
  Result<Application> renewed = service_->DecideRenewal(
      de_officer_, id, {{"decision", "grant"}, {"valid_until", FormatDate(renewed_until)}});
  ASSERT_OK(renewed);
  EXPECT_EQ(renewed->status, "granted");
  EXPECT_EQ(renewed->valid_until, renewed_until);
  EXPECT_EQ(renewed->renewal->status, "granted");
  EXPECT_EQ(renewed->renewal->previous_valid_until, until);

  // Suspend, reinstate.
  Result<Application> suspended = service_->Suspend(de_officer_, id, {{"reason", "unpaid costs"}});
  ASSERT_OK(suspended);
  EXPECT_EQ(suspended->status, "suspended");
  EXPECT_EQ(suspended->decision_reason, "unpaid costs");
  EXPECT_CODE(service_->Suspend(de_officer_, id, {{"reason", "again"}}), kConflict);
  Result<Application> reinstated = service_->Reinstate(de_officer_, id);
  ASSERT_OK(reinstated);
  EXPECT_EQ(reinstated->status, "granted");

  // Expiry is derived from the clock and never stored.
  clock_.Set(Timestamp(std::chrono::sys_days(AddDays(renewed_until, 1))));
  Result<Application> expired = service_->Get(zentra_rep_, id);
  ASSERT_OK(expired);
  EXPECT_EQ(expired->status, "expired");
  EXPECT_EQ(ListIds(zentra_rep_, "expired"), std::vector<std::string>{id});
  EXPECT_TRUE(ListIds(zentra_rep_, "granted").empty());
  Result<Application> late = service_->RequestRenewal(zentra_rep_, id, json::object());
  EXPECT_CODE(late, kConflict);
  EXPECT_EQ(late.error().message(), "cannot request renewal of an application in state expired");
  EXPECT_CODE(service_->Suspend(de_officer_, id, {{"reason", "x"}}), kConflict);

  // The last day of the period is still in force.
  clock_.Set(Timestamp(std::chrono::sys_days(renewed_until)));
  EXPECT_EQ(service_->Get(zentra_rep_, id)->status, "granted");

  Result<Application> revoked =
      service_->Revoke(de_officer_, id, {{"reason", "holder no longer owns the mark"}});
  ASSERT_OK(revoked);
  EXPECT_EQ(revoked->status, "revoked");
  Result<Application> resubmit = service_->Submit(zentra_rep_, id);
  EXPECT_CODE(resubmit, kConflict);
  EXPECT_EQ(resubmit.error().message(), "cannot submit an application in state revoked");
  EXPECT_CODE(service_->Reinstate(de_officer_, id), kConflict);

  EXPECT_EQ(AuditActions(*store_, "org_zentra", id),
            (std::vector<std::string>{"application.created", "application.updated",
                                      "application.submitted", "application.renewal_requested"}));
  EXPECT_EQ(AuditActions(*store_, "org_customs_de", id),
            (std::vector<std::string>{"application.granted", "application.renewed",
                                      "application.suspended", "application.reinstated",
                                      "application.revoked"}));
}

TEST_F(ApplicationServiceTest, RejectNeedsAReason) {
  Application app = SubmittedApplication();
  Result<Application> no_reason = service_->Decide(de_officer_, app.id, {{"decision", "reject"}});
  EXPECT_CODE(no_reason, kInvalidInput);
  EXPECT_EQ(FieldList(no_reason.error()), "reason;");
  Result<Application> blank =
      service_->Decide(de_officer_, app.id, {{"decision", "reject"}, {"reason", "  "}});
  EXPECT_EQ(FieldList(blank.error()), "reason;");

  Result<Application> rejected = service_->Decide(
      de_officer_, app.id, {{"decision", "reject"}, {"reason", "no proof of ownership"}});
  ASSERT_OK(rejected);
  EXPECT_EQ(rejected->status, "rejected");
  EXPECT_EQ(rejected->decision_reason, "no proof of ownership");
  EXPECT_FALSE(rejected->valid_until.has_value());
  EXPECT_EQ(ListIds(zentra_rep_, "rejected"), std::vector<std::string>{app.id});

  Result<Application> again =
      service_->Decide(de_officer_, app.id,
                       {{"decision", "grant"}, {"valid_until", FormatDate(AddDays(Today(), 30))}});
  EXPECT_CODE(again, kConflict);
  EXPECT_EQ(again.error().message(), "cannot decide on an application in state rejected");
  EXPECT_CODE(service_->RequestRenewal(zentra_rep_, app.id, json::object()), kConflict);
}

TEST_F(ApplicationServiceTest, DecisionBodyIsValidatedByField) {
  Application app = SubmittedApplication();
  auto decide = [&](json body) { return service_->Decide(de_officer_, app.id, body); };
  EXPECT_EQ(FieldList(decide(json::object()).error()), "decision;");
  EXPECT_EQ(FieldList(decide({{"decision", "approve"}}).error()), "decision;");
  EXPECT_EQ(FieldList(decide({{"decision", "grant"}}).error()), "valid_until;");
  EXPECT_EQ(FieldList(decide({{"decision", "grant"}, {"valid_until", "10.03.2027"}}).error()),
            "valid_until;");
  EXPECT_EQ(FieldList(decide(json::array()).error()), ";");
  EXPECT_EQ(service_->Get(zentra_rep_, app.id)->status, "submitted");
}

TEST_F(ApplicationServiceTest, GrantLongerThanOneYearIsRejected) {
  // Regulation (EU) No 608/2013 Art. 11(1): decided on 2026-03-10, the period
  // starts 2026-03-11 and ends at the latest on 2027-03-10.
  Application app = SubmittedApplication();
  auto grant_until = [&](const char* date) {
    return service_->Decide(de_officer_, app.id, {{"decision", "grant"}, {"valid_until", date}});
  };
  for (const char* bad : {"2027-03-11", "2030-01-01", "2026-03-10", "2025-12-31"}) {
    Result<Application> result = grant_until(bad);
    EXPECT_CODE(result, kInvalidInput);
    EXPECT_EQ(FieldList(result.error()), "valid_until;") << bad;
  }
  Result<Application> longest = grant_until("2027-03-10");
  ASSERT_OK(longest);
  EXPECT_EQ(longest->valid_until, D("2027-03-10"));
}

TEST_F(ApplicationServiceTest, GrantOn29FebruaryEndsOn28February) {
  clock_.Set(*ParseTimestamp("2028-02-29T10:00:00Z"));
  Application app = SubmittedApplication();
  EXPECT_CODE(
      service_->Decide(de_officer_, app.id, {{"decision", "grant"}, {"valid_until", "2029-03-01"}}),
      kInvalidInput);
  EXPECT_TRUE(
      service_->Decide(de_officer_, app.id, {{"decision", "grant"}, {"valid_until", "2029-02-28"}})
          .ok());
}

TEST_F(ApplicationServiceTest, SubmitRequiresAcceptingLiabilityAndCosts) {
  json body = ExampleBody();
  body["accepts_liability_and_costs"] = false;
  Result<Application> created = service_->Create(zentra_rep_, body);
  ASSERT_OK(created);
  Result<Application> submitted = service_->Submit(zentra_rep_, created->id);
  EXPECT_CODE(submitted, kInvalidInput);
  EXPECT_EQ(FieldList(submitted.error()), "accepts_liability_and_costs;");
  EXPECT_EQ(service_->Get(zentra_rep_, created->id)->status, "draft");
}

TEST_F(ApplicationServiceTest, SubmitListsEveryMissingField) {
  json body = {{"holder", {{"name", "Zentra Sportswear GmbH"}, {"country", "DE"}}},
               {"contacts", json::array({{{"name", "Ana"}}})},
               {"rights", json::array({{{"type", "trademark"}}, {{"type", "design"}}})}};
  Result<Application> created = service_->Create(zentra_rep_, body);
  ASSERT_OK(created);
  Result<Application> submitted = service_->Submit(zentra_rep_, created->id);
  EXPECT_CODE(submitted, kInvalidInput);
  EXPECT_EQ(FieldList(submitted.error()),
            "accepts_liability_and_costs;holder.address;contacts[0].email;"
            "rights[0].registration;rights[0].marks;rights[1].registration;goods;");

  json empty = {{"holder", {{"name", "Zentra Sportswear GmbH"}, {"country", "DE"}}}};
  Result<Application> bare = service_->Create(zentra_rep_, empty);
  ASSERT_OK(bare);
  EXPECT_EQ(FieldList(service_->Submit(zentra_rep_, bare->id).error()),
            "accepts_liability_and_costs;holder.address;contact;rights;goods;");
}

TEST_F(ApplicationServiceTest, UpdateReplacesDraftsOnlyAndKeepsWhereItIsFiled) {
  Result<Application> created = service_->Create(zentra_rep_, ExampleBody());
  ASSERT_OK(created);
  json body = ExampleBody();
  body["filed_with"] = "NL";
  Result<Application> moved = service_->Update(zentra_rep_, created->id, body);
  EXPECT_CODE(moved, kInvalidInput);
  EXPECT_EQ(FieldList(moved.error()), "filed_with;");
  body["filed_with"] = "DE";
  EXPECT_TRUE(service_->Update(zentra_rep_, created->id, body).ok());
  body.erase("filed_with");
  body["kind"] = "union";
  body["member_states"] = json::array({"DE", "NL"});
  EXPECT_EQ(FieldList(service_->Update(zentra_rep_, created->id, body).error()), "kind;");

  json bad = ExampleBody();
  bad["holder"]["country"] = "ZZ";
  Result<Application> invalid = service_->Update(zentra_rep_, created->id, bad);
  EXPECT_EQ(FieldList(invalid.error()), "holder.country;");
  EXPECT_EQ(service_->Get(zentra_rep_, created->id)->version, 2);

  ASSERT_OK(service_->Submit(zentra_rep_, created->id));
  Result<Application> late = service_->Update(zentra_rep_, created->id, ExampleBody());
  EXPECT_CODE(late, kConflict);
  EXPECT_EQ(late.error().message(), "cannot update an application in state submitted");
}

TEST_F(ApplicationServiceTest, RightHoldersAndCustomsCannotActForEachOther) {
  Result<Application> draft = service_->Create(zentra_rep_, ExampleBody());
  ASSERT_OK(draft);
  // A draft is the holder's own: the administration it names does not see it yet.
  EXPECT_CODE(service_->Get(de_officer_, draft->id), kNotFound);
  EXPECT_TRUE(ListIds(de_officer_).empty());
  EXPECT_TRUE(ListIds(de_officer_, "draft").empty());
  ASSERT_OK(service_->Submit(zentra_rep_, draft->id));
  const std::string id = draft->id;
  ASSERT_OK(service_->Get(de_officer_, id));

  // The holder cannot decide its own application.
  EXPECT_CODE(
      service_->Decide(zentra_rep_, id, {{"decision", "grant"}, {"valid_until", "2026-12-31"}}),
      kForbidden);
  // Customs cannot edit it; a risk analyst of the right administration cannot decide.
  EXPECT_CODE(service_->Update(de_officer_, id, ExampleBody()), kForbidden);
  EXPECT_CODE(
      service_->Decide(de_analyst_, id, {{"decision", "grant"}, {"valid_until", "2026-12-31"}}),
      kForbidden);
  // Another administration, another right holder, an agency: not found at all.
  for (const Caller* outsider : {&cn_officer_, &nl_officer_, &lumio_rep_, &police_reader_}) {
    EXPECT_CODE(service_->Get(*outsider, id), kNotFound);
    EXPECT_CODE(
        service_->Decide(*outsider, id, {{"decision", "grant"}, {"valid_until", "2026-12-31"}}),
        kNotFound);
    EXPECT_CODE(service_->Submit(*outsider, id), kNotFound);
    EXPECT_CODE(service_->Update(*outsider, id, ExampleBody()), kNotFound);
    EXPECT_CODE(service_->RequestRenewal(*outsider, id, json::object()), kNotFound);
    EXPECT_CODE(service_->Revoke(*outsider, id, {{"reason", "x"}}), kNotFound);
    EXPECT_TRUE(ListIds(*outsider).empty());
  }
  // Guessing ids looks exactly like asking for a missing one.
  Result<Application> guessed = service_->Get(cn_officer_, id);
  Result<Application> missing = service_->Get(cn_officer_, "app_does_not_exist");
  EXPECT_EQ(guessed.error().code(), missing.error().code());
  // A caller without an organisation sees nothing.
  EXPECT_CODE(service_->Get(Caller{}, id), kNotFound);
  EXPECT_TRUE(ListIds(Caller{}).empty());
}

// Photos of the authentic goods: typed by their first bytes, bounded in size
// and number, stored exactly as given, changed by the holder only while the
// application is a draft or submitted, seen by whoever sees the application.
TEST_F(ApplicationServiceTest, PhotosOfTheAuthenticGoods) {
  Result<Application> draft = service_->Create(zentra_rep_, ExampleBody());
  ASSERT_OK(draft);
  const std::string id = draft->id;
  std::string png("\x89PNG\r\n\x1A\n", 8);
  for (int i = 0; i < 300; ++i) png += static_cast<char>(i * 7);  // every byte value survives
  PhotoUpload upload{"image/png", png, "label.png", "Woven label inside the tongue"};
  Result<ApplicationPhotoRecord> added = service_->AddPhoto(zentra_rep_, id, upload);
  ASSERT_OK(added);
  EXPECT_EQ(added->size, static_cast<long long>(png.size()));
  EXPECT_EQ(added->sha256.size(), 64u);
  EXPECT_EQ(ToJson(*added)["filename"], "label.png");

  // Wrong or missing type, a body that is not what it says, too large, a
  // path as file name: each named, nothing stored.
  auto fields_of = [&](const PhotoUpload& bad) {
    Result<ApplicationPhotoRecord> refused = service_->AddPhoto(zentra_rep_, id, bad);
    std::set<std::string> fields;
    if (!refused.ok()) {
      EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidInput);
      for (const FieldError& field : refused.error().fields()) fields.insert(field.field);
    }
    return fields;
  };
  EXPECT_EQ(fields_of({"image/gif", "GIF89a", "", ""}), std::set<std::string>{"content_type"});
  EXPECT_EQ(fields_of({"image/jpeg", png, "", ""}), std::set<std::string>{"content"});
  EXPECT_EQ(fields_of({"image/png", "", "", ""}), std::set<std::string>{"content"});
  EXPECT_EQ(fields_of({"image/png", png + std::string(kMaxPhotoBytes, 'x'), "", ""}),
            std::set<std::string>{"content"});
  EXPECT_EQ(fields_of({"image/png", png, "../etc/passwd", ""}), std::set<std::string>{"filename"});

  // Customs see it once submitted, byte for byte; they cannot add or remove.
  ASSERT_OK(service_->Submit(zentra_rep_, id));
  Result<std::vector<ApplicationPhotoRecord>> listed = service_->ListPhotos(de_officer_, id);
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  Result<PhotoContent> read = service_->GetPhoto(de_officer_, id, added->id);
  ASSERT_OK(read);
  EXPECT_EQ(read->content, png);
  EXPECT_EQ(read->record.media_type, "image/png");
  EXPECT_EQ(read->record.description, "Woven label inside the tongue");
  EXPECT_CODE(service_->AddPhoto(de_officer_, id, upload), kForbidden);
  EXPECT_CODE(service_->DeletePhoto(de_officer_, id, added->id), kForbidden);
  for (const Caller* outsider : {&cn_officer_, &lumio_rep_}) {
    EXPECT_CODE(service_->ListPhotos(*outsider, id), kNotFound);
    EXPECT_CODE(service_->GetPhoto(*outsider, id, added->id), kNotFound);
  }
  EXPECT_CODE(service_->GetPhoto(de_officer_, id, "pho_missing"), kNotFound);

  // The holder removes one while submitted; once decided, photos are fixed.
  Result<ApplicationPhotoRecord> second = service_->AddPhoto(
      zentra_rep_, id, {"image/webp", std::string("RIFF\x10\0\0\0WEBPVP8 ", 16), "", ""});
  ASSERT_OK(second);
  EXPECT_EQ(second->filename, second->id + ".webp");
  ASSERT_OK(service_->DeletePhoto(zentra_rep_, id, added->id));
  EXPECT_CODE(service_->DeletePhoto(zentra_rep_, id, added->id), kNotFound);
  ASSERT_OK(service_->Decide(de_officer_, id,
                             {{"decision", "grant"}, {"valid_until", FormatDate(AddDays(Today(), 30))}}));
  EXPECT_CODE(service_->AddPhoto(zentra_rep_, id, upload), kConflict);
  EXPECT_CODE(service_->DeletePhoto(zentra_rep_, id, second->id), kConflict);
  listed = service_->ListPhotos(zentra_rep_, id);
  ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().id, second->id);
  std::vector<std::string> actions = AuditActions(*store_, zentra_rep_.org_id, id);
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "application.photo_added"), 2);
  EXPECT_EQ(std::count(actions.begin(), actions.end(), "application.photo_removed"), 1);
}

TEST_F(ApplicationServiceTest, RightHolderBNeverSeesRightHolderAsApplications) {
  Application zentra = SubmittedApplication();
  Result<Application> lumio = service_->Create(lumio_rep_, LumioBody());
  ASSERT_OK(lumio);
  EXPECT_EQ(ListIds(zentra_rep_), std::vector<std::string>{zentra.id});
  EXPECT_EQ(ListIds(lumio_rep_), std::vector<std::string>{lumio->id});
  EXPECT_CODE(service_->Get(lumio_rep_, zentra.id), kNotFound);
  EXPECT_CODE(service_->Get(zentra_rep_, lumio->id), kNotFound);
  EXPECT_TRUE(ListIds(lumio_rep_, "submitted").empty());
}

TEST_F(ApplicationServiceTest, UnionApplicationIsVisibleToEveryMemberStateButDecidedByOne) {
  json body = ExampleBody();
  body["kind"] = "union";
  body["member_states"] = json::array({"DE", "NL"});
  Application app = SubmittedApplication(body);
  EXPECT_EQ(app.kind, "union");
  ASSERT_OK(service_->Get(nl_officer_, app.id));
  EXPECT_EQ(ListIds(nl_officer_), std::vector<std::string>{app.id});
  EXPECT_CODE(service_->Get(cn_officer_, app.id), kNotFound);
  EXPECT_CODE(
      service_->Decide(nl_officer_, app.id, {{"decision", "grant"}, {"valid_until", "2026-12-31"}}),
      kForbidden);
  ASSERT_OK(service_->Decide(de_officer_, app.id,
                             {{"decision", "grant"}, {"valid_until", "2026-12-31"}}));
  EXPECT_EQ(service_->Get(nl_officer_, app.id)->status, "granted");
  EXPECT_CODE(service_->Suspend(nl_officer_, app.id, {{"reason", "x"}}), kForbidden);
}

TEST_F(ApplicationServiceTest, RenewalRules) {
  Application submitted = SubmittedApplication();
  EXPECT_CODE(service_->RequestRenewal(zentra_rep_, submitted.id, json::object()), kConflict);

  Application app = GrantedApplication(D("2026-12-31"));
  EXPECT_CODE(service_->DecideRenewal(de_officer_, app.id,
                                      {{"decision", "grant"}, {"valid_until", "2027-06-30"}}),
              kConflict);  // nothing pending
  ASSERT_OK(service_->RequestRenewal(zentra_rep_, app.id, nullptr));
  EXPECT_CODE(service_->DecideRenewal(zentra_rep_, app.id,
                                      {{"decision", "grant"}, {"valid_until", "2027-06-30"}}),
              kForbidden);
  // Art. 12(3): at most one year from the day after the current period ends.
  for (const char* bad : {"2028-01-01", "2026-12-31", "2026-06-30"}) {
    Result<Application> result =
        service_->DecideRenewal(de_officer_, app.id, {{"decision", "grant"}, {"valid_until", bad}});
    EXPECT_CODE(result, kInvalidInput);
    EXPECT_EQ(FieldList(result.error()), "valid_until;") << bad;
  }
  Result<Application> rejected = service_->DecideRenewal(
      de_officer_, app.id, {{"decision", "reject"}, {"reason", "request came too late"}});
  ASSERT_OK(rejected);
  EXPECT_EQ(rejected->status, "granted");
  EXPECT_EQ(rejected->valid_until, D("2026-12-31"));
  EXPECT_EQ(rejected->renewal->status, "rejected");
  EXPECT_EQ(rejected->renewal->reason, "request came too late");

  // A new request may follow a rejected one; a pending request is decided even
  // once the period has run out.
  ASSERT_OK(service_->RequestRenewal(zentra_rep_, app.id, json::object()));
  clock_.Set(*ParseTimestamp("2027-01-05T08:00:00Z"));
  EXPECT_EQ(service_->Get(zentra_rep_, app.id)->status, "expired");
  Result<Application> renewed = service_->DecideRenewal(
      de_officer_, app.id, {{"decision", "grant"}, {"valid_until", "2027-12-31"}});
  ASSERT_OK(renewed);
  EXPECT_EQ(renewed->status, "granted");
  EXPECT_EQ(AuditActions(*store_, "org_customs_de", app.id),
            (std::vector<std::string>{"application.granted", "application.renewal_rejected",
                                      "application.renewed"}));
}

TEST_F(ApplicationServiceTest, SuspendAndRevokeNeedReasons) {
  Application app = GrantedApplication();
  EXPECT_EQ(FieldList(service_->Suspend(de_officer_, app.id, json::object()).error()), "reason;");
  EXPECT_EQ(FieldList(service_->Suspend(de_officer_, app.id, nullptr).error()), "reason;");
  EXPECT_EQ(FieldList(service_->Revoke(de_officer_, app.id, {{"reason", 5}}).error()), "reason;");
  EXPECT_CODE(service_->Suspend(zentra_rep_, app.id, {{"reason", "x"}}), kForbidden);
  EXPECT_CODE(service_->Reinstate(de_officer_, app.id), kConflict);
  Application submitted = SubmittedApplication();
  Result<Application> early = service_->Revoke(de_officer_, submitted.id, {{"reason", "x"}});
  EXPECT_CODE(early, kConflict);
  EXPECT_EQ(early.error().message(), "cannot revoke an application in state submitted");
}

TEST_F(ApplicationServiceTest, ListPagesSkipOtherHoldersDraftsWithoutShortPages) {
  for (int i = 0; i < 3; ++i) ASSERT_OK(service_->Create(zentra_rep_, ExampleBody()));
  std::vector<std::string> submitted;
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(std::chrono::seconds(1));
    submitted.push_back(SubmittedApplication().id);
    ASSERT_OK(service_->Create(zentra_rep_, ExampleBody()));
  }
  Result<Page<Application>> first = service_->List(de_officer_, Query(std::nullopt, 2));
  ASSERT_OK(first);
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[0].id, submitted[0]);
  EXPECT_EQ(first->items[1].id, submitted[1]);
  EXPECT_EQ(ListIds(de_officer_), submitted);
  EXPECT_EQ(ListIds(zentra_rep_).size(), 9u);
  EXPECT_EQ(ListIds(zentra_rep_, "draft").size(), 6u);

  Result<Page<Application>> bad_status = service_->List(zentra_rep_, Query("pending", 50));
  EXPECT_CODE(bad_status, kInvalidInput);
  EXPECT_TRUE(HasField(bad_status, "status"));
  EXPECT_CODE(service_->List(zentra_rep_, Query(std::nullopt, 0)), kInvalidInput);
}

json ImportEntries() {
  json granted = ExampleBody();
  granted["status"] = "granted";
  granted["valid_until"] = "2026-12-31";
  json expired = LumioBody();
  expired["status"] = "granted";
  expired["valid_until"] = "2025-06-30";  // a migrated grant that has run out
  json draft = ExampleBody();
  draft["holder"] = {{"name", "Nordwind Outdoor AS"}, {"country", "NL"}};
  draft.erase("filed_with");
  json rejected = ExampleBody();
  rejected["status"] = "rejected";
  rejected["decision_reason"] = "no evidence of ownership";
  return json::array({granted, expired, draft, rejected});
}

TEST_F(ApplicationServiceTest, ImportStoresEveryEntryAndCreatesMissingHolders) {
  Result<int> stored = service_->Import(ImportEntries(), ImportOptions{});
  ASSERT_OK(stored);
  EXPECT_EQ(*stored, 4);

  EXPECT_EQ(ListIds(zentra_rep_).size(), 2u);
  std::vector<std::string> lumio = ListIds(lumio_rep_);
  ASSERT_EQ(lumio.size(), 1u);
  EXPECT_EQ(service_->Get(lumio_rep_, lumio[0])->status, "expired");
  EXPECT_EQ(ListIds(de_officer_, "granted").size(), 1u);
  EXPECT_EQ(ListIds(de_officer_, "expired").size(), 1u);
  EXPECT_EQ(ListIds(de_officer_, "rejected").size(), 1u);

  // Nordwind did not exist: it is created as a right holder, and its draft is
  // filed with the customs of its country.
  Organisation nordwind;
  ASSERT_TRUE(store_
                  ->Read([&](ReadTx& tx) -> Status {
                    CORDON_ASSIGN_OR_RETURN(nordwind,
                                            tx.FindOrganisationByName("Nordwind Outdoor AS"));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(nordwind.kind, OrgKind::kRightHolder);
  EXPECT_EQ(nordwind.country, "NL");
  std::vector<std::string> drafts = ListIds(HolderCaller(nordwind.id));
  ASSERT_EQ(drafts.size(), 1u);
  Result<Application> draft = service_->Get(HolderCaller(nordwind.id), drafts[0]);
  EXPECT_EQ(draft->status, "draft");
  EXPECT_EQ(draft->filed_with_org_id, "org_customs_nl");
}

TEST_F(ApplicationServiceTest, ImportIsAllOrNothing) {
  json entries = ImportEntries();
  entries[2]["rights"][0]["nice_classes"][1] = 99;
  entries[3]["holder"]["country"] = "XX";
  entries[0].erase("valid_until");
  entries.push_back("not an application");
  json incomplete = ExampleBody();
  incomplete["status"] = "submitted";
  incomplete["accepts_liability_and_costs"] = false;
  entries.push_back(incomplete);
  json named_customs = ExampleBody();
  named_customs["holder"]["name"] = "Customs NL";
  entries.push_back(named_customs);

  Result<int> stored = service_->Import(entries, ImportOptions{});
  EXPECT_CODE(stored, kInvalidInput);
  EXPECT_EQ(FieldList(stored.error()),
            "[0].valid_until;[2].rights[0].nice_classes[1];[3].holder.country;[4];"
            "[5].accepts_liability_and_costs;[6].holder.name;");

  EXPECT_TRUE(ListIds(zentra_rep_).empty());
  EXPECT_TRUE(ListIds(lumio_rep_).empty());
  Result<json> everything = service_->Export(Scope{});
  ASSERT_OK(everything);
  EXPECT_TRUE(everything->empty());
  Status no_new_holder = store_->Read([&](ReadTx& tx) -> Status {
    EXPECT_EQ(tx.FindOrganisationByName("Nordwind Outdoor AS").error().code(),
              ErrorCode::kNotFound);
    return Status::Ok();
  });
  EXPECT_TRUE(no_new_holder.ok());

  EXPECT_CODE(service_->Import(json::object(), ImportOptions{}), kInvalidInput);
}

TEST_F(ApplicationServiceTest, ImportUsesTheDefaultAdministrationWhenAnEntryNamesNone) {
  json entry = LumioBody();
  entry.erase("filed_with");
  EXPECT_CODE(service_->Import(json::array({entry}), ImportOptions{}), kInvalidInput);
  Result<int> stored = service_->Import(json::array({entry}), ImportOptions{"org_customs_nl"});
  ASSERT_OK(stored);
  std::vector<std::string> ids = ListIds(lumio_rep_);
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(service_->Get(lumio_rep_, ids[0])->filed_with_org_id, "org_customs_nl");
}

TEST_F(ApplicationServiceTest, ExportImportRoundTrip) {
  // Applications in every state.
  Application granted = GrantedApplication();
  ASSERT_OK(service_->RequestRenewal(zentra_rep_, granted.id, json::object()));
  Application suspended = GrantedApplication();
  ASSERT_OK(service_->Suspend(de_officer_, suspended.id, {{"reason", "unpaid costs"}}));
  Application revoked = GrantedApplication();
  ASSERT_OK(service_->Revoke(de_officer_, revoked.id, {{"reason", "mark lapsed"}}));
  Application rejected = SubmittedApplication();
  ASSERT_OK(service_->Decide(de_officer_, rejected.id,
                             {{"decision", "reject"}, {"reason", "no evidence"}}));
  json union_body = ExampleBody();
  union_body["kind"] = "union";
  union_body["member_states"] = json::array({"DE", "NL"});
  union_body["representative"] = {{"name", "Kanzlei Muster"}, {"country", "DE"}};
  SubmittedApplication(union_body);
  ASSERT_OK(service_->Create(lumio_rep_, LumioBody()));
  Application expiring = GrantedApplication(D("2026-04-30"));
  clock_.Advance(days(60));  // `expiring` is now expired

  Result<json> exported = service_->Export(Scope{});
  ASSERT_OK(exported);
  ASSERT_EQ(exported->size(), 7u);
  Result<json> zentra_only = service_->Export(Scope{"org_zentra"});
  ASSERT_OK(zentra_only);
  EXPECT_EQ(zentra_only->size(), 6u);
  Result<json> de_view = service_->Export(Scope{"org_customs_de"});
  ASSERT_OK(de_view);
  EXPECT_EQ(de_view->size(), 6u);  // not Lumio's draft

  // Into a fresh database that knows the same administrations but not the holders.
  std::unique_ptr<Store> other = OpenStore("other.sqlite");
  std::vector<Organisation> administrations;
  ASSERT_TRUE(store_
                  ->Read([&](ReadTx& tx) -> Status {
                    for (const char* id : {"org_customs_de", "org_customs_nl", "org_customs_cn"}) {
                      CORDON_ASSIGN_OR_RETURN(Organisation org, tx.GetOrganisation(id));
                      administrations.push_back(org);
                    }
                    return Status::Ok();
                  })
                  .ok());
  Status customs_only = other->Write([&](WriteTx& tx) -> Status {
    for (const Organisation& org : administrations) {
      CORDON_RETURN_IF_ERROR(tx.InsertOrganisation(org));
    }
    return Status::Ok();
  });
  ASSERT_TRUE(customs_only.ok()) << customs_only.error().ToString();
  ApplicationService imported_service(*other, clock_, rng_);
  Result<int> count = imported_service.Import(*exported, ImportOptions{});
  ASSERT_OK(count);
  EXPECT_EQ(*count, 7);
  Result<json> again = imported_service.Export(Scope{});
  ASSERT_OK(again);
  ASSERT_EQ(again->size(), exported->size());

  // Everything but identifiers, bookkeeping and a pending renewal survives.
  auto content = [](json entry) {
    for (const char* key :
         {"id", "holder_org_id", "created_at", "updated_at", "version", "renewal"}) {
      entry.erase(key);
    }
    return entry;
  };
  std::multiset<std::string> before, after;
  for (const json& entry : *exported) before.insert(content(entry).dump());
  for (const json& entry : *again) after.insert(content(entry).dump());
  EXPECT_EQ(before, after);

  // Importing the same file into the same database adds copies with new ids.
  ASSERT_OK(service_->Import(*exported, ImportOptions{}));
  EXPECT_EQ(service_->Export(Scope{})->size(), 14u);
}

}  // namespace
}  // namespace cordon
