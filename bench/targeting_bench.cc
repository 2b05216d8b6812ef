// Targeting (issue 4): trains on the KCS train split (2020), evaluates on the
// valid split (2021 Q1), and prints training time, scoring speed per core and
// the quality figures. The held-out test quarter is never read.
//
//   targeting_bench [--mapping FILE] [--option NAME=VALUE ...] [--importance] [--save MODEL]
//
// The data folder is resolved at configure time (../shared/data beside the
// clone) and can be overridden with CORDON_KCS_DATA; when it is absent the
// bench says so and exits 0. --option overrides one training option of the
// mapping (e.g. --option max_depth=8), for tuning on train → valid; --save
// writes the trained model (scripts/targeting_grid.py reads its trees).
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/time.h"
#include "targeting/targeting.h"

namespace {

using cordon::targeting::Dataset;
using cordon::targeting::Mapping;
using cordon::targeting::Metrics;
using cordon::targeting::Model;
using Seconds = std::chrono::duration<double>;

int Fail(const std::string& message) {
  std::fprintf(stderr, "targeting_bench: %s\n", message.c_str());
  return 1;
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

// CPU seconds of the calling thread: the per-core figures stay meaningful on
// a machine shared with other jobs.
double ThreadCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  // XGBoost's OpenMP threads busy-wait between parallel regions by default;
  // on a shared machine that spinning costs several times the work itself.
  // libgomp reads the policy when it loads, so set it and start again.
  if (std::getenv("OMP_WAIT_POLICY") == nullptr) {
    setenv("OMP_WAIT_POLICY", "passive", 1);
    execv("/proc/self/exe", argv);  // on failure, carry on with the default policy
  }
  std::string data_dir = CORDON_KCS_DATA_DIR;
  if (const char* from_env = std::getenv("CORDON_KCS_DATA")) data_dir = from_env;
  std::string mapping_path = CORDON_TARGETING_MAPPINGS "/kcs.json";
  nlohmann::ordered_json overrides = nlohmann::ordered_json::object();
  bool importance = false;
  std::string save_path;
  for (int index = 1; index < argc; ++index) {
    std::string argument = argv[index];
    if (argument == "--mapping" && index + 1 < argc) {
      mapping_path = argv[++index];
    } else if (argument == "--save" && index + 1 < argc) {
      save_path = argv[++index];
    } else if (argument == "--importance") {
      importance = true;
    } else if (argument == "--option" && index + 1 < argc) {
      std::string option = argv[++index];
      size_t equals = option.find('=');
      if (equals == std::string::npos) return Fail("--option takes NAME=VALUE");
      nlohmann::ordered_json value =
          nlohmann::ordered_json::parse(option.substr(equals + 1), nullptr, false);
      if (value.is_discarded()) value = option.substr(equals + 1);  // a bare word: a string
      overrides[option.substr(0, equals)] = value;
    } else {
      return Fail(
          "usage: targeting_bench [--mapping FILE] [--option NAME=VALUE ...] [--importance] "
          "[--save MODEL]");
    }
  }
  std::string train_path = data_dir + "/df_syn_train_eng.csv";
  std::string valid_path = data_dir + "/df_syn_valid_eng.csv";
  if (!std::filesystem::exists(train_path) || !std::filesystem::exists(valid_path)) {
    std::printf("targeting_bench: KCS data not found at %s (set CORDON_KCS_DATA); skipped\n",
                data_dir.c_str());
    return 0;
  }

  nlohmann::ordered_json mapping_json =
      nlohmann::ordered_json::parse(ReadFile(mapping_path), nullptr, false);
  if (mapping_json.is_discarded()) return Fail(mapping_path + " is not JSON");
  for (const auto& [name, value] : overrides.items()) mapping_json["train"][name] = value;
  cordon::Result<Mapping> mapping = cordon::targeting::ParseMapping(mapping_json.dump());
  if (!mapping.ok()) return Fail(mapping.error().ToString());

  auto read_started = std::chrono::steady_clock::now();
  cordon::Result<Dataset> train = cordon::targeting::LoadDataset(train_path, *mapping, "");
  if (!train.ok()) return Fail(train.error().ToString());
  cordon::Result<Dataset> valid = cordon::targeting::LoadDataset(valid_path, *mapping, "");
  if (!valid.ok()) return Fail(valid.error().ToString());
  double read_seconds = Seconds(std::chrono::steady_clock::now() - read_started).count();

  cordon::SystemClock clock;
  timespec cpu_started{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu_started);
  auto train_started = std::chrono::steady_clock::now();
  cordon::Result<Model> model =
      cordon::targeting::Train(*train, &*valid, *mapping, mapping->train, clock);
  if (!model.ok()) return Fail(model.error().ToString());
  double train_seconds = Seconds(std::chrono::steady_clock::now() - train_started).count();
  timespec cpu_finished{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu_finished);
  double train_cpu_seconds = static_cast<double>(cpu_finished.tv_sec - cpu_started.tv_sec) +
                             static_cast<double>(cpu_finished.tv_nsec - cpu_started.tv_nsec) * 1e-9;
  if (!save_path.empty()) {
    cordon::Status saved = model->Save(save_path);
    if (!saved.ok()) return Fail(saved.error().ToString());
  }

  // Scoring speed on one core: features (encoder look-ups) and trees.
  constexpr int kScoringPasses = 5;
  std::vector<double> scores;
  double score_started = ThreadCpuSeconds();
  for (int pass = 0; pass < kScoringPasses; ++pass) {
    cordon::Result<std::vector<double>> batch = model->ScoreBatch(*valid);
    if (!batch.ok()) return Fail(batch.error().ToString());
    scores = std::move(batch).value();
  }
  double score_seconds = ThreadCpuSeconds() - score_started;
  double rows_per_second = kScoringPasses * static_cast<double>(valid->rows) / score_seconds;

  // Explanations (XGBoost pred_contribs: exact TreeSHAP, top 5) on one core,
  // for the first rows only: SHAP costs trees × leaves × depth² per row.
  constexpr size_t kExplainedRows = 200;
  Dataset sample = *valid;
  auto truncate = [](auto& column, size_t rows) {
    if (column.size() > rows) column.resize(rows);
  };
  for (auto& column : sample.keys) truncate(column, kExplainedRows);
  for (auto& column : sample.numeric) truncate(column, kExplainedRows);
  truncate(sample.ids, kExplainedRows);
  truncate(sample.days, kExplainedRows);
  truncate(sample.labels, kExplainedRows);
  truncate(sample.revenue, kExplainedRows);
  sample.rows = std::min(sample.rows, kExplainedRows);
  double explain_started = ThreadCpuSeconds();
  cordon::Result<std::vector<cordon::targeting::Prediction>> explained =
      model->Explain(sample, importance ? 100000 : 5);
  if (!explained.ok()) return Fail(explained.error().ToString());
  double explain_seconds = ThreadCpuSeconds() - explain_started;
  double approximate_started = ThreadCpuSeconds();
  cordon::Result<std::vector<cordon::targeting::Prediction>> approximate =
      model->Explain(*valid, 5, Model::Attribution::kApproximate);
  if (!approximate.ok()) return Fail(approximate.error().ToString());
  double approximate_seconds = ThreadCpuSeconds() - approximate_started;

  std::vector<double> rates = {1, 2, 5, 10};
  cordon::Result<Metrics> metrics =
      cordon::targeting::Evaluate(scores, valid->labels, valid->revenue, rates);
  if (!metrics.ok()) return Fail(metrics.error().ToString());

  const auto& info = model->info();
  std::printf("targeting_bench: KCS train (2020) -> valid (2021 Q1), mapping %s\n",
              mapping_path.c_str());
  std::printf("  rows: train %zu (%zu positive), valid %zu (%zu positive); read in %.2f s\n",
              train->rows, info.train_positives, valid->rows, metrics->positives, read_seconds);
  std::printf("  features: %zu; trees kept: %d (best iteration %d of early stopping)\n",
              model->feature_names().size(), info.rounds, info.best_iteration);
  std::printf("  training: %.2f s wall, %.2f s CPU, %d threads (seed %llu)\n", train_seconds,
              train_cpu_seconds, info.options.threads, static_cast<unsigned long long>(info.seed));
  std::printf("  scoring: %.0f declarations/s on one core (features + trees)\n", rows_per_second);
  std::printf("  explaining: %.0f declarations/s on one core (exact SHAP, pred_contribs, top 5)\n",
              static_cast<double>(sample.rows) / explain_seconds);
  std::printf("  explaining: %.0f declarations/s on one core (approx_contribs, top 5)\n",
              static_cast<double>(valid->rows) / approximate_seconds);
  std::printf("  model file: %zu bytes\n", model->ToBytes().size());
  std::printf("  valid AUC: %.4f\n", metrics->auc.value_or(0));
  for (const auto& at : metrics->at) {
    std::printf("  @%4.0f%%: selected %4zu  precision %.4f  recall %.4f\n", at.rate, at.selected,
                at.precision, at.recall.value_or(0));
  }
  std::printf("%s\n", cordon::targeting::MetricsToJson(*metrics).c_str());
  if (importance) {
    // Mean |SHAP contribution| per feature over the explained rows.
    std::map<std::string, double> mean_magnitude;
    for (const auto& prediction : *explained) {
      for (const auto& contribution : prediction.top) {
        mean_magnitude[contribution.feature] +=
            std::abs(contribution.contribution) / static_cast<double>(explained->size());
      }
    }
    std::vector<std::pair<double, std::string>> ranked;
    for (const auto& [name, magnitude] : mean_magnitude) ranked.emplace_back(magnitude, name);
    std::sort(ranked.rbegin(), ranked.rend());
    for (const auto& [magnitude, name] : ranked)
      std::printf("  %-40s %.4f\n", name.c_str(), magnitude);
  }
  return 0;
}
