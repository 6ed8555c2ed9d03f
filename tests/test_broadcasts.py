"""Broadcasts and mutes: an organiser's message reaches exactly its audience through the outbox, never a member
who muted it, and only with the safety checks (approval, quota) passed.

The outbox sends to in-process Telegram and Discord platforms on virtual time (see test_outbox.py), so pacing and
quiet hours are exact. Organiser Amina is on Telegram (telegram:100); other members are created directly.
"""

from __future__ import annotations

import dataclasses

import pytest

from storage.practices import Draft
from handlers.events import Person, Press
from handlers.formatting import to_plain
from handlers.i18n import _, language, translations_for
from storage.members import Region
from storage.sessions import SessionRepository
from tests.conftest import plain
from tests.test_outbox import World, world  # noqa: F401  (the fixture)

AMINA = "telegram:100"


async def _organiser(world: World, who: str = AMINA) -> int:
    platform, _, external = who.partition(":")
    member_id = await world.member(**{platform: external})
    async with world.repos.db.transaction() as conn:
        await world.repos.members.set_role_in(conn, member_id, "organiser", world.now)
    await world.repos.members.set_field(member_id, "display_name", "Amina", world.now)
    return member_id


async def _person(world: World, *, telegram: str | None = None, discord: str | None = None,
                  themes=("access-to-health",), regions=("western-europe",), timezone="UTC") -> int:
    member_id = await world.member(telegram=telegram, discord=discord, timezone=timezone)
    await world.repos.members.set_themes(member_id, list(themes), world.now)
    await world.repos.members.set_regions(member_id, [Region(r, False) for r in regions], world.now)
    # No quiet hours unless a test sets them: delivery is immediate.
    await world.repos.members.set_quiet_hours(member_id, 0, 0, world.now)
    return member_id


def _network(world: World, **changes) -> None:
    world.bot.core.services.network = dataclasses.replace(world.bot.core.services.network, **changes)


async def _compose(world: World, text: str = "Vigil moved to 18:00", who: str = AMINA) -> str:
    return await world.bot.text(who, f"/broadcast {text}")


async def _send_to_crowd(world: World, count: int, first: int) -> None:
    """`count` more members on Telegram (chat ids from `first`), then Amina's broadcast sent to everyone."""
    for n in range(count):
        await _person(world, telegram=str(first + n))
    await _compose(world)
    await world.bot.press(AMINA, "Send to")


async def _choose(world: World, view: str, *labels: str, who: str = AMINA) -> str:
    await world.bot.press(who, view)
    for label in labels:
        await world.bot.press(who, label)
    return await world.bot.press_text(who, "Back to the preview")


def _got(world: World, chat: str, platform: str = "telegram") -> list[str]:
    return getattr(world, platform).to(chat)


@pytest.fixture
async def net(world):  # noqa: F811
    """Amina (organiser), Lina (telegram 201: health, Western Europe), Bob (discord 301: health, Northern
    Africa), Carla (telegram 202: detention, Western Europe), Dan (telegram 203 and discord 303: health, Western
    Europe)."""
    ids = {"amina": await _organiser(world)}
    ids["lina"] = await _person(world, telegram="201")
    ids["bob"] = await _person(world, discord="301", regions=("northern-africa",))
    ids["carla"] = await _person(world, telegram="202", themes=("detention",))
    ids["dan"] = await _person(world, telegram="203", discord="303")
    await world.repos.members.set_quiet_hours(ids["amina"], 0, 0, world.now)
    return ids


async def test_a_segmented_broadcast_reaches_exactly_its_audience_with_a_preview_per_platform(world, net):
    preview = await _compose(world)
    assert "Reaches: 5 members" in preview  # everyone, Amina included
    preview = await _choose(world, "Themes", "Access to health")
    assert "Reaches: 3 members (Discord 2 · Telegram 2)" in preview
    preview = await _choose(world, "Regions", "Western Europe")
    assert "themes: Access to health and regions: Western Europe" in preview
    assert "Reaches: 2 members (Discord 1 · Telegram 2)" in preview  # Lina, and Dan on both his accounts
    done = await world.bot.press_text(AMINA, "Send to 2")
    assert "on its way to 2 members" in done
    await world.outbox.flush()
    assert _got(world, "201") == _got(world, "203") == _got(world, "303", "discord")
    assert "Vigil moved to 18:00" in _got(world, "201")[0] and "About: Access to health; Western Europe" in \
        _got(world, "201")[0]
    assert _got(world, "202") == [] and _got(world, "301", "discord") == [] and _got(world, "100") == []
    status = await world.bot.text(AMINA, "/broadcast status")
    assert "#1 · done" in status and "Telegram: delivered 2 · pending 0 · failed 0" in status
    assert "Discord: delivered 1" in status
    audit = [e.action for e in await world.repos.audit.recent()]
    assert "broadcast_created" in audit and "broadcast_sent" in audit


async def test_markup_in_a_broadcast_arrives_as_typed_and_long_or_empty_messages_are_refused(world, net):
    await _compose(world, "<b>Bold</b> & <script>x</script>")
    await world.bot.press(AMINA, "Send to")
    await world.outbox.flush()
    assert "<b>Bold</b> & <script>x</script>" in _got(world, "201")[0]  # shown literally, not as markup
    refused = await _compose(world, "x" * 3000)
    assert "3000 characters long" in refused and "at most 1500" in refused
    assert "too long" in await _compose(world, "x" * 10_000)
    assert (await world.bot.text(AMINA, "/broadcast")).startswith("Write the message")
    assert "empty" in await world.bot.text(AMINA, "   ")
    assert len(await world.repos.broadcasts.recent()) == 1


async def test_members_cannot_broadcast_and_a_second_press_or_someone_elses_press_sends_nothing_more(world, net):
    assert "Only organisers" in await world.bot.text("telegram:201", "/broadcast Hello all")
    await _compose(world)
    send = [b for b in world.bot.last[AMINA].button_list() if b.label.startswith("Send to")][0]
    other = await world.bot.core.handle_press(Press(Person("telegram", "201"), send.token))
    assert "not meant for you" in plain(other)
    await world.bot.press(AMINA, "Send to")
    again = await world.bot.press_text(AMINA, "Send to")
    assert "already pressed" in again
    await world.outbox.flush()
    assert len(_got(world, "201")) == 1 and len(await world.repos.broadcasts.recent()) == 1


async def test_a_muted_member_gets_nothing_and_a_theme_mute_covers_only_that_theme(world, net):
    assert "Muted" in await world.bot.text("telegram:201", "/mute")
    assert "muted" in await world.bot.text("telegram:203", "/mute access to health")
    assert "not one of the network's themes" in await world.bot.text("telegram:202", "/mute knitting")
    preview = await _choose(world, "Themes", "Access to health") if await _compose(world) else ""
    assert "Muted by 2 more in this audience" in preview
    await world.bot.press(AMINA, "Send to")
    await world.outbox.flush()
    assert _got(world, "201") == [] and _got(world, "203") == [] and _got(world, "303", "discord") == []
    assert len(_got(world, "301", "discord")) == 1
    await _compose(world, "To everyone")  # Dan muted one theme only: a broadcast to everyone reaches him
    await world.bot.press(AMINA, "Send to")
    await world.outbox.flush()
    assert _got(world, "203") == [_got(world, "202")[0]] and _got(world, "201") == []
    assert "Unmuted" in await world.bot.text("telegram:201", "/unmute")
    assert "not muted" in await world.bot.text("telegram:201", "/unmute")


async def test_a_mute_stops_a_broadcast_already_under_way(world, net):
    await _send_to_crowd(world, 60, 400)
    last = (await world.repos.members.by_identity("telegram", "459")).id  # the last of the crowd to be sent to
    original = world.telegram.send

    async def send(person, reply):  # the broadcast is under way when the last one mutes
        if person.external_id == "400":
            await world.repos.broadcasts.mute(last, "", world.now)
        await original(person, reply)

    world.telegram.send = send
    await world.outbox.flush()
    assert _got(world, "459") == [] and len(_got(world, "458")) == 1
    status = await world.bot.text(AMINA, "/broadcast status 1")
    assert "muted 1" in status


async def test_a_mute_or_a_cancel_made_by_another_process_stops_what_this_one_has_claimed(world, net):
    """Mutes and cancels live in the database, not in one process's memory: another bot process over the same
    database (here, its own connections) stops messages this process has already claimed."""
    from storage import Repositories
    from storage import SqliteDatabase

    other = SqliteDatabase(world.repos.db.path)
    await other.open()
    try:
        await _send_to_crowd(world, 60, 400)
        last = (await world.repos.members.by_identity("telegram", "459")).id
        original = world.telegram.send

        async def send(person, reply):  # while this process sends, the other one takes a mute
            if person.external_id == "400":
                async with world.time.standing_still():  # the other process's mute takes the time it takes
                    await Repositories.over(other).broadcasts.mute(last, "", world.now)
            await original(person, reply)

        world.telegram.send = send
        await world.outbox.send_ready()  # a batch claimed, the last of the crowd in it
        world.telegram.send = original
        await world.outbox.flush()
        assert _got(world, "459") == [] and len(_got(world, "458")) == 1
        sent = len(world.telegram.arrived) + len(world.discord.arrived)
        await _compose(world)
        await world.bot.press(AMINA, "Send to")  # broadcast #2
        claimed = await world.repos.outbox.claim(world.now, 10, ("telegram",))
        assert claimed and await world.repos.outbox.still_claimed(claimed[0].id)
        assert await Repositories.over(other).broadcasts.cancel(2, last, world.now) > len(claimed)
        assert not any([await world.repos.outbox.still_claimed(item.id) for item in claimed])
        await world.outbox.flush()
        assert len(world.telegram.arrived) + len(world.discord.arrived) == sent
    finally:
        await other.close()


async def test_cancel_stops_what_is_not_yet_sent_after_confirmation(world, net):
    _network(world, broadcast_approval_above=1000)
    await _send_to_crowd(world, 100, 400)
    await world.outbox.send_ready()  # the first batch (about two seconds' worth) goes
    sent = len(world.telegram.arrived) + len(world.discord.arrived)
    assert 0 < sent < 104
    question = await world.bot.text(AMINA, "/broadcast cancel 1")
    assert "Stop broadcast #1?" in question and "not yet sent" in question
    assert "stopped" in await world.bot.press_text(AMINA, "Stop it")
    assert "already pressed" in await world.bot.press_text(AMINA, "Stop it")
    await world.outbox.flush()
    assert len(world.telegram.arrived) + len(world.discord.arrived) == sent
    status = await world.bot.text(AMINA, "/broadcast status 1")
    assert "cancelled" in status
    assert "cannot be stopped" in await world.bot.text(AMINA, "/broadcast cancel 1")
    assert "no broadcast #99" in await world.bot.text(AMINA, "/broadcast cancel 99")
    assert "broadcast_cancelled" in [e.action for e in await world.repos.audit.recent()]


async def test_a_big_audience_waits_for_a_second_organiser_and_the_author_cannot_approve(world, net):
    _network(world, broadcast_approval_above=3)
    bea = await _organiser(world, "telegram:150")
    await world.repos.members.set_field(bea, "display_name", "Bea", world.now)
    await _compose(world)
    waiting = await world.bot.press_text(AMINA, "Send to")
    assert "waits for a second organiser's approval" in waiting
    await world.outbox.flush()
    asked = _got(world, "150")
    assert len(asked) == 1 and "needs a second organiser" in asked[0] and _got(world, "201") == []
    token = _button(world, "150", "Approve")
    mine = await world.bot.core.handle_press(Press(Person("telegram", "100"), token))
    assert "not meant for you" in plain(mine)
    approved = plain(await world.bot.core.handle_press(Press(Person("telegram", "150"), token)))
    assert "You approved broadcast #1" in approved
    again = plain(await world.bot.core.handle_press(Press(Person("telegram", "150"), token)))
    assert "already pressed" in again
    await world.outbox.flush()
    assert len(_got(world, "201")) == 1 and any("Bea approved broadcast #1" in t for t in _got(world, "100"))
    assert "broadcast_approved" in [e.action for e in await world.repos.audit.recent()]


def _button(world: World, chat: str, label: str) -> str:
    for attempt in reversed(world.telegram.replies):
        if attempt[0] == chat:
            for button in attempt[1].button_list():
                if button.label == label:
                    return button.token
    raise AssertionError(f"no {label} button sent to {chat}")


async def test_a_rejected_broadcast_is_never_sent(world, net):
    _network(world, broadcast_approval_above=3)
    await _organiser(world, "telegram:150")
    await _compose(world)
    await world.bot.press(AMINA, "Send to")
    await world.outbox.flush()
    rejected = plain(await world.bot.core.handle_press(Press(Person("telegram", "150"),
                                                             _button(world, "150", "Reject"))))
    assert "rejected" in rejected
    await world.outbox.flush()
    assert _got(world, "201") == [] and any("did not approve" in t for t in _got(world, "100"))


async def test_with_no_other_organiser_a_big_broadcast_says_whom_to_ask(world, net):
    _network(world, broadcast_approval_above=3)
    await _compose(world)
    answer = await world.bot.press_text(AMINA, "Send to")
    assert "no other organiser yet" in answer


async def test_the_daily_quota_refuses_one_more_and_keeps_the_draft(world, net):
    _network(world, broadcast_daily_quota=1)
    await _compose(world, "First")
    await world.bot.press(AMINA, "Send to")
    await _compose(world, "Second")
    refused = await world.bot.press_text(AMINA, "Send to")
    assert "already started 1 broadcast in the last 24 hours" in refused
    world.advance(24 * 3600 + 1)
    assert "on its way" in await world.bot.press_text(AMINA, "Send to")


async def test_a_scheduled_broadcast_goes_at_its_moment_and_not_before(world, net):
    await _compose(world)
    await world.bot.press(AMINA, "Send later")
    past = await world.bot.text(AMINA, "yesterday 9:00")
    assert "already passed: Sunday 22 November 2026, 09:00" in past and "2026-11-22T" not in past
    preview = await world.bot.text(AMINA, "in 2 hours")
    assert "When: Monday 23 November 2026, 11:00" in preview
    assert "scheduled for" in await world.bot.press_text(AMINA, "Schedule for")
    await world.bot.core.run_due(world.now)
    await world.outbox.flush()
    assert _got(world, "201") == []
    world.advance(2 * 3600)
    await world.bot.core.run_due(world.now)
    await world.outbox.flush()
    assert len(_got(world, "201")) == 1


async def test_a_broadcast_is_queued_a_page_at_a_time_and_the_clock_finishes_one_left_half_way(world, net,
                                                                                               monkeypatch):
    import storage.broadcasts
    from handlers.broadcasts.sending import queue_page_in, start_in

    monkeypatch.setattr(storage.broadcasts, "PAGE", 2)
    broadcast_id = await world.repos.broadcasts.create(net["amina"], "Vigil moved to 18:00", {}, urgent=True,
                                                       channels=False, status="scheduled", send_at=world.now,
                                                       recipients=5, now=world.now)
    broadcast = await world.repos.broadcasts.get(broadcast_id)
    ctx = world.bot.core.member_context(await world.repos.members.get(net["amina"]))
    async with world.repos.db.transaction() as conn:  # it starts, one page goes in, and the process stops
        assert await start_in(conn, ctx, broadcast, world.now)
    async with world.repos.db.transaction() as conn:
        assert await queue_page_in(conn, ctx, broadcast, world.now)
    assert 1 <= sum((await world.repos.outbox.counts()).values()) <= 2  # one page: Amina and Lina
    await world.bot.core.run_due(world.now)  # the process keeping time goes on from where it was
    await world.outbox.flush()
    assert [len(_got(world, chat)) for chat in ("201", "202", "203")] == [1, 1, 1]  # each once
    assert [len(_got(world, chat, "discord")) for chat in ("301", "303")] == [1, 1]
    assert (await world.repos.broadcasts.get(broadcast_id)).recipients == 5
    assert await world.repos.schedule.for_subject(("broadcast.page",), broadcast_id) == []


async def test_quiet_hours_hold_a_broadcast_unless_it_is_urgent(world, net):
    await world.repos.members.set_quiet_hours(net["lina"], 480, 600, world.now)  # 08:00-10:00 UTC; it is 09:00
    await _compose(world, "Ordinary")
    await world.bot.press(AMINA, "Send to")
    await world.outbox.flush()
    assert _got(world, "201") == [] and len(_got(world, "202")) == 1
    await _compose(world, "Urgent one")
    await world.bot.press(AMINA, "Urgent: off")
    await world.bot.press(AMINA, "Send to")
    await world.outbox.flush()
    assert ["Urgent one" in t for t in _got(world, "201")] == [True]
    world.advance(3600)
    await world.outbox.flush()
    assert len(_got(world, "201")) == 2


async def test_a_big_broadcast_does_not_hold_up_a_personal_message(world, net):
    _network(world, broadcast_approval_above=1000)
    await _send_to_crowd(world, 300, 1000)
    started = world.time.now
    await world.outbox.send_ready()  # the first two seconds' worth, at 30 a second
    await world.send(net["carla"], "Your reminder")
    await world.outbox.send_ready()
    reminder = [t for chat, text, t in world.telegram.arrived if text == "Your reminder"]
    assert reminder and reminder[0] - started < 5  # not after the other ~250 (more than 8 seconds)
    await world.outbox.flush()
    assert len(world.telegram.arrived) == 300 + 4 + 1  # Amina, Lina, Carla and Dan are on Telegram too


async def test_unreachable_recipients_are_counted_with_their_reason(world, net):
    from bot.delivery import Unreachable

    world.telegram.fail("201", Unreachable())
    await _compose(world)
    await world.bot.press(AMINA, "Send to")
    await world.outbox.flush()
    status = await world.bot.text(AMINA, "/broadcast status 1")
    assert "failed 1" in status and "cannot reach them" in status


async def test_a_broadcast_can_also_go_to_announcement_channels(world, net):
    _network(world, announcement_channels=(("telegram", "-1001234"), ("discord", "#555")))
    await _compose(world)
    await world.bot.press(AMINA, "Channels: off")
    preview = plain([world.bot.last[AMINA]])
    assert "Announcement channels: yes (2)" in preview
    await world.bot.press(AMINA, "Send to")
    await world.outbox.flush()
    posted = _got(world, "-1001234")
    assert len(posted) == 1 and "/mute" not in posted[0] and len(_got(world, "#555", "discord")) == 1


async def test_a_sessions_subscribers_are_an_audience(world, net):
    now = world.now
    async with world.repos.db.transaction() as conn:
        session = await SessionRepository.create_in(
            conn, {"title": "Media literacy", "starts_at": now + 86400, "ends_at": now + 90000, "zone": "UTC"},
            uid="s1", created_by=None, now=now)
    await world.repos.sessions.subscribe(session, net["carla"], now, default_lead=15, followup_after=600)
    await _compose(world)
    preview = await _choose(world, "Sessions", "Media literacy")
    assert "subscribers of: Media literacy" in preview and "Reaches: 1 member" in preview
    await world.bot.press(AMINA, "Send to")
    await world.outbox.flush()
    assert len(_got(world, "202")) == 1 and _got(world, "201") == []


async def test_members_who_tried_a_practice_are_an_audience(world, net):
    now = world.now
    practice = await world.repos.practices.create(net["lina"], Draft("Myth-busting cards", "Cards"), now)
    await world.repos.practices.review(practice, "approved", net["amina"], None, now)
    await world.repos.commitments.create(net["carla"], "Try the cards", due_at=None, theme=None, region=None,
                                         visibility="network", now=now, practice_id=practice)
    await _compose(world)
    preview = await _choose(world, "Tried a practice", "Myth-busting cards")
    assert "members who tried: #1 Myth-busting cards" in preview and "Reaches: 1 member" in preview
    await world.bot.press(AMINA, "Send to")
    await world.outbox.flush()
    assert len(_got(world, "202")) == 1 and _got(world, "201") == []  # Carla tried it; Lina only wrote it


async def test_export_shows_mutes_and_forget_removes_them(world, net):
    await world.bot.text("telegram:201", "/mute detention")
    member_id = (await world.repos.members.by_identity("telegram", "201")).id
    exported = await world.bot.say("telegram:201", "/export")
    data = [r.attachment for r in exported if r.attachment is not None][0].content.decode()
    assert '"muted": [' in data and "detention" in data
    await world.bot.text("telegram:201", "/forget")
    await world.bot.press("telegram:201", "Erase")
    assert await world.repos.broadcasts.mutes(member_id) == [] and await world.repos.members.get(member_id) is None



async def test_on_both_platforms_a_theme_broadcast_reaches_its_audience_and_a_muted_member_gets_nothing(db_path):
    from tests.two_platforms import both_platforms

    async with both_platforms(db_path) as both:
        bot, tg, s = both.bot, both.tg, both.discord
        await tg.join(4242, "Amina")
        amina = await bot.member("telegram:4242")
        async with bot.repos.db.transaction() as conn:
            await bot.repos.members.set_role_in(conn, amina.id, "organiser", bot.clock().timestamp().__int__())
        await tg.join(5001, "Lina")
        bob, carla = s.person("bob"), s.person("carla")
        await s.onboard(bob, "Bob")
        await s.onboard(carla, "Carla")
        now = int(bot.clock().timestamp())
        for who, theme in ((f"discord:{carla.id}", "detention"), ("telegram:5001", "detention")):
            await bot.repos.members.set_themes((await bot.member(who)).id, [theme], now)
        for member in await bot.repos.members.search(""):
            await bot.repos.members.set_quiet_hours(member.id, 0, 0, now)

        await tg.say(4242, "/broadcast Health <i>clinic</i> open on Saturday")
        await tg.press(4242, "Themes")
        await tg.press(4242, "Access to health")
        shown = await tg.press(4242, "Back to the preview")
        assert any("Reaches: 1 member (Discord 1)" in t for t in shown), shown  # Bob
        await tg.press(4242, "Send to 1")
        await both.deliver()
        def dms(person) -> list[str]:
            channel = person.actor.user.dm_channel
            return [m.content for m in channel.history()] if channel is not None else []

        # The organiser's markup arrives as typed (nothing in it is Discord Markdown, so nothing needs a backslash).
        assert any("Health <i>clinic</i> open on Saturday" in m for m in dms(bob)), dms(bob)
        assert not any("clinic" in m for m in dms(carla))
        assert not any("clinic" in t for t in both.api.texts(5001))

        assert "Muted" in await bob.slash("mute")
        await tg.say(4242, "/broadcast Everyone: vigil at 18:00")
        await tg.press(4242, "Send to")
        await both.deliver()
        assert any("vigil at 18:00" in t for t in both.api.texts(5001))
        assert not any("vigil" in m for m in dms(bob))
        assert any("vigil" in m for m in dms(carla))


async def test_a_finished_broadcast_keeps_its_counts_but_not_its_text_once_the_outbox_is_purged(world, net):
    from bot.scheduler import Scheduler

    await _compose(world, "Secret venue: the old library")
    await world.bot.press(AMINA, "Send to")
    await world.outbox.flush()
    world.advance(8 * 24 * 3600)
    scheduler = Scheduler(world.bot.core, world.outbox)
    await scheduler.cluster.start()  # the one process keeping time does the housekeeping
    try:
        await scheduler.housekeeping()
    finally:
        await scheduler.cluster.stop()
    assert await world.repos.outbox.counts() == {}
    broadcast = await world.repos.broadcasts.get(1)
    assert (broadcast.status, broadcast.body) == ("done", None)
    status = await world.bot.text(AMINA, "/broadcast status 1")
    assert "Telegram: delivered 4" in status and "Discord: delivered 2" in status


async def test_a_broadcast_keeps_its_organisers_words_in_each_recipients_frame(world, net):
    """Written once, in the organiser's language; each recipient reads the bot's own frame (header, topics, how to
    mute) in theirs."""
    await world.repos.members.set_languages(net["lina"], ["ru", "en"], world.now)
    await _compose(world, "Vigil moved to 18:00")
    await _choose(world, "Themes", "Access to health")
    await world.bot.press(AMINA, "Send to")
    await world.outbox.flush()
    header = "📣 <b>{network}</b> · message from the organisers"
    mute = "<i>Send /mute to stop broadcasts, or /mute {theme} for this theme only.</i>"
    with language("ru"):
        theme = translations_for("ru").gettext("Access to health")
        russian = to_plain(_(header, network="Test Network")), to_plain(_(mute, theme=theme))
    english = to_plain(_(header, network="Test Network"))
    lina, dan = _got(world, "201")[0], _got(world, "203")[0]
    assert russian[0] in lina and russian[1] in lina and english not in lina
    assert english in dan  # no language of the bot's in the profile: the network's
    assert "Vigil moved to 18:00" in lina and "Vigil moved to 18:00" in dan  # the organiser's words as written
