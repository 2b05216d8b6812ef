// Seizure statistics (issue 6, "Speed"): one million seizure records on a real
// SQLite file, grouped by two dimensions over a year, through StatsService
// (the dictionary-encoded in-memory cube, docs/stats.md) and through the same
// GROUP BY run by the `sqlite3` command-line tool on the same file in the same
// run. Plain driver printing figures.
//
//   stats_bench [--records N]      (default 1,000,000)
//
// Targets: at most 100 ms per query, at least 5x faster than sqlite3.
// The data set is seeded and deterministic: ~1.5 goods lines per case, two
// years of detentions, 24 offices, 60 origin countries, the 18 categories.
// The two answers are compared row by row before any figure is printed.
// Other arguments (e.g. bench/run's --benchmark_min_time) are ignored.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "identity/identity.h"
#include "stats/stats.h"
#include "store/sqlite_store.h"
#include "support/test_support.h"

namespace cordon {
namespace {

using SteadyClock = std::chrono::steady_clock;

double MillisecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

int Fail(const std::string& what, const Error& error) {
  std::fprintf(stderr, "stats_bench: %s: %s\n", what.c_str(), error.ToString().c_str());
  return 1;
}

constexpr char kFrom[] = "2025-01-01";
constexpr char kTo[] = "2025-12-31";

int Run(long long record_count) {
  test_support::TempDir dir("cordon-stats-bench");
  std::string db_path = dir.File("stats.db");
  auto opened = OpenSqliteStore(SqliteOptions{db_path});
  if (!opened.ok()) return Fail("opening the store", opened.error());
  Store& store = **opened;
  SystemClock clock;
  SeededRng rng(1);
  IdentityService identity(store, clock, rng);
  NewOrganisation input;
  input.name = "Customs DE";
  input.kind = OrgKind::kCustoms;
  input.country = "DE";
  input.jurisdiction = "EU";
  Result<Organisation> org = identity.CreateOrganisation(input);
  if (!org.ok()) return Fail("creating the administration", org.error());

  // --- the data set
  std::mt19937_64 random(20251001);
  std::vector<std::string> offices;
  for (int index = 0; index < 24; ++index) offices.push_back(fmt::format("DEA{:02}", index + 10));
  const std::vector<std::string> countries = {
      "CN", "HK", "TR", "VN", "IN", "TH", "MY", "ID", "PK", "AE", "EG", "MA", "SG", "KR", "TW",
      "US", "GB", "CH", "RU", "UA", "BR", "MX", "AR", "CL", "ZA", "NG", "KE", "SA", "IR", "IL",
      "JP", "PH", "BD", "LK", "NP", "KH", "LA", "MM", "KZ", "UZ", "GE", "AM", "AZ", "RS", "BA",
      "AL", "MK", "ME", "MD", "BY", "TN", "DZ", "LY", "JO", "LB", "SY", "IQ", "KW", "QA", "OM"};
  const std::vector<std::string> modes = {"sea", "air", "road", "rail", "postal", "express",
                                          "passenger"};
  const std::vector<std::string> outcomes = {"pending", "destroyed", "released", "court"};
  const std::vector<std::string> ipr_types = {"trademark", "design", "copyright", "patent"};
  std::vector<std::string> categories;
  for (const ProductCategory& category : ProductCategories()) categories.push_back(category.id);
  Date first_day = *ParseDate("2024-01-01");

  auto started = SteadyClock::now();
  long long written = 0;
  long long case_number = 0;
  constexpr long long kBatch = 50000;
  while (written < record_count) {
    std::vector<SeizureRecord> batch;
    while (static_cast<long long>(batch.size()) < kBatch && written < record_count) {
      SeizureRecord seizure;
      seizure.org_id = org->id;
      seizure.case_id = fmt::format("B{:08}", case_number++);
      seizure.source = "import";
      seizure.detained_on = AddDays(first_day, static_cast<int>(random() % 731));
      seizure.office = offices[random() % offices.size()];
      seizure.reporting_country = "DE";
      seizure.procedure = random() % 10 < 8 ? "application" : "ex_officio";
      seizure.transport_mode = modes[random() % modes.size()];
      // Skewed origins: a few countries carry most detentions.
      size_t origin = std::min<size_t>(countries.size() - 1, (random() % 1000) * (random() % 1000) /
                                                                 16000);
      seizure.origin = countries[origin];
      seizure.dispatch = random() % 4 == 0 ? countries[random() % countries.size()] : seizure.origin;
      seizure.destination = "DE";
      seizure.ipr_type = ipr_types[random() % ipr_types.size()];
      seizure.small_consignment = seizure.transport_mode == "postal" || random() % 5 == 0;
      seizure.e_commerce = seizure.small_consignment && random() % 2 == 0;
      seizure.outcome = outcomes[random() % outcomes.size()];
      int lines = random() % 2 == 0 ? 1 : 2;
      for (int line = 1; line <= lines && written < record_count; ++line, ++written) {
        seizure.line = line;
        seizure.product_category = categories[random() % categories.size()];
        seizure.articles = 1 + static_cast<long long>(random() % 2000);
        seizure.value_cents = static_cast<long long>(random() % 5000000);
        batch.push_back(seizure);
      }
    }
    Status stored = store.Write([&](WriteTx& tx) -> Status {
      return tx.UpsertSeizureRecords(Scope{org->id}, batch).status();
    });
    if (!stored.ok()) return Fail("writing records", stored.error());
  }
  double write_ms = MillisecondsSince(started);
  std::printf("records: %lld in %lld cases, written through the store in %.1f s (%.0f/s)\n",
              written, case_number, write_ms / 1000, written / (write_ms / 1000));

  // --- Cordon: StatsService over the cube
  StatsService stats(store, clock);
  Caller analyst;
  analyst.org_id = org->id;
  analyst.org_kind = OrgKind::kCustoms;
  analyst.role = Role::kRiskAnalyst;
  analyst.country = "DE";
  Result<SeizureQuery> query = ParseSeizureQuery(
      {{"group_by", "product_category,origin"}, {"from", kFrom}, {"to", kTo}});
  if (!query.ok()) return Fail("parsing the query", query.error());
  started = SteadyClock::now();
  Result<SeizureTable> first = stats.Query(analyst, *query);
  if (!first.ok()) return Fail("querying", first.error());
  double load_ms = MillisecondsSince(started);
  std::vector<double> cordon_ms;
  SeizureTable table;
  for (int run = 0; run < 21; ++run) {
    started = SteadyClock::now();
    Result<SeizureTable> answer = stats.Query(analyst, *query);
    cordon_ms.push_back(MillisecondsSince(started));
    if (!answer.ok()) return Fail("querying", answer.error());
    table = std::move(*answer);
  }

  // --- sqlite3: the same GROUP BY on the same file
  std::string sql_path = dir.File("query.sql");
  std::string sql = fmt::format(
      "SELECT product_category, origin, COUNT(DISTINCT case_id), SUM(articles), "
      "SUM(value_cents) FROM seizure_records WHERE org_id = '{}' AND detained_on BETWEEN '{}' "
      "AND '{}' GROUP BY product_category, origin ORDER BY product_category, origin;\n",
      org->id, kFrom, kTo);
  std::FILE* sql_file = std::fopen(sql_path.c_str(), "w");
  if (sql_file == nullptr) return Fail("writing the SQL file", Unavailable(sql_path));
  std::fputs(".mode csv\n.timer on\n", sql_file);
  std::fputs(sql.c_str(), sql_file);
  std::fclose(sql_file);
  std::vector<double> sqlite_ms;
  std::vector<double> sqlite_wall_ms;
  std::map<std::tuple<std::string, std::string>, std::tuple<long long, long long, long long>>
      sqlite_rows;
  for (int run = 0; run < 5; ++run) {
    sqlite_rows.clear();
    std::string command = fmt::format("sqlite3 -readonly '{}' < '{}'", db_path, sql_path);
    started = SteadyClock::now();
    std::FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return Fail("running sqlite3", Unavailable("popen failed"));
    char line[512];
    double run_ms = -1;
    while (std::fgets(line, sizeof line, pipe) != nullptr) {
      double real = 0;
      if (std::sscanf(line, "Run Time: real %lf", &real) == 1) {
        run_ms = real * 1000;
        continue;
      }
      char category[64], origin[8];
      long long cases = 0, articles = 0, cents = 0;
      if (std::sscanf(line, "%63[^,],%7[^,],%lld,%lld,%lld", category, origin, &cases, &articles,
                      &cents) == 5) {
        sqlite_rows[{category, origin}] = {cases, articles, cents};
      }
    }
    int status = pclose(pipe);
    sqlite_wall_ms.push_back(MillisecondsSince(started));
    if (status != 0 || run_ms < 0) {
      std::fprintf(stderr, "stats_bench: sqlite3 failed (is the sqlite3 package installed?)\n");
      return 1;
    }
    sqlite_ms.push_back(run_ms);
  }

  // --- the two answers agree
  if (sqlite_rows.size() != table.rows.size()) {
    std::fprintf(stderr, "stats_bench: %zu groups from Cordon, %zu from sqlite3\n",
                 table.rows.size(), sqlite_rows.size());
    return 1;
  }
  for (const SeizureRow& row : table.rows) {
    auto found = sqlite_rows.find({row.keys[0], row.keys[1]});
    if (found == sqlite_rows.end() ||
        found->second != std::make_tuple(row.cases, row.articles, row.value_cents)) {
      std::fprintf(stderr, "stats_bench: group %s/%s differs from sqlite3\n", row.keys[0].c_str(),
                   row.keys[1].c_str());
      return 1;
    }
  }

  double cordon = Median(cordon_ms);
  double cordon_max = *std::max_element(cordon_ms.begin(), cordon_ms.end());
  double sqlite = Median(sqlite_ms);
  std::printf("query: group by product_category, origin over %s..%s: %zu groups (identical in "
              "both)\n",
              kFrom, kTo, table.rows.size());
  std::printf("  cordon  (StatsService, in-memory cube): median %.2f ms, max %.2f ms over %zu "
              "runs; first query %.0f ms (builds the cube from the store)\n",
              cordon, cordon_max, cordon_ms.size(), load_ms);
  std::printf("  sqlite3 (CLI, same GROUP BY, same file): median %.1f ms (its .timer), %.1f ms "
              "wall incl. start-up, over %zu runs\n",
              sqlite, Median(sqlite_wall_ms), sqlite_ms.size());
  std::printf("  speed-up %.1fx; targets: <= 100 ms %s, >= 5x %s\n", sqlite / cordon,
              cordon <= 100 ? "met" : "MISSED", sqlite / cordon >= 5 ? "met" : "MISSED");

  // --- the quarterly exchange: cells, what suppression withholds, and what
  // the export costs (the cube is built; aggregation plus suppression).
  for (int min_cases : {3, 10}) {
    std::vector<double> export_ms;
    Result<StatisticsExchange> exported = InvalidInput("not run");
    for (int run = 0; run < 5; ++run) {
      auto export_started = SteadyClock::now();
      exported = stats.ExportQuarter(analyst, "2024Q3", min_cases);
      export_ms.push_back(MillisecondsSince(export_started));
      if (!exported.ok()) return Fail("exporting 2024Q3", exported.error());
    }
    std::printf(
        "export 2024Q3, min_cases %d: %zu cells published, %lld withheld (%lld primary, "
        "%lld secondary); median %.1f ms over %zu runs\n",
        min_cases, exported->cells.size(), exported->suppressed_cells, exported->primary_cells,
        exported->secondary_cells, Median(export_ms), export_ms.size());
  }
  return 0;
}

}  // namespace
}  // namespace cordon

int main(int argc, char** argv) {
  long long records = 1000000;
  for (int index = 1; index + 1 < argc; ++index) {
    if (std::string(argv[index]) == "--records") records = std::atoll(argv[index + 1]);
  }
  if (records < 1000) records = 1000;
  return cordon::Run(records);
}
