// A compact evaluator for the trees of an XGBoost binary:logistic model,
// read from XGBoost's JSON model format (internal to the targeting module).
//
// Why not XGBoost's own predictor: per-row prediction through the C API
// builds a DMatrix per call, takes a lock, and costs microseconds; this walks
// flat arrays, is safe to share between threads, and gives the same margins
// (tested against XGBoost to 1e-5).
#pragma once

#include <cmath>
#include <cstddef>
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
  // Probabilities of `count` rows of `stride` floats each. Walks the trees in
  // the outer loop over blocks of rows, so each tree stays in cache while a
  // block passes through it: several times faster than row by row for
  // forests larger than the cache.
  void Probabilities(const float* rows, size_t count, size_t stride, double* out) const;
  // Path attribution (Saabas; XGBoost's approx_contribs, tested equal to it):
  // walking each tree from the root, the change in the node's cover-weighted
  // mean leaf value at each split is credited to the split's feature.
  // `out` receives features() + 1 values: one per feature, then the bias (the
  // base margin plus every root's mean). They add up to Margin() exactly.
  // With `margin`, the same walk also gives Margin(), bit for bit (the leaf
  // values added in the same order), so scoring a row does not walk it twice.
  void Contributions(const float* features, double* out, double* margin = nullptr) const;
  // Contributions of `count` rows of `stride` floats each into `out`
  // (count × (features() + 1) values) and their margins, with the trees in
  // the outer loop as in Probabilities. Equal, bit for bit, to calling
  // Contributions row by row: each row's values are added in the same order.
  void Contributions(const float* rows, size_t count, size_t stride, double* out,
                     double* margins) const;

  size_t trees() const { return tree_roots_.size(); }
  size_t features() const { return feature_count_; }

 private:
  // The right child is always left + 1: trees are re-laid out breadth first
  // with siblings side by side. A leaf points to itself, so a walk can take a
  // tree's full depth in steps without testing for leaves, and several rows
  // can walk in lockstep.
  //
  // Missing values without a branch: a row is first widened (Widen) to two
  // columns per feature, the first with a missing value as -inf (so it goes
  // left at every split), the second as +inf (right); a split reads the
  // column of its default direction, and a step is one comparison. A leaf
  // reads a last column that is always 0, below its +inf threshold. Split
  // thresholds are finite (checked on load), so this is exactly XGBoost's
  // rule: missing → the default side, else left when x < threshold.
  // A node's `value` is its cover-weighted mean leaf value (for a leaf, its
  // leaf value), kept as float as XGBoost keeps it: attribution then reads
  // nothing but the nodes a walk already touches.
  struct Node {
    float threshold = 0;  // go left when x < threshold
    uint32_t left = 0;    // index of the left child in nodes_ (itself for a leaf)
    uint32_t column = 0;  // in a widened row: 2 × feature (+ 1 when missing goes right)
    float value = 0;      // the leaf value; for an inner node, the mean below it
  };

  size_t widened_columns() const { return 2 * feature_count_ + 1; }
  // Writes widened_columns() floats for one row of features() values.
  void Widen(const float* features, float* widened) const;
  // Widens `count` rows of `stride` floats into `widened` (resized).
  void WidenRows(const float* rows, size_t count, size_t stride, std::vector<float>& widened) const;

  static uint32_t Step(const Node* nodes, uint32_t index, const float* widened) {
    const Node& node = nodes[index];
    return node.left + static_cast<uint32_t>(!(widened[node.column] < node.threshold));
  }
  // The feature a split credits in Contributions (features() for a leaf: the
  // bias slot, credited 0).
  static uint32_t FeatureOf(const Node& node) { return node.column >> 1; }

  std::vector<Node> nodes_;            // all trees, each tree's nodes contiguous
  std::vector<uint32_t> tree_roots_;   // offset of each tree's root in nodes_
  std::vector<uint32_t> tree_depths_;  // steps from the root to the deepest leaf
  double base_margin_ = 0;
  size_t feature_count_ = 0;
};

}  // namespace cordon::targeting::internal
