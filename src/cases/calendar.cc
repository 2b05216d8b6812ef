// Working-day calendars: parsing and validating the data files
// (docs/calendars.md) and counting periods under Regulation 1182/71.
#include "cases/calendar.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <utility>

#include "cases/embedded_data.h"
#include "cases/json_reader.h"

namespace cordon {

using cases_internal::FieldErrors;
using cases_internal::IndexPath;
using cases_internal::ObjectReader;
using nlohmann::json;

namespace {

constexpr std::string_view kCalendarFormat = "cordon.calendar/1";
// Years a calendar may name: wide enough for any administration, narrow
// enough that a typo like 20255 or 225 is caught.
constexpr int kMinYear = 1970;
constexpr int kMaxYear = 2199;
constexpr size_t kMaxYears = 100;
constexpr size_t kMaxDaysPerList = 400;
constexpr size_t kMaxRegions = 100;
// Bounds on one period, far beyond any legal time limit, so a bad input
// cannot make the counting loops run for long.
constexpr int kMaxWorkingDays = 1000;
constexpr int kMaxCalendarDays = 3660;

// Weekday names in std::chrono::weekday::c_encoding() order (0 = Sunday).
constexpr std::array<std::string_view, 7> kWeekdayNames = {
    "sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};

int32_t DayNumber(Date date) {
  return static_cast<int32_t>(std::chrono::sys_days(date).time_since_epoch().count());
}

unsigned WeekdayIndex(Date date) {
  return std::chrono::weekday(std::chrono::sys_days(date)).c_encoding();
}

bool IsCodeChar(char c, bool allow_dash) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || (allow_dash && c == '-');
}

bool IsCode(std::string_view text, size_t max_length, bool allow_dash) {
  if (text.empty() || text.size() > max_length) return false;
  return std::all_of(text.begin(), text.end(), [&](char c) { return IsCodeChar(c, allow_dash); });
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return buffer.str();
}

}  // namespace

const char* DayKindName(DayKind kind) {
  switch (kind) {
    case DayKind::kWorkingDay:
      return "working_day";
    case DayKind::kWeekend:
      return "weekend";
    case DayKind::kHoliday:
      return "holiday";
    case DayKind::kMovedWorkingDay:
      return "moved_working_day";
  }
  return "working_day";
}

// Builds a Calendar from the parsed document, collecting every field error.
class CalendarParser {
 public:
  explicit CalendarParser(std::string_view region) : region_(region) {}

  Result<Calendar> Parse(const json& document) {
    ObjectReader root(document, "", errors_);
    if (!root.is_object()) return errors_.ToError("calendar");

    std::optional<std::string> format = root.String("format", true);
    if (format && *format != kCalendarFormat) {
      errors_.Add("format", "must be \"" + std::string(kCalendarFormat) + "\"");
    }
    std::optional<std::string> code = root.String("code", true);
    if (code && !IsCode(*code, 16, /*allow_dash=*/true)) {
      errors_.Add("code", "must be 1-16 characters A-Z, 0-9 or '-' (e.g. \"DE\")");
    }
    std::optional<std::string> name = root.String("name", true);
    root.String("note", false);
    ReadWeekend(root);
    ReadSources(root, "sources", /*required=*/true);
    ReadYears(root);
    ReadRegions(root);
    root.RejectUnknown();

    if (!errors_.empty()) return errors_.ToError("calendar");
    if (!region_.empty() && !region_found_) {
      std::string known;
      for (const std::string& region_code : region_codes_) {
        known += known.empty() ? region_code : ", " + region_code;
      }
      return NotFound("calendar " + *code + " has no region \"" + std::string(region_) + "\"" +
                      (known.empty() ? " (it has none)" : " (it has: " + known + ")"));
    }
    calendar_.code_ = region_.empty() ? *code : *code + "-" + std::string(region_);
    calendar_.name_ = *name;
    return std::move(calendar_);
  }

 private:
  void ReadWeekend(ObjectReader& root) {
    std::optional<std::vector<std::string>> names = root.StringList("weekend", true);
    if (!names) return;
    uint8_t mask = 0;
    for (size_t index = 0; index < names->size(); ++index) {
      const std::string& day = (*names)[index];
      auto it = std::find(kWeekdayNames.begin(), kWeekdayNames.end(), day);
      std::string path = IndexPath("weekend", index);
      if (it == kWeekdayNames.end()) {
        errors_.Add(path, "must be a lower-case English weekday name (\"saturday\")");
        continue;
      }
      uint8_t bit = static_cast<uint8_t>(1u << (it - kWeekdayNames.begin()));
      if (mask & bit) errors_.Add(path, "\"" + day + "\" is listed twice");
      mask |= bit;
    }
    if (mask == 0x7f) errors_.Add("weekend", "must leave at least one working weekday");
    calendar_.weekend_mask_ = mask;
  }

  void ReadSources(ObjectReader& parent, std::string_view key, bool required) {
    const json* sources = parent.Array(key, required);
    if (sources == nullptr) return;
    std::string path = parent.Path(key);
    if (required && sources->empty()) {
      errors_.Add(path,
                  "must name at least one source (the gazette or notice the dates come from)");
    }
    for (size_t index = 0; index < sources->size(); ++index) {
      ObjectReader source((*sources)[index], IndexPath(path, index), errors_);
      source.String("title", true);
      source.DateMember("date", false);
      source.String("note", false);
      source.RejectUnknown();
    }
  }

  void ReadYears(ObjectReader& root) {
    const json* years = root.Array("years", true);
    if (years == nullptr) return;
    if (years->empty()) {
      errors_.Add("years", "must list at least one year");
      return;
    }
    if (years->size() > kMaxYears) {
      errors_.Add("years", "must list at most " + std::to_string(kMaxYears) + " years");
      return;
    }
    std::optional<int> expected;
    for (size_t index = 0; index < years->size(); ++index) {
      std::string path = IndexPath("years", index);
      ObjectReader block((*years)[index], path, errors_);
      std::optional<int> year = block.Int("year", true, kMinYear, kMaxYear);
      if (year && expected && *year != *expected) {
        errors_.Add(block.Path("year"), "must be " + std::to_string(*expected) +
                                            " (years are listed in order, without gaps or "
                                            "repeats, so that coverage is one range)");
        year.reset();
      }
      if (year && !expected) calendar_.first_year_ = *year;
      if (year) {
        calendar_.last_year_ = *year;
        expected = *year + 1;
      } else if (expected) {
        ++*expected;
      }
      std::optional<std::string> status = block.String("status", true);
      bool provisional = false;
      if (status && *status != "official" && *status != "provisional") {
        errors_.Add(block.Path("status"), "must be \"official\" or \"provisional\"");
      } else if (status) {
        provisional = *status == "provisional";
      }
      calendar_.provisional_.push_back(provisional);
      block.String("source", false);
      block.String("note", false);
      if (provisional && !block.Has("note")) {
        errors_.Add(block.Path("note"),
                    "is required for a provisional year: say what is missing and why");
      }
      ReadDayList(block, "holidays", year, DayKind::kHoliday, /*required=*/true);
      ReadDayList(block, "working_days", year, DayKind::kMovedWorkingDay, /*required=*/false);
      block.RejectUnknown();
    }
  }

  // Reads one list of {date, name}; `year` is the block's year (nullopt when
  // the year itself was bad, in which case dates are checked for form only).
  void ReadDayList(ObjectReader& block, std::string_view key, std::optional<int> year, DayKind kind,
                   bool required) {
    const json* list = block.Array(key, required);
    if (list == nullptr) return;
    std::string list_path = block.Path(key);
    if (list->size() > kMaxDaysPerList) {
      errors_.Add(list_path, "must list at most " + std::to_string(kMaxDaysPerList) + " days");
      return;
    }
    for (size_t index = 0; index < list->size(); ++index) {
      std::string path = IndexPath(list_path, index);
      ObjectReader entry((*list)[index], path, errors_);
      std::optional<Date> date = entry.DateMember("date", true);
      std::optional<std::string> name = entry.String("name", true);
      entry.RejectUnknown();
      if (!date || !name) continue;
      std::string date_path = entry.Path("date");
      std::string date_text = FormatDate(*date);
      if (year && static_cast<int>(date->year()) != *year) {
        errors_.Add(date_path, date_text + " is not in year " + std::to_string(*year));
        continue;
      }
      if (kind == DayKind::kMovedWorkingDay &&
          (calendar_.weekend_mask_ & (1u << WeekdayIndex(*date))) == 0) {
        errors_.Add(date_path,
                    date_text + " is a " + std::string(kWeekdayNames[WeekdayIndex(*date)]) +
                        ", already a working day: list only weekend days made working days");
        continue;
      }
      AddDay(*date, kind, *name, date_path, /*region=*/false);
    }
  }

  // Records a listed day, reporting a clash with an earlier listing.
  void AddDay(Date date, DayKind kind, const std::string& name, const std::string& path,
              bool region) {
    int32_t number = DayNumber(date);
    auto seen = listed_at_.find(number);
    if (seen != listed_at_.end()) {
      const auto& [earlier_kind, earlier_path] = seen->second;
      std::string what;
      if (earlier_kind == kind) {
        what = region ? "is already a holiday (" + earlier_path + ")"
                      : "is listed twice (also " + earlier_path + ")";
      } else {
        what = kind == DayKind::kHoliday ? "is also listed as a working day (" + earlier_path + ")"
                                         : "is also listed as a holiday (" + earlier_path + ")";
      }
      errors_.Add(path, FormatDate(date) + " " + what);
      return;
    }
    // Region days are checked against the national ones but kept apart, so
    // two regions may list the same day.
    if (!region) listed_at_.emplace(number, std::make_pair(kind, path));
    if (!region || selected_region_) {
      calendar_.days_[number] = Calendar::Entry{kind, name};
    }
  }

  void ReadRegions(ObjectReader& root) {
    const json* regions = root.Array("regions", false);
    if (regions == nullptr) return;
    if (regions->size() > kMaxRegions) {
      errors_.Add("regions", "must list at most " + std::to_string(kMaxRegions) + " regions");
      return;
    }
    for (size_t index = 0; index < regions->size(); ++index) {
      std::string path = IndexPath("regions", index);
      ObjectReader region((*regions)[index], path, errors_);
      std::optional<std::string> code = region.String("code", true);
      if (code && !IsCode(*code, 8, /*allow_dash=*/false)) {
        errors_.Add(region.Path("code"), "must be 1-8 characters A-Z or 0-9 (e.g. \"BY\")");
        code.reset();
      }
      if (code) {
        if (std::find(region_codes_.begin(), region_codes_.end(), *code) != region_codes_.end()) {
          errors_.Add(region.Path("code"), "\"" + *code + "\" is listed twice");
        }
        region_codes_.push_back(*code);
      }
      selected_region_ = code && *code == region_;
      if (selected_region_) region_found_ = true;
      region.String("name", true);
      region.String("note", false);
      ReadSources(region, "sources", /*required=*/false);
      ReadRegionHolidays(region);
      region.RejectUnknown();
      selected_region_ = false;
    }
  }

  void ReadRegionHolidays(ObjectReader& region) {
    const json* list = region.Array("holidays", true);
    if (list == nullptr) return;
    std::string list_path = region.Path("holidays");
    if (list->size() > kMaxDaysPerList * kMaxYears) {
      errors_.Add(list_path, "has too many entries");
      return;
    }
    std::map<int32_t, std::string> seen_here;
    for (size_t index = 0; index < list->size(); ++index) {
      std::string path = IndexPath(list_path, index);
      ObjectReader entry((*list)[index], path, errors_);
      std::optional<Date> date = entry.DateMember("date", true);
      std::optional<std::string> name = entry.String("name", true);
      entry.RejectUnknown();
      if (!date || !name) continue;
      std::string date_path = entry.Path("date");
      int year = static_cast<int>(date->year());
      if (year < calendar_.first_year_ || year > calendar_.last_year_) {
        errors_.Add(date_path, FormatDate(*date) + " is outside the years the calendar covers (" +
                                   std::to_string(calendar_.first_year_) + "-" +
                                   std::to_string(calendar_.last_year_) + ")");
        continue;
      }
      auto [it, inserted] = seen_here.emplace(DayNumber(*date), date_path);
      if (!inserted) {
        errors_.Add(date_path, FormatDate(*date) + " is listed twice (also " + it->second + ")");
        continue;
      }
      AddDay(*date, DayKind::kHoliday, *name, date_path, /*region=*/true);
    }
  }

  std::string_view region_;
  FieldErrors errors_;
  Calendar calendar_;
  // National listings: day number -> (kind, field path), for clash reports.
  std::map<int32_t, std::pair<DayKind, std::string>> listed_at_;
  std::vector<std::string> region_codes_;
  bool selected_region_ = false;
  bool region_found_ = false;
};

Result<Calendar> Calendar::FromJson(std::string_view json_text, std::string_view region) {
  CORDON_ASSIGN_OR_RETURN(json document, cases_internal::ParseJsonText(json_text, "calendar"));
  return CalendarParser(region).Parse(document);
}

Result<Calendar> Calendar::Load(const std::string& path, std::string_view region) {
  std::optional<std::string> text = ReadFile(path);
  if (!text) return NotFound("cannot read calendar file " + path);
  Result<Calendar> calendar = FromJson(*text, region);
  if (!calendar.ok()) {
    Error error = calendar.error();
    error.Prefix(path + ": ");
    return error;
  }
  return calendar;
}

Result<Calendar> Calendar::Embedded(std::string_view code, std::string_view region) {
  std::optional<std::string_view> text = cases_internal::EmbeddedCalendarJson(code);
  if (!text) {
    std::string known;
    for (const std::string& name : EmbeddedCodes()) known += known.empty() ? name : ", " + name;
    return NotFound("no calendar \"" + std::string(code) + "\" is shipped (shipped: " + known +
                    "); load the administration's own file");
  }
  Result<Calendar> calendar = FromJson(*text, region);
  if (!calendar.ok() && calendar.error().code() == ErrorCode::kInvalidInput) {
    // A shipped file that fails validation is a build defect, not bad input.
    return Internal("shipped calendar " + std::string(code) + ": " + calendar.error().message());
  }
  return calendar;
}

std::vector<std::string> Calendar::EmbeddedCodes() {
  return cases_internal::EmbeddedCalendarCodes();
}

bool Calendar::Covers(Date date) const {
  int year = static_cast<int>(date.year());
  return date.ok() && year >= first_year_ && year <= last_year_;
}

bool Calendar::IsProvisional(int year) const {
  if (year < first_year_ || year > last_year_) return false;
  return provisional_[static_cast<size_t>(year - first_year_)];
}

bool Calendar::AnyProvisional(Date from, Date to) const {
  for (int year = static_cast<int>(from.year()); year <= static_cast<int>(to.year()); ++year) {
    if (IsProvisional(year)) return true;
  }
  return false;
}

Error Calendar::NotCovered(Date date) const {
  return NotFound("calendar " + code_ + " has no data for " + FormatDate(date) + ": it covers " +
                  std::to_string(first_year_) + "-01-01 to " + std::to_string(last_year_) +
                  "-12-31; load a calendar that covers " +
                  std::to_string(static_cast<int>(date.year())));
}

Result<DayInfo> Calendar::Describe(Date date) const {
  if (!Covers(date)) return NotCovered(date);
  DayInfo info;
  info.date = date;
  info.provisional = IsProvisional(static_cast<int>(date.year()));
  auto it = days_.find(DayNumber(date));
  if (it != days_.end()) {
    info.kind = it->second.kind;
    info.name = it->second.name;
  } else if (weekend_mask_ & (1u << WeekdayIndex(date))) {
    info.kind = DayKind::kWeekend;
  } else {
    info.kind = DayKind::kWorkingDay;
  }
  return info;
}

Result<bool> Calendar::IsWorkingDay(Date date) const {
  CORDON_ASSIGN_OR_RETURN(DayInfo info, Describe(date));
  return info.working();
}

Result<Date> Calendar::AddWorkingDays(Date event_day, int working_days) const {
  if (working_days < 1 || working_days > kMaxWorkingDays) {
    return InvalidInput("a period in working days must be 1 to " + std::to_string(kMaxWorkingDays) +
                        " days (is " + std::to_string(working_days) + ")");
  }
  // Art. 3(1): the event day is not counted; Art. 3(3): only working days are.
  Date day = event_day;
  int counted = 0;
  while (counted < working_days) {
    day = AddDays(day, 1);
    CORDON_ASSIGN_OR_RETURN(bool working, IsWorkingDay(day));
    if (working) ++counted;
  }
  return day;
}

Result<Date> Calendar::AddCalendarDays(Date event_day, int days) const {
  if (days < 1 || days > kMaxCalendarDays) {
    return InvalidInput("a period in days must be 1 to " + std::to_string(kMaxCalendarDays) +
                        " days (is " + std::to_string(days) + ")");
  }
  // Art. 3(1)-(3): the period runs from the day after the event over all days.
  Date last = AddDays(event_day, days);
  // Art. 3(4): a period ending on a holiday or weekend ends with the
  // following working day.
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool working, IsWorkingDay(last));
    if (working) break;
    last = AddDays(last, 1);
  }
  if (days >= 2) {
    // Art. 3(5): a period of two days or more includes at least two working
    // days; extend to the next working day until it does.
    int working_days = 0;
    for (Date day = AddDays(event_day, 1); day <= last; day = AddDays(day, 1)) {
      CORDON_ASSIGN_OR_RETURN(bool working, IsWorkingDay(day));
      if (working) ++working_days;
    }
    while (working_days < 2) {
      last = AddDays(last, 1);
      CORDON_ASSIGN_OR_RETURN(bool working, IsWorkingDay(last));
      if (working) ++working_days;
    }
  }
  return last;
}

}  // namespace cordon
