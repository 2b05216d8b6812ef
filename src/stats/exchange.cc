// The quarterly exchange: the document format (docs/stats.md "The quarterly
// exchange"), the export with primary and secondary suppression, the partner
// import and the joint view.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>

#include "core/codes.h"
#include "core/digest.h"
#include "stats/stats_internal.h"
#include "stats/suppression.h"

namespace cordon {
namespace {

using json = nlohmann::json;

constexpr char kFormatName[] = "cordon-seizure-statistics";
constexpr size_t kMaxCells = 200000;

struct Breakdown {
  const char* name;
  std::vector<std::string> dims;
};

// The breakdowns every document carries, in this order.
const std::vector<Breakdown>& Breakdowns() {
  static const std::vector<Breakdown> breakdowns = {
      {"total", {}},
      {"route", {"origin", "destination"}},
      {"product_category", {"product_category"}},
      {"ipr_type", {"ipr_type"}},
      {"transport_mode", {"transport_mode"}},
      {"route_product_category", {"origin", "destination", "product_category"}},
  };
  return breakdowns;
}

// Where the breakdowns add up (articles and value; cases are distinct cases
// and need not): every record falls into exactly one cell of each breakdown
// (an unknown origin, destination or transport mode is a cell of its own,
// and a record line has one category and one IPR type), so each
// one-dimensional breakdown adds up to the total, and the route x category
// cells of a route (of a category) add up to that route's (category's)
// cell. The route x category cells then add up to the total as well; the
// secondary suppression over these links covers that sum too
// (docs/stats.md "Suppression").
const std::vector<stats_internal::BreakdownLink>& BreakdownLinks() {
  static const std::vector<stats_internal::BreakdownLink> links = {
      {"total", "route"},
      {"total", "product_category"},
      {"total", "ipr_type"},
      {"total", "transport_mode"},
      {"route", "route_product_category"},
      {"product_category", "route_product_category"},
  };
  return links;
}

const Breakdown* FindBreakdown(const std::string& name) {
  for (const Breakdown& breakdown : Breakdowns()) {
    if (name == breakdown.name) return &breakdown;
  }
  return nullptr;
}

constexpr std::array<std::string_view, 7> kTransportModes = {"sea",    "air",     "road", "rail",
                                                             "postal", "express", "passenger"};
constexpr std::array<std::string_view, 9> kIprTypes = {
    "trademark",     "design",        "copyright",  "patent",     "geographical_indication",
    "plant_variety", "utility_model", "topography", "trade_name"};

// Whether `value` is valid for dimension `dim` ("" is unknown, always valid).
bool ValidValue(const std::string& dim, const std::string& value) {
  if (value.empty()) return true;
  if (dim == "origin" || dim == "destination" || dim == "dispatch") return IsCountryCode(value);
  if (dim == "product_category") return IsProductCategory(value);
  if (dim == "ipr_type") {
    return std::find(kIprTypes.begin(), kIprTypes.end(), value) != kIprTypes.end();
  }
  if (dim == "transport_mode") {
    return std::find(kTransportModes.begin(), kTransportModes.end(), value) !=
           kTransportModes.end();
  }
  return false;
}

// The taxonomy the document's product categories belong to.
json TaxonomyJson() {
  return {{"product_categories", "cordon-seizure-product-categories"}, {"version", 1}};
}

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string KeyText(const ExchangeCell& cell) {
  std::string text = cell.breakdown;
  for (const auto& [dim, value] : cell.keys) text += "|" + dim + "=" + value;
  return text;
}

}  // namespace

json StatisticsExchangeToJson(const StatisticsExchange& exchange) {
  json cells = json::array();
  for (const ExchangeCell& cell : exchange.cells) {
    json keys = json::object();
    for (const auto& [dim, value] : cell.keys) keys[dim] = value.empty() ? json(nullptr) : json(value);
    cells.push_back({{"breakdown", cell.breakdown},
                     {"keys", std::move(keys)},
                     {"cases", cell.cases},
                     {"articles", cell.articles},
                     {"value_eur", cell.value_eur}});
  }
  json suppression = {{"min_cases", exchange.min_cases},
                      {"suppressed_cells", exchange.suppressed_cells}};
  if (exchange.format_version >= 2) {
    suppression["primary_cells"] = exchange.primary_cells;
    suppression["secondary_cells"] = exchange.secondary_cells;
  }
  return {{"format", kFormatName},
          {"format_version", exchange.format_version},
          {"reporting_country", exchange.reporting_country},
          {"quarter", exchange.quarter},
          {"period",
           {{"from", FormatDate(exchange.period_from)}, {"to", FormatDate(exchange.period_to)}}},
          {"generated_at", exchange.generated_at},
          {"taxonomy", TaxonomyJson()},
          {"suppression", std::move(suppression)},
          {"cells", std::move(cells)}};
}

Result<StatisticsExchange> ParseStatisticsExchange(const json& document) {
  std::vector<FieldError> errors;
  if (!document.is_object()) return InvalidInput("the statistics document must be a JSON object");
  auto text = [&](const json& object, const char* name, const std::string& path) -> std::string {
    auto found = object.find(name);
    if (found == object.end() || !found->is_string()) {
      errors.push_back({path, "must be a string"});
      return "";
    }
    return found->get<std::string>();
  };
  auto integer = [&](const json& object, const char* name, const std::string& path,
                     long long minimum) -> long long {
    auto found = object.find(name);
    if (found == object.end() || !found->is_number_integer() || found->get<long long>() < minimum) {
      errors.push_back({path, fmt::format("must be an integer >= {}", minimum)});
      return minimum;
    }
    return found->get<long long>();
  };
  static const std::set<std::string> kTopLevel = {
      "format",      "format_version", "reporting_country", "quarter", "period",
      "generated_at", "taxonomy",      "suppression",       "cells"};
  for (const auto& [name, value] : document.items()) {
    if (!kTopLevel.count(name)) errors.push_back({name, "is not a field of the format"});
  }
  StatisticsExchange exchange;
  if (text(document, "format", "format") != kFormatName) {
    errors.push_back({"format", fmt::format("must be \"{}\"", kFormatName)});
  }
  exchange.format_version = static_cast<int>(integer(document, "format_version", "format_version", 1));
  if (exchange.format_version < kOldestStatisticsFormatVersion ||
      exchange.format_version > kStatisticsFormatVersion) {
    errors.push_back(
        {"format_version", fmt::format("version {} is not supported (this Cordon "
                                       "reads versions {} to {})",
                                       exchange.format_version, kOldestStatisticsFormatVersion,
                                       kStatisticsFormatVersion)});
    return InvalidInput("unsupported statistics document", std::move(errors));
  }
  exchange.reporting_country = text(document, "reporting_country", "reporting_country");
  if (!exchange.reporting_country.empty() && !IsCountryCode(exchange.reporting_country)) {
    errors.push_back({"reporting_country", "must be an ISO 3166-1 alpha-2 country code"});
  }
  exchange.quarter = text(document, "quarter", "quarter");
  std::optional<std::pair<Date, Date>> quarter = ParseQuarter(exchange.quarter);
  if (!quarter && !exchange.quarter.empty()) errors.push_back({"quarter", "must be YYYYQn"});
  const json* period = document.contains("period") ? &document["period"] : nullptr;
  if (period == nullptr || !period->is_object()) {
    errors.push_back({"period", "must be {\"from\",\"to\"}"});
  } else if (quarter) {
    exchange.period_from = quarter->first;
    exchange.period_to = quarter->second;
    // Compared as JSON values: a "from" that is no string (a number) is
    // simply not the quarter's first day.
    if (*period !=
        json{{"from", FormatDate(quarter->first)}, {"to", FormatDate(quarter->second)}}) {
      errors.push_back({"period", "must be {\"from\",\"to\"}: the quarter's first and last day"});
    }
  }
  // The categories are Cordon's taxonomy (data/stats/product_categories.json);
  // a document of another taxonomy cannot be read against it.
  if (!document.contains("taxonomy") || document["taxonomy"] != TaxonomyJson()) {
    errors.push_back({"taxonomy", "must be " + TaxonomyJson().dump()});
  }
  exchange.generated_at = text(document, "generated_at", "generated_at");
  if (!exchange.generated_at.empty() && !ParseTimestamp(exchange.generated_at)) {
    errors.push_back({"generated_at", "must be an RFC 3339 timestamp"});
  }
  const json* suppression = document.contains("suppression") ? &document["suppression"] : nullptr;
  // Version 2 added the split of the suppressed cells into primary and
  // secondary; version 1 knows only their sum.
  const bool split = exchange.format_version >= 2;
  if (suppression == nullptr || !suppression->is_object()) {
    errors.push_back({"suppression", split ? "must be {\"min_cases\",\"suppressed_cells\","
                                             "\"primary_cells\",\"secondary_cells\"}"
                                           : "must be {\"min_cases\",\"suppressed_cells\"}"});
  } else {
    for (const auto& [name, unused] : suppression->items()) {
      if (name != "min_cases" && name != "suppressed_cells" &&
          !(split && (name == "primary_cells" || name == "secondary_cells"))) {
        errors.push_back({"suppression." + name, fmt::format("is not a field of format version {}",
                                                             exchange.format_version)});
      }
    }
    exchange.min_cases =
        static_cast<int>(integer(*suppression, "min_cases", "suppression.min_cases", 1));
    exchange.suppressed_cells =
        integer(*suppression, "suppressed_cells", "suppression.suppressed_cells", 0);
    if (split) {
      const size_t before = errors.size();
      exchange.primary_cells =
          integer(*suppression, "primary_cells", "suppression.primary_cells", 0);
      exchange.secondary_cells =
          integer(*suppression, "secondary_cells", "suppression.secondary_cells", 0);
      if (errors.size() == before &&
          exchange.primary_cells + exchange.secondary_cells != exchange.suppressed_cells) {
        errors.push_back(
            {"suppression.suppressed_cells", "must be primary_cells + secondary_cells"});
      }
    } else {
      exchange.primary_cells = exchange.suppressed_cells;
    }
  }
  const json* cells = document.contains("cells") ? &document["cells"] : nullptr;
  if (cells == nullptr || !cells->is_array()) {
    errors.push_back({"cells", "must be an array"});
  } else if (cells->size() > kMaxCells) {
    errors.push_back({"cells", fmt::format("must hold at most {} cells", kMaxCells)});
  } else {
    std::set<std::string> seen;
    for (size_t index = 0; index < cells->size(); ++index) {
      std::string path = fmt::format("cells[{}]", index);
      const json& item = (*cells)[index];
      if (!item.is_object()) {
        errors.push_back({path, "must be an object"});
        continue;
      }
      size_t before = errors.size();
      ExchangeCell cell;
      cell.breakdown = text(item, "breakdown", path + ".breakdown");
      const Breakdown* breakdown = FindBreakdown(cell.breakdown);
      if (breakdown == nullptr && !cell.breakdown.empty()) {
        errors.push_back({path + ".breakdown", "is not a breakdown of the format"});
      }
      const json* keys = item.contains("keys") ? &item["keys"] : nullptr;
      if (keys == nullptr || !keys->is_object()) {
        errors.push_back({path + ".keys", "must be an object"});
      } else if (breakdown != nullptr) {
        for (const std::string& dim : breakdown->dims) {
          auto found = keys->find(dim);
          if (found == keys->end() || !(found->is_string() || found->is_null())) {
            errors.push_back({path + ".keys." + dim, "must be a string or null (unknown)"});
            continue;
          }
          std::string value = found->is_null() ? "" : found->get<std::string>();
          if (!ValidValue(dim, value)) {
            errors.push_back({path + ".keys." + dim, fmt::format("\"{}\" is not a valid {}", value, dim)});
          }
          cell.keys.emplace_back(dim, value);
        }
        if (keys->size() != breakdown->dims.size()) {
          errors.push_back({path + ".keys", fmt::format("must hold exactly the {} breakdown's "
                                                        "dimensions",
                                                        cell.breakdown)});
        }
      }
      cell.cases = integer(item, "cases", path + ".cases", 0);
      if (errors.size() == before && cell.cases < exchange.min_cases) {
        errors.push_back({path + ".cases", fmt::format("{} is below the document's min_cases {}: "
                                                       "the cell should have been suppressed",
                                                       cell.cases, exchange.min_cases)});
      }
      cell.articles = integer(item, "articles", path + ".articles", 0);
      auto value = item.find("value_eur");
      if (value == item.end() || !value->is_number() || !(value->get<double>() >= 0) ||
          !std::isfinite(value->get<double>())) {
        errors.push_back({path + ".value_eur", "must be a number >= 0"});
      } else {
        cell.value_eur = value->get<double>();
      }
      for (const auto& [name, unused] : item.items()) {
        if (name != "breakdown" && name != "keys" && name != "cases" && name != "articles" &&
            name != "value_eur") {
          errors.push_back({path + "." + name, "is not a field of a cell"});
        }
      }
      if (errors.size() == before && !seen.insert(KeyText(cell)).second) {
        errors.push_back({path, "repeats an earlier cell"});
      }
      exchange.cells.push_back(std::move(cell));
    }
  }
  if (!errors.empty()) return InvalidInput("invalid statistics document", std::move(errors));
  return exchange;
}

std::string StatisticsExchangeToCsv(const StatisticsExchange& exchange) {
  std::string csv =
      "format_version,reporting_country,quarter,min_cases,breakdown,origin,destination,"
      "product_category,ipr_type,transport_mode,cases,articles,value_eur\n";
  for (const ExchangeCell& cell : exchange.cells) {
    std::map<std::string, std::string> keys(cell.keys.begin(), cell.keys.end());
    csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{:.2f}\n", exchange.format_version,
                       exchange.reporting_country, exchange.quarter, exchange.min_cases,
                       cell.breakdown, CsvField(keys["origin"]), CsvField(keys["destination"]),
                       CsvField(keys["product_category"]), CsvField(keys["ipr_type"]),
                       CsvField(keys["transport_mode"]), cell.cases, cell.articles,
                       cell.value_eur);
  }
  return csv;
}

Result<StatisticsExchange> StatsService::ExportQuarter(const Caller& caller,
                                                       const std::string& quarter, int min_cases) {
  CORDON_RETURN_IF_ERROR(stats_internal::CheckWriter(caller));
  std::optional<std::pair<Date, Date>> period = ParseQuarter(quarter);
  if (!period) return InvalidInput("invalid quarter", {{"quarter", "must be YYYYQn, e.g. 2025Q3"}});
  if (min_cases < 1) return InvalidInput("invalid threshold", {{"min_cases", "must be >= 1"}});
  CORDON_ASSIGN_OR_RETURN(auto cube, impl_->Cube(caller.org_id));
  std::string country = caller.country;
  CORDON_RETURN_IF_ERROR(impl_->store.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(Organisation org, tx.GetOrganisation(caller.org_id));
    country = org.country;
    return Status::Ok();
  }));
  StatisticsExchange exchange;
  exchange.reporting_country = country;
  exchange.quarter = quarter;
  exchange.period_from = period->first;
  exchange.period_to = period->second;
  exchange.min_cases = min_cases;
  exchange.generated_at = FormatTimestamp(impl_->clock.Now());
  // Every cell of the quarter, in the document's order: breakdowns as listed,
  // rows ordered by their keys.
  std::vector<stats_internal::TableCell> table_cells;
  for (const Breakdown& breakdown : Breakdowns()) {
    SeizureQuery query;
    query.group_by = breakdown.dims;
    query.from = period->first;
    query.to = period->second;
    SeizureTable table = cube->Aggregate(query);
    for (SeizureRow& row : table.rows) {
      stats_internal::TableCell cell;
      cell.breakdown = breakdown.name;
      for (size_t index = 0; index < breakdown.dims.size(); ++index) {
        cell.keys.emplace_back(breakdown.dims[index], std::move(row.keys[index]));
      }
      cell.cases = row.cases;
      cell.articles = row.articles;
      cell.value_cents = row.value_cents;
      table_cells.push_back(std::move(cell));
    }
  }
  // Small cells, and the complements that keep them from being computed by
  // subtraction, never leave the administration (docs/stats.md).
  stats_internal::SuppressionPlan plan = stats_internal::PlanSuppression(
      table_cells, stats_internal::RelationsOf(table_cells, BreakdownLinks()), min_cases);
  exchange.primary_cells = plan.primary;
  exchange.secondary_cells = plan.secondary;
  exchange.suppressed_cells = plan.primary + plan.secondary;
  for (size_t index = 0; index < table_cells.size(); ++index) {
    if (plan.withheld[index]) continue;
    stats_internal::TableCell& source = table_cells[index];
    ExchangeCell cell;
    cell.breakdown = std::move(source.breakdown);
    cell.keys = std::move(source.keys);
    cell.cases = source.cases;
    cell.articles = source.articles;
    cell.value_eur = stats_internal::Euros(source.value_cents);
    exchange.cells.push_back(std::move(cell));
  }
  return exchange;
}

Result<PartnerImportReport> PutPartnerStatisticsIn(WriteTx& tx, const std::string& org_id,
                                                   const StatisticsExchange& exchange,
                                                   Timestamp now) {
  CORDON_ASSIGN_OR_RETURN(Organisation org, tx.GetOrganisation(org_id));
  if (org.country == exchange.reporting_country) {
    return InvalidInput("this is the administration's own country",
                        {{"reporting_country", "must be a partner's country, not " + org.country}});
  }
  PartnerStatisticsRecord record;
  record.org_id = org_id;
  record.partner = exchange.reporting_country;
  record.quarter = exchange.quarter;
  // The document as parsed and re-serialised: the same figures give the same
  // bytes whatever the sender's whitespace or key order.
  record.body = StatisticsExchangeToJson(exchange).dump();
  record.sha256 = Sha256Hex(record.body);
  record.imported_at = now;
  PartnerImportReport report;
  report.partner = exchange.reporting_country;
  report.quarter = exchange.quarter;
  report.cells = static_cast<long long>(exchange.cells.size());
  CORDON_ASSIGN_OR_RETURN(report.changed, tx.PutPartnerStatistics(record));
  return report;
}

Result<PartnerImportReport> StatsService::ImportPartner(const Caller& caller,
                                                        const json& document) {
  CORDON_RETURN_IF_ERROR(stats_internal::CheckWriter(caller));
  CORDON_ASSIGN_OR_RETURN(StatisticsExchange exchange, ParseStatisticsExchange(document));
  const Timestamp now = impl_->clock.Now();
  PartnerImportReport report;
  CORDON_RETURN_IF_ERROR(impl_->store.Write([&](WriteTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(report, PutPartnerStatisticsIn(tx, caller.org_id, exchange, now));
    return Status::Ok();
  }));
  return report;
}

Result<json> StatsService::JointView(const Caller& caller, const std::string& breakdown_name,
                                     const std::string& from_quarter,
                                     const std::string& to_quarter) {
  CORDON_RETURN_IF_ERROR(stats_internal::CheckReader(caller));
  std::vector<FieldError> errors;
  if (breakdown_name != "route" && breakdown_name != "product_category") {
    errors.push_back({"by", "must be route or product_category"});
  }
  if (!from_quarter.empty() && !ParseQuarter(from_quarter)) {
    errors.push_back({"from_quarter", "must be YYYYQn"});
  }
  if (!to_quarter.empty() && !ParseQuarter(to_quarter)) {
    errors.push_back({"to_quarter", "must be YYYYQn"});
  }
  if (!errors.empty()) return InvalidInput("invalid joint view", std::move(errors));
  const Breakdown& breakdown = *FindBreakdown(breakdown_name);
  auto in_range = [&](const std::string& quarter) {
    return (from_quarter.empty() || quarter >= from_quarter) &&
           (to_quarter.empty() || quarter <= to_quarter);
  };

  // (quarter, keys...) -> {"own": ..., "partners": {country: ...}}
  std::map<std::vector<std::string>, json> rows;
  std::set<std::string> partners;
  std::vector<PartnerStatisticsRecord> documents;
  CORDON_RETURN_IF_ERROR(impl_->store.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(documents, tx.ListPartnerStatistics(Scope{caller.org_id}));
    return Status::Ok();
  }));
  std::map<std::string, int> threshold_of_quarter;
  for (const PartnerStatisticsRecord& document : documents) {
    if (!in_range(document.quarter)) continue;
    json body = json::parse(document.body, nullptr, false);
    CORDON_ASSIGN_OR_RETURN(StatisticsExchange exchange, ParseStatisticsExchange(body));
    partners.insert(exchange.reporting_country);
    threshold_of_quarter[exchange.quarter] =
        std::max(threshold_of_quarter[exchange.quarter], exchange.min_cases);
    for (const ExchangeCell& cell : exchange.cells) {
      if (cell.breakdown != breakdown.name) continue;
      std::vector<std::string> key = {exchange.quarter};
      for (const auto& [dim, value] : cell.keys) key.push_back(value);
      rows[key]["partners"][exchange.reporting_country] = {
          {"cases", cell.cases}, {"articles", cell.articles}, {"value", cell.value_eur}};
    }
  }
  CORDON_ASSIGN_OR_RETURN(auto cube, impl_->Cube(caller.org_id));
  SeizureQuery query;
  query.group_by = {"quarter"};
  query.group_by.insert(query.group_by.end(), breakdown.dims.begin(), breakdown.dims.end());
  if (!from_quarter.empty()) query.from = ParseQuarter(from_quarter)->first;
  if (!to_quarter.empty()) query.to = ParseQuarter(to_quarter)->second;
  for (const SeizureRow& row : cube->Aggregate(query).rows) {
    rows[row.keys]["own"] = {{"cases", row.cases},
                             {"articles", row.articles},
                             {"value", stats_internal::Euros(row.value_cents)}};
  }

  json items = json::array();
  for (auto& [key, figures] : rows) {
    json item = {{"quarter", key[0]}};
    for (size_t index = 0; index < breakdown.dims.size(); ++index) {
      item[breakdown.dims[index]] = key[index + 1].empty() ? json(nullptr) : json(key[index + 1]);
    }
    item["own"] = figures.contains("own") ? figures["own"] : json(nullptr);
    json partner_figures = json::object();
    for (const std::string& partner : partners) {
      partner_figures[partner] = figures.contains("partners") && figures["partners"].contains(partner)
                                     ? figures["partners"][partner]
                                     : json(nullptr);
    }
    item["partners"] = std::move(partner_figures);
    items.push_back(std::move(item));
  }
  json thresholds = json::object();
  for (const auto& [quarter, threshold] : threshold_of_quarter) thresholds[quarter] = threshold;
  return json{{"by", breakdown_name},
              {"partners", json(std::vector<std::string>(partners.begin(), partners.end()))},
              {"partner_min_cases", std::move(thresholds)},
              {"note",
               "a partner's null is a cell it did not report: none, or withheld (fewer cases "
               "than its min_cases, or a complement protecting such a cell)"},
              {"rows", std::move(items)}};
}

}  // namespace cordon
