#include "stats/suppression.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace cordon::stats_internal {

std::vector<Relation> RelationsOf(const std::vector<TableCell>& cells,
                                  const std::vector<BreakdownLink>& links) {
  using Keys = std::vector<std::pair<std::string, std::string>>;
  std::vector<Relation> relations;
  for (const BreakdownLink& link : links) {
    std::map<Keys, size_t> relation_of_parent;
    std::set<std::string> parent_dims;
    std::vector<Relation> found;
    for (size_t index = 0; index < cells.size(); ++index) {
      if (cells[index].breakdown != link.parent) continue;
      for (const auto& [dim, value] : cells[index].keys) parent_dims.insert(dim);
      relation_of_parent.emplace(cells[index].keys, found.size());
      found.push_back(Relation{index, {}});
    }
    for (size_t index = 0; index < cells.size(); ++index) {
      if (cells[index].breakdown != link.child) continue;
      Keys projected;
      for (const auto& key : cells[index].keys) {
        if (parent_dims.count(key.first)) projected.push_back(key);
      }
      auto parent = relation_of_parent.find(projected);
      if (parent != relation_of_parent.end()) found[parent->second].children.push_back(index);
    }
    for (Relation& relation : found) {
      if (!relation.children.empty()) relations.push_back(std::move(relation));
    }
  }
  return relations;
}

SuppressionPlan PlanSuppression(const std::vector<TableCell>& cells,
                                const std::vector<Relation>& relations, long long min_cases) {
  SuppressionPlan plan;
  plan.withheld.assign(cells.size(), false);
  for (size_t index = 0; index < cells.size(); ++index) {
    if (cells[index].cases < min_cases) {
      plan.withheld[index] = true;
      ++plan.primary;
    }
  }
  auto withheld_members = [&](const Relation& relation) {
    long long count = plan.withheld[relation.parent] ? 1 : 0;
    for (size_t child : relation.children) count += plan.withheld[child] ? 1 : 0;
    return count;
  };
  // The complement order: hides something of both figures, then smallest,
  // then first in the document.
  auto rank = [&](size_t index) {
    const TableCell& cell = cells[index];
    return std::make_tuple(cell.articles == 0 || cell.value_cents == 0, cell.cases, cell.articles,
                           cell.value_cents, index);
  };

  // Withhold complements until no relation has exactly one withheld member.
  // Each pass withholds at least one more cell or ends, so this stops after
  // at most cells.size() passes.
  std::vector<size_t> complements;
  bool changed = true;
  while (changed) {
    changed = false;
    for (const Relation& relation : relations) {
      if (withheld_members(relation) != 1) continue;
      std::optional<size_t> chosen;
      for (size_t child : relation.children) {
        if (!plan.withheld[child] && (!chosen || rank(child) < rank(*chosen))) chosen = child;
      }
      // No published child left: the withheld one is the only child, or the
      // parent's figures are the sum of the published children.
      const size_t complement = chosen.value_or(relation.parent);
      plan.withheld[complement] = true;
      complements.push_back(complement);
      changed = true;
    }
  }

  // Publish again each complement whose every relation keeps at least two
  // withheld members without it. Later complements first: they were chosen
  // with more of the pattern in place. Removing one only lowers counts of
  // relations holding three or more, so a complement kept here (some
  // relation holds exactly it and one other) stays needed.
  std::vector<std::vector<size_t>> relations_of(cells.size());
  std::vector<long long> withheld_count(relations.size());
  for (size_t index = 0; index < relations.size(); ++index) {
    relations_of[relations[index].parent].push_back(index);
    for (size_t child : relations[index].children) relations_of[child].push_back(index);
    withheld_count[index] = withheld_members(relations[index]);
  }
  for (auto complement = complements.rbegin(); complement != complements.rend(); ++complement) {
    const std::vector<size_t>& linked = relations_of[*complement];
    bool needed = std::any_of(linked.begin(), linked.end(),
                              [&](size_t relation) { return withheld_count[relation] == 2; });
    if (needed) {
      ++plan.secondary;
      continue;
    }
    plan.withheld[*complement] = false;
    for (size_t relation : linked) --withheld_count[relation];
  }
  return plan;
}

}  // namespace cordon::stats_internal
