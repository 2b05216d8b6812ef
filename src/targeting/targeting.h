// Learned targeting (issue 4): a gradient-boosted tree model, trained on past
// inspection outcomes, that scores declarations by how likely an inspection
// finds an irregularity, and explains each score by its largest feature
// contributions.
//
//   Mapping  — which CSV columns are the id, date, label, categorical keys and
//              numbers (docs/targeting.md; mappings/kcs.json for the KCS data).
//   Dataset  — a CSV read through a mapping: raw keys, numbers, labels.
//   Train    — fits the encoders (smoothed, out-of-fold target rates) and an
//              XGBoost model; deterministic for a seed.
//   Model    — the versioned model file: mapping, encoder tables, trees and
//              training metadata; scores and explains declarations.
//   Evaluate — AUC and precision/recall/revenue at n % inspection rates.
//
// Thread safety: Mapping, Dataset, TrainOptions and Metrics are plain values.
// A Model is immutable after loading; all its const methods may be called from
// several threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace cordon::targeting {

// How training rows are split into folds for out-of-fold target encoding.
enum class FoldScheme {
  kRandom,  // a seeded shuffle
  kTime,    // contiguous blocks in date order (rows without a date go last)
};

// Hyperparameters. Defaults are the values selected on the KCS train → valid
// split (docs/targeting.md); a mapping's "train" object overrides them, and the
// command line overrides the mapping (for the seed).
struct TrainOptions {
  uint64_t seed = 1;
  // Target encoding.
  int folds = 5;
  FoldScheme fold_scheme = FoldScheme::kRandom;
  double prior_weight = 3.0;  // m in (positives + m * prior) / (rows + m)
  // Features beyond the target rates.
  bool count_features = true;
  bool date_features = false;  // month and weekday; off: one year of history
                               // teaches seasons poorly
  // Gradient boosting (XGBoost names in brackets).
  int max_rounds = 1000;            // upper bound with a validation set
  int rounds_without_valid = 800;   // fixed rounds when no validation set is given
  int early_stopping_rounds = 100;  // stop after this many rounds without a better valid AUC
  double learning_rate = 0.1;       // [eta]
  int max_depth = 8;                // [max_depth]
  double min_child_weight = 1.0;    // [min_child_weight]
  double subsample = 0.8;           // [subsample]
  double colsample_bytree = 0.8;    // [colsample_bytree]
  double reg_lambda = 1.0;          // [lambda]
  double reg_alpha = 0.0;           // [alpha]
  int max_bin = 256;                // [max_bin]
  int threads = 2;                  // [nthread]; results do not depend on it

  bool operator==(const TrainOptions&) const = default;
};

// One categorical key: a role name and the CSV column it reads. The role "hs"
// is special: it derives hs6, hs4 and hs2 from the digits of the code.
struct KeyColumn {
  std::string name;
  std::string column;
  bool operator==(const KeyColumn&) const = default;
};

// One numeric column. The roles value, mass, tax_rate and quantity get derived
// features (log value, value per kg and its deviation from the HS6 median, ...);
// any other name is used as given.
struct NumericColumn {
  std::string name;
  std::string column;
  bool operator==(const NumericColumn&) const = default;
};

// Which columns of a CSV of past declarations mean what (docs/targeting.md).
struct Mapping {
  std::string id_column;       // optional
  std::string date_column;     // optional; YYYY-MM-DD
  std::string label_column;    // the default outcome column (overridable)
  std::string revenue_column;  // optional; enables revenue@n
  std::vector<KeyColumn> keys;
  std::vector<NumericColumn> numeric;
  // Combined keys whose joint risk rate is a feature, by role name (hs6, hs4
  // and hs2 stand for the levels of the "hs" key); 2 to 4 names each.
  std::vector<std::vector<std::string>> interactions;
  TrainOptions train;  // defaults from the mapping's "train" object

  bool operator==(const Mapping&) const = default;
};

// Parses and checks a mapping document. Errors (kInvalidInput) name the bad
// key, e.g. `mapping: "keys.importer" must be a column name (a string)`.
Result<Mapping> ParseMapping(std::string_view json_text);
// Reads and parses a mapping file; kInvalidInput when it cannot be read.
Result<Mapping> LoadMapping(const std::string& path);
// The mapping as a JSON document that ParseMapping reads back to an equal value.
std::string MappingToJson(const Mapping& mapping);

// Declarations read through a mapping. Columns are stored by role in the
// mapping's order; `labels` is empty for an unlabelled set.
struct Dataset {
  std::vector<std::string> key_names;          // mapping.keys[i].name
  std::vector<std::vector<std::string>> keys;  // [key][row], raw text
  std::vector<std::string> numeric_names;      // mapping.numeric[i].name
  std::vector<std::vector<double>> numeric;    // [numeric][row]; NaN when empty
  std::vector<std::string> ids;                // empty without an id column
  std::vector<int32_t> days;                   // days since 1970-01-01; kNoDay when absent
  std::vector<float> labels;                   // 1 positive, 0 negative
  std::vector<double> revenue;                 // empty without a revenue column
  std::string label_column;                    // the column labels came from
  size_t rows = 0;

  static constexpr int32_t kNoDay = INT32_MIN;
};

// Reads CSV text (RFC 4180: quoted fields, "" escapes, quoted newlines, CRLF or
// LF, optional UTF-8 BOM) through a mapping. `label_column` empty: use the
// mapping's; "-": read no outcomes, neither labels nor revenue (scoring).
// `source` names the input in errors.
// Errors (kInvalidInput): an empty file or one without data rows; a mapped or
// label column missing from the header (names both); a field that is not a
// number where one is needed, or a bad date (names line and column); a row
// with the wrong number of fields; malformed quoting.
Result<Dataset> ParseDataset(std::string_view csv_text, const Mapping& mapping,
                             const std::string& label_column, const std::string& source);
Result<Dataset> LoadDataset(const std::string& path, const Mapping& mapping,
                            const std::string& label_column);
// Appends `more` (read through the same mapping) to `into`; kInvalidInput when
// the two sets have different columns or one is labelled and the other not.
Status AppendDataset(Dataset& into, const Dataset& more);

// Performance at one inspection rate: the top `selected` = ceil(rate% × rows)
// rows by score, ties broken by input order.
struct RateMetrics {
  double rate = 0;  // percent, e.g. 5 for 5 %
  size_t selected = 0;
  size_t hits = 0;                // positives among the selected
  double precision = 0;           // hits / selected
  std::optional<double> recall;   // hits / positives; none without positives
  std::optional<double> revenue;  // share of all revenue in the selected rows
  bool operator==(const RateMetrics&) const = default;
};

struct Metrics {
  size_t rows = 0;
  size_t positives = 0;
  std::optional<double> auc;  // none when all rows have the same label
  std::vector<RateMetrics> at;
  bool operator==(const Metrics&) const = default;
};

// AUC (Mann-Whitney, tied scores share their average rank) and the rate
// metrics. `revenue` empty: no revenue figures. kInvalidInput when lengths
// differ, a rate is outside (0, 100], or a score is NaN.
Result<Metrics> Evaluate(std::span<const double> scores, std::span<const float> labels,
                         std::span<const double> revenue, std::span<const double> rates_percent);
// The `cordon eval --json` object: {"rows":N,"positives":P,"auc":A,
// "precision@1":...,"recall@1":...,["revenue@1":...,]...}; absent values are null.
std::string MetricsToJson(const Metrics& metrics);

// Why a declaration scored as it did: one feature's SHAP contribution to the
// log-odds (XGBoost pred_contribs), largest magnitude first.
struct Contribution {
  std::string feature;  // e.g. "rate:origin*hs6"
  double value = 0;     // the feature's value (NaN when missing)
  double contribution = 0;
  std::string detail;  // the raw inputs behind it, e.g. "origin=CN hs6=440890"
};

struct Prediction {
  double probability = 0;
  // The log-odds before any feature is known (base margin plus the trees'
  // expected values): bias + every feature's contribution = logit(probability).
  double bias = 0;
  std::vector<Contribution> top;
};

// One declaration by role name rather than CSV column: what a caller that
// does not read CSV (screening) gives. `keys` by key role ("hs" for the code,
// from which hs6/hs4/hs2 derive), `numbers` by numeric role (NaN: missing);
// roles the model does not use are ignored, roles it uses but `keys` or
// `numbers` lack read as empty / missing — as an empty CSV cell would.
struct RoleValues {
  std::map<std::string, std::string, std::less<>> keys;
  std::map<std::string, double, std::less<>> numbers;
  int32_t day = INT32_MIN;  // days since 1970-01-01; INT32_MIN: no date
};

// An unlabelled Dataset laid out for `mapping` (its keys and numbers in the
// mapping's order) from values by role.
Dataset DatasetFromRoles(const Mapping& mapping, std::span<const RoleValues> rows);

// The same, row by row without a map per row: StartRow, then the row's roles
// (keys trimmed; a number that is not finite reads as missing; roles the
// mapping lacks are ignored; a role given twice keeps the last value), then
// the next row; Take() once at the end. `mapping` must outlive the builder.
class RowsByRole {
 public:
  explicit RowsByRole(const Mapping& mapping);
  void Reserve(size_t rows);  // room for this many rows in all (optional)
  void StartRow();            // every key empty, every number missing, no day
  void Key(std::string_view role, std::string_view text);
  void Number(std::string_view role, double value);
  void Day(int32_t day);  // days since 1970-01-01
  Dataset Take() && { return std::move(data_); }

 private:
  // The mapping's columns of a role, looked up by name. Callers give a row's
  // roles in the same order every row, so the n-th call of a row remembers
  // where the n-th call of the previous row found its role and checks that
  // first: one comparison instead of a scan of the mapping.
  struct Remembered {
    std::string role;
    std::vector<size_t> columns;
  };
  const std::vector<size_t>& ColumnsOf(std::vector<Remembered>& remembered, size_t call,
                                       std::string_view role, bool numeric);

  const Mapping& mapping_;
  Dataset data_;
  std::vector<Remembered> keys_seen_, numbers_seen_;
  size_t key_call_ = 0, number_call_ = 0;  // calls so far in this row
};

// What training recorded about itself; stored in the model file.
struct TrainingInfo {
  uint64_t seed = 0;
  size_t train_rows = 0;
  size_t train_positives = 0;
  size_t valid_rows = 0;
  int rounds = 0;                // trees kept
  int best_iteration = -1;       // selected by early stopping; -1 without valid
  std::optional<Metrics> valid;  // figures of the kept model on the valid set
  double train_seconds = 0;
  std::string created_at;  // RFC 3339, from the injected clock
  std::string label_column;
  TrainOptions options;
};

// One declaration by CSV column name, for scoring single rows.
using Record = std::map<std::string, std::string, std::less<>>;

class Model {
 public:
  // The version of the model file this build writes, and the only one it reads.
  static constexpr uint32_t kFormatVersion = 1;

  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;
  ~Model();

  // Reads a model file's bytes. kCorrupt when the bytes are not a Cordon
  // model or fail their checksum; kInvalidInput naming the version when the
  // file was written in a format version this build does not read.
  static Result<Model> FromBytes(std::string_view bytes);
  static Result<Model> Load(const std::string& path);
  // The model file: deterministic for a given model (same training → same bytes).
  std::string ToBytes() const;
  // Writes atomically (temporary file + rename).
  Status Save(const std::string& path) const;

  const Mapping& mapping() const;
  const TrainingInfo& info() const;
  const std::vector<std::string>& feature_names() const;

  // Probability for every row of `data` (read through a mapping with the
  // model's key and numeric roles; kInvalidInput names a missing role).
  Result<std::vector<double>> ScoreBatch(const Dataset& data) const;
  // Probability and the `top_k` largest contributions for each row.
  // Contributions are exact SHAP values (XGBoost pred_contribs, TreeSHAP):
  // they add up to the log-odds, but cost trees × leaves × depth² per row
  // (~25 ms per row for the KCS model). kApproximate uses XGBoost's
  // path-based attribution (approx_contribs, Saabas), as fast as scoring;
  // right in sign and rough order, for explaining many rows at once.
  enum class Attribution { kShap, kApproximate };
  Result<std::vector<Prediction>> Explain(const Dataset& data, int top_k,
                                          Attribution attribution = Attribution::kShap) const;
  // Rows in groups (say, the items of each declaration): group g holds rows
  // [group_ends[g-1], group_ends[g]) (the first from 0), and the last end is
  // data.rows. Scores every row of a group of two or more, and explains the
  // riskiest row of each group (the first of equal scores) with path
  // attribution: the same prediction as Explain(kApproximate) of that row
  // alone, bit for bit, but with the trees walked once per block of rows
  // rather than once per row. An empty group gets row kNoRow.
  // kInvalidInput when the ends do not ascend to data.rows.
  struct GroupPrediction {
    static constexpr size_t kNoRow = SIZE_MAX;
    size_t row = kNoRow;  // the explained row, in data
    Prediction prediction;
  };
  Result<std::vector<GroupPrediction>> ExplainRiskiest(const Dataset& data,
                                                       std::span<const size_t> group_ends,
                                                       int top_k) const;
  // One declaration given by column name; missing columns read as empty.
  Result<Prediction> Score(const Record& record, int top_k = 5,
                           Attribution attribution = Attribution::kShap) const;

 private:
  struct Impl;
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  friend Result<Model> Train(const Dataset&, const Dataset*, const Mapping&, const TrainOptions&,
                             const Clock&);
};

// Fits encoders and trees on `train`. With `valid`, boosting stops early on the
// validation AUC and keeps the best round, and the info records the validation
// figures at 1, 2, 5 and 10 %. Both sets must be labelled and read through
// `mapping`. kInvalidInput for an unlabelled set, a set without both classes,
// or bad options; kInternal when XGBoost fails.
Result<Model> Train(const Dataset& train, const Dataset* valid, const Mapping& mapping,
                    const TrainOptions& options, const Clock& clock);

}  // namespace cordon::targeting
