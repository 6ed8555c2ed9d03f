"""Registration questions: the interpretation a session offers and the access needs organisers ask about, asked of
those going, seen by organisers only (sealed in the database), in the member's export, gone when they stop going
or erase their data; every bad input answered without a change."""

from __future__ import annotations

import json

from tests.test_sessions import agenda_bot, make_session  # noqa: F401  (the fixture)

NEEDS = "Step-free entrance <b>please</b>, and a seat near the door"


async def test_those_going_answer_and_only_organisers_see_the_answers(agenda_bot):  # noqa: F811
    bot = agenda_bot
    await bot.join("admin", name="Amina")
    for who in ("ada", "bob", "cleo"):
        await bot.join(who)
    draft = await bot.text("admin", "/newsession Radio workshop start:25 November 2026 14:00 end:15:30 "
                                    "zone:Geneva interpretation:French, Arabic access:yes places:2")
    assert "Interpretation into: French, Arabic" in draft and "Access needs: those going are asked" in draft
    created = await bot.press_text("admin", "Create")
    number = int(created.split("Session #")[1].split()[0])
    assert "Interpretation into French, Arabic" in await bot.text("cleo", f"/session {number}")

    # Ada goes: she is asked which interpretation she needs, then her access needs.
    going = await bot.text("ada", f"/rsvp {number}")
    assert "You are going to session" in going and "offers interpretation into French, Arabic" in going
    assert {"French", "Arabic", "No, thank you"} <= set(bot.labels("ada"))
    first_question = bot.last["ada"]
    assert "Access needs" not in await bot.press_text("ada", "Arabic", presser="bob")  # not Bob's question
    asked = await bot.press_text("ada", "Arabic")
    assert "Do you have access needs" in asked
    assert "too long" in await bot.text("ada", "x" * 10_000)
    assert "That is 400 characters; please keep it to 300" in await bot.text("ada", "x" * 400)
    assert "Please type your access needs" in await bot.text("ada", "   ")
    assert "Thank you: the organisers of session" in await bot.text("ada", NEEDS)
    ada = await bot.member("ada")
    assert (await bot.repos.signups.get(number, ada.id)).answers == {"interpretation": "ar", "access": NEEDS}
    bot.last["ada"] = first_question
    assert "already been answered" in await bot.press_text("ada", "French")  # pressed again, later
    assert (await bot.repos.signups.get(number, ada.id)).answers["interpretation"] == "ar"
    assert "Your answers (seen by the organisers only): interpretation: Arabic · access needs: Step-free" in \
        await bot.text("ada", f"/session {number}")

    # Bob needs neither; Cleo waits (two places).
    await bot.text("bob", f"/rsvp {number}")
    await bot.press("bob", "No, thank you")
    assert "Thank you: the organisers of session" in await bot.press_text("bob", "None")
    assert "Do you need it" not in await bot.text("cleo", f"/rsvp {number}")  # waiting: nothing asked yet

    shown = await bot.text("admin", f"/session {number}")
    assert "Interpretation asked for: Arabic 1" in shown and "Access needs: 1 person told of theirs" in shown
    assert "Interpretation asked for" not in await bot.text("bob", f"/session {number}")
    listed = await bot.text("admin", f"/signups {number}")
    assert f"1. Ada — interpretation: Arabic · access needs: {NEEDS}" in listed  # escaped, shown as typed
    assert "2. Bob\n" in listed and "Waiting (1), in order:\n1. Cleo" in listed
    assert await bot.text("bob", f"/signups {number}") == await bot.text("bob", "/signups 999")

    # Sealed in the database; in her export.
    raw = await bot.repos.db.fetch_all("SELECT answers FROM session_signups WHERE answers IS NOT NULL")
    assert raw and not any("Step-free" in row[0] or '"ar"' in row[0] for row in raw)
    exported = json.loads((await bot.say("ada", "/export"))[0].attachment.content)
    (signup,) = exported["sessions"]["sign_ups"]
    assert signup["answers"] == {"interpretation": "ar", "access": NEEDS}

    # Not going any more: her answers go, her place goes to Cleo, who is asked once she takes it.
    await bot.text("ada", f"/rsvp {number} no")
    assert (await bot.repos.signups.for_member(ada.id))[0]["answers"] == {}
    assert "Interpretation asked for: —" in await bot.text("admin", f"/session {number}")
    offer = [q for q in bot.recorder.queued if q.kind == "session_offer"][-1]
    bot.last["cleo"] = offer.reply
    assert "offers interpretation into" in await bot.press_text("cleo", "Take the place")
    await bot.press("cleo", "French")
    await bot.text("cleo", "Captions")
    cleo = await bot.member("cleo")
    await bot.say("cleo", "/forget")
    await bot.press("cleo", "Yes, erase")
    assert await bot.repos.signups.for_member(cleo.id) == []
    assert "Access needs: 0 people told of theirs" in await bot.text("admin", f"/session {number}")


async def test_bad_settings_are_answered_and_change_nothing(agenda_bot):  # noqa: F811
    bot = agenda_bot
    await bot.join("admin", name="Amina")
    start = "/newsession Clinic start:25 November 2026 14:00 end:15:00"
    assert "I don't know the language “Klingonish”" in await bot.text("admin", f"{start} interpretation:Klingonish")
    assert "At most 6 languages" in await bot.text(
        "admin", f"{start} interpretation:French, Arabic, Spanish, Russian, Chinese, English, German")
    assert "Type “yes” to ask those going" in await bot.text("admin", f"{start} access:maybe")
    await bot.press("admin", "Access needs")  # the field from the summary: two buttons
    assert "Ask them" in bot.labels("admin") and "Don't ask" in bot.labels("admin")
    assert "Access needs: those going are asked" in await bot.press_text("admin", "Ask them")
    await bot.press("admin", "Access needs")
    assert "Access needs: not asked" in await bot.press_text("admin", "Don't ask")
    created = await bot.press_text("admin", "Create")
    number = int(created.split("Session #")[1].split()[0])
    session = await bot.repos.sessions.get(number)
    assert session.interpretation is None and session.asks_access == 0  # the bad values left nothing behind


async def test_a_session_without_questions_asks_nothing(agenda_bot):  # noqa: F811
    bot = agenda_bot
    await bot.join("admin", name="Amina")
    await bot.join("ada")
    number = await make_session(bot)
    going = await bot.text("ada", f"/rsvp {number}")
    assert "You are going" in going and "Do you need" not in going and "access needs" not in going
    assert "Sign-ups" in await bot.text("admin", f"/session {number}")
    assert "Interpretation asked for" not in await bot.text("admin", f"/session {number}")


async def test_an_organiser_adds_questions_later_and_members_going_answer_when_they_say_so_again(
        agenda_bot):  # noqa: F811
    bot = agenda_bot
    await bot.join("admin", name="Amina")
    await bot.join("ada")
    number = await make_session(bot)
    await bot.text("ada", f"/rsvp {number}")
    edited = await bot.text("admin", f"/editsession {number} access:yes")
    assert "Access needs: those going are asked" in edited
    assert "Session #" in await bot.press_text("admin", "Save")
    again = await bot.text("ada", f"/rsvp {number}")
    assert "already going" in again and "Do you have access needs" in again
    assert "Thank you" in await bot.text("ada", "A quiet room")
    assert "access needs: A quiet room" in await bot.text("admin", f"/signups {number}")


async def test_nothing_is_asked_about_a_cancelled_session(agenda_bot):  # noqa: F811
    bot = agenda_bot
    await bot.join("admin", name="Amina")
    await bot.join("ada")
    number = await make_session(bot, extra="access:yes")
    assert "Do you have access needs" in await bot.text("ada", f"/rsvp {number}")
    await bot.text("ada", "/cancel")
    await bot.text("admin", f"/cancelsession {number}")
    await bot.press("admin", "Yes, cancel")
    again = await bot.text("ada", f"/rsvp {number}")
    assert "was cancelled" in again and "access needs" not in again


async def test_answers_to_a_question_the_organiser_stops_asking_go(agenda_bot):  # noqa: F811
    bot = agenda_bot
    await bot.join("admin", name="Amina")
    await bot.join("ada")
    number = await make_session(bot, extra="access:yes interpretation:French")
    await bot.text("ada", f"/rsvp {number}")
    await bot.press("ada", "French")
    await bot.text("ada", "A quiet room")
    ada = await bot.member("ada")
    assert (await bot.repos.signups.get(number, ada.id)).answers == {"interpretation": "fr", "access": "A quiet room"}
    await bot.text("admin", f"/editsession {number} access:no")
    await bot.press("admin", "Save")
    assert (await bot.repos.signups.get(number, ada.id)).answers == {"interpretation": "fr"}
    await bot.text("admin", f"/editsession {number} interpretation:Arabic")
    await bot.press("admin", "Save")
    assert (await bot.repos.signups.get(number, ada.id)).answers == {}
    assert "interpretation: French" not in await bot.text("admin", f"/signups {number}")
