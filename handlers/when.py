"""Dates and reminders typed in everyday language, read in the member's own time zone.

A member types "tomorrow 9:00", "15 March" or "every first Thursday 18:30 network call"; the bot stores UTC
epoch seconds and always echoes the exact local date and time back, so a misreading is seen at once.

General dates are read by dateparser; only the small "every ..." grammar for repeating reminders is our own,
and dateutil.rrule does its calendar arithmetic. Wall-clock times become UTC in exactly one place, `_to_utc`:
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

from __future__ import annotations

import asyncio
import functools
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime, get_day_names
from dateparser.date import DateDataParser
from dateparser.languages.loader import default_loader
from dateparser.timezone_parser import pop_tz_offset_from_string
from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr

from handlers.arguments import number

MAX_WHEN = 200  # characters of a date or time
MAX_WHAT = 500  # characters of what a reminder says
MAX_REMINDER = 1000  # a whole reminder; anything longer is refused before any parsing
MAX_WHEN_WORDS = 8  # the longest "when" looked for at the start of a one-off reminder
MAX_AHEAD = relativedelta(years=5)
RECURRING_TIME = (9, 0)  # a repeating reminder typed without a time of day
UNTIL_TIME = time(23, 59, 59)  # "until 1 June" includes the whole of 1 June
_MAX_INTERVAL = 99

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


def _zone(zone: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(zone)
    except (KeyError, ValueError, OSError, TypeError):  # not found, malformed key, a directory, not a string
        return None


def _to_utc(local_naive: datetime, zone: str) -> int:
    """UTC epoch seconds of a wall-clock time in `zone`, the one conversion every path here goes through.

    fold=0 gives exactly the two rules wanted (PEP 495): in a spring-forward gap the offset from before the
    change applies, which moves the time forward by the gap (02:30 -> 03:30); in an autumn overlap it picks the
    first, earlier, instant.
    """
    return int(local_naive.replace(tzinfo=ZoneInfo(zone), fold=0).timestamp())


def _local(at: int, zone: str) -> datetime:
    return datetime.fromtimestamp(at, ZoneInfo(zone))


def _iso(at: int, zone: str) -> str:
    return _local(at, zone).isoformat(timespec="minutes")


# ---------------------------------------------------------------------------------------------------- one moment

_TRAILING_PUNCTUATION = re.compile(r"[\s.,;:!?…]+$")
_LEADING_WORD = re.compile(r"^(?:by|on|at|before)\s+", re.IGNORECASE)
_ONLY_DIGITS = re.compile(r"[\d\s]+")
_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
# Written times dateparser misreads or ignores, rewritten as H:MM first ("9h" -> 19:00, "tomorrow 21.30" ->
# the current time, "tomorrow at 9" -> the current time).
_H_TIME = re.compile(r"(?<![\w:.])(\d{1,2})h(\d{2})?(?!\w)", re.IGNORECASE)
_DOT_TIME = re.compile(r"(?<![\w:./-])(\d{1,2})\.(\d{2})(?![\d.:/-])")
_AT_HOUR = re.compile(r"(?<!\S)(at\s+)(\d{1,2})$", re.IGNORECASE)
# Typed times of day, found in the rewritten text.
_AM_PM = r"([ap])\.?\s?m\b\.?"
_CLOCK = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?::\d{2})?(?:\s*" + _AM_PM + ")?", re.IGNORECASE)
_HOUR_AM_PM = re.compile(r"(?<![\d:.])(\d{1,2})\s*" + _AM_PM, re.IGNORECASE)
_CLOCK_WORDS = {"noon": (12, 0), "midday": (12, 0), "midnight": (0, 0)}
_DAY_PARTS = frozenset({"morning", "afternoon", "evening", "tonight", "night"})
_WORD = re.compile(r"[^\W\d_]+")
_UNREAD_WORD = re.compile(r"[^\W\d_]+")  # a word of letters only: one that may have been passed over
_LEADING_AT = re.compile(r"^at\s+", re.IGNORECASE)
# "in 10 minutes", "2 hours from now": real elapsed time, not a wall-clock reading.
_SHORT_UNITS = frozenset({"second", "seconds", "sec", "secs", "minute", "minutes", "min", "mins", "hour", "hours",
                          "hr", "hrs"})
_LONG_UNITS = frozenset({"day", "days", "week", "weeks", "fortnight", "fortnights", "month", "months", "year",
                         "years"})


def _hm(hour: str, minute: str | None) -> str | None:
    h, m = int(hour), int(minute or 0)
    return f"{h}:{m:02d}" if h <= 23 and m <= 59 else None


def _rewrite_times(text: str) -> str:
    text = _H_TIME.sub(lambda m: _hm(m[1], m[2]) or m[0], text)
    text = _DOT_TIME.sub(lambda m: _hm(m[1], m[2]) or m[0], text)
    return _AT_HOUR.sub(lambda m: m[1] + (_hm(m[2], None) or m[2]), text)


def _twelve_hour(hour: int, minute: int, half: str | None) -> tuple[int, int] | None:
    if half is None:
        return (hour, minute) if hour <= 23 and minute <= 59 else None
    if not 1 <= hour <= 12 or minute > 59:
        return None
    return (hour % 12 + (12 if half.casefold() == "p" else 0), minute)


def _impossible_time(text: str, *, at_start: bool = False) -> str | None:
    """A time of day in `text` that no clock shows ("25:00", "9:75", "13pm", "25h"), as typed; with `at_start`,
    only one that opens the text."""
    for pattern, reading in ((_CLOCK, lambda m: _twelve_hour(int(m[1]), int(m[2]), m[3])),
                             (_HOUR_AM_PM, lambda m: _twelve_hour(int(m[1]), 0, m[2])),
                             (_H_TIME, lambda m: _hm(m[1], m[2]))):
        for match in pattern.finditer(text):
            if at_start and match.start() > 0:
                break
            if reading(match) is None:
                return match[0].strip()
    return None


def _typed_clocks(text: str) -> set[tuple[int, int]]:
    """The times of day written in `text` as (hour, minute): "9:00", "9:30pm", "9 am", "noon", "midnight"."""
    found = {_twelve_hour(int(m[1]), int(m[2]), m[3]) for m in _CLOCK.finditer(text)}
    found |= {_twelve_hour(int(m[1]), 0, m[2]) for m in _HOUR_AM_PM.finditer(text)}
    found |= {_CLOCK_WORDS[w] for w in _words(text) if w in _CLOCK_WORDS}
    found.discard(None)
    return found  # type: ignore[return-value]


def _words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text)]


def _elapsed_time(text: str) -> bool:
    words = _words(text)
    if words and set(words) <= {"right", "now"}:
        return True  # "now" is not after now; dateparser's reading would look like "today"
    relative = text[:3].casefold() == "in " or text.casefold().endswith(" from now")
    return relative and any(w in _SHORT_UNITS for w in words) and not any(w in _LONG_UNITS for w in words)


def _time_only(text: str) -> bool:
    """Nothing but a time of day ("9:00", "at noon", "midnight"): a time already gone today means tomorrow's."""
    rest = _HOUR_AM_PM.sub(" ", _CLOCK.sub(" ", text))
    return all(w in _CLOCK_WORDS or w == "at" for w in _words(rest))


@functools.cache
def _known_languages() -> frozenset[str]:
    try:
        return frozenset(default_loader.get_locale_map())
    except AttributeError:  # the loader changed: pass languages through, dateparser judges them
        return frozenset()


def _languages(languages: tuple[str, ...] | list[str]) -> list[str]:
    known = _known_languages()
    if not known:
        return list(languages) or ["en"]
    chosen: list[str] = []
    for code in languages:
        for candidate in (code, code.replace("_", "-"), re.split(r"[-_]", code)[0]):
            if candidate in known:
                if candidate not in chosen:
                    chosen.append(candidate)
                break
    return chosen or ["en"]


def _dateparser(text: str, zone: str, base: datetime, languages: list[str]) -> tuple[datetime, str] | None:
    settings = {
        "TIMEZONE": zone,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": base,
        "DATE_ORDER": "DMY",
    }
    try:
        try:
            data = DateDataParser(languages=languages, settings=settings).get_date_data(text)
        except KeyError:  # a zone zoneinfo knows and dateparser's pytz does not: read the wall clock as UTC's
            data = DateDataParser(languages=languages, settings={**settings, "TIMEZONE": "UTC"}).get_date_data(text)
    except (ValueError, OverflowError, KeyError, TypeError, AttributeError, IndexError):
        return None  # dateparser gives up on some inputs by raising instead of returning None
    if data.date_obj is None:
        return None
    return data.date_obj, data.period or "day"


def parse_moment(
    text: str, zone: str, now: int, *, default_hour: int = 10, languages: tuple[str, ...] = ("en",)
) -> Moment | Problem:
    """One future moment typed by a member, read in `zone`; `now` is UTC epoch seconds."""
    stripped = text.strip()
    if not stripped:
        return Problem("empty")
    if len(stripped) > MAX_WHEN:
        return Problem("too_long")
    stripped = _TRAILING_PUNCTUATION.sub("", stripped)
    if not stripped:
        return Problem("empty")
    tz = _zone(zone)
    if tz is None:
        return Problem("bad_zone")
    cleaned = _LEADING_WORD.sub("", _rewrite_times(stripped), count=1)
    if not cleaned or _ONLY_DIGITS.fullmatch(cleaned):
        return Problem("unknown")  # dateparser reads a bare "2" or "10" as a month
    impossible = _impossible_time(cleaned)
    if impossible is not None:
        return Problem("bad_time", impossible)  # dateparser would drop it and read the date alone
    base = datetime.fromtimestamp(now, tz).replace(tzinfo=None)
    parsed = _dateparser(cleaned, zone, base, _languages(languages))
    if parsed is None:
        return Problem("unknown")
    found, period = parsed
    wall = found.replace(tzinfo=None)
    clocks = _typed_clocks(cleaned)
    day_part = any(w in _DAY_PARTS for w in _words(cleaned))
    try:
        if (clocks or day_part) and pop_tz_offset_from_string(cleaned)[1] is not None:
            at, has_time = int(found.timestamp()), True  # "15:00 UTC": dateparser already converted it
        elif _elapsed_time(cleaned):
            at, has_time = now + round((wall - base).total_seconds()), True
        elif clocks:
            if (wall.hour, wall.minute) not in clocks:
                return Problem("unknown")  # dateparser dropped the typed time ("tomorrow 9:00 2" -> 10:00)
            if _to_utc(wall, zone) <= now and wall.date() == base.date() and _time_only(cleaned):
                wall += timedelta(days=1)  # dateparser reads "midnight" at 04:00 as the midnight just gone
            at, has_time = _to_utc(wall, zone), True
        elif day_part or wall.time() not in (time(0), base.time()):
            # A time dateparser found in words this module does not list ("demain midi", "dans 10 minutes").
            at, has_time = _to_utc(wall, zone), True
        else:
            at, has_time = _to_utc(datetime.combine(_date_only(wall, period, base, cleaned, zone, now,
                                                               default_hour), time(default_hour)), zone), False
        local = _local(at, zone)
    except (OverflowError, ValueError, OSError):
        return Problem("unknown")  # beyond what datetime can hold
    if at <= now:
        return Problem("past", local.isoformat(timespec="minutes"), at)
    if at > int((datetime.fromtimestamp(now, UTC) + MAX_AHEAD).timestamp()):
        return Problem("too_far", local.isoformat(timespec="minutes"), at)
    return Moment(at, local, has_time)


def _date_only(wall: datetime, period: str, base: datetime, text: str, zone: str, now: int, hour: int) -> date:
    day = wall.date()
    if wall.time() != time(0):
        return day  # relative to now ("tomorrow", "in two weeks"): dateparser kept the current time of day
    if period == "month":
        return day.replace(day=1)  # "March": dateparser would give today's day of the month
    today = base.date()
    # Today's date typed alone: dateparser moves it a year on because today's midnight has passed.
    if (
        day == today + relativedelta(years=1)
        and not _YEAR.search(text)
        and _to_utc(datetime.combine(today, time(hour)), zone) > now
    ):
        return today
    return day


_DATE_WORDS = frozenset({"today", "tomorrow", "tonight", "noon", "midday", "midnight", "day", "days", "week", "weeks",
                         "weekend", "fortnight", "month", "months", "year", "years"})
_LEADING_DATE_WORDS = frozenset({"next", "this", "end", "mid", "early", "late", "in"})  # a date when one follows
_NUMBER_DATE = re.compile(r"\d{4}|\d{1,2}(?:st|nd|rd|th|h|[ap]\.?m\.?)|\d{1,4}\s*[-/.:]\s*\d{1,2}",
                          re.IGNORECASE)


def looks_like_date(text: str) -> bool:
    """Whether `text` seems meant as a date or time, readable or not: "31 February", "15/03", "Fribday" does
    not, "May", "next week", "the end of March", "tomorrow 25:00" do. A sentence that merely holds a number
    ("3 authors") or starts with an ordinary word ("and for migrants") does not."""
    words = re.findall(r"[^\W_]+", text.casefold())
    if words[:1] == ["the"]:
        words = words[1:]
    if not words:
        return False

    def dated(word: str) -> bool:
        return word in _DATE_WORDS or word in _MONTHS or word in _DAYS

    first = words[0]
    if first[0].isdigit():
        written = text.strip().casefold().removeprefix("the ").lstrip()
        return bool(_NUMBER_DATE.match(written)) or any(map(dated, words[1:4]))
    if first in _LEADING_DATE_WORDS:
        return any(map(dated, words[1:4]))
    return dated(first)


async def parse_moment_async(
    text: str, zone: str, now: int, *, default_hour: int = 10, languages: tuple[str, ...] = ("en",)
) -> Moment | Problem:
    return await asyncio.to_thread(parse_moment, text, zone, now, default_hour=default_hour, languages=languages)


# ---------------------------------------------------------------------------------------------------- reminders

_WORDS = re.compile(r"\S+")
_SEPARATOR = re.compile(r"^(?::|to(?=\s|$))\s*", re.IGNORECASE)
_TRAILING_UNTIL = re.compile(r"^(?P<what>.*\S)\s+until\s+(?P<when>\S.*)$", re.IGNORECASE | re.DOTALL)
_EVERY = re.compile(r"^every\b", re.IGNORECASE)


def _leading_moment(
    text: str, zone: str, now: int, languages: tuple[str, ...], default_hour: int
) -> tuple[Moment, int] | Problem:
    """The longest run of at most MAX_WHEN_WORDS words at the start of `text` that reads as a moment, and where
    it ends. A run read as a moment in the past (or too far ahead) answers with that problem; so does a time of
    day no clock shows ("25:00") right after the moment, or at the start when nothing else reads as one.

    Words at the end of the run that change nothing in its reading were not read as part of it (dateparser
    passes over "at the" in "in 2 hours at the office"): they stay in what the reminder says."""
    words = list(_WORDS.finditer(text))[:MAX_WHEN_WORDS]
    impossible: Problem | None = None
    for n in range(len(words), 0, -1):
        result = parse_moment(text[:words[n - 1].end()], zone, now, default_hour=default_hour,
                              languages=languages)
        if isinstance(result, Moment):
            while n > 1 and _UNREAD_WORD.fullmatch(words[n - 1][0]):
                shorter = parse_moment(text[:words[n - 2].end()], zone, now, default_hour=default_hour,
                                       languages=languages)
                if not isinstance(shorter, Moment) or (shorter.at, shorter.has_time) != (result.at, result.has_time):
                    break
                n, result = n - 1, shorter
            end = words[n - 1].end()
            bad = _impossible_time(_LEADING_AT.sub("", text[end:].lstrip(), count=1), at_start=True)
            return (result, end) if bad is None else Problem("bad_time", bad)
        if result.code in ("past", "too_far", "bad_zone"):
            return result
        if result.code == "bad_time" and impossible is None:
            impossible = result
    return impossible or Problem("unknown")


def _what(rest: str) -> str | Problem:
    what = _SEPARATOR.sub("", rest.strip(), count=1).strip()
    if not what:
        return Problem("empty")
    if len(what) > MAX_WHAT:
        return Problem("too_long")
    return what


def split_reminder(
    text: str, zone: str, now: int, *, languages: tuple[str, ...] = ("en",)
) -> tuple[Moment | Recurrence, str] | Problem:
    """A reminder "<when> <what>": when it is due (once, or repeating) and what it says."""
    body = text.strip()
    if not body:
        return Problem("empty")
    if len(body) > MAX_REMINDER:
        return Problem("too_long")
    if _zone(zone) is None:
        return Problem("bad_zone")
    if _EVERY.match(body):
        return _split_recurring(body, zone, now, languages)
    found = _leading_moment(body, zone, now, languages, default_hour=10)
    if isinstance(found, Problem):
        return found
    moment, end = found
    what = _what(body[end:])
    return what if isinstance(what, Problem) else (moment, what)


async def split_reminder_async(
    text: str, zone: str, now: int, *, languages: tuple[str, ...] = ("en",)
) -> tuple[Moment | Recurrence, str] | Problem:
    return await asyncio.to_thread(split_reminder, text, zone, now, languages=languages)


def _until_of(moment: Moment, zone: str) -> int:
    if moment.has_time:
        return moment.at
    return _to_utc(datetime.combine(moment.local.date(), UNTIL_TIME), zone)


def _split_recurring(
    text: str, zone: str, now: int, languages: tuple[str, ...]
) -> tuple[Recurrence, str] | Problem:
    today = _local(now, zone).date()
    grammar = _RecurrenceReader(text, today)
    read = grammar.read()
    if read is None:
        return Problem("unknown")
    rule, (hour, minute), end = read
    until: int | None = None
    rest = text[end:]
    impossible = _impossible_time(_LEADING_AT.sub("", rest.lstrip(), count=1), at_start=True)
    if impossible is not None:
        return Problem("bad_time", impossible)  # "every day at 25:00": not 09:00 with "at 25:00" as its text
    if grammar.peek() == "until":
        rest = rest.lstrip()[len("until"):]
        offset = len(rest) - len(rest.lstrip())
        found = _leading_moment(rest.lstrip(), zone, now, languages, default_hour=23)
        if isinstance(found, Problem):
            return _ending(found)
        moment, moment_end = found
        until, rest = _until_of(moment, zone), rest[offset + moment_end:]
    what = _what(rest)
    if isinstance(what, Problem):
        return what
    if until is None and (trailing := _TRAILING_UNTIL.match(what)):
        result = parse_moment(trailing["when"], zone, now, default_hour=23, languages=languages)
        if isinstance(result, Moment):
            until, what = _until_of(result, zone), trailing["what"].strip()
        elif result.code in ("past", "too_far"):
            return _ending(result)
    recurrence = Recurrence(rule, hour, minute, until)
    if first_occurrence(recurrence, zone, now) is None:
        return Problem("ends_first", _iso(until, zone) if until is not None else "", until)
    return recurrence, what


def _ending(problem: Problem) -> Problem:
    """A repeating reminder's end date in the past ends it before it first comes: say that, not that its time
    has passed."""
    return replace(problem, code="ends_first") if problem.code == "past" else problem


# The "every ..." grammar. Words are English; rrule parts are the standard RFC 5545 ones.
_DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAYS = {
    **{name: code for name, code in zip(_DAY_NAMES, _DAY_CODES)},
    **{name + "s": code for name, code in zip(_DAY_NAMES, _DAY_CODES)},
    **{name[:3]: code for name, code in zip(_DAY_NAMES, _DAY_CODES)},
    "tue": "TU", "tues": "TU", "wed": "WE", "thu": "TH", "thur": "TH", "thurs": "TH",
}
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                "november", "december")
_MONTHS = {**{n: i for i, n in enumerate(_MONTH_NAMES, 1)}, **{n[:3]: i for i, n in enumerate(_MONTH_NAMES, 1)},
           "sept": 9}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}
_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
            "eleven": 11, "twelve": 12}
_UNITS = {"day": "DAILY", "days": "DAILY", "week": "WEEKLY", "weeks": "WEEKLY", "month": "MONTHLY",
          "months": "MONTHLY", "year": "YEARLY", "years": "YEARLY"}
_NUMBERED_DAY = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?")
_TIME_TOKEN = re.compile(r"(\d{1,2})(?:(?::|h|\.)(\d{2})|h)?((?:a|p)\.?m\.?)?")
_HALF_DAY = re.compile(r"([ap])\.?m\.?")
_TOKEN = re.compile(r"\d{1,2}:\d{2}|[^\s,:]+|[,:]")
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR")


class _RecurrenceReader:
    """Reads "every <days> [at <time>]" from the start of a reminder; `end` is where its last word ends."""

    def __init__(self, text: str, today: date) -> None:
        self.tokens = [(m[0].casefold(), m.end()) for m in _TOKEN.finditer(text)]
        self.i = 0
        self.end = 0
        self.today = today

    def peek(self, ahead: int = 0) -> str | None:
        index = self.i + ahead
        return self.tokens[index][0] if index < len(self.tokens) else None

    def take(self, *words: str) -> str | None:
        word = self.peek()
        if word is None or (words and word not in words):
            return None
        self.end = self.tokens[self.i][1]
        self.i += 1
        return word

    def read(self) -> tuple[str, tuple[int, int], int] | None:
        self.take("every")
        parts = self._days()
        if parts is None:
            return None
        clock = self._clock() or RECURRING_TIME
        return ";".join(parts), clock, self.end

    # -- which days

    def _days(self) -> list[str] | None:
        interval = 1
        if self.take("other"):
            interval = 2
        elif (n := self._number(self.peek())) is not None and self.peek(1) in _UNITS:
            self.take()
            interval = n
        word = self.peek()
        if word in _UNITS:
            self.take()
            return self._unit(_UNITS[word], interval)
        if interval == 1 and word in ("weekday", "weekdays"):
            self.take()
            return ["FREQ=WEEKLY", "BYDAY=" + ",".join(_WEEKDAYS)]
        if word in ("weekend", "weekends"):
            self.take()
            return self._freq("WEEKLY", interval) + ["BYDAY=SA,SU"]
        if word in _DAYS:
            return self._freq("WEEKLY", interval) + ["BYDAY=" + ",".join(self._day_list())]
        if interval == 1 and word in _ORDINALS:
            return self._ordinal_of_month()
        if interval == 1 and (day_month := self._day_and_month()):
            return ["FREQ=YEARLY", f"BYMONTH={day_month[1]}", f"BYMONTHDAY={day_month[0]}"]
        if interval == 1 and word is not None and (day := self._month_day(word)) is not None:
            self.take()
            # A bare number needs "of the month": "every 15 minutes" is not the 15th of each month.
            if not self._of_the_month() and number(word) is not None:
                return None
            return ["FREQ=MONTHLY", f"BYMONTHDAY={day}"]
        return None

    @staticmethod
    def _number(word: str | None) -> int | None:
        if word is None:
            return None
        n = number(word, high=_MAX_INTERVAL) or _NUMBERS.get(word)
        return n if n is not None and 1 <= n <= _MAX_INTERVAL else None

    @staticmethod
    def _freq(freq: str, interval: int) -> list[str]:
        return [f"FREQ={freq}"] + ([f"INTERVAL={interval}"] if interval > 1 else [])

    def _unit(self, freq: str, interval: int) -> list[str] | None:
        parts = self._freq(freq, interval)
        if freq == "DAILY":
            return parts
        on = self.take("on")
        if freq == "WEEKLY":
            if on and self.peek() in _DAYS:
                return parts + ["BYDAY=" + ",".join(self._day_list())]
            return None if on else parts + ["BYDAY=" + _DAY_CODES[self.today.weekday()]]
        if freq == "MONTHLY":
            if not on:
                return parts + [f"BYMONTHDAY={self.today.day}"]
            self.take("the")
            word = self.peek()
            if word in _ORDINALS and self.peek(1) in _DAYS:
                ordinal = _ORDINALS[word]
                self.take()
                return parts + [f"BYDAY={ordinal:+d}{_DAYS[self.take() or '']}"]
            if word == "last" and self.peek(1) == "day":
                self.take(), self.take()
                return parts + ["BYMONTHDAY=-1"]
            if word is not None and (day := self._month_day(word)) is not None:
                self.take()
                return parts + [f"BYMONTHDAY={day}"]
            return None
        # YEARLY
        if not on:
            return parts + [f"BYMONTH={self.today.month}", f"BYMONTHDAY={self.today.day}"]
        day_month = self._day_and_month()
        return parts + [f"BYMONTH={day_month[1]}", f"BYMONTHDAY={day_month[0]}"] if day_month else None

    def _day_list(self) -> list[str]:
        days = {_DAYS[self.take() or ""]}
        while True:
            if self.peek() in (",", "and") and self.peek(1) in _DAYS:
                self.take()
            elif self.peek() == "," and self.peek(1) == "and" and self.peek(2) in _DAYS:
                self.take(), self.take()
            else:
                break
            days.add(_DAYS[self.take() or ""])
        return [code for code in _DAY_CODES if code in days]

    def _ordinal_of_month(self) -> list[str] | None:
        ordinal = _ORDINALS[self.peek() or ""]
        if self.peek(1) in _DAYS:
            self.take()
            code = _DAYS[self.take() or ""]
            self._of_the_month()
            return ["FREQ=MONTHLY", f"BYDAY={ordinal:+d}{code}"]
        if self.peek(1) == "day" and ordinal in (1, -1):  # "every first day / last day of the month"
            self.take(), self.take()
            self._of_the_month()
            return ["FREQ=MONTHLY", f"BYMONTHDAY={ordinal}"]
        return None

    def _of_the_month(self) -> bool:
        if self.peek() == "of" and self.peek(1) in ("the", "every", "each") and self.peek(2) == "month":
            self.take(), self.take(), self.take()
            return True
        return False

    @staticmethod
    def _month_day(word: str) -> int | None:
        match = _NUMBERED_DAY.fullmatch(word)
        return int(match[1]) if match and 1 <= int(match[1]) <= 31 else None

    def _day_and_month(self) -> tuple[int, int] | None:
        """"29 February", "the 29th of February", "February 29" -> (29, 2), for a date that exists in some year."""
        start, end = self.i, self.end
        self.take("the")
        first = self.peek()
        day = month = None
        if first is not None and (day := self._month_day(first)) is not None:
            self.take()
            self.take("of")
            month = _MONTHS.get(self.peek() or "")
        elif first in _MONTHS:
            self.take()
            month = _MONTHS[first]
            day = self._month_day(self.peek() or "")
        if day is not None and month is not None:
            try:
                date(2000, month, day)  # a leap year: 29 February is allowed
            except ValueError:
                pass
            else:
                self.take()
                return day, month
        self.i, self.end = start, end
        return None

    # -- what time

    def _clock(self) -> tuple[int, int] | None:
        start, end = self.i, self.end
        at = self.take("at") is not None
        word = self.peek()
        if word in _CLOCK_WORDS:
            self.take()
            return _CLOCK_WORDS[word]
        match = _TIME_TOKEN.fullmatch(word or "")
        if match:
            hour, minute, half = int(match[1]), int(match[2] or 0), match[3]
            has_minutes = match[2] is not None or word.endswith("h")  # type: ignore[union-attr]
            if half is None and (m := _HALF_DAY.fullmatch(self.peek(1) or "")):
                half = m[0]
                self.take()
            if half is not None or has_minutes or at:
                clock = _twelve_hour(hour, minute, half[0] if half else None)
                if clock is not None:
                    self.take()
                    return clock
        self.i, self.end = start, end
        return None


# ---------------------------------------------------------------------------------------------------- occurrences

_EPOCH_DAY = date(1970, 1, 1)
_EPOCH_MONDAY = date(1970, 1, 5)
_HORIZON_YEARS = 10  # per interval step: a 29 February rule waits at most 8 years


def _rule_parts(rule: str) -> dict[str, str]:
    parts = {}
    for part in rule.split(";"):
        key, _, value = part.partition("=")
        parts[key.strip().upper()] = value.strip().upper()
    return parts


def _block_start(freq: str, interval: int, day: date) -> date:
    """The first day of the period (or run of `interval` periods, counted from 1970) that holds `day`."""
    if freq == "DAILY":
        return day - timedelta(days=(day - _EPOCH_DAY).days % interval)
    if freq == "WEEKLY":
        monday = day - timedelta(days=day.weekday())
        return monday - timedelta(weeks=((monday - _EPOCH_MONDAY).days // 7) % interval)
    if freq == "MONTHLY":
        months = (day.year - 1970) * 12 + day.month - 1
        months -= months % interval
        return date(1970 + months // 12, months % 12 + 1, 1)
    if freq == "YEARLY":
        return date(day.year - (day.year - 1970) % interval, 1, 1)
    raise ValueError(f"unsupported recurrence frequency {freq!r}")


def next_occurrence(rec: Recurrence, zone: str, after: int) -> int | None:
    """The first occurrence strictly after `after` (UTC seconds), or None once past `rec.until`.

    Occurrences are local wall-clock times (a 09:00 reminder stays at 09:00 across a clock change), each turned
    into UTC by `_to_utc`. Raises ZoneInfoNotFoundError for an unknown zone and ValueError for a rule this
    module cannot place.
    """
    parts = _rule_parts(rec.rule)
    interval = int(parts.get("INTERVAL", "1"))
    if interval < 1:
        raise ValueError("INTERVAL must be at least 1")
    local_day = _local(after, zone).date()
    dtstart = datetime.combine(_block_start(parts.get("FREQ", ""), interval, local_day), time(rec.hour, rec.minute))
    rule = rrulestr(rec.rule, dtstart=dtstart)
    if "COUNT" not in parts and "UNTIL" not in parts:
        horizon = min(dtstart.year + _HORIZON_YEARS * interval, 9998)
        rule = rule.replace(until=datetime(horizon, 12, 31, 23, 59, 59))
    for occurrence in rule:
        at = _to_utc(occurrence, zone)
        if rec.until is not None and at > rec.until:
            return None
        if at > after:
            return at
    return None


def first_occurrence(rec: Recurrence, zone: str, now: int) -> int | None:
    """When a repeating reminder set at `now` first fires; None when its `until` comes before that."""
    return next_occurrence(rec, zone, now)


# ---------------------------------------------------------------------------------------------------- echoing back

# Every pattern and English phrase used to show dates and rules, in one place.
_DATE_PATTERN = "EEEE d MMMM y"
_TIME_PATTERN = "HH:mm"
_UNTIL_PATTERN = "d MMMM y"
_YEAR_DAY_PATTERN = "d MMMM"
_PHRASES = {
    "moment": "{date}, {time} ({zone}, UTC{offset})",
    "rule": "{days} at {time} ({zone})",
    "until": "{rule} until {date}",
    "until_time": "{rule} until {date}, {time}",
    "every_day": "every day",
    "every_n_days": "every {n} days",
    "every_weekday": "every weekday",
    "every_days": "every {days}",
    "every_n_weeks": "every {n} weeks on {days}",
    "every_month_day": "every month on the {day}",
    "every_n_months_day": "every {n} months on the {day}",
    "every_month_last_day": "every month on the last day",
    "every_n_months_last_day": "every {n} months on the last day",
    "every_nth_weekday": "every {ordinal} {weekday} of the month",
    "every_n_months_nth_weekday": "every {n} months on the {ordinal} {weekday}",
    "every_year": "every year on {date}",
    "every_n_years": "every {n} years on {date}",
    "and": "{rest} and {last}",
    "rule_as_is": "repeating {rule}",
}
_ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last", -2: "second to last"}


def _babel_locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en")


def _offset(local: datetime) -> str:
    seconds = int(local.utcoffset().total_seconds())  # type: ignore[union-attr]
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours:02d}:{rest // 60:02d}"


def describe_moment(at: int, zone: str, locale: str = "en") -> str:
    """E.g. "Monday 15 March 2027, 10:00 (Europe/Paris, UTC+01:00)", day and month named in `locale`."""
    local = _local(at, zone)
    where = _babel_locale(locale)
    return _PHRASES["moment"].format(
        date=format_datetime(local, _DATE_PATTERN, tzinfo=local.tzinfo, locale=where),
        time=f"{local.hour:02d}:{local.minute:02d}",
        zone=zone,
        offset=_offset(local),
    )


def describe_day(at: int, zone: str, locale: str = "en") -> str:
    """E.g. "Monday 15 March 2027": the local date only, named in `locale`."""
    local = _local(at, zone)
    return format_datetime(local, _DATE_PATTERN, tzinfo=local.tzinfo, locale=_babel_locale(locale))


def _english_day_of_month(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _joined(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return _PHRASES["and"].format(rest=", ".join(items[:-1]), last=items[-1])


_BYDAY = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")


def _describe_days(parts: dict[str, str], where: Locale) -> str | None:
    freq, n = parts.get("FREQ"), int(parts.get("INTERVAL", "1"))
    day_names = get_day_names("wide", locale=where)  # 0 = Monday
    bydays = [_BYDAY.fullmatch(code) for code in parts["BYDAY"].split(",")] if "BYDAY" in parts else []
    if any(m is None for m in bydays):
        return None
    if freq == "DAILY" and not bydays:
        return _PHRASES["every_day"] if n == 1 else _PHRASES["every_n_days"].format(n=n)
    if freq == "WEEKLY" and bydays and all(m[1] is None for m in bydays):  # type: ignore[index]
        codes = [m[2] for m in bydays]  # type: ignore[index]
        if n == 1 and sorted(codes, key=_DAY_CODES.index) == list(_WEEKDAYS):
            return _PHRASES["every_weekday"]
        days = _joined([day_names[_DAY_CODES.index(c)] for c in sorted(codes, key=_DAY_CODES.index)])
        return _PHRASES["every_days"].format(days=days) if n == 1 else _PHRASES["every_n_weeks"].format(n=n, days=days)
    if freq == "MONTHLY" and "BYMONTHDAY" in parts and not bydays:
        day = int(parts["BYMONTHDAY"])
        if day == -1:
            return _PHRASES["every_month_last_day" if n == 1 else "every_n_months_last_day"].format(n=n)
        if day > 0:
            key = "every_month_day" if n == 1 else "every_n_months_day"
            return _PHRASES[key].format(n=n, day=_english_day_of_month(day))
    if freq == "MONTHLY" and len(bydays) == 1 and bydays[0][1] is not None:  # type: ignore[index]
        ordinal = int(bydays[0][1])  # type: ignore[index]
        if ordinal in _ORDINAL_WORDS:
            weekday = day_names[_DAY_CODES.index(bydays[0][2])]  # type: ignore[index]
            key = "every_nth_weekday" if n == 1 else "every_n_months_nth_weekday"
            return _PHRASES[key].format(n=n, ordinal=_ORDINAL_WORDS[ordinal], weekday=weekday)
    if freq == "YEARLY" and "BYMONTH" in parts and "BYMONTHDAY" in parts and not bydays:
        on = date(2000, int(parts["BYMONTH"]), int(parts["BYMONTHDAY"]))
        shown = format_datetime(datetime.combine(on, time(12)), _YEAR_DAY_PATTERN, locale=where)
        return _PHRASES["every_year" if n == 1 else "every_n_years"].format(n=n, date=shown)
    return None


def describe_recurrence(rec: Recurrence, zone: str, locale: str = "en") -> str:
    """E.g. "every Monday at 09:00 (Europe/Paris)", "... until 31 March 2027"; day names in `locale`."""
    where = _babel_locale(locale)
    try:
        days = _describe_days(_rule_parts(rec.rule), where)
    except (ValueError, KeyError, IndexError):
        days = None
    text = _PHRASES["rule"].format(
        days=days or _PHRASES["rule_as_is"].format(rule=rec.rule),
        time=f"{rec.hour:02d}:{rec.minute:02d}",
        zone=zone,
    )
    if rec.until is None:
        return text
    end = _local(rec.until, zone)
    shown = format_datetime(end, _UNTIL_PATTERN, tzinfo=end.tzinfo, locale=where)
    if end.time() == UNTIL_TIME:
        return _PHRASES["until"].format(rule=text, date=shown)
    return _PHRASES["until_time"].format(rule=text, date=shown, time=f"{end.hour:02d}:{end.minute:02d}")
