// Training (XGBoost C API), the model file, scoring and explanations.
#include <xgboost/c_api.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <numeric>
#include <sstream>

#include "targeting/features.h"
#include "targeting/forest.h"
#include "targeting/internal.h"
#include "targeting/targeting.h"

namespace cordon::targeting {
namespace {

using internal::FeatureBuilder;
using internal::FeatureMatrix;
using internal::Forest;
using nlohmann::ordered_json;

// Model file layout (docs/targeting.md, "Model file"); integers little-endian:
//   8 bytes  magic "CORDONTM"
//   4 bytes  format version
//   8 bytes  payload length P (uncompressed)
//   8 bytes  compressed length C, then C bytes: the payload, zlib-compressed
//   4 bytes  CRC-32 (IEEE, zlib's) of everything before it
// The payload: 8 bytes header length H, H bytes of JSON (mapping, options,
// encoder tables, feature names, training metadata), 8 bytes booster length
// B, B bytes of XGBoost JSON. Compression takes the file from ~20 to ~3 MB
// for the KCS model; JSON keeps it inspectable after `zlib-flate -uncompress`.
constexpr char kMagic[8] = {'C', 'O', 'R', 'D', 'O', 'N', 'T', 'M'};
constexpr std::array<double, 4> kReportedRates = {1, 2, 5, 10};

uint32_t Crc32(std::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths; feed large inputs in pieces.
  constexpr size_t kPiece = 1u << 30;
  for (size_t offset = 0; offset < bytes.size(); offset += kPiece) {
    size_t length = std::min(kPiece, bytes.size() - offset);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + offset),
                static_cast<uInt>(length));
  }
  return static_cast<uint32_t>(crc);
}

void PutUint(std::string& out, uint64_t value, int bytes) {
  for (int index = 0; index < bytes; ++index)
    out.push_back(static_cast<char>(value >> (8 * index)));
}

uint64_t GetUint(std::string_view bytes, size_t offset, int count) {
  uint64_t value = 0;
  for (int index = 0; index < count; ++index) {
    value |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[offset + index]))
             << (8 * index);
  }
  return value;
}

Error XgboostError(const std::string& what) {
  return Internal("XGBoost " + what + " failed: " + XGBGetLastError());
}

// Owning handles, so every early return frees what XGBoost allocated.
struct DMatrix {
  DMatrixHandle handle = nullptr;
  ~DMatrix() {
    if (handle) XGDMatrixFree(handle);
  }
};
struct Booster {
  BoosterHandle handle = nullptr;
  ~Booster() {
    if (handle) XGBoosterFree(handle);
  }
};

Status MakeDMatrix(const FeatureMatrix& matrix, const std::vector<float>* labels, DMatrix& out) {
  if (XGDMatrixCreateFromMat(matrix.values.data(), matrix.rows, matrix.columns,
                             std::numeric_limits<float>::quiet_NaN(), &out.handle) != 0) {
    return XgboostError("XGDMatrixCreateFromMat");
  }
  if (labels && XGDMatrixSetFloatInfo(out.handle, "label", labels->data(), labels->size()) != 0) {
    return XgboostError("XGDMatrixSetFloatInfo(label)");
  }
  return Status::Ok();
}

std::string FormatParam(double value) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

Status SetParams(BoosterHandle booster, const TrainOptions& options) {
  const std::vector<std::pair<std::string, std::string>> params = {
      {"booster", "gbtree"},
      {"objective", "binary:logistic"},
      {"eval_metric", "auc"},
      {"tree_method", "hist"},
      {"seed", std::to_string(options.seed)},
      {"nthread", std::to_string(options.threads)},
      {"eta", FormatParam(options.learning_rate)},
      {"max_depth", std::to_string(options.max_depth)},
      {"min_child_weight", FormatParam(options.min_child_weight)},
      {"subsample", FormatParam(options.subsample)},
      {"colsample_bytree", FormatParam(options.colsample_bytree)},
      {"lambda", FormatParam(options.reg_lambda)},
      {"alpha", FormatParam(options.reg_alpha)},
      {"max_bin", std::to_string(options.max_bin)},
      {"verbosity", "0"},
  };
  for (const auto& [name, value] : params) {
    if (XGBoosterSetParam(booster, name.c_str(), value.c_str()) != 0) {
      return XgboostError("XGBoosterSetParam(" + name + ")");
    }
  }
  return Status::Ok();
}

// "[12]\tvalid-auc:0.93210" → 0.93210.
std::optional<double> ParseEval(const char* text, const char* metric) {
  const char* found = std::strstr(text, metric);
  if (!found) return std::nullopt;
  return std::strtod(found + std::strlen(metric), nullptr);
}

ordered_json TrainingInfoToJson(const TrainingInfo& info) {
  return ordered_json{
      {"seed", info.seed},
      {"train_rows", info.train_rows},
      {"train_positives", info.train_positives},
      {"valid_rows", info.valid_rows},
      {"rounds", info.rounds},
      {"best_iteration", info.best_iteration},
      {"valid", info.valid ? internal::MetricsToJsonValue(*info.valid) : ordered_json(nullptr)},
      {"train_seconds", info.train_seconds},
      {"created_at", info.created_at},
      {"label_column", info.label_column},
  };
}

}  // namespace

struct Model::Impl {
  Mapping mapping;
  TrainingInfo info;
  FeatureBuilder features;
  Forest forest;
  std::string booster_json;
  // XGBoost computes the SHAP contributions; its handle is created on first
  // use and guarded, since the C API does not promise concurrent prediction.
  mutable std::mutex booster_mutex;
  mutable BoosterHandle booster = nullptr;

  ~Impl() {
    if (booster) XGBoosterFree(booster);
  }
  Result<BoosterHandle> LockedBooster() const;
  // Fills prediction.bias and prediction.top (the `top_k` largest magnitudes,
  // lower feature index first on ties) from one row's contributions
  // (features + 1 values, the bias last).
  // For each rows[i]: the bias and the top_k largest contributions by
  // magnitude (contributions + i × (columns + 1)), with their values in
  // `matrix` and details, into *predictions[i].
  void TopContributions(const Dataset& data, const FeatureMatrix& matrix,
                        std::span<const size_t> rows, const double* contributions, int top_k,
                        std::span<Prediction* const> predictions) const;
};

void Model::Impl::TopContributions(const Dataset& data, const FeatureMatrix& matrix,
                                   std::span<const size_t> rows, const double* contributions,
                                   int top_k, std::span<Prediction* const> predictions) const {
  const std::vector<std::string>& names = features.feature_names();
  const size_t columns = names.size();
  const size_t keep = std::min<size_t>(static_cast<size_t>(top_k), columns);
  std::vector<std::vector<size_t>> tops(rows.size());
  for (size_t index = 0; index < rows.size(); ++index) {
    const double* row_contributions = contributions + index * (columns + 1);
    // Larger magnitude first, then the lower feature: a total order, so the
    // top `keep` are one list. Kept sorted while the features pass once (a
    // handful out of dozens: cheaper than sorting).
    auto before = [&](size_t a, size_t b) {
      double magnitude_a = std::fabs(row_contributions[a]);
      double magnitude_b = std::fabs(row_contributions[b]);
      return magnitude_a != magnitude_b ? magnitude_a > magnitude_b : a < b;
    };
    std::vector<size_t>& top = tops[index];
    top.reserve(keep + 1);
    for (size_t feature = 0; feature < columns && keep > 0; ++feature) {
      if (top.size() == keep && !before(feature, top.back())) continue;
      top.insert(std::upper_bound(top.begin(), top.end(), feature, before), feature);
      if (top.size() > keep) top.pop_back();
    }
  }
  std::vector<std::vector<std::string>> details = features.Details(data, rows, tops);
  for (size_t index = 0; index < rows.size(); ++index) {
    const double* row_contributions = contributions + index * (columns + 1);
    const float* values = matrix.Row(rows[index]);
    Prediction& prediction = *predictions[index];
    prediction.bias = row_contributions[columns];
    prediction.top.reserve(keep);
    for (size_t rank = 0; rank < keep; ++rank) {
      const size_t feature = tops[index][rank];
      prediction.top.push_back({names[feature], values[feature], row_contributions[feature],
                                std::move(details[index][rank])});
    }
  }
}

Result<BoosterHandle> Model::Impl::LockedBooster() const {
  if (booster) return booster;
  BoosterHandle handle = nullptr;
  if (XGBoosterCreate(nullptr, 0, &handle) != 0) return XgboostError("XGBoosterCreate");
  if (XGBoosterLoadModelFromBuffer(handle, booster_json.data(), booster_json.size()) != 0) {
    XGBoosterFree(handle);
    return XgboostError("XGBoosterLoadModelFromBuffer");
  }
  XGBoosterSetParam(handle, "nthread", "1");
  booster = handle;
  return booster;
}

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;
Model::~Model() = default;

const Mapping& Model::mapping() const { return impl_->mapping; }
const TrainingInfo& Model::info() const { return impl_->info; }
const std::vector<std::string>& Model::feature_names() const {
  return impl_->features.feature_names();
}

std::string Model::ToBytes() const {
  ordered_json header = ordered_json::object();
  header["format"] = "cordon-targeting-model";
  header["mapping"] = internal::MappingToJsonValue(impl_->mapping);
  header["options"] = internal::TrainOptionsToJson(impl_->info.options);
  header["training"] = TrainingInfoToJson(impl_->info);
  header["tables"] = impl_->features.ToJson();
  std::string header_text = header.dump();
  std::string payload;
  PutUint(payload, header_text.size(), 8);
  payload += header_text;
  PutUint(payload, impl_->booster_json.size(), 8);
  payload += impl_->booster_json;
  uLongf compressed_size = compressBound(payload.size());
  std::string compressed(compressed_size, '\0');
  // Level 6 (zlib's default): deterministic output for the same input.
  if (compress2(reinterpret_cast<Bytef*>(compressed.data()), &compressed_size,
                reinterpret_cast<const Bytef*>(payload.data()), payload.size(), 6) != Z_OK) {
    std::abort();  // only out of memory; ToBytes has no error channel for that
  }
  compressed.resize(compressed_size);
  std::string bytes(kMagic, sizeof kMagic);
  PutUint(bytes, kFormatVersion, 4);
  PutUint(bytes, payload.size(), 8);
  PutUint(bytes, compressed.size(), 8);
  bytes += compressed;
  PutUint(bytes, Crc32(bytes), 4);
  return bytes;
}

Result<Model> Model::FromBytes(std::string_view bytes) {
  constexpr size_t kPrefix = sizeof kMagic + 4;
  if (bytes.size() < kPrefix || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    return Corrupt("not a Cordon targeting model file (no CORDONTM signature)");
  }
  uint32_t version = static_cast<uint32_t>(GetUint(bytes, sizeof kMagic, 4));
  if (version != kFormatVersion) {
    return InvalidInput("model file format version " + std::to_string(version) +
                            " is not supported; this build reads version " +
                            std::to_string(kFormatVersion) + " (retrain or upgrade Cordon)",
                        {{"model", "unsupported format version " + std::to_string(version)}});
  }
  if (bytes.size() < kPrefix + 8 + 8 + 4) return Corrupt("the model file is truncated");
  uint32_t stored_crc = static_cast<uint32_t>(GetUint(bytes, bytes.size() - 4, 4));
  if (Crc32(bytes.substr(0, bytes.size() - 4)) != stored_crc) {
    return Corrupt("the model file fails its checksum (damaged or truncated)");
  }
  uint64_t payload_size = GetUint(bytes, kPrefix, 8);
  uint64_t compressed_size = GetUint(bytes, kPrefix + 8, 8);
  if (compressed_size != bytes.size() - kPrefix - 8 - 8 - 4)
    return Corrupt("bad compressed length");
  // Deflate expands at most ~1032:1; a larger claim is damage (or a trap to
  // make us allocate), refused before allocating.
  constexpr uint64_t kMaxDeflateRatio = 1032;
  if (payload_size > compressed_size * kMaxDeflateRatio) return Corrupt("bad payload length");
  std::string payload(payload_size, '\0');
  uLongf inflated = payload_size;
  if (uncompress(reinterpret_cast<Bytef*>(payload.data()), &inflated,
                 reinterpret_cast<const Bytef*>(bytes.data() + kPrefix + 16),
                 compressed_size) != Z_OK ||
      inflated != payload_size) {
    return Corrupt("the model payload does not decompress");
  }
  if (payload.size() < 16) return Corrupt("the model payload is truncated");
  uint64_t header_size = GetUint(payload, 0, 8);
  if (header_size > payload.size() - 16) return Corrupt("bad model header length");
  std::string_view header_text = std::string_view(payload).substr(8, header_size);
  size_t booster_at = 8 + header_size;
  uint64_t booster_size = GetUint(payload, booster_at, 8);
  if (booster_size != payload.size() - booster_at - 8) return Corrupt("bad booster length");

  auto impl = std::make_unique<Impl>();
  impl->booster_json = payload.substr(booster_at + 8, booster_size);
  ordered_json header = ordered_json::parse(header_text, nullptr, false);
  if (header.is_discarded() || !header.is_object()) return Corrupt("the model header is not JSON");
  try {
    if (header.at("format") != "cordon-targeting-model") return Corrupt("unknown model format");
    Result<Mapping> mapping = internal::MappingFromJsonValue(header.at("mapping"));
    if (!mapping.ok())
      return Corrupt("the model's mapping is invalid: " + mapping.error().message());
    impl->mapping = std::move(mapping).value();
    TrainingInfo& info = impl->info;
    Status options = internal::TrainOptionsFromJson(header.at("options"), "options", info.options);
    if (!options.ok())
      return Corrupt("the model's options are invalid: " + options.error().message());
    const ordered_json& training = header.at("training");
    info.seed = internal::WholeNumber<uint64_t>(training.at("seed"), "training.seed");
    info.train_rows =
        internal::WholeNumber<size_t>(training.at("train_rows"), "training.train_rows");
    info.train_positives =
        internal::WholeNumber<size_t>(training.at("train_positives"), "training.train_positives");
    info.valid_rows =
        internal::WholeNumber<size_t>(training.at("valid_rows"), "training.valid_rows");
    info.rounds = internal::WholeNumber<int>(training.at("rounds"), "training.rounds");
    info.best_iteration =
        internal::WholeNumber<int>(training.at("best_iteration"), "training.best_iteration");
    if (!training.at("valid").is_null()) {
      CORDON_ASSIGN_OR_RETURN(info.valid, internal::MetricsFromJsonValue(training.at("valid")));
    }
    info.train_seconds = training.at("train_seconds").get<double>();
    info.created_at = training.at("created_at").get<std::string>();
    info.label_column = training.at("label_column").get<std::string>();
    CORDON_ASSIGN_OR_RETURN(
        impl->features, FeatureBuilder::FromJson(header.at("tables"), impl->mapping, info.options));
  } catch (const nlohmann::json::exception& error) {
    return Corrupt(std::string("the model header is malformed: ") + error.what());
  } catch (const std::invalid_argument& error) {
    return Corrupt(std::string("the model header is malformed: ") + error.what());
  }
  CORDON_ASSIGN_OR_RETURN(impl->forest, Forest::FromXgboostJson(impl->booster_json));
  if (impl->forest.features() != impl->features.feature_names().size()) {
    return Corrupt("the booster's feature count differs from the encoder tables'");
  }
  return Model(std::move(impl));
}

Result<Model> Model::Load(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return NotFound("cannot open the model file " + path);
  std::stringstream content;
  content << file.rdbuf();
  Result<Model> model = FromBytes(content.str());
  if (!model.ok()) {
    Error error = model.error();
    return error.Prefix(path + ": ");
  }
  return model;
}

Status Model::Save(const std::string& path) const {
  std::string bytes = ToBytes();
  std::string temp = path + ".tmp";
  {
    std::ofstream file(temp, std::ios::binary | std::ios::trunc);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    file.flush();
    if (!file) return Unavailable("cannot write " + temp);
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    std::remove(temp.c_str());
    return Unavailable("cannot rename " + temp + " to " + path);
  }
  return Status::Ok();
}

Result<std::vector<double>> Model::ScoreBatch(const Dataset& data) const {
  CORDON_ASSIGN_OR_RETURN(FeatureMatrix matrix, impl_->features.Transform(data));
  std::vector<double> scores(matrix.rows);
  impl_->forest.Probabilities(matrix.values.data(), matrix.rows, matrix.columns, scores.data());
  return scores;
}

Result<std::vector<Prediction>> Model::Explain(const Dataset& data, int top_k,
                                               Attribution attribution) const {
  CORDON_ASSIGN_OR_RETURN(FeatureMatrix matrix, impl_->features.Transform(data));
  std::vector<Prediction> predictions(matrix.rows);
  const bool approximate = top_k > 0 && attribution == Attribution::kApproximate;
  if (!approximate) {
    std::vector<double> scores(matrix.rows);
    impl_->forest.Probabilities(matrix.values.data(), matrix.rows, matrix.columns, scores.data());
    for (size_t row = 0; row < matrix.rows; ++row) predictions[row].probability = scores[row];
  }
  if (top_k <= 0 || matrix.rows == 0) return predictions;
  std::vector<double> contributions;
  if (approximate) {
    // Cordon's own path attribution: XGBoost's approx_contribs without a
    // DMatrix or a lock (forest.h). The same walk gives the margin, the same
    // to the bit as Probabilities' (forest_test checks).
    contributions.resize(matrix.rows * (matrix.columns + 1));
    std::vector<double> margins(matrix.rows);
    impl_->forest.Contributions(matrix.values.data(), matrix.rows, matrix.columns,
                                contributions.data(), margins.data());
    for (size_t row = 0; row < matrix.rows; ++row) {
      predictions[row].probability = 1.0 / (1.0 + std::exp(-margins[row]));
    }
  } else {
    std::lock_guard lock(impl_->booster_mutex);
    CORDON_ASSIGN_OR_RETURN(BoosterHandle booster, impl_->LockedBooster());
    DMatrix dmatrix;
    CORDON_RETURN_IF_ERROR(MakeDMatrix(matrix, nullptr, dmatrix));
    const bst_ulong* shape = nullptr;
    bst_ulong dimensions = 0;
    const float* result = nullptr;
    const char* config = R"({"type": 2, "training": false, "iteration_begin": 0,
                             "iteration_end": 0, "strict_shape": false})";
    if (XGBoosterPredictFromDMatrix(booster, dmatrix.handle, config, &shape, &dimensions,
                                    &result) != 0) {
      return XgboostError("XGBoosterPredictFromDMatrix(contributions)");
    }
    size_t expected = matrix.rows * (matrix.columns + 1);
    size_t total = 1;
    for (bst_ulong index = 0; index < dimensions; ++index) total *= shape[index];
    if (total != expected) return Internal("unexpected contribution shape from XGBoost");
    contributions.assign(result, result + expected);
  }
  std::vector<size_t> rows(matrix.rows);
  std::iota(rows.begin(), rows.end(), 0);
  std::vector<Prediction*> outputs;
  for (Prediction& prediction : predictions) outputs.push_back(&prediction);
  impl_->TopContributions(data, matrix, rows, contributions.data(), top_k, outputs);
  return predictions;
}

Result<std::vector<Model::GroupPrediction>> Model::ExplainRiskiest(
    const Dataset& data, std::span<const size_t> group_ends, int top_k) const {
  if (!std::is_sorted(group_ends.begin(), group_ends.end()) ||
      (group_ends.empty() ? data.rows != 0 : group_ends.back() != data.rows)) {
    return InvalidInput("group ends must be ascending and end at the last row");
  }
  CORDON_ASSIGN_OR_RETURN(FeatureMatrix matrix, impl_->features.Transform(data));
  const Forest& forest = impl_->forest;
  // One walk of the trees per block of rows gives every row's margin and the
  // leaf it reaches in each tree; a group's riskiest row (by probability, the
  // first on ties) is then explained from its leaves without walking again
  // (forest.h).
  const size_t trees = forest.trees();
  // Leaves writes every entry, so the arrays are not zeroed first (for a
  // batch of 256 declarations, 800 KiB of leaves: zeroing them cost 3,200
  // instructions per declaration).
  auto leaves = std::make_unique_for_overwrite<uint32_t[]>(matrix.rows * trees);
  auto margins = std::make_unique_for_overwrite<double[]>(matrix.rows);
  auto scores = std::make_unique_for_overwrite<double[]>(matrix.rows);
  forest.Leaves(matrix.values.data(), matrix.rows, matrix.columns, leaves.get(), margins.get());
  for (size_t row = 0; row < matrix.rows; ++row) {
    scores[row] = 1.0 / (1.0 + std::exp(-margins[row]));
  }
  std::vector<GroupPrediction> out(group_ends.size());
  std::vector<size_t> riskiest;
  std::vector<uint32_t> riskiest_leaves;
  riskiest_leaves.reserve(group_ends.size() * trees);
  std::vector<Prediction*> explained;
  for (size_t group = 0, begin = 0; group < group_ends.size(); begin = group_ends[group++]) {
    if (group_ends[group] == begin) continue;
    size_t best = begin;
    for (size_t row = begin + 1; row < group_ends[group]; ++row) {
      if (scores[row] > scores[best]) best = row;
    }
    out[group].row = best;
    out[group].prediction.probability = scores[best];
    riskiest.push_back(best);
    riskiest_leaves.insert(riskiest_leaves.end(), leaves.get() + best * trees,
                           leaves.get() + (best + 1) * trees);
    explained.push_back(&out[group].prediction);
  }
  if (top_k > 0) {
    std::vector<double> contributions(riskiest.size() * (matrix.columns + 1));
    forest.ContributionsOfLeaves(riskiest_leaves.data(), riskiest.size(), contributions.data());
    impl_->TopContributions(data, matrix, riskiest, contributions.data(), top_k, explained);
  }
  return out;
}

Result<Prediction> Model::Score(const Record& record, int top_k, Attribution attribution) const {
  // One row through the same reader as files, so both paths see one meaning
  // of every column.
  std::string header, line;
  auto append = [](std::string& out, std::string_view text) {
    if (!out.empty()) out.push_back(',');
    out.push_back('"');
    for (char c : text) {
      if (c == '"') out.push_back('"');
      out.push_back(c);
    }
    out.push_back('"');
  };
  for (const auto& [column, value] : record) {
    append(header, column);
    append(line, value);
  }
  // Mapped columns the record lacks read as empty.
  auto ensure = [&](const std::string& column) {
    if (!column.empty() && !record.contains(column)) {
      append(header, column);
      append(line, "");
    }
  };
  const Mapping& mapping = impl_->mapping;
  for (const KeyColumn& key : mapping.keys) ensure(key.column);
  for (const NumericColumn& number : mapping.numeric) ensure(number.column);
  ensure(mapping.id_column);
  ensure(mapping.date_column);
  if (header.empty()) return InvalidInput("an empty record");
  CORDON_ASSIGN_OR_RETURN(Dataset data,
                          ParseDataset(header + "\n" + line + "\n", mapping, "-", "record"));
  CORDON_ASSIGN_OR_RETURN(std::vector<Prediction> predictions, Explain(data, top_k, attribution));
  return std::move(predictions.front());
}

Result<Model> Train(const Dataset& train, const Dataset* valid, const Mapping& mapping,
                    const TrainOptions& options, const Clock& clock) {
  Timestamp started = clock.Now();
  CORDON_RETURN_IF_ERROR(internal::ValidateTrainOptions(options));
  for (const Dataset* data : {&train, valid}) {
    if (!data) continue;
    const char* which = data == &train ? "training" : "validation";
    if (data->labels.size() != data->rows || data->rows == 0) {
      return InvalidInput(std::string("the ") + which + " data has no labels",
                          {{"label", "is required"}});
    }
    size_t positives = std::count_if(data->labels.begin(), data->labels.end(),
                                     [](float label) { return label > 0; });
    if (positives == 0 || positives == data->rows) {
      return InvalidInput(
          std::string("the ") + which + " data needs both positive and negative outcomes",
          {{"label", "has one class only"}});
    }
  }
  CORDON_ASSIGN_OR_RETURN(FeatureBuilder features, FeatureBuilder::Plan(mapping, options));
  CORDON_ASSIGN_OR_RETURN(FeatureMatrix train_matrix, features.FitTransform(train));
  std::optional<FeatureMatrix> valid_matrix;
  if (valid) {
    CORDON_ASSIGN_OR_RETURN(valid_matrix, features.Transform(*valid));
  }

  DMatrix train_dmatrix, valid_dmatrix;
  CORDON_RETURN_IF_ERROR(MakeDMatrix(train_matrix, &train.labels, train_dmatrix));
  if (valid) CORDON_RETURN_IF_ERROR(MakeDMatrix(*valid_matrix, &valid->labels, valid_dmatrix));
  Booster booster;
  DMatrixHandle cache[2] = {train_dmatrix.handle, valid_dmatrix.handle};
  if (XGBoosterCreate(cache, valid ? 2 : 1, &booster.handle) != 0) {
    return XgboostError("XGBoosterCreate");
  }
  CORDON_RETURN_IF_ERROR(SetParams(booster.handle, options));

  int rounds = valid ? options.max_rounds : options.rounds_without_valid;
  int best_iteration = -1;
  double best_auc = -1;
  for (int iteration = 0; iteration < rounds; ++iteration) {
    if (XGBoosterUpdateOneIter(booster.handle, iteration, train_dmatrix.handle) != 0) {
      return XgboostError("XGBoosterUpdateOneIter");
    }
    if (!valid) continue;
    const char* names[1] = {"valid"};
    const char* evaluation = nullptr;
    if (XGBoosterEvalOneIter(booster.handle, iteration, &valid_dmatrix.handle, names, 1,
                             &evaluation) != 0) {
      return XgboostError("XGBoosterEvalOneIter");
    }
    std::optional<double> auc = ParseEval(evaluation, "valid-auc:");
    if (!auc) return Internal(std::string("cannot read XGBoost's evaluation: ") + evaluation);
    if (*auc > best_auc) {
      best_auc = *auc;
      best_iteration = iteration;
    } else if (iteration - best_iteration >= options.early_stopping_rounds) {
      break;
    }
  }
  int kept_rounds = valid ? best_iteration + 1 : rounds;
  Booster kept;
  if (XGBoosterSlice(booster.handle, 0, kept_rounds, 1, &kept.handle) != 0) {
    return XgboostError("XGBoosterSlice");
  }
  bst_ulong length = 0;
  const char* buffer = nullptr;
  if (XGBoosterSaveModelToBuffer(kept.handle, R"({"format": "json"})", &length, &buffer) != 0) {
    return XgboostError("XGBoosterSaveModelToBuffer");
  }

  auto impl = std::make_unique<Model::Impl>();
  impl->mapping = mapping;
  impl->booster_json.assign(buffer, length);
  CORDON_ASSIGN_OR_RETURN(impl->forest, Forest::FromXgboostJson(impl->booster_json));
  impl->features = std::move(features);
  TrainingInfo& info = impl->info;
  info.options = options;
  info.seed = options.seed;
  info.train_rows = train.rows;
  info.train_positives = static_cast<size_t>(std::count_if(train.labels.begin(), train.labels.end(),
                                                           [](float label) { return label > 0; }));
  info.valid_rows = valid ? valid->rows : 0;
  info.label_column = train.label_column;
  info.rounds = kept_rounds;
  info.best_iteration = valid ? best_iteration : -1;
  if (valid) {
    std::vector<double> scores(valid_matrix->rows);
    impl->forest.Probabilities(valid_matrix->values.data(), valid_matrix->rows,
                               valid_matrix->columns, scores.data());
    CORDON_ASSIGN_OR_RETURN(info.valid, Evaluate(scores, valid->labels, valid->revenue,
                                                 std::span<const double>(kReportedRates)));
  }
  Timestamp finished = clock.Now();
  info.train_seconds = std::chrono::duration<double>(finished - started).count();
  info.created_at = FormatTimestamp(finished);
  return Model(std::move(impl));
}

}  // namespace cordon::targeting
