// Deadline computation (issue 5): from a rule set, a working-day calendar and
// the dates of a case, the due date of every time limit that applies. Pure
// functions: no clock, no I/O.
//
// Each time limit of the rule set that applies to the case's facts is counted
// from its anchor date with Calendar::AddWorkingDays or AddCalendarDays
// (Regulation 1182/71 Art. 3). A limit whose anchor date is not known yet
// (detained_on, opposition_notified_on) is left out, not guessed; the case
// engine recomputes when the date becomes known. Extensions move the limits
// the rule set's extension names, each counted from the due date it extends:
// under Regulation (EU) No 608/2013 Art. 23(4) the 10 working days run from
// the end of the original period, so an extension never gives fewer days
// because the request came early.
//
// With the shipped EU rules the results are named:
//   declarant_notice_due  suspended_on + 1 working day (Art. 17(3), 18(3), 26(3))
//   application_due       ex officio: notified_on + 4 working days (Art. 5(3)(a), 18(3))
//   response_due          notified_on + 10 working days, 3 for perishable goods
//                         (Art. 23(1), (3)); small consignments 10 (Art. 26(4));
//                         + 10 working days from the original due date once
//                         extended (Art. 23(4))
//   proceedings_due       small consignments: opposition_notified_on + 10
//                         working days (Art. 26(9))
//
// Thread safety: stateless functions over immutable inputs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cases/calendar.h"
#include "cases/rules.h"
#include "core/result.h"
#include "core/time.h"

namespace cordon {

struct DeadlineInput {
  CaseFacts facts;
  Date suspended_on;  // release suspended / goods detained
  Date notified_on;   // the parties were notified; not before suspended_on
  // CN ex officio: the day customs detained the goods after the holder's
  // application (Art. 16); not before suspended_on.
  std::optional<Date> detained_on;
  // The day the holder was told of the declarant's opposition (608/2013
  // Art. 26(8)); not before notified_on.
  std::optional<Date> opposition_notified_on;
  // Extensions already granted (0 or 1 under 608/2013 Art. 23(4)).
  int extensions_taken = 0;
};

struct Deadline {
  std::string name;   // the rule set's time-limit name, e.g. "response_due"
  Date due;           // the last day of the period, after extensions
  Date original_due;  // before any extension (== due when not extended)
  int extensions = 0;
  // A calendar year from the anchor to `due` is marked provisional: the date
  // may move once the official holiday schedule is known (docs/calendars.md).
  bool provisional = false;
  std::string reference;
  std::string description;
};

struct Deadlines {
  std::vector<Deadline> items;  // in the rule set's order

  // nullptr when the rule set has no such limit for this case, or its anchor
  // date is not known yet.
  const Deadline* Find(std::string_view name) const;
  std::optional<Date> Due(std::string_view name) const;
  bool any_provisional() const;
};

// Computes every applicable deadline. Errors: kInvalidInput naming the field
// when the facts are not allowed by the rule set (RuleSet::CheckCase, e.g.
// "perishable" for ex officio goods under 608/2013 Art. 18(1)), when dates
// are out of order ("notified_on", "detained_on", "opposition_notified_on"),
// or when "extensions_taken" is more than the rule set allows for this case;
// kNotFound when a day that must be counted is outside the calendar's years.
Result<Deadlines> ComputeDeadlines(const RuleSet& rules, const Calendar& calendar,
                                   const DeadlineInput& input);

// The last day of one period under Regulation 1182/71: `days` working days or
// calendar days from an event on `event_day`. Errors as Calendar's.
Result<Date> EndOfPeriod(const Calendar& calendar, Date event_day, PeriodUnit unit, int days);

}  // namespace cordon
