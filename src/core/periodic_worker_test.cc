#include "core/periodic_worker.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace cordon {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;

// Counts passes and lets the test wait for the n-th one. The waits are
// bounded only so that a broken worker fails the test instead of hanging it.
class PassCounter {
 public:
  void Count() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++passes_;
    }
    changed_.notify_all();
  }
  bool WaitFor(int passes) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(30), [&] { return passes_ >= passes; });
  }
  int passes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return passes_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int passes_ = 0;
};

TEST(PeriodicWorker, RunsAtStartAndWhenWokenThenStops) {
  PassCounter counter;
  PeriodicWorker worker("test", hours(1), [&] {
    counter.Count();
    return Status::Ok();
  });
  worker.Start();
  ASSERT_TRUE(counter.WaitFor(1));
  worker.Wake();
  ASSERT_TRUE(counter.WaitFor(2));
  worker.Stop();
  // The interval is an hour: nothing runs after Stop() returned.
  EXPECT_EQ(counter.passes(), 2);
  worker.Stop();  // stopping twice is harmless
}

TEST(PeriodicWorker, FirstPassAfterIntervalWaitsForIt) {
  PassCounter counter;
  PeriodicWorker worker("test", hours(1), [&] {
    counter.Count();
    return Status::Ok();
  });
  worker.Start(PeriodicWorker::FirstPass::kAfterInterval);
  worker.Stop();  // ends the first sleep without a pass
  EXPECT_EQ(counter.passes(), 0);
}

TEST(PeriodicWorker, DueInCutsTheSleepShort) {
  PassCounter counter;
  int asked = 0;  // only the worker's thread touches it until Stop() joins
  PeriodicWorker worker(
      "test", hours(1),
      [&] {
        counter.Count();
        return Status::Ok();
      },
      [&]() -> std::optional<milliseconds> {
        ++asked;
        if (asked == 1) return milliseconds(-5);  // overdue: at once
        if (asked == 2) return milliseconds(0);
        return std::nullopt;  // nothing due: the interval
      });
  worker.Start();
  ASSERT_TRUE(counter.WaitFor(3));
  worker.Stop();
  EXPECT_EQ(counter.passes(), 3);
  EXPECT_EQ(asked, 3);
}

TEST(PeriodicWorker, FailedAndThrowingPassesDoNotStopIt) {
  PassCounter counter;
  int pass = 0;
  PeriodicWorker worker(
      "test", hours(1),
      [&]() -> Status {
        ++pass;
        counter.Count();
        if (pass == 1) return Unavailable("store busy");
        if (pass == 2) throw std::runtime_error("boom");
        return Status::Ok();
      },
      [&]() -> std::optional<milliseconds> {
        if (pass == 2) throw std::runtime_error("due_in failed");  // then the interval...
        return pass < 3 ? std::optional(milliseconds(0)) : std::nullopt;
      });
  worker.Start();
  ASSERT_TRUE(counter.WaitFor(2));
  worker.Wake();  // ...cut short
  ASSERT_TRUE(counter.WaitFor(3));
  worker.Stop();
  EXPECT_EQ(counter.passes(), 3);
}

TEST(PeriodicWorker, RestartsAfterStopAndRunsAPassOnTheCaller) {
  PassCounter counter;
  std::thread::id last_thread;
  PeriodicWorker worker("test", hours(1), [&] {
    last_thread = std::this_thread::get_id();
    counter.Count();
    return Status::Ok();
  });
  worker.RunPassAndLog();
  EXPECT_EQ(counter.passes(), 1);
  EXPECT_EQ(last_thread, std::this_thread::get_id());
  worker.Start();
  ASSERT_TRUE(counter.WaitFor(2));
  worker.Stop();
  EXPECT_NE(last_thread, std::this_thread::get_id());
  worker.Start();
  ASSERT_TRUE(counter.WaitFor(3));
  worker.Stop();
  EXPECT_EQ(counter.passes(), 3);
}

}  // namespace
}  // namespace cordon
