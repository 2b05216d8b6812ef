// Deadlines of whole cases on the shipped rule sets and calendars. Every
// expected date is counted by hand in the comment beside it.
#include "cases/deadlines.h"

#include <algorithm>
#include <string>

#include "gtest/gtest.h"

namespace cordon {
namespace {

Date D(int year, unsigned month, unsigned day) {
  return Date{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)};
}

RuleSet Rules(std::string_view name) {
  Result<RuleSet> rules = RuleSet::Embedded(name);
  EXPECT_TRUE(rules.ok()) << rules.error().ToString();
  return std::move(rules).value();
}

Calendar Cal(std::string_view code, std::string_view region = {}) {
  Result<Calendar> calendar = Calendar::Embedded(code, region);
  EXPECT_TRUE(calendar.ok()) << calendar.error().ToString();
  return std::move(calendar).value();
}

Deadlines MustCompute(const RuleSet& rules, const Calendar& calendar, const DeadlineInput& input) {
  Result<Deadlines> deadlines = ComputeDeadlines(rules, calendar, input);
  EXPECT_TRUE(deadlines.ok()) << deadlines.error().ToString();
  return deadlines.ok() ? std::move(deadlines).value() : Deadlines{};
}

std::string Due(const Deadlines& deadlines, std::string_view name) {
  std::optional<Date> due = deadlines.Due(name);
  return due ? FormatDate(*due) : "(none)";
}

DeadlineInput OnApplication(Date suspended_on, Date notified_on) {
  DeadlineInput input;
  input.suspended_on = suspended_on;
  input.notified_on = notified_on;
  return input;
}

TEST(EuDeadlines, EasterInGermany) {
  // Suspended Wed 2025-04-16, notified Thu 2025-04-17 (Maundy Thursday).
  DeadlineInput input = OnApplication(D(2025, 4, 16), D(2025, 4, 17));
  Deadlines deadlines = MustCompute(Rules("EU"), Cal("DE"), input);
  // Art. 17(3): Wed 16 + 1 working day = Thu 17 April.
  EXPECT_EQ(Due(deadlines, "declarant_notice_due"), "2025-04-17");
  // Art. 23(1): Thu 17 + 10 working days; 18 (Good Friday), 19-20, 21 (Easter
  // Monday) and 1 May are off: 22-25 (1-4), 28-30 (5-7), 2 May (8), 5 (9),
  // Tue 6 May (10).
  EXPECT_EQ(Due(deadlines, "response_due"), "2025-05-06");
  EXPECT_EQ(Due(deadlines, "application_due"), "(none)");  // not ex officio
  EXPECT_EQ(Due(deadlines, "proceedings_due"), "(none)");  // not a small consignment
  EXPECT_FALSE(deadlines.any_provisional());
  const Deadline* response = deadlines.Find("response_due");
  ASSERT_NE(response, nullptr);
  EXPECT_EQ(response->extensions, 0);
  EXPECT_EQ(response->original_due, response->due);
  EXPECT_NE(response->reference.find("Art. 23(1)"), std::string::npos);
}

TEST(EuDeadlines, ExtensionCountsFromTheOriginalDueDate) {
  DeadlineInput input = OnApplication(D(2025, 4, 16), D(2025, 4, 17));
  input.extensions_taken = 1;
  Deadlines deadlines = MustCompute(Rules("EU"), Cal("DE"), input);
  // Art. 23(4): original due Tue 6 May + 10 working days: 7, 8, 9 (1-3),
  // 12-16 (4-8), 19 (9), Tue 20 May (10).
  const Deadline* response = deadlines.Find("response_due");
  ASSERT_NE(response, nullptr);
  EXPECT_EQ(FormatDate(response->original_due), "2025-05-06");
  EXPECT_EQ(FormatDate(response->due), "2025-05-20");
  EXPECT_EQ(response->extensions, 1);
  EXPECT_NE(response->reference.find("extended: Regulation (EU) No 608/2013 Art. 23(4)"),
            std::string::npos)
      << response->reference;
  // Only response_due moves.
  EXPECT_EQ(Due(deadlines, "declarant_notice_due"), "2025-04-17");

  // A second extension is not allowed (Art. 23(4): once).
  input.extensions_taken = 2;
  Result<Deadlines> twice = ComputeDeadlines(Rules("EU"), Cal("DE"), input);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code(), ErrorCode::kInvalidInput);
  ASSERT_FALSE(twice.error().fields().empty());
  EXPECT_EQ(twice.error().fields()[0].field, "extensions_taken");
}

TEST(EuDeadlines, PerishableGoodsOverChristmas) {
  DeadlineInput input = OnApplication(D(2025, 12, 22), D(2025, 12, 23));
  input.facts.perishable = true;
  Deadlines deadlines = MustCompute(Rules("EU"), Cal("DE"), input);
  // Art. 23(1), perishable: Tue 23 Dec + 3 working days: Wed 24 (1; not a
  // holiday), 25/26 holidays, 27/28 weekend, Mon 29 (2), Tue 30 Dec (3).
  EXPECT_EQ(Due(deadlines, "response_due"), "2025-12-30");
  // Art. 17(3): Mon 22 + 1 = Tue 23.
  EXPECT_EQ(Due(deadlines, "declarant_notice_due"), "2025-12-23");

  // Fri 2025-12-19 + 3: Mon 22, Tue 23, Wed 24 December.
  input = OnApplication(D(2025, 12, 19), D(2025, 12, 19));
  input.facts.perishable = true;
  EXPECT_EQ(Due(MustCompute(Rules("EU"), Cal("DE"), input), "response_due"), "2025-12-24");
}

TEST(EuDeadlines, NoExtensionForPerishableGoods) {
  DeadlineInput input = OnApplication(D(2025, 12, 22), D(2025, 12, 23));
  input.facts.perishable = true;
  input.extensions_taken = 1;
  Result<Deadlines> deadlines = ComputeDeadlines(Rules("EU"), Cal("DE"), input);
  ASSERT_FALSE(deadlines.ok());
  EXPECT_EQ(deadlines.error().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(deadlines.error().message().find("perishable"), std::string::npos);
  EXPECT_NE(deadlines.error().message().find("Art. 23(4)"), std::string::npos);
}

TEST(EuDeadlines, ExOfficioAroundAscensionAndWhitMonday) {
  DeadlineInput input = OnApplication(D(2025, 5, 26), D(2025, 5, 27));
  input.facts.procedure = Procedure::kExOfficio;
  Deadlines deadlines = MustCompute(Rules("EU"), Cal("DE"), input);
  // Art. 5(3)(a): Tue 27 May + 4 working days: Wed 28 (1), Thu 29 Ascension
  // off, Fri 30 (2), Mon 2 June (3), Tue 3 June (4).
  EXPECT_EQ(Due(deadlines, "application_due"), "2025-06-03");
  // Art. 23(1): + 10 working days: 28, 30 May, 2-6 June (1-7), Mon 9 June
  // Whit Monday off, 10 (8), 11 (9), Thu 12 June (10).
  EXPECT_EQ(Due(deadlines, "response_due"), "2025-06-12");
  // Art. 18(3): Mon 26 + 1 = Tue 27 May.
  EXPECT_EQ(Due(deadlines, "declarant_notice_due"), "2025-05-27");
}

TEST(EuDeadlines, ExOfficioNotForPerishableGoods) {
  DeadlineInput input = OnApplication(D(2025, 5, 26), D(2025, 5, 27));
  input.facts.procedure = Procedure::kExOfficio;
  input.facts.perishable = true;
  Result<Deadlines> deadlines = ComputeDeadlines(Rules("EU"), Cal("DE"), input);
  ASSERT_FALSE(deadlines.ok());
  EXPECT_EQ(deadlines.error().code(), ErrorCode::kInvalidInput);
  ASSERT_FALSE(deadlines.error().fields().empty());
  EXPECT_EQ(deadlines.error().fields()[0].field, "perishable");
  EXPECT_NE(deadlines.error().message().find("Art. 18(1)"), std::string::npos);
}

TEST(EuDeadlines, SmallConsignments) {
  DeadlineInput input = OnApplication(D(2025, 4, 16), D(2025, 4, 17));
  input.facts.small_consignment = true;
  Deadlines deadlines = MustCompute(Rules("EU"), Cal("DE"), input);
  // Art. 26(4): same 10 working days as above: Tue 6 May.
  EXPECT_EQ(Due(deadlines, "response_due"), "2025-05-06");
  // Art. 26(9) needs the day the holder was told of an opposition.
  EXPECT_EQ(Due(deadlines, "proceedings_due"), "(none)");
  input.opposition_notified_on = D(2025, 4, 25);
  deadlines = MustCompute(Rules("EU"), Cal("DE"), input);
  // Fri 25 April + 10: 28-30 April (1-3), 1 May off, 2 May (4), 5-9 (5-9),
  // Mon 12 May (10).
  EXPECT_EQ(Due(deadlines, "proceedings_due"), "2025-05-12");
  // No extension in the small-consignments procedure.
  input.extensions_taken = 1;
  EXPECT_EQ(ComputeDeadlines(Rules("EU"), Cal("DE"), input).error().code(),
            ErrorCode::kInvalidInput);
}

TEST(EuDeadlines, ChristmasAndNewYearDependOnTheLand) {
  DeadlineInput input = OnApplication(D(2025, 12, 22), D(2025, 12, 22));
  // Mon 22 Dec + 10 working days: 23, 24 (1-2), 29-31 (3-5), 2 Jan (6),
  // 5-8 January (7-10) nationally; Bavaria also keeps Tue 6 January
  // (Epiphany), so Fri 9 January there.
  EXPECT_EQ(Due(MustCompute(Rules("EU"), Cal("DE"), input), "response_due"), "2026-01-08");
  EXPECT_EQ(Due(MustCompute(Rules("EU"), Cal("DE", "BY"), input), "response_due"), "2026-01-09");
}

TEST(EuDeadlines, CrossTheYearEnd) {
  DeadlineInput input = OnApplication(D(2024, 12, 19), D(2024, 12, 20));
  Deadlines deadlines = MustCompute(Rules("EU"), Cal("DE"), input);
  // Fri 20 Dec 2024 + 10: 23, 24 (1-2), 27 (3), 30, 31 (4-5), 2, 3 Jan (6-7),
  // 6, 7, 8 January 2025 (8-10).
  EXPECT_EQ(Due(deadlines, "response_due"), "2025-01-08");
}

TEST(EuDeadlines, BeyondTheCalendarIsAnError) {
  DeadlineInput input = OnApplication(D(2027, 12, 17), D(2027, 12, 20));
  Result<Deadlines> deadlines = ComputeDeadlines(Rules("EU"), Cal("DE"), input);
  ASSERT_FALSE(deadlines.ok());
  EXPECT_EQ(deadlines.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(deadlines.error().message().find("calendar DE has no data for 2028-01-01"),
            std::string::npos)
      << deadlines.error().message();
}

TEST(EuDeadlines, DatesMustBeInOrder) {
  DeadlineInput input = OnApplication(D(2025, 4, 17), D(2025, 4, 16));
  Result<Deadlines> deadlines = ComputeDeadlines(Rules("EU"), Cal("DE"), input);
  ASSERT_FALSE(deadlines.ok());
  EXPECT_EQ(deadlines.error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(deadlines.error().fields()[0].field, "notified_on");

  input = OnApplication(D(2025, 4, 16), D(2025, 4, 17));
  input.facts.small_consignment = true;
  input.opposition_notified_on = D(2025, 4, 16);
  EXPECT_EQ(ComputeDeadlines(Rules("EU"), Cal("DE"), input).error().fields()[0].field,
            "opposition_notified_on");
}

TEST(EuDeadlines, DutchCalendar) {
  DeadlineInput input = OnApplication(D(2026, 4, 23), D(2026, 4, 24));
  Deadlines deadlines = MustCompute(Rules("EU"), Cal("NL"), input);
  // Fri 24 April 2026 + 10: Mon 27 (Koningsdag) off, 28-30 (1-3), Fri 1 May
  // (4), Mon 4 (5), Tue 5 May (Bevrijdingsdag) off, 6-8 (6-8), 11 (9),
  // Tue 12 May (10).
  EXPECT_EQ(Due(deadlines, "response_due"), "2026-05-12");
}

TEST(TripsDeadlines, TenWorkingDaysExtendableOnceEvenForPerishables) {
  DeadlineInput input = OnApplication(D(2026, 4, 24), D(2026, 4, 24));
  input.facts.perishable = true;  // TRIPS has no perishable-goods rule
  input.extensions_taken = 1;
  Deadlines deadlines = MustCompute(Rules("TRIPS"), Cal("NL"), input);
  const Deadline* response = deadlines.Find("response_due");
  ASSERT_NE(response, nullptr);
  // Art. 55: as above, Tue 12 May; extended by 10 from there: 13 (1),
  // Thu 14 Ascension off, 15 (2), 18-22 (3-7), Mon 25 Whit Monday off,
  // 26 (8), 27 (9), Thu 28 May (10).
  EXPECT_EQ(FormatDate(response->original_due), "2026-05-12");
  EXPECT_EQ(FormatDate(response->due), "2026-05-28");
  // TRIPS fixes no declarant notice period (Art. 54: "promptly").
  EXPECT_EQ(Due(deadlines, "declarant_notice_due"), "(none)");
}

TEST(CnDeadlines, HolderAnswersWithinThreeWorkingDaysCountingAMakeUpSunday) {
  DeadlineInput input = OnApplication(D(2025, 1, 23), D(2025, 1, 24));
  input.facts.procedure = Procedure::kExOfficio;
  Deadlines deadlines = MustCompute(Rules("CN"), Cal("CN"), input);
  // Art. 16: Fri 24 Jan 2025 + 3 working days: Sat 25 off, Sun 26 make-up
  // working day (1), Mon 27 (2), 28 Jan - 4 Feb Spring Festival, Wed 5 Feb (3).
  EXPECT_EQ(Due(deadlines, "application_due"), "2025-02-05");
  // The Art. 20 and 24(2) periods run from the detention, not known yet.
  EXPECT_EQ(Due(deadlines, "investigation_due"), "(none)");
  EXPECT_EQ(Due(deadlines, "response_due"), "(none)");

  input.detained_on = D(2025, 2, 5);
  deadlines = MustCompute(Rules("CN"), Cal("CN"), input);
  // Art. 20: Wed 5 Feb + 30 working days (Sat 8 Feb is a make-up day):
  // 6, 7, 8 (1-3), 10-14 (4-8), 17-21 (9-13), 24-28 (14-18), 3-7 Mar (19-23),
  // 10-14 (24-28), Mon 17 (29), Tue 18 March (30).
  EXPECT_EQ(Due(deadlines, "investigation_due"), "2025-03-18");
  EXPECT_EQ(Due(deadlines, "application_due"), "2025-02-05");
}

TEST(CnDeadlines, TwentyWorkingDaysAcrossNationalDay) {
  DeadlineInput input = OnApplication(D(2025, 9, 25), D(2025, 9, 25));
  Deadlines deadlines = MustCompute(Rules("CN"), Cal("CN"), input);
  // Art. 24(1): Thu 25 Sep 2025 + 20 working days: Fri 26 (1), Sun 28
  // make-up (2), 29, 30 (3-4), 1-8 Oct off, 9, 10 (5-6), Sat 11 make-up (7),
  // 13-17 (8-12), 20-24 (13-17), 27, 28, Wed 29 October (18-20).
  EXPECT_EQ(Due(deadlines, "response_due"), "2025-10-29");
  EXPECT_FALSE(deadlines.any_provisional());
}

TEST(CnDeadlines, ProvisionalYearIsFlagged) {
  DeadlineInput input = OnApplication(D(2026, 12, 20), D(2026, 12, 20));
  Deadlines deadlines = MustCompute(Rules("CN"), Cal("CN"), input);
  // Sun 20 Dec 2026 + 20 working days reaches into 2027, which is
  // provisional: 21-25, 28-31 Dec (1-9), 1 Jan 2027 off, 4-8 (10-14),
  // 11-15 (15-19), Mon 18 January (20).
  const Deadline* response = deadlines.Find("response_due");
  ASSERT_NE(response, nullptr);
  EXPECT_EQ(FormatDate(response->due), "2027-01-18");
  EXPECT_TRUE(response->provisional);
  EXPECT_TRUE(deadlines.any_provisional());
}

TEST(EndOfPeriod, DispatchesOnTheUnit) {
  Calendar de = Cal("DE");
  EXPECT_EQ(FormatDate(*EndOfPeriod(de, D(2025, 4, 8), PeriodUnit::kCalendarDays, 10)),
            "2025-04-22");
  EXPECT_EQ(FormatDate(*EndOfPeriod(de, D(2025, 4, 17), PeriodUnit::kWorkingDays, 10)),
            "2025-05-06");
}

}  // namespace
}  // namespace cordon
