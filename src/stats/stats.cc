// The taxonomy, dimensions, query parsing, table formats and the case hook.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>

#include "stats/stats_internal.h"

namespace cordon {
namespace {

using json = nlohmann::json;

std::vector<ProductCategory> LoadTaxonomy() {
  // The embedded file is checked by a test; a broken one is a build error
  // in spirit, so this aborts loudly rather than limp on without categories.
  json document = json::parse(stats_internal::ProductCategoriesJson());
  std::vector<ProductCategory> categories;
  for (const json& entry : document.at("categories")) {
    categories.push_back({entry.at("id").get<std::string>(), entry.at("name").get<std::string>(),
                          entry.at("description").get<std::string>()});
  }
  return categories;
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    items.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return items;
}

// The statistics outcome of a case state (the rule sets' state names).
std::string OutcomeOfState(const std::string& state) {
  if (state == "destroyed" || state == "confiscated") return "destroyed";
  if (state == "released") return "released";
  if (state == "court_proceedings" || state == "handed_over") return "court";
  return "pending";
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

}  // namespace

namespace stats_internal {

Status CheckReader(const Caller& caller) {
  if (caller.org_kind == OrgKind::kCustoms &&
      (caller.role == Role::kAdmin || caller.role == Role::kRiskAnalyst ||
       caller.role == Role::kIprOfficer || caller.role == Role::kFrontlineOfficer)) {
    return Status::Ok();
  }
  return Forbidden(
      "seizure statistics are for an administration's admin, risk_analyst, ipr_officer and "
      "frontline_officer users");
}

Status CheckWriter(const Caller& caller) {
  if (caller.org_kind == OrgKind::kCustoms &&
      (caller.role == Role::kAdmin || caller.role == Role::kRiskAnalyst ||
       caller.role == Role::kIprOfficer)) {
    return Status::Ok();
  }
  return Forbidden(
      "importing and exporting statistics is for an administration's admin, risk_analyst and "
      "ipr_officer users");
}

double Euros(long long cents) { return static_cast<double>(cents) / 100.0; }

}  // namespace stats_internal

const std::vector<ProductCategory>& ProductCategories() {
  static const std::vector<ProductCategory> categories = LoadTaxonomy();
  return categories;
}

bool IsProductCategory(std::string_view id) {
  const std::vector<ProductCategory>& categories = ProductCategories();
  return std::any_of(categories.begin(), categories.end(),
                     [&](const ProductCategory& category) { return category.id == id; });
}

const std::vector<std::string>& SeizureDimensions() {
  static const std::vector<std::string> dimensions = {
      "office",           "reporting_country", "procedure", "transport_mode", "origin",
      "dispatch",         "destination",       "product_category", "ipr_type",
      "small_consignment", "e_commerce",       "outcome",   "month",          "quarter",
      "year"};
  return dimensions;
}

std::optional<std::pair<Date, Date>> ParseQuarter(std::string_view quarter) {
  if (quarter.size() != 6 || quarter[4] != 'Q' || quarter[5] < '1' || quarter[5] > '4') {
    return std::nullopt;
  }
  int year = 0;
  for (size_t index = 0; index < 4; ++index) {
    if (quarter[index] < '0' || quarter[index] > '9') return std::nullopt;
    year = year * 10 + (quarter[index] - '0');
  }
  if (year < 1900) return std::nullopt;
  unsigned first_month = static_cast<unsigned>(quarter[5] - '1') * 3 + 1;
  Date first{std::chrono::year(year), std::chrono::month(first_month), std::chrono::day(1)};
  Date last{std::chrono::year_month_day_last(
      std::chrono::year(year), std::chrono::month_day_last(std::chrono::month(first_month + 2)))};
  return std::make_pair(first, last);
}

std::string QuarterOf(Date day) {
  return fmt::format("{:04}Q{}", int(day.year()), (unsigned(day.month()) - 1) / 3 + 1);
}

Status RecordCaseSeizures(WriteTx& tx, const CaseRecord& record) {
  Scope scope{record.org_id};
  CORDON_ASSIGN_OR_RETURN(Organisation administration, tx.GetOrganisation(record.org_id));
  CORDON_ASSIGN_OR_RETURN(std::vector<CaseGoodsRecord> goods, tx.ListCaseGoods(scope, record.id));
  json body = json::parse(record.body, nullptr, false);
  if (!body.is_object()) return Corrupt("case " + record.id + " has a malformed body");
  auto text = [&](const char* name) {
    const json* value = body.contains(name) ? &body[name] : nullptr;
    return value && value->is_string() ? value->get<std::string>() : std::string();
  };
  std::optional<Date> detained_on = ParseDate(text("suspended_on"));
  if (!detained_on) return Corrupt("case " + record.id + " has no suspension date");
  std::vector<SeizureRecord> records;
  for (const CaseGoodsRecord& line : goods) {
    SeizureRecord seizure;
    seizure.org_id = record.org_id;
    seizure.case_id = record.id;
    seizure.line = line.ordinal + 1;
    seizure.source = "case";
    seizure.detained_on = *detained_on;
    seizure.office = record.office;
    seizure.reporting_country = administration.country;
    seizure.procedure = record.procedure;
    seizure.transport_mode = text("transport_mode");
    seizure.origin = text("origin");
    seizure.dispatch = text("dispatch");
    seizure.destination = text("destination");
    seizure.product_category = line.product_category;
    seizure.ipr_type = line.ipr_type;
    // Articles are whole units: a quantity of 12.5 (kg, litres) counts 13.
    seizure.articles = std::llround(std::strtod(line.quantity.c_str(), nullptr));
    seizure.value_cents = line.estimated_value_cents.value_or(0);
    seizure.small_consignment = body.value("small_consignment", false);
    seizure.e_commerce = body.value("e_commerce", false);
    seizure.outcome = OutcomeOfState(record.state);
    records.push_back(std::move(seizure));
  }
  CORDON_ASSIGN_OR_RETURN(std::vector<SeizureRecord> stored,
                          tx.ListCaseSeizureRecords(scope, record.id));
  if (stored == records) return Status::Ok();
  return tx.UpsertSeizureRecords(scope, records).status();
}

Result<SeizureQuery> ParseSeizureQuery(
    const std::vector<std::pair<std::string, std::string>>& parameters) {
  const std::vector<std::string>& dims = SeizureDimensions();
  auto is_dimension = [&](const std::string& name) {
    return std::find(dims.begin(), dims.end(), name) != dims.end();
  };
  auto is_record_dimension = [&](const std::string& name) {
    return is_dimension(name) && name != "month" && name != "quarter" && name != "year";
  };
  SeizureQuery query;
  std::vector<FieldError> errors;
  std::set<std::string> seen;
  for (const auto& [name, value] : parameters) {
    if (!seen.insert(name).second) {
      errors.push_back({name, "is given more than once"});
      continue;
    }
    if (name == "group_by") {
      if (value.empty()) continue;
      for (const std::string& dim : SplitList(value)) {
        if (!is_dimension(dim)) {
          errors.push_back({"group_by", fmt::format("\"{}\" is not a dimension; use {}", dim,
                                                    fmt::join(dims, ", "))});
        } else if (std::find(query.group_by.begin(), query.group_by.end(), dim) !=
                   query.group_by.end()) {
          errors.push_back({"group_by", fmt::format("\"{}\" is listed twice", dim)});
        } else {
          query.group_by.push_back(dim);
        }
      }
    } else if (name == "from" || name == "to") {
      std::optional<Date> day = ParseDate(value);
      if (!day) {
        errors.push_back({name, "must be a date YYYY-MM-DD"});
      } else {
        (name == "from" ? query.from : query.to) = day;
      }
    } else if (name == "measures") {
      query.measures.clear();
      for (const std::string& measure : SplitList(value)) {
        if (measure != "cases" && measure != "articles" && measure != "value") {
          errors.push_back({"measures", fmt::format("\"{}\" is not a measure; use cases, "
                                                    "articles, value", measure)});
        } else if (std::find(query.measures.begin(), query.measures.end(), measure) ==
                   query.measures.end()) {
          query.measures.push_back(measure);
        }
      }
    } else if (name.starts_with("filter[") && name.ends_with("]")) {
      std::string dim = name.substr(7, name.size() - 8);
      if (!is_record_dimension(dim)) {
        errors.push_back({name, "filters a record dimension (office ... outcome); periods are "
                                "chosen with from and to"});
      } else {
        query.filters.emplace_back(dim, SplitList(value));
      }
    } else {
      errors.push_back({name, "is not a parameter of seizure queries"});
    }
  }
  if (query.from && query.to && *query.to < *query.from) {
    errors.push_back({"to", "must not be before from"});
  }
  if (!errors.empty()) return InvalidInput("invalid statistics query", std::move(errors));
  return query;
}

json SeizureTable::ToJson() const {
  json rows = json::array();
  for (const SeizureRow& row : this->rows) {
    json item = json::object();
    for (size_t index = 0; index < group_by.size(); ++index) {
      item[group_by[index]] = row.keys[index].empty() ? json(nullptr) : json(row.keys[index]);
    }
    for (const std::string& measure : measures) {
      if (measure == "cases") item["cases"] = row.cases;
      if (measure == "articles") item["articles"] = row.articles;
      if (measure == "value") item["value"] = stats_internal::Euros(row.value_cents);
    }
    rows.push_back(std::move(item));
  }
  return {{"rows", std::move(rows)}};
}

std::string SeizureTable::ToCsv() const {
  std::vector<std::string> header = group_by;
  header.insert(header.end(), measures.begin(), measures.end());
  std::string csv = fmt::format("{}\n", fmt::join(header, ","));
  for (const SeizureRow& row : rows) {
    std::vector<std::string> fields;
    for (const std::string& key : row.keys) fields.push_back(CsvField(key));
    for (const std::string& measure : measures) {
      if (measure == "cases") fields.push_back(std::to_string(row.cases));
      if (measure == "articles") fields.push_back(std::to_string(row.articles));
      if (measure == "value") {
        fields.push_back(fmt::format("{}{}.{:02}", row.value_cents < 0 ? "-" : "",
                                     std::llabs(row.value_cents) / 100,
                                     std::llabs(row.value_cents) % 100));
      }
    }
    csv += fmt::format("{}\n", fmt::join(fields, ","));
  }
  return csv;
}

}  // namespace cordon
