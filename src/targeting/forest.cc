#include "targeting/forest.h"

#include <cmath>
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
      if (auto types = tree.find("split_type"); types != tree.end()) {
        for (const json& type : *types) {
          if (type.get<int>() != 0) return Corrupt("categorical splits are not supported");
        }
      }
      size_t count = left.size();
      if (right.size() != count || split_index.size() != count || condition.size() != count ||
          default_left.size() != count || count == 0) {
        return Corrupt("a tree's node arrays differ in length");
      }
      uint32_t root = static_cast<uint32_t>(forest.nodes_.size());
      forest.tree_roots_.push_back(root);
      for (size_t node = 0; node < count; ++node) {
        Node out;
        bool leaf = left[node] == -1;
        if (!leaf) {
          if (left[node] <= 0 || right[node] <= 0 || static_cast<size_t>(left[node]) >= count ||
              static_cast<size_t>(right[node]) >= count ||
              split_index[node] >= forest.feature_count_) {
            return Corrupt("a tree node points outside its tree");
          }
          out.left = static_cast<int32_t>(root + left[node]);
          out.right = static_cast<int32_t>(root + right[node]);
          out.feature = split_index[node];
        }
        out.value = condition[node];
        const json& flag = default_left[node];
        out.default_left = flag.is_boolean() ? flag.get<bool>() : flag.get<int>() != 0;
        forest.nodes_.push_back(out);
      }
    }
  } catch (const std::exception& error) {
    return Corrupt(std::string("the booster JSON is malformed: ") + error.what());
  }
  return forest;
}

double Forest::Margin(const float* features) const {
  double margin = base_margin_;
  const Node* nodes = nodes_.data();
  for (uint32_t root : tree_roots_) {
    const Node* node = nodes + root;
    while (node->left >= 0) {
      float x = features[node->feature];
      bool go_left = std::isnan(x) ? node->default_left : x < node->value;
      node = nodes + (go_left ? node->left : node->right);
    }
    margin += node->value;
  }
  return margin;
}

double Forest::Probability(const float* features) const {
  return 1.0 / (1.0 + std::exp(-Margin(features)));
}

}  // namespace cordon::targeting::internal
