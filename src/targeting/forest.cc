#include "targeting/forest.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

namespace cordon::targeting::internal {

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
    const json& booster = learner.at("gradient_booster");
    if (booster.at("name") != "gbtree") return Corrupt("the booster is not gbtree");
    const json& trees = booster.at("model").at("trees");
    for (const json& tree : trees) {
      const auto left = tree.at("left_children").get<std::vector<int32_t>>();
      const auto right = tree.at("right_children").get<std::vector<int32_t>>();
      const auto split_index = tree.at("split_indices").get<std::vector<uint32_t>>();
      const auto condition = tree.at("split_conditions").get<std::vector<float>>();
      const json& default_left = tree.at("default_left");
      const auto cover = tree.at("sum_hessian").get<std::vector<double>>();
      if (auto types = tree.find("split_type"); types != tree.end()) {
        for (const json& type : *types) {
          if (type.get<int>() != 0) return Corrupt("categorical splits are not supported");
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
      // Breadth-first from the root, placing each node's children side by
      // side; `placed` maps XGBoost's node ids to positions in nodes_.
      uint32_t root = static_cast<uint32_t>(forest.nodes_.size());
      forest.tree_roots_.push_back(root);
      std::vector<int32_t> queue = {0};
      std::vector<uint32_t> placed(count, UINT32_MAX);
      std::vector<uint32_t> depth(count, 0);
      uint32_t tree_depth = 0;
      placed[0] = root;
      forest.nodes_.emplace_back();
      for (size_t head = 0; head < queue.size(); ++head) {
        int32_t id = queue[head];
        Node& out = forest.nodes_[placed[id]];
        tree_depth = std::max(tree_depth, depth[id]);
        if (left[id] == -1) {
          out.threshold = std::numeric_limits<float>::infinity();
          out.left = placed[id];
          out.column = static_cast<uint32_t>(2 * forest.feature_count_);
          out.value = condition[id];
          continue;
        }
        out.threshold = condition[id];
        const json& flag = default_left[id];
        bool missing_left = flag.is_boolean() ? flag.get<bool>() : flag.get<int>() != 0;
        out.column = 2 * split_index[id] + (missing_left ? 0 : 1);
        uint32_t first_child = static_cast<uint32_t>(forest.nodes_.size());
        out.left = first_child;
        for (int32_t side : {0, 1}) {
          int32_t child = side == 0 ? left[id] : right[id];
          if (placed[child] != UINT32_MAX) return Corrupt("a tree node has two parents");
          placed[child] = first_child + side;
          depth[child] = depth[id] + 1;
          queue.push_back(child);
        }
        // emplace_back may move nodes_; `out` is not used after this.
        forest.nodes_.emplace_back();
        forest.nodes_.emplace_back();
      }
      forest.tree_depths_.push_back(tree_depth);
      // Mean leaf values, children before parents: the breadth-first queue
      // read backwards (XGBoost's FillNodeMeanValues).
      std::vector<double> mean(count, 0);
      for (size_t position = queue.size(); position-- > 0;) {
        int32_t id = queue[position];
        if (left[id] == -1) {
          mean[id] = condition[id];
        } else {
          double weight = cover[id];
          mean[id] = weight > 0 ? (mean[left[id]] * cover[left[id]] +
                                   mean[right[id]] * cover[right[id]]) / weight
                                : 0;
        }
      }
      for (size_t id = 0; id < count; ++id) {
        if (placed[id] == UINT32_MAX) return Corrupt("a tree node is not reachable from the root");
        if (left[id] != -1) forest.nodes_[placed[id]].value = static_cast<float>(mean[id]);
      }
    }
  } catch (const std::exception& error) {
    return Corrupt(std::string("the booster JSON is malformed: ") + error.what());
  }
  return forest;
}

void Forest::Widen(const float* features, float* widened) const {
  constexpr float kInfinity = std::numeric_limits<float>::infinity();
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

double Forest::Margin(const float* row) const {
  std::vector<float> widened(widened_columns());
  Widen(row, widened.data());
  const float* features = widened.data();
  double margin = base_margin_;
  const Node* nodes = nodes_.data();
  for (size_t tree = 0; tree < tree_roots_.size(); ++tree) {
    uint32_t index = tree_roots_[tree];
    for (uint32_t level = 0; level < tree_depths_[tree]; ++level) {
      index = Step(nodes, index, features);
    }
    margin += nodes[index].value;
  }
  return margin;
}

void Forest::Contributions(const float* row, double* out, double* margin) const {
  std::vector<float> widened(widened_columns());
  Widen(row, widened.data());
  const float* features = widened.data();
  std::fill(out, out + feature_count_ + 1, 0.0);
  double& bias = out[feature_count_];
  bias = base_margin_;
  double sum = base_margin_;
  const Node* nodes = nodes_.data();
  for (uint32_t root : tree_roots_) {
    uint32_t index = root;
    double value = nodes[index].value;
    bias += value;
    while (nodes[index].left != index) {
      uint32_t feature = FeatureOf(nodes[index]);
      index = Step(nodes, index, features);
      out[feature] += nodes[index].value - value;
      value = nodes[index].value;
    }
    sum += nodes[index].value;
  }
  if (margin != nullptr) *margin = sum;
}

void Forest::Contributions(const float* rows, size_t count, size_t stride, double* out,
                           double* margins) const {
  // As Probabilities: the rows of a block walk each tree in lockstep. A leaf
  // points to itself, so a row that reaches one early credits 0 to the bias
  // slot for the remaining levels, which leaves every sum unchanged (x + 0 is
  // x for all but -0, and neither the bias, which starts at the base margin,
  // a logarithm, nor the sums, which start at +0, can become -0).
  constexpr size_t kBlock = 32;  // a block's widened rows and sums stay in L1
  const size_t width = feature_count_ + 1;
  const size_t widened_width = widened_columns();
  const Node* nodes = nodes_.data();
  std::fill(out, out + count * width, 0.0);
  std::vector<float> widened;
  for (size_t first = 0; first < count; first += kBlock) {
    const size_t block = std::min(kBlock, count - first);
    WidenRows(rows + first * stride, block, stride, widened);
    const float* block_rows = widened.data();
    double* block_out = out + first * width;
    double sums[kBlock];
    uint32_t position[kBlock];
    float value[kBlock];  // the value of the node at `position`
    std::fill(sums, sums + block, base_margin_);
    for (size_t row = 0; row < block; ++row) block_out[row * width + feature_count_] = base_margin_;
    for (size_t tree = 0; tree < tree_roots_.size(); ++tree) {
      const uint32_t root = tree_roots_[tree];
      const float root_value = nodes[root].value;
      std::fill(position, position + block, root);
      std::fill(value, value + block, root_value);
      for (size_t row = 0; row < block; ++row) block_out[row * width + feature_count_] += root_value;
      for (uint32_t level = 0; level < tree_depths_[tree]; ++level) {
        for (size_t row = 0; row < block; ++row) {
          const Node& node = nodes[position[row]];
          const uint32_t to = node.left + static_cast<uint32_t>(
                                              !(block_rows[row * widened_width + node.column] <
                                                node.threshold));
          const float to_value = nodes[to].value;
          // In double, as the row-by-row walk subtracts.
          block_out[row * width + FeatureOf(node)] +=
              static_cast<double>(to_value) - static_cast<double>(value[row]);
          position[row] = to;
          value[row] = to_value;
        }
      }
      for (size_t row = 0; row < block; ++row) sums[row] += value[row];
    }
    std::copy(sums, sums + block, margins + first);
  }
}

double Forest::Probability(const float* features) const {
  return 1.0 / (1.0 + std::exp(-Margin(features)));
}

void Forest::Probabilities(const float* rows, size_t count, size_t stride, double* out) const {
  // Rows walk each tree in lockstep, one level at a time: the walks are
  // independent, so the processor overlaps their memory and compare latencies.
  constexpr size_t kBlock = 32;
  const size_t width = widened_columns();
  const Node* nodes = nodes_.data();
  std::vector<float> widened;
  for (size_t first = 0; first < count; first += kBlock) {
    size_t block = std::min(kBlock, count - first);
    WidenRows(rows + first * stride, block, stride, widened);
    const float* block_rows = widened.data();
    double margins[kBlock];
    uint32_t position[kBlock];
    std::fill(margins, margins + block, base_margin_);
    for (size_t tree = 0; tree < tree_roots_.size(); ++tree) {
      std::fill(position, position + block, tree_roots_[tree]);
      for (uint32_t level = 0; level < tree_depths_[tree]; ++level) {
        for (size_t row = 0; row < block; ++row) {
          position[row] = Step(nodes, position[row], block_rows + row * width);
        }
      }
      for (size_t row = 0; row < block; ++row) margins[row] += nodes[position[row]].value;
    }
    for (size_t row = 0; row < block; ++row) {
      out[first + row] = 1.0 / (1.0 + std::exp(-margins[row]));
    }
  }
}

}  // namespace cordon::targeting::internal
