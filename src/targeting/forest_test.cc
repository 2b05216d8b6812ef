// The tree evaluator gives XGBoost's own predictions.
#include "targeting/forest.h"

#include <gtest/gtest.h>
#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

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

  // All rows at once (trees in the outer loop, blocks of rows, the last
  // partial), with the vector walk and without: the row-by-row values, bit
  // for bit; and from the leaves of Leaves, the same again.
  std::vector<uint32_t> vector_leaves;
  for (bool vector : {true, false}) {
    Forest::SetVectorWalk(vector);
    std::vector<double> batch((kColumns + 1) * kRows);
    std::vector<double> margins(kRows);
    forest->Contributions(values.data(), kRows, kColumns, batch.data(), margins.data());
    std::vector<double> probabilities(kRows);
    forest->Probabilities(values.data(), kRows, kColumns, probabilities.data());
    std::vector<uint32_t> leaves(kRows * forest->trees());
    std::vector<double> leaf_margins(kRows);
    forest->Leaves(values.data(), kRows, kColumns, leaves.data(), leaf_margins.data());
    std::vector<double> from_leaves((kColumns + 1) * kRows);
    forest->ContributionsOfLeaves(leaves.data(), kRows, from_leaves.data());
    EXPECT_EQ(from_leaves, batch);
    EXPECT_EQ(leaf_margins, margins);
    if (vector) {
      vector_leaves = leaves;
    } else {
      EXPECT_EQ(leaves, vector_leaves);  // the same leaf for every row in every tree
    }
    for (size_t row = 0; row < kRows; ++row) {
      double margin = 0;
      forest->Contributions(values.data() + row * kColumns, ours.data(), &margin);
      EXPECT_EQ(margins[row], margin) << row;
      EXPECT_EQ(probabilities[row], 1.0 / (1.0 + std::exp(-margin))) << row;
      for (size_t column = 0; column <= kColumns; ++column) {
        EXPECT_EQ(batch[row * (kColumns + 1) + column], ours[column]) << row << " " << column;
      }
    }
  }
  Forest::SetVectorWalk(true);
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
  EXPECT_EQ(Forest::FromXgboostJson(Stump(1, "1e999", true)).error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(Forest::FromXgboostJson(Stump(2, "0.5", true)).error().code(), ErrorCode::kCorrupt);
}

TEST(Forest, NodeNumbersThatAreNotWholeNumbersAreCorrupt) {
  // Converting 1e10 or 2.5 to an int is undefined behaviour in nlohmann's
  // get<int>() (found by fuzz/targeting_model_fuzz.cc); -1 would wrap into a
  // huge unsigned feature index. Each is refused naming the array and index.
  const std::string stump = Stump(1, "0.5", true);
  auto with = [&](const std::string& from, const std::string& to) {
    std::string text = stump;
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return text.replace(at, from.size(), to);
  };
  struct Case {
    std::string from, to, named;
  };
  for (const Case& bad : std::vector<Case>{
           {R"("left_children": [1,)", R"("left_children": [1e10,)", "left_children[0]"},
           {R"("right_children": [2,)", R"("right_children": [2.5,)", "right_children[0]"},
           {R"("split_indices": [1,)", R"("split_indices": [-1,)", "split_indices[0]"},
           {R"("default_left": [1,)", R"("default_left": [-1e300,)", "default_left"}}) {
    Result<Forest> forest = Forest::FromXgboostJson(with(bad.from, bad.to));
    ASSERT_FALSE(forest.ok()) << bad.to;
    EXPECT_EQ(forest.error().code(), ErrorCode::kCorrupt);
    EXPECT_NE(forest.error().message().find(bad.named), std::string::npos)
        << forest.error().message();
  }
}

// One uneven tree: the root's left child is a leaf at depth 1, the right
// side goes down to depth 3, so the shallow leaf is reached through
// pass-throughs; every mean is exact in binary.
constexpr const char* kUnevenTree = R"({"learner": {"objective": {"name": "binary:logistic"},
    "learner_model_param": {"base_score": "5E-1", "num_feature": "3"},
    "gradient_booster": {"name": "gbtree", "model": {"trees": [{
      "left_children": [1, -1, 3, -1, 5, -1, -1], "right_children": [2, -1, 4, -1, 6, -1, -1],
      "split_indices": [0, 0, 1, 0, 2, 0, 0],
      "split_conditions": [0.5, -0.5, 0.25, 0.25, 0.75, 1.0, 2.0],
      "default_left": [1, 0, 0, 0, 1, 0, 0], "sum_hessian": [8, 4, 4, 2, 2, 1, 1]}]}}}})";

TEST(Forest, LeavesAtEveryDepthGiveTheirValuesAndPathCredits) {
  Result<Forest> forest = Forest::FromXgboostJson(kUnevenTree);
  ASSERT_TRUE(forest.ok()) << forest.error().ToString();
  constexpr float kNan = std::numeric_limits<float>::quiet_NaN();
  // Means: node 4 (1 + 2) / 2 = 1.5, node 2 (0.25 + 1.5) / 2 = 0.875, the
  // root (-0.5 + 0.875) / 2 = 0.1875, the bias.
  struct Case {
    float row[3];
    double margin;
    double credits[4];  // features 0, 1, 2, then the bias
  };
  const Case cases[] = {
      {{0.9f, 0.5f, 0.8f}, 2.0, {0.6875, 0.625, 0.5, 0.1875}},
      {{0.1f, kNan, kNan}, -0.5, {-0.6875, 0, 0, 0.1875}},
      {{0.9f, kNan, 0.1f}, 1.0, {0.6875, 0.625, -0.5, 0.1875}},  // f1 missing: right
      {{0.9f, 0.1f, kNan}, 0.25, {0.6875, -0.625, 0, 0.1875}},
      {{kNan, 0.9f, 0.9f}, -0.5, {-0.6875, 0, 0, 0.1875}},  // f0 missing: left
  };
  constexpr size_t kCases = std::size(cases);
  // Enough rows for the vector walk, each case several times.
  constexpr size_t kRows = 4 * kCases + 3;
  std::vector<float> rows;
  for (size_t row = 0; row < kRows; ++row) {
    rows.insert(rows.end(), cases[row % kCases].row, cases[row % kCases].row + 3);
  }
  for (bool vector : {true, false}) {
    Forest::SetVectorWalk(vector);
    std::vector<double> contributions(kRows * 4), margins(kRows), probabilities(kRows);
    forest->Contributions(rows.data(), kRows, 3, contributions.data(), margins.data());
    forest->Probabilities(rows.data(), kRows, 3, probabilities.data());
    for (size_t row = 0; row < kRows; ++row) {
      const Case& expected = cases[row % kCases];
      EXPECT_EQ(margins[row], expected.margin) << row;
      EXPECT_EQ(forest->Margin(expected.row), expected.margin) << row;
      EXPECT_EQ(probabilities[row], 1 / (1 + std::exp(-expected.margin))) << row;
      for (size_t column = 0; column < 4; ++column) {
        EXPECT_EQ(contributions[row * 4 + column], expected.credits[column])
            << row << " " << column;
      }
    }
  }
  Forest::SetVectorWalk(true);
}

// Random trees of depth 9 and 12, most branches full, some ending early, so
// levels have more than 32 splits (the vector walk gathers them) and
// pass-throughs: both walks reach the leaves a plain walk of XGBoost's arrays
// reaches, and credit the same.
TEST(Forest, DeepRandomTreesWalkTheSameWithAndWithoutTheVectorWalk) {
  constexpr size_t kFeatures = 7, kRows = 300, kTrees = 3;
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<float> uniform(0, 1);
  struct Tree {
    std::vector<int32_t> left, right;
    std::vector<uint32_t> split;
    std::vector<float> condition;
    std::vector<int> default_left;
    std::vector<double> cover;
  };
  std::vector<Tree> trees(kTrees);
  nlohmann::json json_trees = nlohmann::json::array();
  for (Tree& tree : trees) {
    // Breadth first: each node is a leaf at the tree's depth, or one time in
    // eight below depth 2, else a split.
    const int max_depth = &tree == &trees.back() ? 12 : 9;
    std::vector<int> depth = {0};
    for (size_t node = 0; node < depth.size(); ++node) {
      const bool leaf = depth[node] == max_depth || (depth[node] > 2 && rng() % 8 == 0);
      tree.left.push_back(leaf ? -1 : static_cast<int32_t>(depth.size()));
      tree.right.push_back(leaf ? -1 : static_cast<int32_t>(depth.size() + 1));
      tree.split.push_back(leaf ? 0 : static_cast<uint32_t>(rng() % kFeatures));
      tree.condition.push_back(leaf ? uniform(rng) - 0.5f : uniform(rng));
      tree.default_left.push_back(static_cast<int>(rng() % 2));
      tree.cover.push_back(1 + static_cast<double>(rng() % 5));
      if (!leaf) depth.insert(depth.end(), {depth[node] + 1, depth[node] + 1});
    }
    json_trees.push_back({{"left_children", tree.left},
                          {"right_children", tree.right},
                          {"split_indices", tree.split},
                          {"split_conditions", tree.condition},
                          {"default_left", tree.default_left},
                          {"sum_hessian", tree.cover}});
  }
  nlohmann::json booster = {
      {"learner",
       {{"objective", {{"name", "binary:logistic"}}},
        {"learner_model_param",
         {{"base_score", "5E-1"}, {"num_feature", std::to_string(kFeatures)}}},
        {"gradient_booster", {{"name", "gbtree"}, {"model", {{"trees", json_trees}}}}}}}};
  Result<Forest> forest = Forest::FromXgboostJson(booster.dump());
  ASSERT_TRUE(forest.ok()) << forest.error().ToString();

  std::vector<float> rows(kRows * kFeatures);
  for (float& value : rows) {
    value = rng() % 6 == 0 ? std::numeric_limits<float>::quiet_NaN() : uniform(rng);
  }
  // The plain walk, crediting as it goes (Saabas): each split's feature gets
  // the change in the cover-weighted mean leaf value, kept as float.
  std::vector<std::vector<float>> means;
  for (const Tree& tree : trees) {
    std::vector<double> mean(tree.left.size());
    for (size_t node = tree.left.size(); node-- > 0;) {  // children after parents
      const int32_t left = tree.left[node], right = tree.right[node];
      mean[node] = left == -1 ? tree.condition[node]
                              : (mean[left] * tree.cover[left] + mean[right] * tree.cover[right]) /
                                    tree.cover[node];
    }
    means.emplace_back(mean.begin(), mean.end());
  }
  std::vector<double> expected(kRows, 0.0);  // base_score 0.5: a margin of 0
  std::vector<double> expected_credits(kRows * (kFeatures + 1), 0.0);
  for (size_t row = 0; row < kRows; ++row) {
    double* credits = expected_credits.data() + row * (kFeatures + 1);
    for (size_t index = 0; index < kTrees; ++index) {
      const Tree& tree = trees[index];
      int32_t node = 0;
      credits[kFeatures] += means[index][0];
      while (tree.left[node] != -1) {
        const float x = rows[row * kFeatures + tree.split[node]];
        const bool left = std::isnan(x) ? tree.default_left[node] != 0 : x < tree.condition[node];
        const int32_t next = left ? tree.left[node] : tree.right[node];
        credits[tree.split[node]] +=
            static_cast<double>(means[index][next]) - static_cast<double>(means[index][node]);
        node = next;
      }
      expected[row] += tree.condition[node];
    }
  }
  std::vector<uint32_t> vector_leaves;
  std::vector<double> vector_contributions;
  for (bool vector : {true, false}) {
    Forest::SetVectorWalk(vector);
    std::vector<uint32_t> leaves(kRows * kTrees);
    std::vector<double> margins(kRows), contributions(kRows * (kFeatures + 1));
    forest->Leaves(rows.data(), kRows, kFeatures, leaves.data(), margins.data());
    EXPECT_EQ(margins, expected);
    forest->ContributionsOfLeaves(leaves.data(), kRows, contributions.data());
    EXPECT_EQ(contributions, expected_credits);
    if (vector) {
      vector_leaves = leaves;
      vector_contributions = contributions;
    } else {
      EXPECT_EQ(leaves, vector_leaves);
      EXPECT_EQ(contributions, vector_contributions);
    }
  }
  Forest::SetVectorWalk(true);
}

// A one-tree booster whose splits all go right from the root: `depth` levels
// of splits at 0.5, each with a leaf of -1 on its left; the last leaf is +1.
std::string Caterpillar(int depth) {
  std::string left, right, indices, conditions, defaults, hessians;
  auto add = [](std::string& list, const std::string& value) {
    list += list.empty() ? value : "," + value;
  };
  // Node 2k is the k-th split (k < depth), 2k + 1 its left leaf, 2 × depth the last leaf.
  for (int node = 0; node <= 2 * depth; ++node) {
    const bool split = node % 2 == 0 && node < 2 * depth;
    add(left, split ? std::to_string(node + 1) : "-1");
    add(right, split ? std::to_string(node + 2) : "-1");
    add(indices, "0");
    add(conditions, split ? "0.5" : node == 2 * depth ? "1" : "-1");
    add(defaults, "1");
    add(hessians, "1");
  }
  return R"({"learner": {"objective": {"name": "binary:logistic"},
    "learner_model_param": {"base_score": "5E-1", "num_feature": "1"},
    "gradient_booster": {"name": "gbtree", "model": {"trees": [{"left_children": [)" +
         left + R"(], "right_children": [)" + right + R"(], "split_indices": [)" + indices +
         R"(], "split_conditions": [)" + conditions + R"(], "default_left": [)" + defaults +
         R"(], "sum_hessian": [)" + hessians + "]}]}}}}";
}

TEST(Forest, RejectsWhatItCannotEvaluate) {
  // Laid out by levels, a deep narrow tree would grow with its depth
  // squared: 32 levels load, 33 do not.
  Result<Forest> deep = Forest::FromXgboostJson(Caterpillar(32));
  ASSERT_TRUE(deep.ok()) << deep.error().ToString();
  const float right = 0.9f, left = 0.1f;
  EXPECT_EQ(deep->Margin(&right), 1.0) << "every split sends 0.9 right, to the last leaf";
  EXPECT_EQ(deep->Margin(&left), -1.0) << "the root sends 0.1 to its left leaf";
  Result<Forest> deeper = Forest::FromXgboostJson(Caterpillar(33));
  ASSERT_FALSE(deeper.ok());
  EXPECT_EQ(deeper.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(deeper.error().message().find("33 levels deep"), std::string::npos);

  EXPECT_EQ(Forest::FromXgboostJson("not json").error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(Forest::FromXgboostJson("{}").error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(Forest::FromXgboostJson(R"({"learner": {"objective": {"name": "reg:squarederror"}}})")
                .error()
                .code(),
            ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace cordon::targeting::internal
