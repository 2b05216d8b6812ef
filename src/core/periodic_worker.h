// A background thread that runs one pass of some work again and again: the
// delivery workers (notify, exchange) and the deadline sweeper (cases) are
// each a PeriodicWorker around their own pass.
//
// After each pass the worker sleeps `interval`, or less when `due_in` says
// work is due sooner; Wake() and Stop() cut the sleep short. A pass that
// fails (an error Status, or an exception) is logged as "<name>: <error>" and
// the worker carries on with the next pass.
//
// Thread safety: Start, Stop and Wake may be called from any thread. The pass
// runs on the worker's thread only (and never twice at once).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/result.h"

namespace cordon {

class PeriodicWorker {
 public:
  // One round of the work.
  using Pass = std::function<Status()>;
  // How long until work is due again (nullopt: nothing known to be due);
  // asked after every pass. A negative or zero wait runs the next pass at once.
  using DueIn = std::function<std::optional<std::chrono::milliseconds>()>;

  // Whether Start() runs the first pass at once or after the first interval.
  enum class FirstPass { kAtOnce, kAfterInterval };

  // `name` prefixes the log lines; `interval` is the longest sleep between
  // passes; `due_in` may be empty.
  PeriodicWorker(std::string name, std::chrono::milliseconds interval, Pass pass,
                 DueIn due_in = nullptr);
  ~PeriodicWorker();  // Stop()
  PeriodicWorker(const PeriodicWorker&) = delete;
  PeriodicWorker& operator=(const PeriodicWorker&) = delete;

  // Starts the thread; does nothing when it is already running. A stopped
  // worker may be started again.
  void Start(FirstPass first = FirstPass::kAtOnce);
  // Ends the sleep and joins the thread; a pass under way is finished first.
  // Does nothing when the worker is not running.
  void Stop();
  // Runs the next pass now (or, during a pass, right after it).
  void Wake();

  // Runs `pass` on the calling thread and logs its failure as the thread
  // would; for callers that want one pass done before Start() returns.
  void RunPassAndLog();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cordon
