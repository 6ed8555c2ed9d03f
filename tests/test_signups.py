"""/rsvp and the Going / Not going buttons: a session's places, its waiting list with each member's position, a
freed place offered to the first waiting with buttons to take it or let it go (and passed on when the offer
lapses), the counts organisers see, and every bad input answered without a change."""

from __future__ import annotations

import json

from handlers.formatting import to_plain
from tests.test_sessions import agenda_bot, fire, make_session  # noqa: F401  (the fixture)


async def _members(bot, *names: str) -> None:
    for name in names:
        await bot.join(name)


async def test_places_a_waiting_list_and_a_place_given_back(agenda_bot):  # noqa: F811
    bot = agenda_bot
    await bot.join("admin", name="Amina")
    await _members(bot, "ada", "bob", "cleo", "dan")
    number = await make_session(bot, extra="places:2")
    assert "Places: 2" in await bot.text("admin", f"/session {number}")

    assert "You are going to session" in await bot.text("ada", f"/rsvp {number}")
    assert f"#{number} Radio workshop" in await bot.text("ada", "/subscriptions")  # going, she follows it
    assert "You are going to session" in await bot.text("bob", f"/rsvp #{number}")
    full = await bot.text("cleo", f"/rsvp {number}")
    assert "is full. You are number 1 on the waiting list" in full
    assert "number 2 on the waiting list" in await bot.text("dan", f"/rsvp {number}")
    assert "already on the waiting list of session" in await bot.text("dan", f"/rsvp {number}")
    assert "already going" in await bot.text("ada", f"/rsvp {number}")
    counts = await bot.text("admin", f"/session {number}")
    assert "Sign-ups: 2 going of 2 places, 2 waiting, 0 not going" in counts
    assert "Sign-ups" not in await bot.text("ada", f"/session {number}")  # organisers only

    # Bob cannot come: his place is offered to Cleo (the first waiting), with buttons that only she can press.
    before = len(bot.recorder.queued)
    gave = await bot.text("bob", f"/rsvp {number} no")
    assert "You are not going" in gave and "Your place goes to the next person on the waiting list" in gave
    (offer,) = [q for q in bot.recorder.queued[before:] if q.kind == "session_offer"]
    cleo = await bot.member("cleo")
    assert offer.member_id == cleo.id and "A place is free for you" in to_plain(offer.reply.text)
    bot.last["cleo"] = offer.reply
    assert "Take the place" in bot.labels("cleo") and "Let it go" in bot.labels("cleo")
    assert "You are going" not in await bot.press_text("cleo", "Take the place", presser="dan")  # not his button
    assert "The place is yours" in await bot.press_text("cleo", "Take the place")
    assert "The place is yours" not in await bot.press_text("cleo", "Take the place")  # pressed twice
    assert "Sign-ups: 2 going of 2 places, 1 waiting, 1 not going" in await bot.text("admin", f"/session {number}")

    # Their answers are in their export, and gone with them.
    exported = json.loads((await bot.say("dan", "/export"))[0].attachment.content)
    assert [(s["session_number"], s["answer"]) for s in exported["sessions"]["sign_ups"]] == [(number, "waiting")]
    dan = await bot.member("dan")
    await bot.say("dan", "/forget")
    await bot.press("dan", "Yes, erase")
    assert await bot.repos.signups.for_member(dan.id) == []
    assert "Sign-ups: 2 going of 2 places, 0 waiting, 1 not going" in await bot.text("admin", f"/session {number}")


async def test_an_offer_not_taken_in_time_passes_to_the_next(agenda_bot):  # noqa: F811
    bot = agenda_bot
    await bot.join("admin", name="Amina")
    await _members(bot, "ada", "bob", "cleo")
    number = await make_session(bot, extra="places:1")
    for who in ("ada", "bob", "cleo"):
        await bot.text(who, f"/rsvp {number}")
    await bot.text("ada", f"/rsvp {number} no")
    bot.clock.advance(hours=13)  # past the offer's deadline (12 hours)
    fired = await fire(bot)
    bob, cleo = await bot.member("bob"), await bot.member("cleo")
    lapsed = [q for q in fired if q.member_id == bob.id]
    assert lapsed and "did not take the place" in to_plain(lapsed[-1].reply.text)
    offers = [q for q in fired if q.member_id == cleo.id and q.kind == "session_offer"]
    assert offers and "A place is free for you" in to_plain(offers[-1].reply.text)


async def test_bad_input_is_answered_and_changes_nothing(agenda_bot):  # noqa: F811
    bot = agenda_bot
    await bot.join("admin", name="Amina")
    await _members(bot, "ada")
    number = await make_session(bot, extra="places:3")
    assert "Usage: /rsvp <number> [no]" in await bot.text("ada", "/rsvp")
    assert "There is no session #999" in await bot.text("ada", "/rsvp 999")
    assert "There is no session" in await bot.text("ada", "/rsvp 99999999999999999999999")
    assert "There is no session" in await bot.text("ada", "/rsvp <b>x</b>")
    assert "write “no” if you are not going" in await bot.text("ada", f"/rsvp {number} maybe")
    arabic_digits = str(number).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert "You are going" in await bot.text("ada", f"/rsvp {arabic_digits}")
    places = await bot.text("admin", "/newsession Clinic start:25 November 2026 14:00 end:15:00 places:0")
    assert "Places: a whole number from 1 to 100,000" in places
    places = await bot.text("admin", "/newsession Clinic start:25 November 2026 14:00 end:15:00 places:10000000")
    assert "Places: a whole number from 1 to 100,000" in places
    await bot.text("admin", f"/cancelsession {number}")
    await bot.press("admin", "Yes, cancel")
    assert "was cancelled" in await bot.text("ada", f"/rsvp {number} no")


async def test_the_call_link_goes_only_to_those_going_15_minutes_before_the_start(agenda_bot):  # noqa: F811
    bot = agenda_bot
    link = "https://meet.example.org/radio-secret-room"
    await bot.join("admin", name="Amina")
    await _members(bot, "ada", "bob", "cleo", "dan", "eve")
    number = await make_session(bot, extra=f"link:{link} places:2")
    assert link in await bot.text("admin", f"/session {number}")  # the organiser sees it
    await bot.text("ada", f"/rsvp {number}")  # going
    await bot.text("eve", f"/rsvp {number}")  # going, and then not: the place is offered to Cleo
    await bot.text("bob", f"/subscribe {number}")  # follows, not going
    await bot.text("cleo", f"/rsvp {number}")  # waiting, then offered Eve's place (not taken)
    await bot.text("dan", f"/rsvp {number} no")
    await bot.text("eve", f"/rsvp {number} no")
    shown = [await bot.text(who, f"/session {number}") for who in ("ada", "bob", "cleo", "dan")]
    shown += [await bot.text(who, "/agenda") for who in ("ada", "bob")]
    files = [r.attachment.content.decode() for r in await bot.press("bob", "Calendar file") if r.attachment]
    assert files and "BEGIN:VEVENT" in files[0]
    assert [text for text in shown + files if link in text or "radio-secret-room" in text] == []

    bot.clock.now = bot.clock.now.replace(day=25, hour=12, minute=40)  # 13:40 in Geneva: 20 minutes before
    early = await fire(bot)
    assert [q for q in early if link in to_plain(q.reply.text)] == []  # the reminders come without it
    bot.clock.advance(minutes=5)  # 15 minutes before the start
    fired = await fire(bot)
    ada = await bot.member("ada")
    with_link = [q for q in fired + early if link in to_plain(q.reply.text)]
    assert [(q.member_id, q.kind) for q in with_link] == [(ada.id, "session_link")]
    every = [to_plain(q.reply.text) for q in bot.recorder.queued if q.member_id != ada.id]
    assert [text for text in every if link in text] == []


async def test_sign_ups_close_at_the_moment_the_organiser_chose(agenda_bot):  # noqa: F811
    bot = agenda_bot
    await bot.join("admin", name="Amina")
    await _members(bot, "ada", "bob")
    number = await make_session(bot, extra="places:5")
    assert "Sign-ups must close before the session starts" in await bot.text(
        "admin", f"/editsession {number} closes:26 November 2026 9:00")
    await bot.press("admin", "Cancel")
    summary = await bot.text("admin", f"/editsession {number} closes:24 November 2026 18:00")
    assert "Sign-ups close: Tuesday 24 November 2026" in summary
    await bot.press("admin", "Save")
    assert "Sign-ups close Tuesday 24 November 2026" in await bot.text("ada", f"/session {number}")
    assert "You are going" in await bot.text("ada", f"/rsvp {number}")
    bot.clock.now = bot.clock.now.replace(day=24, hour=17, minute=0)  # 18:00 in Geneva: closed
    assert "Sign-ups for session #" in await bot.text("bob", f"/rsvp {number}")
    assert await bot.repos.signups.get(number, (await bot.member("bob")).id) is None  # nothing changed
    assert "You are not going" in await bot.text("ada", f"/rsvp {number} no")  # a place may still be given back


async def test_a_member_who_erases_their_data_gives_their_place_to_the_next(agenda_bot):  # noqa: F811
    bot = agenda_bot
    await bot.join("admin", name="Amina")
    await _members(bot, "ada", "bob")
    number = await make_session(bot, extra="places:1")
    await bot.text("ada", f"/rsvp {number}")
    assert "waiting list" in await bot.text("bob", f"/rsvp {number}")
    await bot.say("ada", "/forget")
    await bot.press("ada", "Yes, erase")
    fired = await fire(bot)
    bob = await bot.member("bob")
    assert [q.kind for q in fired if q.member_id == bob.id] == ["session_offer"]
    assert (await bot.repos.signups.get(number, bob.id)).status == "offered"


async def test_organisers_mark_who_came_and_the_report_counts_it(agenda_bot):  # noqa: F811
    bot = agenda_bot
    await bot.join("admin", name="Amina")
    await _members(bot, "ada", "bob", "cleo")
    number = await make_session(bot, extra="places:5")
    await bot.text("ada", f"/rsvp {number}")
    await bot.text("bob", f"/rsvp {number}")
    await bot.text("cleo", f"/subscribe {number}")
    assert "has not started yet" in await bot.text("admin", f"/attendance {number}")
    assert "Only organisers" in await bot.text("ada", f"/attendance {number}")
    bot.clock.now = bot.clock.now.replace(day=25, hour=15, minute=0)  # 16:00 in Geneva: over
    sheet = await bot.text("admin", f"/attendance {number}")
    assert "0 of 3 marked as having come" in sheet
    assert bot.labels("admin") == ["Ada", "Bob", "Cleo"]  # those going first
    assert "1 of 3 marked as having come" in await bot.press_text("admin", "Ada")
    assert bot.labels("admin") == ["✓ Ada", "Bob", "Cleo"]
    await bot.press("admin", "Bob")
    assert "1 of 3 marked as having come" in await bot.press_text("admin", "✓ Bob")  # pressed again: undone
    ada, bob = await bot.member("ada"), await bot.member("bob")
    assert await bot.repos.sessions.attendance_of(number) == {ada.id: True, bob.id: False}
    await bot.press("admin", "Cleo", presser="ada")  # not hers to press: nothing changes
    assert await bot.repos.sessions.attendance_of(number) == {ada.id: True, bob.id: False}
    (figures,) = await bot.repos.reports.meeting_sessions([number])  # what the reports count
    assert (figures.attended, figures.missed) == (1, 1)
