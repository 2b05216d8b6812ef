// The targeting model's tree walks (issue 3's "model score, explanation"):
// scoring and path attribution per row for a forest the size of the model in
// screening_bench — 400 trees of depth 8 over 56 features, a fifth of the
// values missing (the KCS model keeps 887 trees over 74 features; --trees
// sets the count) — trained by XGBoost on seeded random data, so that every
// tree is full. Prints microseconds of CPU per row for batches of 512 rows, as screening
// walks them (Screener::ScreenBatch), and for one row at a time.
//
//   forest_bench [--rows N] [--trees N] [--model FILE] [--scalar]
//
// --model FILE keeps the trained booster's JSON there and reads it back on
// the next run instead of training again (a minute on two cores); --scalar
// turns the AVX-512 walk off.
#include <fmt/format.h>
#include <xgboost/c_api.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "targeting/forest.h"

namespace {

using cordon::targeting::internal::Forest;
using Clock = std::chrono::steady_clock;

// CPU time of this thread: on a shared machine, time spent waiting for a
// core is not the walks' cost.
double ThreadMicros() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e6 + static_cast<double>(now.tv_nsec) / 1e3;
}

double Micros(Clock::duration duration) {
  return std::chrono::duration<double, std::micro>(duration).count();
}

int Fail(const char* what) {
  fmt::print(stderr, "forest_bench: {} failed: {}\n", what, XGBGetLastError());
  return 1;
}

int Main(int argc, char** argv) {
  size_t rows = 4096;
  int trees = 400;
  std::string model_path;
  for (int arg = 1; arg + 1 < argc; ++arg) {
    if (std::strcmp(argv[arg], "--rows") == 0) rows = std::strtoul(argv[++arg], nullptr, 10);
    if (std::strcmp(argv[arg], "--trees") == 0) trees = std::atoi(argv[++arg]);
    if (std::strcmp(argv[arg], "--model") == 0) model_path = argv[++arg];
  }
  for (int arg = 1; arg < argc; ++arg) {
    if (std::strcmp(argv[arg], "--scalar") == 0) Forest::SetVectorWalk(false);
  }
  constexpr size_t kColumns = 56, kTrainRows = 20000, kBatch = 512;
  constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();
  rows = std::max<size_t>(rows, 1);
  std::mt19937_64 rng(20261122);
  std::uniform_real_distribution<float> uniform(0, 1);
  std::vector<float> values(kTrainRows * kColumns), labels(kTrainRows);
  for (size_t row = 0; row < kTrainRows; ++row) {
    float* features = values.data() + row * kColumns;
    for (size_t column = 0; column < kColumns; ++column) {
      features[column] = rng() % 5 == 0 ? kMissing : uniform(rng);
    }
    const float a = std::isnan(features[0]) ? 0.5f : features[0];
    const float b = std::isnan(features[1]) ? 0.5f : features[1];
    labels[row] = a * b + 0.3f * uniform(rng) > 0.4f ? 1.0f : 0.0f;
  }
  std::string booster_json;
  double train_seconds = 0;
  if (!model_path.empty()) {
    std::ifstream file(model_path, std::ios::binary);
    booster_json.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  }
  if (booster_json.empty()) {
    DMatrixHandle matrix = nullptr;
    BoosterHandle booster = nullptr;
    if (XGDMatrixCreateFromMat(values.data(), kTrainRows, kColumns, kMissing, &matrix) != 0 ||
        XGDMatrixSetFloatInfo(matrix, "label", labels.data(), kTrainRows) != 0 ||
        XGBoosterCreate(&matrix, 1, &booster) != 0) {
      return Fail("XGBoost set-up");
    }
    for (const auto& [name, value] : {std::pair{"objective", "binary:logistic"},
                                      {"tree_method", "hist"},
                                      {"max_depth", "8"},
                                      {"subsample", "0.8"},
                                      {"colsample_bytree", "0.8"},
                                      {"verbosity", "0"}}) {
      XGBoosterSetParam(booster, name, value);
    }
    const auto train_start = Clock::now();
    for (int round = 0; round < trees; ++round) {
      if (XGBoosterUpdateOneIter(booster, round, matrix) != 0) return Fail("training");
    }
    train_seconds = Micros(Clock::now() - train_start) / 1e6;
    bst_ulong length = 0;
    const char* buffer = nullptr;
    if (XGBoosterSaveModelToBuffer(booster, R"({"format": "json"})", &length, &buffer) != 0) {
      return Fail("saving the model");
    }
    booster_json.assign(buffer, length);
    XGBoosterFree(booster);
    XGDMatrixFree(matrix);
    if (!model_path.empty()) std::ofstream(model_path, std::ios::binary) << booster_json;
  }
  auto forest = Forest::FromXgboostJson(booster_json);
  if (!forest.ok()) {
    fmt::print(stderr, "forest_bench: {}\n", forest.error().ToString());
    return 1;
  }
  fmt::print("forest_bench: {} trees of depth 8, {} features ({}), {} rows\n", forest->trees(),
             forest->features(),
             train_seconds > 0 ? fmt::format("trained in {:.1f} s", train_seconds)
                               : "read from " + model_path,
             rows);

  // Rows to walk: the training rows, cycled.
  std::vector<float> input(rows * kColumns);
  for (size_t row = 0; row < rows; ++row) {
    std::memcpy(input.data() + row * kColumns, values.data() + (row % kTrainRows) * kColumns,
                kColumns * sizeof(float));
  }
  std::vector<double> probabilities(rows), margins(rows), contributions(rows * (kColumns + 1));
  double best_score = 1e300, best_explain = 1e300, best_one_score = 1e300, best_one_explain = 1e300;
  for (int repeat = 0; repeat < 3; ++repeat) {  // the best of three: least disturbed
    double start = ThreadMicros();
    for (size_t first = 0; first < rows; first += kBatch) {
      const size_t count = std::min(kBatch, rows - first);
      forest->Probabilities(input.data() + first * kColumns, count, kColumns,
                            probabilities.data() + first);
    }
    best_score = std::min(best_score, (ThreadMicros() - start) / static_cast<double>(rows));
    start = ThreadMicros();
    for (size_t first = 0; first < rows; first += kBatch) {
      const size_t count = std::min(kBatch, rows - first);
      forest->Contributions(input.data() + first * kColumns, count, kColumns,
                            contributions.data() + first * (kColumns + 1), margins.data() + first);
    }
    best_explain = std::min(best_explain, (ThreadMicros() - start) / static_cast<double>(rows));
    const size_t alone = std::min<size_t>(rows, 512);
    start = ThreadMicros();
    for (size_t row = 0; row < alone; ++row) {
      probabilities[row] = forest->Probability(input.data() + row * kColumns);
    }
    best_one_score =
        std::min(best_one_score, (ThreadMicros() - start) / static_cast<double>(alone));
    start = ThreadMicros();
    for (size_t row = 0; row < alone; ++row) {
      forest->Contributions(input.data() + row * kColumns,
                            contributions.data() + row * (kColumns + 1), &margins[row]);
    }
    best_one_explain =
        std::min(best_one_explain, (ThreadMicros() - start) / static_cast<double>(alone));
  }
  // A use of the results, so that no walk is optimised away.
  double sum = 0;
  for (size_t row = 0; row < rows; ++row) sum += probabilities[row] + margins[row];
  if (!std::isfinite(sum)) {
    fmt::print(stderr, "forest_bench: a walk gave a number that is not finite\n");
    return 1;
  }
  fmt::print(
      "  batches of {}: score {:.2f} us per row, score + path attribution {:.2f} us per row\n",
      kBatch, best_score, best_explain);
  fmt::print(
      "  one row at a time: score {:.2f} us per row, score + path attribution {:.2f} us per row\n",
      best_one_score, best_one_explain);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Main(argc, argv); }
