// `cordon stats ...` (stats_commands.h, docs/stats.md).
#include "cli/stats_commands.h"

#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/screen_command.h"
#include "core/time.h"
#include "stats/stats.h"
#include "store/sqlite_store.h"

namespace cordon::cli {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int Fail(const Error& error) {
  std::cerr << "cordon: " << error.ToString() << "\n";
  return kExitFailure;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return InvalidInput("cannot open " + path, {{"file", "cannot be opened"}});
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

Status WriteOutput(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return Status::Ok();
  }
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) return Unavailable("cannot write " + path);
  return Status::Ok();
}

// The database and the administration's operator acting on it.
struct Session {
  std::unique_ptr<Store> store;
  Caller caller;
};

Result<Session> OpenSession(const std::string& db_path, const std::string& org) {
  SqliteOptions options;
  options.path = db_path;
  CORDON_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenSqliteStore(options));
  CORDON_ASSIGN_OR_RETURN(std::string org_id, ScreeningAdministration(*store, org));
  Session session{std::move(store), {}};
  CORDON_RETURN_IF_ERROR(session.store->Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(Organisation administration, tx.GetOrganisation(org_id));
    if (administration.kind != OrgKind::kCustoms) {
      return InvalidInput(administration.name + " is not a customs administration",
                          {{"org", "must be a customs administration"}});
    }
    session.caller.org_id = administration.id;
    session.caller.org_kind = administration.kind;
    session.caller.role = Role::kAdmin;
    session.caller.country = administration.country;
    session.caller.jurisdiction = administration.jurisdiction;
    return Status::Ok();
  }));
  return session;
}

}  // namespace

struct StatsCommands::State {
  std::string db_path = "var/cordon.db";
  std::string org;

  CLI::App* import = nullptr;
  std::string import_file;
  bool skip_bad = false;

  CLI::App* query = nullptr;
  std::string group_by;
  std::string from;
  std::string to;
  std::string measures;
  std::vector<std::string> filters;
  std::string format = "json";
  std::string out;

  CLI::App* export_cmd = nullptr;
  std::string quarter;
  int min_cases = 3;
  std::string export_format;

  CLI::App* import_partner = nullptr;
  std::string partner_file;

  CLI::App* joint = nullptr;
  std::string joint_by = "route";
  std::string from_quarter;
  std::string to_quarter;

  CLI::App* trends = nullptr;
  AnalysisOptions analysis;
  std::string analysis_quarter;

  CLI::App* incidence = nullptr;
  long long capacity = 0;

  CLI::App* effectiveness = nullptr;

  int RunImport() const;
  int RunQuery() const;
  int RunExport() const;
  int RunImportPartner() const;
  // Runs an analysis that answers JSON and prints it (or writes --out).
  int RunAnalysis(const std::function<Result<nlohmann::json>(StatsService&, const Caller&)>& run)
      const;
  Result<CapacityOptions> Period() const;
};

StatsCommands::StatsCommands(CLI::App& app) : state_(std::make_unique<State>()) {
  State& state = *state_;
  CLI::App* stats = app.add_subcommand("stats", "Seizure statistics (docs/stats.md)");
  stats->require_subcommand(1);
  auto common = [&](CLI::App* command) {
    command->add_option("--db", state.db_path, "SQLite database file")->capture_default_str();
    command->add_option("--org", state.org,
                        "The administration (name or id; default: the only customs one)");
  };

  state.import = stats->add_subcommand(
      "import", "Import seizure records from CSV (all or nothing unless --skip-bad)");
  state.import->add_option("FILE", state.import_file, "CSV file")->required();
  state.import->add_flag("--skip-bad", state.skip_bad, "Import the good rows, report the bad");
  common(state.import);

  state.query = stats->add_subcommand("query", "Aggregate seizure records");
  state.query->add_option("--group-by", state.group_by,
                          "Dimensions, e.g. quarter,origin (docs/stats.md)");
  state.query->add_option("--from", state.from, "First detention day, YYYY-MM-DD");
  state.query->add_option("--to", state.to, "Last detention day, YYYY-MM-DD");
  state.query->add_option("--measures", state.measures, "cases,articles,value (default: all)");
  state.query->add_option("--filter", state.filters, "DIMENSION=VALUE[,VALUE...] (repeatable)");
  state.query->add_option("--format", state.format, "json or csv")
      ->check(CLI::IsMember({"json", "csv"}))
      ->capture_default_str();
  state.query->add_option("--out", state.out, "Output file (default: standard output)");
  common(state.query);

  state.export_cmd = stats->add_subcommand(
      "export", "Write a quarter's aggregates for partners (small cells suppressed)");
  state.export_cmd->add_option("--quarter", state.quarter, "YYYYQn, e.g. 2025Q3")->required();
  state.export_cmd->add_option("--out", state.out, "Output file")->required();
  state.export_cmd->add_option("--min-cases", state.min_cases,
                               "Suppress cells of fewer cases than this")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  state.export_cmd->add_option("--format", state.export_format,
                               "json or csv (default: from --out's extension, else json)")
      ->check(CLI::IsMember({"json", "csv"}));
  common(state.export_cmd);

  state.import_partner =
      stats->add_subcommand("import-partner", "Load a partner administration's exchange document");
  state.import_partner->add_option("FILE", state.partner_file, "JSON exchange document")
      ->required();
  common(state.import_partner);

  state.joint = stats->add_subcommand("joint", "Own and partner statistics side by side");
  state.joint->add_option("--by", state.joint_by, "route or product_category")
      ->capture_default_str();
  state.joint->add_option("--from-quarter", state.from_quarter, "First quarter, YYYYQn");
  state.joint->add_option("--to-quarter", state.to_quarter, "Last quarter, YYYYQn");
  state.joint->add_option("--out", state.out, "Output file (default: standard output)");
  common(state.joint);

  state.trends = stats->add_subcommand(
      "trends", "Quarter-on-quarter and year-on-year change per value, and anomalies");
  state.trends->add_option("--dimension", state.analysis.dimension, "A record dimension")
      ->capture_default_str();
  state.trends->add_option("--quarter", state.analysis_quarter,
                           "YYYYQn (default: the latest with data)");
  state.trends->add_option("--history", state.analysis.history_quarters,
                           "Prior quarters forming the expected level")
      ->capture_default_str();
  state.trends->add_option("--alpha", state.analysis.alpha, "Significance level")
      ->capture_default_str();
  state.trends->add_option("--out", state.out, "Output file (default: standard output)");
  common(state.trends);

  state.incidence = stats->add_subcommand(
      "incidence", "Detentions per 1000 declarations screened; split an inspection capacity");
  state.incidence->add_option("--from", state.from, "First day, YYYY-MM-DD");
  state.incidence->add_option("--to", state.to, "Last day, YYYY-MM-DD");
  state.incidence->add_option("--capacity", state.capacity, "Inspections to split across offices")
      ->check(CLI::Range(0LL, 1000000000LL));
  state.incidence->add_option("--out", state.out, "Output file (default: standard output)");
  common(state.incidence);

  state.effectiveness = stats->add_subcommand(
      "effectiveness", "Hits, inspections, infringements and hit rate per profile and model");
  state.effectiveness->add_option("--from", state.from, "First day, YYYY-MM-DD");
  state.effectiveness->add_option("--to", state.to, "Last day, YYYY-MM-DD");
  state.effectiveness->add_option("--out", state.out, "Output file (default: standard output)");
  common(state.effectiveness);
}

StatsCommands::~StatsCommands() = default;

std::optional<int> StatsCommands::Run() const {
  if (state_->import->parsed()) return state_->RunImport();
  if (state_->query->parsed()) return state_->RunQuery();
  if (state_->export_cmd->parsed()) return state_->RunExport();
  if (state_->import_partner->parsed()) return state_->RunImportPartner();
  const State& state = *state_;
  if (state.joint->parsed()) {
    return state.RunAnalysis([&](StatsService& stats, const Caller& caller) {
      return stats.JointView(caller, state.joint_by, state.from_quarter, state.to_quarter);
    });
  }
  if (state.trends->parsed()) {
    return state.RunAnalysis([&](StatsService& stats, const Caller& caller) {
      AnalysisOptions options = state.analysis;
      if (!state.analysis_quarter.empty()) options.quarter = state.analysis_quarter;
      return stats.Trends(caller, options);
    });
  }
  if (state.incidence->parsed() || state.effectiveness->parsed()) {
    Result<CapacityOptions> period = state.Period();
    if (!period.ok()) return Fail(period.error());
    return state.RunAnalysis([&](StatsService& stats, const Caller& caller) {
      return state.incidence->parsed() ? stats.Incidence(caller, *period)
                                       : stats.Effectiveness(caller, period->from, period->to);
    });
  }
  return std::nullopt;
}

int StatsCommands::State::RunImport() const {
  Result<std::string> csv = ReadFile(import_file);
  if (!csv.ok()) return Fail(csv.error());
  Result<Session> session = OpenSession(db_path, org);
  if (!session.ok()) return Fail(session.error());
  SystemClock clock;
  StatsService stats(*session->store, clock);
  Result<SeizureImportReport> report =
      stats.ImportCsv(session->caller, *csv, SeizureImportOptions{skip_bad});
  if (!report.ok()) return Fail(report.error());
  for (const SeizureImportProblem& problem : report->skipped) {
    std::cerr << "skipped line " << problem.line
              << (problem.field.empty() ? "" : ": " + problem.field) << ": " << problem.message
              << "\n";
  }
  std::printf("%s: %lld rows, %lld inserted, %lld updated, %lld unchanged, %zu bad field(s) "
              "skipped\n",
              import_file.c_str(), report->rows, report->inserted, report->updated,
              report->unchanged, report->skipped.size());
  return 0;
}

int StatsCommands::State::RunQuery() const {
  std::vector<std::pair<std::string, std::string>> parameters;
  if (!group_by.empty()) parameters.emplace_back("group_by", group_by);
  if (!from.empty()) parameters.emplace_back("from", from);
  if (!to.empty()) parameters.emplace_back("to", to);
  if (!measures.empty()) parameters.emplace_back("measures", measures);
  for (const std::string& filter : filters) {
    size_t equals = filter.find('=');
    if (equals == std::string::npos || equals == 0) {
      std::cerr << "cordon: --filter must be DIMENSION=VALUE[,VALUE...]\n";
      return kExitUsage;
    }
    parameters.emplace_back("filter[" + filter.substr(0, equals) + "]", filter.substr(equals + 1));
  }
  Result<SeizureQuery> query = ParseSeizureQuery(parameters);
  if (!query.ok()) return Fail(query.error());
  Result<Session> session = OpenSession(db_path, org);
  if (!session.ok()) return Fail(session.error());
  SystemClock clock;
  StatsService stats(*session->store, clock);
  Result<SeizureTable> table = stats.Query(session->caller, *query);
  if (!table.ok()) return Fail(table.error());
  std::string text = format == "csv" ? table->ToCsv() : table->ToJson().dump(2) + "\n";
  Status written = WriteOutput(out, text);
  if (!written.ok()) return Fail(written.error());
  return 0;
}

int StatsCommands::State::RunExport() const {
  std::string format = export_format;
  if (format.empty()) format = out.ends_with(".csv") ? "csv" : "json";
  Result<Session> session = OpenSession(db_path, org);
  if (!session.ok()) return Fail(session.error());
  SystemClock clock;
  StatsService stats(*session->store, clock);
  Result<StatisticsExchange> exchange = stats.ExportQuarter(session->caller, quarter, min_cases);
  if (!exchange.ok()) return Fail(exchange.error());
  std::string text = format == "csv" ? StatisticsExchangeToCsv(*exchange)
                                     : StatisticsExchangeToJson(*exchange).dump(2) + "\n";
  Status written = WriteOutput(out, text);
  if (!written.ok()) return Fail(written.error());
  std::printf(
      "%s: %s statistics of %s, %zu cells, %lld suppressed (%lld with fewer than %d cases, %lld "
      "complementary)\n",
      out.c_str(), quarter.c_str(), exchange->reporting_country.c_str(), exchange->cells.size(),
      exchange->suppressed_cells, exchange->primary_cells, min_cases, exchange->secondary_cells);
  return 0;
}

int StatsCommands::State::RunImportPartner() const {
  Result<std::string> text = ReadFile(partner_file);
  if (!text.ok()) return Fail(text.error());
  nlohmann::json document = nlohmann::json::parse(*text, nullptr, false);
  if (document.is_discarded()) {
    return Fail(InvalidInput(partner_file + " is not valid JSON", {{"file", "is not valid JSON"}}));
  }
  Result<Session> session = OpenSession(db_path, org);
  if (!session.ok()) return Fail(session.error());
  SystemClock clock;
  StatsService stats(*session->store, clock);
  Result<PartnerImportReport> report = stats.ImportPartner(session->caller, document);
  if (!report.ok()) return Fail(report.error());
  std::printf("%s: %s statistics of %s, %lld cells, %s\n", partner_file.c_str(),
              report->quarter.c_str(), report->partner.c_str(), report->cells,
              report->changed ? "loaded" : "already loaded (unchanged)");
  return 0;
}

Result<CapacityOptions> StatsCommands::State::Period() const {
  CapacityOptions options;
  options.capacity = capacity;
  if (!from.empty()) {
    options.from = ParseDate(from);
    if (!options.from) return InvalidInput("invalid --from", {{"from", "must be YYYY-MM-DD"}});
  }
  if (!to.empty()) {
    options.to = ParseDate(to);
    if (!options.to) return InvalidInput("invalid --to", {{"to", "must be YYYY-MM-DD"}});
  }
  return options;
}

int StatsCommands::State::RunAnalysis(
    const std::function<Result<nlohmann::json>(StatsService&, const Caller&)>& run) const {
  Result<Session> session = OpenSession(db_path, org);
  if (!session.ok()) return Fail(session.error());
  SystemClock clock;
  StatsService stats(*session->store, clock);
  Result<nlohmann::json> answer = run(stats, session->caller);
  if (!answer.ok()) return Fail(answer.error());
  Status written = WriteOutput(out, answer->dump(2) + "\n");
  if (!written.ok()) return Fail(written.error());
  return 0;
}

}  // namespace cordon::cli
