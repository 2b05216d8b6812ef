#include "core/time.h"

#include <gtest/gtest.h>

namespace cordon {
namespace {

using std::chrono::day;
using std::chrono::month;
using std::chrono::year;

TEST(TimeTest, DatesRoundTrip) {
  auto date = ParseDate("2027-05-01");
  ASSERT_TRUE(date.has_value());
  EXPECT_EQ(*date, Date(year(2027), month(5), day(1)));
  EXPECT_EQ(FormatDate(*date), "2027-05-01");
}

TEST(TimeTest, RejectsImpossibleAndMalformedDates) {
  EXPECT_FALSE(ParseDate("2027-02-30").has_value());
  EXPECT_FALSE(ParseDate("2027-13-01").has_value());
  EXPECT_FALSE(ParseDate("2027-5-01").has_value());
  EXPECT_FALSE(ParseDate("2027-05-01T00:00:00Z").has_value());
  EXPECT_FALSE(ParseDate("").has_value());
  EXPECT_TRUE(ParseDate("2028-02-29").has_value());
}

TEST(TimeTest, TimestampsRoundTrip) {
  auto ts = ParseTimestamp("2026-11-21T23:01:17.123Z");
  ASSERT_TRUE(ts.has_value());
  EXPECT_EQ(FormatTimestamp(*ts), "2026-11-21T23:01:17.123Z");
  auto offset = ParseTimestamp("2026-11-22T01:01:17+02:00");
  ASSERT_TRUE(offset.has_value());
  EXPECT_EQ(FormatTimestamp(*offset), "2026-11-21T23:01:17.000Z");
  EXPECT_FALSE(ParseTimestamp("2026-11-21").has_value());
  EXPECT_FALSE(ParseTimestamp("2026-11-21T23:01:17Zjunk").has_value());
}

TEST(TimeTest, CalendarArithmetic) {
  Date leap = Date(year(2028), month(2), day(29));
  EXPECT_EQ(FormatDate(AddYears(leap, 1)), "2029-02-28");
  EXPECT_EQ(FormatDate(AddDays(Date(year(2026), month(12), day(31)), 1)), "2027-01-01");
  EXPECT_EQ(FormatDate(DateOf(*ParseTimestamp("2026-11-21T23:59:59Z"))), "2026-11-21");
}

TEST(TimeTest, FakeClockMovesOnlyWhenTold) {
  FakeClock clock(*ParseTimestamp("2026-01-01T00:00:00Z"));
  EXPECT_EQ(FormatDate(clock.Today()), "2026-01-01");
  clock.Advance(std::chrono::hours(24));
  EXPECT_EQ(FormatDate(clock.Today()), "2026-01-02");
}

}  // namespace
}  // namespace cordon
