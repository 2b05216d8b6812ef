// The quarterly exchange: small-cell suppression, the document's round trip
// (JSON and CSV), its validation, the idempotent partner import and the
// joint view.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "identity/identity.h"
#include "stats/stats.h"
#include "stats/suppression.h"
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
  EXPECT_EQ(FindCell(*exported, "route", {{"origin", "HK"}, {"destination", "DE"}}), nullptr);
  // HK suppressed on the route and on route x category (primary); the
  // smallest other route, TR, withheld with it, or the total minus CN would
  // give HK away; and TR x shoes, or it would give TR away.
  EXPECT_EQ(FindCell(*exported, "route", {{"origin", "TR"}, {"destination", "DE"}}), nullptr);
  EXPECT_EQ(FindCell(*exported, "route_product_category",
                     {{"origin", "TR"}, {"destination", "DE"}, {"product_category", "shoes"}}),
            nullptr);
  EXPECT_EQ(exported->primary_cells, 2);
  EXPECT_EQ(exported->secondary_cells, 2);
  EXPECT_EQ(exported->suppressed_cells, 4);
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
  EXPECT_EQ(document["format_version"], 2);
  EXPECT_EQ(document["suppression"], (json{{"min_cases", 3},
                                           {"suppressed_cells", 0},
                                           {"primary_cells", 0},
                                           {"secondary_cells", 0}}));
  EXPECT_EQ(document["period"], (json{{"from", "2025-07-01"}, {"to", "2025-09-30"}}));
  Result<StatisticsExchange> parsed = ParseStatisticsExchange(json::parse(document.dump()));
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(StatisticsExchangeToJson(*parsed), document);
  EXPECT_EQ(parsed->cells.size(), exported->cells.size());

  std::string csv = StatisticsExchangeToCsv(*exported);
  EXPECT_EQ(static_cast<size_t>(std::count(csv.begin(), csv.end(), '\n')),
            exported->cells.size() + 1);
  EXPECT_NE(csv.find("2,DE,2025Q3,3,route,CN,DE,,,,5,50,500.00\n"), std::string::npos) << csv;
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

  // A period whose day is a number, one more period field, another
  // taxonomy: each named, nothing thrown.
  json odd = document;
  odd["period"]["from"] = 20250701;
  odd["taxonomy"]["version"] = 2;
  Result<StatisticsExchange> odd_refused = ParseStatisticsExchange(odd);
  ASSERT_FALSE(odd_refused.ok());
  EXPECT_EQ(Fields(odd_refused.error()), (std::vector<std::string>{"period", "taxonomy"}));
  json extra = document;
  extra["period"]["days"] = 92;
  Result<StatisticsExchange> extra_refused = ParseStatisticsExchange(extra);
  ASSERT_FALSE(extra_refused.ok());
  EXPECT_EQ(Fields(extra_refused.error()), (std::vector<std::string>{"period"}));

  json future = document;
  future["format_version"] = 3;
  Result<StatisticsExchange> version = ParseStatisticsExchange(future);
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(Fields(version.error()), (std::vector<std::string>{"format_version"}));
}

TEST_F(ExchangeTest, PartnerImportIsIdempotentAndTheJointViewPutsBothSideBySide) {
  Import(de_, Cases("CN", "CN", 5) + Cases("HK", "HK", 3));
  // NL's VN route is below the threshold, TR is withheld as its complement.
  Import(nl_, Cases("NLCN", "CN", 7, "NL", "NLRTM") + Cases("NLVN", "VN", 1, "NL", "NLRTM") +
                  Cases("NLTR", "TR", 4, "NL", "NLRTM"));
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

// --- secondary suppression (docs/stats.md "Suppression")

using Keys = std::vector<std::pair<std::string, std::string>>;
using CellId = std::pair<std::string, Keys>;  // breakdown, keys

std::string CellText(const ExchangeCell& cell) {
  std::string text = cell.breakdown;
  for (const auto& [dim, value] : cell.keys) text += " " + dim + "=" + value;
  return text;
}

std::set<CellId> PublishedIds(const StatisticsExchange& exchange) {
  std::set<CellId> ids;
  for (const ExchangeCell& cell : exchange.cells) ids.insert({cell.breakdown, cell.keys});
  return ids;
}

TEST_F(ExchangeTest, TheSecondarySuppressionReachesAFixedPointAcrossLinkedGroups) {
  // Routes CN 9 (5 shoes, 4 toys), HK 2 (shoes), TR 3 (toys); min_cases 3.
  // HK is withheld (route, HK x shoes). Then, in turn: TR (the smallest other
  // route, against total - CN), TR x toys (against route TR = its only
  // category), CN x shoes (against shoes - CN x shoes = HK x shoes) and
  // CN x toys (against toys - CN x toys = TR x toys). What remains adds up to
  // nothing that isolates one withheld cell.
  Import(de_, Cases("CN", "CN", 5) + Cases("CNT", "CN", 4, "DE", "DEHAM", "toys") +
                  Cases("HK", "HK", 2) + Cases("TR", "TR", 3, "DE", "DEHAM", "toys"));
  Result<StatisticsExchange> exported = stats_->ExportQuarter(AnalystOf(de_), "2025Q3", 3);
  ASSERT_TRUE(exported.ok()) << exported.error().ToString();
  const std::set<CellId> expected = {
      {"total", {}},
      {"route", {{"origin", "CN"}, {"destination", "DE"}}},
      {"product_category", {{"product_category", "shoes"}}},
      {"product_category", {{"product_category", "toys"}}},
      {"ipr_type", {{"ipr_type", "trademark"}}},
      {"transport_mode", {{"transport_mode", "sea"}}},
  };
  EXPECT_EQ(PublishedIds(*exported), expected);
  EXPECT_EQ(exported->primary_cells, 2);
  EXPECT_EQ(exported->secondary_cells, 4);
  EXPECT_EQ(exported->suppressed_cells, 6);

  // With min_cases 2 nothing is small, so nothing is withheld at all.
  Result<StatisticsExchange> lower = stats_->ExportQuarter(AnalystOf(de_), "2025Q3", 2);
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(lower->suppressed_cells, 0);
  EXPECT_EQ(lower->cells.size(), 12u);
}

// The planner on relations given by hand: the complement order, the parent
// as the last resort, and complements published again when a later one
// made them unnecessary.
TEST(SuppressionPlanTest, ComplementsAreTheSmallestNeededCellsAndOnlyThose) {
  using stats_internal::TableCell;
  auto cell = [](long long cases, long long articles, long long value_cents) {
    return TableCell{"cell", {}, cases, articles, value_cents};
  };
  const std::vector<TableCell> cells = {
      cell(100, 100, 100),  // 0 P1 = a + b + c
      cell(1, 1, 1),        // 1 a (small)
      cell(10, 10, 10),     // 2 b
      cell(5, 5, 5),        // 3 c: the smaller, chosen first for P1
      cell(100, 100, 100),  // 4 P2 = d + b
      cell(1, 1, 1),        // 5 d (small): b is P2's only complement, so c is not needed
      cell(100, 100, 100),  // 6 P3 = e + f + g + h
      cell(1, 1, 1),        // 7 e (small)
      cell(5, 0, 9),        // 8 f: fewest articles, but none to hide
      cell(5, 7, 9),        // 9 g: ties with h, first
      cell(5, 7, 9),        // 10 h
      cell(100, 100, 100),  // 11 P4 = k
      cell(8, 8, 8),        // 12 k = P4's only cell, withheld for P5
      cell(100, 100, 100),  // 13 P5 = k + m
      cell(2, 2, 2),        // 14 m (small)
  };
  const std::vector<stats_internal::Relation> relations = {
      {0, {1, 2, 3}}, {4, {5, 2}}, {6, {7, 8, 9, 10}}, {11, {12}}, {13, {12, 14}}};
  stats_internal::SuppressionPlan plan = stats_internal::PlanSuppression(cells, relations, 3);
  std::vector<size_t> withheld;
  for (size_t index = 0; index < cells.size(); ++index) {
    if (plan.withheld[index]) withheld.push_back(index);
  }
  EXPECT_EQ(withheld, (std::vector<size_t>{1, 2, 5, 7, 9, 11, 12, 14}));
  EXPECT_EQ(plan.primary, 4);
  EXPECT_EQ(plan.secondary, 4);
}

// The breakdowns' dimensions and where they add up, as docs/stats.md states
// them; the attacker below knows them, as every partner does.
struct Link {
  std::string parent;
  std::string child;
  std::vector<std::string> parent_dims;
};
const std::vector<Link>& Links() {
  static const std::vector<Link> links = {
      {"total", "route", {}},
      {"total", "product_category", {}},
      {"total", "ipr_type", {}},
      {"total", "transport_mode", {}},
      {"route", "route_product_category", {"origin", "destination"}},
      {"product_category", "route_product_category", {"product_category"}},
      // Implied by the two above: all route x category cells make the total.
      {"total", "route_product_category", {}},
  };
  return links;
}

Keys Project(const Keys& keys, const std::vector<std::string>& dims) {
  Keys projected;
  for (const auto& key : keys) {
    if (std::find(dims.begin(), dims.end(), key.first) != dims.end()) projected.push_back(key);
  }
  return projected;
}

struct Figures {
  std::set<std::string> cases;
  long long articles = 0;
  long long cents = 0;
};

struct GeneratedQuarter {
  std::string quarter;
  int min_cases = 3;
  std::string csv;                  // the records, without header
  std::map<CellId, Figures> truth;  // every cell, unsuppressed
};

// Seeded random records of one quarter: a few dozen cases of one to three
// lines, over few routes and categories so that small cells are common; a
// line sometimes has its own origin (imported records may), and unknown
// origins, destinations and transport modes occur. Articles and values are
// at least 1, so a sum of two withheld figures never equals one of them.
GeneratedQuarter Generate(uint32_t seed) {
  std::mt19937 random(seed);
  // Skewed towards the first values, as detentions are: the smaller of two
  // uniform draws.
  auto pick = [&](const std::vector<std::string>& values) {
    const size_t first = random() % values.size(), second = random() % values.size();
    return values[std::min(first, second)];
  };
  const std::vector<std::string> origins = {"CN", "HK", "TR", "VN", ""};
  const std::vector<std::string> destinations = {"DE", "NL", ""};
  const std::vector<std::string> modes = {"sea", "air", "postal", ""};
  const std::vector<std::string> categories = {"shoes", "toys", "watches", "clothing", "medicines"};
  const std::vector<std::string> ipr_types = {"trademark", "design", "copyright"};
  GeneratedQuarter generated;
  const int year = 2010 + static_cast<int>(seed / 4);
  const int quarter = static_cast<int>(seed % 4);
  generated.quarter = fmt::format("{}Q{}", year, quarter + 1);
  generated.min_cases = 2 + static_cast<int>(random() % 4);
  const int cases = 4 + static_cast<int>(random() % 100);
  for (int number = 0; number < cases; ++number) {
    const std::string case_id = fmt::format("S{}-{}", seed, number);
    const std::string case_origin = pick(origins);
    const std::string destination = pick(destinations);
    const std::string mode = pick(modes);
    const std::string day =
        fmt::format("{}-{:02}-{:02}", year, quarter * 3 + 1 + random() % 3, 1 + random() % 28);
    const int lines = 1 + static_cast<int>(random() % 3);
    for (int line = 0; line < lines; ++line) {
      const std::string origin = random() % 6 == 0 ? pick(origins) : case_origin;
      const std::string category = pick(categories);
      const std::string ipr_type = pick(ipr_types);
      const long long articles = 1 + random() % 500;
      const long long cents = 1 + random() % 100000;
      generated.csv += fmt::format(
          "{},{},DEHAM,DE,application,{},{},{},{},{},{},{},{}.{:02},false,false,destroyed\n",
          case_id, day, mode, origin, origin, destination, category, ipr_type, articles,
          cents / 100, cents % 100);
      const std::map<std::string, Keys> cells = {
          {"total", {}},
          {"route", {{"origin", origin}, {"destination", destination}}},
          {"product_category", {{"product_category", category}}},
          {"ipr_type", {{"ipr_type", ipr_type}}},
          {"transport_mode", {{"transport_mode", mode}}},
          {"route_product_category",
           {{"origin", origin}, {"destination", destination}, {"product_category", category}}}};
      for (const auto& [breakdown, keys] : cells) {
        Figures& figures = generated.truth[{breakdown, keys}];
        figures.cases.insert(case_id);
        figures.articles += articles;
        figures.cents += cents;
      }
    }
  }
  return generated;
}

TEST_F(ExchangeTest, AnAttackerSubtractingPublishedCellsNeverRecoversAWithheldOne) {
  constexpr uint32_t kSeeds = 60;  // one quarter each, 2010Q1 to 2024Q4
  std::vector<GeneratedQuarter> quarters;
  std::string rows;
  for (uint32_t seed = 0; seed < kSeeds; ++seed) {
    quarters.push_back(Generate(seed));
    rows += quarters.back().csv;
  }
  Import(de_, rows);
  long long withheld_total = 0, secondary_total = 0, quarters_with_complements = 0;
  for (const GeneratedQuarter& generated : quarters) {
    SCOPED_TRACE(generated.quarter);
    Result<StatisticsExchange> exported =
        stats_->ExportQuarter(AnalystOf(de_), generated.quarter, generated.min_cases);
    ASSERT_TRUE(exported.ok()) << exported.error().ToString();
    struct Published {
      long long articles = 0;
      long long cents = 0;
    };
    std::map<CellId, Published> published;
    for (const ExchangeCell& cell : exported->cells) {
      ASSERT_TRUE(generated.truth.count({cell.breakdown, cell.keys})) << CellText(cell);
      const Figures& truth = generated.truth.at({cell.breakdown, cell.keys});
      EXPECT_GE(cell.cases, generated.min_cases);
      EXPECT_EQ(cell.cases, static_cast<long long>(truth.cases.size())) << CellText(cell);
      EXPECT_EQ(cell.articles, truth.articles) << CellText(cell);
      published[{cell.breakdown, cell.keys}] = {cell.articles, std::llround(cell.value_eur * 100)};
    }
    long long primary = 0;
    for (const auto& [id, truth] : generated.truth) {
      if (static_cast<long long>(truth.cases.size()) < generated.min_cases) {
        ++primary;
        EXPECT_FALSE(published.count(id)) << id.first << " below min_cases was published";
      }
    }
    EXPECT_EQ(exported->primary_cells, primary);
    EXPECT_EQ(exported->suppressed_cells,
              static_cast<long long>(generated.truth.size() - published.size()));
    EXPECT_EQ(exported->primary_cells + exported->secondary_cells, exported->suppressed_cells);
    withheld_total += exported->suppressed_cells;
    secondary_total += exported->secondary_cells;
    quarters_with_complements += exported->secondary_cells > 0 ? 1 : 0;

    // From the document alone: per link and parent key, the parent minus
    // the published children (what a single withheld child would be), or,
    // the parent missing, the sum of the published children (what the
    // parent would be were they all).
    std::map<CellId, int> withheld_members_of;  // per relation, from the truth
    std::map<CellId, std::vector<CellId>> relations_of_cell;
    for (size_t link_index = 0; link_index < Links().size(); ++link_index) {
      const Link& link = Links()[link_index];
      std::map<Keys, Published> sum_of_published_children;
      std::map<Keys, std::vector<CellId>> withheld_children;
      for (const auto& [id, truth] : generated.truth) {
        if (id.first != link.child) continue;
        Keys parent_keys = Project(id.second, link.parent_dims);
        Published& sum = sum_of_published_children[parent_keys];
        auto found = published.find(id);
        if (found != published.end()) {
          sum.articles += found->second.articles;
          sum.cents += found->second.cents;
        } else {
          withheld_children[parent_keys].push_back(id);
        }
        // The relation's name: link and parent keys.
        CellId relation = {std::to_string(link_index), parent_keys};
        relations_of_cell[id].push_back(relation);
        withheld_members_of[relation] += found == published.end() ? 1 : 0;
      }
      for (const auto& [parent_keys, sum] : sum_of_published_children) {
        const CellId parent = {link.parent, parent_keys};
        CellId relation = {std::to_string(link_index), parent_keys};
        relations_of_cell[parent].push_back(relation);
        auto parent_published = published.find(parent);
        if (parent_published == published.end()) {
          ++withheld_members_of[relation];
          const Figures& truth = generated.truth.at(parent);
          EXPECT_NE(sum.articles, truth.articles)
              << "the articles of withheld " << parent.first << " are its published children's sum";
          EXPECT_NE(sum.cents, truth.cents)
              << "the value of withheld " << parent.first << " is its published children's sum";
          continue;
        }
        const long long articles = parent_published->second.articles - sum.articles;
        const long long cents = parent_published->second.cents - sum.cents;
        for (const CellId& child : withheld_children[parent_keys]) {
          const Figures& truth = generated.truth.at(child);
          EXPECT_NE(articles, truth.articles)
              << link.parent << " minus its published " << link.child << " cells gives away one";
          EXPECT_NE(cents, truth.cents)
              << link.parent << " minus its published " << link.child << " cells gives away one";
        }
      }
    }
    // No relation has exactly one unknown, so no chain of subtractions can
    // start; and every complement is needed: some relation holds it and
    // exactly one other withheld cell.
    for (const auto& [relation, withheld] : withheld_members_of) EXPECT_NE(withheld, 1);
    for (const auto& [id, truth] : generated.truth) {
      if (published.count(id) || static_cast<long long>(truth.cases.size()) < generated.min_cases) {
        continue;
      }
      const std::vector<CellId>& relations = relations_of_cell[id];
      EXPECT_TRUE(
          std::any_of(relations.begin(), relations.end(),
                      [&](const CellId& relation) { return withheld_members_of[relation] == 2; }))
          << id.first << " with " << truth.cases.size() << " cases withheld without need";
    }
  }
  // The generated data does exercise the complements (in 51 of the 60
  // quarters when this was written).
  EXPECT_GE(quarters_with_complements, kSeeds / 2) << secondary_total << " of " << withheld_total;
}

TEST_F(ExchangeTest, TheSameRecordsGiveTheSameDocumentBytes) {
  GeneratedQuarter generated = Generate(2);  // 10 complements
  Import(de_, generated.csv);
  // NL gets the same records, its cases in reverse order.
  std::vector<std::string> lines;
  for (size_t start = 0, end; start < generated.csv.size(); start = end + 1) {
    end = generated.csv.find('\n', start);
    lines.push_back(generated.csv.substr(start, end - start));
  }
  std::stable_sort(lines.begin(), lines.end(),
                   [](const std::string& left, const std::string& right) {
                     return left.substr(0, left.find(',')) > right.substr(0, right.find(','));
                   });
  std::string reversed;
  for (std::string line : lines) {
    line.replace(line.find(",DEHAM,DE,"), 10, ",NLRTM,NL,");
    reversed += line + "\n";
  }
  Import(nl_, reversed);
  auto document = [&](const Organisation& org) {
    Result<StatisticsExchange> exported =
        stats_->ExportQuarter(AnalystOf(org), generated.quarter, generated.min_cases);
    EXPECT_TRUE(exported.ok());
    return exported.ok() ? StatisticsExchangeToJson(*exported) : json();
  };
  json first = document(de_);
  EXPECT_GT(first["suppression"]["secondary_cells"].get<int>(), 0) << first["suppression"];
  EXPECT_EQ(document(de_).dump(), first.dump());
  json from_nl = document(nl_);
  EXPECT_EQ(from_nl["cells"].dump(), first["cells"].dump());
  EXPECT_EQ(from_nl["suppression"].dump(), first["suppression"].dump());
}

TEST_F(ExchangeTest, VersionOneDocumentsAreStillReadAndLoaded) {
  // A version-1 document as Cordon wrote it before secondary suppression.
  const json version_1 = json::parse(R"({
    "format": "cordon-seizure-statistics", "format_version": 1, "reporting_country": "NL",
    "quarter": "2025Q3", "period": {"from": "2025-07-01", "to": "2025-09-30"},
    "generated_at": "2025-10-02T08:00:00.000Z",
    "taxonomy": {"product_categories": "cordon-seizure-product-categories", "version": 1},
    "suppression": {"min_cases": 3, "suppressed_cells": 2},
    "cells": [
      {"breakdown": "total", "keys": {}, "cases": 8, "articles": 80, "value_eur": 800.0},
      {"breakdown": "route", "keys": {"origin": "CN", "destination": "DE"}, "cases": 7,
       "articles": 70, "value_eur": 700.0}]})");
  Result<StatisticsExchange> parsed = ParseStatisticsExchange(version_1);
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->format_version, 1);
  EXPECT_EQ(parsed->primary_cells, 2);
  EXPECT_EQ(parsed->secondary_cells, 0);
  // Written back in its own version, byte for byte: what the store holds
  // for a version-1 document loaded earlier stays the same.
  EXPECT_EQ(StatisticsExchangeToJson(*parsed).dump(), version_1.dump());
  Result<PartnerImportReport> loaded = stats_->ImportPartner(AnalystOf(de_), version_1);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  EXPECT_TRUE(loaded->changed);
  Result<PartnerImportReport> again = stats_->ImportPartner(AnalystOf(de_), version_1);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->changed);
  Result<json> joint = stats_->JointView(AnalystOf(de_), "route", "", "");
  ASSERT_TRUE(joint.ok()) << joint.error().ToString();
  EXPECT_EQ((*joint)["rows"][0]["partners"]["NL"]["articles"], 70);

  // The version-2 fields belong to version 2 only, and must add up there.
  json with_split = version_1;
  with_split["suppression"]["primary_cells"] = 2;
  Result<StatisticsExchange> refused = ParseStatisticsExchange(with_split);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(Fields(refused.error()), (std::vector<std::string>{"suppression.primary_cells"}));
  json version_2 = version_1;
  version_2["format_version"] = 2;
  version_2["suppression"] = {{"min_cases", 3}, {"suppressed_cells", 2}, {"primary_cells", 1}};
  Result<StatisticsExchange> missing = ParseStatisticsExchange(version_2);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(Fields(missing.error()), (std::vector<std::string>{"suppression.secondary_cells"}));
  version_2["suppression"]["secondary_cells"] = 0;
  Result<StatisticsExchange> wrong_sum = ParseStatisticsExchange(version_2);
  ASSERT_FALSE(wrong_sum.ok());
  EXPECT_EQ(Fields(wrong_sum.error()), (std::vector<std::string>{"suppression.suppressed_cells"}));
  version_2["suppression"]["secondary_cells"] = 1;
  Result<StatisticsExchange> read = ParseStatisticsExchange(version_2);
  ASSERT_TRUE(read.ok()) << read.error().ToString();
  EXPECT_EQ(read->secondary_cells, 1);
  EXPECT_EQ(StatisticsExchangeToJson(*read), version_2);
  Result<PartnerImportReport> replaced = stats_->ImportPartner(AnalystOf(de_), version_2);
  ASSERT_TRUE(replaced.ok()) << replaced.error().ToString();
  EXPECT_TRUE(replaced->changed);
}

}  // namespace
}  // namespace cordon
