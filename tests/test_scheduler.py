"""Due things: each due row becomes its message in the outbox exactly once, in one transaction with its removal and
its handler's changes, and APScheduler wakes the bot at the right moment (also for what fell due while it was down).

A due kind of its own ("test.ping") is registered for these tests; what its handler does depends on the row's
`detail`.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from markupsafe import Markup

from bot.delivery import Outbox
from bot.scheduler import LOOKAHEAD, Scheduler
from handlers.core import RETRY_DUE, Fire, Router, system_clock
from handlers.events import Person, Reply
from handlers.formatting import to_plain
from storage.schedule import DueItem
from tests.conftest import build_bot

KIND = "test.ping"
CALLS: list[tuple[int, str | None]] = []  # (subject, detail) of each time the handler ran


def _mark(ctx, member_id: int, text: str):
    """A change that lands with the item's message: the member is left at a step named `text`."""
    async def change(conn) -> None:
        await ctx.repos.conversations.put_in(conn, member_id, "scheduler-test", text, {}, 0)
    return change


async def _broken_change(conn) -> None:
    raise RuntimeError("the change failed")


async def ping(ctx, item: DueItem) -> Fire | None:
    CALLS.append((item.subject_id, item.detail))
    reply = Reply(Markup("Ping {}").format(item.subject_id))
    if item.detail == "handler fails":
        raise RuntimeError("the handler failed")
    if item.detail == "change fails":
        return Fire(reply, changes=(_mark(ctx, item.member_id, "half done"), _broken_change))
    if item.detail == "quiet":
        return Fire(reply, quiet=True, kind="check-in")
    if item.detail == "nothing":
        return None
    if item.detail == "slow":  # takes until the next row falls due
        await asyncio.sleep(max(0.0, item.due_at + 1 - time.time()) + 0.05)
    return Fire(reply, kind="reminder", changes=(_mark(ctx, item.member_id, f"pinged {item.subject_id}"),))


PINGS = Router("pings")  # a kind of due item of the tests' own
PINGS.due(KIND)(ping)


class Recording:
    """A platform that takes every message, noting when it arrived (real time)."""

    platform = "telegram"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, float]] = []

    async def send(self, person: Person, reply: Reply) -> None:
        self.sent.append((person.external_id, to_plain(reply.text), time.time()))

    def texts(self) -> list[str]:
        return [text for _, text, _ in self.sent]


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()
    yield
    CALLS.clear()


@pytest.fixture
async def world(db_path):
    bot, db = await build_bot(db_path, extra=(PINGS,))
    platform = Recording()
    outbox = Outbox(bot.repos, bot.clock)
    outbox.register(platform)
    bot.core.services.delivery = outbox
    member = await bot.repos.members.create("telegram", "101", _now(bot))
    yield bot, outbox, platform, member
    await db.close()


def _now(bot) -> int:
    return int(bot.clock().timestamp())


async def _schedule(bot, member, due_at: int, subject: int = 1, detail: str | None = None) -> None:
    ctx = bot.core.member_context(await bot.repos.members.get(member.id))
    await ctx.schedule(KIND, subject, due_at, detail=detail)


async def _outbox(bot) -> list[dict]:
    """Every member's messages in the outbox, member by member."""
    return [{"member_id": member.id, **row} for member in await bot.repos.members.search("")
            for row in await bot.repos.outbox.for_member(member.id)]


async def _schedule_rows(bot) -> list[tuple[int, int, str | None]]:
    return [(d.subject_id, d.due_at, d.detail) for d in await bot.repos.schedule.due(2 ** 40, limit=1000)]


# --- Core.run_due ---------------------------------------------------------------------------------------------------


async def test_a_due_row_becomes_one_outbox_message_and_disappears_with_its_handlers_changes(world):
    bot, outbox, platform, member = world
    now = _now(bot)
    await _schedule(bot, member, now - 5, subject=7)
    assert await bot.core.run_due(now) == 1
    assert CALLS == [(7, None)]
    rows = await _outbox(bot)
    assert [(r["member_id"], r["kind"], r["state"], r["not_before"]) for r in rows] == [
        (member.id, "reminder", "pending", now)]
    assert await _schedule_rows(bot) == []
    assert (await bot.repos.conversations.get(member.id)).step == "pinged 7"
    assert await bot.core.run_due(now + 3600) == 0 and len(CALLS) == 1  # handled once
    await outbox.flush()
    assert platform.texts() == ["Ping 7"]


async def test_rows_two_clocks_handle_at_once_are_queued_once(world):
    """Two processes that both believe for a moment that they keep time (one frozen, then woken after the other
    took over) handle the same rows: whichever writes second finds them gone and writes nothing."""
    bot, outbox, platform, member = world
    now = _now(bot)
    for subject in range(1, 6):
        await _schedule(bot, member, now - 5, subject=subject)
    await asyncio.gather(bot.core.run_due(now), bot.core.run_due(now))
    assert len(CALLS) == 10  # both handlers ran …
    rows = await _outbox(bot)
    assert sorted(r["kind"] for r in rows) == ["reminder"] * 5  # … but each message is queued once
    assert await _schedule_rows(bot) == []
    await outbox.flush()
    assert sorted(platform.texts()) == [f"Ping {n}" for n in range(1, 6)]


async def test_a_row_not_yet_due_is_left_alone_until_its_moment(world):
    bot, outbox, platform, member = world
    now = _now(bot)
    await _schedule(bot, member, now + 60)
    assert await bot.core.run_due(now + 59) == 0
    assert CALLS == [] and await _outbox(bot) == [] and len(await _schedule_rows(bot)) == 1
    assert await bot.core.run_due(now + 60) == 1 and len(await _outbox(bot)) == 1


async def test_a_change_that_fails_leaves_nothing_half_done_and_holds_up_nothing_else(world):
    bot, outbox, platform, member = world
    now = _now(bot)
    await _schedule(bot, member, now, subject=1, detail="change fails")
    await _schedule(bot, member, now, subject=2)
    assert await bot.core.run_due(now) == 2
    # The failing item's row stays, to be tried again later; nothing of it was written.
    assert await _schedule_rows(bot) == [(1, now + RETRY_DUE, "change fails")]
    # Its first change was rolled back; the other item's change stands.
    assert (await bot.repos.conversations.get(member.id)).step == "pinged 2"
    assert len(await _outbox(bot)) == 1  # the other item's message went into the outbox all the same


async def test_a_handler_that_fails_postpones_its_row_and_the_others_still_go(world):
    bot, outbox, platform, member = world
    armed: list[int] = []
    bot.core.services.schedule_listeners.append(armed.append)
    now = _now(bot)
    await _schedule(bot, member, now - 1, subject=1, detail="handler fails")
    await _schedule(bot, member, now - 1, subject=2)
    assert await bot.core.run_due(now) == 2
    assert await _schedule_rows(bot) == [(1, now + RETRY_DUE, "handler fails")]
    assert [r["kind"] for r in await _outbox(bot)] == ["reminder"]
    assert armed[-1] == now + RETRY_DUE  # the scheduler is told when to try it again
    assert await bot.core.run_due(now + RETRY_DUE - 1) == 0
    assert await bot.core.run_due(now + RETRY_DUE) == 1 and CALLS.count((1, "handler fails")) == 2


async def test_rows_of_an_erased_member_are_dropped_and_nothing_is_sent(world):
    bot, outbox, platform, member = world
    now = _now(bot)
    other = await bot.repos.members.create("telegram", "202", now)
    await _schedule(bot, member, now - 1, subject=1)
    await _schedule(bot, other, now - 1, subject=2)
    async with bot.repos.db.transaction() as conn:
        await bot.repos.members.delete_in(conn, other.id)
    # A row whose member went while it was being read (its removal did not take the row with it).
    await bot.repos.db.execute("PRAGMA foreign_keys = OFF")
    try:
        await bot.repos.db.execute(
            "INSERT INTO schedule (due_at, kind, subject_id, member_id) VALUES (?, ?, 3, 999)", (now - 1, KIND))
    finally:
        await bot.repos.db.execute("PRAGMA foreign_keys = ON")
    assert await bot.core.run_due(now) == 2
    assert CALLS == [(1, None)]
    assert [r["member_id"] for r in await _outbox(bot)] == [member.id]
    assert await bot.repos.outbox.counts() == {"pending": 1}  # and nothing for anyone else
    assert await _schedule_rows(bot) == []


async def test_a_due_message_the_member_did_not_ask_for_waits_for_quiet_hours_and_others_do_not(world):
    bot, outbox, platform, member = world
    await bot.repos.members.set_field(member.id, "timezone", "Europe/Paris", _now(bot))
    bot.clock.now = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # 23:00 in Paris
    now = _now(bot)
    await _schedule(bot, member, now, subject=1, detail="quiet")
    await _schedule(bot, member, now, subject=2)  # Fire(quiet=False): a reminder the member set
    await bot.core.run_due(now)
    eight_in_paris = int(datetime(2026, 11, 24, 7, 0, tzinfo=UTC).timestamp())
    assert [(r["kind"], r["not_before"]) for r in await _outbox(bot)] == [
        ("check-in", eight_in_paris), ("reminder", now)]
    await outbox.flush()
    assert platform.texts() == ["Ping 2"]


# --- the APScheduler wiring -----------------------------------------------------------------------------------------


@pytest.fixture
async def later(db_path):
    """A bot whose clock is a day ahead of the machine's: the timer is armed, and never fires during the test."""
    bot, db = await build_bot(db_path, extra=(PINGS,))
    bot.clock.now = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    platform = Recording()
    outbox = Outbox(bot.repos, bot.clock)
    outbox.register(platform)
    bot.core.services.delivery = outbox
    member = await bot.repos.members.create("telegram", "101", _now(bot))
    scheduler = Scheduler(bot.core, outbox)
    yield bot, scheduler, platform, member
    await scheduler.stop()
    await db.close()


def _at(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


async def test_scheduling_arms_the_timer_at_that_moment_and_something_earlier_rearms_it(later):
    bot, scheduler, platform, member = later
    await scheduler.start()
    assert scheduler.next_wake() is None  # nothing is due at all
    now = _now(bot)
    await _schedule(bot, member, now + 3600)
    assert scheduler.next_wake() == _at(now + 3600 - LOOKAHEAD)
    await _schedule(bot, member, now + 600)
    assert scheduler.next_wake() == _at(now + 600 - LOOKAHEAD)
    await _schedule(bot, member, now + 1800)
    assert scheduler.next_wake() == _at(now + 600 - LOOKAHEAD)  # a later one leaves the timer alone
    await bot.repos.schedule.add(KIND, 9, member.id, now + 300)
    bot.core.services.scheduled(now + 300)
    assert scheduler.next_wake() == _at(now + 300 - LOOKAHEAD)
    # The timer fires LOOKAHEAD seconds early, so that a burst is ready on time.
    # A job that runs late (the machine slept) still runs: no misfire grace time.
    jobs = scheduler.aps.get_jobs()
    assert {job.id for job in jobs} == {"wake", "sweep", "housekeeping"}
    assert all(job.misfire_grace_time is None for job in jobs)
    assert CALLS == []


async def test_rows_that_fell_due_while_the_bot_was_down_are_handled_once_at_start(later):
    bot, scheduler, platform, member = later
    now = _now(bot)
    await bot.repos.schedule.add(KIND, 1, member.id, now - 86400)
    await bot.repos.schedule.add(KIND, 2, member.id, now - 60)
    await bot.repos.schedule.add(KIND, 3, member.id, now + 3600)
    await scheduler.start()
    assert sorted(CALLS) == [(1, None), (2, None)]
    assert await _schedule_rows(bot) == [(3, now + 3600, None)]
    assert scheduler.next_wake() == _at(now + 3600 - LOOKAHEAD)
    for _ in range(200):  # the outbox, started with the scheduler, sends them
        if len(platform.sent) == 2:
            break
        await asyncio.sleep(0.005)
    assert sorted(platform.texts()) == ["Ping 1", "Ping 2"]
    await scheduler.stop()

    again = Scheduler(bot.core, Outbox(bot.repos, bot.clock))  # and a second restart does not repeat them
    await again.start()
    await again.stop()
    assert len(CALLS) == 2 and len(await _outbox(bot)) == 2


async def test_an_item_that_cannot_be_written_is_tried_again_later_not_over_and_over(later):
    bot, scheduler, platform, member = later
    now = _now(bot)
    await bot.repos.schedule.add(KIND, 1, member.id, now - 1, "change fails")
    await scheduler.start()
    assert CALLS == [(1, "change fails")]
    assert await _schedule_rows(bot) == [(1, now + RETRY_DUE, "change fails")]
    assert scheduler.next_wake() == _at(now + RETRY_DUE - LOOKAHEAD)


async def test_the_running_scheduler_delivers_on_time_also_what_falls_due_during_a_run(db_path):
    """The one test in real time: the machine's clock, APScheduler's own timer, about a second and a half."""
    bot, db = await build_bot(db_path, extra=(PINGS,))
    bot.clock = bot.core.services.clock = system_clock
    platform = Recording()
    outbox = Outbox(bot.repos, system_clock)
    outbox.register(platform)
    bot.core.services.delivery = outbox
    scheduler = Scheduler(bot.core, outbox)
    try:
        member = await bot.repos.members.create("telegram", "101", int(time.time()))
        await scheduler.start()
        started = time.time()
        first = int(started + 0.2)  # due 0.2 s from now, in the whole seconds the schedule keeps
        await _schedule(bot, member, first, subject=1, detail="slow")  # its handler runs until the next is due
        await _schedule(bot, member, first + 1, subject=2)
        deadline = started + 3
        while len(platform.sent) < 2 and time.time() < deadline:
            await asyncio.sleep(0.01)
        arrived = {text: at for _, text, at in platform.sent}
        assert arrived["Ping 1"] - started < 2
        # The second fell due while the first was being handled: it goes right after, not at the next sweep.
        assert arrived.get("Ping 2", deadline) - (first + 1) < 0.5
        assert [subject for subject, _ in CALLS] == [1, 2]
    finally:
        await scheduler.stop()
        await db.close()
