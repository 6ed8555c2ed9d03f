"""/forget reaches the outbox: once a member has erased their data, nothing that names them or carries their text
goes to anyone, even what was already queued or already claimed by a sender; their broadcasts stop, and the joint
commitments others keep with them stay, together with "a former member".

Everyone is on the console, delivered through the real outbox to an in-process platform (see test_outbox.py);
nothing is sent until a test flushes the outbox, so what a test queues before /forget is still waiting then.
Bob is the member who leaves: an organiser, who searches, suggests introductions, registers a joint commitment
and broadcasts.
"""

from __future__ import annotations

import json

import pytest

from handlers.formatting import to_plain
from tests.test_broadcasts import _network
from tests.test_outbox import FakePlatform, World, world  # noqa: F401  (the fixture)
from tests.test_partners import _ask, _code, _set

BOB_TRACES = ("Bob", "BOB-")  # his pseudonym, and every text he wrote


@pytest.fixture
def console(world: World) -> FakePlatform:  # noqa: F811
    """The console as a platform the outbox sends to (each handle is a chat)."""
    platform = FakePlatform("console", world.time)
    world.outbox.register(platform)
    return platform


async def _cast(world: World) -> dict[str, int]:  # noqa: F811
    """Amina (admin, on other themes), Bob (organiser), Lina, Carla and Dan (detention, Western Europe)."""
    bot = world.bot
    await bot.join("admin", name="Amina")
    ids = {"admin": await _set(bot, "admin", themes=("countering-online-hate-speech",), regions=("global-online",))}
    for who, name in (("bob", "Bob"), ("lina", "Lina"), ("carla", "Carla"), ("dan", "Dan")):
        await bot.join(who, code=await _code(bot), name=name, contact=f"Signal {name.upper()}-CONTACT")
        ids[who] = await _set(bot, who, themes=("detention",), regions=("western-europe",), languages=("en",),
                              kind="journalist-or-media")
    await bot.text("admin", f"/promote #{ids['bob']}")
    await world.outbox.flush()
    return ids


def _delivered(console: FakePlatform, who: str, since: int = 0) -> list:
    """The messages that reached `who` on the console (from the `since`-th delivery on)."""
    return [reply for chat, reply in console.replies[since:] if chat == who]


async def _press_on_delivered(world: World, console: FakePlatform, who: str, label: str) -> str:
    """Press a button on the latest message with such a button that reached `who`."""
    world.bot.last[who] = [r for r in _delivered(console, who)
                           if any(label.lower() in b.label.lower() for b in r.button_list())][-1]
    return await world.bot.press_text(who, label)


async def _forget(world: World, who: str) -> None:
    await world.bot.say(who, "/forget")
    assert "has been erased" in await world.bot.press_text(who, "Yes, erase")


async def test_after_forget_nothing_queued_that_names_the_member_or_quotes_them_is_delivered(world, console,
                                                                                              db_path):
    bot, ids = world.bot, await _cast(world)
    # Already delivered before he leaves: Bob and Lina were introduced a week ago, and were asked whether they
    # connected.
    await _ask(bot, "bob", "Lina", note="BOB-SEARCH-NOTE")
    await world.outbox.flush()
    await _press_on_delivered(world, console, "lina", "Accept")
    world.advance(7 * 24 * 3600)
    await bot.core.run_due(world.now)
    await world.outbox.flush()
    # Eve is asleep (22:00 in Auckland): Bob's broadcast reaches everyone but her, and waits for her.
    await bot.join("eve", code=await _code(bot), name="Eve")
    await bot.repos.members.set_field((await bot.member("eve")).id, "timezone", "Pacific/Auckland", world.now)
    await bot.text("bob", "/broadcast BOB-BROADCAST-ONE")
    assert "on its way to 6 members" in await bot.press_text("bob", "Send to")
    await world.outbox.flush()
    assert [to_plain(r.text) for r in _delivered(console, "lina") if "BOB-BROADCAST-ONE" in to_plain(r.text)]
    # The admin suggests that Dan and Bob meet; Dan accepts.
    await bot.text("admin", f"/introduce #{ids['dan']} #{ids['bob']}")
    await world.outbox.flush()
    await _press_on_delivered(world, console, "dan", "Accept")
    before = len(console.replies)

    # Waiting in the outbox when Bob leaves:
    # Dan's and Amina's news that Bob accepted (with Bob's contact line for Dan),
    assert "How to reach Dan" in await _press_on_delivered(world, console, "bob", "Accept")
    # Lina's notice of the joint commitment Bob registers with her,
    await _press_on_delivered(world, console, "bob", "Yes")
    await bot.press("bob", "Register a joint commitment")
    await bot.say("bob", "BOB-JOINT-WORKSHOP")
    await bot.press("bob", "In a month")
    await bot.press("bob", "The network")
    assert "It is also in Lina's commitments" in await bot.press_text("bob", "Register")
    # Bob's introduction request to Carla, with his note,
    await _ask(bot, "bob", "Carla", note="BOB-SECOND-NOTE")
    # the introduction of Lina and Carla that Bob suggests as an organiser, with his note,
    assert "Introduction requests sent" in await bot.text("bob", f"/introduce #{ids['lina']} #{ids['carla']} "
                                                                 "BOB-INTRODUCE-NOTE")
    # Amina's request to approve Bob's next broadcast, and his broadcast scheduled for later.
    _network(world, broadcast_approval_above=2)
    await bot.text("bob", "/broadcast BOB-BROADCAST-TWO")
    assert "waits for a second organiser" in await bot.press_text("bob", "Send to")
    _network(world, broadcast_approval_above=100)
    await bot.text("bob", "/broadcast BOB-BROADCAST-THREE")
    await bot.press("bob", "Send later")
    await bot.text("bob", "in 2 hours")
    assert "scheduled for" in await bot.press_text("bob", "Schedule for")
    # And what is not about Bob: Carla asks Dan to be introduced.
    await _ask(bot, "carla", "Dan", note="CARLA-NOTE")
    assert len(console.replies) == before  # nothing of it has gone yet
    bobs = [m for m in await bot.repos.outbox.for_member(ids["bob"]) if m["state"] == "pending"]
    assert (await bot.repos.outbox.counts())["pending"] - len(bobs) >= 8

    await _forget(world, "bob")
    # Withdrawn with the erasure itself: not even the database file holds what he wrote any more (but the joint
    # commitment, which is Lina's too).
    raw = db_path.read_bytes() + (wal.read_bytes() if (wal := db_path.with_name(db_path.name + "-wal")).exists()
                                  else b"")
    for text in (b"BOB-SEARCH-NOTE", b"BOB-SECOND-NOTE", b"BOB-INTRODUCE-NOTE", b"BOB-BROADCAST", b"BOB-CONTACT"):
        assert text not in raw, text
    await world.outbox.flush()
    world.advance(12 * 3600)  # Eve wakes up, and Bob's scheduled broadcast would be long due
    await bot.core.run_due(world.now)
    await world.outbox.flush()

    arrived = [(chat, to_plain(r.text)) for chat, r in console.replies[before:]]
    for chat, text in arrived:
        assert not any(trace in text for trace in BOB_TRACES), (chat, text)
    assert any(chat == "dan" and "Carla" in text and "CARLA-NOTE" in text for chat, text in arrived)
    assert not _delivered(console, "eve")
    # The other organisers see why his broadcasts stopped.
    status = await bot.text("admin", "/broadcast status")
    for number in (1, 2, 3):
        assert f"#{number} · cancelled" in status
    assert status.count("Cancelled because its author left the network.") == 3
    assert "BOB-BROADCAST" not in status
    # Lina keeps the joint commitment, now with a former member.
    mine = await bot.text("lina", "/commitments")
    assert "BOB-JOINT-WORKSHOP" in mine and "together with a former member" in mine and "Bob" not in mine
    # Nothing left in the outbox holds his text or his number.
    rows = await bot.repos.db.fetch_all("SELECT body, about FROM outbox")
    bodies = [bot.repos.db.keyring.open(r["body"]) or "" for r in rows]
    assert not any("BOB-" in body for body in bodies)
    assert not any(ids["bob"] in json.loads(r["about"] or "[]") for r in rows)


async def test_a_message_already_claimed_by_the_sender_when_forget_commits_is_not_sent(world, console):
    bot, ids = world.bot, await _cast(world)
    before = len(console.replies)
    await bot.text("admin", f"/promote #{ids['lina']}")  # a notice for Lina, queued first: not about Bob
    await _ask(bot, "bob", "Carla", note="BOB-NOTE")  # a request for Carla, about Bob
    await bot.text("bob", "/broadcast BOB-BROADCAST")
    await bot.press("bob", "Send to")
    await bot.say("bob", "/forget")
    world.outbox.concurrency = 1  # one request at a time: the rest of the batch waits, claimed, behind Lina's
    claimed = []
    send = console.send

    async def erase_while_sending(person, reply):  # Bob confirms /forget while Lina's notice is on its way
        if person.external_id == "lina" and not claimed:
            for who in ("lina", "carla", "dan"):
                if any(m["state"] == "sending" for m in await bot.repos.outbox.for_member(ids[who])):
                    claimed.append(who)
            assert "has been erased" in await bot.press_text("bob", "Yes, erase")
        await send(person, reply)

    console.send = erase_while_sending
    await world.outbox.flush()
    assert claimed == ["lina", "carla", "dan"]  # claimed before the erasure committed
    assert [(chat, to_plain(reply.text)) for chat, reply in console.replies[before:]] == [
        ("lina", "You are now an organiser of Test Network. Send /help to see what organisers can do.")]
    assert "Cancelled because its author left" in await bot.text("admin", "/broadcast status 1")


async def test_a_follow_up_waiting_for_quiet_hours_is_withdrawn_when_the_member_it_names_leaves(world, console):
    bot, ids = world.bot, await _cast(world)
    await _ask(bot, "bob", "Lina")
    await world.outbox.flush()
    await _press_on_delivered(world, console, "lina", "Accept")
    await world.outbox.flush()
    world.advance(7 * 24 * 3600 + 13 * 3600)  # 22:00 UTC, 23:00 in Paris: "did you connect?" waits for morning
    await bot.core.run_due(world.now)
    waiting = [m for m in await bot.repos.outbox.for_member(ids["lina"])
               if m["kind"] == "follow-up" and m["state"] == "pending"]
    assert len(waiting) == 1
    before = len(console.replies)
    await _forget(world, "bob")
    world.advance(12 * 3600)
    await world.outbox.flush()
    assert _delivered(console, "lina", before) == []
