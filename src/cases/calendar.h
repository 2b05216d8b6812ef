// Working-day calendars and the counting of periods (issue 5).
//
// A calendar is data: the weekend days, the public holidays and the weekend
// days made working days (China's 调休) of one administration, for a range of
// whole years. The shipped ones (data/calendars/{DE,NL,CN}.json, compiled into
// the binary) cover 2024-2027; the format is documented in docs/calendars.md
// and an administration can load its own file.
//
// Periods are counted under Regulation (EEC, Euratom) No 1182/71, which
// Regulation (EU) No 608/2013 relies on for its working-day periods:
//  - Art. 2(2): working days are all days other than public holidays,
//    Sundays and Saturdays; Art. 2(1): the holidays are those of the Member
//    State where action is to be taken (hence per-administration calendars,
//    and per-Land regions in DE). A weekend day that the calendar declares a
//    working day (调休) counts as a working day.
//  - Art. 3(1): the day of the event that starts a period is not counted.
//  - Art. 3(2)(b): a period in days starts at the beginning of the first day
//    and ends with the expiry of the last hour of its last day; a due date
//    here is that last day (the act is in time if done on it).
//  - Art. 3(3): periods include holidays and weekends unless expressed in
//    working days; a period in working days counts working days only.
//  - Art. 3(4): a period that would end on a holiday, Sunday or Saturday ends
//    at the end of the following working day.
//  - Art. 3(5): a period of two days or more includes at least two working
//    days.
// Retroactive periods (Art. 3(4) second subparagraph) are not supported.
//
// Dates outside the covered years are never guessed: every query that needs
// such a day fails with kNotFound naming the day and the covered range.
//
// Thread safety: a Calendar is immutable after construction and safe to share
// between threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace cordon {

enum class DayKind {
  kWorkingDay,       // a weekday that is not a holiday
  kWeekend,          // a weekend day that is not declared a working day
  kHoliday,          // a public holiday (on any day of the week)
  kMovedWorkingDay,  // a weekend day declared a working day (CN 调休上班)
};

// Wire names: "working_day", "weekend", "holiday", "moved_working_day".
const char* DayKindName(DayKind kind);

struct DayInfo {
  Date date;
  DayKind kind = DayKind::kWorkingDay;
  std::string name;          // the holiday's or moved working day's name; empty otherwise
  bool provisional = false;  // the day's year is marked provisional in the calendar
  bool working() const { return kind == DayKind::kWorkingDay || kind == DayKind::kMovedWorkingDay; }
};

class Calendar {
 public:
  // Parses the JSON form documented in docs/calendars.md. `region` selects a
  // region of the file (e.g. "BY" in DE.json) whose holidays are added to the
  // national ones; empty = national only. Errors: kInvalidInput naming every
  // bad field (e.g. "years[1].holidays[3].date: 2025-01-01 is not in year
  // 2024", "years[0].working_days[0].date: 2024-02-04 is also listed as a
  // holiday", "years[2].year: ... must follow 2025"); kNotFound when the file
  // has no such region (the message lists the regions it has).
  static Result<Calendar> FromJson(std::string_view json_text, std::string_view region = {});
  // Reads a file, then as FromJson. kNotFound when it cannot be read.
  static Result<Calendar> Load(const std::string& path, std::string_view region = {});
  // A calendar shipped in the binary by its code ("DE", "NL", "CN"); kNotFound
  // for another code.
  static Result<Calendar> Embedded(std::string_view code, std::string_view region = {});
  // The codes Embedded() accepts, sorted.
  static std::vector<std::string> EmbeddedCodes();

  // "DE", or "DE-BY" with a region.
  const std::string& code() const { return code_; }
  const std::string& name() const { return name_; }
  int first_year() const { return first_year_; }
  int last_year() const { return last_year_; }
  bool Covers(Date date) const;
  // True when `year` is covered and marked provisional (its official
  // schedule was not known when the file was written).
  bool IsProvisional(int year) const;
  // True when any covered year from `from` to `to` (inclusive) is provisional.
  bool AnyProvisional(Date from, Date to) const;

  // What kind of day `date` is. kNotFound when it is outside the covered years.
  Result<DayInfo> Describe(Date date) const;
  // Regulation 1182/71 Art. 2(2). kNotFound outside the covered years.
  Result<bool> IsWorkingDay(Date date) const;

  // The last day of a period of `working_days` working days starting from an
  // event on `event_day` (Regulation 1182/71 Art. 3(1), (2)(b), (3)): the
  // working_days-th working day after event_day. The event day itself is
  // never counted, whatever kind of day it is, and need not be covered.
  // kInvalidInput unless 1 <= working_days <= 1000; kNotFound when a day that
  // must be looked at is outside the covered years.
  Result<Date> AddWorkingDays(Date event_day, int working_days) const;

  // The last day of a period of `days` calendar days from an event on
  // `event_day` (Regulation 1182/71 Art. 3(1)-(5)): event_day + days, moved to
  // the following working day when that is not a working day (Art. 3(4)), and
  // further until the period holds at least two working days when days >= 2
  // (Art. 3(5)). kInvalidInput unless 1 <= days <= 3660; kNotFound outside
  // the covered years.
  Result<Date> AddCalendarDays(Date event_day, int days) const;

 private:
  struct Entry {
    DayKind kind = DayKind::kHoliday;
    std::string name;
  };

  Calendar() = default;
  friend class CalendarParser;

  Error NotCovered(Date date) const;

  std::string code_;
  std::string name_;
  int first_year_ = 0;
  int last_year_ = -1;
  uint8_t weekend_mask_ = 0;                 // bit d = weekday d (0 = Sunday) is a weekend day
  std::vector<bool> provisional_;            // index = year - first_year_
  std::unordered_map<int32_t, Entry> days_;  // sys_days count -> listed day
};

}  // namespace cordon
