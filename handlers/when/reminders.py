"""A reminder split into when and what, and a repeating one into its rule and its end."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import datetime

from handlers import localtime
from handlers.localtime import to_utc
from handlers.when.common import (
    MAX_REMINDER,
    MAX_WHAT,
    MAX_WHEN_WORDS,
    UNTIL_TIME,
    Moment,
    Problem,
    Recurrence,
    iso,
)
from handlers.when.moment import (
    LEADING_AT,
    UNREAD_WORD,
    impossible_time,
    parse_moment,
)
from handlers.when.occurrences import first_occurrence
from handlers.when.recurrence import RecurrenceReader, starts_recurring

# ---------------------------------------------------------------------------------------------------- reminders

_WORDS = re.compile(r"\S+")
_SEPARATOR = re.compile(r"^(?::|to(?=\s|$))\s*", re.IGNORECASE)
_TRAILING_UNTIL = re.compile(r"^(?P<what>.*\S)\s+until\s+(?P<when>\S.*)$", re.IGNORECASE | re.DOTALL)


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
            while n > 1 and UNREAD_WORD.fullmatch(words[n - 1][0]):
                shorter = parse_moment(text[:words[n - 2].end()], zone, now, default_hour=default_hour,
                                       languages=languages)
                if not isinstance(shorter, Moment) or (shorter.at, shorter.has_time) != (result.at, result.has_time):
                    break
                n, result = n - 1, shorter
            end = words[n - 1].end()
            bad = impossible_time(LEADING_AT.sub("", text[end:].lstrip(), count=1), at_start=True)
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
    if localtime.known_zone(zone) is None:
        return Problem("bad_zone")
    if starts_recurring(body):
        return _split_recurring(body, zone, now, languages)
    found = _leading_moment(body, zone, now, languages, default_hour=10)
    if isinstance(found, Problem):
        return found
    moment, end = found
    what = _what(body[end:])
    return what if isinstance(what, Problem) else (moment, what)


def read_reminder(
    when_text: str, what: str, zone: str, now: int, *, languages: tuple[str, ...] = ("en",)
) -> tuple[Moment | Recurrence, str] | Problem:
    """A reminder whose when and what came apart (a slash command's two options): all of `when_text` is when it
    is due, and `what` is what it says, as typed."""
    body = when_text.strip()
    checked = _what(what)
    if isinstance(checked, Problem):
        return checked
    if not body:
        return Problem("unknown")
    if len(body) > MAX_REMINDER:
        return Problem("too_long")
    if localtime.known_zone(zone) is None:
        return Problem("bad_zone")
    if starts_recurring(body):
        return _split_recurring(body, zone, now, languages, what=checked)
    moment = parse_moment(body, zone, now, default_hour=10, languages=languages)
    return moment if isinstance(moment, Problem) else (moment, checked)


async def read_reminder_async(
    when_text: str, what: str, zone: str, now: int, *, languages: tuple[str, ...] = ("en",)
) -> tuple[Moment | Recurrence, str] | Problem:
    return await asyncio.to_thread(read_reminder, when_text, what, zone, now, languages=languages)


async def split_reminder_async(
    text: str, zone: str, now: int, *, languages: tuple[str, ...] = ("en",)
) -> tuple[Moment | Recurrence, str] | Problem:
    return await asyncio.to_thread(split_reminder, text, zone, now, languages=languages)


def _until_of(moment: Moment, zone: str) -> int:
    if moment.has_time:
        return moment.at
    return to_utc(datetime.combine(moment.local.date(), UNTIL_TIME), zone)


def _split_recurring(
    text: str, zone: str, now: int, languages: tuple[str, ...], *, what: str | None = None
) -> tuple[Recurrence, str] | Problem:
    """A repeating reminder "every … [until …] <what>"; with `what` given apart, all of `text` is the rule."""
    today = localtime.local(now, zone).date()
    grammar = RecurrenceReader(text, today)
    read = grammar.read()
    if read is None:
        return Problem("unknown")
    rule, (hour, minute), end = read
    until: int | None = None
    rest = text[end:]
    impossible = impossible_time(LEADING_AT.sub("", rest.lstrip(), count=1), at_start=True)
    if impossible is not None:
        return Problem("bad_time", impossible)  # "every day at 25:00": not 09:00 with "at 25:00" as its text
    if grammar.peek() == "at" and impossible_time(grammar.peek(1) or "") is not None:
        return Problem("bad_time", grammar.peek(1))  # "каждый день в 25:00", as the grammar read it
    if grammar.peek() == "until":  # or "jusqu'au", "до", "hasta", "حتى", "直到"
        rest = text[grammar.tokens[grammar.i][1]:]
        offset = len(rest) - len(rest.lstrip())
        found = _leading_moment(rest.lstrip(), zone, now, languages, default_hour=23)
        if isinstance(found, Problem):
            return _ending(found)
        moment, moment_end = found
        until, rest = _until_of(moment, zone), rest[offset + moment_end:]
    if what is not None:
        if rest.strip():
            return Problem("unknown")
        return _recurrence(Recurrence(rule, hour, minute, until), what, zone, now)
    what = _what(rest)
    if isinstance(what, Problem):
        return what
    if until is None and (trailing := _TRAILING_UNTIL.match(what)):
        result = parse_moment(trailing["when"], zone, now, default_hour=23, languages=languages)
        if isinstance(result, Moment):
            until, what = _until_of(result, zone), trailing["what"].strip()
        elif result.code in ("past", "too_far"):
            return _ending(result)
    return _recurrence(Recurrence(rule, hour, minute, until), what, zone, now)


def _recurrence(recurrence: Recurrence, what: str, zone: str, now: int) -> tuple[Recurrence, str] | Problem:
    if first_occurrence(recurrence, zone, now) is None:
        until = recurrence.until
        return Problem("ends_first", iso(until, zone) if until is not None else "", until)
    return recurrence, what


def _ending(problem: Problem) -> Problem:
    """A repeating reminder's end date in the past ends it before it first comes: say that, not that its time
    has passed."""
    return replace(problem, code="ends_first") if problem.code == "past" else problem
