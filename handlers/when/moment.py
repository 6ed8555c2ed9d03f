"""One moment read from what a person typed, in their language and time zone."""

from __future__ import annotations

import asyncio
import functools
import re
from datetime import UTC, date, datetime, time, timedelta

from dateparser.date import DateDataParser
from dateparser.languages.loader import default_loader
from dateparser.timezone_parser import pop_tz_offset_from_string
from dateutil.relativedelta import relativedelta

from handlers import localtime
from handlers.localtime import to_utc
from handlers.when.common import (
    DAYS,
    MAX_AHEAD,
    MAX_WHEN,
    MONTHS,
    Moment,
    Problem,
)
from handlers.when.words import ascii_digits, english_moment

# ---------------------------------------------------------------------------------------------------- one moment

_TRAILING_PUNCTUATION = re.compile(r"[\s.,;:!?…]+$")
_LEADING_WORD = re.compile(r"^(?:by|on|at|before|le|el|para|к|до|بحلول)\s+", re.IGNORECASE)  # "el 15 de marzo"
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
CLOCK_WORDS = {"noon": (12, 0), "midday": (12, 0), "midnight": (0, 0)}
_DAY_PARTS = frozenset({"morning", "afternoon", "evening", "tonight", "night"})
_WORD = re.compile(r"[^\W\d_]+")
UNREAD_WORD = re.compile(r"[^\W\d_]+")  # a word of letters only: one that may have been passed over
LEADING_AT = re.compile(r"^at\s+", re.IGNORECASE)
# "in 10 minutes", "2 hours from now": real elapsed time, not a wall-clock reading.
_SHORT_UNITS = frozenset({"second", "seconds", "sec", "secs", "minute", "minutes", "min", "mins", "hour", "hours",
                          "hr", "hrs"})
_LONG_UNITS = frozenset({"day", "days", "week", "weeks", "fortnight", "fortnights", "month", "months", "year",
                         "years"})


def _hm(hour: str, minute: str | None) -> str | None:
    h, m = int(hour), int(minute or 0)
    return f"{h}:{m:02d}" if h <= 23 and m <= 59 else None


# "At 9" and "9 o'clock" as the bot's other languages write them, rewritten as H:MM too: "à 9", "9 heures",
# "в 9", "9 часов", "a las 9", "الساعة 9", "9点", "9点半"; an evening or afternoon word before a Chinese hour
# makes it p.m. ("下午3点").
_LOCAL_HOURS = (
    re.compile(r"(?<!\S)(?:à|vers)\s+(\d{1,2})(?:\s*heures?)?(?:\s*(\d{2}))?(?!\S)", re.IGNORECASE),
    re.compile(r"(?<!\S)(?<!dans\s)(\d{1,2})\s*heures?(?:\s*(\d{2}))?(?!\S)", re.IGNORECASE),  # not "dans 2 heures"
    re.compile(r"(?<!\S)в\s+(\d{1,2})(?::(\d{2}))?(?:\s*(?:час(?:а|ов)?|утра))?(?!\S)", re.IGNORECASE),
    re.compile(r"(?<!\S)a\s+las?\s+(\d{1,2})(?::(\d{2}))?(?:\s*(?:horas?|de la mañana))?(?!\S)", re.IGNORECASE),
    re.compile(r"(?:ال)?ساعة\s*(\d{1,2})(?::(\d{2}))?"),
)
_CHINESE_HOUR = re.compile(r"(上午|早上|中午|下午|晚上)?\s*(\d{1,2})\s*[点點時时](?:\s*(\d{1,2})\s*分?|\s*(半))?")
_EVENING = re.compile(r"(?<!\S)в\s+(\d{1,2})(?::(\d{2}))?\s*(?:вечера|дня)(?!\S)|"
                      r"(?<!\S)a\s+las?\s+(\d{1,2})(?::(\d{2}))?\s*de la (?:tarde|noche)(?!\S)", re.IGNORECASE)


def _chinese_hour(m: re.Match[str]) -> str:
    hour, minute = int(m[2]), 30 if m[4] else int(m[3] or 0)
    if m[1] in ("下午", "晚上") and hour < 12:
        hour += 12
    return " " + (_hm(str(hour), str(minute)) or m[0]) + " "


def _evening(m: re.Match[str]) -> str:
    hour, minute = (m[1], m[2]) if m[1] else (m[3], m[4])
    h = int(hour)
    return (_hm(str(h + 12 if h < 12 else h), minute) or m[0]) if h <= 23 else m[0]


def _rewrite_times(text: str) -> str:
    text = _CHINESE_HOUR.sub(_chinese_hour, text)
    text = _EVENING.sub(_evening, text)
    for pattern in _LOCAL_HOURS:
        text = pattern.sub(lambda m: _hm(m[1], m[2]) or m[0], text)
    text = _H_TIME.sub(lambda m: _hm(m[1], m[2]) or m[0], text)
    text = _DOT_TIME.sub(lambda m: _hm(m[1], m[2]) or m[0], text)
    return _AT_HOUR.sub(lambda m: m[1] + (_hm(m[2], None) or m[2]), text)


def twelve_hour(hour: int, minute: int, half: str | None) -> tuple[int, int] | None:
    if half is None:
        return (hour, minute) if hour <= 23 and minute <= 59 else None
    if not 1 <= hour <= 12 or minute > 59:
        return None
    return (hour % 12 + (12 if half.casefold() == "p" else 0), minute)


def impossible_time(text: str, *, at_start: bool = False) -> str | None:
    """A time of day in `text` that no clock shows ("25:00", "9:75", "13pm", "25h"), as typed; with `at_start`,
    only one that opens the text."""
    for pattern, reading in ((_CLOCK, lambda m: twelve_hour(int(m[1]), int(m[2]), m[3])),
                             (_HOUR_AM_PM, lambda m: twelve_hour(int(m[1]), 0, m[2])),
                             (_H_TIME, lambda m: _hm(m[1], m[2]))):
        for match in pattern.finditer(text):
            if at_start and match.start() > 0:
                break
            if reading(match) is None:
                return match[0].strip()
    return None


def _typed_clocks(text: str) -> set[tuple[int, int]]:
    """The times of day written in `text` as (hour, minute): "9:00", "9:30pm", "9 am", "noon", "midnight"."""
    found = {twelve_hour(int(m[1]), int(m[2]), m[3]) for m in _CLOCK.finditer(text)}
    found |= {twelve_hour(int(m[1]), 0, m[2]) for m in _HOUR_AM_PM.finditer(text)}
    found |= {CLOCK_WORDS[w] for w in _words(text) if w in CLOCK_WORDS}
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
    return all(w in CLOCK_WORDS or w == "at" for w in _words(rest))


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
    stripped = _TRAILING_PUNCTUATION.sub("", ascii_digits(stripped))
    if not stripped:
        return Problem("empty")
    tz = localtime.known_zone(zone)
    if tz is None:
        return Problem("bad_zone")
    cleaned = _LEADING_WORD.sub("", _rewrite_times(stripped), count=1)
    if not cleaned or _ONLY_DIGITS.fullmatch(cleaned):
        return Problem("unknown")  # dateparser reads a bare "2" or "10" as a month
    impossible = impossible_time(cleaned)
    if impossible is not None:
        return Problem("bad_time", impossible)  # dateparser would drop it and read the date alone
    base = localtime.wall(now, zone)
    parsed = _dateparser(cleaned, zone, base, _languages(languages))
    if parsed is None:  # "vendredi prochain", "بعد أسبوعين", "两周后": dateparser reads them as English words
        english = _LEADING_WORD.sub("", _rewrite_times(english_moment(stripped)), count=1)
        parsed = _dateparser(english, zone, base, ["en"]) if english != cleaned else None
        cleaned = english
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
            if to_utc(wall, zone) <= now and wall.date() == base.date() and _time_only(cleaned):
                wall += timedelta(days=1)  # dateparser reads "midnight" at 04:00 as the midnight just gone
            at, has_time = to_utc(wall, zone), True
        elif day_part or wall.time() not in (time(0), base.time()):
            # A time dateparser found in words this module does not list ("demain midi", "dans 10 minutes").
            at, has_time = to_utc(wall, zone), True
        else:
            at, has_time = to_utc(datetime.combine(_date_only(wall, period, base, cleaned, zone, now,
                                                               default_hour), time(default_hour)), zone), False
        local = localtime.local(at, zone)
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
        and to_utc(datetime.combine(today, time(hour)), zone) > now
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
        return word in _DATE_WORDS or word in MONTHS or word in DAYS

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
