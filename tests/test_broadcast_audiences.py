"""Broadcast audiences by role take in everyone who holds at least that role, and /broadcast status says why what
is pending has not gone yet.

Same world as test_broadcasts.py: Amina (organiser, telegram 100), Lina (201), Bob (discord 301), Carla (202), Dan
(203 and discord 303); here Ada (telegram 150) is an admin named in the settings.
"""

from __future__ import annotations

import pytest

from bot.delivery import NotSent
from tests.test_broadcasts import AMINA, _choose, _compose, _got, _network, _person, net  # noqa: F401
from tests.test_outbox import World, world  # noqa: F401  (the fixture)

ADA = "telegram:150"


@pytest.fixture
async def with_admin(world: World, net) -> dict[str, int]:  # noqa: F811
    ids = dict(net)
    ids["ada"] = await _person(world, telegram="150")
    _network(world, admins=frozenset({ADA}))
    return ids


async def test_the_organisers_audience_takes_in_the_admins(world, with_admin):  # noqa: F811
    await _compose(world, "Organisers' meeting moved")
    preview = await _choose(world, "Roles", "Organisers")
    assert "roles: organisers and admins" in preview
    assert "Reaches: 2 members" in preview  # Amina and Ada
    await world.bot.press(AMINA, "Send to 2")
    await world.outbox.flush()
    assert len(_got(world, "150")) == 1 and len(_got(world, "100")) == 1
    assert _got(world, "201") == [] and _got(world, "301", "discord") == []


async def test_the_members_audience_is_everyone_organisers_and_admins_included(world, with_admin):  # noqa: F811
    everyone = "Reaches: 6 members"
    assert everyone in await _compose(world)
    assert everyone in await _choose(world, "Roles", "Members")
    assert everyone in await _choose(world, "Roles", "Organisers")  # both ticked: still everyone


async def test_status_says_why_a_message_is_still_pending(world, net):  # noqa: F811
    await world.repos.members.set_quiet_hours(net["lina"], 480, 600, world.now)  # 08:00-10:00 UTC; it is 09:00
    world.telegram.fail("202", NotSent())  # Carla's message meets a platform error
    await _compose(world)
    await world.bot.press(AMINA, "Send to")
    await world.outbox.send_ready()
    status = await world.bot.text(AMINA, "/broadcast status 1")
    assert "Telegram: delivered 2 · pending 2 · failed 0" in status
    assert "waiting for the end of quiet hours (1)" in status
    assert "retrying after a platform error (1)" in status
    world.advance(3600)
    await world.outbox.flush()
    assert "Telegram: delivered 4 · pending 0" in await world.bot.text(AMINA, "/broadcast status 1")


async def test_counts_of_one_read_as_one(world, net):  # noqa: F811
    from tests.test_broadcasts import _organiser

    _network(world, broadcast_approval_above=1, broadcast_daily_quota=1)
    await _organiser(world, "telegram:150")
    preview = await _compose(world)
    assert "More than 1 member: a second organiser must approve it" in preview
    waiting = await world.bot.press_text(AMINA, "Send to")
    assert "I asked 1 organiser; I will tell you when they answer." in waiting
    await world.outbox.flush()
    await _compose(world, "Another")
    assert "already started 1 broadcast in the last 24 hours" in await world.bot.press_text(AMINA, "Send to")
