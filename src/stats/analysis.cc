// The joint analysis: trends and anomalies, where to inspect, and the
// effectiveness of risk analysis (docs/stats.md "Analysis").
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "stats/stats_internal.h"

namespace cordon {
namespace {

using json = nlohmann::json;

// The expected level of a quarter is floored here, so a value never seen
// before is not "infinitely" anomalous with one case.
constexpr double kMinimumExpected = 0.5;

std::string ShiftQuarter(const std::string& quarter, int quarters) {
  int year = std::stoi(quarter.substr(0, 4));
  int index = year * 4 + (quarter[5] - '1') + quarters;
  return fmt::format("{:04}Q{}", index / 4, index % 4 + 1);
}

json Change(long long now, long long before) {
  if (before == 0) return nullptr;
  return std::round(1000.0 * static_cast<double>(now - before) / static_cast<double>(before)) / 10.0;
}

// Upper tail P(X >= x) of a count law given by its log-pmf, summed from x
// upwards until the terms no longer matter (both laws below are unimodal, so
// past the mode the terms fall geometrically).
template <typename LogPmf>
double UpperTail(long long x, double mean, LogPmf log_pmf) {
  if (x <= 0) return 1.0;
  if (static_cast<double>(x) <= mean) {
    double lower = 0;
    for (long long k = 0; k < x; ++k) lower += std::exp(log_pmf(k));
    return std::clamp(1.0 - lower, 0.0, 1.0);
  }
  double sum = 0;
  for (long long k = x; k < x + 100000; ++k) {
    double term = std::exp(log_pmf(k));
    sum += term;
    if (term < sum * 1e-15) break;
  }
  return std::clamp(sum, 0.0, 1.0);
}

double PoissonUpperTail(long long x, double lambda) {
  return UpperTail(x, lambda, [lambda](long long k) {
    return -lambda + static_cast<double>(k) * std::log(lambda) - std::lgamma(static_cast<double>(k) + 1);
  });
}

// Negative binomial with mean `mean` and size `r` (variance mean + mean^2/r).
double NegativeBinomialUpperTail(long long x, double mean, double r) {
  double p = r / (r + mean);
  return UpperTail(x, mean, [p, r](long long k) {
    double kd = static_cast<double>(k);
    return std::lgamma(kd + r) - std::lgamma(r) - std::lgamma(kd + 1) + r * std::log(p) +
           kd * std::log1p(-p);
  });
}

bool IsRecordDimension(const std::string& name) {
  return name != "month" && name != "quarter" && name != "year" &&
         std::find(SeizureDimensions().begin(), SeizureDimensions().end(), name) !=
             SeizureDimensions().end();
}

double Round(double value, int decimals) {
  double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

}  // namespace

Result<json> StatsService::Trends(const Caller& caller, const AnalysisOptions& options) {
  CORDON_RETURN_IF_ERROR(stats_internal::CheckReader(caller));
  std::vector<FieldError> errors;
  if (!IsRecordDimension(options.dimension)) {
    errors.push_back({"dimension", "must be a record dimension (office ... outcome)"});
  }
  if (options.quarter && !ParseQuarter(*options.quarter)) {
    errors.push_back({"quarter", "must be YYYYQn"});
  }
  if (options.history_quarters < 2 || options.history_quarters > 20) {
    errors.push_back({"history", "must be 2 to 20 prior quarters"});
  }
  if (!(options.alpha > 0 && options.alpha < 0.5)) {
    errors.push_back({"alpha", "must be between 0 and 0.5"});
  }
  if (!errors.empty()) return InvalidInput("invalid trend analysis", std::move(errors));
  CORDON_ASSIGN_OR_RETURN(auto cube, impl_->Cube(caller.org_id));
  SeizureQuery query;
  query.group_by = {"quarter", options.dimension};
  SeizureTable table = cube->Aggregate(query);
  if (table.rows.empty()) {
    return json{{"dimension", options.dimension}, {"quarter", nullptr}, {"values", json::array()},
                {"anomalies", json::array()}};
  }
  std::string first_quarter = table.rows.front().keys[0];
  std::string quarter = options.quarter.value_or(table.rows.back().keys[0]);
  std::map<std::string, std::map<std::string, const SeizureRow*>> by_value;  // value -> quarter
  for (const SeizureRow& row : table.rows) by_value[row.keys[1]][row.keys[0]] = &row;
  auto cases_in = [&](const std::string& value, const std::string& when) -> long long {
    auto found = by_value[value].find(when);
    return found == by_value[value].end() ? 0 : found->second->cases;
  };
  std::string previous = ShiftQuarter(quarter, -1);
  std::string year_before = ShiftQuarter(quarter, -4);
  // The history: the prior quarters the data covers, at most history_quarters.
  std::vector<std::string> history;
  for (int back = 1; back <= options.history_quarters; ++back) {
    std::string when = ShiftQuarter(quarter, -back);
    if (when < first_quarter) break;
    history.push_back(when);
  }

  json values = json::array();
  struct Tested {
    size_t index;
    double p_value;
  };
  std::vector<Tested> tested;
  for (const auto& [value, quarters] : by_value) {
    long long now = cases_in(value, quarter);
    json item = {{"value", value.empty() ? json(nullptr) : json(value)},
                 {"cases", now},
                 {"previous_quarter_cases", cases_in(value, previous)},
                 {"quarter_on_quarter_change_pct", Change(now, cases_in(value, previous))},
                 {"year_before_cases", cases_in(value, year_before)},
                 {"year_on_year_change_pct", Change(now, cases_in(value, year_before))}};
    if (auto found = quarters.find(quarter); found != quarters.end()) {
      item["articles"] = found->second->articles;
      item["value_eur"] = stats_internal::Euros(found->second->value_cents);
    }
    if (history.size() >= 2) {
      double sum = 0;
      json counts = json::array();
      for (const std::string& when : history) {
        counts.push_back(cases_in(value, when));
        sum += static_cast<double>(cases_in(value, when));
      }
      double mean = sum / static_cast<double>(history.size());
      double variance = 0;
      for (const std::string& when : history) {
        variance += std::pow(static_cast<double>(cases_in(value, when)) - mean, 2);
      }
      variance /= static_cast<double>(history.size() - 1);
      double expected = std::max(mean, kMinimumExpected);
      // Overdispersed history (variance above the mean): negative binomial
      // with the method-of-moments size; otherwise Poisson.
      bool overdispersed = variance > mean && mean > 0;
      double p_value = overdispersed
                           ? NegativeBinomialUpperTail(now, expected, mean * mean / (variance - mean))
                           : PoissonUpperTail(now, expected);
      item["history"] = counts;
      item["expected"] = Round(expected, 3);
      item["law"] = overdispersed ? "negative_binomial" : "poisson";
      item["p_value"] = p_value;
      if (now > expected) tested.push_back({values.size(), p_value});
    }
    values.push_back(std::move(item));
  }
  // Bonferroni over the values tested (those above their expected level).
  size_t tests = std::max<size_t>(1, tested.size());
  double threshold = options.alpha / static_cast<double>(tests);
  json anomalies = json::array();
  std::sort(tested.begin(), tested.end(),
            [](const Tested& a, const Tested& b) { return a.p_value < b.p_value; });
  for (json& item : values) item["anomaly"] = false;
  for (const Tested& test : tested) {
    if (test.p_value >= threshold) continue;
    values[test.index]["anomaly"] = true;
    anomalies.push_back(values[test.index]);
  }
  return json{
      {"dimension", options.dimension},
      {"quarter", quarter},
      {"previous_quarter", previous},
      {"year_before", year_before},
      {"history_quarters", json(history)},
      {"test",
       {{"description",
         "one-sided test per value: P(X >= cases) under the expected level, the mean of the "
         "prior quarters (at least " + fmt::format("{}", kMinimumExpected) +
             "); Poisson, or negative binomial (method of moments) when the prior quarters "
             "vary more than Poisson allows; anomaly when the p-value is below alpha divided "
             "by the number of values tested (Bonferroni)"},
        {"alpha", options.alpha},
        {"values_tested", tested.size()},
        {"threshold", threshold},
        {"applicable", history.size() >= 2}}},
      {"values", std::move(values)},
      {"anomalies", std::move(anomalies)}};
}

Result<json> StatsService::Incidence(const Caller& caller, const CapacityOptions& options) {
  CORDON_RETURN_IF_ERROR(stats_internal::CheckReader(caller));
  Date to = options.to.value_or(impl_->clock.Today());
  Date from = options.from.value_or(AddDays(to, -364));
  if (to < from) return InvalidInput("invalid period", {{"to", "must not be before from"}});
  if (options.capacity < 0) return InvalidInput("invalid capacity", {{"capacity", "must be >= 0"}});
  std::vector<ScreeningTally> tallies;
  CORDON_RETURN_IF_ERROR(impl_->store.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(
        tallies, tx.TallyScreenings(Scope{caller.org_id}, std::chrono::sys_days(from),
                                    std::chrono::sys_days(AddDays(to, 1))));
    return Status::Ok();
  }));
  struct Office {
    long long declarations = 0;
    long long inspected = 0;
    long long infringing = 0;
    long long detentions = 0;
    long long articles = 0;
  };
  std::map<std::string, Office> offices;
  for (const ScreeningTally& tally : tallies) {
    if (!tally.profile_id.empty()) continue;
    Office& office = offices[tally.office];
    office.declarations += tally.declarations;
    office.inspected += tally.inspected;
    office.infringing += tally.infringing;
  }
  CORDON_ASSIGN_OR_RETURN(auto cube, impl_->Cube(caller.org_id));
  SeizureQuery by_office;
  by_office.group_by = {"office"};
  by_office.from = from;
  by_office.to = to;
  for (const SeizureRow& row : cube->Aggregate(by_office).rows) {
    offices[row.keys[0]].detentions = row.cases;
    offices[row.keys[0]].articles = row.articles;
  }
  json office_items = json::array();
  long long total_declarations = 0;
  for (const auto& [code, office] : offices) {
    total_declarations += office.declarations;
    office_items.push_back(
        {{"office", code},
         {"declarations_screened", office.declarations},
         {"detentions", office.detentions},
         {"articles", office.articles},
         {"detentions_per_1000_declarations",
          office.declarations > 0
              ? json(Round(1000.0 * static_cast<double>(office.detentions) /
                               static_cast<double>(office.declarations),
                           3))
              : json(nullptr)},
         {"inspected", office.inspected},
         {"found_infringing", office.infringing}});
  }
  SeizureQuery by_route;
  by_route.group_by = {"origin", "destination"};
  by_route.from = from;
  by_route.to = to;
  json route_items = json::array();
  for (const SeizureRow& row : cube->Aggregate(by_route).rows) {
    route_items.push_back(
        {{"origin", row.keys[0].empty() ? json(nullptr) : json(row.keys[0])},
         {"destination", row.keys[1].empty() ? json(nullptr) : json(row.keys[1])},
         {"detentions", row.cases},
         {"articles", row.articles},
         {"detentions_per_1000_declarations",
          total_declarations > 0
              ? json(Round(1000.0 * static_cast<double>(row.cases) /
                               static_cast<double>(total_declarations),
                           3))
              : json(nullptr)}});
  }

  // The split: each inspection at office o finds an infringement with
  // probability r_o, estimated from the office's own findings with Laplace's
  // rule of succession, (found + 1) / (inspected + 2); an office cannot be
  // given more inspections than it screened declarations in the period.
  // Expected detections, the sum of r_o x_o, are linear in the split, so
  // filling the offices in decreasing r_o up to their cap is optimal (the
  // greedy solution of this knapsack-free linear programme).
  json allocation = json::array();
  double expected_total = 0;
  long long left = options.capacity;
  std::vector<std::pair<double, std::string>> order;
  for (const auto& [code, office] : offices) {
    if (office.declarations == 0) continue;
    order.push_back({static_cast<double>(office.infringing + 1) /
                         static_cast<double>(office.inspected + 2),
                     code});
  }
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (const auto& [rate, code] : order) {
    long long given = std::min(left, offices[code].declarations);
    left -= given;
    expected_total += rate * static_cast<double>(given);
    allocation.push_back({{"office", code},
                          {"inspections", given},
                          {"detection_rate_estimate", Round(rate, 4)},
                          {"expected_detections", Round(rate * static_cast<double>(given), 2)},
                          {"cap", offices[code].declarations}});
  }
  return json{
      {"from", FormatDate(from)},
      {"to", FormatDate(to)},
      {"offices", std::move(office_items)},
      {"routes", std::move(route_items)},
      {"routes_note",
       "screening records the office of a declaration, not its route: route incidence is per "
       "thousand of all declarations screened in the period"},
      {"capacity",
       {{"inspections", options.capacity},
        {"allocated", options.capacity - left},
        {"unallocated", left},
        {"expected_detections", Round(expected_total, 2)},
        {"allocation", std::move(allocation)},
        {"method",
         "each office's detection rate per inspection is estimated from its findings as "
         "(found infringing + 1) / (inspected + 2); inspections go to the offices with the "
         "highest rate first, each up to the declarations it screened in the period, which "
         "maximises the expected number of detections (the objective is linear in the split)"}}}};
}

Result<json> StatsService::Effectiveness(const Caller& caller, std::optional<Date> from,
                                         std::optional<Date> to) {
  CORDON_RETURN_IF_ERROR(stats_internal::CheckReader(caller));
  Date last = to.value_or(impl_->clock.Today());
  Date first = from.value_or(AddDays(last, -364));
  if (last < first) return InvalidInput("invalid period", {{"to", "must not be before from"}});
  std::vector<ScreeningTally> tallies;
  std::map<std::string, std::string> profile_names;
  CORDON_RETURN_IF_ERROR(impl_->store.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(
        tallies, tx.TallyScreenings(Scope{caller.org_id}, std::chrono::sys_days(first),
                                    std::chrono::sys_days(AddDays(last, 1))));
    CORDON_ASSIGN_OR_RETURN(std::vector<RiskProfileRecord> profiles,
                            tx.ListRiskProfiles(Scope{caller.org_id}));
    for (const RiskProfileRecord& profile : profiles) profile_names[profile.id] = profile.name;
    return Status::Ok();
  }));
  struct Counts {
    long long hits = 0;
    long long selected = 0;
    long long inspected = 0;
    long long infringing = 0;
  };
  std::map<std::string, Counts> by_profile;
  std::map<std::pair<long long, std::string>, Counts> by_profile_model;
  std::map<long long, Counts> by_model;
  for (const ScreeningTally& tally : tallies) {
    Counts& counts = tally.profile_id.empty() ? by_model[tally.model_version]
                                              : by_profile[tally.profile_id];
    counts.hits += tally.declarations;
    counts.selected += tally.selected;
    counts.inspected += tally.inspected;
    counts.infringing += tally.infringing;
    if (!tally.profile_id.empty()) {
      Counts& pair = by_profile_model[{tally.model_version, tally.profile_id}];
      pair.hits += tally.declarations;
      pair.selected += tally.selected;
      pair.inspected += tally.inspected;
      pair.infringing += tally.infringing;
    }
  }
  auto figures = [](const Counts& counts, json item) {
    item["inspected"] = counts.inspected;
    item["selected"] = counts.selected;
    item["found_infringing"] = counts.infringing;
    item["hit_rate"] = counts.inspected > 0
                           ? json(Round(static_cast<double>(counts.infringing) /
                                            static_cast<double>(counts.inspected),
                                        4))
                           : json(nullptr);
    return item;
  };
  json profiles = json::array();
  for (const auto& [id, counts] : by_profile) {
    auto name = profile_names.find(id);
    profiles.push_back(figures(counts, {{"profile_id", id},
                                        {"name", name == profile_names.end() ? json(nullptr)
                                                                             : json(name->second)},
                                        {"declarations_hit", counts.hits}}));
  }
  json models = json::array();
  for (const auto& [version, counts] : by_model) {
    models.push_back(figures(counts, {{"model_version", version == 0 ? json(nullptr) : json(version)},
                                      {"declarations_screened", counts.hits}}));
  }
  json pairs = json::array();
  for (const auto& [key, counts] : by_profile_model) {
    pairs.push_back(figures(counts, {{"model_version", key.first == 0 ? json(nullptr) : json(key.first)},
                                     {"profile_id", key.second},
                                     {"declarations_hit", counts.hits}}));
  }
  return json{{"from", FormatDate(first)},
              {"to", FormatDate(last)},
              {"hit_rate_definition", "found infringing / inspected (inspected: a finding is "
                                      "recorded)"},
              {"profiles", std::move(profiles)},
              {"model_versions", std::move(models)},
              {"profiles_by_model_version", std::move(pairs)}};
}

}  // namespace cordon
