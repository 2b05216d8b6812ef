// The quarterly exchange: small-cell suppression, the document's round trip
// (JSON and CSV), its validation, the idempotent partner import and the
// joint view.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

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

Caller AnalystOf(const Organisation& org) {
  Caller caller;
  caller.user_id = "usr_analyst";
  caller.org_id = org.id;
  caller.org_kind = org.kind;
  caller.role = Role::kRiskAnalyst;
  caller.country = org.country;
  caller.jurisdiction = org.jurisdiction;
  return caller;
}

std::vector<std::string> Fields(const Error& error) {
  std::vector<std::string> fields;
  for (const FieldError& field : error.fields()) fields.push_back(field.field);
  return fields;
}

class ExchangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteStore(SqliteOptions{dir_.File("cordon.db")});
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(opened).value();
    IdentityService identity(*store_, clock_, rng_);
    for (auto [name, country, office] : {std::tuple{"Customs DE", "DE", "DEHAM"},
                                         std::tuple{"Customs NL", "NL", "NLRTM"}}) {
      NewOrganisation input;
      input.name = name;
      input.kind = OrgKind::kCustoms;
      input.country = country;
      input.jurisdiction = "EU";
      input.offices = {office};
      Result<Organisation> org = identity.CreateOrganisation(input);
      ASSERT_TRUE(org.ok()) << org.error().ToString();
      (std::string(country) == "DE" ? de_ : nl_) = *org;
    }
    stats_ = std::make_unique<StatsService>(*store_, clock_);
  }

  // `cases` cases on the route origin -> DE in 2025Q3, each of one shoes line
  // of 10 articles worth 100 EUR, from `office` of `country`.
  static std::string Cases(const std::string& prefix, const std::string& origin, int cases,
                           const std::string& country = "DE", const std::string& office = "DEHAM",
                           const std::string& category = "shoes") {
    std::string csv;
    for (int index = 0; index < cases; ++index) {
      csv += fmt::format("{}-{},2025-08-0{},{},{},application,sea,{},{},DE,{},trademark,10,100,"
                         "false,false,destroyed\n",
                         prefix, index, 1 + index % 9, office, country, origin, origin, category);
    }
    return csv;
  }

  void Import(const Organisation& org, const std::string& rows) {
    Result<SeizureImportReport> imported =
        stats_->ImportCsv(AnalystOf(org), std::string(kHeader) + rows, {});
    ASSERT_TRUE(imported.ok()) << imported.error().ToString();
  }

  test_support::TempDir dir_;
  FakeClock clock_{*ParseTimestamp("2025-11-03T09:00:00Z")};
  SeededRng rng_{3};
  std::unique_ptr<Store> store_;
  std::unique_ptr<StatsService> stats_;
  Organisation de_, nl_;
};

const ExchangeCell* FindCell(const StatisticsExchange& exchange, const std::string& breakdown,
                             const std::vector<std::pair<std::string, std::string>>& keys) {
  for (const ExchangeCell& cell : exchange.cells) {
    if (cell.breakdown == breakdown && cell.keys == keys) return &cell;
  }
  return nullptr;
}

TEST_F(ExchangeTest, CellsBelowTheThresholdNeverLeaveTheAdministration) {
  Import(de_, Cases("CN", "CN", 5) + Cases("HK", "HK", 2) + Cases("TR", "TR", 3) +
                  Cases("CN2", "CN", 4));
  Result<StatisticsExchange> exported = stats_->ExportQuarter(AnalystOf(de_), "2025Q3", 3);
  ASSERT_TRUE(exported.ok()) << exported.error().ToString();
  for (const ExchangeCell& cell : exported->cells) {
    EXPECT_GE(cell.cases, 3) << cell.breakdown;
  }
  const ExchangeCell* cn = FindCell(*exported, "route", {{"origin", "CN"}, {"destination", "DE"}});
  ASSERT_NE(cn, nullptr);
  EXPECT_EQ(cn->cases, 9);
  EXPECT_EQ(cn->articles, 90);
  EXPECT_DOUBLE_EQ(cn->value_eur, 900.0);
  EXPECT_NE(FindCell(*exported, "route", {{"origin", "TR"}, {"destination", "DE"}}), nullptr);
  EXPECT_EQ(FindCell(*exported, "route", {{"origin", "HK"}, {"destination", "DE"}}), nullptr);
  // HK suppressed on the route and on route x category.
  EXPECT_EQ(exported->suppressed_cells, 2);
  const ExchangeCell* total = FindCell(*exported, "total", {});
  ASSERT_NE(total, nullptr);
  EXPECT_EQ(total->cases, 14);

  Result<StatisticsExchange> stricter = stats_->ExportQuarter(AnalystOf(de_), "2025Q3", 10);
  ASSERT_TRUE(stricter.ok());
  EXPECT_EQ(FindCell(*stricter, "route", {{"origin", "CN"}, {"destination", "DE"}}), nullptr);
  EXPECT_NE(FindCell(*stricter, "total", {}), nullptr);

  Result<StatisticsExchange> bad = stats_->ExportQuarter(AnalystOf(de_), "2025-3", 3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(Fields(bad.error()), (std::vector<std::string>{"quarter"}));
}

TEST_F(ExchangeTest, TheDocumentRoundTripsThroughJsonAndItsReader) {
  Import(de_, Cases("CN", "CN", 5) + Cases("TR", "TR", 4, "DE", "DEHAM", "toys"));
  Result<StatisticsExchange> exported = stats_->ExportQuarter(AnalystOf(de_), "2025Q3", 3);
  ASSERT_TRUE(exported.ok());
  json document = StatisticsExchangeToJson(*exported);
  EXPECT_EQ(document["format"], "cordon-seizure-statistics");
  EXPECT_EQ(document["format_version"], 1);
  EXPECT_EQ(document["period"], (json{{"from", "2025-07-01"}, {"to", "2025-09-30"}}));
  Result<StatisticsExchange> parsed = ParseStatisticsExchange(json::parse(document.dump()));
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(StatisticsExchangeToJson(*parsed), document);
  EXPECT_EQ(parsed->cells.size(), exported->cells.size());

  std::string csv = StatisticsExchangeToCsv(*exported);
  EXPECT_EQ(static_cast<size_t>(std::count(csv.begin(), csv.end(), '\n')),
            exported->cells.size() + 1);
  EXPECT_NE(csv.find("1,DE,2025Q3,3,route,CN,DE,,,,5,50,500.00\n"), std::string::npos) << csv;
}

TEST_F(ExchangeTest, TheReaderNamesBadFieldsAndRefusesUnsuppressedCells) {
  Import(de_, Cases("CN", "CN", 5));
  json document = StatisticsExchangeToJson(*stats_->ExportQuarter(AnalystOf(de_), "2025Q3", 3));
  json small = document;
  small["cells"][1]["cases"] = 2;
  small["cells"][0]["keys"]["colour"] = "red";
  small["surprise"] = true;
  Result<StatisticsExchange> refused = ParseStatisticsExchange(small);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(Fields(refused.error()),
            (std::vector<std::string>{"surprise", "cells[0].keys", "cells[1].cases"}));

  json keys = document;
  keys["cells"][1]["keys"]["origin"] = "XX";
  keys["period"]["to"] = "2025-09-29";
  Result<StatisticsExchange> bad_keys = ParseStatisticsExchange(keys);
  ASSERT_FALSE(bad_keys.ok());
  EXPECT_EQ(Fields(bad_keys.error()), (std::vector<std::string>{"period", "cells[1].keys.origin"}));

  json future = document;
  future["format_version"] = 2;
  Result<StatisticsExchange> version = ParseStatisticsExchange(future);
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(Fields(version.error()), (std::vector<std::string>{"format_version"}));
}

TEST_F(ExchangeTest, PartnerImportIsIdempotentAndTheJointViewPutsBothSideBySide) {
  Import(de_, Cases("CN", "CN", 5) + Cases("HK", "HK", 3));
  Import(nl_, Cases("NLCN", "CN", 7, "NL", "NLRTM") + Cases("NLVN", "VN", 1, "NL", "NLRTM"));
  Result<StatisticsExchange> from_nl = stats_->ExportQuarter(AnalystOf(nl_), "2025Q3", 3);
  ASSERT_TRUE(from_nl.ok());
  json document = StatisticsExchangeToJson(*from_nl);

  Result<PartnerImportReport> first = stats_->ImportPartner(AnalystOf(de_), document);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_TRUE(first->changed);
  EXPECT_EQ(first->partner, "NL");
  Result<PartnerImportReport> again =
      stats_->ImportPartner(AnalystOf(de_), json::parse(document.dump(2)));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->changed) << "the same figures loaded twice change nothing";
  Result<PartnerImportReport> own = stats_->ImportPartner(AnalystOf(nl_), document);
  ASSERT_FALSE(own.ok());
  EXPECT_EQ(Fields(own.error()), (std::vector<std::string>{"reporting_country"}));

  Result<json> joint = stats_->JointView(AnalystOf(de_), "route", "2025Q3", "2025Q3");
  ASSERT_TRUE(joint.ok()) << joint.error().ToString();
  EXPECT_EQ((*joint)["partners"], json::array({"NL"}));
  json expected_rows = json::parse(R"([
    {"quarter":"2025Q3","origin":"CN","destination":"DE",
     "own":{"cases":5,"articles":50,"value":500.0},
     "partners":{"NL":{"cases":7,"articles":70,"value":700.0}}},
    {"quarter":"2025Q3","origin":"HK","destination":"DE",
     "own":{"cases":3,"articles":30,"value":300.0},"partners":{"NL":null}}])");
  EXPECT_EQ((*joint)["rows"], expected_rows);
  Result<json> bad = stats_->JointView(AnalystOf(de_), "office", "2025-3", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(Fields(bad.error()), (std::vector<std::string>{"by", "from_quarter"}));
}

}  // namespace
}  // namespace cordon
