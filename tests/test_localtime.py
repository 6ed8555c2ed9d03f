"""One rule for local time: a wall-clock time in a daylight-saving gap moves forward by the gap, one that happens
twice is the first of the two, and a zone this machine does not know is UTC — wherever the bot turns local time
into a moment (a reminder, a commitment's check-in, quiet hours, a session, an agenda file)."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers import localtime, quiet, when
from handlers.commitments.dates import checkins_for
from handlers.sessions.fields import _rezone

PARIS = "Europe/Paris"


def utc(*parts: int) -> int:
    return int(datetime(*parts, tzinfo=UTC).timestamp())


def test_a_time_the_clocks_jump_over_moves_forward_by_the_gap():
    # 29 March 2026: Paris goes from 02:00 (UTC+1) to 03:00 (UTC+2); 02:30 never shows on a clock there.
    assert localtime.to_utc(datetime(2026, 3, 29, 2, 30), PARIS) == utc(2026, 3, 29, 1, 30)  # 03:30 local
    assert localtime.wall(utc(2026, 3, 29, 1, 30), PARIS) == datetime(2026, 3, 29, 3, 30)


def test_a_time_that_happens_twice_is_the_first_of_the_two():
    # 25 October 2026: Paris goes from 03:00 (UTC+2) back to 02:00 (UTC+1); 02:30 happens twice.
    assert localtime.to_utc(datetime(2026, 10, 25, 2, 30), PARIS) == utc(2026, 10, 25, 0, 30)


def test_a_zone_that_is_not_set_or_not_known_is_utc():
    for name in (None, "", "Mars/Olympus", "../etc"):
        assert localtime.to_utc(datetime(2026, 6, 1, 9, 0), name) == utc(2026, 6, 1, 9, 0)
        assert localtime.known_zone(name) is None


def test_every_path_into_utc_follows_the_same_rule_in_the_gap():
    gap_start = utc(2026, 3, 29, 1, 0)  # 02:00 in Paris was about to be 03:00
    expected = localtime.to_utc(datetime(2026, 3, 29, 2, 30), PARIS)
    # quiet hours that end at 02:30 on that night end at the same moment as everything else reads 02:30
    assert quiet.quiet_until(PARIS, 23 * 60, 2 * 60 + 30, gap_start - 3600) == expected
    # a reminder typed for 02:30 that night
    moment = when.parse_moment("29 March 2026 02:30", PARIS, utc(2026, 3, 1, 12, 0))
    assert isinstance(moment, when.Moment) and moment.at == expected
    # a session at 02:30 in another zone, moved to Paris at the same wall-clock time
    assert _rezone(utc(2026, 3, 29, 2, 30), "UTC", PARIS) == expected
    # a commitment's halfway check-in, at the due time of day (02:30) on the middle day, which is that night
    due = localtime.to_utc(datetime(2026, 4, 28, 2, 30), PARIS)
    (halfway, detail), _due = checkins_for(due, utc(2026, 2, 28, 12, 0), PARIS)
    assert detail == "halfway" and halfway == expected
