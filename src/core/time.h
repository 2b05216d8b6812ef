// Time and calendar dates, and the injected clock.
//
// Timestamps are UTC instants with millisecond precision, written as RFC 3339
// "2026-11-21T23:01:17.123Z" (lexicographic order == time order, so the store
// can sort them as text). Dates are civil calendar dates ("2027-05-01") used
// for legal validity and deadlines.
//
// Thread safety: the value types are plain values. SystemClock is thread-safe;
// FakeClock is thread-safe (guarded by an atomic).
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cordon {

using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;
using Date = std::chrono::year_month_day;

// "2026-11-21T23:01:17.123Z".
std::string FormatTimestamp(Timestamp ts);
// Accepts RFC 3339 with 'Z' or a numeric offset, with or without fractional
// seconds. Returns nullopt when the text is not such a timestamp.
std::optional<Timestamp> ParseTimestamp(std::string_view text);

// "2027-05-01".
std::string FormatDate(Date date);
// Accepts exactly YYYY-MM-DD naming a real calendar day (no 2027-02-30).
std::optional<Date> ParseDate(std::string_view text);

// The UTC calendar date of an instant.
Date DateOf(Timestamp ts);
Date AddDays(Date date, int days);
// Same day one year later; 29 February maps to 28 February.
Date AddYears(Date date, int years);

// The source of "now". Inject it; never call system_clock directly in domain code.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
  Date Today() const { return DateOf(Now()); }
};

class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
};

// A clock tests set by hand.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Timestamp start) : now_ms_(start.time_since_epoch().count()) {}
  Timestamp Now() const override { return Timestamp(std::chrono::milliseconds(now_ms_.load())); }
  void Set(Timestamp ts) { now_ms_ = ts.time_since_epoch().count(); }
  void Advance(std::chrono::milliseconds delta) { now_ms_ += delta.count(); }

 private:
  std::atomic<long long> now_ms_;
};

}  // namespace cordon
