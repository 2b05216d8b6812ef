// `cordon train` and `cordon eval` (commands.h, docs/targeting.md).
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/screen_command.h"
#include "core/random.h"
#include "core/time.h"
#include "screening/screening_service.h"
#include "store/sqlite_store.h"
#include "targeting/targeting.h"

namespace cordon::cli {
namespace {

using targeting::Dataset;
using targeting::Mapping;
using targeting::Metrics;
using targeting::Model;

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int Fail(const Error& error) {
  std::cerr << "cordon: " << error.ToString() << "\n";
  return kExitFailure;
}

int Usage(const std::string& message) {
  std::cerr << "cordon: " << message << "\n";
  return kExitUsage;
}

// "1,2,5,10" (a trailing % allowed on each) → {1, 2, 5, 10}.
std::optional<std::vector<double>> ParseRates(const std::string& text) {
  std::vector<double> rates;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string part =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    while (!part.empty() && part.front() == ' ') part.erase(part.begin());
    while (!part.empty() && (part.back() == ' ' || part.back() == '%')) part.pop_back();
    double rate = 0;
    auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), rate);
    if (part.empty() || error != std::errc() || end != part.data() + part.size() ||
        !(rate > 0 && rate <= 100)) {
      return std::nullopt;
    }
    rates.push_back(rate);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return rates;
}

std::string Percent(double rate) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", rate);
  return buffer;
}

void PrintMetrics(const Metrics& metrics) {
  std::printf("  rows %zu, positives %zu, AUC %s\n", metrics.rows, metrics.positives,
              metrics.auc ? std::to_string(*metrics.auc).c_str() : "n/a");
  for (const auto& at : metrics.at) {
    std::printf("  top %5s%% (%zu rows): precision %.4f, recall %s", Percent(at.rate).c_str(),
                at.selected, at.precision, at.recall ? std::to_string(*at.recall).c_str() : "n/a");
    if (at.revenue) std::printf(", revenue share %.4f", *at.revenue);
    std::printf("\n");
  }
}

}  // namespace

struct TargetingCommands::State {
  CLI::App* train = nullptr;
  CLI::App* eval = nullptr;
  // train
  std::vector<std::string> train_data;
  std::string valid;
  std::string mapping;
  std::string label;
  std::string out;
  std::optional<uint64_t> seed;
  bool train_json = false;
  std::string db;   // learn from the findings recorded in this database ...
  std::string org;  // ... on this administration's screenings
  // eval
  std::string model;
  std::string eval_data;
  std::string eval_mapping;
  std::string eval_label;
  std::string rates = "1,2,5,10";
  bool eval_json = false;

  int RunTrain(char** argv) const;
  int RunEval() const;
};

TargetingCommands::TargetingCommands(CLI::App& app) : state_(std::make_unique<State>()) {
  State& state = *state_;
  state.train = app.add_subcommand(
      "train", "Train a targeting model on past declarations with inspection outcomes");
  state.train->add_option("--data", state.train_data, "Training CSV (repeat to concatenate)");
  state.train->add_option("--valid", state.valid,
                          "Validation CSV: early stopping and reported figures");
  state.train->add_option("--mapping", state.mapping, "Column mapping JSON (docs/targeting.md)");
  state.train->add_option("--db", state.db,
                          "Learn from the findings recorded on screenings stored in this "
                          "database (instead of --data/--mapping)");
  state.train->add_option("--org", state.org,
                          "With --db: the administration (name or id; default: the only customs "
                          "one)");
  state.train->add_option("--label", state.label, "Outcome column (default: the mapping's)");
  state.train->add_option("--out", state.out, "Model file to write")->required();
  state.train->add_option("--seed", state.seed, "Seed (default: the mapping's, else 1)");
  state.train->add_flag("--json", state.train_json, "Print the summary as one JSON object");

  state.eval = app.add_subcommand("eval", "Evaluate a targeting model on labelled declarations");
  state.eval->add_option("--model", state.model, "Model file")->required();
  state.eval->add_option("--data", state.eval_data, "Labelled CSV")->required();
  state.eval->add_option("--mapping", state.eval_mapping,
                         "Column mapping of the CSV (default: the model's)");
  state.eval->add_option("--label", state.eval_label, "Outcome column (default: the mapping's)");
  state.eval->add_option("--rates", state.rates, "Inspection rates in %, comma-separated")
      ->capture_default_str();
  state.eval->add_flag("--json", state.eval_json, "Print exactly one JSON object");
}

TargetingCommands::~TargetingCommands() = default;

std::optional<int> TargetingCommands::Run(char** argv) const {
  if (state_->train->parsed()) return state_->RunTrain(argv);
  if (state_->eval->parsed()) return state_->RunEval();
  return std::nullopt;
}

int TargetingCommands::State::RunTrain(char** argv) const {
  // XGBoost's OpenMP threads spin between parallel regions by default; on a
  // machine shared with other work that spinning costs several times the
  // training itself (measured: 71 s instead of 9 s). libgomp reads the policy
  // once, when it loads, so set it and start again. Results do not change.
  if (std::getenv("OMP_WAIT_POLICY") == nullptr && argv != nullptr) {
    setenv("OMP_WAIT_POLICY", "passive", 1);
    execv("/proc/self/exe", argv);  // returns only on failure: carry on as we are
  }
  if (db.empty() == train_data.empty()) {
    return Usage("give either --data with --mapping (a CSV of past declarations) or --db (the "
                 "findings recorded on stored screenings)");
  }
  if (!db.empty() && (!mapping.empty() || !label.empty() || !valid.empty())) {
    return Usage("--db trains on the stored screenings' own fields and findings; --mapping, "
                 "--label and --valid go with --data");
  }
  if (db.empty() && mapping.empty()) return Usage("--data needs --mapping");
  if (!org.empty() && db.empty()) return Usage("--org needs --db");

  Mapping map;
  Result<Dataset> train = InvalidInput("no training data");
  if (!db.empty()) {
    // The declarations screened with --db and the findings recorded on them,
    // through screening's fixed role map (model_inputs.h).
    if (!std::filesystem::exists(db)) return Fail(NotFound("no database at " + db));
    Result<std::unique_ptr<Store>> store = OpenSqliteStore(SqliteOptions{db});
    if (!store.ok()) return Fail(store.error());
    Result<std::string> org_id = ScreeningAdministration(**store, org);
    if (!org_id.ok()) return Fail(org_id.error());
    SystemClock clock;
    SystemRng rng;
    ScreeningService service(**store, clock, rng);
    Result<StoredTrainingData> stored = service.TrainingData(*org_id);
    if (!stored.ok()) return Fail(stored.error());
    std::fprintf(stderr, "training on %zu results with findings (%zu item rows)\n",
                 stored->results, stored->data.rows);
    map = StoredScreeningsMapping();
    train = std::move(stored->data);
  } else {
    Result<Mapping> parsed_mapping = targeting::LoadMapping(mapping);
    if (!parsed_mapping.ok()) return Fail(parsed_mapping.error());
    map = *parsed_mapping;
    train = targeting::LoadDataset(train_data.front(), map, label);
    if (!train.ok()) return Fail(train.error());
  }
  targeting::TrainOptions options = map.train;
  if (seed) options.seed = *seed;
  // A young database may hold fewer labelled rows than folds: one fold per
  // row then (at least 2), rather than refusing to learn at all.
  if (!db.empty() && train->rows < static_cast<size_t>(options.folds)) {
    options.folds = std::max(2, static_cast<int>(train->rows));
  }

  for (size_t index = 1; index < train_data.size(); ++index) {
    Result<Dataset> more = targeting::LoadDataset(train_data[index], map, label);
    if (!more.ok()) return Fail(more.error());
    Status appended = targeting::AppendDataset(*train, *more);
    if (!appended.ok()) return Fail(appended.error());
  }
  std::optional<Dataset> valid_data;
  if (!valid.empty()) {
    Result<Dataset> loaded = targeting::LoadDataset(valid, map, label);
    if (!loaded.ok()) return Fail(loaded.error());
    valid_data = std::move(loaded).value();
  }

  SystemClock clock;
  Result<Model> model =
      targeting::Train(*train, valid_data ? &*valid_data : nullptr, map, options, clock);
  if (!model.ok()) return Fail(model.error());
  Status saved = model->Save(out);
  if (!saved.ok()) return Fail(saved.error());

  const targeting::TrainingInfo& info = model->info();
  if (train_json) {
    std::string valid_json = info.valid ? targeting::MetricsToJson(*info.valid) : "null";
    std::printf(
        "{\"rows\":%zu,\"positives\":%zu,\"features\":%zu,\"trees\":%d,\"best_iteration\":%d,"
        "\"seconds\":%.3f,\"seed\":%llu,\"valid\":%s}\n",
        info.train_rows, info.train_positives, model->feature_names().size(), info.rounds,
        info.best_iteration, info.train_seconds, static_cast<unsigned long long>(info.seed),
        valid_json.c_str());
    return 0;
  }
  std::printf("trained on %zu rows (%zu positive) in %.1f s: %zu features, %d trees",
              info.train_rows, info.train_positives, info.train_seconds,
              model->feature_names().size(), info.rounds);
  if (info.best_iteration >= 0) {
    std::printf(" (best iteration %d by validation AUC)", info.best_iteration);
  }
  std::printf("\n");
  if (info.valid) {
    std::printf("validation figures of the kept model:\n");
    PrintMetrics(*info.valid);
  }
  std::printf("model written to %s\n", out.c_str());
  return 0;
}

int TargetingCommands::State::RunEval() const {
  std::optional<std::vector<double>> rate_list = ParseRates(rates);
  if (!rate_list) return Usage("--rates must be percentages in (0, 100], e.g. 1,2,5,10");
  Result<Model> model = Model::Load(this->model);
  if (!model.ok()) return Fail(model.error());
  Mapping mapping = model->mapping();
  if (!eval_mapping.empty()) {
    Result<Mapping> loaded = targeting::LoadMapping(eval_mapping);
    if (!loaded.ok()) return Fail(loaded.error());
    mapping = std::move(loaded).value();
  }
  Result<Dataset> data = targeting::LoadDataset(eval_data, mapping, eval_label);
  if (!data.ok()) return Fail(data.error());
  Result<std::vector<double>> scores = model->ScoreBatch(*data);
  if (!scores.ok()) return Fail(scores.error());
  Result<Metrics> metrics = targeting::Evaluate(*scores, data->labels, data->revenue, *rate_list);
  if (!metrics.ok()) return Fail(metrics.error());
  if (eval_json) {
    std::printf("%s\n", targeting::MetricsToJson(*metrics).c_str());
    return 0;
  }
  std::printf("%s on %s:\n", this->model.c_str(), eval_data.c_str());
  PrintMetrics(*metrics);
  return 0;
}

}  // namespace cordon::cli
