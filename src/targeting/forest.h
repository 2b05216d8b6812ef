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
#include <new>
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

  // The leaf each of `count` rows of `stride` floats reaches in every tree
  // (count × trees() values, each row's together) and the rows' margins,
  // walked as Probabilities walks them. ContributionsOfLeaves then gives a
  // row's Contributions from its leaves without walking the trees again: the
  // attribution of a row in a tree depends only on the leaf it reaches.
  void Leaves(const float* rows, size_t count, size_t stride, uint32_t* leaves,
              double* margins) const;
  // Contributions of `count` rows from their leaves (count × trees() values
  // as Leaves writes them) into `out` (count × (features() + 1) values),
  // equal bit for bit to Contributions of those rows.
  void ContributionsOfLeaves(const uint32_t* leaves, size_t count, double* out) const;

  size_t trees() const { return trees_.size(); }
  size_t features() const { return feature_count_; }

  // Walks use AVX-512 kernels when the processor has them and this is on
  // (the default); tests turn it off to check both give the same results.
  // CORDON_FOREST_SCALAR in the environment turns them off for good.
  static void SetVectorWalk(bool enabled);
  static bool VectorWalkAvailable();

 private:
  // Every tree is laid out by levels, so that every walk takes exactly the
  // tree's depth in steps and rows can walk it in lockstep: a leaf above the
  // deepest level is carried down by a chain of pass-through splits, one per
  // level, that send every row left. A split's children are side by side
  // (`child`, child + 1); the splits of one level are contiguous, in order;
  // a split on the last level points into the tree's leaves.
  //
  // Missing values without a branch: a row is first widened (Widen) to two
  // columns per feature, the first with a missing value as -inf (so it goes
  // left at every split), the second as +inf (right); a split reads the
  // column of its default direction, and a step is one comparison. A
  // pass-through split reads a last column that is always 0, below its +inf
  // threshold. Split thresholds are finite (checked on load), so this is
  // exactly XGBoost's rule: missing → the default side, else left when
  // x < threshold.
  struct Tree {
    uint32_t depth = 0;   // steps from the root to every leaf
    uint32_t splits = 0;  // offset of the tree's splits in thresholds_, columns_, children_
    uint32_t leaves = 0;  // offset of its leaves in leaf_values_
    uint32_t paths = 0;   // offset of its leaves' path records in paths_
    uint32_t levels = 0;  // offset of its depth + 1 level starts in level_starts_
  };

  size_t widened_columns() const { return 2 * feature_count_ + 1; }
  // Writes widened_columns() floats for one row of features() values.
  void Widen(const float* features, float* widened) const;
  // Widens `count` rows of `stride` floats into `widened` (resized).
  void WidenRows(const float* rows, size_t count, size_t stride, std::vector<float>& widened) const;
  // Walks at most kBlock widened rows through every tree: adds each row's
  // leaf values to `margins` (tree by tree), and with `leaves`, writes the
  // leaf of row r in tree t to leaves[r * trees() + t].
  void WalkBlock(const float* widened, size_t count, double* margins, uint32_t* leaves) const;
  // The tree-local leaf of each of `count` (at most kBlock) widened rows.
  void WalkTreeScalar(const Tree& tree, const float* widened, size_t count, uint32_t* out) const;
  void WalkTreeVector(const Tree& tree, const float* widened, size_t count, uint32_t* out) const;
  // A few rows, one at a time, each through 32 trees at once: as WalkBlock.
  void WalkRowsAcrossTrees(const float* widened, size_t count, double* margins,
                           uint32_t* leaves) const;

  static constexpr size_t kBlock = 64;  // a block's widened rows stay in L1

  std::vector<Tree> trees_;
  // Splits of all trees (each tree's contiguous, its indices tree-local).
  std::vector<float> thresholds_;   // go left when x < threshold
  std::vector<uint32_t> columns_;   // in a widened row: 2 × feature (+ 1 when missing goes right)
  std::vector<uint32_t> children_;  // the left child (a split, or on the last level a leaf)
  std::vector<uint32_t> level_starts_;  // per tree, the first split of each level, then the count
  std::vector<float> leaf_values_;      // per leaf, as XGBoost keeps it
  // Path attribution per leaf: walking from the root to the leaf, the change
  // in the cover-weighted mean leaf value (kept as float, as XGBoost keeps
  // it) at each split is credited to the split's feature. Every leaf of a
  // tree of depth d has a record of PathBytes(d) bytes in paths_: the d + 1
  // means from the root's to the leaf's (float), then d features (uint16).
  // A path shorter than d ends in pass-throughs that credit 0 to the bias
  // slot, which leaves the bias unchanged (it starts at a logarithm and is
  // never -0). A row's attribution thus needs only its leaves, one record
  // each, on one cache line for depths up to 10.
  static size_t PathBytes(uint32_t depth);
  // Adds the credits of `count` rows' leaves in one tree (records[r] the
  // record of row r's leaf) to their rows of `out`.
  template <uint32_t kDepth>
  static void AddPaths(const unsigned char* const* records, size_t count, uint32_t depth,
                       double* out, size_t width);
  template <typename T>
  struct CacheLineAllocator {
    using value_type = T;
    CacheLineAllocator() = default;
    template <typename U>
    CacheLineAllocator(const CacheLineAllocator<U>&) {}  // NOLINT: an allocator converts
    T* allocate(size_t count) {
      return static_cast<T*>(::operator new (count * sizeof(T), std::align_val_t{64}));
    }
    void deallocate(T* pointer, size_t) { ::operator delete (pointer, std::align_val_t{64}); }
    bool operator==(const CacheLineAllocator&) const { return true; }
  };
  std::vector<unsigned char, CacheLineAllocator<unsigned char>> paths_;
  double base_margin_ = 0;
  double bias_ = 0;  // the base margin plus every root's mean, tree by tree
  size_t feature_count_ = 0;
};

}  // namespace cordon::targeting::internal
