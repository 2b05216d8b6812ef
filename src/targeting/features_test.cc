// The encoders: the leakage guard (out-of-fold rates, tables fitted on
// training rows only) and the fallback of unseen categories to their parents.
#include "targeting/features.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "targeting/test_util.h"

namespace cordon::targeting::internal {
namespace {

using test::FixtureData;
using test::FixtureMapping;

double Auc(const std::vector<double>& scores, const std::vector<float>& labels) {
  std::vector<double> rates = {50};
  Result<Metrics> metrics = Evaluate(scores, labels, {}, rates);
  return metrics.ok() && metrics->auc ? *metrics->auc : -1;
}

size_t FeatureIndex(const FeatureBuilder& builder, const std::string& name) {
  const auto& names = builder.feature_names();
  auto found = std::find(names.begin(), names.end(), name);
  EXPECT_NE(found, names.end()) << name;
  return static_cast<size_t>(found - names.begin());
}

std::vector<double> Column(const FeatureMatrix& matrix, size_t feature) {
  std::vector<double> values(matrix.rows);
  for (size_t row = 0; row < matrix.rows; ++row) values[row] = matrix.Row(row)[feature];
  return values;
}

// A data set whose only key, "ticket", is unique per row and whose labels are
// coin flips: any rate of that key a model could use is the row's own label.
Dataset TicketData(size_t rows, uint64_t seed) {
  Dataset data;
  data.key_names = {"ticket"};
  data.keys.resize(1);
  std::mt19937_64 rng(seed);
  for (size_t row = 0; row < rows; ++row) {
    data.keys[0].push_back("T" + std::to_string(seed) + "-" + std::to_string(row));
    data.labels.push_back(static_cast<float>(rng() % 2));
  }
  data.rows = rows;
  return data;
}

Mapping TicketMapping() {
  Mapping mapping;
  mapping.label_column = "outcome";
  mapping.keys = {{"ticket", "Ticket"}};
  return mapping;
}

TEST(LeakageGuard, OutOfFoldRatesCarryNoLabelOfTheirOwnRow) {
  Dataset train = TicketData(2000, 7);
  TrainOptions options;
  options.prior_weight = 1;
  Result<FeatureBuilder> builder = FeatureBuilder::Plan(TicketMapping(), options);
  ASSERT_TRUE(builder.ok()) << builder.error().ToString();
  Result<FeatureMatrix> oof = builder->FitTransform(train);
  ASSERT_TRUE(oof.ok()) << oof.error().ToString();
  size_t rate = FeatureIndex(*builder, "rate:ticket");

  // In-fold encoding (the leak the guard prevents): the same fitted tables
  // applied to the training rows separate the classes perfectly.
  Result<FeatureMatrix> in_fold = builder->Transform(train);
  ASSERT_TRUE(in_fold.ok());
  EXPECT_GT(Auc(Column(*in_fold, rate), train.labels), 0.99);

  // Out-of-fold: each ticket is unseen outside its own fold, so its rate is
  // the prior of the other folds — no better than chance.
  double oof_auc = Auc(Column(*oof, rate), train.labels);
  EXPECT_LT(std::fabs(oof_auc - 0.5), 0.1) << oof_auc;
  size_t count = FeatureIndex(*builder, "count:ticket");
  for (size_t row = 0; row < train.rows; ++row) {
    EXPECT_EQ(oof->Row(row)[count], 0.0f) << "a unique ticket has no rows in other folds";
  }
}

TEST(LeakageGuard, TrainedModelDoesNotFitALeakedRate) {
  // End to end through XGBoost: with out-of-fold rates the model cannot
  // memorise the labels through the ticket, so its training-set AUC stays
  // near chance; fresh data scores at chance too.
  Dataset train = TicketData(1500, 11);
  Dataset fresh = TicketData(500, 12);
  TrainOptions options;
  options.rounds_without_valid = 50;
  options.max_depth = 6;
  FakeClock clock(Timestamp{});
  Result<Model> model = Train(train, nullptr, TicketMapping(), options, clock);
  ASSERT_TRUE(model.ok()) << model.error().ToString();
  Result<std::vector<double>> train_scores = model->ScoreBatch(train);
  ASSERT_TRUE(train_scores.ok());
  // Scoring the training rows uses the full tables (in-fold), which is what
  // a leaky trainer would have fitted on; the model must not exploit it.
  EXPECT_LT(Auc(*train_scores, train.labels), 0.75);
  Result<std::vector<double>> fresh_scores = model->ScoreBatch(fresh);
  ASSERT_TRUE(fresh_scores.ok());
  EXPECT_LT(std::fabs(Auc(*fresh_scores, fresh.labels) - 0.5), 0.1);
}

Result<FeatureBuilder> FitOn(const Mapping& mapping, const Dataset& train) {
  CORDON_ASSIGN_OR_RETURN(FeatureBuilder builder, FeatureBuilder::Plan(mapping, mapping.train));
  CORDON_RETURN_IF_ERROR(builder.FitTransform(train).status());
  return builder;
}
// The fixture's mapping and test rows, and a builder fitted on its training rows.
struct FittedFixture {
  Mapping mapping = FixtureMapping();
  Dataset test = FixtureData("test.csv", mapping);
  Result<FeatureBuilder> builder = FitOn(mapping, FixtureData("train.csv", mapping));
};

TEST(LeakageGuard, TransformNeverReadsLabels) {
  FittedFixture fixture;
  ASSERT_TRUE(fixture.builder.ok()) << fixture.builder.error().ToString();
  const Dataset& test = fixture.test;
  const FeatureBuilder& builder = *fixture.builder;
  Result<FeatureMatrix> features = builder.Transform(test);
  ASSERT_TRUE(features.ok());
  Dataset flipped = test;
  for (float& label : flipped.labels) label = 1 - label;
  Result<FeatureMatrix> features_flipped = builder.Transform(flipped);
  ASSERT_TRUE(features_flipped.ok());
  EXPECT_EQ(features->values.size(), features_flipped->values.size());
  EXPECT_TRUE(
      std::equal(features->values.begin(), features->values.end(), features_flipped->values.begin(),
                 [](float a, float b) { return (std::isnan(a) && std::isnan(b)) || a == b; }));
}

// Two training rows per HS6 code; the scored row has parts seen and unseen.
class Fallback : public ::testing::Test {
 protected:
  void SetUp() override {
    mapping_.label_column = "outcome";
    mapping_.keys = {{"importer", "Importer"}, {"hs", "HS"}, {"origin", "Origin"}};
    mapping_.interactions = {{"origin", "hs6"}};
    options_.prior_weight = 2;
    auto add = [this](const std::string& importer, const std::string& hs, const std::string& origin,
                      float label) {
      train_.keys[0].push_back(importer);
      train_.keys[1].push_back(hs);
      train_.keys[2].push_back(origin);
      train_.labels.push_back(label);
      ++train_.rows;
    };
    train_.key_names = {"importer", "hs", "origin"};
    train_.keys.resize(3);
    add("A", "640399", "CN", 1);
    add("A", "640399", "CN", 1);
    add("B", "640419", "VN", 0);
    add("B", "640419", "CN", 1);
    add("C", "420221", "VN", 0);
    add("C", "420221", "VN", 0);
    Result<FeatureBuilder> builder = FeatureBuilder::Plan(mapping_, options_);
    ASSERT_TRUE(builder.ok()) << builder.error().ToString();
    builder_ = std::move(builder).value();
    ASSERT_TRUE(builder_.FitTransform(train_).ok());
  }

  std::vector<float> Score(const std::string& importer, const std::string& hs,
                           const std::string& origin) {
    Dataset row;
    row.key_names = {"importer", "hs", "origin"};
    row.keys = {{importer}, {hs}, {origin}};
    row.rows = 1;
    Result<FeatureMatrix> features = builder_.Transform(row);
    EXPECT_TRUE(features.ok());
    return features.ok() ? features->values : std::vector<float>{};
  }
  float Feature(const std::vector<float>& values, const std::string& name) {
    return values[FeatureIndex(builder_, name)];
  }

  Mapping mapping_;
  TrainOptions options_;
  Dataset train_;
  FeatureBuilder builder_;
};

TEST_F(Fallback, UnseenHs6FallsBackToHs4ThenHs2ThenGlobal) {
  double global = builder_.global_rate();
  EXPECT_DOUBLE_EQ(global, 0.5);
  // 999999 is unseen at every level: global.
  std::vector<float> unseen = Score("Z", "999999", "FR");
  EXPECT_FLOAT_EQ(Feature(unseen, "rate:hs2"), 0.5f);
  EXPECT_FLOAT_EQ(Feature(unseen, "rate:hs4"), 0.5f);
  EXPECT_FLOAT_EQ(Feature(unseen, "rate:hs6"), 0.5f);
  EXPECT_FLOAT_EQ(Feature(unseen, "rate:importer"), 0.5f);
  EXPECT_FLOAT_EQ(Feature(unseen, "count:importer"), 0.0f);
  // 640300: hs6 unseen, hs4 6403 seen (2 rows, both positive).
  std::vector<float> sibling = Score("A", "640300", "CN");
  float hs2 = Feature(sibling, "rate:hs2");  // chapter 64: 3 of 4 positive
  EXPECT_FLOAT_EQ(hs2, static_cast<float>((3 + 2 * 0.5) / (4 + 2)));
  float hs4 = Feature(sibling, "rate:hs4");  // 6403: 2 of 2, prior hs2
  EXPECT_FLOAT_EQ(hs4, static_cast<float>((2 + 2 * double(hs2)) / (2 + 2)));
  EXPECT_FLOAT_EQ(Feature(sibling, "rate:hs6"), hs4) << "unseen hs6 takes its hs4 rate";
  // origin*hs6 unseen → origin*hs4 (CN*6403: 2 of 2, prior CN*64).
  float pair = Feature(sibling, "rate:origin*hs6");
  EXPECT_GT(pair, hs4 - 1e-6f);
  std::vector<float> seen = Score("A", "640399", "CN");
  EXPECT_FLOAT_EQ(Feature(seen, "rate:origin*hs6"), (2 + 2 * pair) / (2 + 2))
      << "CN*640399 (2 of 2) is smoothed towards CN*6403";
}

TEST_F(Fallback, UnseenPairFallsBackToItsParts) {
  // VN*640399 never occurred; VN*6403 neither, VN*64 once (negative): the
  // prior chain ends in the log-odds combination of VN and hs2 64.
  std::vector<float> values = Score("A", "640399", "VN");
  float pair = Feature(values, "rate:origin*hs6");
  float origin = Feature(values, "rate:origin");
  float hs6 = Feature(values, "rate:hs6");
  EXPECT_GT(pair, 0.0f);
  EXPECT_LT(pair, hs6) << "VN lowers the goods' rate";
  EXPECT_LT(origin, 0.5f);
}

// A mapping whose only key is "hs", and rows of these codes and labels.
Mapping HsMapping() {
  Mapping mapping;
  mapping.label_column = "outcome";
  mapping.keys = {{"hs", "HS"}};
  return mapping;
}
Dataset HsRows(std::vector<std::string> codes, std::vector<float> labels) {
  Dataset rows;
  rows.key_names = {"hs"};
  rows.rows = codes.size();
  rows.keys = {std::move(codes)};
  rows.labels = std::move(labels);
  return rows;
}

TEST(Features, HsCodesArePaddedAndTruncated) {
  Mapping mapping = HsMapping();
  Dataset train = HsRows({"10121", "6403.99.10", "010121", "640399"}, {1, 0, 1, 0});
  TrainOptions options;
  options.folds = 2;
  Result<FeatureBuilder> builder = FeatureBuilder::Plan(mapping, options);
  ASSERT_TRUE(builder.ok());
  ASSERT_TRUE(builder->FitTransform(train).ok());
  Result<FeatureMatrix> features = builder->Transform(train);
  ASSERT_TRUE(features.ok());
  size_t count = FeatureIndex(*builder, "count:hs6");
  // "10121" is 010121 and "6403.99.10" is 640399 at the HS6 level: two rows each.
  for (size_t row = 0; row < 4; ++row) {
    EXPECT_FLOAT_EQ(features->Row(row)[count], std::log1p(2.0f)) << row;
  }
  EXPECT_EQ(builder->Detail(train, 0, count), "hs6=010121");
}

TEST(Features, CountFeaturesAreExactlyLog1pOfTheRows) {
  // Small counts come from a table (features.cc), large ones are computed:
  // both must be the very floats std::log1p gives.
  std::vector<std::string> codes(3, "640399");
  codes.resize(3 + 4100, "420222");
  std::vector<float> labels(codes.size(), 0.0f);
  labels[0] = 1.0f;
  Mapping mapping = HsMapping();
  Dataset train = HsRows(std::move(codes), std::move(labels));
  Result<FeatureBuilder> builder = FeatureBuilder::Plan(mapping, TrainOptions{});
  ASSERT_TRUE(builder.ok());
  ASSERT_TRUE(builder->FitTransform(train).ok());
  Result<FeatureMatrix> features = builder->Transform(train);
  ASSERT_TRUE(features.ok());
  const size_t count = FeatureIndex(*builder, "count:hs6");
  EXPECT_EQ(features->Row(0)[count], std::log1p(3.0f));
  EXPECT_EQ(features->Row(3)[count], std::log1p(4100.0f));
  EXPECT_NE(features->Row(0)[count], features->Row(3)[count]);
}

TEST(Features, TablesRoundTripThroughJson) {
  FittedFixture fixture;
  ASSERT_TRUE(fixture.builder.ok()) << fixture.builder.error().ToString();
  const Mapping& mapping = fixture.mapping;
  const Dataset& test = fixture.test;
  const FeatureBuilder& builder = *fixture.builder;
  Result<FeatureBuilder> loaded =
      FeatureBuilder::FromJson(builder.ToJson(), mapping, mapping.train);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  Result<FeatureMatrix> original = builder.Transform(test);
  Result<FeatureMatrix> again = loaded->Transform(test);
  ASSERT_TRUE(original.ok() && again.ok());
  EXPECT_EQ(loaded->ToJson(), builder.ToJson());
  for (size_t index = 0; index < original->values.size(); ++index) {
    float a = original->values[index], b = again->values[index];
    EXPECT_TRUE((std::isnan(a) && std::isnan(b)) || a == b) << index;
  }
  // A dictionary that lists a value twice cannot number its values: refused.
  nlohmann::ordered_json tables = builder.ToJson();
  auto& values = tables["dictionaries"][0]["values"];
  ASSERT_GE(values.size(), 2u);
  values[1] = values[0];
  Result<FeatureBuilder> repeated = FeatureBuilder::FromJson(tables, mapping, mapping.train);
  ASSERT_FALSE(repeated.ok());
  EXPECT_EQ(repeated.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(repeated.error().message().find("repeats a value"), std::string::npos);
  // Counts and keys that are not whole numbers in range (a float beyond the
  // type's range would be undefined behaviour to convert, found by
  // fuzz/targeting_model_fuzz.cc) are refused naming the member.
  for (const auto& [change, named] :
       std::vector<std::pair<std::function<void(nlohmann::ordered_json&)>, std::string>>{
           {[](nlohmann::ordered_json& t) { t["train_rows"] = 1e30; }, "tables.train_rows"},
           {[](nlohmann::ordered_json& t) { t["train_rows"] = -1; }, "tables.train_rows"},
           {[](nlohmann::ordered_json& t) { t["encoders"][0]["keys"][0] = -2.5; },
            "tables.encoders[0].keys[0]"}}) {
    nlohmann::ordered_json changed = builder.ToJson();
    change(changed);
    Result<FeatureBuilder> refused = FeatureBuilder::FromJson(changed, mapping, mapping.train);
    ASSERT_FALSE(refused.ok()) << named;
    EXPECT_EQ(refused.error().code(), ErrorCode::kCorrupt);
    EXPECT_NE(refused.error().message().find(named), std::string::npos)
        << refused.error().message();
  }
}

TEST(Features, RowsAreTransformedAsIfEachWereAlone) {
  // Transform reuses a row's look-ups for the next row where keys repeat
  // (the items of one declaration): every row must still come out exactly
  // as it does on its own. Rows: each test row three times, the second copy
  // with one key changed, so runs of equal and of partly equal rows follow.
  FittedFixture fixture;
  ASSERT_TRUE(fixture.builder.ok()) << fixture.builder.error().ToString();
  const Dataset& test = fixture.test;
  const FeatureBuilder& builder = *fixture.builder;
  ASSERT_FALSE(test.keys.empty());
  // Appends test row `source` to `into`, its first key taken from the next row if asked.
  auto append_row = [&](Dataset& into, size_t source, bool change_first_key) {
    for (size_t key = 0; key < test.keys.size(); ++key) {
      into.keys[key].push_back(test.keys[key][source]);
    }
    if (change_first_key) into.keys[0].back() = test.keys[0][(source + 1) % test.rows];
    for (size_t number = 0; number < test.numeric.size(); ++number) {
      into.numeric[number].push_back(test.numeric[number][source]);
    }
    if (!test.days.empty()) into.days.push_back(test.days[source]);
    if (!test.labels.empty()) into.labels.push_back(test.labels[source]);
    if (!test.ids.empty()) into.ids.push_back(test.ids[source]);
    if (!test.revenue.empty()) into.revenue.push_back(test.revenue[source]);
    ++into.rows;
  };
  Dataset all = test::Head(test, 0);
  std::vector<Dataset> alone;
  for (size_t source = 0; source < std::min<size_t>(test.rows, 40); ++source) {
    for (int copy = 0; copy < 3; ++copy) {
      append_row(all, source, copy == 1);
      alone.push_back(test::Head(test, 0));
      append_row(alone.back(), source, copy == 1);
    }
  }
  Result<FeatureMatrix> together = builder.Transform(all);
  ASSERT_TRUE(together.ok()) << together.error().ToString();
  ASSERT_EQ(together->rows, alone.size());
  for (size_t row = 0; row < alone.size(); ++row) {
    Result<FeatureMatrix> single = builder.Transform(alone[row]);
    ASSERT_TRUE(single.ok());
    for (size_t column = 0; column < single->columns; ++column) {
      const float a = together->Row(row)[column], b = single->Row(0)[column];
      EXPECT_TRUE((std::isnan(a) && std::isnan(b)) || a == b)
          << "row " << row << " " << builder.feature_names()[column];
    }
  }
}

}  // namespace
}  // namespace cordon::targeting::internal
