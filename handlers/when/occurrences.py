"""The occurrences of a repeating rule: the first and the next, in the member's time zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from dateutil.rrule import rrulestr

from handlers import localtime
from handlers.localtime import to_utc
from handlers.when.common import Recurrence

# ---------------------------------------------------------------------------------------------------- occurrences

_EPOCH_DAY = date(1970, 1, 1)
_EPOCH_MONDAY = date(1970, 1, 5)
_HORIZON_YEARS = 10  # per interval step: a 29 February rule waits at most 8 years


def rule_parts(rule: str) -> dict[str, str]:
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
    into UTC by `to_utc` (an unknown zone is UTC). Raises ValueError for a rule this module cannot place.
    """
    parts = rule_parts(rec.rule)
    interval = int(parts.get("INTERVAL", "1"))
    if interval < 1:
        raise ValueError("INTERVAL must be at least 1")
    local_day = localtime.local(after, zone).date()
    dtstart = datetime.combine(_block_start(parts.get("FREQ", ""), interval, local_day), time(rec.hour, rec.minute))
    rule = rrulestr(rec.rule, dtstart=dtstart)
    if "COUNT" not in parts and "UNTIL" not in parts:
        horizon = min(dtstart.year + _HORIZON_YEARS * interval, 9998)
        rule = rule.replace(until=datetime(horizon, 12, 31, 23, 59, 59))
    for occurrence in rule:
        at = to_utc(occurrence, zone)
        if rec.until is not None and at > rec.until:
            return None
        if at > after:
            return at
    return None


def first_occurrence(rec: Recurrence, zone: str, now: int) -> int | None:
    """When a repeating reminder set at `now` first fires; None when its `until` comes before that."""
    return next_occurrence(rec, zone, now)
