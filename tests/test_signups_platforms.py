"""Sign-ups on Telegram and Discord: /rsvp and the Going button, the waiting list, and a place given back offered
to the next with buttons only they can press; every Telegram call checked against the pinned Bot API spec."""

from __future__ import annotations

from tests.test_discord_adapter import discord_session
from tests.test_telegram_adapter import ADMIN, BOB, tg  # noqa: F401  (the fixture)

CARLA = 5005


async def _session(say, press) -> int:
    await say("/newsession Legal clinic start:25 November 2026 14:00 end:15:30 zone:Geneva places:1 "
              "link:https://meet.example.org/clinic-room")
    created = "\n".join(await press("Create"))
    return int(created.split("Session #")[1].split()[0])


async def test_a_place_is_taken_given_back_and_offered_on_telegram(tg):  # noqa: F811
    await tg.join(ADMIN, "Amina")
    for user, name in ((BOB, "Bob"), (CARLA, "Carla")):
        code = (await tg.say(ADMIN, "/invite"))[-1].split("Invite code: ")[1].split()[0]
        await tg.join(user, name, code)
    number = await _session(lambda text: tg.say(ADMIN, text), lambda label: tg.press(ADMIN, label))
    assert any("You are going to session" in t for t in await tg.say(BOB, f"/rsvp {number}"))
    shown = await tg.say(CARLA, f"/session {number}")
    assert not any("clinic-room" in t for t in shown)  # the call link is not in the session, for a member
    waiting = await tg.press(CARLA, f"Going to #{number}")
    assert any("is full. You are number 1 on the waiting list" in t for t in waiting)
    await tg.say(BOB, f"/rsvp {number} no")
    offers = [t for t in tg.api.texts(CARLA) if "A place is free for you" in t]
    assert offers  # delivered through the outbox, on Telegram
    refused = await tg.press(CARLA, "Take the place", presser=BOB)  # Bob presses Carla's button: nothing
    assert not any("The place is yours" in t for t in refused)
    assert any("The place is yours" in t for t in await tg.press(CARLA, "Take the place"))
    assert (await tg.bot.repos.signups.counts(number)).going == 1


async def test_rsvp_takes_a_place_and_the_buttons_work_on_discord(db_path):
    async with discord_session(db_path) as s:
        admin = s.person("admin")
        await s.onboard(admin, "Amina")
        member = await s.bot.member(f"discord:{admin.id}")
        bob, carla = s.person("bob"), s.person("carla")
        await s.onboard(bob, "Bob")
        await s.onboard(carla, "Carla")
        now = int(s.bot.clock().timestamp())
        async with s.bot.repos.db.transaction() as conn:
            number = await s.bot.repos.sessions.create_in(conn, {
                "title": "Legal clinic", "starts_at": now + 2 * 86400, "ends_at": now + 2 * 86400 + 5400,
                "zone": "Europe/Zurich", "venue": None, "link": None, "moderator": None, "speakers": None,
                "description": None, "places": 1, "signups_close_at": None, "themes": []},
                uid="clinic", created_by=member.id, now=now)
        assert "You are going to session" in await bob.slash("rsvp", number=number)
        shown = await carla.slash("session", number=number)
        assert "Places: 1" in shown
        assert "is full. You are number 1 on the waiting list" in await carla.click(f"Going to #{number}")
        assert "You are not going" in await bob.slash("rsvp", number=number, no="no")
        assert (await s.bot.repos.signups.get(number, (await s.bot.member(f"discord:{carla.id}")).id)).status \
            == "offered"


async def test_an_organiser_marks_who_came_on_telegram(tg):  # noqa: F811
    await tg.join(ADMIN, "Amina")
    code = (await tg.say(ADMIN, "/invite"))[-1].split("Invite code: ")[1].split()[0]
    await tg.join(BOB, "Bob", code)
    number = await _session(lambda text: tg.say(ADMIN, text), lambda label: tg.press(ADMIN, label))
    await tg.say(BOB, f"/rsvp {number}")
    tg.bot.clock.now = tg.bot.clock.now.replace(day=25, hour=15, minute=0)  # after the session
    assert any("0 of 1 marked as having come" in t for t in await tg.say(ADMIN, f"/attendance {number}"))
    assert any("1 of 1 marked as having come" in t for t in await tg.press(ADMIN, "Bob"))
    bob = await tg.bot.member(f"telegram:{BOB}")
    assert await tg.bot.repos.sessions.attendance_of(number) == {bob.id: True}


async def _organiser_bob_and_a_session(s, **values) -> tuple:
    """On Discord: Amina, an organiser, and Bob, a member; a session in an hour (with these `values`); its number."""
    organiser, bob = s.person("organiser", manages_server=True), s.person("bob")
    await s.onboard(organiser, "Amina")
    await s.onboard(bob, "Bob")
    amina = await s.bot.member(f"discord:{organiser.id}")
    now = int(s.bot.clock().timestamp())
    async with s.bot.repos.db.transaction() as conn:
        await s.bot.repos.members.set_role_in(conn, amina.id, "organiser", now)
        number = await s.bot.repos.sessions.create_in(conn, {
            "title": "Legal clinic", "starts_at": now + 3600, "ends_at": now + 7200, "zone": "Europe/Zurich",
            "themes": [], **values}, uid="clinic", created_by=amina.id, now=now)
    return organiser, bob, number


async def test_an_organiser_marks_who_came_on_discord(db_path):
    async with discord_session(db_path) as s:
        organiser, bob, number = await _organiser_bob_and_a_session(s, places=3)
        assert "You are going to session" in await bob.slash("rsvp", number=number)
        assert "has not started yet" in await organiser.slash("attendance", number=number)
        s.bot.clock.advance(hours=3)
        assert "0 of 1 marked as having come" in await organiser.slash("attendance", number=number)
        assert "1 of 1 marked as having come" in await organiser.click("Bob")
        member = await s.bot.member(f"discord:{bob.id}")
        assert await s.bot.repos.sessions.attendance_of(number) == {member.id: True}


async def test_registration_questions_on_telegram(tg):  # noqa: F811
    await tg.join(ADMIN, "Amina")
    code = (await tg.say(ADMIN, "/invite"))[-1].split("Invite code: ")[1].split()[0]
    await tg.join(BOB, "Bob", code)
    await tg.say(ADMIN, "/newsession Legal clinic start:25 November 2026 14:00 end:15:30 zone:Geneva "
                        "interpretation:French, Arabic access:yes")
    number = int("\n".join(await tg.press(ADMIN, "Create")).split("Session #")[1].split()[0])
    assert any("offers interpretation into French, Arabic" in t for t in await tg.say(BOB, f"/rsvp {number}"))
    assert any("Do you have access needs" in t for t in await tg.press(BOB, "Arabic"))
    assert any("Thank you" in t for t in await tg.say(BOB, "Wheelchair <access> & a ramp"))
    listed = "\n".join(await tg.say(ADMIN, f"/signups {number}"))
    assert "Bob — interpretation: Arabic · access needs: Wheelchair <access> & a ramp" in listed
    raw = [p["text"] for m, p in tg.api.calls if m == "sendMessage"][-1]  # escaped in the HTML sent
    assert "Wheelchair &lt;access&gt; &amp; a ramp" in raw


async def test_registration_questions_on_discord(db_path):
    async with discord_session(db_path) as s:
        organiser, bob, number = await _organiser_bob_and_a_session(s, interpretation="fr,ar", asks_access=1)
        assert "offers interpretation into French, Arabic" in await bob.slash("rsvp", number=number)
        assert "Do you have access needs" in await bob.click("French")
        assert "Thank you" in await bob.answer("Captions, **please**")
        listed = await organiser.slash("signups", number=number)
        assert "Bob — interpretation: French · access needs: Captions, \\*\\*please\\*\\*" in listed
