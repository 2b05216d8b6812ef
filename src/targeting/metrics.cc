// Targeting metrics (docs/targeting.md, "Metrics").
#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>

#include "targeting/internal.h"
#include "targeting/targeting.h"

namespace cordon::targeting {
namespace {

// ceil(rate% × rows) computed so that exact products do not round up through
// floating-point noise (10 % of 100 rows is 10, not 11).
size_t SelectedCount(double rate_percent, size_t rows) {
  long double exact = static_cast<long double>(rate_percent) * rows / 100.0L;
  long double nearest = std::nearbyint(exact);
  if (std::fabs(exact - nearest) <= 1e-9L * std::max<long double>(1.0L, exact)) exact = nearest;
  size_t count = static_cast<size_t>(std::ceil(exact));
  return std::min(count, rows);
}

}  // namespace

Result<Metrics> Evaluate(std::span<const double> scores, std::span<const float> labels,
                         std::span<const double> revenue, std::span<const double> rates_percent) {
  if (labels.size() != scores.size()) {
    return InvalidInput("scores and labels differ in length", {{"labels", "length differs"}});
  }
  if (!revenue.empty() && revenue.size() != scores.size()) {
    return InvalidInput("scores and revenue differ in length", {{"revenue", "length differs"}});
  }
  for (double rate : rates_percent) {
    if (!(rate > 0 && rate <= 100)) {
      return InvalidInput("an inspection rate must be a percentage in (0, 100]",
                          {{"rates", "out of range"}});
    }
  }
  for (double score : scores) {
    if (std::isnan(score)) return InvalidInput("a score is NaN", {{"scores", "NaN"}});
  }
  Metrics metrics;
  metrics.rows = scores.size();
  for (float label : labels) metrics.positives += label > 0 ? 1 : 0;

  // Highest score first; equal scores keep input order (stable sort).
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return scores[a] > scores[b]; });

  size_t negatives = metrics.rows - metrics.positives;
  if (metrics.positives > 0 && negatives > 0) {
    // Mann-Whitney U from ascending ranks; a run of tied scores shares the
    // average of its ranks. `order` is descending, so rank = rows - position.
    long double positive_rank_sum = 0;
    size_t start = 0;
    while (start < order.size()) {
      size_t end = start;
      while (end < order.size() && scores[order[end]] == scores[order[start]]) ++end;
      // Positions start..end-1 (descending) have ascending ranks rows-end+1 .. rows-start.
      long double average_rank = (static_cast<long double>(metrics.rows - end + 1) +
                                  static_cast<long double>(metrics.rows - start)) /
                                 2.0L;
      for (size_t position = start; position < end; ++position) {
        if (labels[order[position]] > 0) positive_rank_sum += average_rank;
      }
      start = end;
    }
    long double positives = metrics.positives;
    long double u = positive_rank_sum - positives * (positives + 1) / 2.0L;
    metrics.auc = static_cast<double>(u / (positives * static_cast<long double>(negatives)));
  }

  long double total_revenue = 0;
  for (double value : revenue) total_revenue += std::isnan(value) ? 0 : value;
  for (double rate : rates_percent) {
    RateMetrics at;
    at.rate = rate;
    at.selected = SelectedCount(rate, metrics.rows);
    long double selected_revenue = 0;
    for (size_t position = 0; position < at.selected; ++position) {
      size_t row = order[position];
      if (labels[row] > 0) ++at.hits;
      if (!revenue.empty() && !std::isnan(revenue[row])) selected_revenue += revenue[row];
    }
    at.precision = at.selected == 0 ? 0.0 : static_cast<double>(at.hits) / at.selected;
    if (metrics.positives > 0) at.recall = static_cast<double>(at.hits) / metrics.positives;
    if (!revenue.empty()) {
      at.revenue = total_revenue == 0 ? 0.0 : static_cast<double>(selected_revenue / total_revenue);
    }
    metrics.at.push_back(at);
  }
  return metrics;
}

namespace internal {

std::string FormatRate(double rate_percent) {
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, rate_percent);
  if (error != std::errc()) return "?";
  return std::string(buffer, end);
}

nlohmann::ordered_json MetricsToJsonValue(const Metrics& metrics) {
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
  auto optional = [](const std::optional<double>& value) {
    return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
  };
  object["rows"] = metrics.rows;
  object["positives"] = metrics.positives;
  object["auc"] = optional(metrics.auc);
  nlohmann::ordered_json at_list = nlohmann::ordered_json::array();
  for (const RateMetrics& at : metrics.at) {
    at_list.push_back({{"rate", at.rate},
                       {"selected", at.selected},
                       {"hits", at.hits},
                       {"precision", at.precision},
                       {"recall", optional(at.recall)},
                       {"revenue", optional(at.revenue)}});
  }
  object["at"] = at_list;
  return object;
}

// Throws nlohmann::json::exception on a wrong type, std::invalid_argument on
// a count that is not a whole number; the model reader turns both into kCorrupt.
Result<Metrics> MetricsFromJsonValue(const nlohmann::ordered_json& value) {
  auto optional = [](const nlohmann::ordered_json& entry) -> std::optional<double> {
    if (entry.is_null()) return std::nullopt;
    return entry.get<double>();
  };
  Metrics metrics;
  metrics.rows = WholeNumber<size_t>(value.at("rows"), "rows");
  metrics.positives = WholeNumber<size_t>(value.at("positives"), "positives");
  metrics.auc = optional(value.at("auc"));
  for (const nlohmann::ordered_json& entry : value.at("at")) {
    RateMetrics at;
    at.rate = entry.at("rate").get<double>();
    at.selected = WholeNumber<size_t>(entry.at("selected"), "selected");
    at.hits = WholeNumber<size_t>(entry.at("hits"), "hits");
    at.precision = entry.at("precision").get<double>();
    at.recall = optional(entry.at("recall"));
    at.revenue = optional(entry.at("revenue"));
    metrics.at.push_back(at);
  }
  return metrics;
}

}  // namespace internal

std::string MetricsToJson(const Metrics& metrics) {
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
  auto optional = [](const std::optional<double>& value) {
    return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
  };
  object["rows"] = metrics.rows;
  object["positives"] = metrics.positives;
  object["auc"] = optional(metrics.auc);
  for (const RateMetrics& at : metrics.at) {
    std::string rate = internal::FormatRate(at.rate);
    object["precision@" + rate] = at.precision;
    object["recall@" + rate] = optional(at.recall);
    if (at.revenue) object["revenue@" + rate] = *at.revenue;
  }
  return object.dump();
}

}  // namespace cordon::targeting
