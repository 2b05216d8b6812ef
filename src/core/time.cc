#include "core/time.h"

#include <date/date.h>


namespace cordon {

std::string FormatTimestamp(Timestamp ts) { return date::format("%FT%TZ", ts); }

namespace {

// Reads `count` decimal digits at text[pos]; -1 when any is not a digit.
int ReadDigits(std::string_view text, size_t pos, size_t count) {
  if (pos + count > text.size()) return -1;
  int value = 0;
  for (size_t index = pos; index < pos + count; ++index) {
    if (text[index] < '0' || text[index] > '9') return -1;
    value = value * 10 + (text[index] - '0');
  }
  return value;
}

}  // namespace

std::optional<Timestamp> ParseTimestamp(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  if (text.size() < 20 || (text[10] != 'T' && text[10] != 't') || text[13] != ':' ||
      text[16] != ':') {
    return std::nullopt;
  }
  std::optional<Date> date = ParseDate(text.substr(0, 10));
  int hours = ReadDigits(text, 11, 2);
  int minutes = ReadDigits(text, 14, 2);
  int seconds = ReadDigits(text, 17, 2);
  if (!date || hours < 0 || hours > 23 || minutes < 0 || minutes > 59 || seconds < 0 ||
      seconds > 60) {
    return std::nullopt;
  }
  size_t pos = 19;
  long long millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 3) millis = millis * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (size_t pad = digits; pad < 3; ++pad) millis *= 10;
  }
  int offset_minutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int offset_hours = ReadDigits(text, pos + 1, 2);
    if (pos + 3 >= text.size() || text[pos + 3] != ':') return std::nullopt;
    int offset_mins = ReadDigits(text, pos + 4, 2);
    if (offset_hours < 0 || offset_hours > 23 || offset_mins < 0 || offset_mins > 59) {
      return std::nullopt;
    }
    offset_minutes = (offset_hours * 60 + offset_mins) * (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  return Timestamp(std::chrono::sys_days(*date)) + std::chrono::hours(hours) +
         std::chrono::minutes(minutes - offset_minutes) + std::chrono::seconds(seconds) +
         std::chrono::milliseconds(millis);
}

std::string FormatDate(Date date) {
  return date::format("%F", std::chrono::sys_days(date));
}

std::optional<Date> ParseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int parts[3] = {0, 0, 0};
  const int starts[3] = {0, 5, 8};
  const int lengths[3] = {4, 2, 2};
  for (int part = 0; part < 3; ++part) {
    for (int offset = 0; offset < lengths[part]; ++offset) {
      char c = text[starts[part] + offset];
      if (c < '0' || c > '9') return std::nullopt;
      parts[part] = parts[part] * 10 + (c - '0');
    }
  }
  Date date{std::chrono::year(parts[0]), std::chrono::month(static_cast<unsigned>(parts[1])),
            std::chrono::day(static_cast<unsigned>(parts[2]))};
  if (!date.ok()) return std::nullopt;
  return date;
}

Date DateOf(Timestamp ts) { return Date(std::chrono::floor<std::chrono::days>(ts)); }

Date AddDays(Date date, int days) {
  return Date(std::chrono::sys_days(date) + std::chrono::days(days));
}

Date AddYears(Date date, int years) {
  Date shifted = date + std::chrono::years(years);
  if (!shifted.ok()) {
    shifted = shifted.year() / shifted.month() / std::chrono::last;
  }
  return shifted;
}

Timestamp SystemClock::Now() const {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace cordon
