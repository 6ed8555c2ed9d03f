"""What reading dates gives back (a moment, a recurrence, a problem), the limits, local time turned into UTC, and
the names of days and months."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from handlers import localtime

MAX_WHEN = 200  # characters of a date or time
MAX_WHAT = 500  # characters of what a reminder says
MAX_REMINDER = 1000  # a whole reminder; anything longer is refused before any parsing
MAX_WHEN_WORDS = 8  # the longest "when" looked for at the start of a one-off reminder
MAX_AHEAD = relativedelta(years=5)
RECURRING_TIME = (9, 0)  # a repeating reminder typed without a time of day
UNTIL_TIME = time(23, 59, 59)  # "until 1 June" includes the whole of 1 June
MAX_INTERVAL = 99

# ---------------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Moment:
    """One instant, and how it reads in the member's zone."""

    at: int  # UTC epoch seconds
    local: datetime  # aware datetime in the member's zone (for echoing back)
    has_time: bool  # the person typed a time of day


@dataclass(frozen=True)
class Recurrence:
    """A repeating local wall-clock time. `rule` carries FREQ, INTERVAL and BY* parts only (no DTSTART, COUNT
    or UNTIL), and always says which days: the day a rule without them would fall on depends on where the
    computation starts."""

    rule: str  # an RRULE body without DTSTART, e.g. "FREQ=WEEKLY;BYDAY=MO" or "FREQ=MONTHLY;BYDAY=+1TH"
    hour: int
    minute: int  # local wall-clock time of each occurrence
    until: int | None  # UTC epoch seconds of the last allowed moment, or None (no end)


@dataclass(frozen=True)
class Problem:
    """Why a text was not accepted. For "past" and "too_far", `at` is the moment it was read as (UTC epoch
    seconds, to show with `describe_moment`) and `detail` the same local time in ISO 8601 with its UTC offset
    (e.g. "2026-11-22T10:00+01:00"); "ends_first" is a repeating reminder whose "until" comes before its first time
    (`at`: the end). For "bad_time", `detail` is the time of day as typed ("25:00")."""

    code: str  # "empty", "too_long", "unknown", "past", "ends_first", "bad_zone", "too_far", "bad_time"
    detail: str = ""
    at: int | None = field(default=None, compare=False)


# ---------------------------------------------------------------------------------------------------- zones


def iso(at: int, zone: str) -> str:
    return localtime.local(at, zone).isoformat(timespec="minutes")


# Day and month names in English, with their RFC 5545 codes and numbers.
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAYS = {
    **{name: code for name, code in zip(_DAY_NAMES, DAY_CODES)},
    **{name + "s": code for name, code in zip(_DAY_NAMES, DAY_CODES)},
    **{name[:3]: code for name, code in zip(_DAY_NAMES, DAY_CODES)},
    "tue": "TU", "tues": "TU", "wed": "WE", "thu": "TH", "thur": "TH", "thurs": "TH",
}
MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                "november", "december")
MONTHS = {**{n: i for i, n in enumerate(MONTH_NAMES, 1)}, **{n[:3]: i for i, n in enumerate(MONTH_NAMES, 1)},
           "sept": 9}
