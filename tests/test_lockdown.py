"""/lockdown: an admin freezes the network at once. Each thing it names is blocked while it holds and works again
after /lockdown off: joining (with or without a code, a welcome shown before included), invites, broadcasts (also
one already on its way, held in the outbox), partner searches, introductions and accepting one, contact lines in
/partners. Every organiser is told, and the audit log records both moves."""

from __future__ import annotations

from handlers.formatting import to_plain
from tests.test_forget_withdraws import _cast, _delivered, _press_on_delivered, console  # noqa: F401
from tests.test_outbox import World, world  # noqa: F401  (the fixture)
from tests.test_partners import _ask, _code

PAUSED = "The network is locked down for now"


async def test_a_lockdown_blocks_what_it_names_and_lifting_it_releases_it(world, console):  # noqa: F811
    bot, ids = world.bot, await _cast(world)
    code = await _code(bot)
    await bot.say("newcomer", f"/start {code}")  # a welcome shown before the lockdown
    welcome = bot.last["newcomer"]
    # Lina and Dan were introduced before; Carla waits for Bob's answer.
    await _ask(bot, "lina", "Dan")
    await world.outbox.flush()
    await _press_on_delivered(world, console, "dan", "Accept")
    await _ask(bot, "carla", "Bob")
    await world.outbox.flush()
    # A broadcast on its way: queued, not yet sent to anyone.
    await bot.text("bob", "/broadcast LOCKDOWN-HELD-NEWS")
    assert "on its way" in await bot.press_text("bob", "Send to")
    before = len(console.replies)

    said = await bot.text("admin", "/lockdown")
    assert "The network is locked down." in said
    await world.outbox.flush()
    delivered = [(chat, to_plain(r.text)) for chat, r in console.replies[before:]]
    assert ("bob", delivered[0][1]) in delivered and "Amina locked the network down" in delivered[0][1]
    assert not any("LOCKDOWN-HELD-NEWS" in text for _chat, text in delivered)  # the broadcast waits
    assert [e.action for e in await bot.repos.audit.recent(5)][0] == "network.lockdown"
    assert "already locked down" in await bot.text("admin", "/lockdown")

    assert "not taking new members" in await bot.text("stranger", f"/start {code}")
    assert "not taking new members" in await bot.text("stranger2", "/start")
    bot.last["newcomer"] = welcome
    assert "not taking new members" in await bot.press_text("newcomer", "I understand")
    assert await bot.member("newcomer") is None
    assert PAUSED in await bot.text("bob", "/invite")
    assert PAUSED in await bot.text("bob", "/broadcast Another one")
    assert PAUSED in await bot.text("lina", "/partner theme:Detention")
    assert PAUSED in await bot.text("bob", f"/introduce #{ids['lina']} #{ids['carla']}")
    accepted = await _press_on_delivered(world, console, "bob", "Accept")
    assert PAUSED in accepted and "You can answer later from /partners." in accepted
    partners = await bot.text("lina", "/partners")
    assert "contact: hidden during the lockdown" in partners and "DAN-CONTACT" not in partners

    before = len(console.replies)
    assert "The lockdown is over" in await bot.text("admin", "/lockdown off")
    await world.outbox.flush()
    delivered = [(chat, to_plain(r.text)) for chat, r in console.replies[before:]]
    assert any(chat == "lina" and "LOCKDOWN-HELD-NEWS" in text for chat, text in delivered)  # released
    assert any(chat == "bob" and "ended the lockdown" in text for chat, text in delivered)
    assert [e.action for e in await bot.repos.audit.recent(5)][0] == "network.lockdown_off"
    assert "DAN-CONTACT" in await bot.text("lina", "/partners")
    assert "Invite code:" in await bot.text("bob", "/invite")
    await bot.say("bob", "/partners")
    await bot.press("bob", "Answer Carla")
    assert "How to reach Carla" in await bot.press_text("bob", "Accept")
    await bot.say("stranger", f"/start {code}")
    assert "I understand" in " ".join(bot.labels("stranger"))
    assert "not locked down" in await bot.text("admin", "/lockdown off")


async def test_only_admins_lock_down(world, console):  # noqa: F811
    bot, _ids = world.bot, await _cast(world)
    assert PAUSED not in await bot.text("bob", "/lockdown")  # an organiser, not an admin
    assert not await bot.repos.lockdown.active()
    assert "/lockdown off" in await bot.text("admin", "/lockdown please")  # not understood: how to use it
    assert not await bot.repos.lockdown.active()


async def test_broadcasts_held_by_a_lockdown_do_not_make_the_bot_look_stuck(world, console):  # noqa: F811
    bot, ids = world.bot, await _cast(world)
    from handlers.events import Reply
    from markupsafe import Markup

    await bot.text("admin", "/lockdown")
    await world.outbox.deliver(ids["lina"], Reply(Markup("held")), kind="broadcast")
    world.advance(600)
    await world.outbox.flush()
    held = await bot.repos.lockdown.held()
    assert held == ("broadcast",)
    assert (await bot.repos.outbox.backlog(world.now, held)).oldest_due_seconds == 0  # waiting on purpose
    assert (await bot.repos.outbox.backlog(world.now)).oldest_due_seconds >= 600
