// Training, the model file (versioned, checksummed, deterministic), scoring
// and explanations.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "support/test_support.h"
#include "targeting/targeting.h"
#include "targeting/test_util.h"

namespace cordon::targeting {
namespace {

using test::FixtureData;
using test::FixtureMapping;

class ModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    mapping_ = new Mapping(FixtureMapping());
    train_ = new Dataset(FixtureData("train.csv", *mapping_));
    test_ = new Dataset(FixtureData("test.csv", *mapping_));
  }
  static void TearDownTestSuite() {
    delete mapping_;
    delete train_;
    delete test_;
  }

  static Result<Model> TrainFixture(const TrainOptions& options, bool with_valid) {
    FakeClock clock(Timestamp(std::chrono::milliseconds(1'700'000'000'000)));
    return Train(*train_, with_valid ? test_ : nullptr, *mapping_, options, clock);
  }

  static Mapping* mapping_;
  static Dataset* train_;
  static Dataset* test_;
};

Mapping* ModelTest::mapping_ = nullptr;
Dataset* ModelTest::train_ = nullptr;
Dataset* ModelTest::test_ = nullptr;

TEST_F(ModelTest, LearnsTheFixtureSignal) {
  Result<Model> model = TrainFixture(mapping_->train, /*with_valid=*/true);
  ASSERT_TRUE(model.ok()) << model.error().ToString();
  const TrainingInfo& info = model->info();
  EXPECT_EQ(info.train_rows, 900u);
  EXPECT_EQ(info.valid_rows, 400u);
  EXPECT_GE(info.best_iteration, 0);
  EXPECT_EQ(info.rounds, info.best_iteration + 1) << "the model keeps the selected round";
  ASSERT_TRUE(info.valid);
  ASSERT_EQ(info.valid->at.size(), 4u);
  EXPECT_EQ(info.valid->at[3].rate, 10);
  EXPECT_EQ(info.label_column, "Inspected Outcome");
  EXPECT_EQ(info.created_at, "2023-11-14T22:13:20.000Z");

  Result<std::vector<double>> scores = model->ScoreBatch(*test_);
  ASSERT_TRUE(scores.ok());
  std::vector<double> rates = {10};
  Result<Metrics> metrics = Evaluate(*scores, test_->labels, test_->revenue, rates);
  ASSERT_TRUE(metrics.ok());
  double base_rate = static_cast<double>(metrics->positives) / metrics->rows;
  EXPECT_GT(metrics->at[0].precision, base_rate + 0.4) << "precision@10 far above the base rate";
  EXPECT_GT(*metrics->auc, 0.8);
  EXPECT_EQ(*info.valid->auc, *metrics->auc) << "the recorded figures are the kept model's";
  for (double score : *scores) {
    EXPECT_GE(score, 0.0);
    EXPECT_LE(score, 1.0);
  }
}

TEST_F(ModelTest, SameSeedSameBytesAndScores) {
  Result<Model> first = TrainFixture(mapping_->train, true);
  Result<Model> second = TrainFixture(mapping_->train, true);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->ToBytes(), second->ToBytes());
  TrainOptions other = mapping_->train;
  other.seed = 99;
  Result<Model> reseeded = TrainFixture(other, true);
  ASSERT_TRUE(reseeded.ok());
  EXPECT_NE(reseeded->ToBytes(), first->ToBytes()) << "the seed reaches folds and sampling";
}

TEST_F(ModelTest, SaveLoadRoundTripGivesTheSameScores) {
  Result<Model> model = TrainFixture(mapping_->train, false);
  ASSERT_TRUE(model.ok()) << model.error().ToString();
  EXPECT_EQ(model->info().rounds, mapping_->train.rounds_without_valid);
  EXPECT_EQ(model->info().best_iteration, -1);
  EXPECT_FALSE(model->info().valid);
  std::string bytes = model->ToBytes();
  Result<Model> loaded = Model::FromBytes(bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  EXPECT_EQ(loaded->ToBytes(), bytes);
  EXPECT_EQ(loaded->mapping(), model->mapping());
  EXPECT_EQ(loaded->info().options, model->info().options);
  EXPECT_EQ(loaded->feature_names(), model->feature_names());
  Result<std::vector<double>> before = model->ScoreBatch(*test_);
  Result<std::vector<double>> after = loaded->ScoreBatch(*test_);
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_EQ(*before, *after);

  test_support::TempDir dir("cordon-targeting");
  std::string path = dir.File("model.cordon");
  ASSERT_TRUE(model->Save(path).ok());
  Result<Model> from_file = Model::Load(path);
  ASSERT_TRUE(from_file.ok()) << from_file.error().ToString();
  EXPECT_EQ(from_file->ToBytes(), bytes);
}

TEST_F(ModelTest, UnknownVersionIsRefusedClearly) {
  Result<Model> model = TrainFixture(mapping_->train, false);
  ASSERT_TRUE(model.ok());
  std::string bytes = model->ToBytes();
  bytes[8] = 2;  // the version follows the 8-byte signature
  Result<Model> loaded = Model::FromBytes(bytes);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(loaded.error().message().find("format version 2 is not supported"), std::string::npos)
      << loaded.error().message();
}

TEST_F(ModelTest, DamagedFilesAreCorrupt) {
  Result<Model> model = TrainFixture(mapping_->train, false);
  ASSERT_TRUE(model.ok());
  std::string bytes = model->ToBytes();
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x20;
  EXPECT_EQ(Model::FromBytes(flipped).error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(Model::FromBytes(bytes.substr(0, bytes.size() - 10)).error().code(),
            ErrorCode::kCorrupt);
  EXPECT_EQ(Model::FromBytes("{\"not\": \"a model\"}").error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(Model::FromBytes("").error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(Model::Load("/nonexistent/model.cordon").error().code(), ErrorCode::kNotFound);
}

TEST_F(ModelTest, ScoreOneRecordMatchesTheBatchAndExplains) {
  Result<Model> model = TrainFixture(mapping_->train, false);
  ASSERT_TRUE(model.ok());
  Record record = {{"Decl No", "200001"},  {"Filed", "2024-05-02"}, {"Importer", "IMP011"},
                   {"Declarant", "DCL04"}, {"HS Code", "640399"},   {"Origin", "CN"},
                   {"Office", "DEHAM"},    {"Value EUR", "310.5"},  {"Mass kg", "95.0"},
                   {"Duty Rate", "8"}};
  Result<Prediction> prediction = model->Score(record, 3);
  ASSERT_TRUE(prediction.ok()) << prediction.error().ToString();
  ASSERT_EQ(prediction->top.size(), 3u);
  for (size_t index = 1; index < prediction->top.size(); ++index) {
    EXPECT_GE(std::fabs(prediction->top[index - 1].contribution),
              std::fabs(prediction->top[index].contribution));
  }
  // The top 3 are the first 3 of every feature ranked (largest magnitude
  // first, ties by feature order).
  Result<Prediction> all = model->Score(record, 1000);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->top.size(), model->feature_names().size());
  std::vector<std::pair<double, size_t>> ranked;
  for (size_t index = 0; index < all->top.size(); ++index) {
    const auto name = std::find(model->feature_names().begin(), model->feature_names().end(),
                                all->top[index].feature);
    ranked.emplace_back(-std::fabs(all->top[index].contribution),
                        static_cast<size_t>(name - model->feature_names().begin()));
  }
  EXPECT_TRUE(std::is_sorted(ranked.begin(), ranked.end()));
  for (size_t index = 0; index < 3; ++index) {
    EXPECT_EQ(prediction->top[index].feature, all->top[index].feature);
    EXPECT_EQ(prediction->top[index].contribution, all->top[index].contribution);
  }
  EXPECT_GT(prediction->probability, 0.5) << "CN footwear 640399 undervalued is the risky kind";

  // The same declaration through the CSV path scores the same.
  std::string csv =
      "Decl No,Filed,Importer,Declarant,HS Code,Origin,Office,Value EUR,Mass kg,Duty Rate\n"
      "200001,2024-05-02,IMP011,DCL04,640399,CN,DEHAM,310.5,95.0,8\n";
  Result<Dataset> data = ParseDataset(csv, *mapping_, "-", "inline");
  ASSERT_TRUE(data.ok()) << data.error().ToString();
  Result<std::vector<double>> batch = model->ScoreBatch(*data);
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->front(), prediction->probability);

  // Explanations name the inputs behind a rate.
  Result<std::vector<Prediction>> explained = model->Explain(*data, 100);
  ASSERT_TRUE(explained.ok());
  bool found_pair = false;
  for (const Contribution& contribution : explained->front().top) {
    if (contribution.feature == "rate:origin*hs6") {
      found_pair = true;
      EXPECT_EQ(contribution.detail, "origin=CN hs6=640399");
      EXPECT_GT(contribution.value, 0.3);
    }
  }
  EXPECT_TRUE(found_pair);

  // Missing columns read as empty: still a score.
  Result<Prediction> sparse = model->Score(Record{{"Origin", "CN"}}, 2);
  ASSERT_TRUE(sparse.ok()) << sparse.error().ToString();
  EXPECT_GE(sparse->probability, 0.0);
}

TEST_F(ModelTest, ExplainRiskiestIsExplainOfEachGroupsBestRow) {
  Result<Model> model = TrainFixture(mapping_->train, false);
  ASSERT_TRUE(model.ok());
  const Dataset& data = *test_;
  ASSERT_GT(data.rows, 150u);
  // Groups of 1, 2, 3, 0 (empty) and 4 rows, repeated over the test set.
  std::vector<size_t> ends;
  const size_t sizes[] = {1, 2, 3, 0, 4};
  for (size_t row = 0, next = 0; row < data.rows; ++next) {
    row = std::min(data.rows, row + sizes[next % 5]);
    ends.push_back(row);
  }
  Result<std::vector<Model::GroupPrediction>> groups = model->ExplainRiskiest(data, ends, 4);
  ASSERT_TRUE(groups.ok()) << groups.error().ToString();
  ASSERT_EQ(groups->size(), ends.size());
  Result<std::vector<double>> scores = model->ScoreBatch(data);
  ASSERT_TRUE(scores.ok());
  Result<std::vector<Prediction>> alone = model->Explain(data, 4, Model::Attribution::kApproximate);
  ASSERT_TRUE(alone.ok());
  size_t empty = 0;
  for (size_t group = 0, begin = 0; group < ends.size(); begin = ends[group++]) {
    const Model::GroupPrediction& got = (*groups)[group];
    if (ends[group] == begin) {
      EXPECT_EQ(got.row, Model::GroupPrediction::kNoRow);
      ++empty;
      continue;
    }
    // The first row of the highest score in the group.
    size_t best = begin;
    for (size_t row = begin; row < ends[group]; ++row) {
      if ((*scores)[row] > (*scores)[best]) best = row;
    }
    ASSERT_EQ(got.row, best) << group;
    const Prediction& expected = (*alone)[best];
    EXPECT_EQ(got.prediction.probability, expected.probability) << group;
    EXPECT_EQ(got.prediction.bias, expected.bias) << group;
    ASSERT_EQ(got.prediction.top.size(), expected.top.size());
    for (size_t index = 0; index < expected.top.size(); ++index) {
      EXPECT_EQ(got.prediction.top[index].feature, expected.top[index].feature);
      EXPECT_EQ(got.prediction.top[index].contribution, expected.top[index].contribution);
      EXPECT_EQ(got.prediction.top[index].detail, expected.top[index].detail);
    }
  }
  EXPECT_GT(empty, 0u);

  // Without contributions: the probability alone.
  Result<std::vector<Model::GroupPrediction>> bare = model->ExplainRiskiest(data, ends, 0);
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->front().prediction.probability, groups->front().prediction.probability);
  EXPECT_TRUE(bare->front().prediction.top.empty());

  // Ends that do not ascend to the last row are refused.
  std::vector<size_t> short_ends = {1, 2};
  EXPECT_EQ(model->ExplainRiskiest(data, short_ends, 4).error().code(), ErrorCode::kInvalidInput);
  std::vector<size_t> descending = {2, 1, data.rows};
  EXPECT_EQ(model->ExplainRiskiest(data, descending, 4).error().code(), ErrorCode::kInvalidInput);
}

TEST_F(ModelTest, ShapContributionsAddUpToTheLogOdds) {
  Result<Model> model = TrainFixture(mapping_->train, false);
  ASSERT_TRUE(model.ok());
  Dataset head = test::Head(*test_, 20);
  int all = static_cast<int>(model->feature_names().size());
  Result<std::vector<Prediction>> exact = model->Explain(head, all);
  ASSERT_TRUE(exact.ok()) << exact.error().ToString();
  // log-odds = bias + sum of contributions, with one bias for every row.
  std::vector<double> bias;
  for (const Prediction& prediction : *exact) {
    ASSERT_EQ(prediction.top.size(), static_cast<size_t>(all));
    double sum = 0;
    for (const Contribution& contribution : prediction.top) sum += contribution.contribution;
    double p = prediction.probability;
    bias.push_back(std::log(p / (1 - p)) - sum);
  }
  for (double value : bias) EXPECT_NEAR(value, bias.front(), 1e-3);

  for (double value : bias) EXPECT_NEAR(value, exact->front().bias, 1e-3);

  // Path attributions (Cordon's evaluator, what screening shows): bias plus
  // every contribution is the log-odds too, per row.
  Result<std::vector<Prediction>> approximate =
      model->Explain(head, all, Model::Attribution::kApproximate);
  ASSERT_TRUE(approximate.ok()) << approximate.error().ToString();
  for (size_t row = 0; row < head.rows; ++row) {
    const Prediction& prediction = (*approximate)[row];
    EXPECT_EQ(prediction.probability, (*exact)[row].probability);
    ASSERT_EQ(prediction.top.size(), static_cast<size_t>(all));
    double sum = prediction.bias;
    for (const Contribution& contribution : prediction.top) sum += contribution.contribution;
    double p = prediction.probability;
    EXPECT_NEAR(sum, std::log(p / (1 - p)), 1e-6) << row;
  }
}

TEST_F(ModelTest, ValuesByRoleScoreAsTheCsvRow) {
  Result<Model> model = TrainFixture(mapping_->train, false);
  ASSERT_TRUE(model.ok());
  std::string csv =
      "Decl No,Filed,Importer,Declarant,HS Code,Origin,Office,Value EUR,Mass kg,Duty Rate\n"
      "200001,2024-05-02,IMP011,DCL04,640399,CN,DEHAM,310.5,95.0,8\n"
      "200002,,IMP999,,8471.30,US,FRPAR,,,\n";
  Result<Dataset> data = ParseDataset(csv, *mapping_, "-", "inline");
  ASSERT_TRUE(data.ok()) << data.error().ToString();
  std::vector<RoleValues> rows(2);
  rows[0].keys = {{"importer", "IMP011"}, {"declarant", "DCL04"}, {"hs", "640399"},
                  {"origin", "CN"},       {"office", "DEHAM"},    {"not_a_role", "x"}};
  rows[0].numbers = {{"value", 310.5}, {"mass", 95.0}, {"tax_rate", 8}};
  rows[0].day = static_cast<int32_t>(
      std::chrono::sys_days(std::chrono::year_month_day(std::chrono::year(2024), std::chrono::month(5),
                                                        std::chrono::day(2)))
          .time_since_epoch()
          .count());
  rows[1].keys = {{"importer", "IMP999"}, {"hs", "8471.30"}, {"origin", "US"}, {"office", "FRPAR"}};
  Dataset by_role = DatasetFromRoles(*mapping_, rows);
  EXPECT_EQ(by_role.rows, 2u);
  EXPECT_EQ(by_role.keys, data->keys);
  EXPECT_EQ(by_role.days, data->days);
  Result<std::vector<double>> expected = model->ScoreBatch(*data);
  Result<std::vector<double>> actual = model->ScoreBatch(by_role);
  ASSERT_TRUE(expected.ok() && actual.ok());
  EXPECT_EQ(*actual, *expected);
  EXPECT_NE((*actual)[0], (*actual)[1]);
}

TEST_F(ModelTest, ScoringNeedsTheModelsRoles) {
  Result<Model> model = TrainFixture(mapping_->train, false);
  ASSERT_TRUE(model.ok());
  Mapping fewer = *mapping_;
  fewer.keys.pop_back();  // no "office"
  fewer.interactions = {{"origin", "hs6"}};
  Dataset data = FixtureData("test.csv", fewer);
  Result<std::vector<double>> scores = model->ScoreBatch(data);
  ASSERT_FALSE(scores.ok());
  EXPECT_NE(scores.error().message().find("\"office\""), std::string::npos);
}

TEST_F(ModelTest, TrainingRejectsUnusableData) {
  Dataset unlabelled = *train_;
  unlabelled.labels.clear();
  FakeClock clock(Timestamp{});
  Result<Model> no_labels = Train(unlabelled, nullptr, *mapping_, mapping_->train, clock);
  ASSERT_FALSE(no_labels.ok());
  EXPECT_NE(no_labels.error().message().find("no labels"), std::string::npos);
  Dataset one_class = *train_;
  std::fill(one_class.labels.begin(), one_class.labels.end(), 0.0f);
  Result<Model> single = Train(one_class, nullptr, *mapping_, mapping_->train, clock);
  ASSERT_FALSE(single.ok());
  EXPECT_NE(single.error().message().find("both positive and negative"), std::string::npos);
  TrainOptions bad = mapping_->train;
  bad.max_depth = 0;
  Result<Model> options = Train(*train_, nullptr, *mapping_, bad, clock);
  ASSERT_FALSE(options.ok());
  EXPECT_NE(options.error().message().find("max_depth"), std::string::npos);
}

}  // namespace
}  // namespace cordon::targeting
