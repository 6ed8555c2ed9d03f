"""Delivering what the bot sends on its own (not a direct reply), through the durable outbox.

The core queues messages (`deliver`, or `deliver_in` inside its own transaction); `Outbox` expands each into one
row per account the member wants it on, and a sender task claims ready rows, sends them through the platform
adapters at a pace each platform accepts, and records every outcome:

- sent: done;
- the account refuses the bot (403: blocked, DMs closed): it is marked unreachable there, and the message goes
  to the member's other accounts when it was meant for one platform only;
- rate limited (429): the platform pauses for `retry_after` and the row waits as long;
- not sent (no connection, a 5xx): tried again later with growing waits, up to `MAX_ATTEMPTS`;
- maybe sent (a timeout after the request left): never sent again, so nobody is told twice;
- refused as a message (a 400): recorded as failed.

Rows claimed when the process died go back to pending on start: at most one more send, never none.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from typing import Any, Protocol

from handlers.core import Clock, system_clock
from handlers.events import Outgoing, Person, Reply, reply_from_dict, reply_to_dict
from storage import Repositories
from storage.outbox import NewMessage, OutboxItem, OutboxRepository

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
CLAIM = 500  # rows claimed at once
SETTLE_EVERY = 200  # deliveries recorded in one transaction
KEEP_OUTCOMES = 7 * 24 * 3600  # outcome rows (no message text left in them) are purged after a week


class NotSent(Exception):
    """The message certainly did not arrive (no connection, a server error): safe to send again."""


class MaybeSent(Exception):
    """The request left but no answer came (a read timeout): it may have arrived, so it is not sent again."""


class Rejected(Exception):
    """The platform refused this message itself (a 400): sending it again would not help."""


class Unreachable(Exception):
    """The account refuses messages from the bot (blocked it, closed its DMs, left)."""


class RetryLater(Exception):
    """The platform asks to wait (429) before anything more is sent."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class Adapter(Protocol):
    """What the delivery layer needs from a platform adapter."""

    platform: str

    async def send(self, person: Person, reply: Reply) -> None:
        """Send one message to one account; raise NotSent, MaybeSent, Unreachable or RetryLater."""


class Pace:
    """A token bucket: at most `rate` messages a second overall (bursts of `burst`), and for group chats (ids
    starting with '-') at most `per_group` a minute each; `pause` stops everything for a while (a 429)."""

    def __init__(self, rate: float | None, burst: int = 1, per_group: float | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.per_group, self.monotonic = rate, max(burst, 1), per_group, monotonic
        self._next = 0.0  # the moment the next message may start, in the bucket's virtual time
        self._groups: dict[str, float] = {}
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self.monotonic() + seconds)

    def reserve(self, chat: str) -> float:
        """Take a slot; how long to wait before sending (slots are handed out in order, so no one starves)."""
        now = self.monotonic()
        start = max(now, self._paused_until)
        if self.rate:
            interval = 1 / self.rate
            self._next = max(self._next, start - (self.burst - 1) * interval)
            start = max(start, self._next)
            self._next += interval
        if self.per_group and chat.startswith("-"):
            start = max(start, self._groups.get(chat, 0.0))
            self._groups[chat] = start + 60 / self.per_group
        return max(0.0, start - now)

    async def acquire(self, chat: str) -> None:
        while (wait := self.reserve(chat)) > 0:
            await asyncio.sleep(wait)
            if self.monotonic() >= self._paused_until:
                return
            # A 429 arrived while waiting: take a new turn after the pause, so the messages that were waiting go
            # at the pace again rather than all at once when it ends.


# Telegram: about 30 messages a second overall, 20 a minute into one group. Discord: discord.py follows the
# buckets Discord announces; the global limit is 50 requests a second.
DEFAULT_PACES: dict[str, Callable[[], Pace]] = {
    # A hair under 30 and no burst, so that no sliding one-second window ever holds 31.
    "telegram": lambda: Pace(29.5, burst=1, per_group=20),
    "discord": lambda: Pace(45, burst=5),
}


class Outbox:
    """The delivery port over the outbox table, and the task that empties it."""

    def __init__(self, repos: Repositories, clock: Clock = system_clock, *, concurrency: int = 16,
                 paces: dict[str, Pace] | None = None) -> None:
        self.repos = repos
        self.clock = clock
        self.adapters: dict[str, Adapter] = {}
        self.paces: dict[str, Pace] = dict(paces or {})
        self.concurrency = concurrency
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.on_sent: Callable[[OutboxItem, float], None] | None = None  # measurement hook (benchmarks)

    def register(self, adapter: Adapter) -> None:
        """Make a platform reachable."""
        self.adapters[adapter.platform] = adapter
        if adapter.platform not in self.paces:
            make = DEFAULT_PACES.get(adapter.platform)
            self.paces[adapter.platform] = make() if make else Pace(None)

    def _now(self) -> int:
        return int(self.clock().timestamp())

    # --- queueing (the core's Delivery port) ---------------------------------------------------------------

    async def deliver(self, member_id: int, reply: Reply, *, kind: str = "notice",
                      not_before: int | None = None) -> None:
        """Queue one message for a member and have it sent."""
        now = self._now()
        async with self.repos.db.transaction() as conn:
            await self.deliver_in(conn, [Outgoing(member_id, reply, kind, not_before)], now)
        self.wake()

    async def deliver_in(self, conn: Any, messages: list[Outgoing], now: int) -> None:
        """Queue messages within the caller's open transaction: one row per account each should reach."""
        if not messages:
            return
        ids = sorted({m.member_id for m in messages})
        accounts: dict[int, tuple[str, list[tuple[str, str]]]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            async with conn.execute(
                f"SELECT m.id, m.notify_on, i.platform, i.external_id FROM members m JOIN identities i "
                f"ON i.member_id = m.id WHERE m.id IN ({','.join('?' * len(chunk))}) "
                f"AND i.unreachable_since IS NULL ORDER BY i.platform", chunk,
            ) as cursor:
                for member_id, notify_on, platform, external_id in await cursor.fetchall():
                    if platform in self.adapters:
                        accounts.setdefault(member_id, (notify_on, []))[1].append((platform, external_id))
        rows: list[NewMessage] = []
        for message in messages:
            preference, usable = accounts.get(message.member_id, ("all", []))
            body = reply_to_dict(message.reply)
            when = max(message.not_before or now, now)
            preferred = [a for a in usable if a[0] == preference]
            targets = usable if preference == "all" or not preferred else preferred
            fallback = len(targets) < len(usable)
            if not targets:
                log.info("a %s has no reachable account to go to", message.kind)
            rows += [NewMessage(message.member_id, p, e, message.kind, body, when, fallback) for p, e in targets]
        await OutboxRepository.add_in(conn, rows, now)

    def wake(self) -> None:
        """Something is ready: the sender looks now rather than at its next timer."""
        self._wake.set()

    # --- sending -------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Put back what a crash left half-sent, then send in the background until `stop`."""
        recovered = await self.repos.outbox.recover()
        if recovered:
            log.warning("%d messages were being sent when the bot stopped; sending them again", recovered)
        self._task = asyncio.create_task(self._run(), name="outbox")

    async def stop(self) -> None:
        self._closing = True
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
            self._task = None

    async def _run(self) -> None:
        while not self._closing:
            self._wake.clear()
            try:
                sent = await self.send_ready()
            except Exception:
                log.exception("the outbox sender failed; trying again shortly")
                sent = 0
                await asyncio.sleep(1)
            if sent:
                continue
            next_at = await self.repos.outbox.next_ready(tuple(self.adapters))
            timeout = 60.0 if next_at is None else min(60.0, max(0.05, next_at - self.clock().timestamp()))
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except TimeoutError:
                pass

    async def flush(self) -> int:
        """Send everything ready now (tests and the console use this with their own clock); how many rows."""
        total = 0
        while sent := await self.send_ready():
            total += sent
        return total

    async def send_ready(self) -> int:
        """Claim ready rows and send them, several at a time, each platform at its own pace."""
        items = await self.repos.outbox.claim(self._now(), CLAIM, tuple(self.adapters))
        if not items:
            return 0
        # Each platform has its own share of concurrent sends: one that makes its messages wait (its pace, a 429)
        # does not hold up the others.
        limits = {platform: asyncio.Semaphore(self.concurrency) for platform in {i.platform for i in items}}
        # Deliveries are recorded a group at a time (one transaction for up to SETTLE_EVERY rows, or after a
        # second), not one commit each; a crash before a group is written sends that group once more, never zero.
        sent: list[int] = []
        last = time.monotonic()

        async def record() -> None:
            nonlocal last
            group, sent[:] = list(sent), []
            last = time.monotonic()
            if group:
                await self.repos.outbox.settle_many(group, "sent", self._now())

        async def one(item: OutboxItem) -> None:
            async with limits[item.platform]:
                if await self._send(item):
                    sent.append(item.id)
                    if len(sent) >= SETTLE_EVERY or time.monotonic() - last >= 1.0:
                        await record()

        await asyncio.gather(*(one(item) for item in items))
        await record()
        return len(items)

    async def _send(self, item: OutboxItem) -> bool:
        """Send one claimed row; True when it was delivered (the caller records that), else its outcome is
        recorded here."""
        adapter = self.adapters.get(item.platform)
        outbox = self.repos.outbox
        if adapter is None:  # the platform stopped since the row was claimed
            await outbox.retry(item.id, self._now() + 60)
            return False
        person = Person(item.platform, item.external_id)
        await self.paces[item.platform].acquire(item.external_id)
        try:
            await adapter.send(person, reply_from_dict(item.body))
        except Unreachable:
            now = self._now()
            await self.repos.members.set_reachable(item.platform, item.external_id, False, now)
            await outbox.settle(item.id, "unreachable", now)
            if item.fallback and item.member_id is not None:
                await self._fall_back(item, now)
        except RetryLater as wait:
            self.paces[item.platform].pause(wait.seconds)
            await outbox.retry(item.id, self._now() + math.ceil(wait.seconds))
            log.info("%s asked to wait %.1f s", item.platform, wait.seconds)
        except Rejected:
            await outbox.settle(item.id, "failed", self._now())
            log.error("%s refused a %s message", item.platform, item.kind)
        except MaybeSent:
            await outbox.settle(item.id, "uncertain", self._now())
            log.warning("a %s message may not have arrived (timeout after sending); not sending it twice",
                        item.platform)
        except Exception as exc:  # NotSent, or anything unforeseen: try again later, but not for ever
            if item.attempts >= MAX_ATTEMPTS:
                await outbox.settle(item.id, "failed", self._now())
                log.error("a %s message failed %d times (%s); given up", item.platform, item.attempts,
                          type(exc).__name__)
            else:
                await outbox.retry(item.id, self._now() + min(2 ** item.attempts, 600))
                log.info("a %s message was not sent (%s); trying again", item.platform, type(exc).__name__)
        else:
            if self.on_sent is not None:
                self.on_sent(item, time.time())
            return True
        return False

    async def _fall_back(self, item: OutboxItem, now: int) -> None:
        """The one platform the member chose refused: their other reachable accounts get the message."""
        others = [i for i in await self.repos.members.identities(item.member_id or 0)
                  if i.platform != item.platform and i.unreachable_since is None and i.platform in self.adapters]
        await self.repos.outbox.add(
            [NewMessage(item.member_id, i.platform, i.external_id, item.kind, item.body, now) for i in others], now)
        if others:
            self.wake()

    async def purge(self) -> int:
        """Drop outcome rows older than a week."""
        return await self.repos.outbox.purge(self._now() - KEEP_OUTCOMES)

