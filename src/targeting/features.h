// Feature construction: smoothed target encoders with hierarchical priors,
// counts, and numeric features (internal to the targeting module; described
// in docs/targeting.md, "Features").
//
// Leakage guard: every table (category dictionaries, risk rates, counts, unit
// value medians) is fitted on training rows only. A training row's own rate
// features come from the other folds (out-of-fold), so the trees never see a
// rate that includes the row's own label.
//
// Thread safety: a fitted FeatureBuilder is immutable; Transform may be called
// from several threads.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "targeting/targeting.h"

namespace cordon::targeting::internal {

// A row-major float matrix: rows × columns, NaN for missing.
struct FeatureMatrix {
  size_t rows = 0;
  size_t columns = 0;
  std::vector<float> values;
  const float* Row(size_t row) const { return values.data() + row * columns; }
};

class FeatureBuilder {
 public:
  // Plans the encoders and features for a mapping; kInvalidInput when the
  // mapping cannot be planned (it was checked by ParseMapping already).
  static Result<FeatureBuilder> Plan(const Mapping& mapping, const TrainOptions& options);

  // Fits every table on `train` (labelled) and returns its features, with
  // out-of-fold rates and counts.
  Result<FeatureMatrix> FitTransform(const Dataset& train);
  // Features of any rows with the fitted tables (no row's label is used).
  Result<FeatureMatrix> Transform(const Dataset& data) const;

  const std::vector<std::string>& feature_names() const { return feature_names_; }
  // The raw inputs behind feature `feature` for `row`, e.g. "origin=CN hs6=440890".
  std::string Detail(const Dataset& data, size_t row, size_t feature) const;
  // Detail of several features of one row (the row's columns found once).
  std::vector<std::string> Details(const Dataset& data, size_t row,
                                   std::span<const size_t> features) const;
  // Details of several rows (the columns found once): element i is
  // Details(data, rows[i], features[i]).
  std::vector<std::vector<std::string>> Details(
      const Dataset& data, std::span<const size_t> rows,
      std::span<const std::vector<size_t>> features) const;

  // The fitted tables, for the model file. FromJson re-plans from the mapping
  // and options, then loads the tables; kCorrupt when they do not match.
  nlohmann::ordered_json ToJson() const;
  static Result<FeatureBuilder> FromJson(const nlohmann::ordered_json& tables,
                                         const Mapping& mapping, const TrainOptions& options);

  // Observed rate of positives in the training rows.
  double global_rate() const { return global_rate_; }

 private:
  // A categorical input: a mapped key, or one HS level derived from "hs".
  struct Atom {
    std::string name;
    int key = -1;       // index into the mapping's keys
    int hs_digits = 0;  // 6, 4 or 2 for an HS level; 0 otherwise
  };
  // Statistics of one category (or combination) on the training rows.
  struct Cell {
    float rows = 0;
    float positives = 0;
  };
  // Open addressing with linear probing, keyed by EncoderKey (kUnseen never
  // stored), each key beside its cell: one probe is usually one cache line,
  // where a node-based map costs two dependent misses per look-up.
  class CellTable {
   public:
    Cell& Insert(uint64_t key);
    const Cell* Find(uint64_t key) const;
    // Starts loading the line a Find(key) reads first.
    void Prefetch(uint64_t key) const;
    size_t size() const { return size_; }
    void Clear();
    // Entries sorted by key (deterministic serialisation).
    std::vector<std::pair<uint64_t, Cell>> Sorted() const;

   private:
    struct Slot {
      uint64_t key = kUnseen;
      Cell cell;
    };
    void Grow();
    std::vector<Slot> slots_;
    size_t size_ = 0;
  };
  // The values of one atom seen in training, numbered from 0 in order of
  // first appearance. Open addressing over 8-byte slots (a hash tag and the
  // id; the text is compared in the list by id): a look-up reads one slot
  // and one value, where a node-based map reads a bucket, a node and the
  // value.
  class Dictionary {
   public:
    uint32_t Find(std::string_view value) const;  // kUnseenId when absent
    // The value's id, a new one (size()) when it is not there yet.
    uint32_t Insert(std::string_view value);
    size_t size() const { return values_.size(); }
    const std::vector<std::string>& values() const { return values_; }  // by id
    void Clear();

   private:
    struct Slot {
      uint32_t tag = 0;         // the hash's high half
      uint32_t id = kUnseenId;  // kUnseenId: empty
    };
    void Grow();
    void Place(uint32_t id);  // into the first empty slot of values_[id]'s probe
    std::vector<Slot> slots_;
    std::vector<std::string> values_;
  };
  struct Encoder {
    std::string name;          // "importer", "hs6", "origin*hs6"
    std::vector<int> atoms;    // into atoms_
    int parent = -1;           // encoder whose rate is the prior (hierarchy)
    std::vector<int> combine;  // else: encoders whose log-odds combine into the prior
    bool emit = true;          // a feature (implicit parents are not)
    CellTable table;
    bool in_combine = false;  // some encoder combines this one's log-odds
  };
  struct Numeric {
    std::string name;  // feature name
    enum class Kind {
      kRaw,          // a
      kLog,          // log(1 + a)
      kLogRatio,     // log(a / b)
      kHsDeviation,  // base(a, b) minus its median in the row's HS code
      kLogDuty,      // log(1 + a × b / 100)
      kMonth,
      kWeekday
    } kind;
    int a = -1;  // numeric column indexes (into the mapping's numeric list)
    int b = -1;
    // kHsDeviation: the base quantity is log(a / b) with b, log(a) without b
    // and `log_base`, a itself otherwise; `median` indexes medians_.
    bool log_base = true;
    int median = -1;
  };
  // Medians of one quantity per HS level id (index: hs6, hs4, hs2), fitted on
  // training rows; a level answers only with at least kMinMedianRows rows.
  struct MedianTable {
    std::vector<std::unordered_map<uint32_t, float>> levels;
    float global = 0;
  };
  static constexpr uint64_t kUnseen = ~uint64_t{0};

  static constexpr uint32_t kUnseenId = ~uint32_t{0};
  // Where the mapping's keys and numbers are in a dataset (by role name), so a
  // dataset read through a reordered mapping still works.
  struct Columns {
    std::vector<int> keys;     // per mapping key: index into data.keys
    std::vector<int> numeric;  // per mapping number: index into data.numeric
  };
  using AtomIdTable = std::vector<std::vector<uint32_t>>;  // [atom][row]

  Result<Columns> Resolve(const Dataset& data) const;
  // An atom's value for a row; HS levels are cut from `hs_digits` (HsDigits
  // of the row's code), computed once per row by the caller.
  std::string_view AtomValue(const Dataset& data, const Columns& columns, int atom, size_t row,
                             const std::string& hs_digits) const;
  std::string HsDigitsOf(const Dataset& data, const Columns& columns, size_t row) const;
  // Ids of every atom for every row; kUnseenId for values not in training.
  AtomIdTable AtomIds(const Dataset& data, const Columns& columns) const;
  uint64_t EncoderKey(const Encoder& encoder, const AtomIdTable& ids, size_t row) const;
  float BaseQuantity(const Numeric& numeric, const Dataset& data, const Columns& columns,
                     size_t row) const;
  void FitMedians(const Dataset& data, const Columns& columns, const AtomIdTable& ids);
  void NumericFeatures(const Dataset& data, const Columns& columns, const AtomIdTable& ids,
                       FeatureMatrix& out, size_t first_column) const;
  float HsMedian(const MedianTable& table, const AtomIdTable& ids, size_t row) const;

  Mapping mapping_;
  TrainOptions options_;
  std::vector<Atom> atoms_;
  std::vector<Dictionary> dictionaries_;  // per atom
  std::vector<Encoder> encoders_;         // parents before children
  std::vector<Numeric> numerics_;
  std::vector<MedianTable> medians_;  // one per kHsDeviation numeric
  std::vector<int> hs_atoms_;         // atom index of hs6, hs4, hs2 (empty without hs)
  double global_rate_ = 0;
  size_t train_rows_ = 0;
  std::vector<std::string> feature_names_;
  // Per feature: the encoder index and whether it is the count (or -1 for numerics).
  std::vector<std::pair<int, bool>> feature_sources_;
  bool fitted_ = false;
};

}  // namespace cordon::targeting::internal
