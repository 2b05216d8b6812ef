#include "cases/deadlines.h"

#include <algorithm>
#include <utility>

namespace cordon {

namespace {

std::optional<Date> AnchorDate(const DeadlineInput& input, Anchor anchor) {
  switch (anchor) {
    case Anchor::kSuspendedOn:
      return input.suspended_on;
    case Anchor::kNotifiedOn:
      return input.notified_on;
    case Anchor::kDetainedOn:
      return input.detained_on;
    case Anchor::kOppositionNotifiedOn:
      return input.opposition_notified_on;
  }
  return std::nullopt;
}

Error DateOrder(const std::string& field, Date date, const std::string& other, Date other_date) {
  std::string message = "must not be before " + other + " (" + FormatDate(date) + " < " +
                        FormatDate(other_date) + ")";
  return InvalidInput(field + ": " + message, {FieldError{field, message}});
}

}  // namespace

const Deadline* Deadlines::Find(std::string_view name) const {
  for (const Deadline& deadline : items) {
    if (deadline.name == name) return &deadline;
  }
  return nullptr;
}

std::optional<Date> Deadlines::Due(std::string_view name) const {
  const Deadline* deadline = Find(name);
  if (deadline == nullptr) return std::nullopt;
  return deadline->due;
}

bool Deadlines::any_provisional() const {
  return std::any_of(items.begin(), items.end(),
                     [](const Deadline& deadline) { return deadline.provisional; });
}

Result<Date> EndOfPeriod(const Calendar& calendar, Date event_day, PeriodUnit unit, int days) {
  return unit == PeriodUnit::kWorkingDays ? calendar.AddWorkingDays(event_day, days)
                                          : calendar.AddCalendarDays(event_day, days);
}

Result<Deadlines> ComputeDeadlines(const RuleSet& rules, const Calendar& calendar,
                                   const DeadlineInput& input) {
  CORDON_RETURN_IF_ERROR(rules.CheckCase(input.facts));
  if (input.notified_on < input.suspended_on) {
    return DateOrder("notified_on", input.notified_on, "suspended_on", input.suspended_on);
  }
  if (input.detained_on && *input.detained_on < input.suspended_on) {
    return DateOrder("detained_on", *input.detained_on, "suspended_on", input.suspended_on);
  }
  if (input.opposition_notified_on && *input.opposition_notified_on < input.notified_on) {
    return DateOrder("opposition_notified_on", *input.opposition_notified_on, "notified_on",
                     input.notified_on);
  }
  if (input.extensions_taken < 0) {
    return InvalidInput("extensions_taken: must not be negative",
                        {FieldError{"extensions_taken", "must not be negative"}});
  }
  const ExtensionRule* extension = rules.extension();
  if (input.extensions_taken > 0) {
    // Taking N extensions requires that the Nth was allowed after N-1.
    Status allowed = rules.CheckExtension(input.facts, input.extensions_taken - 1);
    if (!allowed.ok()) {
      std::string message = allowed.error().message();
      return InvalidInput("extensions_taken: " + message,
                          {FieldError{"extensions_taken", message}});
    }
  }

  Deadlines deadlines;
  for (const TimeLimit& limit : rules.LimitsFor(input.facts)) {
    std::optional<Date> anchor = AnchorDate(input, limit.from);
    if (!anchor) continue;
    CORDON_ASSIGN_OR_RETURN(Date original, EndOfPeriod(calendar, *anchor, limit.unit, limit.days));
    Deadline deadline;
    deadline.name = limit.name;
    deadline.original_due = original;
    deadline.due = original;
    deadline.reference = limit.reference;
    deadline.description = limit.description;
    bool extendable = extension != nullptr &&
                      std::find(extension->extends.begin(), extension->extends.end(), limit.name) !=
                          extension->extends.end();
    if (extendable) {
      for (int count = 0; count < input.extensions_taken; ++count) {
        // Regulation 1182/71 Art. 3(1): the extension runs from the day after
        // the due date it extends.
        CORDON_ASSIGN_OR_RETURN(
            deadline.due, EndOfPeriod(calendar, deadline.due, extension->unit, extension->days));
        ++deadline.extensions;
      }
      if (deadline.extensions > 0) deadline.reference += "; extended: " + extension->reference;
    }
    deadline.provisional = calendar.AnyProvisional(*anchor, deadline.due);
    deadlines.items.push_back(std::move(deadline));
  }
  return deadlines;
}

}  // namespace cordon
