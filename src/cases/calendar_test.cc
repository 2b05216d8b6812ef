// Working-day counting under Regulation 1182/71 on the shipped calendars, and
// validation of calendar files. Every expected date is counted by hand in
// the comment beside it.
#include "cases/calendar.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "gtest/gtest.h"

namespace cordon {
namespace {

using nlohmann::json;

Date D(int year, unsigned month, unsigned day) {
  return Date{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)};
}

Calendar MustEmbedded(std::string_view code, std::string_view region = {}) {
  Result<Calendar> calendar = Calendar::Embedded(code, region);
  EXPECT_TRUE(calendar.ok()) << calendar.error().ToString();
  return std::move(calendar).value();
}

Date MustAdd(const Calendar& calendar, Date event, int working_days) {
  Result<Date> due = calendar.AddWorkingDays(event, working_days);
  EXPECT_TRUE(due.ok()) << due.error().ToString();
  return due.ok() ? *due : Date{};
}

bool HasField(const Error& error, std::string_view field) {
  return std::any_of(error.fields().begin(), error.fields().end(),
                     [&](const FieldError& f) { return f.field == field; });
}

// Whether some field error at `field` contains `text`.
bool HasFieldMessage(const Error& error, std::string_view field, std::string_view text) {
  return std::any_of(error.fields().begin(), error.fields().end(), [&](const FieldError& f) {
    return f.field == field && f.message.find(text) != std::string::npos;
  });
}

TEST(Calendar, WeekendsHolidaysAndWorkingDays) {
  Calendar de = MustEmbedded("DE");
  EXPECT_TRUE(*de.IsWorkingDay(D(2025, 4, 17)));   // Thu, Maundy Thursday
  EXPECT_FALSE(*de.IsWorkingDay(D(2025, 4, 18)));  // Good Friday
  EXPECT_FALSE(*de.IsWorkingDay(D(2025, 4, 19)));  // Saturday
  EXPECT_FALSE(*de.IsWorkingDay(D(2025, 4, 20)));  // Sunday
  EXPECT_FALSE(*de.IsWorkingDay(D(2025, 4, 21)));  // Easter Monday
  EXPECT_TRUE(*de.IsWorkingDay(D(2025, 4, 22)));

  Result<DayInfo> friday = de.Describe(D(2025, 4, 18));
  ASSERT_TRUE(friday.ok());
  EXPECT_EQ(friday->kind, DayKind::kHoliday);
  EXPECT_EQ(friday->name, "Karfreitag (Good Friday)");
  EXPECT_FALSE(friday->provisional);
  EXPECT_EQ(de.Describe(D(2025, 4, 19))->kind, DayKind::kWeekend);
  EXPECT_EQ(de.Describe(D(2025, 4, 22))->kind, DayKind::kWorkingDay);
  EXPECT_STREQ(DayKindName(DayKind::kMovedWorkingDay), "moved_working_day");
}

TEST(Calendar, ChineseMakeUpSundayIsAWorkingDay) {
  Calendar cn = MustEmbedded("CN");
  // Sun 2025-01-26: 春节调休上班 under the 2025 notice.
  Result<DayInfo> sunday = cn.Describe(D(2025, 1, 26));
  ASSERT_TRUE(sunday.ok());
  EXPECT_EQ(sunday->kind, DayKind::kMovedWorkingDay);
  EXPECT_TRUE(*cn.IsWorkingDay(D(2025, 1, 26)));
  // Sat 2025-01-25 stays a weekend day; Tue 2025-01-28 (除夕) is a holiday.
  EXPECT_FALSE(*cn.IsWorkingDay(D(2025, 1, 25)));
  EXPECT_FALSE(*cn.IsWorkingDay(D(2025, 1, 28)));
}

TEST(AddWorkingDays, EasterInGermany) {
  Calendar de = MustEmbedded("DE");
  // Notified Thu 2025-04-17 (Maundy Thursday) + 10 working days: Fri 18
  // (Good Friday), Sat/Sun and Mon 21 (Easter Monday) do not count; 22-25 are
  // days 1-4, 28-30 days 5-7, Thu 1 May is a holiday, Fri 2 May day 8,
  // Mon 5 day 9, Tue 6 May day 10.
  EXPECT_EQ(MustAdd(de, D(2025, 4, 17), 10), D(2025, 5, 6));
  // Three working days from the same Thursday: 22, 23, 24 April.
  EXPECT_EQ(MustAdd(de, D(2025, 4, 17), 3), D(2025, 4, 24));
}

TEST(AddWorkingDays, WeekendOnly) {
  Calendar de = MustEmbedded("DE");
  // Fri 2025-03-07 + 3: Mon 10, Tue 11, Wed 12 March.
  EXPECT_EQ(MustAdd(de, D(2025, 3, 7), 3), D(2025, 3, 12));
  // Sat 2025-03-08 (event on a weekend day) + 1: Mon 10 March.
  EXPECT_EQ(MustAdd(de, D(2025, 3, 8), 1), D(2025, 3, 10));
}

TEST(AddWorkingDays, ChristmasAndNewYearInGermany) {
  Calendar de = MustEmbedded("DE");
  // Mon 2025-12-22 + 10: Tue 23 (1), Wed 24 (2; Christmas Eve is a working
  // day), 25/26 holidays, 27/28 weekend, Mon 29 (3), Tue 30 (4), Wed 31 (5),
  // Thu 1 Jan holiday, Fri 2 (6), Mon 5 (7), Tue 6 (8), Wed 7 (9), Thu 8 (10).
  EXPECT_EQ(MustAdd(de, D(2025, 12, 22), 10), D(2026, 1, 8));
  // In Bavaria Tue 6 January (Epiphany) is a holiday too: one day later.
  EXPECT_EQ(MustAdd(MustEmbedded("DE", "BY"), D(2025, 12, 22), 10), D(2026, 1, 9));
}

TEST(AddWorkingDays, CrossesTheYearEnd) {
  Calendar de = MustEmbedded("DE");
  // Fri 2024-12-20 + 10: Mon 23 (1), Tue 24 (2), 25/26 holidays, Fri 27 (3),
  // Mon 30 (4), Tue 31 (5), 1 Jan holiday, Thu 2 (6), Fri 3 (7), Mon 6 (8),
  // Tue 7 (9), Wed 8 January 2025 (10).
  EXPECT_EQ(MustAdd(de, D(2024, 12, 20), 10), D(2025, 1, 8));
  // The event day itself is not counted (Art. 3(1)), so it need not be
  // covered: Sun 2023-12-31 + 1 is Tue 2024-01-02 (1 January is a holiday).
  EXPECT_EQ(MustAdd(de, D(2023, 12, 31), 1), D(2024, 1, 2));
  // But from Fri 2023-12-29 the days 30 and 31 December 2023 must be looked
  // at, and the calendar does not know them.
  EXPECT_EQ(de.AddWorkingDays(D(2023, 12, 29), 1).error().code(), ErrorCode::kNotFound);
}

TEST(AddWorkingDays, DutchKingsDayAndLiberationDay) {
  Calendar nl = MustEmbedded("NL");
  // Fri 2026-04-24 + 10: Mon 27 (Koningsdag) off, Tue 28 (1), 29 (2), 30 (3),
  // Fri 1 May (4; not a Dutch holiday), Mon 4 (5), Tue 5 May (Bevrijdingsdag)
  // off, Wed 6 (6), Thu 7 (7), Fri 8 (8), Mon 11 (9), Tue 12 May (10).
  EXPECT_EQ(MustAdd(nl, D(2026, 4, 24), 10), D(2026, 5, 12));
}

TEST(AddWorkingDays, ChineseMakeUpWorkingDaysCount) {
  Calendar cn = MustEmbedded("CN");
  // Fri 2025-01-24 + 3: Sat 25 off, Sun 26 is a make-up working day (1),
  // Mon 27 (2), 28 Jan - 4 Feb Spring Festival, Wed 5 February (3).
  EXPECT_EQ(MustAdd(cn, D(2025, 1, 24), 3), D(2025, 2, 5));
  // Fri 2025-09-26 + 10: Sun 28 make-up (1), Mon 29 (2), Tue 30 (3), 1-8 Oct
  // National Day and Mid-Autumn, Thu 9 (4), Fri 10 (5), Sat 11 make-up (6),
  // Mon 13 (7), 14 (8), 15 (9), Thu 16 October (10).
  EXPECT_EQ(MustAdd(cn, D(2025, 9, 26), 10), D(2025, 10, 16));
  // Fri 2026-02-13 + 3: Sat 14 make-up (1), 15-23 Feb Spring Festival,
  // Tue 24 (2), Wed 25 February (3).
  EXPECT_EQ(MustAdd(cn, D(2026, 2, 13), 3), D(2026, 2, 25));
}

TEST(AddWorkingDays, OutsideCoverageIsAnErrorNotAGuess) {
  Calendar de = MustEmbedded("DE");
  // Mon 2027-12-20 + 10 needs January 2028, which the calendar lacks.
  Result<Date> due = de.AddWorkingDays(D(2027, 12, 20), 10);
  ASSERT_FALSE(due.ok());
  EXPECT_EQ(due.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(due.error().message().find("2028-01-01"), std::string::npos) << due.error().message();
  EXPECT_NE(due.error().message().find("2024-01-01 to 2027-12-31"), std::string::npos);

  EXPECT_EQ(de.IsWorkingDay(D(2031, 6, 2)).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(de.Describe(D(2023, 6, 1)).error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(de.Covers(D(2028, 1, 1)));
  EXPECT_TRUE(de.Covers(D(2027, 12, 31)));
}

TEST(AddWorkingDays, RejectsNonPositivePeriods) {
  Calendar de = MustEmbedded("DE");
  EXPECT_EQ(de.AddWorkingDays(D(2025, 3, 3), 0).error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(de.AddWorkingDays(D(2025, 3, 3), -1).error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(de.AddWorkingDays(D(2025, 3, 3), 1001).error().code(), ErrorCode::kInvalidInput);
}

TEST(AddCalendarDays, EndsOnTheNextWorkingDay) {
  Calendar de = MustEmbedded("DE");
  // Tue 2025-04-08 + 10 days = Fri 18 April (Good Friday); Art. 3(4) moves
  // the end past Sat, Sun and Easter Monday to Tue 22 April.
  EXPECT_EQ(*de.AddCalendarDays(D(2025, 4, 8), 10), D(2025, 4, 22));
  // Mon 2025-03-03 + 4 days = Fri 7 March, a working day.
  EXPECT_EQ(*de.AddCalendarDays(D(2025, 3, 3), 4), D(2025, 3, 7));
}

TEST(AddCalendarDays, TwoDayPeriodHoldsTwoWorkingDays) {
  Calendar de = MustEmbedded("DE");
  // Wed 2025-12-24 + 2 days = Fri 26 (holiday) -> Mon 29 under Art. 3(4);
  // 25, 26, 27, 28 are not working days, so the period holds only Mon 29:
  // Art. 3(5) extends it to Tue 30 December.
  EXPECT_EQ(*de.AddCalendarDays(D(2025, 12, 24), 2), D(2025, 12, 30));
  // Tue 2025-12-23 + 2: ends Mon 29 and holds Wed 24 and Mon 29: no change.
  EXPECT_EQ(*de.AddCalendarDays(D(2025, 12, 23), 2), D(2025, 12, 29));
}

TEST(AddCalendarDays, ChineseMakeUpSundayCanEndAPeriod) {
  Calendar cn = MustEmbedded("CN");
  // Thu 2025-09-25 + 3 days = Sun 28 September, a make-up working day.
  EXPECT_EQ(*cn.AddCalendarDays(D(2025, 9, 25), 3), D(2025, 9, 28));
  EXPECT_EQ(cn.AddCalendarDays(D(2025, 9, 25), 0).error().code(), ErrorCode::kInvalidInput);
}

TEST(Calendar, RegionsAndErrorsForUnknownOnes) {
  Calendar by = MustEmbedded("DE", "BY");
  EXPECT_EQ(by.code(), "DE-BY");
  Result<Calendar> unknown = Calendar::Embedded("DE", "XX");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(unknown.error().message().find("BW, BY"), std::string::npos)
      << unknown.error().message();
  Result<Calendar> none = Calendar::Embedded("NL", "NH");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message().find("it has none"), std::string::npos);
  Result<Calendar> missing = Calendar::Embedded("FR");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message().find("CN, DE, NL"), std::string::npos);
}

TEST(Calendar, LoadsAnAdministrationsFileByPath) {
  Result<Calendar> loaded =
      Calendar::Load(std::string(CORDON_SOURCE_DATA_DIR) + "/calendars/DE.json", "NW");
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  EXPECT_EQ(loaded->code(), "DE-NW");
  // Fri 2024-11-01, All Saints: a holiday in Nordrhein-Westfalen only.
  EXPECT_FALSE(*loaded->IsWorkingDay(D(2024, 11, 1)));
  EXPECT_TRUE(*MustEmbedded("DE").IsWorkingDay(D(2024, 11, 1)));
  Result<Calendar> absent = Calendar::Load("/nonexistent/calendar.json");
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.error().code(), ErrorCode::kNotFound);
}

// A small valid calendar that each validation test breaks in one place.
json ValidCalendar() {
  return json::parse(R"({
    "format": "cordon.calendar/1",
    "code": "XA",
    "name": "Test administration",
    "weekend": ["saturday", "sunday"],
    "sources": [{"title": "Test gazette", "date": "2023-11-01"}],
    "years": [
      {"year": 2024, "status": "official",
       "holidays": [{"date": "2024-01-01", "name": "New Year"}],
       "working_days": [{"date": "2024-02-03", "name": "Moved Saturday"}]},
      {"year": 2025, "status": "provisional", "note": "not yet published",
       "holidays": [{"date": "2025-01-01", "name": "New Year"}]}
    ],
    "regions": [
      {"code": "R1", "name": "Region one",
       "holidays": [{"date": "2024-06-03", "name": "Regional day"}]}
    ]
  })");
}

Error MustFail(const json& document) {
  Result<Calendar> calendar = Calendar::FromJson(document.dump());
  EXPECT_FALSE(calendar.ok());
  if (calendar.ok()) return Internal("parsed unexpectedly");
  EXPECT_EQ(calendar.error().code(), ErrorCode::kInvalidInput);
  return calendar.error();
}

TEST(CalendarValidation, TheBaseDocumentIsValid) {
  Result<Calendar> calendar = Calendar::FromJson(ValidCalendar().dump());
  ASSERT_TRUE(calendar.ok()) << calendar.error().ToString();
  EXPECT_TRUE(*calendar->IsWorkingDay(D(2024, 2, 3)));  // the moved Saturday
  EXPECT_TRUE(calendar->IsProvisional(2025));
  EXPECT_TRUE(*calendar->IsWorkingDay(D(2024, 6, 3)));  // region not selected
  Result<Calendar> region = Calendar::FromJson(ValidCalendar().dump(), "R1");
  ASSERT_TRUE(region.ok());
  EXPECT_FALSE(*region->IsWorkingDay(D(2024, 6, 3)));
}

TEST(CalendarValidation, BadDates) {
  json document = ValidCalendar();
  document["years"][0]["holidays"][0]["date"] = "2024-02-30";
  Error error = MustFail(document);
  EXPECT_TRUE(HasField(error, "years[0].holidays[0].date")) << error.ToString();

  document = ValidCalendar();
  document["years"][0]["holidays"][0]["date"] = "2025-05-01";
  error = MustFail(document);
  EXPECT_TRUE(HasFieldMessage(error, "years[0].holidays[0].date", "is not in year 2024"))
      << error.ToString();
  EXPECT_NE(error.message().find("years[0].holidays[0].date"), std::string::npos);

  document = ValidCalendar();
  document["years"][0]["holidays"][0]["date"] = 20240101;
  EXPECT_TRUE(HasField(MustFail(document), "years[0].holidays[0].date"));
}

TEST(CalendarValidation, DayBothHolidayAndWorkingDay) {
  json document = ValidCalendar();
  document["years"][0]["holidays"].push_back({{"date", "2024-02-03"}, {"name", "Clash"}});
  Error error = MustFail(document);
  EXPECT_TRUE(HasFieldMessage(error, "years[0].working_days[0].date",
                              "also listed as a holiday (years[0].holidays[1].date)"))
      << error.ToString();
}

TEST(CalendarValidation, DayListedTwice) {
  json document = ValidCalendar();
  document["years"][0]["holidays"].push_back({{"date", "2024-01-01"}, {"name", "Again"}});
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "years[0].holidays[1].date", "listed twice"));
}

TEST(CalendarValidation, MovedWorkingDayMustBeAWeekendDay) {
  json document = ValidCalendar();
  document["years"][0]["working_days"][0]["date"] = "2024-02-05";  // a Monday
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "years[0].working_days[0].date",
                              "is a monday, already a working day"));
}

TEST(CalendarValidation, YearsOutOfRangeOrNotConsecutive) {
  json document = ValidCalendar();
  document["years"][0]["year"] = 1900;
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "years[0].year", "between 1970 and 2199"));

  document = ValidCalendar();
  document["years"][1]["year"] = 2026;
  document["years"][1]["holidays"][0]["date"] = "2026-01-01";
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "years[1].year", "must be 2025"));

  document = ValidCalendar();
  document["years"] = json::array();
  EXPECT_TRUE(HasField(MustFail(document), "years"));
}

TEST(CalendarValidation, RequiredFieldsUnknownFieldsAndEnums) {
  json document = ValidCalendar();
  document.erase("sources");
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "sources", "is required"));

  document = ValidCalendar();
  document["sources"] = json::array();
  EXPECT_TRUE(HasField(MustFail(document), "sources"));

  document = ValidCalendar();
  document["years"][0]["holiday"] = json::array();  // misspelt
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "years[0].holiday", "unknown field"));

  document = ValidCalendar();
  document["years"][0]["status"] = "draft";
  EXPECT_TRUE(HasField(MustFail(document), "years[0].status"));

  document = ValidCalendar();
  document["years"][1].erase("note");
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "years[1].note", "provisional"));

  document = ValidCalendar();
  document["weekend"] = {"Saturday"};
  EXPECT_TRUE(HasField(MustFail(document), "weekend[0]"));

  document = ValidCalendar();
  document["format"] = "cordon.calendar/2";
  EXPECT_TRUE(HasField(MustFail(document), "format"));
}

TEST(CalendarValidation, RegionHolidays) {
  json document = ValidCalendar();
  document["regions"][0]["holidays"][0]["date"] = "2023-06-05";
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "regions[0].holidays[0].date",
                              "outside the years the calendar covers (2024-2025)"));

  document = ValidCalendar();
  document["regions"][0]["holidays"][0]["date"] = "2024-01-01";
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "regions[0].holidays[0].date",
                              "already a holiday (years[0].holidays[0].date)"));

  document = ValidCalendar();
  document["regions"][0]["holidays"][0]["date"] = "2024-02-03";
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "regions[0].holidays[0].date",
                              "also listed as a working day"));

  document = ValidCalendar();
  document["regions"].push_back(document["regions"][0]);
  EXPECT_TRUE(HasFieldMessage(MustFail(document), "regions[1].code", "listed twice"));
}

TEST(CalendarValidation, NotJsonAndNotAnObject) {
  Result<Calendar> broken = Calendar::FromJson("{\"format\": ");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(broken.error().message().find("not JSON"), std::string::npos);
  Result<Calendar> array = Calendar::FromJson("[]");
  ASSERT_FALSE(array.ok());
  EXPECT_EQ(array.error().code(), ErrorCode::kInvalidInput);
}

TEST(CalendarValidation, ReportsEveryProblemAtOnce) {
  json document = ValidCalendar();
  document["years"][0]["holidays"][0]["date"] = "2024-13-01";
  document["years"][1]["status"] = "maybe";
  document["code"] = "x y";
  Error error = MustFail(document);
  EXPECT_GE(error.fields().size(), 3u) << error.ToString();
  EXPECT_NE(error.message().find("more"), std::string::npos);
}

}  // namespace
}  // namespace cordon
