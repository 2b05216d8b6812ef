// Seizure statistics (issue 6): non-nominal seizure records (one per line of
// detained goods), their aggregation by any dimension and period, the
// quarterly exchange of aggregates between administrations, and the joint
// trend analysis. Documented with the formats in docs/stats.md.
//
// Records come from two places: the case engine calls RecordCaseSeizures in
// the transaction that writes a case, so a case's records are always as
// current as the case; historical records are imported from CSV.
//
// Queries are answered from an in-memory, dictionary-encoded columnar copy
// of the organisation's records, rebuilt when the store's seizure generation
// moves (any write), so every answer reflects every committed record.
//
// Who may do what: users of a customs administration with the role admin,
// risk_analyst, ipr_officer or frontline_officer read its statistics;
// admin, risk_analyst and ipr_officer import, export and load partner files.
// Everyone else gets kForbidden. An administration only ever sees its own
// records and the partner statistics it imported.
//
// Thread safety: a StatsService is safe to share between threads. The free
// functions are pure (RecordCaseSeizures uses only the given transaction).
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/identity_types.h"
#include "core/result.h"
#include "core/time.h"
#include "store/store.h"

namespace cordon {

// --- the product-category taxonomy (data/stats/product_categories.json)

struct ProductCategory {
  std::string id;  // "mobile_phones_and_accessories"
  std::string name;
  std::string description;
};
// In the taxonomy's order; "other" last.
const std::vector<ProductCategory>& ProductCategories();
bool IsProductCategory(std::string_view id);

// --- dimensions

// The record dimensions a query may group or filter by, in this order:
// office, reporting_country, procedure, transport_mode, origin, dispatch,
// destination, product_category, ipr_type, small_consignment, e_commerce,
// outcome; and the periods month ("2025-07"), quarter ("2025Q3"), year.
const std::vector<std::string>& SeizureDimensions();

// "2025Q3" -> the quarter's first and last day; nullopt when malformed.
std::optional<std::pair<Date, Date>> ParseQuarter(std::string_view quarter);
std::string QuarterOf(Date day);

// --- the case hook

// Brings the seizure records of case `record.id` (as just written in `tx`)
// up to date: one per goods line, with the case's office, procedure,
// suspension date, shipment fields and an outcome derived from its state
// (destroyed / confiscated -> destroyed, released -> released,
// court_proceedings / handed_over -> court, anything else -> pending).
// Writes nothing when nothing changed. The case engine calls it in the
// transaction that writes the case.
Status RecordCaseSeizures(WriteTx& tx, const CaseRecord& record);

// --- queries

struct SeizureQuery {
  std::vector<std::string> group_by;  // dimensions; may be empty (one total row)
  std::optional<Date> from;           // detained_on >= from
  std::optional<Date> to;             // detained_on <= to
  std::vector<std::string> measures = {"cases", "articles", "value"};
  // filter[dimension] = one or more accepted values (record dimensions only;
  // "" matches unknown).
  std::vector<std::pair<std::string, std::vector<std::string>>> filters;
};

// Reads group_by=a,b&from=YYYY-MM-DD&to=...&measures=cases,articles,value
// &filter[dim]=v1,v2 (unknown parameters are refused). kInvalidInput naming
// every bad parameter ("group_by", "filter[colour]", ...).
Result<SeizureQuery> ParseSeizureQuery(
    const std::vector<std::pair<std::string, std::string>>& parameters);

struct SeizureRow {
  std::vector<std::string> keys;  // one per group_by dimension; "" unknown
  long long cases = 0;            // distinct cases
  long long articles = 0;
  long long value_cents = 0;
};

struct SeizureTable {
  std::vector<std::string> group_by;
  std::vector<std::string> measures;
  std::vector<SeizureRow> rows;  // ordered by keys (periods chronologically)

  // {"rows":[{"quarter":"2024Q1","origin":"CN","cases":12,"articles":3400,
  //   "value":51000.0}, ...]}; unknown keys are null.
  nlohmann::json ToJson() const;
  // Header group_by..., measures...; one line per row.
  std::string ToCsv() const;
};

// --- import

struct SeizureImportOptions {
  bool skip_bad = false;  // import the good rows and report the bad ones
};

struct SeizureImportProblem {
  long long line = 0;  // 1-based line of the file
  std::string field;   // the column, or "" for the whole row
  std::string message;
};

struct SeizureImportReport {
  long long rows = 0;  // data rows read
  long long inserted = 0;
  long long updated = 0;
  long long unchanged = 0;
  std::vector<SeizureImportProblem> skipped;  // bad rows (only with skip_bad)
};

// --- the quarterly exchange (docs/stats.md "Exchange format")

// Version of the exchange document this Cordon writes. It reads this one and
// every version from kOldestStatisticsFormatVersion on (version 1: no
// secondary suppression, no primary/secondary counts).
inline constexpr int kStatisticsFormatVersion = 2;
inline constexpr int kOldestStatisticsFormatVersion = 1;

struct ExchangeCell {
  // One of the document's breakdowns: "total", "route" (origin,
  // destination), "product_category", "ipr_type", "transport_mode",
  // "route_product_category" (origin, destination, product_category).
  std::string breakdown;
  std::vector<std::pair<std::string, std::string>> keys;  // dimension -> value
  long long cases = 0;
  long long articles = 0;
  double value_eur = 0;
};

struct StatisticsExchange {
  int format_version = kStatisticsFormatVersion;
  std::string reporting_country;  // ISO 3166-1 alpha-2
  std::string quarter;            // "2025Q3"
  Date period_from{};
  Date period_to{};
  int min_cases = 3;  // the suppression threshold applied
  std::string generated_at;
  std::vector<ExchangeCell> cells;  // the published cells, each with at least min_cases cases
  // Cells withheld: primary_cells (fewer than min_cases cases) plus
  // secondary_cells (complements, so that no withheld cell can be computed by
  // subtraction). A version-1 document states only the sum; read, it counts
  // as primary (version 1 writers had no secondary suppression).
  long long suppressed_cells = 0;
  long long primary_cells = 0;
  long long secondary_cells = 0;
};

// The exchange document as JSON (docs/stats.md), in the shape of its
// format_version (1 or 2), and its reader: every field validated,
// kInvalidInput naming the bad one ("cells[3].cases"), refusing a cell below
// the document's own min_cases (nothing may arrive unsuppressed) and a
// version this Cordon does not know. Used by the exchange between nodes
// (message type "statistics") as well.
nlohmann::json StatisticsExchangeToJson(const StatisticsExchange& exchange);
Result<StatisticsExchange> ParseStatisticsExchange(const nlohmann::json& document);
// The same cells as CSV: format_version,reporting_country,quarter,min_cases,
// breakdown,origin,destination,product_category,ipr_type,transport_mode,
// cases,articles,value_eur.
std::string StatisticsExchangeToCsv(const StatisticsExchange& exchange);

struct PartnerImportReport {
  std::string partner;
  std::string quarter;
  bool changed = false;  // false: the same document was already loaded
  long long cells = 0;
};

// Stores a partner's parsed exchange document as administration `org_id`'s
// partner statistics, in the caller's unit of work: what ImportPartner does
// after its role check, and what the exchange between nodes does when an
// analyst accepts a `statistics` message. The document is kept in its
// canonical form (re-serialised), so loading the same figures again changes
// nothing (changed = false) whatever their whitespace or key order; a
// different document for the same partner and quarter replaces it.
// kInvalidInput naming "reporting_country" when it is the administration's
// own country.
Result<PartnerImportReport> PutPartnerStatisticsIn(WriteTx& tx, const std::string& org_id,
                                                   const StatisticsExchange& exchange,
                                                   Timestamp now);

// --- analysis

struct AnalysisOptions {
  std::string dimension = "origin";  // a record dimension
  std::optional<std::string> quarter;  // the quarter analysed; default: the latest with data
  int history_quarters = 4;            // prior quarters forming the expected level
  double alpha = 0.01;                 // significance level of the anomaly test
};

struct CapacityOptions {
  std::optional<Date> from;
  std::optional<Date> to;
  long long capacity = 0;  // inspections to split across offices (> 0)
};

class StatsService {
 public:
  StatsService(Store& store, const Clock& clock);
  ~StatsService();
  StatsService(const StatsService&) = delete;
  StatsService& operator=(const StatsService&) = delete;

  // One row per group with the asked measures over the caller's
  // administration's records. kForbidden for other callers.
  Result<SeizureTable> Query(const Caller& caller, const SeizureQuery& query);

  // Imports seizure records from CSV (docs/stats.md "Import"): columns
  // case_id,detained_on,office,reporting_country,procedure,transport_mode,
  // origin,dispatch,destination,product_category,ipr_type,articles,
  // estimated_value_eur,small_consignment,e_commerce,outcome, header first.
  // The n-th row of a case_id is its line n, so re-importing a file adds
  // nothing. Without skip_bad any bad row rejects the whole file:
  // kInvalidInput whose fields name "line N: column". One transaction.
  Result<SeizureImportReport> ImportCsv(const Caller& caller, std::string_view csv,
                                        const SeizureImportOptions& options);

  // The quarter's aggregates for partners (format version 2), with cells of
  // fewer than min_cases cases (>= 1) withheld, and the complements that
  // keep them from being computed by subtraction (docs/stats.md
  // "Suppression"). The same records give the same cells. kInvalidInput for
  // a bad quarter or threshold.
  Result<StatisticsExchange> ExportQuarter(const Caller& caller, const std::string& quarter,
                                           int min_cases);
  // Loads a partner's exchange document; loading the same one again changes
  // nothing. kInvalidInput naming bad fields, or when it is the caller's own
  // country.
  Result<PartnerImportReport> ImportPartner(const Caller& caller, const nlohmann::json& document);
  // Own and partner statistics side by side per quarter and route or
  // category (`breakdown` "route" or "product_category"), quarters in
  // [from_quarter, to_quarter] (either may be empty: open). A partner's
  // cell it did not report (none, or suppressed) is null. kInvalidInput
  // naming "by", "from_quarter" or "to_quarter".
  Result<nlohmann::json> JointView(const Caller& caller, const std::string& breakdown,
                                   const std::string& from_quarter,
                                   const std::string& to_quarter);

  // Quarter-on-quarter and year-on-year change per value of a dimension,
  // and the anomalies: values whose case count in the quarter is improbably
  // high under a Poisson law with the mean of the prior quarters (upper-tail
  // p-value below alpha, Bonferroni-corrected over the values tested).
  Result<nlohmann::json> Trends(const Caller& caller, const AnalysisOptions& options);
  // Detentions per thousand declarations screened, per office and route, and
  // a split of `capacity` inspections across offices maximising expected
  // detections (explained in the answer).
  Result<nlohmann::json> Incidence(const Caller& caller, const CapacityOptions& options);
  // Per risk profile and per targeting model version: declarations hit,
  // inspected, found infringing, hit rate, over [from, to].
  Result<nlohmann::json> Effectiveness(const Caller& caller, std::optional<Date> from,
                                       std::optional<Date> to);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cordon
