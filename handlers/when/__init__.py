"""Dates and reminders typed in everyday language, read in the member's own time zone.

A member types "tomorrow 9:00", "15 March" or "every first Thursday 18:30 network call"; the bot stores UTC
epoch seconds and always echoes the exact local date and time back, so a misreading is seen at once.

General dates are read by dateparser; only the small "every ..." grammar for repeating reminders is our own,
and dateutil.rrule does its calendar arithmetic. Wall-clock times become UTC in exactly one place, `to_utc`:
a time that does not exist (the spring-forward gap) moves forward by the gap, and an ambiguous one (the autumn
overlap) is the earlier of the two instants.

Readings chosen where the text could mean more than one thing:
- numeric dates are day first: "03/04/2027" is 3 April 2027, whatever the language;
- "21.30" and "15.03" are times of day (21:30, 15:03); a date written with dots needs its year ("15.03.2027");
- a month on its own ("March", "by March") is the 1st of that month;
- a date without a year that has passed this year is next year's; today's date on its own is today when the
  default hour is still ahead, otherwise next year's;
- a weekday on its own on that same weekday ("Monday", typed on a Monday) is next week's; a time of day on its
  own that has gone today ("9:00", "midnight") is tomorrow's;
- "in 10 minutes", "in 2 hours" count real elapsed time (right across a clock change); "in two weeks",
  "next month", "tomorrow" are dates, at the default hour unless a time is typed;
- "midnight" is the start of the day it names ("tomorrow midnight" is 00:00 tomorrow);
- a time zone typed in the text ("15:00 UTC") wins over the member's zone;
- "every second Tuesday" is the second Tuesday of each month; "every other Tuesday" is every two weeks;
- "every N weeks/months/days/years" counts its weeks (months, ...) from a fixed origin (the week of Monday
  5 January 1970, January 1970, 1 January 1970), so the same rule always falls on the same weeks wherever
  it is computed from; the first date is echoed when the reminder is set;
- "until 1 June" ends after the whole of 1 June; an "until" that comes before the first occurrence is refused
  as "past", since the reminder would never fire.

Parsing is plain blocking Python: the bot's event loop uses the `*_async` wrappers, which run it in a thread.
Nothing here logs what people type.
"""

from handlers.localtime import to_utc
from handlers.when.common import (
    MAX_AHEAD,
    MAX_REMINDER,
    MAX_WHAT,
    MAX_WHEN,
    Moment,
    Problem,
    Recurrence,
)
from handlers.when.describing import describe_day, describe_moment, describe_recurrence
from handlers.when.moment import looks_like_date, parse_moment, parse_moment_async
from handlers.when.occurrences import first_occurrence, next_occurrence
from handlers.when.reminders import (
    read_reminder,
    read_reminder_async,
    split_reminder,
    split_reminder_async,
)

__all__ = [
    "MAX_AHEAD", "MAX_REMINDER", "MAX_WHAT", "MAX_WHEN", "Moment", "Problem", "Recurrence", "describe_day",
    "describe_moment", "describe_recurrence", "first_occurrence", "looks_like_date", "next_occurrence",
    "parse_moment", "parse_moment_async", "read_reminder", "read_reminder_async", "split_reminder", "split_reminder_async", "to_utc",
]
