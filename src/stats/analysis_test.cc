// The analysis: anomalies found on planted anomalies (and nowhere else) in a
// seeded background, quarter-on-quarter and year-on-year changes against
// figures computed here, incidence per office and the capacity split, and
// the effectiveness of profiles and model versions from stored screenings.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "identity/identity.h"
#include "stats/stats.h"
#include "store/sqlite_store.h"
#include "support/test_support.h"

namespace cordon {
namespace {

using json = nlohmann::json;

constexpr char kHeader[] =
    "case_id,detained_on,office,reporting_country,procedure,transport_mode,origin,dispatch,"
    "destination,product_category,ipr_type,articles,estimated_value_eur,small_consignment,"
    "e_commerce,outcome\n";

class AnalysisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteStore(SqliteOptions{dir_.File("cordon.db")});
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(opened).value();
    IdentityService identity(*store_, clock_, rng_);
    NewOrganisation input;
    input.name = "Customs DE";
    input.kind = OrgKind::kCustoms;
    input.country = "DE";
    input.jurisdiction = "EU";
    input.offices = {"DEHAM", "DEFRA", "DEMUC"};
    Result<Organisation> org = identity.CreateOrganisation(input);
    ASSERT_TRUE(org.ok()) << org.error().ToString();
    de_ = *org;
    analyst_.user_id = "usr_analyst";
    analyst_.org_id = de_.id;
    analyst_.org_kind = OrgKind::kCustoms;
    analyst_.role = Role::kRiskAnalyst;
    analyst_.country = "DE";
    stats_ = std::make_unique<StatsService>(*store_, clock_);
  }

  test_support::TempDir dir_;
  FakeClock clock_{*ParseTimestamp("2026-01-15T09:00:00Z")};
  SeededRng rng_{5};
  std::unique_ptr<Store> store_;
  std::unique_ptr<StatsService> stats_;
  Organisation de_;
  Caller analyst_;
};

// Eight quarters (2024Q1..2025Q4) of Poisson background per origin; in
// 2025Q4 VN jumps to 45 cases (background mean 6) and TR to 30 (mean 12).
TEST_F(AnalysisTest, PlantedAnomaliesAreFoundAndNothingElse) {
  std::mt19937 random(99);
  const std::vector<std::pair<std::string, double>> origins = {
      {"CN", 60}, {"HK", 25}, {"TR", 12}, {"VN", 6}, {"IN", 4}, {"AE", 2}};
  std::map<std::pair<std::string, std::string>, long long> counts;  // (quarter, origin)
  std::string csv = kHeader;
  int case_number = 0;
  for (int quarter = 0; quarter < 8; ++quarter) {
    int year = 2024 + quarter / 4;
    int month = (quarter % 4) * 3 + 1;
    std::string name = fmt::format("{}Q{}", year, quarter % 4 + 1);
    for (const auto& [origin, mean] : origins) {
      std::poisson_distribution<int> law(mean);
      int cases = law(random);
      if (quarter == 7 && origin == "VN") cases = 45;
      if (quarter == 7 && origin == "TR") cases = 30;
      counts[{name, origin}] = cases;
      for (int index = 0; index < cases; ++index) {
        csv += fmt::format("A{},{}-{:02}-{:02},DEHAM,DE,application,sea,{},{},DE,toys,trademark,1,"
                           "1,false,false,destroyed\n",
                           case_number++, year, month + index % 3, 1 + index % 28, origin, origin);
      }
    }
  }
  Result<SeizureImportReport> imported = stats_->ImportCsv(analyst_, csv, {});
  ASSERT_TRUE(imported.ok()) << imported.error().ToString();

  AnalysisOptions options;
  options.dimension = "origin";
  options.quarter = "2025Q4";
  Result<json> trends = stats_->Trends(analyst_, options);
  ASSERT_TRUE(trends.ok()) << trends.error().ToString();
  std::set<std::string> anomalies;
  for (const json& item : (*trends)["anomalies"]) {
    anomalies.insert(item["value"].get<std::string>());
    EXPECT_LT(item["p_value"].get<double>(), (*trends)["test"]["threshold"].get<double>());
  }
  EXPECT_EQ(anomalies, (std::set<std::string>{"TR", "VN"})) << trends->dump(2);
  EXPECT_EQ((*trends)["history_quarters"].size(), 4u);

  // Changes computed here from the generated counts.
  for (const json& item : (*trends)["values"]) {
    std::string origin = item["value"];
    long long now = counts[{"2025Q4", origin}];
    long long before = counts[{"2025Q3", origin}];
    long long year_before = counts[{"2024Q4", origin}];
    EXPECT_EQ(item["cases"], now);
    EXPECT_EQ(item["previous_quarter_cases"], before);
    EXPECT_EQ(item["year_before_cases"], year_before);
    if (before > 0) {
      EXPECT_NEAR(item["quarter_on_quarter_change_pct"].get<double>(),
                  100.0 * static_cast<double>(now - before) / static_cast<double>(before), 0.05);
    }
    if (year_before > 0) {
      EXPECT_NEAR(item["year_on_year_change_pct"].get<double>(),
                  100.0 * static_cast<double>(now - year_before) / static_cast<double>(year_before),
                  0.05);
    }
    double expected = 0;
    for (const char* prior : {"2025Q3", "2025Q2", "2025Q1", "2024Q4"}) {
      expected += static_cast<double>(counts[{prior, origin}]) / 4;
    }
    EXPECT_NEAR(item["expected"].get<double>(), std::max(expected, 0.5), 0.001);
  }

  // A quarter without anything planted raises nothing.
  options.quarter = "2025Q3";
  Result<json> quiet = stats_->Trends(analyst_, options);
  ASSERT_TRUE(quiet.ok());
  EXPECT_TRUE((*quiet)["anomalies"].empty()) << (*quiet)["anomalies"].dump();

  options.dimension = "colour";
  EXPECT_FALSE(stats_->Trends(analyst_, options).ok());
}

TEST_F(AnalysisTest, IncidenceCapacityAndEffectivenessFromStoredScreenings) {
  // Screenings in December 2025: DEHAM 400 declarations, 40 selected, 30
  // inspected, 12 infringing; DEFRA 200, 20, 20, 1. Profile prf_a hit the
  // first 30 DEHAM results (all selected and inspected; 12 infringing).
  Scope scope{de_.id};
  Status written = store_->Write([&](WriteTx& tx) -> Status {
    ScreeningRunRecord run;
    run.id = "run_1";
    run.org_id = de_.id;
    run.source = "cli";
    run.started_at = *ParseTimestamp("2025-12-01T08:00:00Z");
    CORDON_RETURN_IF_ERROR(tx.InsertScreeningRun(run));
    struct Plan {
      std::string office;
      int declarations, selected, inspected, infringing;
    };
    int ordinal = 0;
    for (const Plan& plan : {Plan{"DEHAM", 400, 40, 30, 12}, Plan{"DEFRA", 200, 20, 20, 1}}) {
      for (int index = 0; index < plan.declarations; ++index, ++ordinal) {
        ScreeningResultRecord result;
        result.id = fmt::format("res_{}", ordinal);
        result.org_id = de_.id;
        result.run_id = run.id;
        result.ordinal = ordinal;
        result.declaration_id = fmt::format("D{}", ordinal);
        result.office = plan.office;
        result.channel = index < plan.selected ? "red" : "green";
        result.selected = index < plan.selected;
        result.hits = "[]";
        result.created_at = *ParseTimestamp("2025-12-02T10:00:00Z");
        if (plan.office == "DEHAM" && index < 30) result.profile_ids = {"prf_a"};
        CORDON_RETURN_IF_ERROR(tx.InsertScreeningResult(scope, result));
        if (index < plan.inspected) {
          FindingRecord finding;
          finding.id = fmt::format("fnd_{}", ordinal);
          finding.org_id = de_.id;
          finding.result_id = result.id;
          finding.outcome = index < plan.infringing ? "suspected_ipr_infringement" : "no_irregularity";
          finding.at = result.created_at;
          CORDON_RETURN_IF_ERROR(tx.InsertFinding(scope, finding));
        }
      }
    }
    return Status::Ok();
  });
  ASSERT_TRUE(written.ok()) << written.error().ToString();
  std::string csv = kHeader;
  for (int index = 0; index < 8; ++index) {
    csv += fmt::format("S{},2025-12-0{},{},DE,application,sea,CN,CN,DE,shoes,trademark,1,1,false,"
                       "false,pending\n",
                       index, 1 + index % 5, index < 6 ? "DEHAM" : "DEFRA");
  }
  ASSERT_TRUE(stats_->ImportCsv(analyst_, csv, {}).ok());

  CapacityOptions options;
  options.from = ParseDate("2025-12-01");
  options.to = ParseDate("2025-12-31");
  options.capacity = 450;
  Result<json> incidence = stats_->Incidence(analyst_, options);
  ASSERT_TRUE(incidence.ok()) << incidence.error().ToString();
  const json& offices = (*incidence)["offices"];
  ASSERT_EQ(offices.size(), 2u);
  EXPECT_EQ(offices[0]["office"], "DEFRA");
  EXPECT_DOUBLE_EQ(offices[0]["detentions_per_1000_declarations"].get<double>(), 10.0);  // 2/200
  EXPECT_DOUBLE_EQ(offices[1]["detentions_per_1000_declarations"].get<double>(), 15.0);  // 6/400
  const json& allocation = (*incidence)["capacity"]["allocation"];
  ASSERT_EQ(allocation.size(), 2u);
  // DEHAM's rate (12+1)/(30+2) beats DEFRA's (1+1)/(20+2): DEHAM is filled to
  // its 400 declarations, DEFRA takes the remaining 50.
  EXPECT_EQ(allocation[0]["office"], "DEHAM");
  EXPECT_EQ(allocation[0]["inspections"], 400);
  EXPECT_EQ(allocation[1]["inspections"], 50);
  EXPECT_NEAR((*incidence)["capacity"]["expected_detections"].get<double>(),
              400.0 * 13 / 32 + 50.0 * 2 / 22, 0.01);

  Result<json> effectiveness = stats_->Effectiveness(analyst_, options.from, options.to);
  ASSERT_TRUE(effectiveness.ok()) << effectiveness.error().ToString();
  const json& profiles = (*effectiveness)["profiles"];
  ASSERT_EQ(profiles.size(), 1u);
  EXPECT_EQ(profiles[0]["profile_id"], "prf_a");
  EXPECT_EQ(profiles[0]["declarations_hit"], 30);
  EXPECT_EQ(profiles[0]["inspected"], 30);
  EXPECT_EQ(profiles[0]["found_infringing"], 12);
  EXPECT_DOUBLE_EQ(profiles[0]["hit_rate"].get<double>(), 0.4);
  const json& models = (*effectiveness)["model_versions"];
  ASSERT_EQ(models.size(), 1u);
  EXPECT_TRUE(models[0]["model_version"].is_null()) << "no model was active";
  EXPECT_EQ(models[0]["declarations_screened"], 600);
  EXPECT_EQ(models[0]["inspected"], 50);
  EXPECT_EQ(models[0]["found_infringing"], 13);
}

}  // namespace
}  // namespace cordon
