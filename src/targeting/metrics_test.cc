// Metrics against hand-computed cases: AUC with ties, the exact top-n % count
// (ceil, no floating-point creep), ties in the cut broken by input order.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "targeting/targeting.h"

namespace cordon::targeting {
namespace {

Metrics Eval(const std::vector<double>& scores, const std::vector<float>& labels,
             const std::vector<double>& rates, const std::vector<double>& revenue = {}) {
  Result<Metrics> metrics = Evaluate(scores, labels, revenue, rates);
  EXPECT_TRUE(metrics.ok()) << metrics.error().ToString();
  return metrics.ok() ? *metrics : Metrics{};
}

TEST(Evaluate, AucByHand) {
  // Positives 0.9 and 0.7, negatives 0.8 and 0.6: pairs won 0.9>0.8, 0.9>0.6,
  // 0.7>0.6, lost 0.7<0.8 → 3/4.
  Metrics metrics = Eval({0.9, 0.8, 0.7, 0.6}, {1, 0, 1, 0}, {});
  ASSERT_TRUE(metrics.auc);
  EXPECT_DOUBLE_EQ(*metrics.auc, 0.75);
  EXPECT_EQ(metrics.rows, 4u);
  EXPECT_EQ(metrics.positives, 2u);
}

TEST(Evaluate, AucTiesCountHalf) {
  // Every pair tied → 0.5.
  EXPECT_DOUBLE_EQ(*Eval({0.5, 0.5, 0.5, 0.5}, {1, 0, 1, 0}, {}).auc, 0.5);
  // Positives {1, 0.5}, negatives {0.5, 0}: 1>0.5, 1>0, 0.5=0.5 (half), 0.5>0 → 3.5/4.
  EXPECT_DOUBLE_EQ(*Eval({1, 0.5, 0.5, 0}, {1, 1, 0, 0}, {}).auc, 0.875);
  // Perfect and inverted rankings.
  EXPECT_DOUBLE_EQ(*Eval({0.9, 0.8, 0.1}, {1, 1, 0}, {}).auc, 1.0);
  EXPECT_DOUBLE_EQ(*Eval({0.1, 0.2, 0.9}, {1, 1, 0}, {}).auc, 0.0);
}

TEST(Evaluate, AucAbsentWithOneClass) {
  Metrics metrics = Eval({0.2, 0.4}, {0, 0}, {50});
  EXPECT_FALSE(metrics.auc);
  EXPECT_FALSE(metrics.at[0].recall) << "recall has no meaning without positives";
  EXPECT_EQ(metrics.at[0].precision, 0.0);
}

TEST(Evaluate, SelectedIsCeilOfRateTimesRows) {
  std::vector<double> scores(30);
  std::vector<float> labels(30, 0);
  for (size_t row = 0; row < scores.size(); ++row) scores[row] = 1.0 - row * 0.01;
  Metrics metrics = Eval(scores, labels, {1, 5, 10, 50, 100});
  EXPECT_EQ(metrics.at[0].selected, 1u) << "1 % of 30 = 0.3 → 1";
  EXPECT_EQ(metrics.at[1].selected, 2u) << "5 % of 30 = 1.5 → 2";
  EXPECT_EQ(metrics.at[2].selected, 3u) << "10 % of 30 = 3 exactly";
  EXPECT_EQ(metrics.at[3].selected, 15u);
  EXPECT_EQ(metrics.at[4].selected, 30u);

  // Products that floating point gets slightly wrong must not round up.
  std::vector<double> hundred(100, 0.5);
  std::vector<float> none(100, 0);
  Metrics exact = Eval(hundred, none, {7, 10, 14, 28, 29, 57, 2.5});
  EXPECT_EQ(exact.at[0].selected, 7u);
  EXPECT_EQ(exact.at[1].selected, 10u);
  EXPECT_EQ(exact.at[2].selected, 14u);
  EXPECT_EQ(exact.at[3].selected, 28u);
  EXPECT_EQ(exact.at[4].selected, 29u);
  EXPECT_EQ(exact.at[5].selected, 57u);
  EXPECT_EQ(exact.at[6].selected, 3u) << "2.5 % of 100 = 2.5 → 3";
  // 0.1 and 1.1 are a little above their decimal values as doubles.
  std::vector<double> thousand(1000, 0.5);
  std::vector<float> zeros(1000, 0);
  Metrics fractions = Eval(thousand, zeros, {0.1, 1.1, 0.7, 0.15});
  EXPECT_EQ(fractions.at[0].selected, 1u);
  EXPECT_EQ(fractions.at[1].selected, 11u);
  EXPECT_EQ(fractions.at[2].selected, 7u);
  EXPECT_EQ(fractions.at[3].selected, 2u) << "0.15 % of 1000 = 1.5 → 2";
}

TEST(Evaluate, PrecisionRecallAndRevenueByHand) {
  // Ranked: rows 0 (1), 2 (0), 1 (1), 3 (1), 4 (0); 3 positives.
  std::vector<double> scores = {0.9, 0.5, 0.8, 0.3, 0.1};
  std::vector<float> labels = {1, 1, 0, 1, 0};
  std::vector<double> revenue = {10, 30, 0, 60, 0};
  Metrics metrics = Eval(scores, labels, {20, 40, 60}, revenue);
  // 20 % of 5 = 1 row: row 0.
  EXPECT_EQ(metrics.at[0].hits, 1u);
  EXPECT_DOUBLE_EQ(metrics.at[0].precision, 1.0);
  EXPECT_DOUBLE_EQ(*metrics.at[0].recall, 1.0 / 3);
  EXPECT_DOUBLE_EQ(*metrics.at[0].revenue, 0.1);
  // 40 % = 2 rows: 0 and 2.
  EXPECT_DOUBLE_EQ(metrics.at[1].precision, 0.5);
  EXPECT_DOUBLE_EQ(*metrics.at[1].recall, 1.0 / 3);
  // 60 % = 3 rows: 0, 2, 1.
  EXPECT_DOUBLE_EQ(metrics.at[2].precision, 2.0 / 3);
  EXPECT_DOUBLE_EQ(*metrics.at[2].recall, 2.0 / 3);
  EXPECT_DOUBLE_EQ(*metrics.at[2].revenue, 0.4);
}

TEST(Evaluate, TiesAtTheCutGoByInputOrder) {
  // All scores tie: the top 2 are rows 0 and 1, whatever their labels.
  Metrics first = Eval({0.5, 0.5, 0.5, 0.5}, {0, 0, 1, 1}, {50});
  EXPECT_EQ(first.at[0].hits, 0u);
  Metrics last = Eval({0.5, 0.5, 0.5, 0.5}, {1, 1, 0, 0}, {50});
  EXPECT_EQ(last.at[0].hits, 2u);
  // A tie straddling the cut: row 1 (0.7) is in, then rows 2 and 3 tie at
  // 0.5 for one place; row 2 comes first.
  Metrics straddle = Eval({0.1, 0.7, 0.5, 0.5}, {0, 0, 0, 1}, {50});
  EXPECT_EQ(straddle.at[0].hits, 0u);
  Metrics straddle_other = Eval({0.1, 0.7, 0.5, 0.5}, {0, 0, 1, 0}, {50});
  EXPECT_EQ(straddle_other.at[0].hits, 1u);
}

TEST(Evaluate, RejectsBadInput) {
  std::vector<double> scores = {0.1, 0.2};
  std::vector<float> labels = {0, 1};
  std::vector<double> rates = {5};
  EXPECT_FALSE(Evaluate(scores, std::vector<float>{1}, {}, rates).ok());
  EXPECT_FALSE(Evaluate(scores, labels, std::vector<double>{1}, rates).ok());
  EXPECT_FALSE(Evaluate(scores, labels, {}, std::vector<double>{0}).ok());
  EXPECT_FALSE(Evaluate(scores, labels, {}, std::vector<double>{100.5}).ok());
  std::vector<double> nan = {0.1, std::numeric_limits<double>::quiet_NaN()};
  EXPECT_FALSE(Evaluate(nan, labels, {}, rates).ok());
}

TEST(MetricsToJson, HasTheEvalShape) {
  Metrics metrics = Eval({0.9, 0.8, 0.7, 0.6}, {1, 0, 1, 0}, {1, 2.5});
  EXPECT_EQ(MetricsToJson(metrics),
            R"({"rows":4,"positives":2,"auc":0.75,"precision@1":1.0,"recall@1":0.5,)"
            R"("precision@2.5":1.0,"recall@2.5":0.5})");
  Metrics with_revenue = Eval({0.9, 0.1}, {1, 0}, {50}, {4, 0});
  EXPECT_EQ(MetricsToJson(with_revenue),
            R"({"rows":2,"positives":1,"auc":1.0,"precision@50":1.0,"recall@50":1.0,)"
            R"("revenue@50":1.0})");
  Metrics one_class = Eval({0.9, 0.1}, {0, 0}, {50});
  EXPECT_EQ(MetricsToJson(one_class),
            R"({"rows":2,"positives":0,"auc":null,"precision@50":0.0,"recall@50":null})");
}

}  // namespace
}  // namespace cordon::targeting
