"""Moments, days and recurrences said back to the member, exactly and in their language."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime, get_day_names

from handlers import localtime
from handlers.when.common import DAY_CODES, UNTIL_TIME, Recurrence
from handlers.when.occurrences import rule_parts
from handlers.when.recurrence import WEEKDAYS

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
    local = localtime.local(at, zone)
    where = _babel_locale(locale)
    return _PHRASES["moment"].format(
        date=format_datetime(local, _DATE_PATTERN, tzinfo=local.tzinfo, locale=where),
        time=f"{local.hour:02d}:{local.minute:02d}",
        zone=zone,
        offset=_offset(local),
    )


def describe_day(at: int, zone: str, locale: str = "en") -> str:
    """E.g. "Monday 15 March 2027": the local date only, named in `locale`."""
    local = localtime.local(at, zone)
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
        if n == 1 and sorted(codes, key=DAY_CODES.index) == list(WEEKDAYS):
            return _PHRASES["every_weekday"]
        days = _joined([day_names[DAY_CODES.index(c)] for c in sorted(codes, key=DAY_CODES.index)])
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
            weekday = day_names[DAY_CODES.index(bydays[0][2])]  # type: ignore[index]
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
        days = _describe_days(rule_parts(rec.rule), where)
    except (ValueError, KeyError, IndexError):
        days = None
    text = _PHRASES["rule"].format(
        days=days or _PHRASES["rule_as_is"].format(rule=rec.rule),
        time=f"{rec.hour:02d}:{rec.minute:02d}",
        zone=zone,
    )
    if rec.until is None:
        return text
    end = localtime.local(rec.until, zone)
    shown = format_datetime(end, _UNTIL_PATTERN, tzinfo=end.tzinfo, locale=where)
    if end.time() == UNTIL_TIME:
        return _PHRASES["until"].format(rule=text, date=shown)
    return _PHRASES["until_time"].format(rule=text, date=shown, time=f"{end.hour:02d}:{end.minute:02d}")
