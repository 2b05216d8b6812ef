// Cross-checks of the shipped calendar data (data/calendars/*.json): Easter-
// dependent holidays against Easter computed independently here, fixed-date
// holidays, the Chinese make-up working days, provisional marking, sources,
// and that the copies compiled into the binary equal the files.
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cases/calendar.h"
#include "cases/embedded_data.h"
#include "gtest/gtest.h"

namespace cordon {
namespace {

constexpr int kFirstYear = 2024;
constexpr int kLastYear = 2027;

Date D(int year, unsigned month, unsigned day) {
  return Date{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)};
}

// Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher),
// written independently of the data so the data can be checked against it.
Date GregorianEaster(int year) {
  int a = year % 19;
  int b = year / 100;
  int c = year % 100;
  int d = b / 4;
  int e = b % 4;
  int f = (b + 8) / 25;
  int g = (b - f + 1) / 3;
  int h = (19 * a + b - d - g + 15) % 30;
  int i = c / 4;
  int k = c % 4;
  int l = (32 + 2 * e + 2 * i - h - k) % 7;
  int m = (a + 11 * h + 22 * l) / 451;
  int month = (h + l - 7 * m + 114) / 31;
  int day = ((h + l - 7 * m + 114) % 31) + 1;
  return D(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

Calendar MustEmbedded(std::string_view code, std::string_view region = {}) {
  Result<Calendar> calendar = Calendar::Embedded(code, region);
  EXPECT_TRUE(calendar.ok()) << calendar.error().ToString();
  return std::move(calendar).value();
}

void ExpectHoliday(const Calendar& calendar, Date date, std::string_view name_part) {
  Result<DayInfo> info = calendar.Describe(date);
  ASSERT_TRUE(info.ok()) << info.error().ToString();
  EXPECT_EQ(info->kind, DayKind::kHoliday) << calendar.code() << " " << FormatDate(date);
  EXPECT_NE(info->name.find(name_part), std::string::npos)
      << calendar.code() << " " << FormatDate(date) << " is named " << info->name;
}

void ExpectNotHoliday(const Calendar& calendar, Date date) {
  Result<DayInfo> info = calendar.Describe(date);
  ASSERT_TRUE(info.ok()) << info.error().ToString();
  EXPECT_NE(info->kind, DayKind::kHoliday) << calendar.code() << " " << FormatDate(date);
}

std::string ReadSourceFile(const std::string& relative) {
  std::ifstream in(std::string(CORDON_SOURCE_DATA_DIR) + "/" + relative, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(EasterAlgorithm, MatchesKnownEasterSundays) {
  EXPECT_EQ(GregorianEaster(2000), D(2000, 4, 23));
  EXPECT_EQ(GregorianEaster(2008), D(2008, 3, 23));
  EXPECT_EQ(GregorianEaster(2011), D(2011, 4, 24));
  EXPECT_EQ(GregorianEaster(2024), D(2024, 3, 31));
  EXPECT_EQ(GregorianEaster(2025), D(2025, 4, 20));
  EXPECT_EQ(GregorianEaster(2026), D(2026, 4, 5));
  EXPECT_EQ(GregorianEaster(2027), D(2027, 3, 28));
  EXPECT_EQ(GregorianEaster(2038), D(2038, 4, 25));
}

TEST(ShippedCalendars, AllLoadAndCover2024To2027) {
  for (const std::string& code : Calendar::EmbeddedCodes()) {
    SCOPED_TRACE(code);
    Calendar calendar = MustEmbedded(code);
    EXPECT_EQ(calendar.code(), code);
    EXPECT_EQ(calendar.first_year(), kFirstYear);
    EXPECT_EQ(calendar.last_year(), kLastYear);
    EXPECT_FALSE(calendar.name().empty());
  }
  EXPECT_EQ(Calendar::EmbeddedCodes(), (std::vector<std::string>{"CN", "DE", "NL"}));
}

TEST(ShippedCalendars, EmbeddedCopiesEqualTheFiles) {
  for (const std::string& code : cases_internal::EmbeddedCalendarCodes()) {
    EXPECT_EQ(*cases_internal::EmbeddedCalendarJson(code),
              ReadSourceFile("calendars/" + code + ".json"))
        << code << ": rebuild to embed the current data file";
  }
}

TEST(ShippedCalendars, EveryFileNamesItsSources) {
  for (const std::string& code : Calendar::EmbeddedCodes()) {
    nlohmann::json document = nlohmann::json::parse(ReadSourceFile("calendars/" + code + ".json"));
    ASSERT_TRUE(document["sources"].is_array()) << code;
    EXPECT_GE(document["sources"].size(), 1u) << code;
    for (const nlohmann::json& source : document["sources"]) {
      EXPECT_FALSE(source["title"].get<std::string>().empty()) << code;
    }
  }
}

// The movable feasts of the DE and NL lists are where a typo hides: derive
// each from Easter and compare.
TEST(ShippedCalendars, EasterDependentHolidaysMatchTheAlgorithm) {
  Calendar de = MustEmbedded("DE");
  Calendar nl = MustEmbedded("NL");
  Calendar by = MustEmbedded("DE", "BY");
  for (int year = kFirstYear; year <= kLastYear; ++year) {
    SCOPED_TRACE(year);
    Date easter = GregorianEaster(year);
    ExpectHoliday(de, AddDays(easter, -2), "Karfreitag");
    ExpectHoliday(de, AddDays(easter, 1), "Ostermontag");
    ExpectHoliday(de, AddDays(easter, 39), "Christi Himmelfahrt");
    ExpectHoliday(de, AddDays(easter, 50), "Pfingstmontag");
    ExpectHoliday(nl, AddDays(easter, -2), "Goede Vrijdag");
    ExpectHoliday(nl, AddDays(easter, 1), "Tweede Paasdag");
    ExpectHoliday(nl, AddDays(easter, 39), "Hemelvaartsdag");
    ExpectHoliday(nl, AddDays(easter, 50), "Tweede Pinksterdag");
    // Corpus Christi: Bavaria, not the national list.
    ExpectHoliday(by, AddDays(easter, 60), "Fronleichnam");
    ExpectNotHoliday(de, AddDays(easter, 60));
    // Maundy Thursday and Holy Saturday are not holidays anywhere here.
    ExpectNotHoliday(de, AddDays(easter, -3));
    ExpectNotHoliday(nl, AddDays(easter, -3));
  }
}

TEST(ShippedCalendars, GermanFixedDateHolidays) {
  Calendar de = MustEmbedded("DE");
  for (int year = kFirstYear; year <= kLastYear; ++year) {
    SCOPED_TRACE(year);
    ExpectHoliday(de, D(year, 1, 1), "Neujahr");
    ExpectHoliday(de, D(year, 5, 1), "Tag der Arbeit");
    ExpectHoliday(de, D(year, 10, 3), "Deutschen Einheit");
    ExpectHoliday(de, D(year, 12, 25), "Weihnachtstag");
    ExpectHoliday(de, D(year, 12, 26), "Weihnachtstag");
    // Christmas Eve and New Year's Eve are ordinary days under the law.
    ExpectNotHoliday(de, D(year, 12, 24));
    ExpectNotHoliday(de, D(year, 12, 31));
    // Regional holidays stay out of the national list.
    ExpectNotHoliday(de, D(year, 1, 6));
    ExpectNotHoliday(de, D(year, 10, 31));
    ExpectNotHoliday(de, D(year, 11, 1));
  }
}

TEST(ShippedCalendars, GermanRegionsAddTheirLandHolidays) {
  ExpectHoliday(MustEmbedded("DE", "BY"), D(2026, 1, 6), "Heilige Drei");
  ExpectHoliday(MustEmbedded("DE", "NW"), D(2025, 11, 1), "Allerheiligen");
  ExpectHoliday(MustEmbedded("DE", "HH"), D(2025, 10, 31), "Reformationstag");
  ExpectHoliday(MustEmbedded("DE", "BE"), D(2026, 3, 8), "Frauentag");
  ExpectHoliday(MustEmbedded("DE", "BE"), D(2025, 5, 8), "Befreiung");
  ExpectHoliday(MustEmbedded("DE", "SN"), D(2025, 11, 19), "Buß- und Bettag");
  ExpectHoliday(MustEmbedded("DE", "SL"), D(2025, 8, 15), "Mariä Himmelfahrt");
  ExpectHoliday(MustEmbedded("DE", "TH"), D(2026, 9, 20), "Weltkindertag");
  // A region keeps the national holidays.
  ExpectHoliday(MustEmbedded("DE", "BY"), D(2025, 10, 3), "Deutschen Einheit");
  // Assumption is only municipal in Bavaria: not listed (docs/calendars.md).
  ExpectNotHoliday(MustEmbedded("DE", "BY"), D(2025, 8, 15));
}

TEST(ShippedCalendars, DutchKingsDayAndLiberationDay) {
  Calendar nl = MustEmbedded("NL");
  for (int year = kFirstYear; year <= kLastYear; ++year) {
    SCOPED_TRACE(year);
    // Koningsdag: 27 April, or 26 April when the 27th is a Sunday.
    Date april_27 = D(year, 4, 27);
    bool sunday = std::chrono::weekday(std::chrono::sys_days(april_27)) == std::chrono::Sunday;
    ExpectHoliday(nl, sunday ? D(year, 4, 26) : april_27, "Koningsdag");
    // 5 May every year: Algemene termijnenwet Art. 3(1).
    ExpectHoliday(nl, D(year, 5, 5), "Bevrijdingsdag");
    ExpectHoliday(nl, D(year, 1, 1), "Nieuwjaarsdag");
    ExpectHoliday(nl, D(year, 12, 25), "Eerste Kerstdag");
    ExpectHoliday(nl, D(year, 12, 26), "Tweede Kerstdag");
  }
  // 2025: 27 April is a Sunday, so Koningsdag was Saturday the 26th.
  ExpectHoliday(nl, D(2025, 4, 26), "Koningsdag");
  ExpectNotHoliday(nl, D(2025, 4, 27));
}

TEST(ShippedCalendars, ChineseMakeUpWorkingDaysAreWeekendWorkingDays) {
  Calendar cn = MustEmbedded("CN");
  // Each from the State Council General Office's notice for the year.
  const Date make_up_days[] = {D(2024, 2, 4),   D(2024, 2, 18), D(2024, 4, 7),  D(2024, 4, 28),
                               D(2024, 5, 11),  D(2024, 9, 14), D(2024, 9, 29), D(2024, 10, 12),
                               D(2025, 1, 26),  D(2025, 2, 8),  D(2025, 4, 27), D(2025, 9, 28),
                               D(2025, 10, 11), D(2026, 1, 4),  D(2026, 2, 14), D(2026, 2, 28),
                               D(2026, 5, 9),   D(2026, 9, 20), D(2026, 10, 10)};
  for (Date date : make_up_days) {
    SCOPED_TRACE(FormatDate(date));
    std::chrono::weekday weekday{std::chrono::sys_days(date)};
    EXPECT_TRUE(weekday == std::chrono::Saturday || weekday == std::chrono::Sunday);
    Result<DayInfo> info = cn.Describe(date);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->kind, DayKind::kMovedWorkingDay);
    EXPECT_TRUE(info->working());
  }
  // Spring Festival 2025: 28 January (除夕) to 4 February.
  for (Date day = D(2025, 1, 28); day <= D(2025, 2, 4); day = AddDays(day, 1)) {
    ExpectHoliday(cn, day, "春节");
  }
  // 除夕 2024 was only encouraged as a day off: a working day.
  EXPECT_TRUE(*cn.IsWorkingDay(D(2024, 2, 9)));
  // National Day and Mid-Autumn 2025 ran together, 1-8 October.
  ExpectHoliday(cn, D(2025, 10, 8), "中秋");
}

TEST(ShippedCalendars, Chinese2027IsProvisionalWithStatutoryDaysOnly) {
  Calendar cn = MustEmbedded("CN");
  EXPECT_FALSE(cn.IsProvisional(2024));
  EXPECT_FALSE(cn.IsProvisional(2025));
  EXPECT_FALSE(cn.IsProvisional(2026));
  EXPECT_TRUE(cn.IsProvisional(2027));
  EXPECT_TRUE(cn.Describe(D(2027, 2, 5))->provisional);
  // Statutory days under the 2024 amendment of the 全国年节及纪念日放假办法:
  // 除夕 and 正月初一-初三 (Spring Festival 2027 is 6 February).
  for (Date day = D(2027, 2, 5); day <= D(2027, 2, 8); day = AddDays(day, 1)) {
    ExpectHoliday(cn, day, "春节");
  }
  ExpectHoliday(cn, D(2027, 4, 5), "清明");
  ExpectHoliday(cn, D(2027, 6, 9), "端午");
  ExpectHoliday(cn, D(2027, 9, 15), "中秋");
  // No make-up working day is invented for 2027: every weekend day is off.
  for (Date day = D(2027, 1, 1); day <= D(2027, 12, 31); day = AddDays(day, 1)) {
    EXPECT_NE(cn.Describe(day)->kind, DayKind::kMovedWorkingDay) << FormatDate(day);
  }
  for (const std::string& code : {std::string("DE"), std::string("NL")}) {
    Calendar calendar = MustEmbedded(code);
    for (int year = kFirstYear; year <= kLastYear; ++year) {
      EXPECT_FALSE(calendar.IsProvisional(year)) << code << " " << year;
    }
  }
}

}  // namespace
}  // namespace cordon
