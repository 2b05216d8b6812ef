// The tree evaluator gives XGBoost's own predictions.
#include "targeting/forest.h"

#include <gtest/gtest.h>
#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace cordon::targeting::internal {
namespace {

TEST(Forest, MatchesXgboostPredictionsIncludingMissingValues) {
  constexpr size_t kRows = 400, kColumns = 5;
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<float> uniform(0, 1);
  std::vector<float> values(kRows * kColumns);
  std::vector<float> labels(kRows);
  for (size_t row = 0; row < kRows; ++row) {
    for (size_t column = 0; column < kColumns; ++column) {
      // Every fifth value missing, so default directions are exercised.
      values[row * kColumns + column] =
          rng() % 5 == 0 ? std::numeric_limits<float>::quiet_NaN() : uniform(rng);
    }
    float x = values[row * kColumns];
    labels[row] = (std::isnan(x) ? 0.7f : x) + 0.3f * uniform(rng) > 0.8f ? 1.0f : 0.0f;
  }
  DMatrixHandle matrix = nullptr;
  ASSERT_EQ(XGDMatrixCreateFromMat(values.data(), kRows, kColumns,
                                   std::numeric_limits<float>::quiet_NaN(), &matrix),
            0);
  ASSERT_EQ(XGDMatrixSetFloatInfo(matrix, "label", labels.data(), kRows), 0);
  BoosterHandle booster = nullptr;
  ASSERT_EQ(XGBoosterCreate(&matrix, 1, &booster), 0);
  XGBoosterSetParam(booster, "objective", "binary:logistic");
  XGBoosterSetParam(booster, "tree_method", "hist");
  XGBoosterSetParam(booster, "max_depth", "4");
  XGBoosterSetParam(booster, "nthread", "1");
  XGBoosterSetParam(booster, "verbosity", "0");
  for (int iteration = 0; iteration < 30; ++iteration) {
    ASSERT_EQ(XGBoosterUpdateOneIter(booster, iteration, matrix), 0);
  }
  bst_ulong length = 0;
  const char* buffer = nullptr;
  ASSERT_EQ(XGBoosterSaveModelToBuffer(booster, R"({"format": "json"})", &length, &buffer), 0);
  Result<Forest> forest = Forest::FromXgboostJson(std::string_view(buffer, length));
  ASSERT_TRUE(forest.ok()) << forest.error().ToString();
  EXPECT_EQ(forest->trees(), 30u);
  EXPECT_EQ(forest->features(), kColumns);

  const bst_ulong* shape = nullptr;
  bst_ulong dimensions = 0;
  const float* predictions = nullptr;
  ASSERT_EQ(XGBoosterPredictFromDMatrix(booster, matrix,
                                        R"({"type": 0, "training": false, "iteration_begin": 0,
                   "iteration_end": 0, "strict_shape": false})",
                                        &shape, &dimensions, &predictions),
            0);
  for (size_t row = 0; row < kRows; ++row) {
    EXPECT_NEAR(forest->Probability(values.data() + row * kColumns), predictions[row], 1e-5) << row;
  }

  // Path attributions: XGBoost's approx_contribs, and they add up to the margin.
  const float* contributions = nullptr;
  ASSERT_EQ(XGBoosterPredictFromDMatrix(booster, matrix,
                                        R"({"type": 3, "training": false, "iteration_begin": 0,
                   "iteration_end": 0, "strict_shape": false})",
                                        &shape, &dimensions, &contributions),
            0);
  std::vector<double> ours(kColumns + 1);
  double largest = 0;
  for (size_t row = 0; row < kRows; ++row) {
    const float* features = values.data() + row * kColumns;
    double margin = 0;
    forest->Contributions(features, ours.data(), &margin);
    // The walk's margin is Margin() to the bit, and so is its probability
    // Probabilities' (Explain gives the one, ScoreBatch the other).
    EXPECT_EQ(margin, forest->Margin(features)) << row;
    double batch = 0;
    forest->Probabilities(features, 1, kColumns, &batch);
    EXPECT_EQ(1.0 / (1.0 + std::exp(-margin)), batch) << row;
    double sum = 0;
    for (size_t column = 0; column <= kColumns; ++column) {
      EXPECT_NEAR(ours[column], contributions[row * (kColumns + 1) + column], 1e-4)
          << row << " " << column;
      largest = std::max(largest, std::fabs(ours[column]));
      sum += ours[column];
    }
    EXPECT_NEAR(sum, forest->Margin(features), 1e-9) << row;
  }
  EXPECT_GT(largest, 0.1);  // the attributions are not all zero

  // All rows at once (trees in the outer loop, 64 rows a block, the last
  // block partial): the row-by-row values, bit for bit.
  std::vector<double> batch((kColumns + 1) * kRows);
  std::vector<double> margins(kRows);
  forest->Contributions(values.data(), kRows, kColumns, batch.data(), margins.data());
  for (size_t row = 0; row < kRows; ++row) {
    double margin = 0;
    forest->Contributions(values.data() + row * kColumns, ours.data(), &margin);
    EXPECT_EQ(margins[row], margin) << row;
    for (size_t column = 0; column <= kColumns; ++column) {
      EXPECT_EQ(batch[row * (kColumns + 1) + column], ours[column]) << row << " " << column;
    }
  }
  XGBoosterFree(booster);
  XGDMatrixFree(matrix);
}

// A one-tree booster by hand: the root splits feature `feature` at
// `threshold` (missing values left when `missing_left`) into leaves -1 and +1.
std::string Stump(int feature, const std::string& threshold, bool missing_left) {
  return R"({"learner": {"objective": {"name": "binary:logistic"},
    "learner_model_param": {"base_score": "5E-1", "num_feature": "2"},
    "gradient_booster": {"name": "gbtree", "model": {"trees": [{
      "left_children": [1, -1, -1], "right_children": [2, -1, -1],
      "split_indices": [)" +
         std::to_string(feature) + R"(, 0, 0], "split_conditions": [)" + threshold +
         R"(, -1, 1],
      "default_left": [)" +
         (missing_left ? "1" : "0") + R"(, 0, 0], "sum_hessian": [2, 1, 1]}]}}}})";
}

TEST(Forest, MissingValuesTakeTheDefaultSideAndInfinitiesCompare) {
  constexpr float kNan = std::numeric_limits<float>::quiet_NaN();
  constexpr float kInf = std::numeric_limits<float>::infinity();
  for (bool missing_left : {true, false}) {
    Result<Forest> forest = Forest::FromXgboostJson(Stump(1, "0.5", missing_left));
    ASSERT_TRUE(forest.ok()) << forest.error().ToString();
    auto margin = [&](float x) {
      float row[2] = {kNan, x};  // feature 0, unused, missing
      return forest->Margin(row);
    };
    EXPECT_EQ(margin(0.25f), -1);
    EXPECT_EQ(margin(0.5f), 1);  // left only below the threshold
    EXPECT_EQ(margin(-kInf), -1);
    EXPECT_EQ(margin(kInf), 1);
    EXPECT_EQ(margin(kNan), missing_left ? -1 : 1);
    // Every entry point agrees, and a leaf stays put whatever the row holds.
    float rows[4] = {kInf, kNan, kInf, 0.25f};
    double batch[2];
    forest->Probabilities(rows, 2, 2, batch);
    EXPECT_EQ(batch[0], forest->Probability(rows));
    EXPECT_EQ(batch[1], 1 / (1 + std::exp(1.0)));
    double contributions[6], margins[2];
    forest->Contributions(rows, 2, 2, contributions, margins);
    EXPECT_EQ(margins[0], missing_left ? -1 : 1);
    EXPECT_EQ(contributions[1], missing_left ? -1 : 1);  // all of it on feature 1
    EXPECT_EQ(contributions[0], 0);
    EXPECT_EQ(contributions[2], 0);  // bias: base margin 0 plus the root's mean 0
  }
  // A threshold that is not finite (1e999 overflows to infinity) is refused,
  // as is a split on a feature the booster does not have.
  EXPECT_EQ(Forest::FromXgboostJson(Stump(1, "1e999", true)).error().code(),
            ErrorCode::kCorrupt);
  EXPECT_EQ(Forest::FromXgboostJson(Stump(2, "0.5", true)).error().code(), ErrorCode::kCorrupt);
}

TEST(Forest, RejectsWhatItCannotEvaluate) {
  EXPECT_EQ(Forest::FromXgboostJson("not json").error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(Forest::FromXgboostJson("{}").error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(Forest::FromXgboostJson(R"({"learner": {"objective": {"name": "reg:squarederror"}}})")
                .error()
                .code(),
            ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace cordon::targeting::internal
