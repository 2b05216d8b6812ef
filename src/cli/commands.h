// Command groups that live outside main.cc. Each registers its sub-commands on
// the application before parsing and runs whichever was chosen after it, so
// main.cc needs one line for each.
//
//   cordon train --data FILE [--data FILE ...] [--valid FILE] --mapping MAP
//                [--label COLUMN] --out MODEL [--seed N] [--json]
//   cordon train --db DB [--org ADMINISTRATION] --out MODEL [--seed N] [--json]
//   cordon eval  --model MODEL --data FILE [--mapping MAP] [--label COLUMN]
//                [--rates 1,2,5,10] [--json]
//
// (docs/targeting.md). `--db` learns from the findings recorded on the
// administration's stored screenings, through screening's role map.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>

namespace cordon::cli {

// `cordon train` and `cordon eval` (learned targeting, issue 4).
class TargetingCommands {
 public:
  explicit TargetingCommands(CLI::App& app);
  ~TargetingCommands();
  TargetingCommands(const TargetingCommands&) = delete;
  TargetingCommands& operator=(const TargetingCommands&) = delete;

  // After app.parse(): the exit code of the targeting command on the command
  // line (0 done, 1 failed with a message on stderr, 2 bad usage), or nullopt
  // when another command was chosen. `argv` is main's, unchanged: training
  // restarts itself once with OMP_WAIT_POLICY=passive (see the .cc).
  std::optional<int> Run(char** argv) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cordon::cli
