"""Sessions, the details a careful member notices: the question after a session comes also right at its end, a
member who stops following a session hears nothing more about it, call links are https only, times are whole
minutes, counts read well, and an agenda imported again tells followers of every session it moves."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from bot.agenda import move_to_day
from bot.scheduler import LOOKAHEAD
from handlers.agenda_files import read_agenda
from handlers.sessions import import_drafts
from tests.conftest import plain
from tests.test_outbox import World, world  # noqa: F401  (the fixture)
from tests.test_sessions import EXAMPLE, agenda_bot, at, make_session  # noqa: F401  (a fixture)


def _network(bot, **changes) -> None:
    bot.core.services.network = dataclasses.replace(bot.core.services.network, **changes)


async def _run_like_the_scheduler(bot, moment: datetime) -> list:
    """The scheduler's run at `moment`: due rows up to LOOKAHEAD seconds ahead become messages; what it queued."""
    bot.clock.now = moment
    before = len(bot.recorder.queued)
    now = int(moment.timestamp())
    await bot.core.run_due(now, horizon=now + LOOKAHEAD)
    return bot.recorder.queued[before:]


# --- the question after a session ----------------------------------------------------------------------------


async def test_with_no_wait_after_a_session_the_question_comes_at_its_end(open_bot):
    bot = open_bot
    _network(bot, session_follow_up_minutes=0)
    await bot.join("admin", name="Amina")
    number = await make_session(bot)  # 25 November 2026, 14:00-15:30 in Geneva: 13:00-14:30 UTC
    await bot.join("bob")
    await bot.say("bob", f"/subscribe {number}")
    end = at(2026, 11, 25, 14, 30)
    queued = await _run_like_the_scheduler(bot, end - timedelta(seconds=LOOKAHEAD))
    queued += await _run_like_the_scheduler(bot, end)
    asked = [m for m in queued if m.kind == "session_followup"]
    assert len(asked) == 1 and asked[0].not_before == int(end.timestamp())
    assert "Did you take part?" in plain([asked[0].reply])


LINA = "telegram:201"


@pytest.fixture
async def evening(world: World) -> int:  # noqa: F811
    """Lina (telegram, Paris) follows an evening debrief that ends at 22:30 in Paris, within her quiet hours."""
    _network(world.bot, open_registration=True)
    await world.bot.join("admin", name="Amina")
    await world.bot.say("admin", "/newsession Evening debrief start:25 November 2026 21:00 end:22:30 zone:Paris")
    await world.bot.press("admin", "Create")
    await world.bot.join(LINA, name="Lina")
    await world.bot.say(LINA, "/subscribe 1")
    await world.outbox.flush()
    world.telegram.arrived.clear()
    return 1


async def test_unfollowing_after_the_question_was_queued_withdraws_it(world, evening):  # noqa: F811
    world.bot.clock.now = at(2026, 11, 25, 21, 40)  # 22:40 in Paris: the question waits for 08:00
    await world.bot.core.run_due()
    assert [r["kind"] for r in await world.rows() if r["state"] == "pending"] == ["session_followup"]
    assert "no longer follow session #1" in await world.bot.text(LINA, "/unsubscribe 1")
    world.bot.clock.now = at(2026, 11, 26, 7, 0)  # 08:00 in Paris
    await world.outbox.flush()
    assert world.telegram.to("201") == []
    assert [r["kind"] for r in await world.rows() if r["state"] == "pending"] == []


async def test_a_reminder_prepared_ahead_is_withdrawn_by_unfollowing_or_cancelling(world, evening):  # noqa: F811
    await world.bot.say("admin", "/newsession Morning call start:25 November 2026 10:00 end:11:00 zone:Paris")
    await world.bot.press("admin", "Create")
    await world.bot.say(LINA, "/subscribe 2")
    reminders = at(2026, 11, 25, 8, 45)  # 15 minutes before 10:00 in Paris
    world.bot.clock.now = reminders - timedelta(seconds=LOOKAHEAD)
    now = int(world.bot.clock.now.timestamp())
    await world.bot.core.run_due(now, horizon=now + LOOKAHEAD)  # the reminder of #2 waits for its moment
    assert [r["kind"] for r in await world.rows() if r["state"] == "pending"] == ["session_reminder"]
    await world.bot.say("admin", "/cancelsession 2")
    await world.bot.press("admin", "Yes, cancel it")
    world.bot.clock.now = reminders
    await world.outbox.flush()
    got = world.telegram.to("201")
    assert len(got) == 1 and "Cancelled" in got[0]  # the notice of the cancellation, and no reminder

    world.bot.clock.now = at(2026, 11, 25, 19, 45) - timedelta(seconds=LOOKAHEAD)  # before 21:00 in Paris
    now = int(world.bot.clock.now.timestamp())
    await world.bot.core.run_due(now, horizon=now + LOOKAHEAD)  # the evening reminder waits for its moment
    await world.bot.say(LINA, "/unsubscribe 1")
    world.bot.clock.now = at(2026, 11, 25, 19, 45)
    await world.outbox.flush()
    assert world.telegram.to("201") == got


# --- what an organiser types -----------------------------------------------------------------------------------


async def test_a_call_link_must_be_https(open_bot):
    bot = open_bot
    await bot.join("admin", name="Amina")
    text = await bot.text("admin", "/newsession Radio workshop start:25 November 2026 14:00 end:15:30 "
                                   "link:http://meet.example.org/radio")
    assert "Call link: A call link starts with https://" in text and "Call link: —" in text
    await bot.press("admin", "Call link")
    assert "starts with https://" in await bot.text("admin", "http://meet.example.org/radio")
    assert "https://meet.example.org/radio" in await bot.text("admin", "https://meet.example.org/radio")
    toml = (b'[[session]]\nuid = "a"\ntitle = "A"\nstart = 2027-05-11T09:00:00\nend = 2027-05-11T10:00:00\n'
            b'link = "http://meet.example.org/a"\n')
    assert any("https://" in p for p in read_agenda("a.toml", toml, bot.core.services.network).problems)
    ics = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:b\r\nSUMMARY:B\r\n"
           b"DTSTART:20270511T090000Z\r\nDTEND:20270511T100000Z\r\nURL:http://meet.example.org/b\r\n"
           b"END:VEVENT\r\nEND:VCALENDAR\r\n")
    reading = read_agenda("b.ics", ics, bot.core.services.network)
    assert reading.problems == [] and reading.drafts[0].values["link"] is None  # left out, and said so
    assert any("URL left out" in w for w in reading.warnings)


async def test_a_start_given_in_minutes_from_now_is_a_whole_minute(open_bot):
    bot = open_bot
    await bot.join("admin", name="Amina")
    bot.clock.now = at(2026, 11, 23, 9, 0, 37)
    await bot.say("admin", "/newsession Quick call start:in 2 minutes end:30 minutes zone:UTC")
    await bot.press("admin", "Create")
    session = await bot.repos.sessions.get(1)
    assert session.starts_at == int(at(2026, 11, 23, 9, 2).timestamp())
    assert session.ends_at == int(at(2026, 11, 23, 9, 32).timestamp())
    calendar = icalendar.Calendar.from_ical((await bot.say("admin", "/agenda ics"))[0].attachment.content)
    event = next(iter(calendar.walk("VEVENT")))
    assert event["DTSTART"].dt.second == 0 and event["DTEND"].dt.second == 0


# --- counts --------------------------------------------------------------------------------------------------


async def test_one_minute_reads_as_one_minute(open_bot):
    bot = open_bot
    await bot.join("admin", name="Amina")
    number = await make_session(bot)  # starts 13:00 UTC
    await bot.join("bob")
    assert "reminded 1 minute before each session" in await bot.text("bob", "/subscriptions remind:1")
    followed = await bot.text("bob", f"/subscribe {number}")
    assert "I will remind you 1 minute before it starts" in followed
    assert "Reminder: 1 minute before a session starts" in await bot.text("bob", "/subscriptions")
    bot.clock.now = at(2026, 11, 25, 12, 59)
    reminder = [m for m in await _run_like_the_scheduler(bot, bot.clock.now) if m.kind == "session_reminder"]
    assert "Starting in 1 minute: Radio workshop" in plain([reminder[0].reply])
    bot.clock.now = at(2026, 11, 25, 12, 59, 30)
    await bot.join("carol")
    await bot.say("carol", "/subscriptions remind:1")
    assert "It starts in less than 1 minute," in await bot.text("carol", f"/subscribe {number}")


# --- agenda files --------------------------------------------------------------------------------------------


async def test_importing_again_without_the_day_tells_followers_their_session_moved_back(agenda_bot):
    bot = agenda_bot
    network = bot.core.services.network
    now = int(bot.clock().timestamp())
    drafts = read_agenda(EXAMPLE.name, EXAMPLE.read_bytes(), network).drafts
    await import_drafts(bot.core.services, move_to_day(drafts, datetime(2026, 11, 26, tzinfo=UTC).date()), now)
    await bot.join("bob")
    await bot.say("bob", "/subscribe 1")
    bob = await bot.member("bob")
    before = len(bot.recorder.queued)
    result = await import_drafts(bot.core.services, drafts, now)  # as in the file: 11 May 2017
    assert result.told == 1 and result.moved_to_past == 4
    notices = bot.recorder.queued[before:]
    assert [(m.member_id, m.kind) for m in notices] == [(bob.id, "session_change")]
    text = plain([notices[0].reply])
    assert "Session changed" in text and "Thursday 11 May 2017" in text and "Before: Thursday 26 November 2026" in text


def test_the_command_line_says_when_an_import_moved_sessions_into_the_past(tmp_path, capsys):
    from bot.cli import main

    db = tmp_path / "cli.db"
    assert main(["agenda", "import", str(EXAMPLE), "--db", str(db), "--on", "2030-05-16"]) == 0
    capsys.readouterr()
    assert main(["agenda", "import", str(EXAMPLE), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "4 sessions that were still to come moved into the past" in out and "same --on" in out
