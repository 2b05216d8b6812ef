// Seizure statistics on a real SQLite store: the taxonomy file, records kept
// current by the case engine, the CSV import (line-numbered errors,
// all-or-nothing, --skip-bad, idempotent re-import), query parsing, and
// aggregates checked against figures computed independently from a
// generated data set.
#include "stats/stats.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <tuple>

#include "cases/case_service.h"
#include "identity/identity.h"
#include "rights/rights.h"
#include "store/sqlite_store.h"
#include "support/test_support.h"

namespace cordon {
namespace {

using json = nlohmann::json;

constexpr char kHeader[] =
    "case_id,detained_on,office,reporting_country,procedure,transport_mode,origin,dispatch,"
    "destination,product_category,ipr_type,articles,estimated_value_eur,small_consignment,"
    "e_commerce,outcome\n";

Caller MakeCaller(const Organisation& org, Role role) {
  Caller caller;
  caller.user_id = "usr_test";
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

// One generated row, kept as the test's own truth.
struct Row {
  std::string case_id;
  std::string day;
  std::string office;
  std::string origin;
  std::string category;
  std::string outcome;
  long long articles = 0;
  long long cents = 0;
};

class StatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteStore(SqliteOptions{dir_.File("cordon.db")});
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(opened).value();
    identity_ = std::make_unique<IdentityService>(*store_, clock_, rng_);
    stats_ = std::make_unique<StatsService>(*store_, clock_);
    de_ = CreateOrg("Customs DE", OrgKind::kCustoms, "DE", {"DEHAM", "DEFRA"});
    nl_ = CreateOrg("Customs NL", OrgKind::kCustoms, "NL", {"NLRTM"});
    holder_ = CreateOrg("Zentra Sportswear GmbH", OrgKind::kRightHolder, "DE", {});
    analyst_ = MakeCaller(de_, Role::kRiskAnalyst);
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

  SeizureTable Query(const std::string& group_by, std::vector<std::pair<std::string, std::string>>
                                                      more = {}) {
    more.emplace_back("group_by", group_by);
    Result<SeizureQuery> query = ParseSeizureQuery(more);
    EXPECT_TRUE(query.ok()) << query.error().ToString();
    Result<SeizureTable> table = stats_->Query(analyst_, *query);
    EXPECT_TRUE(table.ok()) << table.error().ToString();
    return table.ok() ? *table : SeizureTable{};
  }

  test_support::TempDir dir_;
  FakeClock clock_{*ParseTimestamp("2026-03-02T09:00:00Z")};
  SeededRng rng_{7};
  std::unique_ptr<Store> store_;
  std::unique_ptr<IdentityService> identity_;
  std::unique_ptr<StatsService> stats_;
  Organisation de_, nl_, holder_;
  Caller analyst_;
};

TEST(TaxonomyTest, ShippedFileHoldsTheIssuesCategoriesAndIsTheOneCompiledIn) {
  std::ifstream file(std::string(CORDON_STATS_DATA_DIR) + "/product_categories.json");
  ASSERT_TRUE(file);
  json document = json::parse(file);
  std::vector<std::string> ids;
  for (const json& entry : document.at("categories")) {
    ids.push_back(entry.at("id").get<std::string>());
    EXPECT_FALSE(entry.at("description").get<std::string>().empty()) << ids.back();
  }
  EXPECT_EQ(ids, (std::vector<std::string>{
                     "clothing", "shoes", "bags_and_personal_accessories", "watches", "jewellery",
                     "mobile_phones_and_accessories", "electronics", "toys", "games",
                     "sports_goods", "medicines", "body_care", "foodstuffs", "tobacco",
                     "alcoholic_drinks", "packaging_material", "labels_and_tags", "other"}));
  ASSERT_EQ(ProductCategories().size(), ids.size());
  for (size_t index = 0; index < ids.size(); ++index) {
    EXPECT_EQ(ProductCategories()[index].id, ids[index]);
  }
  EXPECT_TRUE(IsProductCategory("watches"));
  EXPECT_FALSE(IsProductCategory("Watches"));
}

TEST(QuarterTest, ParsesAndFormatsQuarters) {
  auto q3 = ParseQuarter("2025Q3");
  ASSERT_TRUE(q3);
  EXPECT_EQ(FormatDate(q3->first), "2025-07-01");
  EXPECT_EQ(FormatDate(q3->second), "2025-09-30");
  EXPECT_EQ(QuarterOf(*ParseDate("2024-12-31")), "2024Q4");
  EXPECT_FALSE(ParseQuarter("2025Q5"));
  EXPECT_FALSE(ParseQuarter("2025-Q1"));
}

TEST(SeizureQueryTest, NamesEveryBadParameter) {
  Result<SeizureQuery> bad = ParseSeizureQuery({{"group_by", "quarter,colour"},
                                                {"from", "2025-13-01"},
                                                {"measures", "cases,weight"},
                                                {"filter[month]", "2025-01"},
                                                {"sort", "x"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(Fields(bad.error()),
            (std::vector<std::string>{"group_by", "from", "measures", "filter[month]", "sort"}));
  Result<SeizureQuery> good = ParseSeizureQuery(
      {{"group_by", "quarter,origin"}, {"filter[origin]", "CN,HK"}, {"measures", "value"}});
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->group_by, (std::vector<std::string>{"quarter", "origin"}));
  EXPECT_EQ(good->measures, (std::vector<std::string>{"value"}));
  ASSERT_EQ(good->filters.size(), 1u);
  EXPECT_EQ(good->filters[0].second, (std::vector<std::string>{"CN", "HK"}));
}

TEST_F(StatsTest, ImportReportsBadRowsWithLineNumbersAndImportsNothing) {
  std::string csv = std::string(kHeader) +
                    "C1,2025-07-01,DEHAM,DE,application,sea,CN,CN,DE,shoes,trademark,10,100.50,"
                    "false,false,destroyed\n"
                    "C2,2025-13-01,DEHAM,DE,application,sea,CN,CN,DE,shoes,trademark,10,100,"
                    "false,false,destroyed\n"
                    "C3,2025-07-02,DEHAM,DE,application,boat,CN,CN,DE,hats,trademark,-1,1.234,"
                    "maybe,false,destroyed\n";
  Result<SeizureImportReport> rejected = stats_->ImportCsv(analyst_, csv, {});
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(Fields(rejected.error()),
            (std::vector<std::string>{"line 3: detained_on", "line 4: transport_mode",
                                      "line 4: product_category", "line 4: articles",
                                      "line 4: estimated_value_eur", "line 4: small_consignment"}));
  EXPECT_TRUE(Query("").rows.empty()) << "nothing may be imported from a rejected file";

  Result<SeizureImportReport> partial = stats_->ImportCsv(analyst_, csv, {.skip_bad = true});
  ASSERT_TRUE(partial.ok()) << partial.error().ToString();
  EXPECT_EQ(partial->rows, 3);
  EXPECT_EQ(partial->inserted, 1);
  ASSERT_EQ(partial->skipped.size(), 6u);
  EXPECT_EQ(partial->skipped[0].line, 3);
  SeizureTable total = Query("");
  ASSERT_EQ(total.rows.size(), 1u);
  EXPECT_EQ(total.rows[0].cases, 1);
  EXPECT_EQ(total.rows[0].value_cents, 10050);
}

TEST_F(StatsTest, ImportRefusesWrongHeaderAnotherCountryAndOtherRoles) {
  Result<SeizureImportReport> header =
      stats_->ImportCsv(analyst_, "case_id,detained_on,colour\n", {});
  ASSERT_FALSE(header.ok());
  EXPECT_EQ(header.error().fields().front().field, "line 1");

  std::string csv = std::string(kHeader) +
                    "C1,2025-07-01,DEHAM,NL,application,sea,CN,CN,DE,shoes,trademark,1,1,false,"
                    "false,pending\n";
  Result<SeizureImportReport> country = stats_->ImportCsv(analyst_, csv, {});
  ASSERT_FALSE(country.ok());
  EXPECT_EQ(Fields(country.error()), (std::vector<std::string>{"line 2: reporting_country"}));

  Result<SeizureImportReport> frontline =
      stats_->ImportCsv(MakeCaller(de_, Role::kFrontlineOfficer), csv, {});
  ASSERT_FALSE(frontline.ok());
  EXPECT_EQ(frontline.error().code(), ErrorCode::kForbidden);
  Result<SeizureTable> holder = stats_->Query(MakeCaller(holder_, Role::kAdmin), {});
  ASSERT_FALSE(holder.ok());
  EXPECT_EQ(holder.error().code(), ErrorCode::kForbidden);
}

TEST_F(StatsTest, ReimportingTheSameFileAddsNothingAndACorrectionUpdatesInPlace) {
  std::string csv = std::string(kHeader) +
                    "H-1,2025-07-01,DEHAM,DE,application,sea,CN,CN,DE,shoes,trademark,10,100,"
                    "false,false,pending\n"
                    "H-1,2025-07-01,DEHAM,DE,application,sea,CN,CN,DE,bags_and_personal_"
                    "accessories,trademark,5,50,false,false,pending\n";
  Result<SeizureImportReport> first = stats_->ImportCsv(analyst_, csv, {});
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_EQ(first->inserted, 2);
  Result<SeizureImportReport> again = stats_->ImportCsv(analyst_, csv, {});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->inserted, 0);
  EXPECT_EQ(again->updated, 0);
  EXPECT_EQ(again->unchanged, 2);
  SeizureTable table = Query("");
  ASSERT_EQ(table.rows.size(), 1u);
  EXPECT_EQ(table.rows[0].cases, 1);
  EXPECT_EQ(table.rows[0].articles, 15);

  std::string corrected = csv;
  corrected.replace(corrected.rfind("pending"), 7, "destroyed");
  Result<SeizureImportReport> third = stats_->ImportCsv(analyst_, corrected, {});
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->updated, 1);
  EXPECT_EQ(third->inserted, 0);
  SeizureTable outcomes = Query("outcome");
  ASSERT_EQ(outcomes.rows.size(), 2u);
  EXPECT_EQ(outcomes.rows[0].keys[0], "destroyed");
  EXPECT_EQ(outcomes.rows[0].articles, 5);
}

TEST_F(StatsTest, RecordsAreTenantScoped) {
  std::string csv = std::string(kHeader) +
                    "H-1,2025-07-01,DEHAM,DE,application,sea,CN,CN,DE,shoes,trademark,10,100,"
                    "false,false,pending\n";
  ASSERT_TRUE(stats_->ImportCsv(analyst_, csv, {}).ok());
  Result<SeizureTable> other = stats_->Query(MakeCaller(nl_, Role::kRiskAnalyst), {});
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->rows.empty());
  EXPECT_EQ(Query("").rows.size(), 1u);
}

// A seeded data set of cases with 1-3 lines each; the expected figures are
// computed here with maps and sets, independently of the cube.
TEST_F(StatsTest, AggregatesMatchIndependentlyComputedFigures) {
  std::mt19937 random(20250701);
  const std::vector<std::string> offices = {"DEHAM", "DEFRA", "DEMUC"};
  const std::vector<std::string> origins = {"CN", "HK", "TR", "VN", ""};
  const std::vector<std::string> categories = {"shoes", "watches", "toys", "medicines"};
  const std::vector<std::string> outcomes = {"pending", "destroyed", "released", "court"};
  std::vector<Row> rows;
  std::string csv = kHeader;
  for (int case_number = 0; case_number < 400; ++case_number) {
    Date day = AddDays(*ParseDate("2024-01-01"), static_cast<int>(random() % 730));
    std::string case_id = fmt::format("K{:05}", (case_number * 7919) % 400);
    std::string office = offices[random() % offices.size()];
    std::string origin = origins[random() % origins.size()];
    int lines = 1 + static_cast<int>(random() % 3);
    for (int line = 0; line < lines; ++line) {
      Row row{case_id, FormatDate(day), office, origin, categories[random() % categories.size()],
              outcomes[random() % outcomes.size()], static_cast<long long>(random() % 500),
              static_cast<long long>(random() % 1000000)};
      rows.push_back(row);
      csv += fmt::format("{},{},{},DE,ex_officio,air,{},,DE,{},trademark,{},{}.{:02},false,true,{}\n",
                         row.case_id, row.day, row.office, row.origin, row.category, row.articles,
                         row.cents / 100, row.cents % 100, row.outcome);
    }
  }
  Result<SeizureImportReport> imported = stats_->ImportCsv(analyst_, csv, {});
  ASSERT_TRUE(imported.ok()) << imported.error().ToString();
  ASSERT_EQ(imported->inserted, static_cast<long long>(rows.size()));

  auto quarter = [](const std::string& day) {
    return QuarterOf(*ParseDate(day));
  };
  struct Expected {
    std::set<std::string> cases;
    long long articles = 0;
    long long cents = 0;
  };
  auto check = [&](const SeizureTable& table, const std::map<std::vector<std::string>, Expected>&
                                                  expected) {
    ASSERT_EQ(table.rows.size(), expected.size());
    for (const SeizureRow& row : table.rows) {
      auto found = expected.find(row.keys);
      ASSERT_NE(found, expected.end()) << fmt::format("{}", fmt::join(row.keys, "|"));
      EXPECT_EQ(row.cases, static_cast<long long>(found->second.cases.size()));
      EXPECT_EQ(row.articles, found->second.articles);
      EXPECT_EQ(row.value_cents, found->second.cents);
    }
  };

  // quarter x origin over everything.
  std::map<std::vector<std::string>, Expected> by_quarter_origin;
  // office x product_category over 2025, detentions that were destroyed.
  std::map<std::vector<std::string>, Expected> destroyed_2025;
  std::map<std::vector<std::string>, Expected> by_month;
  for (const Row& row : rows) {
    Expected& cell = by_quarter_origin[{quarter(row.day), row.origin}];
    cell.cases.insert(row.case_id);
    cell.articles += row.articles;
    cell.cents += row.cents;
    Expected& month = by_month[{row.day.substr(0, 7)}];
    month.cases.insert(row.case_id);
    month.articles += row.articles;
    month.cents += row.cents;
    if (row.day >= "2025-01-01" && row.day <= "2025-12-31" && row.outcome == "destroyed") {
      Expected& destroyed = destroyed_2025[{row.office, row.category}];
      destroyed.cases.insert(row.case_id);
      destroyed.articles += row.articles;
      destroyed.cents += row.cents;
    }
  }
  check(Query("quarter,origin"), by_quarter_origin);
  check(Query("month"), by_month);
  check(Query("office,product_category", {{"from", "2025-01-01"},
                                          {"to", "2025-12-31"},
                                          {"filter[outcome]", "destroyed"}}),
        destroyed_2025);

  SeizureTable json_table = Query("quarter,origin");
  json document = json_table.ToJson();
  ASSERT_EQ(document["rows"].size(), by_quarter_origin.size());
  const json& first = document["rows"][0];
  EXPECT_TRUE(first["quarter"].get<std::string>().starts_with("2024Q1"));
  EXPECT_TRUE(first["origin"].is_null()) << "unknown origin sorts first and is null";
  EXPECT_TRUE(first["value"].is_number_float());
  std::string csv_out = json_table.ToCsv();
  EXPECT_TRUE(csv_out.starts_with("quarter,origin,cases,articles,value\n2024Q1,,"));
}

TEST_F(StatsTest, EveryCaseKeepsOneRecordPerGoodsLineCurrentAsItMoves) {
  ApplicationService applications(*store_, clock_, rng_);
  CaseService cases(*store_, clock_, rng_);
  Caller officer = MakeCaller(de_, Role::kIprOfficer);
  json body = {
      {"office", "DEHAM"},
      {"procedure", "ex_officio"},
      {"transport_mode", "express"},
      {"origin", "CN"},
      {"dispatch", "HK"},
      {"destination", "DE"},
      {"e_commerce", true},
      {"suspended_on", "2026-02-27"},
      {"declarant", {{"name", "A Person"}, {"address", "Somewhere 1"}, {"country", "DE"}}},
      {"goods",
       {{{"description", "watches"}, {"hs", "9102"}, {"quantity", 12}, {"unit", "pieces"},
         {"product_category", "watches"}, {"ipr_type", "trademark"},
         {"estimated_value_eur", 1200.5}},
        {{"description", "phone cases"}, {"hs", "4202"}, {"quantity", 40.4}, {"unit", "pieces"},
         {"product_category", "mobile_phones_and_accessories"}, {"ipr_type", "design"}}}}};
  Result<json> opened = cases.Open(officer, body);
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  std::string case_id = (*opened)["id"];

  SeizureTable lines = Query("product_category,outcome,origin,dispatch,transport_mode,e_commerce");
  ASSERT_EQ(lines.rows.size(), 2u);
  EXPECT_EQ(lines.rows[0].keys, (std::vector<std::string>{"mobile_phones_and_accessories",
                                                          "pending", "CN", "HK", "express",
                                                          "true"}));
  EXPECT_EQ(lines.rows[0].articles, 40);
  EXPECT_EQ(lines.rows[1].value_cents, 120050);
  Result<std::vector<SeizureRecord>> stored = [&]() -> Result<std::vector<SeizureRecord>> {
    std::vector<SeizureRecord> records;
    CORDON_RETURN_IF_ERROR(store_->Read([&](ReadTx& tx) -> Status {
      CORDON_ASSIGN_OR_RETURN(records, tx.ListCaseSeizureRecords(Scope{de_.id}, case_id));
      return Status::Ok();
    }));
    return records;
  }();
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 2u);
  EXPECT_EQ((*stored)[0].line, 1);
  EXPECT_EQ((*stored)[0].source, "case");
  EXPECT_EQ(FormatDate((*stored)[0].detained_on), "2026-02-27");
  EXPECT_EQ((*stored)[0].reporting_country, "DE");

  Result<json> rejected =
      cases.Act(officer, case_id, {{"action", "reject_application"}, {"reason", "none came"}});
  ASSERT_TRUE(rejected.ok()) << rejected.error().ToString();
  SeizureTable after = Query("outcome");
  ASSERT_EQ(after.rows.size(), 1u);
  EXPECT_EQ(after.rows[0].keys[0], "released");
  EXPECT_EQ(after.rows[0].cases, 1);

  // An import may not overwrite a Cordon case's records.
  std::string csv = std::string(kHeader) + case_id +
                    ",2025-07-01,DEHAM,DE,application,sea,CN,CN,DE,shoes,trademark,1,1,false,"
                    "false,pending\n";
  Result<SeizureImportReport> clash = stats_->ImportCsv(analyst_, csv, {});
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code(), ErrorCode::kConflict);

  json bad_body = body;
  bad_body.merge_patch({{"transport_mode", "boat"}, {"origin", "China"}});
  Result<json> bad = cases.Open(officer, bad_body);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(Fields(bad.error()), (std::vector<std::string>{"transport_mode", "origin"}));
}

}  // namespace
}  // namespace cordon
