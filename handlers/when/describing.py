"""Moments, days and recurrences said back to the member, exactly and in their language."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_skeleton, get_day_names
from babel.lists import format_list

from handlers import localtime
from handlers.i18n import N_, N_n, current_language, plain, plain_n
from handlers.when.common import DAY_CODES, UNTIL_TIME, Recurrence
from handlers.when.occurrences import rule_parts
from handlers.when.recurrence import WEEKDAYS

# ---------------------------------------------------------------------------------------------------- echoing back

# Every pattern and phrase used to show dates and rules, in one place. English keeps the network's own day-first
# style ("Monday 15 March 2027"); other languages take CLDR's full date and date-time patterns through Babel
# ("lundi 15 mars 2027", "понедельник, 15 марта 2027 г.", "2027年3月15日星期一").
_ENGLISH_DATE = "EEEE d MMMM y"
_ENGLISH_UNTIL = "d MMMM y"
_PHRASES: dict[str, str | tuple[str, str]] = {
    "moment": N_("{date_time} ({zone}, UTC{offset})"),
    "rule": N_("{days} at {time} ({zone})"),
    "until": N_("{rule} until {date}"),
    "until_time": N_("{rule} until {date}, {time}"),
    "every_day": N_("every day"),
    "every_n_days": N_n("every {n} day", "every {n} days"),
    "every_weekday": N_("every weekday"),
    "every_days": N_("every {days}"),
    "every_n_weeks": N_n("every {n} week on {days}", "every {n} weeks on {days}"),
    # {day} is the day of the month: "15th" in English, "15" in every other language.
    "every_month_day": N_("every month on the {day}"),
    "every_n_months_day": N_n("every {n} month on the {day}", "every {n} months on the {day}"),
    "every_month_last_day": N_("every month on the last day"),
    "every_n_months_last_day": N_n("every {n} month on the last day", "every {n} months on the last day"),
    "every_nth_weekday": N_("every {ordinal} {weekday} of the month"),
    "every_n_months_nth_weekday": N_n("every {n} month on the {ordinal} {weekday}",
                                       "every {n} months on the {ordinal} {weekday}"),
    "every_year": N_("every year on {date}"),
    "every_n_years": N_n("every {n} year on {date}", "every {n} years on {date}"),
    "rule_as_is": N_("repeating {rule}"),
}
_ORDINAL_WORDS = {1: N_("first"), 2: N_("second"), 3: N_("third"), 4: N_("fourth"), 5: N_("fifth"), -1: N_("last"),
                  -2: N_("second to last")}


def _phrase(key: str, **values: object) -> str:
    message = _PHRASES[key]
    if isinstance(message, tuple):  # a count: the plural form `n` takes in the language spoken
        return plain_n(*message, values["n"]).format(**values)  # type: ignore[arg-type]
    return plain(message).format(**values)


def _babel_locale(locale: str | None) -> Locale:
    code = (locale or current_language()).replace("-", "_")
    try:
        return Locale.parse("en_GB" if code == "en" else code)  # the network writes English the British way
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en")


def _date(local: datetime, where: Locale) -> str:
    if where.language == "en":
        return format_datetime(local, _ENGLISH_DATE, tzinfo=local.tzinfo, locale=where)
    return format_date(local, "full", locale=where)


def _time(hour: int, minute: int) -> str:
    return f"{hour:02d}:{minute:02d}"  # the 24-hour clock, in every language the bot speaks


def _offset(local: datetime) -> str:
    seconds = int(local.utcoffset().total_seconds())  # type: ignore[union-attr]
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours:02d}:{rest // 60:02d}"


def describe_moment(at: int, zone: str, locale: str | None = None) -> str:
    """E.g. "Monday 15 March 2027, 10:00 (Europe/Paris, UTC+01:00)", in `locale` (the language spoken now when
    not given): "lundi 15 mars 2027, 10:00 (Europe/Paris, UTC+01:00)"."""
    local = localtime.local(at, zone)
    where = _babel_locale(locale)
    date_time = where.datetime_formats["full"].format(_time(local.hour, local.minute), _date(local, where))
    return _phrase("moment", date_time=date_time, zone=zone, offset=_offset(local))


def describe_day(at: int, zone: str, locale: str | None = None) -> str:
    """E.g. "Monday 15 March 2027": the local date only, in `locale` (the language spoken now when not given)."""
    return _date(localtime.local(at, zone), _babel_locale(locale))


def _english_ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _joined(items: list[str], where: Locale) -> str:
    return format_list(items, locale=where)


_BYDAY = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")


def _describe_days(parts: dict[str, str], where: Locale) -> str | None:
    freq, n = parts.get("FREQ"), int(parts.get("INTERVAL", "1"))
    day_names = get_day_names("wide", locale=where)  # 0 = Monday
    bydays = [_BYDAY.fullmatch(code) for code in parts["BYDAY"].split(",")] if "BYDAY" in parts else []
    if any(m is None for m in bydays):
        return None
    if freq == "DAILY" and not bydays:
        return _phrase("every_day") if n == 1 else _phrase("every_n_days", n=n)
    if freq == "WEEKLY" and bydays and all(m[1] is None for m in bydays):  # type: ignore[index]
        codes = [m[2] for m in bydays]  # type: ignore[index]
        if n == 1 and sorted(codes, key=DAY_CODES.index) == list(WEEKDAYS):
            return _phrase("every_weekday")
        days = _joined([day_names[DAY_CODES.index(c)] for c in sorted(codes, key=DAY_CODES.index)], where)
        return _phrase("every_days", days=days) if n == 1 else _phrase("every_n_weeks", n=n, days=days)
    if freq == "MONTHLY" and "BYMONTHDAY" in parts and not bydays:
        day = int(parts["BYMONTHDAY"])
        if day == -1:
            return _phrase("every_month_last_day" if n == 1 else "every_n_months_last_day", n=n)
        if day > 0:
            shown = _english_ordinal(day) if where.language == "en" else str(day)
            return _phrase("every_month_day" if n == 1 else "every_n_months_day", n=n, day=shown)
    if freq == "MONTHLY" and len(bydays) == 1 and bydays[0][1] is not None:  # type: ignore[index]
        ordinal = int(bydays[0][1])  # type: ignore[index]
        if ordinal in _ORDINAL_WORDS:
            weekday = day_names[DAY_CODES.index(bydays[0][2])]  # type: ignore[index]
            key = "every_nth_weekday" if n == 1 else "every_n_months_nth_weekday"
            return _phrase(key, n=n, ordinal=plain(_ORDINAL_WORDS[ordinal]), weekday=weekday)
    if freq == "YEARLY" and "BYMONTH" in parts and "BYMONTHDAY" in parts and not bydays:
        on = date(2000, int(parts["BYMONTH"]), int(parts["BYMONTHDAY"]))
        shown = format_skeleton("MMMMd", datetime.combine(on, time(12)), locale=where)
        return _phrase("every_year" if n == 1 else "every_n_years", n=n, date=shown)
    return None


def describe_recurrence(rec: Recurrence, zone: str, locale: str | None = None) -> str:
    """E.g. "every Monday at 09:00 (Europe/Paris)", "... until 31 March 2027", in `locale` (the language spoken
    now when not given)."""
    where = _babel_locale(locale)
    try:
        days = _describe_days(rule_parts(rec.rule), where)
    except (ValueError, KeyError, IndexError):
        days = None
    text = _phrase("rule", days=days or _phrase("rule_as_is", rule=rec.rule), time=_time(rec.hour, rec.minute),
                   zone=zone)
    if rec.until is None:
        return text
    end = localtime.local(rec.until, zone)
    shown = format_datetime(end, _ENGLISH_UNTIL, tzinfo=end.tzinfo, locale=where) if where.language == "en" \
        else format_date(end, "long", locale=where)
    if end.time() == UNTIL_TIME:
        return _phrase("until", rule=text, date=shown)
    return _phrase("until_time", rule=text, date=shown, time=_time(end.hour, end.minute))
