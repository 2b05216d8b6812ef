// `cordon stats ...` (stats_commands.h, docs/stats.md).
#include "cli/stats_commands.h"

#include <cstdio>
#include <fstream>
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

  int RunImport() const;
  int RunQuery() const;
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
}

StatsCommands::~StatsCommands() = default;

std::optional<int> StatsCommands::Run() const {
  if (state_->import->parsed()) return state_->RunImport();
  if (state_->query->parsed()) return state_->RunQuery();
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

}  // namespace cordon::cli
