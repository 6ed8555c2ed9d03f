"""Quiet hours hold back what a member did not ask for; changing them (or the time zone they are read in) moves
what is already waiting: turned off, it comes at once; shortened, it comes when the new ones end.

The outbox runs on virtual time against in-process platforms (see test_outbox.py). Lina (telegram 201) joins
through the bot and lives in Paris; it is 23:00 there.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from markupsafe import Markup

from handlers.events import Reply
from tests.test_outbox import World, world  # noqa: F401  (the fixture)

LINA = "telegram:201"


def _utc(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


@pytest.fixture
async def lina(world: World) -> int:  # noqa: F811
    services = world.bot.core.services
    services.network = dataclasses.replace(services.network, open_registration=True)
    await world.bot.join(LINA, name="Lina")  # in Europe/Paris, default quiet hours 22:00-08:00
    member = await world.bot.member(LINA)
    world.bot.clock.now = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # 23:00 in Paris
    await world.outbox.flush()
    world.telegram.arrived.clear()
    ctx = world.bot.core.member_context(member)
    await ctx.notify(member.id, Reply(Markup("A check-in")), kind="check-in")
    await world.outbox.flush()
    assert world.telegram.to("201") == []  # held until 08:00 in Paris
    return member.id


async def _quiet(world: World, choice: str | None = None, typed: str | None = None) -> None:  # noqa: F811
    await world.bot.say(LINA, "/profile")
    await world.bot.press(LINA, "Quiet hours")
    if choice is not None:
        await world.bot.press(LINA, choice)
    else:
        await world.bot.say(LINA, typed or "")


async def test_turning_quiet_hours_off_releases_what_they_held_at_once(world, lina):  # noqa: F811
    await _quiet(world, "No quiet hours")
    await world.outbox.flush()
    assert world.telegram.to("201") == ["A check-in"]


async def test_shorter_quiet_hours_release_what_they_held_when_the_new_ones_end(world, lina):  # noqa: F811
    await _quiet(world, typed="22:00-23:30")  # it is 23:00 in Paris: half an hour more
    await world.outbox.flush()
    assert world.telegram.to("201") == []
    rows = [r for r in await world.rows() if r["kind"] == "check-in"]
    assert [r["not_before"] for r in rows] == [_utc(2026, 11, 23, 22, 30)]
    world.bot.clock.now = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)
    await world.outbox.flush()
    assert world.telegram.to("201") == ["A check-in"]


async def test_quiet_hours_that_now_cover_the_moment_hold_a_message_that_was_waiting_for_its_turn(world,  # noqa: F811
                                                                                                   lina):
    await _quiet(world, "No quiet hours")
    world.telegram.arrived.clear()
    member = await world.repos.members.get(lina)
    await world.bot.core.member_context(member).notify(lina, Reply(Markup("A second one")), kind="check-in")
    await _quiet(world, typed="22:30-07:00")  # typed before the sender picked it up
    await world.outbox.flush()
    assert "A second one" not in world.telegram.to("201")
    world.bot.clock.now = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # 07:00 in Paris
    await world.outbox.flush()
    assert "A second one" in world.telegram.to("201")


async def test_moving_to_another_time_zone_moves_the_end_of_quiet_hours(world, lina):  # noqa: F811
    await world.bot.say(LINA, "/timezone America/New_York")  # 17:00 there: not quiet hours
    await world.outbox.flush()
    assert world.telegram.to("201") == ["A check-in"]


async def test_a_message_waiting_to_be_tried_again_keeps_its_moment(world, lina):  # noqa: F811
    member = await world.repos.members.get(lina)
    later = _utc(2026, 11, 23, 22, 45)
    # A message put back after a platform error waits for its retry, whatever the quiet hours say.
    for waiting in await world.repos.outbox.claim(2 ** 40, 10, ("telegram",)):
        await world.repos.outbox.retry(waiting.id, later if waiting.kind == "check-in" else waiting.not_before)
    await world.bot.core.member_context(member).notify(lina, Reply(Markup("Session moved")), quiet=False)
    await world.outbox.flush()
    assert world.telegram.to("201") == ["Session moved"]
    await _quiet(world, "No quiet hours")
    rows = {r["kind"]: r for r in await world.rows()}
    assert rows["check-in"]["not_before"] == later and rows["check-in"]["state"] == "pending"
