"""Dates and reminders typed by members, read in their own time zone and echoed back exactly.

Unless a test says otherwise, "now" is Monday 23 November 2026 09:00 UTC: 10:00 in Paris, 12:00 in Nairobi,
04:00 in New York.
"""

from __future__ import annotations

import itertools
import logging
import threading
import zoneinfo
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers import when
from handlers.i18n import language
from handlers.when import (
    Moment,
    Problem,
    Recurrence,
    describe_moment,
    describe_recurrence,
    first_occurrence,
    next_occurrence,
    parse_moment,
    parse_moment_async,
    split_reminder,
    split_reminder_async,
    to_utc,
)
from handlers.when import moment as reading

PARIS, NAIROBI, NEW_YORK = "Europe/Paris", "Africa/Nairobi", "America/New_York"


def utc(*parts: int) -> int:
    return int(datetime(*parts, tzinfo=UTC).timestamp())


NOW = utc(2026, 11, 23, 9, 0)


def local(at: int, zone: str) -> datetime:
    """The wall-clock time (naive) of a UTC instant in `zone`."""
    return datetime.fromtimestamp(at, ZoneInfo(zone)).replace(tzinfo=None)


def moment(text: str, zone: str = PARIS, now: int = NOW, **kwargs) -> Moment:
    result = parse_moment(text, zone, now, **kwargs)
    assert isinstance(result, Moment), (text, result)
    assert result.local.tzinfo == ZoneInfo(zone)
    assert result.local.timestamp() == result.at
    return result


def wall(text: str, zone: str = PARIS, now: int = NOW, **kwargs) -> tuple[datetime, bool]:
    found = moment(text, zone, now, **kwargs)
    return found.local.replace(tzinfo=None), found.has_time


# ---------------------------------------------------------------------------------------------------- one moment

D = datetime
PARIS_READINGS = [
    ("in 10 minutes", D(2026, 11, 23, 10, 10), True),
    ("in 2 hours", D(2026, 11, 23, 12, 0), True),
    ("in two weeks", D(2026, 12, 7, 10, 0), False),
    ("tomorrow 9:00", D(2026, 11, 24, 9, 0), True),
    ("tomorrow at 9", D(2026, 11, 24, 9, 0), True),
    ("tomorrow 9h30", D(2026, 11, 24, 9, 30), True),
    ("tomorrow 9h", D(2026, 11, 24, 9, 0), True),  # dateparser alone reads "9h" as 19:00
    ("tomorrow 21.30", D(2026, 11, 24, 21, 30), True),  # dateparser alone drops "21.30"
    ("tomorrow 9.30am", D(2026, 11, 24, 9, 30), True),
    ("tomorrow noon", D(2026, 11, 24, 12, 0), True),
    ("tomorrow morning", D(2026, 11, 24, 9, 0), True),
    ("tomorrow", D(2026, 11, 24, 10, 0), False),
    ("next Friday", D(2026, 11, 27, 10, 0), False),
    ("next Friday 10:00", D(2026, 11, 27, 10, 0), True),
    ("on Friday.", D(2026, 11, 27, 10, 0), False),
    ("Monday", D(2026, 11, 30, 10, 0), False),  # typed on a Monday: next week's
    ("15 March", D(2027, 3, 15, 10, 0), False),
    ("by 15 March", D(2027, 3, 15, 10, 0), False),
    ("before 1 June 2027!", D(2027, 6, 1, 10, 0), False),
    ("at 15 March 9pm", D(2027, 3, 15, 21, 0), True),
    ("29 February", D(2028, 2, 29, 10, 0), False),  # the next leap year's
    ("22 November", D(2027, 11, 22, 10, 0), False),  # gone this year: next year's
    ("23 November", D(2027, 11, 23, 10, 0), False),  # today, but 10:00 is not after now (10:00)
    ("March", D(2027, 3, 1, 10, 0), False),  # a month alone is its 1st (dateparser alone: the 23rd)
    ("2027-03-15 14:00", D(2027, 3, 15, 14, 0), True),
    ("2027-03-15T14:00", D(2027, 3, 15, 14, 0), True),
    ("15.03.2027", D(2027, 3, 15, 10, 0), False),
    ("9am", D(2026, 11, 24, 9, 0), True),  # gone today: tomorrow's
    ("noon", D(2026, 11, 23, 12, 0), True),
    ("midnight", D(2026, 11, 24, 0, 0), True),
    ("5 pm", D(2026, 11, 23, 17, 0), True),
    ("at 9", D(2026, 11, 24, 9, 0), True),  # dateparser alone reads it as 1 September
    ("tonight", D(2026, 11, 23, 20, 0), True),
    ("next week", D(2026, 11, 30, 10, 0), False),
    ("next month", D(2026, 12, 23, 10, 0), False),
]


@pytest.mark.parametrize(("text", "expected", "has_time"), PARIS_READINGS)
def test_a_phrase_typed_in_paris_reads_as_this_exact_local_time(text, expected, has_time):
    assert wall(text, PARIS) == (expected, has_time)


@pytest.mark.parametrize(
    ("text", "expected", "has_time"),
    [
        ("in 10 minutes", D(2026, 11, 23, 12, 10), True),
        ("in two weeks", D(2026, 12, 7, 10, 0), False),
        ("tomorrow 9:00", D(2026, 11, 24, 9, 0), True),
        ("next Friday 10:00", D(2026, 11, 27, 10, 0), True),
        ("15 March", D(2027, 3, 15, 10, 0), False),
        ("29 February", D(2028, 2, 29, 10, 0), False),
        ("2027-03-15 14:00", D(2027, 3, 15, 14, 0), True),
        ("noon", D(2026, 11, 24, 12, 0), True),  # 12:00 in Nairobi now: tomorrow's
    ],
)
def test_the_same_phrases_in_nairobi(text, expected, has_time):
    assert wall(text, NAIROBI) == (expected, has_time)


@pytest.mark.parametrize(
    ("text", "expected", "has_time"),
    [
        ("in 10 minutes", D(2026, 11, 23, 4, 10), True),
        ("tomorrow 9:00", D(2026, 11, 24, 9, 0), True),
        ("15 March", D(2027, 3, 15, 10, 0), False),  # after the US change: UTC-04:00
        ("9am", D(2026, 11, 23, 9, 0), True),  # still ahead today at 04:00
        ("midnight", D(2026, 11, 24, 0, 0), True),  # dateparser alone: the midnight just gone
        ("today", D(2026, 11, 23, 10, 0), False),
        ("23 November", D(2026, 11, 23, 10, 0), False),  # today's date, 10:00 still ahead
    ],
)
def test_the_same_phrases_in_new_york(text, expected, has_time):
    assert wall(text, NEW_YORK) == (expected, has_time)


def test_the_instant_matches_the_zone_offset():
    assert moment("15 March", NEW_YORK).at == utc(2027, 3, 15, 14, 0)
    assert moment("15 March", PARIS).at == utc(2027, 3, 15, 9, 0)
    assert moment("15 March", NAIROBI).at == utc(2027, 3, 15, 7, 0)


def test_slashed_dates_are_read_day_first_everywhere():
    # "03/04/2027" is 3 April 2027, never 4 March, even in New York: the network is mostly in Europe and
    # Africa, and the echo names the month so a misreading is seen at once.
    assert wall("03/04/2027") == (D(2027, 4, 3, 10, 0), False)
    assert wall("03/04/2027", NEW_YORK) == (D(2027, 4, 3, 10, 0), False)
    assert wall("03/04/2027 14:00") == (D(2027, 4, 3, 14, 0), True)
    assert wall("12/13/2027") == (D(2027, 12, 13, 10, 0), False)  # only one reading possible


def test_a_time_without_a_date_with_dots_is_a_time_of_day():
    assert wall("15.03") == (D(2026, 11, 23, 15, 3), True)


def test_a_time_zone_typed_in_the_text_wins_over_the_members():
    assert wall("15 March 15:00 UTC") == (D(2027, 3, 15, 16, 0), True)
    assert moment("15 March 15:00 UTC", NAIROBI).at == utc(2027, 3, 15, 15, 0)


def test_the_default_hour_applies_only_when_no_time_was_typed():
    assert wall("15 March", default_hour=18) == (D(2027, 3, 15, 18, 0), False)
    assert wall("15 March 7:15", default_hour=18) == (D(2027, 3, 15, 7, 15), True)


def test_other_languages_go_through_dateparser():
    assert wall("demain midi", languages=("fr",)) == (D(2026, 11, 24, 12, 0), True)
    assert wall("demain 9h", languages=("fr",)) == (D(2026, 11, 24, 9, 0), True)
    assert wall("dans 10 minutes", languages=("fr-FR",)) == (D(2026, 11, 23, 10, 10), True)
    assert wall("15 de março", "Europe/Lisbon", languages=("pt-BR",)) == (D(2027, 3, 15, 10, 0), False)
    assert wall("15 March", languages=("xx",)) == (D(2027, 3, 15, 10, 0), False)  # unknown: English


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("yesterday", "2026-11-22T10:00+01:00"),
        ("last week", "2026-11-16T10:00+01:00"),
        ("today", "2026-11-23T10:00+01:00"),  # 10:00 is now, not after it
        ("now", "2026-11-23T10:00+01:00"),
        ("2026-11-01", "2026-11-01T10:00+01:00"),
        ("1 January 2026 8:00", "2026-01-01T08:00+01:00"),
        ("March 2026", "2026-03-01T10:00+01:00"),
        ("in 0 minutes", "2026-11-23T10:00+01:00"),
    ],
)
def test_moments_not_after_now_are_past_and_say_how_they_were_read(text, detail):
    assert parse_moment(text, PARIS, NOW) == Problem("past", detail)


def test_more_than_five_years_ahead_is_too_far():
    assert parse_moment("in 10 years", PARIS, NOW) == Problem("too_far", "2036-11-23T10:00+01:00")
    assert parse_moment("2031-11-24", PARIS, NOW).code == "too_far"
    assert wall("2031-11-23") == (D(2031, 11, 23, 10, 0), False)  # exactly five years: allowed


@pytest.mark.parametrize("text", ["", "   ", "...", "\n"])
def test_nothing_typed_is_empty(text):
    assert parse_moment(text, PARIS, NOW) == Problem("empty")


def test_over_long_text_is_refused_before_any_parsing():
    assert parse_moment("tomorrow " + "x" * 200, PARIS, NOW) == Problem("too_long")
    assert parse_moment("x" * 100_000, PARIS, NOW) == Problem("too_long")


@pytest.mark.parametrize(
    "text", ["banana", "2", "10", "2027", "29 February 2027", "31 November", "tomorrow 9:00 2", "by", "call mum"]
)
def test_what_is_not_a_date_is_unknown(text):
    # A bare number is a month to dateparser; "tomorrow 9:00 2" would silently lose the 9:00.
    assert parse_moment(text, PARIS, NOW) == Problem("unknown")


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "Paris", "../etc/passwd", "Europe", "Europe/Paris\x00"])
def test_an_unknown_zone_is_refused(zone):
    assert parse_moment("tomorrow 9:00", zone, NOW) == Problem("bad_zone")
    assert split_reminder("tomorrow 9:00 call the mayor", zone, NOW) == Problem("bad_zone")


def test_a_zone_this_machine_no_longer_knows_is_read_as_utc_rather_than_stopping_the_reminder():
    daily = Recurrence("FREQ=DAILY", 9, 0, None)
    assert next_occurrence(daily, "Mars/Olympus", NOW) == next_occurrence(daily, "UTC", NOW) is not None


# ---------------------------------------------------------------------------------------------------- clock changes

OCT_1 = utc(2026, 10, 1, 9, 0)


def test_a_wall_clock_time_in_the_spring_gap_moves_forward_by_the_gap():
    assert to_utc(D(2027, 3, 28, 2, 30), PARIS) == utc(2027, 3, 28, 1, 30)  # = 03:30 CEST
    assert to_utc(D(2027, 3, 14, 2, 30), NEW_YORK) == utc(2027, 3, 14, 7, 30)  # = 03:30 EDT
    found = moment("2027-03-28 02:30", PARIS, OCT_1)
    assert (found.local.replace(tzinfo=None), found.at) == (D(2027, 3, 28, 3, 30), utc(2027, 3, 28, 1, 30))
    assert wall("14 March 2027 2:30am", NEW_YORK, OCT_1) == (D(2027, 3, 14, 3, 30), True)


def test_an_ambiguous_autumn_time_is_the_earlier_instant():
    assert to_utc(D(2026, 10, 25, 2, 30), PARIS) == utc(2026, 10, 25, 0, 30)  # 02:30 CEST, not CET
    assert to_utc(D(2026, 11, 1, 1, 30), NEW_YORK) == utc(2026, 11, 1, 5, 30)  # 01:30 EDT, not EST
    found = moment("25 October 2026 02:30", PARIS, OCT_1)
    assert found.at == utc(2026, 10, 25, 0, 30)
    assert found.local.utcoffset() == timedelta(hours=2)


def test_minutes_from_now_count_real_time_across_the_autumn_change():
    now = utc(2026, 10, 25, 0, 55)  # 02:55 CEST, the first time round
    found = moment("in 10 minutes", PARIS, now)
    assert found.at == now + 600
    assert (found.local.replace(tzinfo=None), found.local.utcoffset()) == (D(2026, 10, 25, 2, 5), timedelta(hours=1))


def test_a_weekly_reminder_stays_at_nine_local_across_the_spring_change():
    rec = Recurrence("FREQ=WEEKLY;BYDAY=MO", 9, 0, None)
    before = next_occurrence(rec, PARIS, utc(2027, 3, 20, 0, 0))
    after = next_occurrence(rec, PARIS, before)
    assert (before, after) == (utc(2027, 3, 22, 8, 0), utc(2027, 3, 29, 7, 0))
    assert local(before, PARIS) == D(2027, 3, 22, 9, 0) and local(after, PARIS) == D(2027, 3, 29, 9, 0)
    assert after - before == 7 * 86400 - 3600


def test_a_daily_reminder_in_the_gap_fires_once_an_hour_later():
    rec = Recurrence("FREQ=DAILY", 2, 30, None)
    at = next_occurrence(rec, PARIS, utc(2027, 3, 27, 12, 0))
    assert (at, local(at, PARIS)) == (utc(2027, 3, 28, 1, 30), D(2027, 3, 28, 3, 30))
    assert local(next_occurrence(rec, PARIS, at), PARIS) == D(2027, 3, 29, 2, 30)


def test_a_daily_reminder_in_the_overlap_fires_once_the_first_time_round():
    rec = Recurrence("FREQ=DAILY", 2, 30, None)
    first = next_occurrence(rec, PARIS, utc(2026, 10, 24, 12, 0))
    assert first == utc(2026, 10, 25, 0, 30)
    assert next_occurrence(rec, PARIS, first) == utc(2026, 10, 26, 1, 30)  # not the repeated 02:30


def test_a_recurrence_in_new_york_moves_with_the_us_change():
    rec = Recurrence("FREQ=WEEKLY;BYDAY=MO", 9, 0, None)
    assert next_occurrence(rec, NEW_YORK, utc(2026, 10, 27, 0, 0)) == utc(2026, 11, 2, 14, 0)  # EST
    assert next_occurrence(rec, NEW_YORK, utc(2026, 10, 20, 0, 0)) == utc(2026, 10, 26, 13, 0)  # EDT


# ---------------------------------------------------------------------------------------------------- 29 February


def test_yearly_29_february_fires_only_in_leap_years():
    rec = Recurrence("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", 9, 0, None)
    first = first_occurrence(rec, PARIS, NOW)
    assert local(first, PARIS) == D(2028, 2, 29, 9, 0)
    assert local(next_occurrence(rec, PARIS, first), PARIS) == D(2032, 2, 29, 9, 0)
    assert local(next_occurrence(rec, PARIS, utc(2099, 3, 1)), PARIS) == D(2104, 2, 29, 9, 0)  # 2100 is not leap


def test_monthly_on_the_29th_skips_february_except_in_leap_years():
    rec = Recurrence("FREQ=MONTHLY;BYMONTHDAY=29", 9, 0, None)
    assert local(next_occurrence(rec, PARIS, utc(2027, 1, 30)), PARIS) == D(2027, 3, 29, 9, 0)
    assert local(next_occurrence(rec, PARIS, utc(2028, 1, 30)), PARIS) == D(2028, 2, 29, 9, 0)


# ---------------------------------------------------------------------------------------------------- until


def test_until_ends_a_recurrence():
    until = to_utc(D(2026, 12, 7, 23, 59, 59), PARIS)
    rec = Recurrence("FREQ=WEEKLY;BYDAY=MO", 9, 0, until)
    first = first_occurrence(rec, PARIS, NOW)
    second = next_occurrence(rec, PARIS, first)
    assert (local(first, PARIS), local(second, PARIS)) == (D(2026, 11, 30, 9, 0), D(2026, 12, 7, 9, 0))
    assert next_occurrence(rec, PARIS, second) is None


def test_an_until_before_the_first_occurrence_means_none():
    rec = Recurrence("FREQ=WEEKLY;BYDAY=MO", 9, 0, to_utc(D(2026, 11, 29, 23, 59, 59), PARIS))
    assert first_occurrence(rec, PARIS, NOW) is None


def test_an_until_exactly_at_an_occurrence_still_allows_it():
    rec = Recurrence("FREQ=DAILY", 9, 0, utc(2026, 11, 24, 8, 0))
    assert first_occurrence(rec, PARIS, NOW) == utc(2026, 11, 24, 8, 0)
    assert next_occurrence(rec, PARIS, utc(2026, 11, 24, 8, 0)) is None


def test_every_two_weeks_keeps_its_weeks_wherever_it_is_computed_from():
    rec = Recurrence("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", 9, 0, None)
    at, seen = NOW, []
    for _ in range(5):
        at = next_occurrence(rec, PARIS, at)
        seen.append(local(at, PARIS).date())
    assert [b - a for a, b in itertools.pairwise(seen)] == [timedelta(weeks=2)] * 4
    # Starting from any day in between lands on the same Fridays.
    for offset in range(15):
        assert local(next_occurrence(rec, PARIS, NOW + offset * 86400), PARIS).date() in seen


# ---------------------------------------------------------------------------------------------------- reminders


def test_a_one_off_reminder_splits_into_when_and_what():
    when_, what = split_reminder("tomorrow 9:00 call the mayor", PARIS, NOW)
    assert (local(when_.at, PARIS), when_.has_time, what) == (D(2026, 11, 24, 9, 0), True, "call the mayor")
    when_, what = split_reminder("in 10 minutes stretch", PARIS, NOW)
    assert (when_.at, what) == (NOW + 600, "stretch")


@pytest.mark.parametrize(
    ("text", "expected", "what"),
    [
        ("tomorrow 9:00 to call Amina", D(2026, 11, 24, 9, 0), "call Amina"),
        ("tomorrow 9:00: call Amina", D(2026, 11, 24, 9, 0), "call Amina"),
        ("tomorrow at 9 call mum", D(2026, 11, 24, 9, 0), "call mum"),
        ("tomorrow 9:00 2 posters to print", D(2026, 11, 24, 9, 0), "2 posters to print"),
        ("next Friday 10:00 May Day planning", D(2026, 11, 27, 10, 0), "May Day planning"),
        ("by 15 March: send the report", D(2027, 3, 15, 10, 0), "send the report"),
        ("on Friday send the minutes", D(2026, 11, 27, 10, 0), "send the minutes"),
        ("tomorrow to-do list", D(2026, 11, 24, 10, 0), "to-do list"),
        ("15 March 14:00 press release\nwith the photos", D(2027, 3, 15, 14, 0), "press release\nwith the photos"),
    ],
)
def test_one_off_reminders_on_realistic_inputs(text, expected, what):
    found, said = split_reminder(text, PARIS, NOW)
    assert (local(found.at, PARIS), said) == (expected, what)


@pytest.mark.parametrize(
    ("text", "expected", "what"),
    [
        ("in 2 hours at the office check mail", D(2026, 11, 23, 12, 0), "at the office check mail"),
        ("tomorrow 9:00 at the office", D(2026, 11, 24, 9, 0), "at the office"),
        ("tomorrow at home call the bank", D(2026, 11, 24, 10, 0), "at home call the bank"),
        ("next Monday on the phone with Sara", D(2026, 11, 30, 10, 0), "on the phone with Sara"),
        ("15 March 2027 file the appeal", D(2027, 3, 15, 10, 0), "file the appeal"),
    ],
)
def test_words_of_what_a_reminder_says_stay_in_it(text, expected, what):
    found, said = split_reminder(text, PARIS, NOW)
    assert (local(found.at, PARIS), said) == (expected, what)


@pytest.mark.parametrize(
    ("text", "typed"),
    [
        ("every day at 25:00 call mum", "25:00"),
        ("every Monday 24:00 team call", "24:00"),
        ("every day at 9:60 stretch", "9:60"),
        ("every day at 13pm stretch", "13pm"),
        ("tomorrow at 25:00 call", "25:00"),
        ("tomorrow 9:75 call", "9:75"),
        ("tomorrow 25h call", "25h"),
        ("at 25:00 call", "25:00"),
    ],
)
def test_a_time_of_day_no_clock_shows_is_refused(text, typed):
    assert split_reminder(text, PARIS, NOW) == Problem("bad_time", typed)


def test_an_impossible_time_later_in_what_a_reminder_says_is_its_own_business():
    found, said = split_reminder("tomorrow 9:00 book the 25:99 train", PARIS, NOW)
    assert (local(found.at, PARIS), said) == (D(2026, 11, 24, 9, 0), "book the 25:99 train")
    assert parse_moment("15 March 25:00", PARIS, NOW) == Problem("bad_time", "25:00")


def test_a_past_or_too_far_moment_says_which_moment_it_was_read_as():
    assert parse_moment("yesterday 9:00", PARIS, NOW).at == utc(2026, 11, 22, 8)
    assert split_reminder("yesterday 9:00 call", PARIS, NOW).at == utc(2026, 11, 22, 8)
    assert parse_moment("in 10 years", PARIS, NOW).at == utc(2036, 11, 23, 9)


@pytest.mark.parametrize(
    ("text", "meant"),
    [("31 February", True), ("15/03", True), ("May", True), ("next week", True), ("the end of March", True),
     ("tomorrow 25:00", True), ("2027", True), ("3pm", True), ("in two weeks", True),
     ("3 authors", False), ("and for migrants", False), ("in Lyon", False), ("the people", False),
     ("next generation", False)],
)
def test_what_looks_like_a_date(text, meant):
    assert when.looks_like_date(text) is meant


def test_a_reminder_needs_something_to_remind_of():
    assert split_reminder("tomorrow 9:00", PARIS, NOW) == Problem("empty")
    assert split_reminder("tomorrow 9:00 to ", PARIS, NOW) == Problem("empty")
    assert split_reminder("every Monday 9:00", PARIS, NOW) == Problem("empty")
    assert split_reminder("  ", PARIS, NOW) == Problem("empty")


def test_what_a_reminder_says_is_at_most_500_characters():
    assert split_reminder("tomorrow 9:00 " + "x" * 500, PARIS, NOW)[1] == "x" * 500
    assert split_reminder("tomorrow 9:00 " + "x" * 501, PARIS, NOW) == Problem("too_long")
    assert split_reminder("every Monday " + "x" * 501, PARIS, NOW) == Problem("too_long")
    assert split_reminder("x" * 100_000, PARIS, NOW) == Problem("too_long")


def test_a_reminder_in_the_past_or_without_a_date_is_refused():
    assert split_reminder("yesterday call mum", PARIS, NOW) == Problem("past", "2026-11-22T10:00+01:00")
    assert split_reminder("call mum tomorrow", PARIS, NOW) == Problem("unknown")
    assert split_reminder("every banana peel it", PARIS, NOW) == Problem("unknown")
    assert split_reminder("every 15 minutes stretch", PARIS, NOW) == Problem("unknown")


RECURRING = [
    ("every day at 9:00 drink water", "FREQ=DAILY", (9, 0), "drink water"),
    ("every day 9:00 drink water", "FREQ=DAILY", (9, 0), "drink water"),
    ("every 3 days water the plants", "FREQ=DAILY;INTERVAL=3", (9, 0), "water the plants"),
    ("every weekday 8:30 stand-up", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", (8, 30), "stand-up"),
    ("every Monday check the inbox", "FREQ=WEEKLY;BYDAY=MO", (9, 0), "check the inbox"),
    ("every Monday 9:00 team call", "FREQ=WEEKLY;BYDAY=MO", (9, 0), "team call"),
    ("Every monday at noon lunch", "FREQ=WEEKLY;BYDAY=MO", (12, 0), "lunch"),
    ("every Monday and Thursday 18:00 run", "FREQ=WEEKLY;BYDAY=MO,TH", (18, 0), "run"),
    ("every Friday, Monday and Wednesday at 7am gym", "FREQ=WEEKLY;BYDAY=MO,WE,FR", (7, 0), "gym"),
    ("every Friday 5pm: weekly wins", "FREQ=WEEKLY;BYDAY=FR", (17, 0), "weekly wins"),
    ("every week review", "FREQ=WEEKLY;BYDAY=MO", (9, 0), "review"),  # the weekday it was set on
    ("every 2 weeks on Friday newsletter", "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", (9, 0), "newsletter"),
    ("every other Tuesday sync", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", (9, 0), "sync"),
    ("every month on the 15th 10:00 rent", "FREQ=MONTHLY;BYMONTHDAY=15", (10, 0), "rent"),
    ("every 15th of the month bills", "FREQ=MONTHLY;BYMONTHDAY=15", (9, 0), "bills"),
    ("every month on the last day close the books", "FREQ=MONTHLY;BYMONTHDAY=-1", (9, 0), "close the books"),
    ("every first Thursday network call", "FREQ=MONTHLY;BYDAY=+1TH", (9, 0), "network call"),
    ("every first Thursday of the month 18:30 call", "FREQ=MONTHLY;BYDAY=+1TH", (18, 30), "call"),
    ("every last Friday drinks", "FREQ=MONTHLY;BYDAY=-1FR", (9, 0), "drinks"),
    ("every second Tuesday board", "FREQ=MONTHLY;BYDAY=+2TU", (9, 0), "board"),  # of the month
    ("every month on the 29th pay", "FREQ=MONTHLY;BYMONTHDAY=29", (9, 0), "pay"),
    ("every year on 29 February birthday", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", (9, 0), "birthday"),
    ("every 29 February party", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", (9, 0), "party"),
    ("every Monday 9 team", "FREQ=WEEKLY;BYDAY=MO", (9, 0), "9 team"),  # a bare hour needs "at"
    ("every Monday at 9 team", "FREQ=WEEKLY;BYDAY=MO", (9, 0), "team"),
    ("every Monday 21h30 to call home", "FREQ=WEEKLY;BYDAY=MO", (21, 30), "call home"),
]


@pytest.mark.parametrize(("text", "rule", "clock", "what"), RECURRING)
def test_recurring_reminders_read_into_a_rule_and_a_local_time(text, rule, clock, what):
    rec, said = split_reminder(text, PARIS, NOW)
    assert (rec, said) == (Recurrence(rule, *clock, None), what)


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("every day at 9:00 x", D(2026, 11, 24, 9, 0)),
        ("every Monday and Thursday 18:00 x", D(2026, 11, 23, 18, 0)),  # later today
        ("every Monday 9:00 x", D(2026, 11, 30, 9, 0)),  # 09:00 today has passed
        ("every first Thursday x", D(2026, 12, 3, 9, 0)),
        ("every last Friday x", D(2026, 11, 27, 9, 0)),
        ("every month on the 15th x", D(2026, 12, 15, 9, 0)),
        ("every year on 29 February x", D(2028, 2, 29, 9, 0)),
    ],
)
def test_recurring_reminders_first_fire_at_the_expected_local_time(text, first):
    rec, _ = split_reminder(text, PARIS, NOW)
    assert local(first_occurrence(rec, PARIS, NOW), PARIS) == first


def test_recurring_reminders_in_other_zones_keep_their_local_time():
    rec, _ = split_reminder("every Monday 9:00 team call", NAIROBI, NOW)
    assert first_occurrence(rec, NAIROBI, NOW) == utc(2026, 11, 30, 6, 0)
    rec, _ = split_reminder("every Monday 9:00 team call", NEW_YORK, NOW)
    assert first_occurrence(rec, NEW_YORK, NOW) == utc(2026, 11, 23, 14, 0)  # 04:00 there now: today


def test_a_recurring_reminder_with_until_after_what_it_says():
    rec, what = split_reminder("every first Thursday 18:30 network call until 1 June 2027", PARIS, NOW)
    assert (rec.rule, rec.hour, rec.minute, what) == ("FREQ=MONTHLY;BYDAY=+1TH", 18, 30, "network call")
    assert local(rec.until, PARIS) == D(2027, 6, 1, 23, 59, 59)  # the whole of 1 June
    occurrences, at = [], NOW
    while (at := next_occurrence(rec, PARIS, at)) is not None:
        occurrences.append(local(at, PARIS))
    assert occurrences == [D(2026, 12, 3, 18, 30), D(2027, 1, 7, 18, 30), D(2027, 2, 4, 18, 30),
                           D(2027, 3, 4, 18, 30), D(2027, 4, 1, 18, 30), D(2027, 5, 6, 18, 30)]


def test_a_recurring_reminder_with_until_before_what_it_says():
    rec, what = split_reminder("every Monday 9:00 until 15 December 2026: report", PARIS, NOW)
    assert (rec.rule, what, local(rec.until, PARIS)) == ("FREQ=WEEKLY;BYDAY=MO", "report", D(2026, 12, 15, 23, 59, 59))
    rec, _ = split_reminder("every day until 1 December 18:00 to water", PARIS, NOW)
    assert local(rec.until, PARIS) == D(2026, 12, 1, 18, 0)


def test_an_until_in_the_past_or_before_the_first_occurrence_is_refused():
    assert split_reminder("every Monday until yesterday report", PARIS, NOW).code == "ends_first"
    assert split_reminder("every Monday report until last week", PARIS, NOW).code == "ends_first"
    # Next Monday is the 30th: a reminder ending on the 24th would never fire.
    assert split_reminder("every Monday until 24 November report", PARIS, NOW) == Problem(
        "ends_first", "2026-11-24T23:59+01:00"
    )


def test_until_that_is_not_a_date_stays_in_what_the_reminder_says():
    rec, what = split_reminder("every Monday 9:00 wait until the doors open", PARIS, NOW)
    assert (rec.until, what) == (None, "wait until the doors open")


# ---------------------------------------------------------------------------------------------------- echoing back


def test_describe_moment_names_day_date_time_zone_and_offset():
    assert describe_moment(utc(2027, 3, 15, 9, 0), PARIS) == "Monday 15 March 2027, 10:00 (Europe/Paris, UTC+01:00)"
    assert describe_moment(utc(2027, 6, 1, 9, 0), PARIS) == "Tuesday 1 June 2027, 11:00 (Europe/Paris, UTC+02:00)"
    assert describe_moment(NOW, NEW_YORK) == "Monday 23 November 2026, 04:00 (America/New_York, UTC-05:00)"
    assert describe_moment(NOW, "Asia/Kathmandu") == "Monday 23 November 2026, 14:45 (Asia/Kathmandu, UTC+05:45)"
    assert describe_moment(NOW, "UTC") == "Monday 23 November 2026, 09:00 (UTC, UTC+00:00)"


def test_describe_moment_shows_which_side_of_the_autumn_change():
    assert describe_moment(utc(2026, 10, 25, 0, 30), PARIS).endswith("02:30 (Europe/Paris, UTC+02:00)")
    assert describe_moment(utc(2026, 10, 25, 1, 30), PARIS).endswith("02:30 (Europe/Paris, UTC+01:00)")


def test_describe_moment_names_days_and_months_in_the_members_language():
    assert describe_moment(utc(2027, 3, 15, 9, 0), PARIS, "fr") == "lundi 15 mars 2027, 10:00 (Europe/Paris, UTC+01:00)"
    assert describe_moment(utc(2027, 3, 15, 9, 0), PARIS, "de-DE").startswith("Montag, 15. März 2027, 10:00")
    assert describe_moment(utc(2027, 3, 15, 9, 0), PARIS, "ru").replace("\u202f", " ") == \
        "понедельник, 15 марта 2027 г., 10:00 (Europe/Paris, UTC+01:00)"
    assert describe_moment(utc(2027, 3, 15, 9, 0), PARIS, "zh").startswith("2027年3月15日星期一 10:00")
    assert describe_moment(utc(2027, 3, 15, 9, 0), PARIS, "zz").startswith("Monday 15 March 2027")


@pytest.mark.parametrize(
    ("rec", "text"),
    [
        (Recurrence("FREQ=WEEKLY;BYDAY=MO", 9, 0, None), "every Monday at 09:00 (Europe/Paris)"),
        (Recurrence("FREQ=DAILY", 7, 5, None), "every day at 07:05 (Europe/Paris)"),
        (Recurrence("FREQ=DAILY;INTERVAL=3", 9, 0, None), "every 3 days at 09:00 (Europe/Paris)"),
        (Recurrence("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", 8, 30, None), "every weekday at 08:30 (Europe/Paris)"),
        (Recurrence("FREQ=WEEKLY;BYDAY=MO,TH", 18, 0, None), "every Monday and Thursday at 18:00 (Europe/Paris)"),
        (Recurrence("FREQ=WEEKLY;BYDAY=MO,WE,FR", 7, 0, None),
         "every Monday, Wednesday and Friday at 07:00 (Europe/Paris)"),
        (Recurrence("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", 9, 0, None), "every 2 weeks on Friday at 09:00 (Europe/Paris)"),
        (Recurrence("FREQ=MONTHLY;BYMONTHDAY=15", 9, 0, None), "every month on the 15th at 09:00 (Europe/Paris)"),
        (Recurrence("FREQ=MONTHLY;BYMONTHDAY=1", 9, 0, None), "every month on the 1st at 09:00 (Europe/Paris)"),
        (Recurrence("FREQ=MONTHLY;BYMONTHDAY=22", 9, 0, None), "every month on the 22nd at 09:00 (Europe/Paris)"),
        (Recurrence("FREQ=MONTHLY;BYMONTHDAY=-1", 9, 0, None), "every month on the last day at 09:00 (Europe/Paris)"),
        (Recurrence("FREQ=MONTHLY;BYDAY=+1TH", 10, 0, None),
         "every first Thursday of the month at 10:00 (Europe/Paris)"),
        (Recurrence("FREQ=MONTHLY;BYDAY=-1FR", 10, 0, None), "every last Friday of the month at 10:00 (Europe/Paris)"),
        (Recurrence("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", 9, 0, None),
         "every year on 29 February at 09:00 (Europe/Paris)"),
        (Recurrence("FREQ=HOURLY", 9, 0, None), "repeating FREQ=HOURLY at 09:00 (Europe/Paris)"),
    ],
)
def test_describe_recurrence(rec, text):
    assert describe_recurrence(rec, PARIS) == text


def test_describe_recurrence_with_an_end():
    end_of_day = to_utc(D(2027, 3, 31, 23, 59, 59), PARIS)
    rec = Recurrence("FREQ=WEEKLY;BYDAY=MO", 9, 0, end_of_day)
    assert describe_recurrence(rec, PARIS) == "every Monday at 09:00 (Europe/Paris) until 31 March 2027"
    rec = Recurrence("FREQ=WEEKLY;BYDAY=MO", 9, 0, to_utc(D(2027, 3, 31, 18, 0), PARIS))
    assert describe_recurrence(rec, PARIS) == "every Monday at 09:00 (Europe/Paris) until 31 March 2027, 18:00"


def test_describe_recurrence_names_days_and_months_in_the_members_language():
    rec = Recurrence("FREQ=WEEKLY;BYDAY=MO", 9, 0, to_utc(D(2027, 3, 31, 23, 59, 59), PARIS))
    assert describe_recurrence(rec, PARIS, "fr") == "every lundi at 09:00 (Europe/Paris) until 31 mars 2027"


# ---------------------------------------------------------------------------------------------------- running


async def test_async_wrappers_parse_off_the_event_loop(monkeypatch):
    threads = []
    loop_thread = threading.current_thread()
    real_parse = reading.parse_moment

    def recording(*args, **kwargs):
        threads.append(threading.current_thread())
        return real_parse(*args, **kwargs)

    assert await parse_moment_async("tomorrow 9:00", PARIS, NOW) == parse_moment("tomorrow 9:00", PARIS, NOW)
    assert await split_reminder_async("every Monday 9:00 team call", PARIS, NOW) == split_reminder(
        "every Monday 9:00 team call", PARIS, NOW
    )
    monkeypatch.setattr(reading, "parse_moment", recording)  # the one parse_moment_async runs
    await parse_moment_async("15 March", PARIS, NOW, default_hour=8, languages=("en",))
    await split_reminder_async("tomorrow 9:00 call the mayor", PARIS, NOW)
    assert threads and all(thread is not loop_thread for thread in threads)


def test_what_people_type_is_never_logged(caplog):
    caplog.set_level(logging.DEBUG)
    secret = "meet-Amina-at-the-shelter-7391"
    split_reminder(f"tomorrow 9:00 {secret}", PARIS, NOW)
    split_reminder(f"every Monday 9:00 {secret} until 1 June 2027", PARIS, NOW)
    parse_moment(secret, PARIS, NOW)
    assert secret not in caplog.text


# ---------------------------------------------------------------------------------------------------- property

ZONES = sorted(zoneinfo.available_timezones())
DAILY_NINE = Recurrence("FREQ=DAILY", 9, 0, None)


def _exists(naive: datetime, zone: str) -> bool:
    return local(to_utc(naive, zone), zone) == naive


@settings(max_examples=300, deadline=None)
@given(zone=st.sampled_from(ZONES), after=st.integers(min_value=0, max_value=utc(2100, 1, 1)))
def test_a_daily_nine_oclock_comes_next_within_a_day_at_nine_local(zone, after):
    at = next_occurrence(DAILY_NINE, zone, after)
    assert at is not None and at > after
    tz = ZoneInfo(zone)
    then = datetime.fromtimestamp(at, tz)
    # A day is 24 hours, plus however far the clocks went back in between (an hour, rarely more).
    clocks_back = max(timedelta(0), datetime.fromtimestamp(after, tz).utcoffset() - then.utcoffset())
    assert at - after <= 25 * 3600 + clocks_back.total_seconds()
    if then.time() != time(9, 0):
        assert not _exists(datetime.combine(then.date(), time(9, 0)), zone)  # that day had no 09:00


# ---------------------------------------------------------------------------------------------------- six languages

TOMORROW_AT_9 = utc(2026, 11, 24, 8, 0)  # 09:00 in Paris, the day after NOW


@pytest.mark.parametrize(("language", "text", "at"), [
    ("fr", "demain 9h", TOMORROW_AT_9), ("fr", "demain à 9", TOMORROW_AT_9),
    ("ru", "завтра в 9", TOMORROW_AT_9), ("ru", "завтра в 7 вечера", TOMORROW_AT_9 + 10 * 3600),
    ("es", "mañana a las 9", TOMORROW_AT_9), ("es", "mañana a las 7 de la tarde", TOMORROW_AT_9 + 10 * 3600),
    ("ar", "غدا الساعة 9", TOMORROW_AT_9), ("ar", "غدا الساعة ٩", TOMORROW_AT_9),
    ("zh", "明天9点", TOMORROW_AT_9), ("zh", "明天下午3点半", TOMORROW_AT_9 + 6 * 3600 + 1800),
    ("fr", "le 15 mars 2027 à 10h", utc(2027, 3, 15, 9, 0)), ("ru", "15 марта 2027 10:00", utc(2027, 3, 15, 9, 0)),
])
def test_a_moment_typed_in_the_members_language_reads_with_its_time_of_day(language, text, at):
    found = parse_moment(text, PARIS, NOW, languages=(language,))
    assert isinstance(found, Moment) and found.at == at and found.has_time


IN_TWO_HOURS = NOW + 2 * 3600
NEXT_FRIDAY_AT_10 = utc(2026, 11, 27, 9, 0)  # NOW is Monday 23 November
IN_TWO_WEEKS = utc(2026, 12, 7, 9, 0)  # a date alone: at 10:00, the default hour


@pytest.mark.parametrize(("language", "text", "at"), [
    ("fr", "vendredi prochain 10:00", NEXT_FRIDAY_AT_10), ("fr", "dans 2 heures", IN_TWO_HOURS),
    ("fr", "dans deux semaines", IN_TWO_WEEKS), ("fr", "d'ici vendredi prochain à 10h", NEXT_FRIDAY_AT_10),
    ("es", "el próximo viernes a las 10", NEXT_FRIDAY_AT_10), ("es", "el viernes que viene 10:00", NEXT_FRIDAY_AT_10),
    ("es", "dentro de dos semanas", IN_TWO_WEEKS), ("es", "en dos horas", IN_TWO_HOURS),
    ("es", "el 15 de marzo de 2027", utc(2027, 3, 15, 9, 0)),
    ("ru", "в следующую пятницу в 10:00", NEXT_FRIDAY_AT_10), ("ru", "через две недели", IN_TWO_WEEKS),
    ("ru", "через 2 часа", IN_TWO_HOURS),
    ("ar", "الجمعة المقبلة الساعة 10", NEXT_FRIDAY_AT_10), ("ar", "يوم الجمعة القادم 10:00", NEXT_FRIDAY_AT_10),
    ("ar", "بعد أسبوعين", IN_TWO_WEEKS), ("ar", "بعد ساعتين", IN_TWO_HOURS),
    ("zh", "下周五10点", NEXT_FRIDAY_AT_10), ("zh", "两周后", IN_TWO_WEEKS), ("zh", "两小时后", IN_TWO_HOURS),
    ("zh", "2027年3月15日", utc(2027, 3, 15, 9, 0)),
])
def test_next_weekday_and_a_while_from_now_read_in_each_language(language, text, at):
    """What the bot's own examples say in each language ("next Friday 10:00", "in two weeks", "in 2 hours"), as a
    member of that language writes it."""
    found = parse_moment(text, PARIS, NOW, languages=(language,))
    assert isinstance(found, Moment) and found.at == at, found


@pytest.mark.parametrize(("language", "text", "rule", "clock", "what"), [
    ("fr", "chaque lundi 9h appeler la mairie", "FREQ=WEEKLY;BYDAY=MO", (9, 0), "appeler la mairie"),
    ("fr", "tous les jours à 8h30 relire", "FREQ=DAILY", (8, 30), "relire"),
    ("fr", "chaque premier lundi du mois à 10h réunion", "FREQ=MONTHLY;BYDAY=+1MO", (10, 0), "réunion"),
    ("ru", "каждый понедельник в 9:00 позвонить маме", "FREQ=WEEKLY;BYDAY=MO", (9, 0), "позвонить маме"),
    ("ru", "по будням в 7 вечера выйти", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", (19, 0), "выйти"),
    ("ru", "каждый день в полдень обед", "FREQ=DAILY", (12, 0), "обед"),
    ("ru", "каждые 2 недели в среду в 10:00 отчёт", "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", (10, 0), "отчёт"),
    ("ru", "каждый месяц 15 числа в 9 оплатить", "FREQ=MONTHLY;BYMONTHDAY=15", (9, 0), "оплатить"),
    ("es", "cada 15 minutos beber", None, None, None),
    ("es", "cada lunes a las 9 llamar", "FREQ=WEEKLY;BYDAY=MO", (9, 0), "llamar"),
    ("es", "todos los días laborables a las 8:00 revisar", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", (8, 0), "revisar"),
    ("es", "todos los días a las 7 de la tarde caminar", "FREQ=DAILY", (19, 0), "caminar"),
    ("ar", "كل يوم اثنين الساعة 9 اتصل بالبلدية", "FREQ=WEEKLY;BYDAY=MO", (9, 0), "اتصل بالبلدية"),
    ("ar", "يوميا الساعة ٨ اقرأ", "FREQ=DAILY", (8, 0), "اقرأ"),
    ("zh", "每周一9点 开会", "FREQ=WEEKLY;BYDAY=MO", (9, 0), "开会"),
    ("zh", "每月15号10点 交报告", "FREQ=MONTHLY;BYMONTHDAY=15", (10, 0), "交报告"),
])
def test_a_repeating_reminder_typed_in_the_members_language(language, text, rule, clock, what):
    found = when.split_reminder(text, PARIS, NOW, languages=(language,))
    if rule is None:  # a rule the grammar does not hold is refused, never read as something else
        assert isinstance(found, Problem) or not isinstance(found[0], Recurrence)
        return
    assert isinstance(found, tuple), found
    recurrence, said = found
    assert (recurrence.rule, (recurrence.hour, recurrence.minute), said) == (rule, clock, what)


def test_an_hour_no_clock_shows_in_another_language_is_refused_not_read_as_text():
    found = when.split_reminder("каждый день в 25:00 зарядка", PARIS, NOW, languages=("ru",))
    assert isinstance(found, Problem) and found.code == "bad_time"


def test_a_repeating_reminder_is_said_back_in_the_members_language():
    with language("ru"):
        shown = describe_recurrence(Recurrence("FREQ=WEEKLY;BYDAY=MO,WE", 9, 0, None), PARIS)
    assert "понедельник" in shown and "среда" in shown and "09:00" in shown and "every" not in shown
