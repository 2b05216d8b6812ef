// See periodic_worker.h.
#include "core/periodic_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

namespace cordon {

struct PeriodicWorker::State {
  std::string name;
  std::chrono::milliseconds interval;
  Pass pass;
  DueIn due_in;

  std::mutex mutex;
  std::condition_variable wake;
  bool stop = false;
  bool woken = false;
  std::thread thread;

  // Sleeps `wait` unless woken or stopped; true when stopping.
  bool Sleep(std::chrono::milliseconds wait) {
    std::unique_lock<std::mutex> lock(mutex);
    wake.wait_for(lock, wait, [this] { return stop || woken; });
    return stop;
  }

  std::chrono::milliseconds NextWait() {
    if (!due_in) return interval;
    std::optional<std::chrono::milliseconds> due;
    try {
      due = due_in();
    } catch (const std::exception& error) {
      spdlog::warn("{}: {}", name, error.what());
    }
    if (!due.has_value()) return interval;
    return std::clamp(*due, std::chrono::milliseconds(0), interval);
  }

  void Loop(FirstPass first) {
    if (first == FirstPass::kAfterInterval && Sleep(interval)) return;
    while (true) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (stop) return;
        woken = false;
      }
      RunPass();
      if (Sleep(NextWait())) return;
    }
  }

  void RunPass() {
    try {
      Status status = pass();
      if (!status.ok()) spdlog::warn("{}: {}", name, status.error().ToString());
    } catch (const std::exception& error) {
      spdlog::error("{}: {}", name, error.what());
    }
  }
};

PeriodicWorker::PeriodicWorker(std::string name, std::chrono::milliseconds interval, Pass pass,
                               DueIn due_in)
    : state_(std::make_unique<State>()) {
  state_->name = std::move(name);
  state_->interval = interval;
  state_->pass = std::move(pass);
  state_->due_in = std::move(due_in);
}

PeriodicWorker::~PeriodicWorker() { Stop(); }

void PeriodicWorker::Start(FirstPass first) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->thread.joinable()) return;
  state_->stop = false;
  state_->woken = false;
  state_->thread = std::thread([state = state_.get(), first] { state->Loop(first); });
}

void PeriodicWorker::Stop() {
  std::thread thread;
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->stop = true;
    thread = std::move(state_->thread);
  }
  state_->wake.notify_all();
  if (thread.joinable()) thread.join();
}

void PeriodicWorker::Wake() {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->woken = true;
  }
  state_->wake.notify_all();
}

void PeriodicWorker::RunPassAndLog() { state_->RunPass(); }

}  // namespace cordon
