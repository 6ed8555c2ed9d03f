"""The outbox: what the bot sends on its own reaches each member where they chose, once, at a pace the platforms
accept, whatever the platforms answer.

Most tests run against `FakePlatform`, an in-process platform that records when each message arrives, answers 429
itself when the bot goes over the platform's flood limits, and fails on request. Time is virtual: `VirtualTime`
replaces the outbox's sleeping and the pacing's monotonic clock, and moves the test's wall clock along, so a 30 s
back-off takes no real time. The last tests go through the real Telegram adapter (against the in-process Bot API
with its spec checks) and the real Discord adapter (through SimCord).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
import pytest
from markupsafe import Markup

from bot import delivery as outbox_module
from bot.delivery import MAX_ATTEMPTS, MaybeSent, NotSent, Outbox, Pace, Rejected, RetryLater, Unreachable
from handlers.events import Person, Reply
from handlers.formatting import to_plain
from storage.outbox import NewMessage
from tests.conftest import Bot, build_bot

_real_sleep = asyncio.sleep
EPSILON = 1e-6  # slots k/rate apart add up with rounding errors; windows are measured to the microsecond


class VirtualTime:
    """Time that passes only when the code under test sleeps.

    Stands in for the `asyncio` module inside `bot.delivery` (everything but `sleep` is the real one) and gives
    `Pace` its monotonic clock. Sleepers wake in the order of their deadlines, and the test's wall clock moves
    forward with virtual time, so the outbox's `not_before` moments and the pacing agree. Time does not move while
    a query of the watched database is under way (it runs in aiosqlite's thread, not as a sleeper): a sender that
    reads its row again after its turn sends at the moment of its turn, as it would in real time.
    """

    def __init__(self, clock) -> None:
        self.clock = clock
        self.now = 1000.0
        self._sleepers: list[tuple[float, int]] = []
        self._order = itertools.count()
        self.reads: set[asyncio.Future[None]] = set()  # reads of the watched database under way

    def watch(self, db) -> None:
        """Count the database's reads as work under way, during which time stands still. (Only reads: a write may
        wait for the writer, held by a task that sleeps.)"""
        time = self

        def counted(method):
            async def run(*args, **kwargs):
                done = asyncio.get_running_loop().create_future()
                time.reads.add(done)
                try:
                    return await method(*args, **kwargs)
                finally:
                    time.reads.discard(done)
                    done.set_result(None)
            return run

        for name in ("fetch_all", "fetch_one", "fetch_keyed"):
            setattr(db, name, counted(getattr(db, name)))

    @contextlib.asynccontextmanager
    async def standing_still(self):
        """Time stands still inside the block (work another process does while this one waits for it)."""
        done = asyncio.get_running_loop().create_future()
        self.reads.add(done)
        try:
            yield
        finally:
            self.reads.discard(done)
            done.set_result(None)

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        entry = (self.now + max(0.0, seconds), next(self._order))
        heapq.heappush(self._sleepers, entry)
        while True:
            for _ in range(3):  # let the other tasks reach their own sleep first
                await _real_sleep(0)
            while self.reads:  # and the reads under way come back
                await asyncio.wait(set(self.reads))
                for _ in range(3):
                    await _real_sleep(0)
            if self._sleepers[0] == entry:
                break
        heapq.heappop(self._sleepers)
        if entry[0] > self.now:
            self.clock.advance(seconds=entry[0] - self.now)
            self.now = entry[0]

    def __getattr__(self, name: str):
        return getattr(asyncio, name)


class FakePlatform:
    """A platform's side of delivery: records each message that arrives (chat, text, virtual moment), answers 429
    when the bot goes over its flood limits (counted in `flooded`), and raises the failures a test queues."""

    def __init__(self, platform: str, time: VirtualTime, *, per_second: int | None = None,
                 per_group_minute: int | None = None) -> None:
        self.platform = platform
        self.time = time
        self.per_second, self.per_group_minute = per_second, per_group_minute
        self.arrived: list[tuple[str, str, float]] = []
        self.replies: list[tuple[str, Reply]] = []  # what arrived, with its buttons
        self.attempts: list[tuple[str, float]] = []
        self.faults: dict[str, list[Exception]] = {}
        self.flooded = 0

    def fail(self, chat: str, *errors: Exception) -> None:
        """The next attempts to this chat meet these errors, in order."""
        self.faults.setdefault(chat, []).extend(errors)

    def to(self, chat: str) -> list[str]:
        """What arrived in a chat."""
        return [text for c, text, _ in self.arrived if c == chat]

    def times(self, chat: str | None = None) -> list[float]:
        return [t for c, _, t in self.arrived if chat is None or c == chat]

    async def send(self, person: Person, reply: Reply) -> None:
        assert person.platform == self.platform
        now, chat = self.time.monotonic(), person.external_id
        self.attempts.append((chat, now))
        if self.faults.get(chat):
            error = self.faults[chat].pop(0)
            if isinstance(error, MaybeSent):  # the request arrived; its answer did not
                self.arrived.append((chat, to_plain(reply.text), now))
            raise error
        if self._over_limit(chat, now):
            self.flooded += 1
            raise RetryLater(1)
        self.arrived.append((chat, to_plain(reply.text), now))
        self.replies.append((chat, reply))

    def _over_limit(self, chat: str, now: float) -> bool:
        if self.per_second and len([t for t in self.times() if t > now - 1 + EPSILON]) >= self.per_second:
            return True
        return bool(chat.startswith("-") and self.per_group_minute and len(
            [t for t in self.times(chat) if t > now - 60 + EPSILON]) >= self.per_group_minute)


def most_in_any_window(times: list[float], seconds: float) -> int:
    """The most moments that fall in any window of `seconds` (to the microsecond)."""
    times = sorted(times)
    best, first = 0, 0
    for last, moment in enumerate(times):
        while moment - times[first] > seconds - EPSILON:
            first += 1
        best = max(best, last - first + 1)
    return best


@dataclass
class World:
    bot: Bot
    outbox: Outbox
    time: VirtualTime
    telegram: FakePlatform
    discord: FakePlatform

    @property
    def repos(self):
        return self.bot.repos

    @property
    def now(self) -> int:
        return int(self.bot.clock().timestamp())

    def advance(self, seconds: float) -> None:
        """Wall-clock and monotonic time pass without anything sleeping (the bot was idle)."""
        self.bot.clock.advance(seconds=seconds)
        self.time.now += seconds

    async def member(self, *, telegram: str | None = None, discord: str | None = None, notify: str = "all",
                     timezone: str | None = None) -> int:
        """A member with these accounts, who chose with /notify where their notifications go."""
        return await add_member(self.repos, self.now, telegram=telegram, discord=discord, notify=notify,
                                timezone=timezone)

    async def rows(self) -> list[dict]:
        return await outbox_rows(self.repos)

    async def send(self, member_id: int, text: str, **kw) -> None:
        await self.outbox.deliver(member_id, Reply(Markup(text)), **kw)


async def add_member(repos, now: int, *, telegram: str | None = None, discord: str | None = None,
                     notify: str = "all", timezone: str | None = None) -> int:
    accounts = [(p, e) for p, e in (("telegram", telegram), ("discord", discord)) if e is not None]
    member = await repos.members.create(*accounts[0], now)
    for platform, external_id in accounts[1:]:  # linked as /link does
        _code, issued = await repos.links.create(member.id, accounts[0][0], now)
        assert await repos.links.join(issued.code_hash, kept_member_id=member.id, platform=platform,
                                      external_id=external_id, replaced_member_id=None, forget_audiences=[],
                                      now=now) == "linked"
    if notify != "all":
        await repos.members.set_notify_on(member.id, notify, now)
    if timezone is not None:
        await repos.members.set_field(member.id, "timezone", timezone, now)
    return member.id


async def outbox_rows(repos) -> list[dict]:
    """Every row of the outbox as stored (its sealed values opened), which is what these tests are about: each
    message's state and attempts, and that its text is gone once its outcome is known."""
    rows = await repos.db.fetch_all(
        "SELECT id, member_id, platform, address, kind, body, state, not_before, attempts, created_at, done_at "
        "FROM outbox ORDER BY id")
    opened = repos.db.keyring.open  # where it goes and what it says are sealed (storage/sealing.py)
    return [{**dict(row), "external_id": opened(row["address"]), "body": opened(row["body"])} for row in rows]


@pytest.fixture
async def world(db_path, monkeypatch):
    bot, db = await build_bot(db_path)
    time = VirtualTime(bot.clock)
    time.watch(db)
    monkeypatch.setattr(outbox_module, "asyncio", time)
    telegram = FakePlatform("telegram", time, per_second=30, per_group_minute=20)
    discord = FakePlatform("discord", time, per_second=50)
    outbox = Outbox(bot.repos, bot.clock, paces={
        "telegram": Pace(30, per_group=20, monotonic=time.monotonic),
        "discord": Pace(45, monotonic=time.monotonic)})
    outbox.register(telegram)
    outbox.register(discord)
    bot.core.services.delivery = outbox
    yield World(bot, outbox, time, telegram, discord)
    await db.close()


# --- where a message goes -------------------------------------------------------------------------------------


async def test_a_message_reaches_each_account_the_member_chose_exactly_once_and_leaves_no_text_behind(world):
    everywhere = await world.member(telegram="101", discord="201")
    discord_only = await world.member(telegram="102", discord="202", notify="discord")
    telegram_only = await world.member(telegram="103", discord="203", notify="telegram")
    await world.send(everywhere, "Meeting at <b>10:00</b>")
    await world.send(discord_only, "Meeting at 11:00")
    await world.send(telegram_only, "Meeting at 12:00")
    assert await world.outbox.flush() == 4
    assert world.telegram.to("101") == ["Meeting at 10:00"] and world.discord.to("201") == ["Meeting at 10:00"]
    assert world.telegram.to("102") == [] and world.discord.to("202") == ["Meeting at 11:00"]
    assert world.telegram.to("103") == ["Meeting at 12:00"] and world.discord.to("203") == []
    rows = await world.rows()
    assert [r["state"] for r in rows] == ["sent"] * 4
    assert all(r["body"] is None and r["done_at"] is not None and r["attempts"] == 1 for r in rows)
    # Nothing is sent twice, whatever happens later.
    world.advance(3600)
    assert await world.outbox.flush() == 0
    assert len(world.telegram.arrived) == 2 and len(world.discord.arrived) == 2


async def test_a_message_for_a_platform_the_member_cannot_be_reached_on_goes_to_their_other_account(world):
    member = await world.member(telegram="101", discord="201", notify="telegram")
    await world.repos.members.set_reachable("telegram", "101", False, world.now)
    await world.send(member, "Notice")
    await world.outbox.flush()
    assert world.discord.to("201") == ["Notice"] and world.telegram.attempts == []


async def test_a_member_with_no_reachable_account_gets_no_row_and_nothing_is_attempted(world):
    member = await world.member(telegram="101")
    await world.repos.members.set_reachable("telegram", "101", False, world.now)
    await world.send(member, "Notice")
    assert await world.rows() == []
    assert await world.outbox.flush() == 0 and world.telegram.attempts == []


# --- 403: the account refuses the bot ---------------------------------------------------------------------------


async def test_an_account_that_refuses_the_bot_is_marked_unreachable_and_the_chosen_platform_falls_back(world):
    member = await world.member(telegram="101", discord="201", notify="telegram")
    world.telegram.fail("101", Unreachable())
    await world.send(member, "Session moved")
    await world.outbox.flush()
    identities = {i.platform: i for i in await world.repos.members.identities(member)}
    assert identities["telegram"].unreachable_since == world.now
    assert identities["discord"].unreachable_since is None
    assert world.discord.to("201") == ["Session moved"] and world.telegram.to("101") == []
    rows = await world.rows()
    assert [(r["platform"], r["state"]) for r in rows] == [("telegram", "unreachable"), ("discord", "sent")]
    assert all(r["body"] is None for r in rows)
    # Nothing goes to the refusing account again: not this message, not the next ones.
    world.advance(86400)
    await world.send(member, "Second notice")
    await world.outbox.flush()
    assert [c for c, _ in world.telegram.attempts] == ["101"]
    assert world.discord.to("201") == ["Session moved", "Second notice"]


async def test_a_refusal_on_one_of_all_accounts_does_not_send_a_second_copy_elsewhere(world):
    member = await world.member(telegram="101", discord="201")
    world.telegram.fail("101", Unreachable())
    await world.send(member, "Notice")
    await world.outbox.flush()
    assert world.discord.to("201") == ["Notice"]
    assert sorted(r["state"] for r in await world.rows()) == ["sent", "unreachable"]


# --- 429: the platform asks to wait -------------------------------------------------------------------------------


async def test_a_429_holds_back_its_message_and_everything_else_on_the_platform_for_retry_after(world):
    members = [await world.member(telegram=str(200 + i)) for i in range(60)]
    world.telegram.fail("215", RetryLater(5))
    for member in members:
        await world.send(member, "Notice")
    created, started = world.now, world.time.now
    assert await world.outbox.send_ready() == 60
    refused = [t for chat, t in world.telegram.attempts if chat == "215"][0]
    row = (await world.rows())[15]
    assert row["external_id"] == "215" and row["state"] == "pending"
    assert row["not_before"] >= created + (refused - started) + 5  # not a second early
    # Nothing went to Telegram during the pause, and after it the others went at the pace, not all at once.
    assert [t for t in world.telegram.times() if refused < t < refused + 5 - EPSILON] == []
    assert len(world.telegram.arrived) == 59 and most_in_any_window(world.telegram.times(), 1.0) <= 30
    world.advance(row["not_before"] - world.now)
    await world.outbox.flush()
    assert world.telegram.to("215") == ["Notice"]
    row = (await world.rows())[15]
    assert row["state"] == "sent" and row["attempts"] == 2
    assert world.telegram.flooded == 0


async def test_two_429s_in_a_row_pause_the_whole_platform_for_retry_after(world):
    members = [await world.member(telegram=str(200 + i)) for i in range(60)]
    world.telegram.fail("215", RetryLater(5))
    world.telegram.fail("216", RetryLater(5))  # the next answer is a 429 too: the platform's overall limit
    world.outbox.concurrency = 100  # enough senders that many already hold their turn when the 429s come
    for member in members:
        await world.send(member, "Notice")
    await world.outbox.flush()
    second = [t for chat, t in world.telegram.attempts if chat == "216"][0]
    # Nothing went to Telegram during the pause, and after it sending resumed at the pace, not all at once.
    assert [t for t in world.telegram.times() if second < t < second + 5 - EPSILON] == []
    assert world.telegram.flooded == 0
    assert most_in_any_window(world.telegram.times(), 1.0) <= 30
    # The two refused messages went once each, after the pause.
    assert all(world.telegram.to(str(200 + i)) == ["Notice"] for i in range(60))
    assert min(world.telegram.times("215") + world.telegram.times("216")) >= second + 5 - EPSILON


async def test_a_429_from_one_platform_does_not_hold_up_the_other(world):
    on_telegram = [await world.member(telegram=str(200 + i)) for i in range(40)]
    on_discord = [await world.member(discord=str(300 + i)) for i in range(10)]
    world.telegram.fail("200", RetryLater(30))  # Telegram pauses as a whole
    started = world.time.now
    for member in on_telegram + on_discord:
        await world.send(member, "Notice")
    await world.outbox.flush()
    assert len(world.discord.arrived) == 10 and max(world.discord.times()) < started + 1
    assert min(world.telegram.times()) >= started + 30 and len(world.telegram.arrived) == 40
    assert [t for chat, t in world.telegram.attempts if t < started + 30] == [started]


# --- not sent (5xx, no connection): tried again with growing waits ---------------------------------------------------


async def test_a_message_that_was_not_sent_is_tried_again_later_with_growing_waits_and_arrives_once(world):
    member = await world.member(telegram="101")
    world.telegram.fail("101", NotSent(), NotSent(), NotSent())
    await world.send(member, "Notice")
    waits = []
    for _ in range(3):
        before = world.now
        await world.outbox.flush()
        row = (await world.rows())[0]
        assert row["state"] == "pending" and row["body"] is not None
        waits.append(row["not_before"] - before)
        world.advance(row["not_before"] - world.now - 1)
        assert await world.outbox.flush() == 0  # not a second early
        world.advance(1)
    assert waits == [2, 4, 8]
    await world.outbox.flush()
    assert world.telegram.to("101") == ["Notice"] and len(world.telegram.attempts) == 4
    row = (await world.rows())[0]
    assert row["state"] == "sent" and row["attempts"] == 4 and row["body"] is None


async def test_a_message_that_never_gets_through_is_given_up_after_max_attempts(world):
    member = await world.member(telegram="101")
    world.telegram.fail("101", *[NotSent() for _ in range(100)])
    await world.send(member, "Notice")
    for _ in range(MAX_ATTEMPTS + 3):
        await world.outbox.flush()
        world.advance(3600)
    row = (await world.rows())[0]
    assert row["state"] == "failed" and row["attempts"] == MAX_ATTEMPTS and row["body"] is None
    assert len(world.telegram.attempts) == MAX_ATTEMPTS and world.telegram.arrived == []


async def test_a_message_refused_as_such_is_failed_at_once(world):
    member = await world.member(telegram="101")
    world.telegram.fail("101", Rejected())
    await world.send(member, "Notice")
    await world.outbox.flush()
    world.advance(86400)
    await world.outbox.flush()
    assert [r["state"] for r in await world.rows()] == ["failed"] and len(world.telegram.attempts) == 1


# --- maybe sent (a timeout after the request left): never twice ------------------------------------------------------


async def test_a_timeout_after_the_request_left_is_uncertain_and_never_sent_again(world):
    member = await world.member(telegram="101", discord="201")
    world.telegram.fail("101", MaybeSent())
    await world.send(member, "Notice")
    await world.outbox.flush()
    world.advance(86400)
    await world.outbox.flush()
    assert world.telegram.to("101") == ["Notice"]  # it had arrived: the member has it once
    assert len(world.telegram.attempts) == 1
    rows = {r["platform"]: r for r in await world.rows()}
    assert rows["telegram"]["state"] == "uncertain" and rows["telegram"]["body"] is None
    assert rows["discord"]["state"] == "sent"
    identity = await world.repos.members.identity("telegram", "101")
    assert identity.unreachable_since is None


# --- a crash while sending ----------------------------------------------------------------------------------------


async def test_messages_claimed_when_the_bot_crashed_are_sent_once_more_on_start(db_path):
    bot, db = await build_bot(db_path)
    try:
        ids = [await add_member(bot.repos, int(bot.clock().timestamp()), telegram=str(100 + i)) for i in range(3)]
        before_crash = Outbox(bot.repos, bot.clock)
        before_crash.register(_Recording("telegram"))
        for member in ids:
            await before_crash.deliver(member, Reply(Markup("Notice")))
        now = int(bot.clock().timestamp())
        claimed = await bot.repos.outbox.claim(now, 2, ("telegram",))  # the sender took two, then the process died
        assert len(claimed) == 2
        del before_crash
        assert (await bot.repos.outbox.counts()) == {"sending": 2, "pending": 1}

        after = Outbox(bot.repos, bot.clock)
        platform = _Recording("telegram")
        after.register(platform)
        await after.start()
        try:
            for _ in range(200):
                if (await bot.repos.outbox.counts()) == {"sent": 3}:
                    break
                await asyncio.sleep(0.005)
        finally:
            await after.stop()
        assert sorted(platform.sent) == ["100", "101", "102"]  # each once more, none lost
        rows = await outbox_rows(bot.repos)
        assert sorted(r["attempts"] for r in rows) == [1, 2, 2]

        again = Outbox(bot.repos, bot.clock)
        again.register(platform)
        await again.start()
        try:
            assert await again.flush() == 0 and len(platform.sent) == 3  # a second restart sends nothing again
        finally:
            await again.stop()
    finally:
        await db.close()


class _Recording:
    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.sent: list[str] = []

    async def send(self, person: Person, reply: Reply) -> None:
        self.sent.append(person.external_id)


# --- pacing ---------------------------------------------------------------------------------------------------------


async def test_telegram_is_sent_at_most_30_messages_in_any_second_and_no_slower(world):
    members = [await world.member(telegram=str(1000 + i)) for i in range(200)]
    for member in members:
        await world.send(member, "Broadcast")
    started = world.time.now
    assert await world.outbox.flush() == 200
    times = world.telegram.times()
    assert len(times) == 200 and world.telegram.flooded == 0
    assert most_in_any_window(times, 1.0) == 30
    assert max(times) - started < 200 / 30 + 0.1  # at the pace, not slower


async def test_a_group_chat_gets_at_most_20_messages_a_minute(world):
    members = [await world.member(telegram=str(1000 + i)) for i in range(30)]
    for member in members:
        await world.send(member, "Private")
    for i in range(45):
        await world.outbox.repos.outbox.add([NewMessage(None, "telegram", "-100500", "notice", {"text": f"g{i}"},
                                                        world.now)], world.now)
    started = world.time.now
    await world.outbox.flush()
    group = world.telegram.times("-100500")
    assert len(group) == 45 and world.telegram.flooded == 0
    assert most_in_any_window(group, 60.0) <= 20
    assert world.telegram.to("-100500") == [f"g{i}" for i in range(45)]  # in order
    private = [t for c, _, t in world.telegram.arrived if not c.startswith("-")]
    assert len(private) == 30 and max(private) - started < 1.1


# --- quiet hours ----------------------------------------------------------------------------------------------------


async def test_an_unrequested_message_at_23h_local_waits_until_08h_local(world):
    member_id = await world.member(telegram="101", timezone="Europe/Paris")
    world.bot.clock.now = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # 23:00 in Paris
    member = await world.repos.members.get(member_id)
    ctx = world.bot.core.member_context(member)
    await ctx.notify(member_id, Reply(Markup("A check-in")), kind="check-in")
    await ctx.notify(member_id, Reply(Markup("You asked for this")), quiet=False)
    eight_in_paris = int(datetime(2026, 11, 24, 7, 0, tzinfo=UTC).timestamp())
    rows = await world.rows()
    assert [(r["kind"], r["not_before"]) for r in rows] == [("check-in", eight_in_paris),
                                                            ("notice", world.now)]
    await world.outbox.flush()
    assert world.telegram.to("101") == ["You asked for this"]
    world.bot.clock.now = datetime(2026, 11, 24, 6, 59, 59, tzinfo=UTC)
    assert await world.outbox.flush() == 0
    world.bot.clock.now = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    await world.outbox.flush()
    assert world.telegram.to("101") == ["You asked for this", "A check-in"]


# --- through the real Telegram adapter ----------------------------------------------------------------------------

CHAT = 7001


@pytest.fixture
async def telegram(db_path, monkeypatch):
    from tests.telegram_fake import FakeBotApi
    from tests.test_telegram_adapter import make_adapter

    bot, db = await build_bot(db_path)
    time = VirtualTime(bot.clock)
    time.watch(db)
    monkeypatch.setattr(outbox_module, "asyncio", time)
    api = FakeBotApi()
    adapter = make_adapter(bot, api)
    outbox = Outbox(bot.repos, bot.clock, paces={"telegram": Pace(30, per_group=20, monotonic=time.monotonic)})
    outbox.register(adapter)
    bot.core.services.delivery = outbox
    await adapter.app.initialize()
    member = await add_member(bot.repos, int(bot.clock().timestamp()), telegram=str(CHAT))
    await outbox.deliver(member, Reply(Markup("<b>Session moved</b> to 10:00")))
    yield api, outbox, bot
    await adapter.app.shutdown()
    await db.close()
    assert not api.violations, "calls that break the Bot API spec:\n" + "\n".join(api.violations)


async def _state(bot) -> tuple[str, int]:
    row = (await outbox_rows(bot.repos))[0]
    return row["state"], row["not_before"] - int(bot.clock().timestamp())


async def test_telegram_blocked_by_the_user_is_unreachable(telegram):
    api, outbox, bot = telegram
    api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    await outbox.flush()
    assert (await _state(bot))[0] == "unreachable"
    assert (await bot.repos.members.identity("telegram", str(CHAT))).unreachable_since is not None
    bot.clock.advance(days=1)
    await outbox.flush()
    assert len(api.sent(CHAT)) == 1 and api.delivered(CHAT) == []


async def test_telegram_429_waits_retry_after_and_then_sends_once(telegram):
    api, outbox, bot = telegram
    api.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    assert await outbox.send_ready() == 1
    assert await _state(bot) == ("pending", 7)
    bot.clock.advance(seconds=7)
    await outbox.flush()
    assert (await _state(bot))[0] == "sent"
    assert api.delivered(CHAT) == ["Session moved to 10:00"] and len(api.sent(CHAT)) == 2


@pytest.mark.parametrize("fault", ["502", "connection refused"])
async def test_telegram_server_errors_and_refused_connections_are_tried_again_and_arrive_once(telegram, fault):
    api, outbox, bot = telegram
    if fault == "502":
        api.fail("sendMessage", 502, "Bad Gateway")
    else:
        api.refuse_connection("sendMessage")
    await outbox.flush()
    assert await _state(bot) == ("pending", 2)
    bot.clock.advance(seconds=2)
    await outbox.flush()
    assert (await _state(bot))[0] == "sent" and api.delivered(CHAT) == ["Session moved to 10:00"]


async def test_telegram_502_with_an_html_page_is_tried_again(telegram):
    api, outbox, bot = telegram
    api.fail("sendMessage", 502, "Bad Gateway", html=True)
    await outbox.flush()
    assert await _state(bot) == ("pending", 2)


async def test_telegram_read_timeout_after_the_message_arrived_is_never_sent_again(telegram):
    api, outbox, bot = telegram
    api.answer_late("sendMessage")
    await outbox.flush()
    bot.clock.advance(days=1)
    await outbox.flush()
    assert (await _state(bot))[0] == "uncertain"
    assert api.delivered(CHAT) == ["Session moved to 10:00"]  # exactly one copy


async def test_telegram_bad_request_is_failed_without_retrying(telegram):
    api, outbox, bot = telegram
    api.fail("sendMessage", 400, "Bad Request: chat not found")
    await outbox.flush()
    bot.clock.advance(days=1)
    await outbox.flush()
    assert (await _state(bot))[0] == "failed" and len(api.sent(CHAT)) == 1


# --- through the real Discord adapter -----------------------------------------------------------------------------


async def _discord_case(db_path, monkeypatch, setup):
    from tests.test_discord_adapter import discord_session

    async with discord_session(db_path) as s:
        alice = s.person("alice")
        member = await add_member(s.bot.repos, int(s.bot.clock().timestamp()), discord=str(alice.id))
        outbox = Outbox(s.bot.repos, s.bot.clock)
        outbox.register(s.adapter)
        await outbox.deliver(member, Reply(Markup("<b>Session moved</b> to Monday")))
        setup(s, monkeypatch)
        await outbox.flush()
        await s.env.settle()
        first = await _state(s.bot)
        s.bot.clock.advance(days=1)
        await outbox.flush()
        await s.env.settle()
        final = (await _state(s.bot))[0]
        dm = s.env.backend.get_dm_channel(alice.id)
        arrived = [m.content for m in s.env.backend.messages.get(dm.id, {}).values()]
        identity = await s.bot.repos.members.identity("discord", str(alice.id))
        return first, final, arrived, identity.unreachable_since is not None


def _fail_message_posts(error: Exception, *, after_arriving: bool):
    """Make the next message POST meet `error`, before it reaches Discord or after it arrived."""

    def setup(s, monkeypatch):
        http = s.adapter.client.http
        real = http.request
        pending = [error]

        async def request(route, **kwargs):
            if pending and route.method == "POST" and route.path.endswith("/messages"):
                failure = pending.pop()
                if after_arriving:
                    await real(route, **kwargs)
                raise failure
            return await real(route, **kwargs)

        monkeypatch.setattr(http, "request", request)

    return setup


def _refused_connection() -> aiohttp.ClientConnectorError:
    from aiohttp.client_reqrep import ConnectionKey

    key = ConnectionKey("discord.com", 443, True, True, None, None, None, None)
    return aiohttp.ClientConnectorError(key, ConnectionRefusedError(111, "Connection refused"))


async def test_discord_closed_dms_make_the_account_unreachable(db_path, monkeypatch):
    def setup(s, _):
        s.env.inject_error("POST", "/channels/*/messages", status=403, code=50007,
                           message="Cannot send messages to this user")

    first, final, arrived, unreachable = await _discord_case(db_path, monkeypatch, setup)
    assert first[0] == final == "unreachable" and unreachable and arrived == []


async def test_discord_server_error_is_tried_again_and_arrives_once(db_path, monkeypatch):
    def setup(s, _):
        s.env.inject_error("POST", "/channels/*/messages", status=500)

    first, final, arrived, unreachable = await _discord_case(db_path, monkeypatch, setup)
    assert first == ("pending", 2) and final == "sent"
    assert arrived == ["**Session moved** to Monday"] and not unreachable


async def test_discord_refused_connection_is_tried_again_and_arrives_once(db_path, monkeypatch):
    setup = _fail_message_posts(_refused_connection(), after_arriving=False)
    first, final, arrived, _ = await _discord_case(db_path, monkeypatch, setup)
    assert first == ("pending", 2) and final == "sent" and arrived == ["**Session moved** to Monday"]


async def test_discord_timeout_after_the_message_arrived_is_never_sent_again(db_path, monkeypatch):
    setup = _fail_message_posts(TimeoutError(), after_arriving=True)
    first, final, arrived, unreachable = await _discord_case(db_path, monkeypatch, setup)
    assert first[0] == final == "uncertain" and arrived == ["**Session moved** to Monday"] and not unreachable


async def test_discord_bad_request_is_failed_without_retrying(db_path, monkeypatch):
    def setup(s, _):
        s.env.inject_error("POST", "/channels/*/messages", status=400, code=50035, message="Invalid Form Body")

    first, final, arrived, _ = await _discord_case(db_path, monkeypatch, setup)
    assert first[0] == final == "failed" and arrived == []
