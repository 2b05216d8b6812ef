// A compact evaluator for the trees of an XGBoost binary:logistic model,
// read from XGBoost's JSON model format (internal to the targeting module).
//
// Why not XGBoost's own predictor: per-row prediction through the C API
// builds a DMatrix per call, takes a lock, and costs microseconds; this walks
// flat arrays, is safe to share between threads, and gives the same margins
// (tested against XGBoost to 1e-5).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace cordon::targeting::internal {

class Forest {
 public:
  // Parses XGBoost 1.x JSON (XGBoosterSaveModelToBuffer with format "json").
  // kCorrupt for anything but a gbtree binary:logistic model with numeric splits.
  static Result<Forest> FromXgboostJson(std::string_view json_text);

  // Sum of leaf values plus the base margin (log-odds).
  double Margin(const float* features) const;
  double Probability(const float* features) const;

  size_t trees() const { return tree_roots_.size(); }
  size_t features() const { return feature_count_; }

 private:
  struct Node {
    int32_t left = -1;  // -1: leaf
    int32_t right = -1;
    uint32_t feature = 0;
    float value = 0;  // split threshold (go left when x < value), or leaf value
    bool default_left = false;
  };
  std::vector<Node> nodes_;           // all trees, each tree's nodes contiguous
  std::vector<uint32_t> tree_roots_;  // offset of each tree's root in nodes_
  double base_margin_ = 0;
  size_t feature_count_ = 0;
};

}  // namespace cordon::targeting::internal
