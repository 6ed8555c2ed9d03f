"""Away until a date, members who never answer, and discreet notifications, through the real outbox to the console.

- /away holds check-ins, introduction requests, "did you connect?" and broadcasts until the day given (their own
  reminders still come unless they ask), keeps the member from being proposed as a partner, tells whoever asks for
  them the words any unavailable member's answer gives, and on the day (or with /away off) lets what waited go.
- Three introduction requests left to lapse in a row pause a member's matching, and they are told how to resume;
  an answer in between begins the count again.
- /discreet on: the first line of every message the bot sends on its own is neutral, in the member's language.
"""

from __future__ import annotations

from markupsafe import Markup

from handlers.events import Reply
from handlers.formatting import to_plain
from tests.test_forget_withdraws import _cast, _delivered, _press_on_delivered, console  # noqa: F401
from tests.test_outbox import World, world  # noqa: F401  (the fixture)
from tests.test_partners import _ask, _code, _search, _set

DAY = 86400


def texts(console, who: str, since: int = 0) -> list[str]:
    return [to_plain(r.text) for r in _delivered(console, who, since)]


async def test_away_holds_what_it_names_until_the_day_and_keeps_reminders(world, console):  # noqa: F811
    bot, ids = world.bot, await _cast(world)
    said = await bot.text("lina", "/away in 10 days")
    assert "Away until" in said and "Your own reminders still come" in said
    assert "You are away until" in await bot.text("lina", "/away")
    before = len(console.replies)
    # A broadcast, a reminder she set herself, a check-in: only the reminder comes now.
    await bot.text("bob", "/broadcast AWAY-HELD-NEWS")
    await bot.press("bob", "Send to")
    await bot.text("lina", "/remind in 1 hour call the lawyer")
    await bot.press("lina", "Set reminder")
    world.advance(2 * 3600)
    await bot.core.run_due(world.now)
    await world.outbox.deliver(ids["lina"], Reply(Markup("AWAY-CHECK-IN")), kind="check-in")
    await world.outbox.flush()
    got = texts(console, "lina", before)
    assert any("call the lawyer" in t for t in got)
    assert not any("AWAY-HELD-NEWS" in t or "AWAY-CHECK-IN" in t for t in got)
    assert any("AWAY-HELD-NEWS" in t for t in texts(console, "dan", before))  # others got it
    # Not proposed as a partner; an organiser's introduction gets the "not available" of anyone unavailable.
    found = await _search(bot, "carla", "theme:Detention region:Western Europe")
    assert "Lina" not in found and "Lina" not in " ".join(bot.labels("carla"))
    # On the day she gave, what waited goes out, and she is welcomed back.
    world.advance(10 * DAY)
    await bot.core.run_due(world.now)
    await world.outbox.flush()
    got = texts(console, "lina", before)
    assert any("AWAY-HELD-NEWS" in t for t in got) and any("AWAY-CHECK-IN" in t for t in got)
    assert any("Welcome back" in t for t in got)
    assert "You are not away." in await bot.text("lina", "/away")
    await _search(bot, "carla", "theme:Detention region:Western Europe")
    assert any("Lina" in label for label in bot.labels("carla"))


async def test_away_with_reminders_and_back_early(world, console):  # noqa: F811
    bot, ids = world.bot, await _cast(world)
    assert "Your own reminders wait too." in await bot.text("dan", "/away in 2 weeks reminders")
    before = len(console.replies)
    await bot.text("dan", "/remind in 1 hour call the lawyer")
    await bot.press("dan", "Set reminder")
    world.advance(2 * 3600)
    await bot.core.run_due(world.now)
    await world.outbox.flush()
    assert not any("call the lawyer" in t for t in texts(console, "dan", before))
    assert "Welcome back" in await bot.text("dan", "/away off")
    await world.outbox.flush()
    assert any("call the lawyer" in t for t in texts(console, "dan", before))
    assert "You are not away." in await bot.text("dan", "/away off")


async def test_away_refuses_a_date_in_the_past_or_unreadable_and_changes_nothing(world, console):  # noqa: F811
    bot, ids = world.bot, await _cast(world)
    assert "in the past" in await bot.text("lina", "/away 1 January 2020")
    assert "could not read" in await bot.text("lina", "/away <b>someday</b>")
    assert "You are not away." in await bot.text("lina", "/away")


async def test_three_requests_left_unanswered_pause_matching_and_an_answer_resets_the_count(world, console):  # noqa: F811
    bot, ids = world.bot, await _cast(world)
    for asker in ("bob", "dan", "lina"):
        await _ask(bot, asker, "Carla")
        await world.outbox.flush()
        if asker == "bob":  # she answers the first one: the count begins again after it
            await _press_on_delivered(world, console, "carla", "Not now")
    world.advance(8 * DAY)
    await bot.core.run_due(world.now)
    await world.outbox.flush()
    assert await bot.repos.partners.matching(ids["carla"])  # two silences only, once she had answered
    before = len(console.replies)
    await bot.join("eve", code=await _code(bot), name="Eve")
    await _set(bot, "eve", themes=("detention",), regions=("western-europe",), languages=("en",),
               kind="journalist-or-media")
    await _ask(bot, "eve", "Carla", "Dan")  # Dan answers nothing either, once
    await world.outbox.flush()
    world.advance(8 * DAY)
    await bot.core.run_due(world.now)
    await world.outbox.flush()
    assert not await bot.repos.partners.matching(ids["carla"])  # the third silence in a row
    told = [t for t in texts(console, "carla", before) if "no longer proposed" in t]
    assert len(told) == 1 and "/matching on" in told[0]
    assert await bot.repos.partners.matching(ids["dan"])
    found = await _search(bot, "bob", "theme:Detention region:Western Europe")
    assert "Carla" not in " ".join(bot.labels("bob")), found


async def test_discreet_notifications_begin_with_a_neutral_line_in_the_members_language(world, console):  # noqa: F811
    bot, ids = world.bot, await _cast(world)
    assert "Discreet notifications are on" in await bot.text("lina", "/discreet on")
    await bot.say("dan", "/language fr")
    await bot.text("dan", "/discreet on")
    before = len(console.replies)
    await bot.text("bob", "/broadcast DISCREET-NEWS")
    await bot.press("bob", "Send to")
    await world.outbox.flush()
    assert texts(console, "lina", before)[0].split("\n")[0] == "You have a new message."
    assert texts(console, "dan", before)[0].split("\n")[0] == "Vous avez un nouveau message."
    assert texts(console, "carla", before)[0].split("\n")[0] != "You have a new message."
    assert "DISCREET-NEWS" in texts(console, "lina", before)[0]
    assert "Discreet notifications are off" in await bot.text("lina", "/discreet off")
    assert "/discreet on or /discreet off" in await bot.text("lina", "/discreet maybe")
