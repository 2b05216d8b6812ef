// The screening pipeline: mark hits and their weights, small consignments,
// scoring and channels, selection under budget and capacity, and the result
// lines' JSON.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "screening/model_inputs.h"
#include "screening/screening.h"

namespace cordon {
namespace {

using nlohmann::json;

std::shared_ptr<const MarkIndex> ZentraIndex() {
  IndexedApplication zentra;
  zentra.id = "app_zentra";
  zentra.marks = {{"ZENTRA", 0, {25, 28}}, {"ZENTRA AIR RUNNER", 0, {25, 28}}};
  zentra.goods_hs = {"6402", "6403", "6404"};
  zentra.authorised_parties = {{"Zentra Logistics B.V.", "NL"}};
  IndexedApplication lumio;
  lumio.id = "app_lumio";
  lumio.marks = {{"LUMIO", 0, {9}}};
  lumio.goods_hs = {"8504", "8518"};
  auto index = MarkIndex::Build({zentra, lumio});
  EXPECT_TRUE(index.ok()) << index.error().ToString();
  return *index;
}

Declaration Shoes(const std::string& id, const std::string& description) {
  Declaration declaration;
  declaration.id = id;
  declaration.type = "import";
  declaration.office = "DEHAM";
  declaration.transport_mode = "sea";
  declaration.origin = "CN";
  declaration.consignor = {"Shenzhen Bright Trading Co., Ltd.", "", "CN"};
  declaration.consignee = {"Nordhandel GmbH", "", "DE"};
  declaration.items.push_back({"640411", description, "", 1200, "pairs", 900, 4800, "USD"});
  return declaration;
}

class ScreenerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto screener = Screener::Make({ZentraIndex(), nullptr, nullptr, ScoringOptions{}, nullptr, ""});
    ASSERT_TRUE(screener.ok()) << screener.error().ToString();
    screener_ = *screener;
    auto scratch = screener_->NewScratch();
    ASSERT_TRUE(scratch.ok());
    scratch_ = std::move(*scratch);
  }
  ScreeningResult Screen(const Declaration& declaration) {
    return screener_->Screen(declaration, Date{std::chrono::year(2026) / 3 / 1}, *scratch_);
  }
  std::shared_ptr<const Screener> screener_;
  std::unique_ptr<ScreeningScratch> scratch_;
};

TEST_F(ScreenerTest, ExactMarkOnListedGoodsIsRed) {
  ScreeningResult result = Screen(Shoes("D1", "sport shoes ZENTRA air runner"));
  EXPECT_EQ(result.id, "D1");
  ASSERT_EQ(result.hits.size(), 1u);
  const ScreeningHit& hit = result.hits[0];
  EXPECT_EQ(hit.kind, "mark");
  EXPECT_EQ(hit.mark, "ZENTRA AIR RUNNER");
  EXPECT_EQ(hit.application, "app_zentra");
  EXPECT_EQ(hit.relevance, "listed_goods");
  EXPECT_EQ(hit.distance, 0);
  EXPECT_DOUBLE_EQ(hit.weight, 0.9);
  EXPECT_DOUBLE_EQ(result.score, 0.9);
  EXPECT_EQ(result.channel, "red");
  EXPECT_TRUE(result.selected);
}

TEST_F(ScreenerTest, TypingVariantWeighsLess) {
  ScreeningResult result = Screen(Shoes("D2", "running shoes ZENTRAA"));
  ASSERT_EQ(result.hits.size(), 1u) << result.hits.size();
  EXPECT_EQ(result.hits[0].distance, 1);
  EXPECT_DOUBLE_EQ(result.score, 0.75);
  EXPECT_EQ(result.channel, "red");
}

TEST_F(ScreenerTest, UnrelatedGoodsAndAuthorisedPartiesDoNotRaiseTheScore) {
  Declaration candles = Shoes("D3", "lumio scented candles");
  candles.items[0].hs = "340600";
  ScreeningResult unrelated = Screen(candles);
  ASSERT_EQ(unrelated.hits.size(), 1u);
  EXPECT_EQ(unrelated.hits[0].relevance, "unrelated");
  EXPECT_DOUBLE_EQ(unrelated.score, 0);
  EXPECT_EQ(unrelated.channel, "green");

  Declaration authorised = Shoes("D4", "ZENTRA sneakers");
  authorised.consignee = {"ZENTRA LOGISTICS BV", "", "NL"};
  ScreeningResult result = Screen(authorised);
  ASSERT_EQ(result.hits.size(), 1u);
  EXPECT_TRUE(result.hits[0].authorised);
  EXPECT_DOUBLE_EQ(result.score, 0);
  EXPECT_FALSE(result.selected);
}

TEST_F(ScreenerTest, BrandFieldIsSearchedWithoutRepeatingTheDescription) {
  Declaration declaration = Shoes("D5", "textile sneakers");
  declaration.items[0].brand = "Z3NTRA";
  ScreeningResult result = Screen(declaration);
  ASSERT_EQ(result.hits.size(), 1u);
  EXPECT_EQ(result.hits[0].field, "brand");
  EXPECT_EQ(result.hits[0].found, "Z3NTRA");

  declaration.items[0].description = "ZENTRA sneakers";
  declaration.items[0].brand = "ZENTRA";
  EXPECT_EQ(Screen(declaration).hits.size(), 1u);
}

TEST_F(ScreenerTest, SmallConsignmentsAreFlagged) {
  Declaration parcel = Shoes("D6", "cotton socks");
  parcel.transport_mode = "postal";
  parcel.items[0].quantity = 3;
  parcel.items[0].gross_kg = 5;
  ScreeningResult three_units = Screen(parcel);
  ASSERT_EQ(three_units.hits.size(), 1u);
  EXPECT_EQ(three_units.hits[0].kind, "small_consignment");
  EXPECT_DOUBLE_EQ(three_units.score, 0);

  parcel.items[0].quantity = 4;
  parcel.items[0].gross_kg = 1.9;
  EXPECT_EQ(Screen(parcel).hits.size(), 1u);
  parcel.items[0].gross_kg = 2.0;  // "less than two kilograms"
  EXPECT_TRUE(Screen(parcel).hits.empty());
  parcel.transport_mode = "sea";
  parcel.items[0].quantity = 1;
  EXPECT_TRUE(Screen(parcel).hits.empty());
}

TEST_F(ScreenerTest, SeveralSignalsCombineByNoisyOr) {
  Declaration declaration = Shoes("D7", "ZENTRA shoes");
  declaration.items.push_back({"851830", "LUMIO headphones", "", 10, "pieces", 2, 50, "USD"});
  ScreeningResult result = Screen(declaration);
  ASSERT_EQ(result.hits.size(), 2u);
  EXPECT_EQ(result.hits[1].item, 1);
  EXPECT_DOUBLE_EQ(result.score, 0.99);  // 1 - 0.1 * 0.1
}

TEST_F(ScreenerTest, SameInputSameOutput) {
  Declaration declaration = Shoes("D8", "Z.E.N.T.R.A trainers and LUMIO cables");
  std::string first;
  std::string second;
  AppendResultJson(Screen(declaration), &first);
  AppendResultJson(Screen(declaration), &second);
  EXPECT_EQ(first, second);
}

// A small model in screening's own roles: goods from CN are risky.
std::shared_ptr<const targeting::Model> OriginModel() {
  std::vector<targeting::RoleValues> rows;
  std::vector<float> labels;
  for (int index = 0; index < 120; ++index) {
    Declaration declaration = Shoes("M" + std::to_string(index), "sport shoes");
    const bool risky = index % 2 == 0;
    declaration.origin = risky ? "CN" : "VN";
    declaration.items[0].value = 1000 + index;
    for (targeting::RoleValues& row : ModelInputs(declaration)) rows.push_back(std::move(row));
    labels.push_back(risky && index % 10 != 0 ? 1.0f : 0.0f);
  }
  targeting::Mapping mapping = StoredScreeningsMapping();
  targeting::Dataset data = targeting::DatasetFromRoles(mapping, rows);
  data.labels = labels;
  data.label_column = "outcome";
  targeting::TrainOptions options;
  options.rounds_without_valid = 15;
  options.max_depth = 3;
  FakeClock clock(Timestamp(std::chrono::milliseconds(1'700'000'000'000)));
  Result<targeting::Model> model = targeting::Train(data, nullptr, mapping, options, clock);
  EXPECT_TRUE(model.ok()) << model.error().ToString();
  return std::make_shared<const targeting::Model>(std::move(model).value());
}

TEST(ModelInputs, ModelDatasetIsDatasetFromRolesOfEachDeclarationsInputs) {
  std::vector<Declaration> declarations;
  for (int index = 0; index < 9; ++index) {
    Declaration declaration = Shoes("D" + std::to_string(index), "sport shoes");
    declaration.consignee.name = index % 2 ? "  nordhandel   gmbh " : "Nordhandel GmbH";
    declaration.e_commerce = index % 3 == 0;
    if (index % 4 == 0) declaration.lodged_at = Timestamp(std::chrono::hours(24 * (19000 + index)));
    for (int extra = 0; extra < index % 3; ++extra) {
      DeclarationItem item = declaration.items[0];
      item.hs = extra ? " 6403 " : "420222";
      item.brand = extra ? "zentra  " : "";
      item.value = extra ? 0 : 12.5 * index;  // 0: not declared, missing
      item.currency = extra ? "EUR" : "";
      declaration.items.push_back(item);
    }
    declarations.push_back(std::move(declaration));
  }
  std::vector<const Declaration*> pointers;
  std::vector<targeting::RoleValues> inputs;
  std::vector<size_t> expected_ends;
  for (const Declaration& declaration : declarations) {
    pointers.push_back(&declaration);
    for (targeting::RoleValues& row : ModelInputs(declaration)) inputs.push_back(std::move(row));
    expected_ends.push_back(inputs.size());
  }
  // The stored-screenings mapping (with a date), and one that lacks most roles.
  targeting::Mapping few;
  few.keys = {{"hs", "HS"}, {"origin", "Origin"}};
  few.numeric = {{"value", "Value"}};
  for (const targeting::Mapping& mapping : {StoredScreeningsMapping(), few}) {
    targeting::Dataset expected = targeting::DatasetFromRoles(mapping, inputs);
    std::vector<size_t> ends = {99};  // cleared first
    targeting::Dataset got = ModelDataset(mapping, pointers, ends);
    EXPECT_EQ(ends, expected_ends);
    EXPECT_EQ(got.rows, expected.rows);
    EXPECT_EQ(got.key_names, expected.key_names);
    EXPECT_EQ(got.keys, expected.keys);
    EXPECT_EQ(got.numeric_names, expected.numeric_names);
    EXPECT_EQ(got.days, expected.days);
    ASSERT_EQ(got.numeric.size(), expected.numeric.size());
    for (size_t column = 0; column < got.numeric.size(); ++column) {
      ASSERT_EQ(got.numeric[column].size(), expected.numeric[column].size());
      for (size_t row = 0; row < got.numeric[column].size(); ++row) {
        const double a = got.numeric[column][row], b = expected.numeric[column][row];
        EXPECT_TRUE(a == b || (std::isnan(a) && std::isnan(b))) << column << " " << row;
      }
    }
  }
  EXPECT_EQ(inputs.size(), 18u);
}

TEST(ScreenerModel, ScreenBatchGivesEachDeclarationsScreenResult) {
  ScoringOptions scoring;
  scoring.model_contributions = 3;
  auto screener = Screener::Make({ZentraIndex(), nullptr, nullptr, scoring, OriginModel(), "m"});
  ASSERT_TRUE(screener.ok()) << screener.error().ToString();
  auto scratch = (*screener)->NewScratch();
  ASSERT_TRUE(scratch.ok());
  const Date day{std::chrono::year(2026) / 3 / 1};
  // 600 declarations (more than one model batch of 256) of 1 to 3 items,
  // some with a mark, from two origins.
  std::vector<Declaration> declarations;
  for (int index = 0; index < 600; ++index) {
    Declaration declaration =
        Shoes("B" + std::to_string(index), index % 7 == 0 ? "ZENTRA air runner" : "sport shoes");
    declaration.origin = index % 3 == 0 ? "CN" : "VN";
    for (int extra = 0; extra < index % 3; ++extra) {
      declaration.items.push_back(declaration.items[0]);
      declaration.items.back().value = 10.0 * (index % 11) + extra;
    }
    declarations.push_back(std::move(declaration));
  }
  std::vector<const Declaration*> pointers;
  for (const Declaration& declaration : declarations) pointers.push_back(&declaration);
  std::vector<ScreeningResult> batch;
  (*screener)->ScreenBatch(pointers, day, **scratch, batch);
  ASSERT_EQ(batch.size(), declarations.size());
  // (Which item is riskiest within a group is Model::ExplainRiskiest's test.)
  for (size_t index = 0; index < declarations.size(); ++index) {
    std::string one, many;
    AppendResultJson((*screener)->Screen(declarations[index], day, **scratch), &one);
    AppendResultJson(batch[index], &many);
    ASSERT_EQ(many, one) << index;
  }
  // An empty batch gives no results.
  (*screener)->ScreenBatch({}, day, **scratch, batch);
  EXPECT_TRUE(batch.empty());
}

TEST(ScreenerModel, ModelHitExplainsTheRiskiestItemAndJoinsTheNoisyOr) {
  ScoringOptions scoring;
  scoring.model_contributions = 1000;
  auto screener = Screener::Make(
      {ZentraIndex(), nullptr, nullptr, scoring, OriginModel(), "origin.model"});
  ASSERT_TRUE(screener.ok()) << screener.error().ToString();
  auto scratch = (*screener)->NewScratch();
  ASSERT_TRUE(scratch.ok());
  const Date day{std::chrono::year(2026) / 3 / 1};

  // Two items: the hit reports the riskier one.
  Declaration mixed = Shoes("X1", "plain socks");
  mixed.origin = "VN";
  ScreeningResult low = (*screener)->Screen(mixed, day, **scratch);
  ASSERT_EQ(low.hits.size(), 1u);
  const ScreeningHit& low_hit = low.hits[0];
  EXPECT_EQ(low_hit.kind, "model");
  EXPECT_EQ(low_hit.name, "origin.model");
  Declaration risky = mixed;
  risky.origin = "CN";
  risky.items.push_back(risky.items[0]);
  risky.items[1].value = 5;  // a different row for the second item
  ScreeningResult high = (*screener)->Screen(risky, day, **scratch);
  ASSERT_EQ(high.hits.size(), 1u);
  const ScreeningHit& hit = high.hits[0];
  EXPECT_GT(hit.probability, low_hit.probability);
  EXPECT_GT(hit.probability, 0.5);
  // Bias plus every contribution is the log-odds; the origin is among the reasons.
  double sum = hit.bias;
  bool origin_named = false;
  for (const targeting::Contribution& contribution : hit.contributions) {
    sum += contribution.contribution;
    origin_named |= contribution.detail.find("origin=CN") != std::string::npos;
  }
  EXPECT_NEAR(sum, std::log(hit.probability / (1 - hit.probability)), 1e-6);
  EXPECT_TRUE(origin_named);
  // Score: the model is one more independent signal, at model_weight x p.
  EXPECT_DOUBLE_EQ(hit.weight, hit.probability);
  EXPECT_NEAR(high.score, std::round(hit.probability * 10000) / 10000, 1e-12);
  Declaration marked = risky;
  marked.items[0].description = "ZENTRA air runner";
  ScreeningResult both = (*screener)->Screen(marked, day, **scratch);
  double model_p = 0;
  for (const ScreeningHit& each : both.hits) {
    if (each.kind == "model") model_p = each.probability;
  }
  EXPECT_NEAR(both.score, std::round((1 - (1 - 0.9) * (1 - model_p)) * 10000) / 10000, 1e-12);

  // The item scored highest is reported, whichever position it has.
  int best = hit.item;
  ASSERT_GE(best, 0);
  ASSERT_LT(best, 2);

  // model_weight scales the model's evidence; 0 reports it without scoring.
  ScoringOptions muted = scoring;
  muted.model_weight = 0;
  auto quiet = (*screener)->WithModel(nullptr, "");
  EXPECT_EQ(quiet->Screen(risky, day, **scratch).hits.size(), 0u);
  auto zero = Screener::Make({ZentraIndex(), nullptr, nullptr, muted, OriginModel(), "m"});
  ASSERT_TRUE(zero.ok());
  auto zero_scratch = (*zero)->NewScratch();
  ASSERT_TRUE(zero_scratch.ok());
  ScreeningResult reported = (*zero)->Screen(risky, day, **zero_scratch);
  ASSERT_EQ(reported.hits.size(), 1u);
  EXPECT_EQ(reported.hits[0].weight, 0);
  EXPECT_EQ(reported.score, 0);

  std::string line;
  AppendResultJson(high, &line);
  json parsed = json::parse(line);
  const json& shown = parsed["hits"][0];
  EXPECT_EQ(shown["kind"], "model");
  EXPECT_EQ(shown["model"], "origin.model");
  EXPECT_NEAR(shown["probability"].get<double>(), hit.probability, 1e-4);
  EXPECT_EQ(shown["contributions"].size(), hit.contributions.size());
  EXPECT_TRUE(shown["contributions"][0].contains("detail"));
}

TEST(ScreenerOptions, RejectsBadScoring) {
  ScoringOptions scoring;
  scoring.mark_exact = 1.5;
  scoring.yellow_threshold = 0.9;
  auto screener = Screener::Make({nullptr, nullptr, nullptr, scoring, nullptr, ""});
  ASSERT_FALSE(screener.ok());
  EXPECT_EQ(screener.error().fields().size(), 1u);
  EXPECT_EQ(screener.error().fields()[0].field, "scoring.mark_exact");
  scoring.mark_exact = 0.9;
  screener = Screener::Make({nullptr, nullptr, nullptr, scoring, nullptr, ""});
  ASSERT_FALSE(screener.ok());
  EXPECT_EQ(screener.error().fields()[0].field, "scoring.yellow_threshold");
}

std::vector<ScreeningResult> Results(const std::vector<std::pair<std::string, double>>& scores) {
  std::vector<ScreeningResult> results;
  int serial = 0;
  for (const auto& [office, score] : scores) {
    ScreeningResult result;
    result.id = "D" + std::to_string(serial++);
    result.office = office;
    result.score = score;
    results.push_back(result);
  }
  return results;
}

std::vector<std::string> SelectedIds(const std::vector<ScreeningResult>& results) {
  std::vector<std::string> ids;
  for (const ScreeningResult& result : results) {
    if (result.selected) ids.push_back(result.id);
  }
  return ids;
}

TEST(Selection, BudgetTakesTheTopPercentTiesByInputOrder) {
  std::vector<ScreeningResult> results = Results({{"DEHAM", 0.5},
                                                  {"DEHAM", 0.9},
                                                  {"DEHAM", 0.5},
                                                  {"DEHAM", 0.2},
                                                  {"DEHAM", 0.0},
                                                  {"DEHAM", 0.5},
                                                  {"DEHAM", 0.1},
                                                  {"DEHAM", 0.3},
                                                  {"DEHAM", 0.0},
                                                  {"DEHAM", 0.4}});
  ASSERT_TRUE(SelectByBudget(results, 20).ok());                            // 2 of 10
  EXPECT_EQ(SelectedIds(results), (std::vector<std::string>{"D0", "D1"}));  // 0.9 and the first 0.5
  ASSERT_TRUE(SelectByBudget(results, 25).ok());                            // ceil(2.5) = 3
  EXPECT_EQ(SelectedIds(results), (std::vector<std::string>{"D0", "D1", "D2"}));
  ASSERT_TRUE(SelectByBudget(results, 100).ok());  // never a zero score
  EXPECT_EQ(SelectedIds(results).size(), 8u);
  ASSERT_TRUE(SelectByBudget(results, 0).ok());
  EXPECT_TRUE(SelectedIds(results).empty());
  EXPECT_FALSE(SelectByBudget(results, 101).ok());
  EXPECT_FALSE(SelectByBudget(results, -1).ok());
}

TEST(Selection, BudgetRoundingIsExact) {
  std::vector<ScreeningResult> results(100);
  for (size_t index = 0; index < results.size(); ++index) results[index].score = 0.5;
  ASSERT_TRUE(SelectByBudget(results, 5).ok());
  EXPECT_EQ(SelectedIds(results).size(), 5u);  // not 6 through rounding error
  ASSERT_TRUE(SelectByBudget(results, 0.5).ok());
  EXPECT_EQ(SelectedIds(results).size(), 1u);  // ceil(0.5)
}

TEST(Selection, CapacityPerOffice) {
  std::vector<ScreeningResult> results = Results({{"DEHAM", 0.5},
                                                  {"DEFRA", 0.9},
                                                  {"DEHAM", 0.7},
                                                  {"DEHAM", 0.7},
                                                  {"DEFRA", 0.1},
                                                  {"DEMUC", 0.99}});
  ASSERT_TRUE(SelectByCapacity(results, {{"DEHAM", 2}, {"DEFRA", 5}}).ok());
  EXPECT_EQ(SelectedIds(results), (std::vector<std::string>{"D1", "D2", "D3", "D4"}));
  EXPECT_FALSE(SelectByCapacity(results, {{"DEHAM", -1}}).ok());
}

TEST(Selection, ParsesBudgetsAndCapacities) {
  EXPECT_DOUBLE_EQ(*ParseBudget("5%"), 5);
  EXPECT_DOUBLE_EQ(*ParseBudget("2.5"), 2.5);
  for (const char* bad : {"", "%", "five", "150%", "-1%", "5%%"}) {
    Result<double> parsed = ParseBudget(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().fields()[0].field, "budget");
  }
  auto capacity = ParseCapacity("DEHAM=20,DEFRA=5");
  ASSERT_TRUE(capacity.ok());
  EXPECT_EQ(capacity->at("DEHAM"), 20);
  EXPECT_EQ(capacity->at("DEFRA"), 5);
  for (const char* bad :
       {"", "DEHAM", "DEHAM=", "DEHAM=x", "=3", "DEHAM=1,DEHAM=2", "HAMBURG=3", "DEHAM=1,"}) {
    auto parsed = ParseCapacity(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().fields()[0].field, "capacity");
  }
}

TEST(ResultJson, IsValidJsonInTheIssuesShape) {
  ScreeningResult result;
  result.id = "DE-2025-000123";
  result.office = "DEHAM";
  result.score = 0.91;
  result.channel = "red";
  result.selected = true;
  ScreeningHit mark;
  mark.kind = "mark";
  mark.item = 0;
  mark.field = "description";
  mark.mark = "ZENTRA";
  mark.application = "app_1";
  mark.found = "Z\"E\\N\tTRA \xC3\xA9 \xFF";  // quote, backslash, tab, é, a stray byte
  mark.relevance = "listed_goods";
  mark.weight = 0.9;
  ScreeningHit profile;
  profile.kind = "profile";
  profile.profile = "prf_1";
  profile.name = "shoes below 5 EUR/kg";
  profile.weight = 0.4;
  result.hits = {mark, profile};
  std::string line;
  AppendResultJson(result, &line);
  json parsed = json::parse(line);
  EXPECT_EQ(parsed["id"], "DE-2025-000123");
  EXPECT_DOUBLE_EQ(parsed["score"].get<double>(), 0.91);
  EXPECT_EQ(parsed["channel"], "red");
  EXPECT_EQ(parsed["selected"], true);
  EXPECT_EQ(parsed["hits"][0]["kind"], "mark");
  EXPECT_EQ(parsed["hits"][0]["found"], "Z\"E\\N\tTRA \xC3\xA9 \xEF\xBF\xBD");
  EXPECT_EQ(parsed["hits"][0]["relevance"], "listed_goods");
  EXPECT_EQ(parsed["hits"][0]["authorised"], false);
  EXPECT_EQ(parsed["hits"][1]["profile"], "prf_1");
  EXPECT_DOUBLE_EQ(parsed["hits"][1]["weight"].get<double>(), 0.4);
  EXPECT_FALSE(parsed["hits"][1].contains("item"));

  std::string error_line;
  AppendReadErrorJson({7, "", "items[0].hs: must be 2 to 10 digits"}, &error_line);
  json error = json::parse(error_line);
  EXPECT_EQ(error["line"], 7);
  EXPECT_TRUE(error["id"].is_null());
  EXPECT_EQ(error["error"], "items[0].hs: must be 2 to 10 digits");
}

// Numbers are rounded to 4 decimals and written as fmt's "{}" writes the
// rounded double; the writer has its own fast path for them, checked here
// against fmt itself.
TEST(ResultJson, NumbersAreWrittenAsFmtWritesTheRoundedValue) {
  std::vector<double> values = {0,       -0.0,        1,          -1,        0.5,
                                0.91,    0.00005,     0.0000499,  -0.00004,  0.0001,
                                1e-5,    0.1 + 0.2,   2.675,      1.00005,   123456.78915,
                                1e10,    99999999999.9999, 1e11,  1e15,      1e20,
                                -1e300,  1.7976931348623157e308,  4.9e-324,  NAN,
                                INFINITY};
  std::mt19937_64 random(42);
  std::uniform_real_distribution<double> exponent(-7, 18);
  for (int index = 0; index < 20000; ++index) {
    double magnitude = std::pow(10.0, exponent(random));
    values.push_back(index % 2 == 0 ? magnitude : -magnitude);
    values.push_back(static_cast<double>(random() % 2000000) / 10000);  // exact 4 decimals
  }
  for (double value : values) {
    ScreeningResult result;
    result.score = value;
    std::string line;
    AppendResultJson(result, &line);
    size_t start = line.find("\"score\":") + 8;
    std::string written = line.substr(start, line.find(",\"channel\"") - start);
    double finite = std::isfinite(value) ? value : 0;
    EXPECT_EQ(written, fmt::format("{}", std::round(finite * 10000) / 10000)) << value;
  }
}

// Long strings and many hits pass through the writer's buffer whole, escaped
// exactly where they need it, with no byte lost or doubled at its edges.
TEST(ResultJson, LongTextsAndManyHitsComeThroughWhole) {
  ScreeningResult result;
  for (int index = 0; index < 3000; ++index) {
    result.id += static_cast<char>('a' + index % 26);
    if (index % 97 == 0) result.id += "\"\\\n\x01\x1f\xC3\xA9";
  }
  for (int index = 0; index < 200; ++index) {
    ScreeningHit hit;
    hit.kind = "profile";
    hit.profile = "prf_" + std::to_string(index);
    hit.name = std::string(static_cast<size_t>(index * 7), 'x') + "\t";
    hit.weight = index / 1000.0;
    result.hits.push_back(hit);
  }
  std::string line = "prefix";
  AppendResultJson(result, &line);
  ASSERT_EQ(line.substr(0, 6), "prefix");
  json parsed = json::parse(line.substr(6));
  EXPECT_EQ(parsed["id"], result.id);
  EXPECT_NE(line.find("\\u0001\\u001f"), std::string::npos);
  ASSERT_EQ(parsed["hits"].size(), 200u);
  for (int index = 0; index < 200; ++index) {
    EXPECT_EQ(parsed["hits"][index]["profile"], "prf_" + std::to_string(index));
    EXPECT_EQ(parsed["hits"][index]["name"], result.hits[index].name);
    EXPECT_DOUBLE_EQ(parsed["hits"][index]["weight"].get<double>(), index / 1000.0);
  }
}

// A byte that needs escaping is found wherever it stands in a short or long
// text (the writer tests eight bytes at a time, and the tail apart).
TEST(ResultJson, EscapesAByteAtAnyPosition) {
  for (size_t size = 1; size <= 20; ++size) {
    for (size_t at = 0; at < size; ++at) {
      for (std::string special : {"\"", "\\", "\x01", "\x1f", "\xFF", "\xC3\xA9"}) {
        ScreeningResult result;
        result.id = std::string(size, 'k');
        result.id.replace(at, 1, special);
        std::string line;
        AppendResultJson(result, &line);
        std::string expected = result.id;
        if (special == "\xFF") expected.replace(at, 1, "\xEF\xBF\xBD");
        EXPECT_EQ(json::parse(line)["id"], expected) << size << " " << at;
      }
    }
  }
}

// The exact bytes of a result with every kind of hit, so that a change to the
// writer cannot change the output unnoticed.
TEST(ResultJson, WritesTheseExactBytes) {
  ScreeningResult result;
  result.id = "DE-1";
  result.office = "DEHAM";
  result.score = 0.87654;
  result.channel = "red";
  result.selected = true;
  ScreeningHit mark;
  mark.kind = "mark";
  mark.item = 2;
  mark.field = "brand";
  mark.mark = "ZENTRA";
  mark.application = "app_1";
  mark.found = "Z3NTRA\x7F";
  mark.distance = 1;
  mark.relevance = "class_related";
  mark.authorised = true;
  mark.weight = 0.45;
  ScreeningHit watch;
  watch.kind = "watchlist";
  watch.entry = "wl_1";
  watch.name = "Bright";
  watch.party = "consignor";
  watch.found = "BRIGHT";
  watch.similarity = 1;
  watch.weight = 0.5;
  ScreeningHit small;
  small.kind = "small_consignment";
  small.reason = "value 12 EUR";
  ScreeningHit model;
  model.kind = "model";
  model.item = 0;
  model.name = "m@1";
  model.probability = 0.123456;
  model.bias = -2.5;
  model.contributions = {{"rate:origin", NAN, 0.25, "origin=CN"},
                         {"hs6", 640411, -0.00004, ""}};
  model.weight = 0.1235;
  result.hits = {mark, watch, small, model};
  std::string line;
  AppendResultJson(result, &line);
  EXPECT_EQ(line,
            "{\"id\":\"DE-1\",\"score\":0.8765,\"channel\":\"red\",\"selected\":true,"
            "\"office\":\"DEHAM\",\"hits\":["
            "{\"kind\":\"mark\",\"item\":2,\"field\":\"brand\",\"mark\":\"ZENTRA\","
            "\"application\":\"app_1\",\"found\":\"Z3NTRA\x7F\",\"distance\":1,"
            "\"relevance\":\"class_related\",\"authorised\":true,\"weight\":0.45},"
            "{\"kind\":\"watchlist\",\"entry\":\"wl_1\",\"name\":\"Bright\",\"party\":"
            "\"consignor\",\"found\":\"BRIGHT\",\"similarity\":1,\"weight\":0.5},"
            "{\"kind\":\"small_consignment\",\"reason\":\"value 12 EUR\",\"weight\":0},"
            "{\"kind\":\"model\",\"item\":0,\"model\":\"m@1\",\"probability\":0.1235,"
            "\"bias\":-2.5,\"contributions\":[{\"feature\":\"rate:origin\",\"value\":null,"
            "\"contribution\":0.25,\"detail\":\"origin=CN\"},{\"feature\":\"hs6\",\"value\":"
            "640411,\"contribution\":-0,\"detail\":\"\"}],\"weight\":0.1235}]}");
  std::string error_line;
  AppendReadErrorJson({12, "DE-\"2\"", "items: is required"}, &error_line);
  EXPECT_EQ(error_line, "{\"line\":12,\"id\":\"DE-\\\"2\\\"\",\"error\":\"items: is required\"}");
}

}  // namespace
}  // namespace cordon
