// Internal to the stats module: which cells of a quarterly exchange document
// are withheld (docs/stats.md "Suppression").
//
// Primary suppression drops every cell with fewer than min_cases distinct
// cases. Secondary (complementary) suppression then protects the dropped
// cells against subtraction: articles and value add up along *relations*, a
// parent cell equal to the sum of its child cells (the total and each
// one-dimensional breakdown; a route and its route x category cells; a
// category and its route x category cells). A relation with exactly one
// withheld member gives that member away (parent minus the published
// children, or the sum of the published children), so until no relation has
// exactly one withheld member, the smallest published child of such a
// relation is withheld too (its parent when no child is left). Afterwards
// every complement that is not needed any more is published again (in the
// reverse order of withholding), so each remaining complement protects some
// relation.
//
// This defeats subtraction, also chained (a figure learnt from one relation
// used in the next): no relation ever has a single unknown. It does not
// bound what linear programming over all relations together (with
// non-negativity) can narrow a withheld figure down to; that needs
// protection intervals as tau-argus computes them.
//
// Pure functions; thread-compatible.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cordon::stats_internal {

struct TableCell {
  std::string breakdown;                                  // "total", "route", ...
  std::vector<std::pair<std::string, std::string>> keys;  // dimension -> value ("" unknown)
  long long cases = 0;
  long long articles = 0;
  long long value_cents = 0;
};

// A published parent and the children that add up to it, as indexes into
// the cells.
struct Relation {
  size_t parent = 0;
  std::vector<size_t> children;
};

// One additive link between two breakdowns: every cell of `child` adds into
// the cell of `parent` whose keys are its keys restricted to the parent's
// dimensions.
struct BreakdownLink {
  std::string parent;
  std::string child;
};

// The relations over `cells` along `links`, in the links' order, then the
// parent cells' order; children in the cells' order. A parent without
// children forms no relation.
std::vector<Relation> RelationsOf(const std::vector<TableCell>& cells,
                                  const std::vector<BreakdownLink>& links);

struct SuppressionPlan {
  std::vector<bool> withheld;  // per cell
  long long primary = 0;       // cells with fewer than min_cases cases
  long long secondary = 0;     // complements
};

// Which cells to withhold. Deterministic: the same cells in the same order
// give the same plan. The complement of a relation is its published child
// with the fewest cases, then fewest articles, then least value, then first
// in the cells' order; a child whose articles or value is 0 (it would hide
// nothing of that figure) is taken only when no other is left.
SuppressionPlan PlanSuppression(const std::vector<TableCell>& cells,
                                const std::vector<Relation>& relations, long long min_cases);

}  // namespace cordon::stats_internal
