"""Sessions and the agenda: organisers make, change and cancel sessions (in chat or from a file); members follow
them or their themes, get a reminder before they start, hear of changes, and are asked afterwards."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import icalendar
import pytest
from markupsafe import Markup

from bot.agenda import move_to_day
from bot.settings import DEFAULT_THEMES
from handlers.agenda_files import read_agenda
from handlers.formatting import to_plain
from handlers.i18n import translations_for
from handlers.sessions import import_drafts
from storage.members import MemberRepository
from storage.sessions import subscriber_ids
from tests.conftest import build_bot, make_network, plain

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "agenda-geneva-2017.toml"


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def fire(bot) -> list:
    """Run what is due now; the messages the bot sent on its own since the last call."""
    before = len(bot.recorder.queued)
    await bot.core.run_due()
    return bot.recorder.queued[before:]


def sent_since(bot, before: int) -> list:
    return bot.recorder.queued[before:]


async def make_session(bot, who: str = "admin", extra: str = "") -> int:
    """Create 'Radio workshop' on Wednesday 25 Nov 2026, 14:00-15:30 in Geneva; its number."""
    text = await bot.text(who, "/newsession Radio workshop start:25 November 2026 14:00 end:15:30 zone:Geneva "
                               "venue:Maison des associations themes:Detention " + extra)
    assert "Create this session?" in text, text
    created = await bot.press_text(who, "Create")
    assert "is on the agenda" in created
    return int(created.split("Session #")[1].split()[0])


@pytest.fixture
async def agenda_bot(db_path):
    """Open registration; admin is the organiser; the network's default themes (those of the example file)."""
    instance, db = await build_bot(db_path, make_network(themes=DEFAULT_THEMES, open_registration=True))
    yield instance
    await db.close()


async def join_theme(bot, who: str, theme: str = "Detention") -> None:
    await bot.join(who)
    await bot.say(who, "/timezone Europe/Paris")


# --- organisers in chat -------------------------------------------------------------------------------------


async def test_organiser_creates_a_session_question_by_question_and_members_see_it_in_their_own_zone(open_bot):
    bot = open_bot
    await bot.join("admin", name="Amina")
    assert "What is the session called?" in await bot.text("admin", "/newsession")
    assert "When does it start?" in await bot.text("admin", "Radio <b>workshop</b> & more")
    assert "When does it end?" in await bot.text("admin", "25 November 2026 14:00")
    summary = await bot.text("admin", "90 minutes")
    assert "Wednesday 25 November 2026, 14:00–15:30 (Europe/Paris, UTC+01:00)" in summary
    # Markup typed in a title is kept as text and shown literally, escaped in the message.
    reply = bot.last["admin"]
    assert "Radio &lt;b&gt;workshop&lt;/b&gt; &amp; more" in str(reply.text)
    # Every field can be changed from the summary; a call link must be a link.
    await bot.press("admin", "Call link")
    assert "starts with https://" in await bot.text("admin", "meet me at the café")
    await bot.text("admin", "https://meet.example.org/radio")
    await bot.press("admin", "Time zone")
    moved = await bot.text("admin", "New York")
    assert "14:00–15:30 (America/New_York, UTC-05:00)" in moved  # the clock times stay, in the new zone
    assert await bot.repos.sessions.upcoming(bot.clock().timestamp().__int__()) == []  # nothing before Create
    created = await bot.press_text("admin", "Create")
    assert "Session #1 is on the agenda" in created
    assert "already" in (await bot.press_text("admin", "Create")).lower()  # pressed twice: one session
    sessions = await bot.repos.sessions.upcoming(int(bot.clock().timestamp()))
    assert len(sessions) == 1 and sessions[0].zone == "America/New_York"
    assert sessions[0].title == "Radio <b>workshop</b> & more"

    await bot.join("bob")  # Europe/Paris
    agenda = await bot.text("bob", "/agenda")
    assert "Wednesday 25 November 2026, 20:00–21:30 (Europe/Paris, UTC+01:00)" in agenda
    assert "online (the link goes to those going, 15 minutes before the start)" in agenda
    assert "meet.example.org" not in agenda  # never in the agenda: see tests/test_signups.py
    assert bot.labels("bob")[:1] == ["Follow #1"]


async def test_named_parts_and_editing_tell_subscribers_of_a_new_time_and_place_and_only_them(open_bot):
    bot = open_bot
    await bot.join("admin", name="Amina")
    number = await make_session(bot)
    for who in ("bob", "carol", "dan"):
        await bot.join(who)
    await bot.say("bob", f"/subscribe {number}")
    await bot.say("carol", "/subscribe theme:Detention")  # through the theme
    await bot.say("dan", "/agenda")  # dan follows nothing
    bob, carol = [await bot.member(w) for w in ("bob", "carol")]
    async with bot.repos.db.transaction() as conn:
        assert await subscriber_ids(conn, number) == sorted([bob.id, carol.id])

    before = len(bot.recorder.queued)
    await bot.say("admin", f"/editsession {number} start:26 November 2026 10:00 venue:Salle du Môle")
    saved = await bot.press_text("admin", "Save")
    assert "2 subscribers were told" in saved
    notices = sent_since(bot, before)
    assert sorted(m.member_id for m in notices) == sorted([bob.id, carol.id])
    assert all(m.kind == "session_change" and m.not_before is None for m in notices)  # not held for quiet hours
    text = plain([notices[0].reply])
    assert "Session changed" in text and "Thursday 26 November 2026, 10:00–11:30" in text
    assert "Before: Wednesday 25 November 2026, 14:00–15:30" in text and "Salle du Môle" in text

    # A change of description alone is not a notice.
    before = len(bot.recorder.queued)
    await bot.say("admin", f"/editsession {number} description:Bring headphones")
    assert "2 subscribers" not in await bot.press_text("admin", "Save")
    assert sent_since(bot, before) == []

    # Cancelling: asked first, told to the subscribers, the reminders go.
    before = len(bot.recorder.queued)
    assert "Its 2 subscribers will be told" in await bot.text("admin", f"/cancelsession {number}")
    assert "is cancelled" in await bot.press_text("admin", "Yes, cancel it")
    assert "already" in (await bot.press_text("admin", "Yes, cancel it")).lower()
    notices = sent_since(bot, before)
    assert sorted(m.member_id for m in notices) == sorted([bob.id, carol.id])
    assert "Cancelled" in plain([notices[0].reply])
    assert [i for i in await bot.repos.schedule.for_member(bob.id) if i.kind.startswith("session")] == []
    assert "already cancelled" in await bot.text("admin", f"/cancelsession {number}")


@pytest.mark.parametrize("code", ["en", "fr", "zh"])
async def test_a_new_place_tells_the_old_one_without_repeating_the_label_in_each_language(open_bot, code):
    bot = open_bot
    await bot.join("admin", name="Amina")
    number = await make_session(bot)
    await bot.join("bob")
    await bot.say("bob", f"/language {code}")
    await bot.say("bob", f"/subscribe {number}")
    before = len(bot.recorder.queued)
    await bot.say("admin", f"/editsession {number} venue:Salle du Môle")
    await bot.press_text("admin", "Save")
    text = plain([sent_since(bot, before)[0].reply])
    catalogue = translations_for(code)
    old = to_plain(Markup(catalogue.gettext("<i>Before: {where}</i>")).format(where="Maison des associations"))
    assert old in text.splitlines(), text  # the old place alone, not "Before: Where: …"


@pytest.mark.parametrize("comma", [",", "，", "、", "،", ";", "；"])
async def test_themes_may_be_separated_the_way_each_language_writes_a_list(agenda_bot, comma):
    """Chinese writes lists with 、 or ，, Arabic with ،: each separates themes as the comma does."""
    await agenda_bot.join("admin")
    text = await agenda_bot.text("admin", "/newsession Vigil start:25 December 2026 10:00 end:11:00 "
                                          f"themes:Detention{comma}Access to health")
    assert "Create this session?" in text, text
    created = await agenda_bot.press_text("admin", "Create")
    session = await agenda_bot.repos.sessions.get(int(created.split("Session #")[1].split()[0]))
    assert [c.id for c in agenda_bot.core.services.network.themes if c.id in session.themes] == [
        c.id for c in agenda_bot.core.services.network.themes if c.label in ("Detention", "Access to health")]


@pytest.mark.parametrize("length", ["90 minutes", "1 hour 30", "1 heure 30", "90 минут", "1 hora 30", "90 دقيقة", "90分钟",
                                    "1小时30"])
async def test_a_sessions_end_may_be_a_length_written_in_any_of_the_bots_languages(agenda_bot, length):
    await agenda_bot.join("admin")
    text = await agenda_bot.text("admin", f"/newsession Vigil start:25 December 2026 10:00 end:{length}")
    assert "Create this session?" in text and "10:00–11:30" in text, text


async def test_bad_inputs_get_a_clear_answer_and_change_nothing(open_bot):
    bot = open_bot
    await bot.join("admin", name="Amina")
    await bot.join("bob")
    now = int(bot.clock().timestamp())
    assert "Only organisers" in await bot.text("bob", "/newsession Party start:tomorrow 10:00 end:11:00")
    assert "Only organisers" in await bot.text("bob", "/cancelsession 1")
    assert "Usage: /session <number>" in await bot.text("bob", "/session")
    assert "Usage: /subscribe" in await bot.text("bob", "/subscribe")
    assert "There is no session #7" in await bot.text("bob", "/subscribe 7")
    assert "no theme “Knitting”" in await bot.text("bob", "/subscribe theme:Knitting")
    assert "no theme “Knitting”" in await bot.text("bob", "/agenda theme:Knitting")
    assert "A whole number from 1 to 1440" in await bot.text("bob", "/subscriptions remind:0")
    assert "too long" in await bot.text("admin", "/newsession " + "x" * 10_000)
    past = await bot.text("admin", "/newsession Party start:1 March 2020 10:00 end:11:00")
    assert "in the past: Sunday 1 March 2020, 10:00" in past and "Start:" in past and "2020-03-01T" not in past
    assert "has no time of day" in await bot.text("admin", "/newsession Party start:25 December 2026 end:2 hours")
    await bot.say("admin", "/cancel")
    backwards = await bot.text("admin", "/newsession Party start:25 December 2026 10:00 end:09:00")
    assert "The end must come after the start" in backwards
    await bot.say("admin", "/cancel")
    assert "no theme “Knitting”" in await bot.text("admin", "/newsession Party start:25 December 2026 10:00 "
                                                             "end:11:00 themes:Knitting")
    assert "the most for title is 120" in await bot.text("admin", "/newsession " + "t" * 300 +
                                                          " start:25 December 2026 10:00 end:11:00")
    await bot.say("admin", "/cancel")
    assert await bot.repos.sessions.upcoming(now) == []  # nothing stored by any of it

    number = await make_session(bot)
    await bot.say("bob", "/agenda")
    # A button pressed by someone else changes nothing.
    assert "not meant for you" in (await bot.press_text("bob", "Follow", presser="admin")).lower()
    assert await bot.repos.sessions.subscribers(number) == []
    # Following twice is still once.
    assert "You follow session" in await bot.press_text("bob", f"Follow #{number}")
    assert "already follow" in await bot.press_text("bob", f"Follow #{number}")
    assert len(await bot.repos.sessions.subscribers(number)) == 1
    # A member's old organiser buttons stop working for them.
    await bot.say("admin", f"/session {number}")
    assert "not meant for you" in (await bot.press_text("admin", "Cancel #", presser="bob")).lower()


# --- reminders and after the session ----------------------------------------------------------------------


async def test_subscribers_are_reminded_15_minutes_before_or_at_the_lead_they_chose_whatever_quiet_hours(open_bot):
    bot = open_bot
    await bot.join("admin", name="Amina")
    # 07:30 in Paris: within bob's quiet hours (22:00-08:00), yet the reminder comes on time.
    await bot.say("admin", "/newsession Early call start:25 November 2026 7:30 end:8:30")
    await bot.press("admin", "Create")
    await bot.join("bob")
    await bot.join("carol")
    await bot.say("bob", "/subscribe 1")
    await bot.say("carol", "/subscribe 1")
    assert "30 minutes" in await bot.text("carol", "/subscriptions remind:30")
    bob, carol = await bot.member("bob"), await bot.member("carol")
    bot.clock.now = at(2026, 11, 25, 6, 0)  # 07:00 Paris: carol's reminder, 30 minutes before
    sent = await fire(bot)
    assert [(m.member_id, m.kind, m.not_before) for m in sent] == [(carol.id, "session_reminder", None)]
    assert "Starting in 30 minutes: Early call" in plain([sent[0].reply])
    bot.clock.now = at(2026, 11, 25, 6, 14)
    assert await fire(bot) == []
    bot.clock.now = at(2026, 11, 25, 6, 15)  # 07:15 Paris: bob's, 15 minutes before
    sent = await fire(bot)
    assert [(m.member_id, m.kind, m.not_before) for m in sent] == [(bob.id, "session_reminder", None)]
    assert "Starting in 15 minutes" in plain([sent[0].reply])
    assert "07:30–08:30 (Europe/Paris" in plain([sent[0].reply])


async def test_after_the_session_subscribers_are_asked_after_quiet_hours_and_can_register_a_commitment(open_bot):
    bot = open_bot
    await bot.join("admin", name="Amina")
    await bot.say("admin", "/newsession Evening debrief start:25 November 2026 21:00 end:22:30 "
                           "themes:Access to health")
    await bot.press("admin", "Create")
    await bot.join("bob")
    await bot.say("bob", "/subscribe 1")
    bob = await bot.member("bob")
    bot.clock.now = at(2026, 11, 25, 21, 40)  # 22:40 Paris, ten minutes after the end: quiet hours
    sent = [m for m in await fire(bot) if m.kind == "session_followup"]
    assert len(sent) == 1 and sent[0].member_id == bob.id
    assert sent[0].not_before == int(at(2026, 11, 26, 7, 0).timestamp())  # 08:00 Paris
    bot.last["bob"] = sent[0].reply
    assert bot.labels("bob") == ["Yes, I took part", "No"]
    question = bot.last["bob"]
    answered = await bot.press_text("bob", "Yes, I took part")
    assert "Is there something you will do" in answered
    after = bot.last["bob"]
    bot.last["bob"] = question
    assert "already" in (await bot.press_text("bob", "No")).lower()  # one answer per question
    bot.last["bob"] = after
    assert await bot.repos.sessions.attendance(1, bob.id) is True
    asked = await bot.press_text("bob", "Register a commitment")
    assert "A commitment from session #1" in asked and "What do you commit to doing?" in asked
    await bot.say("bob", "Run a debrief for our volunteers")
    await bot.say("bob", "10 December 2026")
    await bot.press("bob", "Skip")  # region (the theme came from the session)
    await bot.press("bob", "The network")
    summary = plain([bot.last["bob"]])
    assert "From session: Evening debrief" in summary and "Theme: Access to health" in summary
    registered = await bot.press_text("bob", "Register")
    assert "Registered: commitment #1" in registered
    assert await bot.repos.sessions.commitment_session(1) == 1
    assert await fire(bot) == []  # asked once


# --- members --------------------------------------------------------------------------------------------------


async def test_agenda_as_ics_parses_and_holds_the_right_events(open_bot):
    bot = open_bot
    await bot.join("admin", name="Amina")
    number = await make_session(bot, extra="moderator:Peggy link:https://meet.example.org/r")
    await bot.say("admin", "/newsession Second start:27 November 2026 9:00 end:10:00")
    await bot.press("admin", "Create")
    await bot.join("bob")
    await bot.say("bob", f"/subscribe {number}")
    replies = await bot.say("bob", "/agenda ics")
    file = replies[0].attachment
    assert file.filename == "agenda.ics" and file.mime == "text/calendar"
    calendar = icalendar.Calendar.from_ical(file.content)
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"Radio workshop", "Second"}
    radio = events["Radio workshop"]
    assert radio["DTSTART"].dt == datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
    assert radio["DTEND"].dt == datetime(2026, 11, 25, 14, 30, tzinfo=UTC)
    assert str(radio["DTSTART"].dt.tzinfo) == "Europe/Zurich"
    assert str(radio["LOCATION"]) == "Maison des associations" and "URL" not in radio  # the call link: never
    assert b"meet.example.org" not in file.content
    assert "Moderator: Peggy" in str(radio["DESCRIPTION"])
    mine = icalendar.Calendar.from_ical((await bot.say("bob", "/agenda mine ics"))[0].attachment.content)
    assert [str(e["SUMMARY"]) for e in mine.walk("VEVENT")] == ["Radio workshop"]
    # The ics of the agenda is also a button under /agenda.
    await bot.say("bob", "/agenda")
    assert (await bot.press("bob", "Calendar file"))[0].attachment is not None


async def test_export_holds_subscriptions_and_forget_erases_them(open_bot):
    bot = open_bot
    await bot.join("admin", name="Amina")
    number = await make_session(bot)
    await bot.join("bob")
    await bot.say("bob", f"/subscribe {number}")
    await bot.say("bob", "/subscribe theme:Access to health")
    await bot.say("bob", "/subscriptions remind:45")
    export = json.loads((await bot.say("bob", "/export"))[0].attachment.content)
    part = export["sessions"]
    assert [s["session_number"] for s in part["sessions"]] == [number]
    assert [t["theme"] for t in part["themes"]] == ["access-to-health"]
    assert part["reminder_minutes_before"] == 45
    assert {i["what"] for i in export["scheduled"]} >= {"session_reminder", "session_followup"}
    bob = await bot.member("bob")
    await bot.say("bob", "/forget")
    await bot.press("bob", "Yes, erase")
    left = await bot.repos.sessions.export(bob.id)  # everything kept about a member here
    assert left == {**{key: [] for key in left}, "reminder_minutes_before": None}
    assert await bot.repos.sessions.subscribers(number) == []
    # The organiser's session stays when the organiser is erased, without them.
    await bot.say("admin", "/forget")
    await bot.press("admin", "Yes, erase")
    assert (await bot.repos.sessions.get(number)).created_by is None


async def test_unfollowing_one_session_of_a_followed_theme(open_bot):
    bot = open_bot
    await bot.join("admin", name="Amina")
    first = await make_session(bot)
    await bot.join("bob")
    await bot.say("bob", "/subscribe theme:Detention")
    second = await make_session(bot)  # added later: followed through the theme
    assert await bot.repos.sessions.is_subscribed(second, (await bot.member("bob")).id)
    assert "no longer follow session" in await bot.text("bob", f"/unsubscribe {first}")
    bob = await bot.member("bob")
    assert not await bot.repos.sessions.is_subscribed(first, bob.id)
    assert await bot.repos.sessions.is_subscribed(second, bob.id)
    assert {i.subject_id for i in await bot.repos.schedule.for_member(bob.id)} == {second}
    assert "no longer follow the theme" in await bot.text("bob", "/unsubscribe theme:Detention")
    assert await bot.repos.schedule.for_member(bob.id) == []
    nxt = await bot.text("bob", "/next")
    assert f"#{first} Radio workshop" in nxt


# --- importing a file -------------------------------------------------------------------------------------------


async def test_the_example_agenda_imports_four_sessions_with_moderators_and_reimporting_updates(agenda_bot):
    bot = agenda_bot
    network = bot.core.services.network
    reading = read_agenda(EXAMPLE.name, EXAMPLE.read_bytes(), network)
    assert reading.problems == [] and len(reading.drafts) == 4
    first = reading.drafts[0].values
    assert datetime.fromtimestamp(first["starts_at"], UTC) == datetime(2017, 5, 11, 7, 30, tzinfo=UTC)
    drafts = move_to_day(reading.drafts, date(2026, 12, 10))
    now = int(bot.clock().timestamp())
    result = await import_drafts(bot.core.services, drafts, now)
    assert (result.created, result.updated, result.past) == (4, 0, 0)
    sessions = await bot.repos.sessions.upcoming(now)
    assert [s.moderator for s in sessions] == ["Peggy Hicks (OHCHR)", "Laurent Sauveur (OHCHR)",
                                               "Pia Oberoi (OHCHR)", "To be confirmed"]
    assert all(s.zone == "Europe/Zurich" and "Rue du Môle" in s.venue for s in sessions)
    assert datetime.fromtimestamp(sessions[0].starts_at, UTC) == datetime(2026, 12, 10, 8, 30, tzinfo=UTC)
    assert "Heaven Crawley" in sessions[0].speakers

    await bot.join("bob")
    await bot.say("bob", f"/subscribe {sessions[1].id}")
    await bot.join("carol")
    # The same file again: nothing new, nothing changed, nobody told.
    before = len(bot.recorder.queued)
    again = await import_drafts(bot.core.services, drafts, now)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert len(await bot.repos.sessions.upcoming(now)) == 4 and sent_since(bot, before) == []
    # Session two moves to another room and starts later: updated by its uid, its subscriber told.
    changed = EXAMPLE.read_text().replace('start = 11:15:00', 'start = 11:30:00').replace(
        'uid = "geneva-2017-05-11-session-2"', 'uid = "geneva-2017-05-11-session-2"\nvenue = "Room XX, Palais"')
    reading = read_agenda("agenda.toml", changed.encode(), network)
    result = await import_drafts(bot.core.services, move_to_day(reading.drafts, date(2026, 12, 10)), now)
    assert (result.created, result.updated, result.unchanged, result.told) == (0, 1, 3, 1)
    notices = sent_since(bot, before)
    assert [m.member_id for m in notices] == [(await bot.member("bob")).id]
    assert "11:30–12:45" in plain([notices[0].reply]) and "Room XX, Palais" in plain([notices[0].reply])


async def test_a_broken_agenda_file_is_refused_whole_with_every_problem_named(agenda_bot):
    bot = agenda_bot
    network = bot.core.services.network
    bad = EXAMPLE.read_text().replace('end = 11:00:00', 'end = 09:00:00').replace(
        '"Overarching frameworks and principles"', '"Knitting"')
    reading = read_agenda("agenda.toml", bad.encode(), network)
    assert any("session 1" in p and "end is not after start" in p for p in reading.problems)
    assert any("session 4" in p and "no theme 'Knitting'" in p for p in reading.problems)
    assert read_agenda("agenda.txt", b"", network).problems == ["an agenda file ends in .toml or .ics"]
    assert read_agenda("a.toml", b"[[session]\n", network).problems[0].startswith("not valid TOML")


async def test_an_ics_file_imports_by_uid_and_a_cancelled_event_cancels(agenda_bot):
    bot = agenda_bot
    network = bot.core.services.network
    ics = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:abc-1@example.org\r\n"
           b"SUMMARY:Online strategy call\r\nDTSTART;TZID=Europe/Berlin:20261201T180000\r\n"
           b"DTEND;TZID=Europe/Berlin:20261201T190000\r\nLOCATION:https://meet.example.org/call\r\n"
           b"CATEGORIES:Countering online hate speech,Gardening\r\n"
           b"ORGANIZER;CN=Someone:mailto:someone@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    reading = read_agenda("calls.ics", ics, network)
    assert reading.problems == [] and any("Gardening" in w for w in reading.warnings)
    values = reading.drafts[0].values
    assert values["link"] == "https://meet.example.org/call" and values["venue"] is None
    assert values["zone"] == "Europe/Berlin" and values["themes"] == ["countering-online-hate-speech"]
    now = int(bot.clock().timestamp())
    await import_drafts(bot.core.services, reading.drafts, now)
    await bot.join("bob")
    await bot.say("bob", "/subscribe 1")
    before = len(bot.recorder.queued)
    cancelled = read_agenda("calls.ics", ics.replace(b"END:VEVENT", b"STATUS:CANCELLED\r\nEND:VEVENT"), network)
    result = await import_drafts(bot.core.services, cancelled.drafts, now)
    assert result.updated == 1 and result.told == 1
    assert "Cancelled" in plain([sent_since(bot, before)[0].reply])
    assert (await bot.repos.sessions.get(1)).cancelled


def test_agenda_import_on_the_command_line(tmp_path, capsys):
    from bot.cli import main

    db = tmp_path / "cli.db"
    assert main(["agenda", "import", str(EXAMPLE), "--db", str(db), "--on", "2030-05-16"]) == 0
    out = capsys.readouterr().out
    assert "4 sessions: 4 new, 0 updated, 0 unchanged" in out
    assert main(["agenda", "import", str(EXAMPLE), "--db", str(db), "--on", "2030-05-16"]) == 0
    assert "0 new, 0 updated, 4 unchanged" in capsys.readouterr().out
    assert main(["agenda", "import", str(EXAMPLE), "--db", str(db)]) == 0  # back to 2017: already over
    assert "already over" in capsys.readouterr().out
    broken = tmp_path / "broken.toml"
    broken.write_text('[[session]]\ntitle = "No times"\n')
    assert main(["agenda", "import", str(broken), "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert "nothing was imported" in err and "uid is needed" in err and "start is needed" in err


# --- both platforms -------------------------------------------------------------------------------------------


async def test_a_session_on_telegram_and_discord_with_reminder_and_change_notice(db_path):
    from tests.two_platforms import both_platforms

    async with both_platforms(db_path) as both:
        bot, tg, api, s = both.bot, both.tg, both.api, both.discord
        organiser = 5151
        await tg.join(organiser, "Organiser")
        member = await bot.member(f"telegram:{organiser}")
        async with bot.repos.db.transaction() as conn:
            await MemberRepository.set_role_in(conn, member.id, "organiser", int(bot.clock().timestamp()))
        shown = await tg.say(organiser, "/newsession Media <i>literacy</i> call start:24 November 2026 18:00 "
                                        "end:19:00 zone:Europe/Paris link:https://meet.example.org/ml")
        assert "Create this session?" in shown[-1] and "Media <i>literacy</i> call" in shown[-1]
        assert "Session #1 is on the agenda" in (await tg.press(organiser, "Create"))[-1]

        dana = s.person("dana")
        await s.onboard(dana, "Dana")  # Lyon: Europe/Paris
        agenda = (await dana.slash("agenda")).replace("\\", "")  # Discord Markdown escapes, undone
        assert "Media <i>literacy</i> call" in agenda and "18:00–19:00" in agenda
        assert "You follow session #1" in await dana.click("Follow #1")
        assert "reminded 20 minutes" in await dana.slash("subscriptions", remind=20)

        bot.clock.now = at(2026, 11, 24, 16, 40)  # 17:40 Paris
        await bot.core.run_due()
        await both.deliver()
        dm = dana.actor.user.dm_channel
        assert "Starting in 20 minutes" in dm.last_message.content.replace("\\", "")

        await tg.say(organiser, "/editsession 1 start:24 November 2026 18:30")
        saved = await tg.press(organiser, "Save")
        assert "1 subscriber was told" in saved[-1]
        await both.deliver()
        notice = dm.last_message.content.replace("\\", "")
        assert "Session changed" in notice and "18:30–19:30" in notice
        with pytest.raises(Exception, match="not visible"):  # organiser commands are hidden from her in servers
            await dana.slash("cancelsession", number=1)
