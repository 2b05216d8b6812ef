#include "targeting/forest.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "targeting/internal.h"

namespace cordon::targeting::internal {
namespace {

constexpr float kInfinity = std::numeric_limits<float>::infinity();
constexpr size_t kVectorLanes = 16;
// The vector walks index splits and widened rows with 32-bit signed lanes.
constexpr size_t kMaxSplits = INT32_MAX - 64;
constexpr size_t kMaxFeatures = UINT16_MAX;  // path records keep features in 16 bits
// Laying a tree out by levels carries every leaf down to the tree's depth,
// so a deep and narrow tree would grow with the square of its depth: deeper
// trees are refused (Cordon trains at most 20 levels: max_depth 1 to 20).
constexpr uint32_t kMaxDepth = 32;

std::atomic<bool> vector_walk{true};

// CORDON_FOREST_SCALAR=1 in the environment turns the vector walks off for
// the whole process (to run any test suite on the scalar walk).
bool ProcessorHasVectorWalk() {
#if defined(__x86_64__)
  static const bool has =
      __builtin_cpu_supports("avx512f") && std::getenv("CORDON_FOREST_SCALAR") == nullptr;
  return has;
#else
  return false;
#endif
}

}  // namespace

Result<Forest> Forest::FromXgboostJson(std::string_view json_text) {
  using nlohmann::json;
  json document = json::parse(json_text, nullptr, false);
  if (document.is_discarded()) return Corrupt("the booster is not valid JSON");
  Forest forest;
  try {
    const json& learner = document.at("learner");
    const json& objective = learner.at("objective");
    if (objective.at("name") != "binary:logistic") {
      return Corrupt("the booster's objective is " + objective.at("name").dump() +
                     ", expected binary:logistic");
    }
    const json& params = learner.at("learner_model_param");
    double base_score = std::stod(params.at("base_score").get<std::string>());
    if (!(base_score > 0 && base_score < 1))
      return Corrupt("the booster's base_score is not in (0, 1)");
    forest.base_margin_ = std::log(base_score / (1 - base_score));
    forest.feature_count_ = std::stoul(params.at("num_feature").get<std::string>());
    forest.bias_ = forest.base_margin_;
    if (forest.feature_count_ > kMaxFeatures) return Corrupt("the booster has too many features");
    const json& booster = learner.at("gradient_booster");
    if (booster.at("name") != "gbtree") return Corrupt("the booster is not gbtree");
    const json& trees = booster.at("model").at("trees");
    for (const json& tree : trees) {
      const auto left = internal::WholeNumbers<int32_t>(tree.at("left_children"), "left_children");
      const auto right =
          internal::WholeNumbers<int32_t>(tree.at("right_children"), "right_children");
      const auto split_index =
          internal::WholeNumbers<uint32_t>(tree.at("split_indices"), "split_indices");
      const auto condition = tree.at("split_conditions").get<std::vector<float>>();
      const json& default_left = tree.at("default_left");
      const auto cover = tree.at("sum_hessian").get<std::vector<double>>();
      if (auto types = tree.find("split_type"); types != tree.end()) {
        for (const json& type : *types) {
          if (internal::WholeNumber<int>(type, "split_type") != 0)
            return Corrupt("categorical splits are not supported");
        }
      }
      size_t count = left.size();
      if (right.size() != count || split_index.size() != count || condition.size() != count ||
          default_left.size() != count || cover.size() != count || count == 0) {
        return Corrupt("a tree's node arrays differ in length");
      }
      for (size_t node = 0; node < count; ++node) {
        if (left[node] == -1) continue;
        if (left[node] <= 0 || right[node] <= 0 || static_cast<size_t>(left[node]) >= count ||
            static_cast<size_t>(right[node]) >= count ||
            split_index[node] >= forest.feature_count_) {
          return Corrupt("a tree node points outside its tree or its features");
        }
        if (!std::isfinite(condition[node])) return Corrupt("a split threshold is not finite");
      }
      // Parents and depths, breadth-first from the root.
      std::vector<int32_t> order = {0};
      std::vector<int32_t> parent(count, -1);
      std::vector<uint32_t> depth(count, 0);
      std::vector<bool> seen(count, false);
      seen[0] = true;
      uint32_t tree_depth = 0;
      for (size_t head = 0; head < order.size(); ++head) {
        const int32_t id = order[head];
        tree_depth = std::max(tree_depth, depth[id]);
        if (left[id] == -1) continue;
        for (int32_t child : {left[id], right[id]}) {
          if (seen[child]) return Corrupt("a tree node has two parents");
          seen[child] = true;
          parent[child] = id;
          depth[child] = depth[id] + 1;
          order.push_back(child);
        }
      }
      if (order.size() != count) return Corrupt("a tree node is not reachable from the root");
      if (tree_depth > kMaxDepth) {
        return Corrupt("a tree is " + std::to_string(tree_depth) + " levels deep, more than " +
                       std::to_string(kMaxDepth));
      }
      // Mean leaf values, children before parents: the breadth-first order
      // read backwards (XGBoost's FillNodeMeanValues), kept as float.
      std::vector<double> mean(count, 0);
      for (size_t position = order.size(); position-- > 0;) {
        const int32_t id = order[position];
        if (left[id] == -1) {
          mean[id] = condition[id];
        } else {
          const double weight = cover[id];
          mean[id] =
              weight > 0
                  ? (mean[left[id]] * cover[left[id]] + mean[right[id]] * cover[right[id]]) / weight
                  : 0;
        }
      }
      auto value = [&mean](int32_t id) { return static_cast<float>(mean[id]); };
      forest.bias_ += value(0);

      // Level by level: a split's children go side by side on the next
      // level, a leaf above the deepest level once, behind a pass-through.
      Tree laid_out;
      laid_out.depth = tree_depth;
      laid_out.splits = static_cast<uint32_t>(forest.thresholds_.size());
      laid_out.leaves = static_cast<uint32_t>(forest.leaf_values_.size());
      laid_out.levels = static_cast<uint32_t>(forest.level_starts_.size());
      std::vector<int32_t> level = {0}, next;
      size_t splits = 0;  // of this tree so far
      for (uint32_t at = 0; at < tree_depth; ++at) {
        forest.level_starts_.push_back(static_cast<uint32_t>(splits));
        // Children are numbered among the next level's splits, or among
        // the leaves below the last level.
        const size_t next_first = at + 1 < tree_depth ? splits + level.size() : 0;
        next.clear();
        for (size_t position = 0; position < level.size(); ++position) {
          const int32_t id = level[position];
          forest.children_.push_back(static_cast<uint32_t>(next_first + next.size()));
          if (left[id] == -1) {
            forest.thresholds_.push_back(kInfinity);
            forest.columns_.push_back(static_cast<uint32_t>(2 * forest.feature_count_));
            next.push_back(id);
            continue;
          }
          const json& flag = default_left[id];
          const bool missing_left = flag.is_boolean()
                                        ? flag.get<bool>()
                                        : internal::WholeNumber<int>(flag, "default_left") != 0;
          forest.thresholds_.push_back(condition[id]);
          forest.columns_.push_back(2 * split_index[id] + (missing_left ? 0 : 1));
          next.push_back(left[id]);
          next.push_back(right[id]);
        }
        splits += level.size();
        level.swap(next);
        if (forest.thresholds_.size() + level.size() > kMaxSplits) {
          return Corrupt("the booster's trees are too large to lay out");
        }
      }
      forest.level_starts_.push_back(static_cast<uint32_t>(splits));
      // Each leaf's path record: the means from the root down, then the
      // features, the path padded with pass-throughs to the tree's depth.
      const size_t bytes = PathBytes(tree_depth);
      if (forest.paths_.size() + level.size() * bytes > UINT32_MAX) {
        return Corrupt("the booster's trees are too large to lay out");
      }
      laid_out.paths = static_cast<uint32_t>(forest.paths_.size());
      std::vector<int32_t> path;
      for (int32_t leaf : level) {
        forest.leaf_values_.push_back(condition[leaf]);
        path.clear();
        for (int32_t id = leaf; id != -1; id = parent[id]) path.push_back(id);
        std::reverse(path.begin(), path.end());
        const size_t record = forest.paths_.size();
        forest.paths_.resize(record + bytes, 0);
        unsigned char* means = forest.paths_.data() + record;
        unsigned char* features = means + (tree_depth + 1) * sizeof(float);
        for (uint32_t step = 0; step <= tree_depth; ++step) {
          const float mean = value(path[std::min<size_t>(step, path.size() - 1)]);
          std::memcpy(means + step * sizeof(float), &mean, sizeof(float));
        }
        for (uint32_t step = 0; step < tree_depth; ++step) {
          const uint16_t feature = static_cast<uint16_t>(
              step + 1 < path.size() ? split_index[path[step]] : forest.feature_count_);
          std::memcpy(features + step * sizeof(uint16_t), &feature, sizeof(uint16_t));
        }
      }
      forest.trees_.push_back(laid_out);
    }
    // The vector walk reads a level's splits 16 at a time; padding keeps
    // those reads inside the arrays.
    forest.thresholds_.resize(forest.thresholds_.size() + 2 * kVectorLanes, kInfinity);
    forest.columns_.resize(forest.columns_.size() + 2 * kVectorLanes, 0);
    forest.children_.resize(forest.children_.size() + 2 * kVectorLanes, 0);
  } catch (const std::exception& error) {
    return Corrupt(std::string("the booster JSON is malformed: ") + error.what());
  }
  return forest;
}

void Forest::SetVectorWalk(bool enabled) { vector_walk.store(enabled, std::memory_order_relaxed); }

bool Forest::VectorWalkAvailable() { return ProcessorHasVectorWalk(); }

void Forest::Widen(const float* features, float* widened) const {
  for (size_t feature = 0; feature < feature_count_; ++feature) {
    const float x = features[feature];
    const bool missing = std::isnan(x);
    widened[2 * feature] = missing ? -kInfinity : x;
    widened[2 * feature + 1] = missing ? kInfinity : x;
  }
  widened[2 * feature_count_] = 0;
}

void Forest::WidenRows(const float* rows, size_t count, size_t stride,
                       std::vector<float>& widened) const {
  const size_t width = widened_columns();
  widened.resize(count * width);
  for (size_t row = 0; row < count; ++row) Widen(rows + row * stride, widened.data() + row * width);
}

void Forest::WalkTreeScalar(const Tree& tree, const float* widened, size_t count,
                            uint32_t* out) const {
  const float* threshold = thresholds_.data() + tree.splits;
  const uint32_t* column = columns_.data() + tree.splits;
  const uint32_t* child = children_.data() + tree.splits;
  const size_t width = widened_columns();
  auto step = [&](uint32_t at, const float* row) {
    return child[at] + static_cast<uint32_t>(!(row[column[at]] < threshold[at]));
  };
  // Groups of rows in lockstep, their positions in registers: the walks are
  // independent, so the processor overlaps their latencies.
  constexpr size_t kGroup = 8;
  size_t first = 0;
  for (; first + kGroup <= count; first += kGroup) {
    const float* rows = widened + first * width;
    uint32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
    for (uint32_t level = 0; level < tree.depth; ++level) {
      a0 = step(a0, rows);
      a1 = step(a1, rows + width);
      a2 = step(a2, rows + 2 * width);
      a3 = step(a3, rows + 3 * width);
      a4 = step(a4, rows + 4 * width);
      a5 = step(a5, rows + 5 * width);
      a6 = step(a6, rows + 6 * width);
      a7 = step(a7, rows + 7 * width);
    }
    const uint32_t reached[kGroup] = {a0, a1, a2, a3, a4, a5, a6, a7};
    std::copy(reached, reached + kGroup, out + first);
  }
  for (; first < count; ++first) {
    const float* row = widened + first * width;
    uint32_t at = 0;
    for (uint32_t level = 0; level < tree.depth; ++level) at = step(at, row);
    out[first] = at;
  }
}

#if defined(__x86_64__)
// GCC 12 takes the undefined source operand of its own intrinsics
// (_mm512_undefined_ps) for an uninitialised read.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
namespace {

// One level's splits for 16 lanes at positions `at`: from registers when the
// level has at most 32 splits (always so for the first six levels), else
// gathered.
struct Splits {
  __m512 threshold;
  __m512i column;
  __m512i child;
};

__attribute__((target("avx512f"))) inline Splits LevelSplits(__m512i at, uint32_t start,
                                                             uint32_t size, const float* threshold,
                                                             const uint32_t* column,
                                                             const uint32_t* child) {
  if (size <= 16) {
    const __m512i index = _mm512_sub_epi32(at, _mm512_set1_epi32(static_cast<int>(start)));
    return {_mm512_permutexvar_ps(index, _mm512_loadu_ps(threshold + start)),
            _mm512_permutexvar_epi32(index, _mm512_loadu_si512(column + start)),
            _mm512_permutexvar_epi32(index, _mm512_loadu_si512(child + start))};
  }
  if (size <= 32) {
    const __m512i index = _mm512_sub_epi32(at, _mm512_set1_epi32(static_cast<int>(start)));
    return {_mm512_permutex2var_ps(_mm512_loadu_ps(threshold + start), index,
                                   _mm512_loadu_ps(threshold + start + 16)),
            _mm512_permutex2var_epi32(_mm512_loadu_si512(column + start), index,
                                      _mm512_loadu_si512(column + start + 16)),
            _mm512_permutex2var_epi32(_mm512_loadu_si512(child + start), index,
                                      _mm512_loadu_si512(child + start + 16))};
  }
  return {_mm512_i32gather_ps(at, threshold, 4), _mm512_i32gather_epi32(at, column, 4),
          _mm512_i32gather_epi32(at, child, 4)};
}

// 16 × kHalves rows (lanes past `count` walk row 0) through one tree.
template <int kHalves>
__attribute__((target("avx512f"))) void WalkLanes(const float* threshold, const uint32_t* column,
                                                  const uint32_t* child,
                                                  const uint32_t* level_starts, uint32_t depth,
                                                  const float* widened, uint32_t width,
                                                  size_t count, uint32_t* out) {
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i one = _mm512_set1_epi32(1);
  __m512i offset[kHalves];  // of each lane's widened row
  __m512i at[kHalves];
  for (int half = 0; half < kHalves; ++half) {
    const size_t lanes = std::min<size_t>(16, count - std::min<size_t>(count, 16 * half));
    const __mmask16 valid = static_cast<__mmask16>((uint32_t{1} << lanes) - 1);
    offset[half] =
        _mm512_maskz_mullo_epi32(valid, _mm512_add_epi32(lane, _mm512_set1_epi32(16 * half)),
                                 _mm512_set1_epi32(static_cast<int>(width)));
    at[half] = _mm512_setzero_si512();
  }
  for (uint32_t level = 0; level < depth; ++level) {
    const uint32_t start = level_starts[level];
    const uint32_t size = level_starts[level + 1] - start;
    for (int half = 0; half < kHalves; ++half) {
      const Splits splits = LevelSplits(at[half], start, size, threshold, column, child);
      const __m512 x =
          _mm512_i32gather_ps(_mm512_add_epi32(splits.column, offset[half]), widened, 4);
      // Right unless x < threshold, as the scalar walk.
      const __mmask16 right = _mm512_cmp_ps_mask(x, splits.threshold, _CMP_NLT_UQ);
      at[half] = _mm512_mask_add_epi32(splits.child, right, splits.child, one);
    }
  }
  alignas(64) uint32_t reached[16 * kHalves];
  for (int half = 0; half < kHalves; ++half) _mm512_store_si512(reached + 16 * half, at[half]);
  std::copy(reached, reached + count, out);
}

}  // namespace
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

void Forest::WalkTreeVector(const Tree& tree, const float* widened, size_t count,
                            uint32_t* out) const {
#if defined(__x86_64__)
  const uint32_t width = static_cast<uint32_t>(widened_columns());
  constexpr size_t kRows = 16 * 4;  // four vectors of rows hide more gather latency than two
  using Walk = void (*)(const float*, const uint32_t*, const uint32_t*, const uint32_t*, uint32_t,
                        const float*, uint32_t, size_t, uint32_t*);
  static constexpr Walk kWalks[] = {&WalkLanes<1>, &WalkLanes<2>, &WalkLanes<3>, &WalkLanes<4>};
  for (size_t first = 0; first < count; first += kRows) {
    const size_t lanes = std::min<size_t>(kRows, count - first);
    auto walk = kWalks[(lanes - 1) / 16];
    walk(thresholds_.data() + tree.splits, columns_.data() + tree.splits,
         children_.data() + tree.splits, level_starts_.data() + tree.levels, tree.depth,
         widened + first * width, width, lanes, out + first);
  }
#else
  WalkTreeScalar(tree, widened, count, out);
#endif
}

void Forest::WalkRowsAcrossTrees(const float* widened, size_t count, double* margins,
                                 uint32_t* leaves) const {
  const size_t width = widened_columns();
  constexpr size_t kLanes = 32;
  uint32_t splits[kLanes], depths[kLanes], reached[kLanes];
  for (size_t first = 0; first < trees_.size(); first += kLanes) {
    const size_t lanes = std::min(kLanes, trees_.size() - first);
    uint32_t max_depth = 0;
    for (size_t lane = 0; lane < kLanes; ++lane) {
      const Tree* tree = lane < lanes ? &trees_[first + lane] : nullptr;
      splits[lane] = tree != nullptr ? tree->splits : 0;
      depths[lane] = tree != nullptr ? tree->depth : 0;
      max_depth = std::max(max_depth, depths[lane]);
    }
    for (size_t row = 0; row < count; ++row) {
      const float* values = widened + row * width;
      // The trees' walks are independent: one step of each in turn, so the
      // processor overlaps them (faster here than gathering them in vectors).
      std::fill(reached, reached + kLanes, 0);
      for (uint32_t level = 0; level < max_depth; ++level) {
        for (size_t lane = 0; lane < lanes; ++lane) {
          if (level >= depths[lane]) continue;
          const size_t at = splits[lane] + reached[lane];
          reached[lane] =
              children_[at] + static_cast<uint32_t>(!(values[columns_[at]] < thresholds_[at]));
        }
      }
      for (size_t lane = 0; lane < lanes; ++lane) {
        margins[row] += leaf_values_[trees_[first + lane].leaves + reached[lane]];
      }
      if (leaves != nullptr) {
        std::copy(reached, reached + lanes, leaves + row * trees_.size() + first);
      }
    }
  }
}

void Forest::WalkBlock(const float* widened, size_t count, double* margins,
                       uint32_t* leaves) const {
  const bool vector = ProcessorHasVectorWalk() && vector_walk.load(std::memory_order_relaxed);
  // A few rows walk across the trees (a lane per tree), more each tree in
  // lockstep (a lane per row).
  if (count < 8) {
    WalkRowsAcrossTrees(widened, count, margins, leaves);
    return;
  }
  uint32_t reached[kBlock];
  for (size_t index = 0; index < trees_.size(); ++index) {
    const Tree& tree = trees_[index];
    if (vector) {
      WalkTreeVector(tree, widened, count, reached);
    } else {
      WalkTreeScalar(tree, widened, count, reached);
    }
    const float* values = leaf_values_.data() + tree.leaves;
    for (size_t row = 0; row < count; ++row) margins[row] += values[reached[row]];
    if (leaves != nullptr) {
      for (size_t row = 0; row < count; ++row) leaves[row * trees_.size() + index] = reached[row];
    }
  }
}

double Forest::Margin(const float* row) const {
  std::vector<float> widened(widened_columns());
  Widen(row, widened.data());
  double margin = base_margin_;
  WalkBlock(widened.data(), 1, &margin, nullptr);
  return margin;
}

double Forest::Probability(const float* features) const {
  return 1.0 / (1.0 + std::exp(-Margin(features)));
}

void Forest::Probabilities(const float* rows, size_t count, size_t stride, double* out) const {
  // The trees in the outer loop, each walked by a block of rows in lockstep.
  std::vector<float> widened;
  double margins[kBlock];
  for (size_t first = 0; first < count; first += kBlock) {
    const size_t block = std::min(kBlock, count - first);
    WidenRows(rows + first * stride, block, stride, widened);
    std::fill(margins, margins + block, base_margin_);
    WalkBlock(widened.data(), block, margins, nullptr);
    for (size_t row = 0; row < block; ++row) {
      out[first + row] = 1.0 / (1.0 + std::exp(-margins[row]));
    }
  }
}

void Forest::Leaves(const float* rows, size_t count, size_t stride, uint32_t* leaves,
                    double* margins) const {
  std::vector<float> widened;
  for (size_t first = 0; first < count; first += kBlock) {
    const size_t block = std::min(kBlock, count - first);
    WidenRows(rows + first * stride, block, stride, widened);
    std::fill(margins + first, margins + first + block, base_margin_);
    WalkBlock(widened.data(), block, margins + first, leaves + first * trees_.size());
  }
}

size_t Forest::PathBytes(uint32_t depth) {
  const size_t bytes = (depth + 1) * sizeof(float) + depth * sizeof(uint16_t);
  return bytes <= 64 ? 64 : bytes;  // a cache line each, when one is enough
}

template <uint32_t kDepth>
void Forest::AddPaths(const unsigned char* const* records, size_t count, uint32_t depth,
                      double* out, size_t width) {
  // kDepth is the depth when it is known at compile time, else 0 and
  // `depth` is. Rows go four abreast, step by step: a row's next credit
  // may add to the feature its last one did, so it waits for that sum;
  // other rows' credits fill the wait.
  const uint32_t steps = kDepth > 0 ? kDepth : depth;
  const size_t features_at = (steps + 1) * sizeof(float);
  auto credit = [&](const unsigned char* record, double* row_out, uint32_t step) {
    float from = 0, to = 0;
    uint16_t feature = 0;
    std::memcpy(&from, record + step * sizeof(float), sizeof(float));
    std::memcpy(&to, record + (step + 1) * sizeof(float), sizeof(float));
    std::memcpy(&feature, record + features_at + step * sizeof(uint16_t), sizeof(uint16_t));
    row_out[feature] += static_cast<double>(to) - static_cast<double>(from);
  };
  size_t row = 0;
  for (; row + 4 <= count; row += 4) {
    const unsigned char* const* four = records + row;
    double* four_out = out + row * width;
    for (uint32_t step = 0; step < steps; ++step) {
      credit(four[0], four_out, step);
      credit(four[1], four_out + width, step);
      credit(four[2], four_out + 2 * width, step);
      credit(four[3], four_out + 3 * width, step);
    }
  }
  for (; row < count; ++row) {
    for (uint32_t step = 0; step < steps; ++step) credit(records[row], out + row * width, step);
  }
}

void Forest::ContributionsOfLeaves(const uint32_t* leaves, size_t count, double* out) const {
  // Each tree's credits in path order, the trees in order: the additions of
  // the walk that credits as it goes (XGBoost's approx_contribs), so the
  // same sums to the bit. The bias gets the base margin and every root's mean.
  const size_t width = feature_count_ + 1;
  const size_t tree_count = trees_.size();
  for (size_t row = 0; row < count; ++row) {
    std::fill(out + row * width, out + row * width + feature_count_, 0.0);
    out[row * width + feature_count_] = bias_;
  }
  // A chunk of rows takes each tree in turn: a row's sums are chains of
  // dependent additions (a feature recurs along paths), and the rows' chains
  // are independent, so interleaving rows lets the processor overlap them.
  // Each row's record for the next tree is fetched while this one is added.
  constexpr size_t kChunk = 32;
  const unsigned char* records[2][kChunk];
  for (size_t first = 0; first < count; first += kChunk) {
    const size_t chunk = std::min(kChunk, count - first);
    auto locate = [&](size_t index, const unsigned char** into) {
      const Tree& tree = trees_[index];
      const size_t bytes = PathBytes(tree.depth);
      for (size_t row = 0; row < chunk; ++row) {
        into[row] = paths_.data() + tree.paths + leaves[(first + row) * tree_count + index] * bytes;
        __builtin_prefetch(into[row]);
      }
    };
    if (tree_count > 0) locate(0, records[0]);
    for (size_t index = 0; index < tree_count; ++index) {
      if (index + 1 < tree_count) locate(index + 1, records[(index + 1) % 2]);
      const uint32_t depth = trees_[index].depth;
      const unsigned char* const* current = records[index % 2];
      double* chunk_out = out + first * width;
      // Depths up to 10 with the depth a compile-time constant (unrolled),
      // deeper ones with it read at run time; a depth-0 tree credits nothing.
      static constexpr auto kAddPaths =
          []<uint32_t... kDepths>(std::integer_sequence<uint32_t, kDepths...>) {
        return std::array{&AddPaths<kDepths>...};
      }
      (std::make_integer_sequence<uint32_t, 11>{});
      if (depth > 0) {
        kAddPaths[depth < kAddPaths.size() ? depth : 0](current, chunk, depth, chunk_out, width);
      }
    }
  }
}

void Forest::Contributions(const float* row, double* out, double* margin) const {
  double sum = 0;
  Contributions(row, 1, 0, out, &sum);
  if (margin != nullptr) *margin = sum;
}

void Forest::Contributions(const float* rows, size_t count, size_t stride, double* out,
                           double* margins) const {
  const size_t width = feature_count_ + 1;
  std::vector<float> widened;
  std::vector<uint32_t> leaves(std::min(kBlock, count) * trees_.size());
  for (size_t first = 0; first < count; first += kBlock) {
    const size_t block = std::min(kBlock, count - first);
    WidenRows(rows + first * stride, block, stride, widened);
    std::fill(margins + first, margins + first + block, base_margin_);
    WalkBlock(widened.data(), block, margins + first, leaves.data());
    ContributionsOfLeaves(leaves.data(), block, out + first * width);
  }
}

}  // namespace cordon::targeting::internal
