#include "targeting/features.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <random>

#include "targeting/internal.h"

namespace cordon::targeting::internal {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
// HS medians of the unit value need this many training rows to be trusted;
// with fewer, the next HS level up answers.
constexpr size_t kMinMedianRows = 5;
// Rates are kept away from 0 and 1 before taking log-odds.
constexpr double kRateClamp = 1e-4;

double Logit(double p) {
  p = std::clamp(p, kRateClamp, 1.0 - kRateClamp);
  return std::log(p / (1.0 - p));
}

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// log1p of a count of training rows, the count features. Counts are whole
// numbers, mostly small, and log1pf costs about a hundred instructions: the
// first 4,096 are taken from a table of the very same floats.
float Log1pOfCount(float count) {
  constexpr uint32_t kTabled = 4096;
  static const std::array<float, kTabled> table = [] {
    std::array<float, kTabled> values{};
    for (uint32_t n = 0; n < kTabled; ++n) values[n] = std::log1p(static_cast<float>(n));
    return values;
  }();
  if (count >= 0.0f && count < static_cast<float>(kTabled)) {
    const auto whole = static_cast<uint32_t>(count);
    if (static_cast<float>(whole) == count) return table[whole];
  }
  return std::log1p(count);
}

uint64_t Mix(uint64_t x) {
  // splitmix64's finaliser: a bijection, so distinct inputs stay distinct.
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The digits of an HS code, left-padded to an even count (a code exported as
// a number loses its leading zero: 10121 is 010121).
std::string HsDigits(std::string_view text) {
  std::string digits;
  for (char c : text) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  if (digits.size() % 2 == 1) digits.insert(digits.begin(), '0');
  return digits;
}

float Median(std::vector<float>& values) {
  size_t middle = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + middle, values.end());
  float upper = values[middle];
  if (values.size() % 2 == 1) return upper;
  float lower = *std::max_element(values.begin(), values.begin() + middle);
  return (lower + upper) / 2;
}

std::string FormatNumber(double value) {
  if (std::isnan(value)) return "(empty)";
  // As printf's "%.10g" (std::to_chars with a precision is defined so),
  // without printf's cost.
  char buffer[32];
  const auto [end, error] =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general, 10);
  return std::string(buffer, end);
}

}  // namespace

FeatureBuilder::Cell& FeatureBuilder::CellTable::Insert(uint64_t key) {
  if ((size_ + 1) * 2 > slots_.size()) Grow();
  size_t mask = slots_.size() - 1;
  for (size_t slot = Mix(key) & mask;; slot = (slot + 1) & mask) {
    if (slots_[slot].key == key) return slots_[slot].cell;
    if (slots_[slot].key == kUnseen) {
      slots_[slot].key = key;
      ++size_;
      return slots_[slot].cell;
    }
  }
}

const FeatureBuilder::Cell* FeatureBuilder::CellTable::Find(uint64_t key) const {
  if (slots_.empty()) return nullptr;
  size_t mask = slots_.size() - 1;
  for (size_t slot = Mix(key) & mask;; slot = (slot + 1) & mask) {
    if (slots_[slot].key == key) return &slots_[slot].cell;
    if (slots_[slot].key == kUnseen) return nullptr;
  }
}

void FeatureBuilder::CellTable::Prefetch(uint64_t key) const {
  if (!slots_.empty()) __builtin_prefetch(&slots_[Mix(key) & (slots_.size() - 1)]);
}

uint32_t FeatureBuilder::Dictionary::Find(std::string_view value) const {
  if (slots_.empty()) return kUnseenId;
  const uint64_t hash = std::hash<std::string_view>{}(value);
  const auto tag = static_cast<uint32_t>(hash >> 32);
  const size_t mask = slots_.size() - 1;
  for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    const Slot& entry = slots_[slot];
    if (entry.id == kUnseenId) return kUnseenId;
    if (entry.tag == tag && values_[entry.id] == value) return entry.id;
  }
}

uint32_t FeatureBuilder::Dictionary::Insert(std::string_view value) {
  if (const uint32_t found = Find(value); found != kUnseenId) return found;
  if ((values_.size() + 1) * 2 > slots_.size()) Grow();
  const auto id = static_cast<uint32_t>(values_.size());
  values_.emplace_back(value);
  Place(id);
  return id;
}

void FeatureBuilder::Dictionary::Grow() {
  slots_.assign(slots_.empty() ? 16 : slots_.size() * 2, Slot{});
  for (uint32_t id = 0; id < values_.size(); ++id) Place(id);
}

void FeatureBuilder::Dictionary::Place(uint32_t id) {
  const uint64_t hash = std::hash<std::string_view>{}(values_[id]);
  const size_t mask = slots_.size() - 1;
  size_t slot = hash & mask;
  while (slots_[slot].id != kUnseenId) slot = (slot + 1) & mask;
  slots_[slot] = Slot{static_cast<uint32_t>(hash >> 32), id};
}

void FeatureBuilder::Dictionary::Clear() {
  slots_.clear();
  values_.clear();
}

void FeatureBuilder::CellTable::Clear() {
  slots_.clear();
  size_ = 0;
}

void FeatureBuilder::CellTable::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 16 : old.size() * 2, Slot{});
  size_ = 0;
  for (const Slot& slot : old) {
    if (slot.key != kUnseen) Insert(slot.key) = slot.cell;
  }
}

std::vector<std::pair<uint64_t, FeatureBuilder::Cell>> FeatureBuilder::CellTable::Sorted() const {
  std::vector<std::pair<uint64_t, Cell>> entries;
  entries.reserve(size_);
  for (const Slot& slot : slots_) {
    if (slot.key != kUnseen) entries.emplace_back(slot.key, slot.cell);
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return entries;
}

Result<FeatureBuilder> FeatureBuilder::Plan(const Mapping& mapping, const TrainOptions& options) {
  FeatureBuilder builder;
  builder.mapping_ = mapping;
  builder.options_ = options;
  std::map<std::string, int> atom_by_name;
  std::map<std::string, int> single_encoder;  // atom name → encoder
  for (size_t key = 0; key < mapping.keys.size(); ++key) {
    const std::string& name = mapping.keys[key].name;
    if (name == "hs") {
      // hs2 first: encoders are listed parents before children.
      for (int digits : {2, 4, 6}) {
        std::string level = "hs" + std::to_string(digits);
        atom_by_name[level] = static_cast<int>(builder.atoms_.size());
        builder.atoms_.push_back({level, static_cast<int>(key), digits});
        Encoder encoder;
        encoder.name = level;
        encoder.atoms = {atom_by_name[level]};
        if (digits > 2) encoder.parent = single_encoder["hs" + std::to_string(digits - 2)];
        single_encoder[level] = static_cast<int>(builder.encoders_.size());
        builder.encoders_.push_back(std::move(encoder));
      }
      builder.hs_atoms_ = {atom_by_name["hs6"], atom_by_name["hs4"], atom_by_name["hs2"]};
      continue;
    }
    atom_by_name[name] = static_cast<int>(builder.atoms_.size());
    builder.atoms_.push_back({name, static_cast<int>(key), 0});
    Encoder encoder;
    encoder.name = name;
    encoder.atoms = {atom_by_name[name]};
    single_encoder[name] = static_cast<int>(builder.encoders_.size());
    builder.encoders_.push_back(std::move(encoder));
  }

  // An interaction with an HS level falls back to the same interaction one
  // level up (origin*hs6 → origin*hs4 → origin*hs2), created unlisted when
  // needed; at hs2, or without HS, to the log-odds combination of its parts.
  std::map<std::string, int> encoder_by_name;
  for (size_t index = 0; index < builder.encoders_.size(); ++index) {
    encoder_by_name[builder.encoders_[index].name] = static_cast<int>(index);
  }
  std::function<Result<int>(const std::vector<std::string>&, bool)> ensure =
      [&](const std::vector<std::string>& names, bool emit) -> Result<int> {
    std::string joined;
    for (const std::string& name : names) joined += (joined.empty() ? "" : "*") + name;
    if (auto found = encoder_by_name.find(joined); found != encoder_by_name.end()) {
      builder.encoders_[found->second].emit |= emit;
      return found->second;
    }
    Encoder encoder;
    encoder.name = joined;
    encoder.emit = emit;
    std::vector<std::string> parent_names = names;
    bool has_finer_hs = false;
    for (std::string& name : parent_names) {
      if (name == "hs6" || name == "hs4") {
        name = name == "hs6" ? "hs4" : "hs2";
        has_finer_hs = true;
      }
    }
    if (has_finer_hs) {
      CORDON_ASSIGN_OR_RETURN(encoder.parent, ensure(parent_names, false));
    }
    for (const std::string& name : names) {
      auto atom = atom_by_name.find(name);
      if (atom == atom_by_name.end()) {
        return InvalidInput("interaction " + joined + " names an unknown key " + name);
      }
      encoder.atoms.push_back(atom->second);
      if (!has_finer_hs) encoder.combine.push_back(single_encoder[name]);
    }
    int index = static_cast<int>(builder.encoders_.size());
    encoder_by_name[joined] = index;
    builder.encoders_.push_back(std::move(encoder));
    return index;
  };
  for (const std::vector<std::string>& names : mapping.interactions) {
    CORDON_RETURN_IF_ERROR(ensure(names, true).status());
  }

  // Numbers: derived features for the known roles, the rest as given.
  std::map<std::string, int> numeric_by_role;
  for (size_t index = 0; index < mapping.numeric.size(); ++index) {
    numeric_by_role[mapping.numeric[index].name] = static_cast<int>(index);
  }
  auto role = [&](const char* name) {
    auto found = numeric_by_role.find(name);
    return found == numeric_by_role.end() ? -1 : found->second;
  };
  int value = role("value"), mass = role("mass"), tax_rate = role("tax_rate"),
      quantity = role("quantity");
  for (size_t index = 0; index < mapping.numeric.size(); ++index) {
    const std::string& name = mapping.numeric[index].name;
    int column = static_cast<int>(index);
    if (name == "value" || name == "mass" || name == "quantity") {
      builder.numerics_.push_back({"log_" + name, Numeric::Kind::kLog, column});
    } else {
      builder.numerics_.push_back({name, Numeric::Kind::kRaw, column});
    }
  }
  // Deviations from what is usual for the goods: the HS median, fitted on
  // training rows (labels play no part).
  auto hs_deviation = [&](const std::string& name, int a, int b, bool log_base) {
    if (builder.hs_atoms_.empty()) return;
    Numeric numeric{name, Numeric::Kind::kHsDeviation, a, b};
    numeric.log_base = log_base;
    numeric.median = static_cast<int>(builder.medians_.size());
    builder.medians_.emplace_back();
    builder.numerics_.push_back(numeric);
  };
  if (value >= 0 && mass >= 0) {
    builder.numerics_.push_back({"log_value_per_kg", Numeric::Kind::kLogRatio, value, mass});
    hs_deviation("value_per_kg_vs_hs_median", value, mass, true);
  }
  if (mass >= 0) hs_deviation("mass_vs_hs_median", mass, -1, true);
  if (tax_rate >= 0) hs_deviation("tax_rate_vs_hs_median", tax_rate, -1, false);
  if (value >= 0 && tax_rate >= 0) {
    builder.numerics_.push_back({"log_duty", Numeric::Kind::kLogDuty, value, tax_rate});
  }
  if (value >= 0 && quantity >= 0) {
    builder.numerics_.push_back({"log_value_per_unit", Numeric::Kind::kLogRatio, value, quantity});
  }
  if (options.date_features && !mapping.date_column.empty()) {
    builder.numerics_.push_back({"month", Numeric::Kind::kMonth});
    builder.numerics_.push_back({"weekday", Numeric::Kind::kWeekday});
  }

  for (size_t index = 0; index < builder.encoders_.size(); ++index) {
    const Encoder& encoder = builder.encoders_[index];
    if (!encoder.emit) continue;
    builder.feature_names_.push_back("rate:" + encoder.name);
    builder.feature_sources_.emplace_back(static_cast<int>(index), false);
    if (options.count_features) {
      builder.feature_names_.push_back("count:" + encoder.name);
      builder.feature_sources_.emplace_back(static_cast<int>(index), true);
    }
  }
  for (size_t index = 0; index < builder.numerics_.size(); ++index) {
    builder.feature_names_.push_back(builder.numerics_[index].name);
    builder.feature_sources_.emplace_back(-1 - static_cast<int>(index), false);
  }
  for (const Encoder& encoder : builder.encoders_) {
    for (int part : encoder.combine) builder.encoders_[part].in_combine = true;
  }
  builder.dictionaries_.resize(builder.atoms_.size());
  for (MedianTable& table : builder.medians_) table.levels.resize(builder.hs_atoms_.size());
  return builder;
}

Result<FeatureBuilder::Columns> FeatureBuilder::Resolve(const Dataset& data) const {
  Columns columns;
  for (const KeyColumn& key : mapping_.keys) {
    auto found = std::find(data.key_names.begin(), data.key_names.end(), key.name);
    if (found == data.key_names.end()) {
      return InvalidInput("the data has no \"" + key.name +
                              "\" key, which the model uses; map it in the mapping's keys",
                          {{"keys." + key.name, "is required by the model"}});
    }
    columns.keys.push_back(static_cast<int>(found - data.key_names.begin()));
  }
  for (const NumericColumn& number : mapping_.numeric) {
    auto found = std::find(data.numeric_names.begin(), data.numeric_names.end(), number.name);
    if (found == data.numeric_names.end()) {
      return InvalidInput("the data has no \"" + number.name +
                              "\" number, which the model uses; map it in the mapping's numeric",
                          {{"numeric." + number.name, "is required by the model"}});
    }
    columns.numeric.push_back(static_cast<int>(found - data.numeric_names.begin()));
  }
  return columns;
}

std::string FeatureBuilder::HsDigitsOf(const Dataset& data, const Columns& columns,
                                       size_t row) const {
  if (hs_atoms_.empty()) return std::string();
  return HsDigits(data.keys[columns.keys[atoms_[hs_atoms_[0]].key]][row]);
}

std::string_view FeatureBuilder::AtomValue(const Dataset& data, const Columns& columns, int atom,
                                           size_t row, const std::string& hs_digits) const {
  const Atom& spec = atoms_[atom];
  if (spec.hs_digits == 0) return data.keys[columns.keys[spec.key]][row];
  return std::string_view(hs_digits).substr(0, static_cast<size_t>(spec.hs_digits));
}

FeatureBuilder::AtomIdTable FeatureBuilder::AtomIds(const Dataset& data,
                                                    const Columns& columns) const {
  AtomIdTable ids(atoms_.size(), std::vector<uint32_t>(data.rows, kUnseenId));
  // Consecutive rows (the items of one declaration) mostly share their
  // values: a value equal to the previous row's takes its id without a
  // look-up.
  std::string hs_digits, previous_hs_digits;
  for (size_t row = 0; row < data.rows; ++row) {
    previous_hs_digits.assign(hs_digits);
    hs_digits = HsDigitsOf(data, columns, row);
    for (size_t atom = 0; atom < atoms_.size(); ++atom) {
      const Atom& spec = atoms_[atom];
      if (row > 0) {
        const bool same = spec.hs_digits == 0 ? data.keys[columns.keys[spec.key]][row] ==
                                                    data.keys[columns.keys[spec.key]][row - 1]
                                              : hs_digits == previous_hs_digits;
        if (same) {
          ids[atom][row] = ids[atom][row - 1];
          continue;
        }
      }
      ids[atom][row] = dictionaries_[atom].Find(
          AtomValue(data, columns, static_cast<int>(atom), row, hs_digits));
    }
  }
  return ids;
}

uint64_t FeatureBuilder::EncoderKey(const Encoder& encoder, const AtomIdTable& ids,
                                    size_t row) const {
  uint64_t parts[4] = {0, 0, 0, 0};
  for (size_t index = 0; index < encoder.atoms.size(); ++index) {
    uint32_t id = ids[encoder.atoms[index]][row];
    if (id == kUnseenId) return kUnseen;
    parts[index] = id;
  }
  switch (encoder.atoms.size()) {
    case 1:
      return parts[0];
    case 2:
      return (parts[0] << 32) | parts[1];
    case 3:
      if (parts[0] < (1u << 21) && parts[1] < (1u << 21) && parts[2] < (1u << 21)) {
        return (parts[0] << 42) | (parts[1] << 21) | parts[2];
      }
      [[fallthrough]];
    default:
      // Four keys, or beyond 2 million values per key: a 63-bit hash
      // (collisions ~n²/2⁶⁴, never kUnseen).
      return Mix(Mix(Mix(Mix(parts[0]) ^ parts[1]) ^ parts[2]) ^ parts[3]) & ~(uint64_t{1} << 63);
  }
}

float FeatureBuilder::BaseQuantity(const Numeric& numeric, const Dataset& data,
                                   const Columns& columns, size_t row) const {
  double a = data.numeric[columns.numeric[numeric.a]][row];
  if (numeric.b >= 0) {
    double b = data.numeric[columns.numeric[numeric.b]][row];
    return a > 0 && b > 0 ? static_cast<float>(std::log(a / b)) : kNaN;
  }
  if (numeric.log_base) return a > 0 ? static_cast<float>(std::log(a)) : kNaN;
  return static_cast<float>(a);
}

void FeatureBuilder::FitMedians(const Dataset& data, const Columns& columns,
                                const AtomIdTable& ids) {
  for (const Numeric& numeric : numerics_) {
    if (numeric.kind != Numeric::Kind::kHsDeviation) continue;
    MedianTable& table = medians_[numeric.median];
    table.levels.assign(hs_atoms_.size(), {});
    std::vector<std::unordered_map<uint32_t, std::vector<float>>> samples(hs_atoms_.size());
    std::vector<float> all;
    for (size_t row = 0; row < data.rows; ++row) {
      float quantity = BaseQuantity(numeric, data, columns, row);
      if (std::isnan(quantity)) continue;
      all.push_back(quantity);
      for (size_t level = 0; level < hs_atoms_.size(); ++level) {
        samples[level][ids[hs_atoms_[level]][row]].push_back(quantity);
      }
    }
    table.global = all.empty() ? 0.0f : Median(all);
    for (size_t level = 0; level < hs_atoms_.size(); ++level) {
      for (auto& [id, values] : samples[level]) {
        if (values.size() >= kMinMedianRows) table.levels[level][id] = Median(values);
      }
    }
  }
}

float FeatureBuilder::HsMedian(const MedianTable& table, const AtomIdTable& ids, size_t row) const {
  for (size_t level = 0; level < hs_atoms_.size(); ++level) {
    uint32_t id = ids[hs_atoms_[level]][row];
    if (id == kUnseenId) continue;
    auto found = table.levels[level].find(id);
    if (found != table.levels[level].end()) return found->second;
  }
  return table.global;
}

void FeatureBuilder::NumericFeatures(const Dataset& data, const Columns& columns,
                                     const AtomIdTable& ids, FeatureMatrix& out,
                                     size_t first_column) const {
  auto column = [&](int index) -> const std::vector<double>& {
    return data.numeric[columns.numeric[index]];
  };
  for (size_t index = 0; index < numerics_.size(); ++index) {
    const Numeric& numeric = numerics_[index];
    size_t feature = first_column + index;
    for (size_t row = 0; row < data.rows; ++row) {
      float value = kNaN;
      switch (numeric.kind) {
        case Numeric::Kind::kRaw:
          value = static_cast<float>(column(numeric.a)[row]);
          break;
        case Numeric::Kind::kLog: {
          double x = column(numeric.a)[row];
          if (x >= 0) value = static_cast<float>(std::log1p(x));
          break;
        }
        case Numeric::Kind::kLogRatio: {
          double x = column(numeric.a)[row], y = column(numeric.b)[row];
          if (x > 0 && y > 0) value = static_cast<float>(std::log(x / y));
          break;
        }
        case Numeric::Kind::kHsDeviation:
          value = BaseQuantity(numeric, data, columns, row) -
                  HsMedian(medians_[numeric.median], ids, row);
          break;
        case Numeric::Kind::kLogDuty: {
          double x = column(numeric.a)[row], rate = column(numeric.b)[row];
          if (x >= 0 && rate >= 0) value = static_cast<float>(std::log1p(x * rate / 100.0));
          break;
        }
        case Numeric::Kind::kMonth:
        case Numeric::Kind::kWeekday: {
          if (data.days.empty() || data.days[row] == Dataset::kNoDay) break;
          std::chrono::sys_days day{std::chrono::days(data.days[row])};
          if (numeric.kind == Numeric::Kind::kMonth) {
            value = static_cast<float>(unsigned(std::chrono::year_month_day(day).month()));
          } else {
            value = static_cast<float>(std::chrono::weekday(day).iso_encoding());
          }
          break;
        }
      }
      out.values[row * out.columns + feature] = value;
    }
  }
}

Result<FeatureMatrix> FeatureBuilder::FitTransform(const Dataset& train) {
  if (train.labels.size() != train.rows) {
    return InvalidInput("the training data has no labels", {{"label", "is required"}});
  }
  const size_t folds = static_cast<size_t>(options_.folds);
  if (train.rows < folds) {
    return InvalidInput("training needs at least " + std::to_string(folds) + " rows (one per fold)",
                        {{"data", "too few rows"}});
  }
  CORDON_ASSIGN_OR_RETURN(Columns columns, Resolve(train));

  // Dictionaries: ids in order of first appearance, so fitting is deterministic.
  for (Dictionary& dictionary : dictionaries_) dictionary.Clear();
  for (size_t row = 0; row < train.rows; ++row) {
    std::string hs_digits = HsDigitsOf(train, columns, row);
    for (size_t atom = 0; atom < atoms_.size(); ++atom) {
      dictionaries_[atom].Insert(AtomValue(train, columns, static_cast<int>(atom), row, hs_digits));
    }
  }
  AtomIdTable ids = AtomIds(train, columns);
  FitMedians(train, columns, ids);

  // Fold of each row.
  std::vector<uint32_t> fold(train.rows);
  std::vector<size_t> order(train.rows);
  std::iota(order.begin(), order.end(), 0);
  if (options_.fold_scheme == FoldScheme::kRandom) {
    std::mt19937_64 rng(options_.seed);
    for (size_t index = order.size() - 1; index > 0; --index) {
      std::swap(order[index], order[rng() % (index + 1)]);
    }
  } else if (!train.days.empty()) {
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      // Rows without a date (kNoDay, the smallest value) go last.
      int64_t day_a = train.days[a] == Dataset::kNoDay ? INT64_MAX : train.days[a];
      int64_t day_b = train.days[b] == Dataset::kNoDay ? INT64_MAX : train.days[b];
      return day_a < day_b;
    });
  }
  for (size_t position = 0; position < order.size(); ++position) {
    fold[order[position]] = static_cast<uint32_t>(position * folds / order.size());
  }

  std::vector<double> fold_rows(folds, 0), fold_positives(folds, 0);
  double positives = 0;
  for (size_t row = 0; row < train.rows; ++row) {
    fold_rows[fold[row]] += 1;
    fold_positives[fold[row]] += train.labels[row];
    positives += train.labels[row];
  }
  train_rows_ = train.rows;
  global_rate_ = positives / static_cast<double>(train.rows);
  std::vector<double> fold_global(folds);
  for (size_t f = 0; f < folds; ++f) {
    double rows_out = static_cast<double>(train.rows) - fold_rows[f];
    fold_global[f] = rows_out > 0 ? (positives - fold_positives[f]) / rows_out : global_rate_;
  }

  FeatureMatrix out;
  out.rows = train.rows;
  out.columns = feature_names_.size();
  out.values.assign(out.rows * out.columns, kNaN);
  const double m = options_.prior_weight;
  const double count_scale = static_cast<double>(folds) / static_cast<double>(folds - 1);
  std::vector<std::vector<double>> rates(encoders_.size());
  std::vector<std::vector<float>> counts(encoders_.size());
  for (size_t e = 0; e < encoders_.size(); ++e) {
    Encoder& encoder = encoders_[e];
    encoder.table.Clear();
    std::vector<uint64_t> keys(train.rows);
    // Per key: totals, and per fold, so each row can leave its own fold out.
    std::unordered_map<uint64_t, uint32_t> slot_of;
    std::vector<Cell> per_fold;
    std::vector<uint32_t> slots(train.rows);
    for (size_t row = 0; row < train.rows; ++row) {
      keys[row] = EncoderKey(encoder, ids, row);
      auto [it, inserted] = slot_of.emplace(keys[row], static_cast<uint32_t>(slot_of.size()));
      if (inserted) per_fold.resize(per_fold.size() + folds);
      slots[row] = it->second;
      Cell& cell = per_fold[it->second * folds + fold[row]];
      cell.rows += 1;
      cell.positives += train.labels[row];
      Cell& total = encoder.table.Insert(keys[row]);
      total.rows += 1;
      total.positives += train.labels[row];
    }
    rates[e].resize(train.rows);
    counts[e].resize(train.rows);
    for (size_t row = 0; row < train.rows; ++row) {
      uint32_t f = fold[row];
      const Cell& total = *encoder.table.Find(keys[row]);
      const Cell& own = per_fold[slots[row] * folds + f];
      double n = static_cast<double>(total.rows) - own.rows;
      double k = static_cast<double>(total.positives) - own.positives;
      double prior = fold_global[f];
      if (encoder.parent >= 0) {
        prior = rates[encoder.parent][row];
      } else if (!encoder.combine.empty()) {
        double logit = -Logit(fold_global[f]) * static_cast<double>(encoder.combine.size() - 1);
        for (int part : encoder.combine) logit += Logit(rates[part][row]);
        prior = Sigmoid(logit);
      }
      rates[e][row] = n + m > 0 ? (k + m * prior) / (n + m) : prior;
      counts[e][row] = static_cast<float>(std::log1p(n * count_scale));
    }
  }
  for (size_t feature = 0; feature < feature_sources_.size(); ++feature) {
    auto [source, is_count] = feature_sources_[feature];
    if (source < 0) continue;
    for (size_t row = 0; row < train.rows; ++row) {
      out.values[row * out.columns + feature] =
          is_count ? counts[source][row] : static_cast<float>(rates[source][row]);
    }
  }
  size_t first_numeric = feature_names_.size() - numerics_.size();
  NumericFeatures(train, columns, ids, out, first_numeric);
  fitted_ = true;
  return out;
}

Result<FeatureMatrix> FeatureBuilder::Transform(const Dataset& data) const {
  if (!fitted_) return Internal("feature builder used before fitting");
  CORDON_ASSIGN_OR_RETURN(Columns columns, Resolve(data));
  AtomIdTable ids = AtomIds(data, columns);
  FeatureMatrix out;
  out.rows = data.rows;
  out.columns = feature_names_.size();
  out.values.assign(out.rows * out.columns, kNaN);
  const double m = options_.prior_weight;
  const double global_logit = Logit(global_rate_);
  std::vector<double> rates(encoders_.size());
  std::vector<double> logits(encoders_.size());
  std::vector<float> rows_seen(encoders_.size());
  const size_t count = encoders_.size();
  std::vector<uint64_t> keys(data.rows * count);
  for (size_t row = 0; row < data.rows; ++row) {
    for (size_t e = 0; e < count; ++e) keys[row * count + e] = EncoderKey(encoders_[e], ids, row);
  }
  // The tables are large and looked up at random: the slots of a few rows
  // ahead are fetched while a row is computed (16: measured better than 4,
  // no different from 64).
  constexpr size_t kRowsAhead = 16;
  auto prefetch = [&](size_t row) {
    for (size_t e = 0; e < count; ++e) {
      const uint64_t key = keys[row * count + e];
      if (key != kUnseen && (row == 0 || key != keys[(row - 1) * count + e])) {
        encoders_[e].table.Prefetch(key);
      }
    }
  };
  for (size_t row = 0; row < std::min(kRowsAhead, data.rows); ++row) prefetch(row);
  // An encoder whose key and whose prior's encoders are as in the previous
  // row (the items of one declaration share their parties, office...) keeps
  // that row's rate, count and log-odds: the same values, without a look-up.
  std::vector<uint8_t> unchanged(count, 0);
  for (size_t row = 0; row < data.rows; ++row) {
    if (row + kRowsAhead < data.rows) prefetch(row + kRowsAhead);
    for (size_t e = 0; e < count; ++e) {
      const Encoder& encoder = encoders_[e];
      double n = 0, k = 0;
      const uint64_t key = keys[row * count + e];
      bool same = row > 0 && key == keys[(row - 1) * count + e];
      if (same && encoder.parent >= 0) same = unchanged[encoder.parent] != 0;
      for (int part : encoder.combine) same = same && unchanged[part] != 0;
      unchanged[e] = same;
      if (same) continue;
      if (key != kUnseen) {
        if (const Cell* cell = encoder.table.Find(key)) {
          n = cell->rows;
          k = cell->positives;
        }
      }
      double prior = global_rate_;
      if (encoder.parent >= 0) {
        prior = rates[encoder.parent];
      } else if (!encoder.combine.empty()) {
        double logit = -global_logit * static_cast<double>(encoder.combine.size() - 1);
        for (int part : encoder.combine) logit += logits[part];
        prior = Sigmoid(logit);
      }
      rates[e] = n + m > 0 ? (k + m * prior) / (n + m) : prior;
      if (encoder.in_combine) logits[e] = Logit(rates[e]);
      rows_seen[e] = static_cast<float>(n);
    }
    float* values = out.values.data() + row * out.columns;
    const float* previous = row > 0 ? values - out.columns : nullptr;  // unchanged: none at row 0
    for (size_t feature = 0; feature < feature_sources_.size(); ++feature) {
      auto [source, is_count] = feature_sources_[feature];
      if (source < 0) continue;
      values[feature] = unchanged[source] ? previous[feature]
                        : is_count        ? Log1pOfCount(rows_seen[source])
                                          : static_cast<float>(rates[source]);
    }
  }
  NumericFeatures(data, columns, ids, out, feature_names_.size() - numerics_.size());
  return out;
}

std::string FeatureBuilder::Detail(const Dataset& data, size_t row, size_t feature) const {
  std::vector<std::string> details = Details(data, row, std::span(&feature, 1));
  return std::move(details.front());
}

std::vector<std::string> FeatureBuilder::Details(const Dataset& data, size_t row,
                                                 std::span<const size_t> features) const {
  const std::vector<size_t> wanted(features.begin(), features.end());
  return std::move(Details(data, std::span(&row, 1), std::span(&wanted, 1)).front());
}

std::vector<std::vector<std::string>> FeatureBuilder::Details(
    const Dataset& data, std::span<const size_t> rows,
    std::span<const std::vector<size_t>> features) const {
  std::vector<std::vector<std::string>> out(rows.size());
  Result<Columns> columns = Resolve(data);
  for (size_t index = 0; index < rows.size(); ++index) {
    const size_t row = rows[index];
    std::vector<std::string>& details = out[index];
    details.resize(features[index].size());
    if (!columns.ok() || row >= data.rows) continue;
    const std::string hs_digits = HsDigitsOf(data, *columns, row);
    for (size_t rank = 0; rank < features[index].size(); ++rank) {
      const size_t feature = features[index][rank];
      if (feature >= feature_sources_.size()) continue;
      auto [source, is_count] = feature_sources_[feature];
      std::string& detail = details[rank];
      if (source >= 0) {
        for (int atom : encoders_[source].atoms) {
          if (!detail.empty()) detail += " ";
          std::string_view value = AtomValue(data, *columns, atom, row, hs_digits);
          detail += atoms_[atom].name;
          detail += "=";
          detail += value.empty() ? std::string_view("(empty)") : value;
        }
        continue;
      }
      const Numeric& numeric = numerics_[-1 - source];
      for (int column : {numeric.a, numeric.b}) {
        if (column < 0) continue;
        if (!detail.empty()) detail += " ";
        detail += mapping_.numeric[column].name;
        detail += "=";
        detail += FormatNumber(data.numeric[columns->numeric[column]][row]);
      }
      if ((numeric.kind == Numeric::Kind::kMonth || numeric.kind == Numeric::Kind::kWeekday) &&
          !data.days.empty() && data.days[row] != Dataset::kNoDay) {
        detail = "date=" + FormatDate(std::chrono::year_month_day(
                               std::chrono::sys_days{std::chrono::days(data.days[row])}));
      }
    }
  }
  return out;
}

nlohmann::ordered_json FeatureBuilder::ToJson() const {
  using nlohmann::ordered_json;
  ordered_json tables = ordered_json::object();
  tables["global_rate"] = global_rate_;
  tables["train_rows"] = train_rows_;
  tables["features"] = feature_names_;
  ordered_json dictionaries = ordered_json::array();
  for (size_t atom = 0; atom < atoms_.size(); ++atom) {
    const std::vector<std::string>& values = dictionaries_[atom].values();
    dictionaries.push_back({{"atom", atoms_[atom].name}, {"values", values}});
  }
  tables["dictionaries"] = dictionaries;
  ordered_json encoders = ordered_json::array();
  for (const Encoder& encoder : encoders_) {
    // Sorted by key so the bytes do not depend on hash table order.
    std::vector<std::pair<uint64_t, Cell>> cells = encoder.table.Sorted();
    ordered_json keys = ordered_json::array(), rows = ordered_json::array(),
                 positives = ordered_json::array();
    for (const auto& [key, cell] : cells) {
      keys.push_back(key);
      rows.push_back(cell.rows);
      positives.push_back(cell.positives);
    }
    encoders.push_back(
        {{"name", encoder.name}, {"keys", keys}, {"rows", rows}, {"positives", positives}});
  }
  tables["encoders"] = encoders;
  ordered_json medians = ordered_json::array();
  for (size_t index = 0; index < medians_.size(); ++index) {
    const MedianTable& table = medians_[index];
    ordered_json levels = ordered_json::array();
    for (size_t level = 0; level < table.levels.size(); ++level) {
      std::vector<std::pair<uint32_t, float>> entries(table.levels[level].begin(),
                                                      table.levels[level].end());
      std::sort(entries.begin(), entries.end());
      ordered_json ids = ordered_json::array(), values = ordered_json::array();
      for (const auto& [id, value] : entries) {
        ids.push_back(id);
        values.push_back(value);
      }
      levels.push_back({{"atom", atoms_[hs_atoms_[level]].name}, {"ids", ids}, {"values", values}});
    }
    medians.push_back({{"levels", levels}, {"global", table.global}});
  }
  tables["hs_medians"] = medians;
  return tables;
}

Result<FeatureBuilder> FeatureBuilder::FromJson(const nlohmann::ordered_json& tables,
                                                const Mapping& mapping,
                                                const TrainOptions& options) {
  Result<FeatureBuilder> planned = Plan(mapping, options);
  if (!planned.ok())
    return Corrupt("the model's mapping cannot be planned: " + planned.error().message());
  FeatureBuilder builder = std::move(planned).value();
  try {
    if (tables.at("features").get<std::vector<std::string>>() != builder.feature_names_) {
      return Corrupt("the model's feature list does not match its mapping");
    }
    builder.global_rate_ = tables.at("global_rate").get<double>();
    builder.train_rows_ = WholeNumber<size_t>(tables.at("train_rows"), "tables.train_rows");
    const auto& dictionaries = tables.at("dictionaries");
    if (dictionaries.size() != builder.atoms_.size()) return Corrupt("dictionary count differs");
    for (size_t atom = 0; atom < builder.atoms_.size(); ++atom) {
      const auto& entry = dictionaries[atom];
      if (entry.at("atom") != builder.atoms_[atom].name) return Corrupt("dictionary order differs");
      const auto& values = entry.at("values");
      auto& dictionary = builder.dictionaries_[atom];
      for (size_t id = 0; id < values.size(); ++id) {
        if (dictionary.Insert(values[id].get<std::string>()) != id) {
          return Corrupt("dictionary \"" + builder.atoms_[atom].name + "\" repeats a value");
        }
      }
    }
    const auto& encoders = tables.at("encoders");
    if (encoders.size() != builder.encoders_.size()) return Corrupt("encoder count differs");
    for (size_t e = 0; e < builder.encoders_.size(); ++e) {
      const auto& entry = encoders[e];
      Encoder& encoder = builder.encoders_[e];
      if (entry.at("name") != encoder.name) return Corrupt("encoder order differs");
      const auto& keys = entry.at("keys");
      const auto& rows = entry.at("rows");
      const auto& positives = entry.at("positives");
      if (rows.size() != keys.size() || positives.size() != keys.size()) {
        return Corrupt("encoder " + encoder.name + " has columns of different lengths");
      }
      for (size_t index = 0; index < keys.size(); ++index) {
        uint64_t key =
            WholeNumber<uint64_t>(keys[index], "tables.encoders[" + std::to_string(e) + "].keys[" +
                                                   std::to_string(index) + "]");
        if (key == kUnseen) return Corrupt("encoder " + encoder.name + " stores a reserved key");
        encoder.table.Insert(key) = {rows[index].get<float>(), positives[index].get<float>()};
      }
    }
    const auto& medians = tables.at("hs_medians");
    if (medians.size() != builder.medians_.size()) return Corrupt("median tables differ");
    for (size_t index = 0; index < medians.size(); ++index) {
      MedianTable& table = builder.medians_[index];
      const auto& levels = medians[index].at("levels");
      if (levels.size() != table.levels.size()) return Corrupt("median levels differ");
      for (size_t level = 0; level < levels.size(); ++level) {
        const auto& ids = levels[level].at("ids");
        const auto& values = levels[level].at("values");
        if (ids.size() != values.size()) return Corrupt("median columns differ in length");
        for (size_t entry = 0; entry < ids.size(); ++entry) {
          table.levels[level][WholeNumber<uint32_t>(
              ids[entry], "tables.hs_medians[" + std::to_string(index) + "].levels[" +
                              std::to_string(level) + "].ids[" + std::to_string(entry) + "]")] =
              values[entry].get<float>();
        }
      }
      table.global = medians[index].at("global").get<float>();
    }
  } catch (const nlohmann::json::exception& error) {
    return Corrupt(std::string("the model's encoder tables are malformed: ") + error.what());
  } catch (const std::invalid_argument& error) {
    return Corrupt(std::string("the model's encoder tables are malformed: ") + error.what());
  }
  builder.fitted_ = true;
  return builder;
}

}  // namespace cordon::targeting::internal
