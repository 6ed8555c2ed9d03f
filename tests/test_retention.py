"""Data that expires: with the clock moved forward, each kind goes at its period ([retention]) and not before, swept by
the clock's housekeeping; /partners stops showing an introduction's contact lines; /export says how long each is
kept."""

from __future__ import annotations

import json

from bot.scheduler import Scheduler
from handlers.network import Retention
from tests.test_forget_withdraws import _cast, _press_on_delivered, console  # noqa: F401
from tests.test_outbox import World, world  # noqa: F401  (the fixture)
from tests.test_partners import _ask

DAY = 86400
PERIODS = Retention()


async def counts(bot) -> dict[str, int]:
    found = {}
    for name, sql in (("done commitments", "SELECT count(*) FROM commitments WHERE status = 'done'"),
                      ("open commitments", "SELECT count(*) FROM commitments WHERE status = 'open'"),
                      ("searches", "SELECT count(*) FROM partner_requests"),
                      ("unmade introductions", "SELECT count(*) FROM introductions WHERE status = 'lapsed'"),
                      ("introductions", "SELECT count(*) FROM introductions WHERE status = 'introduced'"),
                      ("notes", "SELECT count(*) FROM introductions WHERE note != ''"),
                      ("audit", "SELECT count(*) FROM audit"),
                      ("conversations", "SELECT count(*) FROM conversations")):
        found[name] = (await bot.repos.db.fetch_one(sql))[0]
    return found


async def sweep(world) -> None:
    """The clock's housekeeping, as the running bot does it once an hour."""
    scheduler = Scheduler(world.bot.core, world.outbox)
    await scheduler.cluster.start()  # the one process keeping time does the housekeeping
    try:
        await scheduler.housekeeping()
    finally:
        await scheduler.cluster.stop()


async def test_each_kind_of_data_goes_at_its_period_and_not_before(world, console):  # noqa: F811
    bot, ids = world.bot, await _cast(world)
    start = world.now
    # A commitment done now, one still open; Lina and Dan introduced (with a note); Carla asked by Bob, no answer;
    # a question Dan leaves unanswered; the audit rows of the cast (invites, a promotion).
    number = await bot.repos.commitments.create(ids["lina"], "x", due_at=None, theme=None, region=None,
                                                visibility="network", now=start)
    await bot.repos.commitments.set_status(number, ids["lina"], "done", start)
    await bot.repos.commitments.create(ids["lina"], "y", due_at=None, theme=None, region=None, visibility="network",
                                       now=start)
    await _ask(bot, "lina", "Dan", note="RETENTION-NOTE")
    await world.outbox.flush()
    await _press_on_delivered(world, console, "dan", "Accept")
    await _ask(bot, "bob", "Carla")
    await bot.say("dan", "/profile")
    await bot.press("dan", "Name")  # a question waits for his answer
    world.advance(8 * DAY)
    await bot.core.run_due(world.now)  # Carla's request lapses
    await world.outbox.flush()
    first = await counts(bot)
    assert first["done commitments"] == 1 and first["unmade introductions"] == 1 and first["notes"] >= 1
    assert first["conversations"] >= 1 and first["audit"] >= 1
    assert "SIGNAL DAN-CONTACT".lower() in (await bot.text("lina", "/partners")).lower()

    def at(days: int) -> None:
        world.advance(start + days * DAY - world.now)

    at(PERIODS.conversations_days - 1)
    await sweep(world)
    assert (await counts(bot))["conversations"] == first["conversations"]
    at(PERIODS.conversations_days + 1)
    await sweep(world)
    assert (await counts(bot))["conversations"] == 0

    at(PERIODS.contact_days - 1)
    assert "DAN-CONTACT" in await bot.text("lina", "/partners")
    at(PERIODS.contact_days)
    shown = await bot.text("lina", "/partners")
    assert "DAN-CONTACT" not in shown and "contact: no longer kept" in shown

    at(PERIODS.requests_days - 1)
    await sweep(world)
    kept = await counts(bot)
    assert kept["searches"] == first["searches"] and kept["unmade introductions"] == 1 and kept["notes"] >= 1
    at(PERIODS.requests_days + 1)
    await sweep(world)
    kept = await counts(bot)
    assert kept["searches"] == 0 and kept["unmade introductions"] == 0 and kept["notes"] == 0
    assert kept["introductions"] == first["introductions"]  # who was introduced to whom stays, without the note

    at(PERIODS.closed_commitments_days - 1)
    await sweep(world)
    assert (await counts(bot))["done commitments"] == 1
    at(PERIODS.closed_commitments_days)
    await sweep(world)
    kept = await counts(bot)
    assert kept["done commitments"] == 0 and kept["open commitments"] == 1  # an open one is never swept

    audit_before = kept["audit"]
    at(PERIODS.audit_days - 1)
    await sweep(world)
    assert (await counts(bot))["audit"] == audit_before
    at(PERIODS.audit_days + 1)
    await sweep(world)
    assert (await counts(bot))["audit"] == 0


async def test_the_export_says_how_long_each_kind_is_kept(world, console):  # noqa: F811
    bot, _ids = world.bot, await _cast(world)
    data = json.loads((await bot.say("lina", "/export"))[0].attachment.content)
    kept = data["how_long_kept"]
    assert kept["done_and_dropped_commitments_days"] == PERIODS.closed_commitments_days
    assert kept["introductions_contact_lines_shown_days"] == PERIODS.contact_days
    assert kept["messages_kept_for_panic_hours"] == 48
