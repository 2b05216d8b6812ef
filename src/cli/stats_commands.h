// `cordon stats ...`: seizure statistics from the command line (issue 6,
// docs/stats.md). Every command works on a database (--db) for one
// administration (--org, default: the database's only customs organisation),
// acting as its operator (the admin role).
//
//   cordon stats import FILE.csv --db DB [--org ORG] [--skip-bad]
//   cordon stats query --db DB [--org ORG] [--group-by quarter,origin] [--from DATE]
//                      [--to DATE] [--measures cases,articles,value]
//                      [--filter DIM=V1,V2 ...] [--format json|csv]
//   cordon stats export --quarter 2025Q3 --out FILE --db DB [--org ORG]
//                       [--min-cases 3] [--format json|csv]
//   cordon stats import-partner FILE --db DB [--org ORG]
//   cordon stats joint --db DB [--org ORG] [--by route|product_category]
//                      [--from-quarter Q] [--to-quarter Q]
//   cordon stats trends --db DB [--org ORG] [--dimension origin] [--quarter Q]
//                       [--history 4] [--alpha 0.01]
//   cordon stats incidence --db DB [--org ORG] [--from DATE] [--to DATE] [--capacity N]
//   cordon stats effectiveness --db DB [--org ORG] [--from DATE] [--to DATE]
//
// Exit codes: 0 done, 1 failed (message on stderr), 2 bad usage.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>

namespace cordon::cli {

class StatsCommands {
 public:
  explicit StatsCommands(CLI::App& app);
  ~StatsCommands();
  StatsCommands(const StatsCommands&) = delete;
  StatsCommands& operator=(const StatsCommands&) = delete;

  // After app.parse(): the exit code of the stats command on the command
  // line, or nullopt when another command was chosen.
  std::optional<int> Run() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cordon::cli
