// StatsService: queries over the cached cube and the CSV import.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>

#include "core/codes.h"
#include "core/csv.h"
#include "stats/stats_internal.h"

namespace cordon {
namespace {

using stats_internal::SeizureCube;

constexpr std::array<std::string_view, 16> kColumns = {
    "case_id",     "detained_on",      "office",      "reporting_country",   "procedure",
    "transport_mode", "origin",        "dispatch",    "destination",         "product_category",
    "ipr_type",    "articles",         "estimated_value_eur", "small_consignment", "e_commerce",
    "outcome"};
constexpr std::string_view kProcedures[] = {"application", "ex_officio"};
constexpr std::string_view kTransportModes[] = {"sea",    "air",     "road",     "rail",
                                                "postal", "express", "passenger"};
// The IPR types of applications for action (rights module, foundation issue).
constexpr std::string_view kIprTypes[] = {
    "trademark",     "design",        "copyright",  "patent",     "geographical_indication",
    "plant_variety", "utility_model", "topography", "trade_name",
};
constexpr std::string_view kOutcomes[] = {"pending", "destroyed", "released", "court"};
constexpr size_t kMaxCaseId = 100;

template <size_t N>
bool OneOf(const std::string& value, const std::string_view (&allowed)[N]) {
  return std::find(std::begin(allowed), std::end(allowed), value) != std::end(allowed);
}

template <size_t N>
std::string Choices(const std::string_view (&allowed)[N]) {
  return fmt::format("{}", fmt::join(allowed, ", "));
}

// "1234.5" / "1234.56" / "0" -> cents; nullopt for anything else (negative,
// more than two decimals, exponent, empty).
std::optional<long long> ParseEuroCents(const std::string& text) {
  if (text.empty() || text.size() > 15) return std::nullopt;
  long long whole = 0;
  long long cents = 0;
  size_t index = 0;
  size_t digits = 0;
  for (; index < text.size() && text[index] >= '0' && text[index] <= '9'; ++index, ++digits) {
    whole = whole * 10 + (text[index] - '0');
  }
  if (digits == 0) return std::nullopt;
  if (index < text.size()) {
    if (text[index] != '.') return std::nullopt;
    ++index;
    size_t decimals = 0;
    for (; index < text.size() && text[index] >= '0' && text[index] <= '9'; ++index, ++decimals) {
      cents = cents * 10 + (text[index] - '0');
    }
    if (decimals == 0 || decimals > 2 || index != text.size()) return std::nullopt;
    if (decimals == 1) cents *= 10;
  }
  return whole * 100 + cents;
}

std::optional<long long> ParseCount(const std::string& text) {
  if (text.empty() || text.size() > 15) return std::nullopt;
  long long value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::optional<bool> ParseFlag(const std::string& text) {
  if (text == "true") return true;
  if (text == "false") return false;
  return std::nullopt;
}

// Validates one data row into `record`; appends a problem per bad field.
void ReadRow(const std::vector<std::string>& fields, const std::array<size_t, 16>& position,
             long long line, const std::string& own_country, Date today, SeizureRecord& record,
             std::vector<SeizureImportProblem>& problems) {
  auto field = [&](size_t column) -> const std::string& { return fields[position[column]]; };
  auto bad = [&](size_t column, std::string message) {
    problems.push_back({line, std::string(kColumns[column]), std::move(message)});
  };
  record.case_id = field(0);
  if (record.case_id.empty() || record.case_id.size() > kMaxCaseId) {
    bad(0, "must be 1 to 100 characters");
  }
  if (std::optional<Date> day = ParseDate(field(1))) {
    record.detained_on = *day;
    if (*day > today) bad(1, "must not be in the future");
  } else {
    bad(1, "must be a date YYYY-MM-DD");
  }
  record.office = field(2);
  if (!IsUnLocode(record.office)) bad(2, "must be a UN/LOCODE (e.g. DEHAM)");
  record.reporting_country = field(3);
  if (record.reporting_country != own_country) {
    bad(3, fmt::format("must be the administration's country {}", own_country));
  }
  record.procedure = field(4);
  if (!OneOf(record.procedure, kProcedures)) bad(4, "must be one of " + Choices(kProcedures));
  record.transport_mode = field(5);
  if (!record.transport_mode.empty() && !OneOf(record.transport_mode, kTransportModes)) {
    bad(5, "must be one of " + Choices(kTransportModes) + " (or empty: unknown)");
  }
  for (size_t column : {size_t{6}, size_t{7}, size_t{8}}) {
    const std::string& country = field(column);
    if (!country.empty() && !IsCountryCode(country)) {
      bad(column, "must be an ISO 3166-1 alpha-2 country code (or empty: unknown)");
    }
  }
  record.origin = field(6);
  record.dispatch = field(7);
  record.destination = field(8);
  record.product_category = field(9);
  if (!IsProductCategory(record.product_category)) {
    bad(9, "must be a category of the taxonomy (docs/stats.md), e.g. clothing, shoes, other");
  }
  record.ipr_type = field(10);
  if (!OneOf(record.ipr_type, kIprTypes)) bad(10, "must be one of " + Choices(kIprTypes));
  if (std::optional<long long> articles = ParseCount(field(11))) {
    record.articles = *articles;
  } else {
    bad(11, "must be a whole number >= 0");
  }
  if (std::optional<long long> cents = ParseEuroCents(field(12))) {
    record.value_cents = *cents;
  } else {
    bad(12, "must be an amount in EUR >= 0 with at most two decimals (e.g. 1250.50)");
  }
  if (std::optional<bool> flag = ParseFlag(field(13))) {
    record.small_consignment = *flag;
  } else {
    bad(13, "must be true or false");
  }
  if (std::optional<bool> flag = ParseFlag(field(14))) {
    record.e_commerce = *flag;
  } else {
    bad(14, "must be true or false");
  }
  record.outcome = field(15);
  if (!OneOf(record.outcome, kOutcomes)) bad(15, "must be one of " + Choices(kOutcomes));
}

}  // namespace

Result<std::shared_ptr<const SeizureCube>> StatsService::Impl::Cube(const std::string& org_id) {
  Scope scope{org_id};
  long long generation = 0;
  CORDON_RETURN_IF_ERROR(store.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(generation, tx.GetSeizureGeneration(scope));
    return Status::Ok();
  }));
  {
    std::lock_guard lock(mutex);
    auto found = cubes.find(org_id);
    if (found != cubes.end() && found->second->generation() == generation) return found->second;
  }
  // Rebuilt outside the lock from one snapshot: the generation read with the
  // records is the one the cube is labelled with.
  SeizureCube::Builder builder;
  std::shared_ptr<const SeizureCube> cube;
  CORDON_RETURN_IF_ERROR(store.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(long long snapshot_generation, tx.GetSeizureGeneration(scope));
    CORDON_RETURN_IF_ERROR(tx.ScanSeizureRecords(
        scope, [&](const SeizureRecord& record) { return builder.Add(record); }));
    cube = builder.Finish(snapshot_generation);
    return Status::Ok();
  }));
  std::lock_guard lock(mutex);
  std::shared_ptr<const SeizureCube>& slot = cubes[org_id];
  if (!slot || slot->generation() < cube->generation()) slot = cube;
  return cube;
}

StatsService::StatsService(Store& store, const Clock& clock)
    : impl_(std::make_unique<Impl>(store, clock)) {}

StatsService::~StatsService() = default;

Result<SeizureTable> StatsService::Query(const Caller& caller, const SeizureQuery& query) {
  CORDON_RETURN_IF_ERROR(stats_internal::CheckReader(caller));
  CORDON_ASSIGN_OR_RETURN(std::shared_ptr<const SeizureCube> cube, impl_->Cube(caller.org_id));
  return cube->Aggregate(query);
}

Result<SeizureImportReport> StatsService::ImportCsv(const Caller& caller, std::string_view csv,
                                                    const SeizureImportOptions& options) {
  CORDON_RETURN_IF_ERROR(stats_internal::CheckWriter(caller));
  SeizureImportReport report;
  std::string own_country = caller.country;
  CORDON_RETURN_IF_ERROR(impl_->store.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(Organisation org, tx.GetOrganisation(caller.org_id));
    own_country = org.country;
    return Status::Ok();
  }));
  Date today = impl_->clock.Today();

  CsvReader reader(csv);
  std::vector<std::string> fields;
  CORDON_ASSIGN_OR_RETURN(bool has_header, reader.Next(fields));
  if (!has_header) return InvalidInput("the file is empty", {{"line 1", "needs the header row"}});
  std::array<size_t, 16> position{};
  {
    std::vector<FieldError> header_errors;
    for (size_t column = 0; column < kColumns.size(); ++column) {
      auto found = std::find(fields.begin(), fields.end(), kColumns[column]);
      if (found == fields.end()) {
        header_errors.push_back({"line 1", fmt::format("column {} is missing", kColumns[column])});
      } else {
        position[column] = static_cast<size_t>(found - fields.begin());
      }
    }
    for (const std::string& name : fields) {
      if (std::find(kColumns.begin(), kColumns.end(), name) == kColumns.end()) {
        header_errors.push_back({"line 1", fmt::format("column \"{}\" is unknown", name)});
      }
    }
    if (!header_errors.empty()) {
      return InvalidInput("the header row does not match the seizure record columns",
                          std::move(header_errors));
    }
  }

  std::vector<SeizureRecord> records;
  std::vector<SeizureImportProblem> problems;
  std::map<std::string, int> lines_of_case;
  while (true) {
    Result<bool> more = reader.Next(fields);
    if (!more.ok()) {
      // Broken quoting leaves nothing reliable after it: the file is refused.
      return InvalidInput("the file is not valid CSV",
                          {{fmt::format("line {}", reader.record_line()), more.error().message()}});
    }
    if (!*more) break;
    long long line = static_cast<long long>(reader.record_line());
    if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
    ++report.rows;
    if (fields.size() != kColumns.size()) {
      problems.push_back({line, "", fmt::format("has {} fields, the header {}", fields.size(),
                                                kColumns.size())});
      continue;
    }
    SeizureRecord record;
    record.org_id = caller.org_id;
    record.source = "import";
    size_t before = problems.size();
    ReadRow(fields, position, line, own_country, today, record, problems);
    // The n-th row of a case is its line n, bad rows included, so a file
    // re-imported after fixing a row lands on the same keys.
    if (!record.case_id.empty()) record.line = ++lines_of_case[record.case_id];
    if (problems.size() == before) records.push_back(std::move(record));
  }
  if (!problems.empty() && !options.skip_bad) {
    std::vector<FieldError> errors;
    for (const SeizureImportProblem& problem : problems) {
      errors.push_back({problem.field.empty() ? fmt::format("line {}", problem.line)
                                              : fmt::format("line {}: {}", problem.line,
                                                            problem.field),
                        problem.message});
    }
    return InvalidInput(
        fmt::format("{} bad field(s); nothing was imported (--skip-bad imports the good rows)",
                    problems.size()),
        std::move(errors));
  }
  report.skipped = std::move(problems);
  CORDON_RETURN_IF_ERROR(impl_->store.Write([&](WriteTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(SeizureUpsertCounts counts,
                            tx.UpsertSeizureRecords(Scope{caller.org_id}, records));
    report.inserted = counts.inserted;
    report.updated = counts.updated;
    report.unchanged = counts.unchanged;
    return Status::Ok();
  }));
  return report;
}

}  // namespace cordon
