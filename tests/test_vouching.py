"""Vouching in a closed network ([membership] vouches = 2): newcomers see and receive exactly what the README says
(no commitments shared with the network, not proposed as partners, only broadcasts meant for newcomers) until two
members vouch for them; the invite tree records who brought whom in, and blocking a branch blocks exactly it."""

from __future__ import annotations

import dataclasses

import pytest

from handlers.formatting import to_plain
from tests.test_forget_withdraws import _cast, _delivered, console  # noqa: F401
from tests.test_outbox import World, world  # noqa: F401  (the fixture)
from tests.test_partners import _search, _set


@pytest.fixture
async def closed(world, console):  # noqa: F811
    """Vouching on; Bob joined before it was turned on (a full member), the others are newcomers."""
    bot = world.bot
    bot.core.services.network = dataclasses.replace(bot.core.services.network, vouches=2)
    ids = await _cast(world)
    await bot.repos.db.execute("UPDATE members SET newcomer = 0 WHERE id = ?", (ids["bob"],))
    return bot, ids


async def texts(world, console, who: str, since: int) -> list[str]:  # noqa: F811
    await world.outbox.flush()
    return [to_plain(r.text) for r in _delivered(console, who, since)]


async def test_newcomers_see_and_receive_only_what_is_meant_for_them(world, console, closed):  # noqa: F811
    bot, ids = closed
    await bot.repos.commitments.create(ids["bob"], "VOUCH-SHARED", due_at=None, theme=None, region=None,
                                       visibility="network", now=world.now)
    said = await bot.text("lina", "/commitments network")
    assert "Once 2 members have vouched for you" in said and "VOUCH-SHARED" not in said
    assert "VOUCH-SHARED" in await bot.text("bob", "/commitments network")
    # Not proposed as partners: Bob's search finds none of the newcomers.
    await _search(bot, "bob", "theme:Detention region:Western Europe")
    assert not any(name in " ".join(bot.labels("bob")) for name in ("Lina", "Carla", "Dan"))
    # A broadcast to everyone skips newcomers; one to newcomers reaches only them.
    before = len(console.replies)
    await bot.text("admin", "/broadcast TO-EVERYONE")
    await bot.press("admin", "Send to")
    assert not any("TO-EVERYONE" in t for t in await texts(world, console, "lina", before))
    assert any("TO-EVERYONE" in t for t in await texts(world, console, "bob", before))
    await bot.text("admin", "/broadcast TO-NEWCOMERS")
    await bot.press("admin", "Roles")
    await bot.press("admin", "Newcomers")
    await bot.press("admin", "Back to the preview")
    assert "on its way to 3 members" in await bot.press_text("admin", "Send to")
    assert any("TO-NEWCOMERS" in t for t in await texts(world, console, "lina", before))
    assert not any("TO-NEWCOMERS" in t for t in await texts(world, console, "bob", before))


async def test_two_vouches_make_a_full_member(world, console, closed):  # noqa: F811
    bot, ids = closed
    told = await bot.text("lina", "/vouch #1")
    assert "You are a newcomer" in told and f"/vouch #{ids['lina']}" in told
    assert "No newcomer matches “#999”" in await bot.text("bob", "/vouch #999")
    full_member = await bot.text("bob", f"/vouch #{ids['admin']}")  # a full member reads like nobody
    assert f"No newcomer matches “#{ids['admin']}”" in full_member
    assert "1 vouch of the 2 needed" in await bot.text("bob", f"/vouch #{ids['lina']}")
    assert "already vouched" in await bot.text("bob", "/vouch Lina")
    before = len(console.replies)
    assert "is now a full member" in await bot.text("admin", "/vouch Lina")
    assert any("you are now a full member" in t for t in await texts(world, console, "lina", before))
    assert "Once 2 members" not in await bot.text("lina", "/commitments network")
    actions = [(e.action, e.subject_id) for e in await bot.repos.audit.recent(5)]
    assert ("member.vouched_in", ids["lina"]) in actions


async def test_the_invite_tree_and_blocking_exactly_a_branch(world, console, closed):  # noqa: F811
    bot, ids = closed
    code = (await bot.text("bob", "/invite 2")).split("Invite code: ")[1].split()[0]
    for who, name in (("eve", "Eve"), ("fay", "Fay")):
        await bot.join(who, code=code, name=name)
    ids["eve"], ids["fay"] = (await bot.member("eve")).id, (await bot.member("fay")).id
    await _set(bot, "eve", themes=("detention",))
    tree = await bot.text("admin", "/tree")
    assert f"#{ids['bob']} Bob" in tree and f"└ #{ids['eve']} Eve (newcomer, 0 of 2 vouches)" in tree
    offered = await bot.text("admin", f"/branch #{ids['bob']}")
    assert "3 members would be blocked" in offered
    assert all(name in offered for name in ("Bob", "Eve", "Fay")) and "Lina" not in offered
    assert "Nobody was blocked" in await bot.press_text("admin", "Cancel")
    await bot.say("admin", f"/branch #{ids['bob']}")
    assert "3 members blocked" in await bot.press_text("admin", "Block 3 members")
    blocked = {m for m in ids if (await bot.member(m)).blocked}
    assert blocked == {"bob", "eve", "fay"}
    assert "Nobody in that branch" in await bot.text("admin", f"/branch #{ids['bob']}")
    # An organiser cannot block the admin's branch: everyone in it of a lower role only.
    assert "Only organisers can do that." in await bot.text("lina", f"/branch #{ids['admin']}")
