"""Delivering what the bot sends on its own (not a direct reply) through the durable outbox, and the pace that
direct replies share with it.

The core queues messages (`deliver`, or `deliver_in` inside its own transaction); `Outbox` expands each into one
row per account the member wants it on, and a sender task claims ready rows, sends them through the platform
adapters at a pace each platform accepts, and records every outcome:

- sent: done;
- the account refuses the bot (403: blocked, DMs closed): it is marked unreachable there, and the message goes
  to the member's other accounts when it was meant for one platform only;
- rate limited (429): the row waits `retry_after`, and so does everything else sent to that platform, direct
  replies included (its `Pace` pauses);
- not sent (no connection, a 5xx): tried again later with growing waits, up to `MAX_ATTEMPTS`;
- maybe sent (a timeout after the request left): never sent again, so nobody is told twice;
- refused as a message (a 400): recorded as failed;
- a broadcast the member muted, or an organiser cancelled, by the moment it would go: skipped or cancelled; a message
  to or about a member who erased their data (/forget): withdrawn (checked in memory the instant before the
  request, so nothing goes out after a mute, a cancel or an erasure is committed).

Each platform has one `Pace`, shared by the outbox's sender and the adapter's direct replies (`send_reply`), which
go first; among several processes over one database, every turn is also reserved in the database
(`SharedTurns`), so the platform's cap holds for all of them together. Each platform has its own sender: it claims what is ready a couple of seconds' worth at a time (personal
messages before broadcasts), and keeps up to a second's worth of requests in flight. Every outcome is committed
before its send counts as done (outcomes of the same moment share one transaction).

Each claimed row records the process sending it. Rows claimed by a process that died go back to pending: on
start (an SQLite file serves one process), or once the other processes take it for dead (bot/cluster.py); at
most one more send, never none. Among several processes (PostgreSQL), each sends what it claims, and looks for
rows the others queued every `POLL` seconds when it has nothing to do.
"""

from __future__ import annotations

import asyncio
import bisect
import collections
import itertools
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, Protocol

from markupsafe import Markup, escape

from bot.cluster import Cluster
from bot.metrics import Metrics
from handlers.core import Clock, system_clock
from handlers.events import Outgoing, Person, Reply, reply_from_dict, reply_to_dict
from handlers.i18n import N_, SOURCE_LANGUAGE, language, plain
from storage import Repositories
from storage.members import MemberRepository
from storage.outbox import NewMessage, OutboxItem, choose_accounts
from storage.processes import ProcessRepository

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
CLAIM = 500  # the most rows claimed at once for one platform
AHEAD = 2.0  # a paced platform claims this many seconds' worth of messages at a time
IN_FLIGHT = 1.0  # and keeps up to this many seconds' worth of requests in flight
KEEP_OUTCOMES = 7 * 24 * 3600  # outcome rows (no message text left in them) are purged after a week
REPLY_PATIENCE = 120.0  # a direct reply that cannot get through is given up after this many seconds
POLL = 1.0  # among several processes, an idle sender looks for messages others queued this often (seconds)
STOP_PATIENCE = 3.0  # seconds the requests in flight get to finish when the bot stops
# What waits while a member is away (/away): check-ins, introduction requests, "did you connect?", broadcasts; and,
# when they asked, the reminders they set themselves and those of the sessions they follow.
AWAY_HOLDS = frozenset({"check-in", "introduction", "follow-up", "broadcast"})
REMINDERS = frozenset({"reminder", "session_reminder"})


def neutral_first(reply: Reply) -> Reply:
    """The reply for a member who asked for discreet notifications: its first line says only that there is a
    message (a locked phone shows the first line), in the language the reply is written in."""
    with language(reply.language or SOURCE_LANGUAGE):
        first = plain(N_("You have a new message."))
    return replace(reply, text=Markup(escape(first)) + Markup("\n\n") + reply.text)


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
    pace: Pace  # given by `Outbox.register`: the platform's one pace, which the adapter's direct replies share

    async def send(self, person: Person, reply: Reply) -> None:
        """Send one message to one account (its first request has had its turn at the pace); raise NotSent,
        MaybeSent, Unreachable or RetryLater."""


class Pace:
    """One platform's pace: everything the bot sends there takes a turn here first, the outbox's messages and the
    direct replies (the answers to commands and button presses) alike.

    - At most `per_second` requests in any `1 + margin` seconds, counted as they leave, one every
      `(1 + margin) / per_second` seconds. The platform counts its seconds as the requests arrive; the margin is
      room for the network and the event loop to delay one request more than another on the way.
    - Into a group chat (an id starting with '-'), at most `per_group` a minute.
    - `pause(seconds)`: a 429's retry_after; no turn is given until it is over.
    - An `urgent` turn (a direct reply) goes before every ordinary one that is waiting.
    - `leaving()`: where the HTTP client can say the moment a request is written to the network, the limit and
      the pause are kept there too: at most `per_second` written in any `1 + written_margin` seconds (room for the
      network alone). Between a turn and its write the event loop, or a busy machine, may hold one request back
      longer than the next, more than the margin covers; counted at the write, none slips through.
    """

    def __init__(self, per_second: int | None, per_group: int | None = None, *, margin: float = 0.0,
                 written_margin: float | None = None, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.per_second, self.per_group, self.monotonic = per_second, per_group, monotonic
        self.span = 1.0 + margin
        self.written_span = 1.0 + (margin if written_margin is None else written_margin)
        self.interval = self.span / per_second if per_second else 0.0
        self._recent: collections.deque[float] = collections.deque(maxlen=per_second or 1)  # the last turns
        self._written: collections.deque[float] = collections.deque(maxlen=per_second or 1)  # the last writes
        self._next = 0.0  # the moment the next turn is due
        self._paused_until = 0.0
        self._groups: dict[str, float] = {}  # group chat -> the moment its next turn is due
        self._group_locks: dict[str, asyncio.Lock] = {}
        self._line: list[tuple[int, int]] = []  # the turns waiting, first first: (0 urgent / 1 ordinary, number)
        self._numbers = itertools.count()
        self.shared: SharedTurns | None = None  # among several processes: the turns all of them take
        self.on_pause: Callable[[], object] | None = None  # told of each pause (counted for /metrics)

    def pause(self, seconds: float) -> None:
        if self.on_pause is not None:
            self.on_pause()
        self._paused_until = max(self._paused_until, self.monotonic() + seconds)
        if self.shared is not None:
            self.shared.pause(seconds)

    def _due(self) -> float:
        """The moment the first turn in line may go."""
        due = max(self._next, self._paused_until)
        if self.per_second and len(self._recent) == self._recent.maxlen:
            due = max(due, self._recent[0] + self.span)
        return due

    async def acquire(self, chat: str, *, urgent: bool = False) -> None:
        """Wait for this request's turn."""
        if not (self.per_group and chat.startswith("-")):
            await self._turn(urgent)
            return
        # A group chat's messages take their turns one at a time, in order, each a while after the one before went.
        lock = self._group_locks.setdefault(chat, asyncio.Lock())
        async with lock:
            if (wait := self._groups.get(chat, 0.0) - self.monotonic()) > 0:
                await asyncio.sleep(wait)
            await self._turn(urgent)
            self._groups[chat] = self.monotonic() + 60 / self.per_group

    async def leaving(self) -> None:
        """A request that had its turn is about to be written to the network: wait, if need be, until a pause
        begun since its turn is over and fewer than `per_second` were written in the last `1 + margin` seconds,
        and count it. The turns are spaced a little wider than that, so a request rarely waits here."""
        if not self.per_second:
            return
        while True:
            due = self._paused_until
            if len(self._written) == self._written.maxlen:
                due = max(due, self._written[0] + self.written_span)
            if (wait := due - self.monotonic()) <= 0:
                break
            await asyncio.sleep(wait)
        self._written.append(self.monotonic())

    async def _turn(self, urgent: bool) -> None:
        if not self.per_second:
            while (wait := self._paused_until - self.monotonic()) > 0:
                await asyncio.sleep(wait)
            return
        turn = (0 if urgent else 1, next(self._numbers))
        joined = self.monotonic()
        bisect.insort(self._line, turn)
        try:
            # Each waits until the moment its place in line comes due, then looks again: an urgent turn may have
            # gone ahead of it, or a pause begun, in the meantime. Only the first in line goes.
            while True:
                now = self.monotonic()
                wait = max(self._due(), now) + self._line.index(turn) * self.interval - now
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            if self.shared is not None:  # first in this process's line: now its turn among all the processes
                await self.shared.take()
        finally:
            self._line.remove(turn)
        now = self.monotonic()
        due = max(self._due(), joined)
        self._recent.append(now)
        # The next turn is due an interval after this one was due, so that a turn taken a little late (the event
        # loop was busy) does not make the next one late too; after a long stall, it is due at once.
        self._next = max(due + self.interval, now)


class SharedTurns:
    """One platform's turns among several processes over one database (PostgreSQL): the first in each process's
    line reserves the next turn in the database, an interval after the last turn any process reserved (and after
    a pause a 429 asked of any of them), and waits for it. So the platform's cap holds for all the processes
    together, and each process's own line (direct replies first, group chats' own pace) still orders its turns.
    """

    def __init__(self, processes: ProcessRepository, platform: str, interval: float) -> None:
        self.processes, self.platform, self.interval = processes, platform, interval
        self._pausing: set[asyncio.Task[None]] = set()

    async def take(self) -> None:
        delay = await self.processes.pace_turn(self.platform, self.interval)
        if delay > 0:
            await asyncio.sleep(delay)

    def pause(self, seconds: float) -> None:
        """Tell every process to wait (in the background: this process's own pace already waits)."""

        async def pause() -> None:
            try:
                await self.processes.pace_pause(self.platform, seconds)
            except Exception as exc:
                log.warning("could not share a %s pause with the other processes (%s)", self.platform,
                            type(exc).__name__)

        task = asyncio.create_task(pause())
        self._pausing.add(task)
        task.add_done_callback(self._pausing.discard)


async def send_reply(pace: Pace, chat: str, request: Callable[[], Awaitable[object]], platform: str) -> bool:
    """Send one request of a direct reply (the answer to a command or a button press) into a chat: it waits its
    turn at the platform's pace ahead of the outbox's messages, and is tried again like them when it certainly did
    not arrive: after a 429 (`RetryLater`: the whole platform waits out retry_after), or a server error or a
    connection never made (`NotSent`: growing waits). A timeout after the request left (`MaybeSent`) is not tried
    again: it may have arrived, and nobody gets a reply twice. After `REPLY_PATIENCE` seconds the reply is given up.

    True once sent; False when given up (logged, without the text). Other failures are the caller's."""
    deadline = pace.monotonic() + REPLY_PATIENCE
    backoff = 1.0
    while True:
        await pace.acquire(chat, urgent=True)
        try:
            await request()
            return True
        except RetryLater as wait:
            pace.pause(wait.seconds)
            why, delay = "asked to wait", 0.0  # the pause holds the next turn back
        except NotSent:
            why, delay = "not sent", backoff
            backoff *= 2
        except MaybeSent:
            log.warning("a %s reply may not have arrived (timeout after sending); not sending it twice", platform)
            return False
        if pace.monotonic() + delay >= deadline:
            log.error("a %s reply was lost: still %s after %.0f s of trying", platform, why, REPLY_PATIENCE)
            return False
        await asyncio.sleep(delay)


# Telegram: 30 messages a second overall (turns spaced with a margin for the way to the network, writes counted with
# a smaller one for the network alone), 20 a minute into one group.
# Discord: discord.py follows the buckets Discord announces; the global limit is 50 requests a second.
DEFAULT_PACES: dict[str, Callable[[], Pace]] = {
    "telegram": lambda: Pace(30, per_group=20, margin=0.04, written_margin=0.02),
    "discord": lambda: Pace(45),
}


class Outbox:
    """The delivery port over the outbox table, and the senders that empty it (one per platform)."""

    def __init__(self, repos: Repositories, clock: Clock = system_clock, *, concurrency: int = 64,
                 paces: dict[str, Pace] | None = None, cluster: Cluster | None = None,
                 metrics: Metrics | None = None) -> None:
        self.repos = repos
        self.metrics = metrics or Metrics()
        # The process whose claims these are: the app's, or one of its own for an outbox on its own (SQLite).
        self._own_cluster = cluster is None
        self.cluster = cluster or Cluster(repos, alone=True)
        self.clock = clock
        self.adapters: dict[str, Adapter] = {}
        self.paces: dict[str, Pace] = dict(paces or {})
        self.concurrency = concurrency  # requests in flight per platform, at least (more for a fast pace)
        self._wakes: dict[str, asyncio.Event] = {}
        self._loops: dict[str, asyncio.Task[None]] = {}
        self._connected: set[str] = set()  # registered platforms whose adapter is up: their messages go out
        self._started = False
        self._closing = False
        self.on_sent: Callable[[OutboxItem, float], None] | None = None  # measurement hook (benchmarks)

    def register(self, adapter: Adapter, *, connected: bool = True) -> None:
        """Make a platform reachable: messages are queued for it, and sent once it is `connected` (now, or when
        `connected(platform)` says so; until then they wait). The adapter gets the platform's pace, which its
        direct replies share."""
        self.adapters[adapter.platform] = adapter
        if adapter.platform not in self.paces:
            make = DEFAULT_PACES.get(adapter.platform)
            self.paces[adapter.platform] = make() if make else Pace(None)
        pace = adapter.pace = self.paces[adapter.platform]
        rate_limited = self.metrics.rate_limited.labels(adapter.platform)
        pace.on_pause = rate_limited.inc  # a 429 to a direct reply or to the outbox
        if not self.cluster.alone and pace.per_second and pace.shared is None:
            pace.shared = SharedTurns(self.repos.processes, adapter.platform, pace.interval)
        self._wakes.setdefault(adapter.platform, asyncio.Event())
        if connected:
            self.connected(adapter.platform)

    def connected(self, platform: str) -> None:
        """A registered platform's adapter is up: send its messages."""
        self._connected.add(platform)
        if self._started and platform not in self._loops:
            self._start_loop(platform)

    def disconnected(self, platform: str) -> None:
        """A platform's adapter stopped here (another process runs it now): stop sending its messages."""
        self._connected.discard(platform)
        loop = self._loops.pop(platform, None)
        if loop is not None:
            loop.cancel()

    def running(self) -> tuple[str, ...]:
        """The platforms messages can go to (those not connected yet keep them until they are)."""
        return tuple(self.adapters)

    def _now(self) -> int:
        return int(self.clock().timestamp())

    # --- queueing (the core's Delivery port) ---------------------------------------------------------------

    async def deliver(self, member_id: int, reply: Reply, *, kind: str = "notice",
                      not_before: int | None = None, about: tuple[int, ...] = (),
                      ready_at: int | None = None) -> None:
        """Queue one message for a member and have it sent; `about`: the other members it names or quotes;
        `ready_at`: set when it waits for the member's quiet hours (see `Outgoing`)."""
        now = self._now()
        async with self.repos.db.transaction() as conn:
            await self.deliver_in(conn, [Outgoing(member_id, reply, kind, not_before, about=about,
                                                  ready_at=ready_at)], now)
        self.wake()

    async def deliver_in(self, conn: Any, messages: list[Outgoing], now: int) -> int:
        """Queue messages within the caller's open transaction: one row per account each should reach. Returns
        how many rows were queued."""
        if not messages:
            return 0
        members = sorted({m.member_id for m in messages})
        reachable = await self.repos.members.reachable_accounts_in(conn, members)
        accounts = {member_id: (notify_on, [(p, e) for p, e in found if p in self.adapters])
                    for member_id, (notify_on, found) in reachable.items()}
        holding = await MemberRepository.holding_in(conn, members, now)
        bodies: dict[tuple[int, bool], dict[str, Any]] = {}  # a broadcast's rows share one reply: one body for all
        rows: list[NewMessage] = []
        for message in messages:
            preference, usable = accounts.get(message.member_id, ("all", []))
            hold = holding.get(message.member_id)
            discreet = hold is not None and hold.discreet
            body = bodies.get((id(message.reply), discreet))
            if body is None:
                body = bodies[id(message.reply), discreet] = reply_to_dict(
                    neutral_first(message.reply) if discreet else message.reply)
            when, ready_at = max(message.not_before or now, now), message.ready_at
            if hold is not None and hold.away_until is not None and (
                    message.kind in AWAY_HOLDS or hold.reminders and message.kind in REMINDERS):
                when, ready_at = max(when, hold.away_until), None  # waits for their return, not their quiet hours
            targets, fallback = choose_accounts(preference, usable)
            if not targets and message.broadcast_id is None:
                log.info("a %s has no reachable account to go to", message.kind)
            rows += [NewMessage(message.member_id, p, e, message.kind, body, when, fallback, message.broadcast_id,
                                message.about, ready_at, message.subject_id) for p, e in targets]
        await self.repos.outbox.add_in(conn, rows, now)
        return len(rows)

    async def post_in(self, conn: Any, channels: list[tuple[str, str]], reply: Reply, *, kind: str, now: int,
                      broadcast_id: int | None = None) -> int:
        """Queue one message into each of these group chats or channels (platform, id) whose platform runs."""
        body = reply_to_dict(reply)
        rows = [NewMessage(None, platform, chat, kind, body, now, False, broadcast_id)
                for platform, chat in channels if platform in self.adapters]
        await self.repos.outbox.add_in(conn, rows, now)
        return len(rows)

    def _wake_platform(self, platform: str) -> None:
        """A row went back to waiting: the platform's sender re-reads when the next is due (it may be idle)."""
        event = self._wakes.get(platform)
        if event is not None:
            event.set()

    def wake(self) -> None:
        """Something is ready: the senders look now rather than at their next timer."""
        for event in self._wakes.values():
            event.set()

    # --- sending -------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Put back what a process that stopped left half-sent (`Cluster.start`), then send in the background
        until `stop`."""
        await self.cluster.start()
        self._started = True
        for platform in self._connected:
            self._start_loop(platform)

    def _start_loop(self, platform: str) -> None:
        self._loops[platform] = asyncio.create_task(self._run(platform), name=f"outbox-{platform}")

    async def stop(self) -> None:
        self._closing = True
        self.wake()
        loops, self._loops = list(self._loops.values()), {}
        for task in loops:
            task.cancel()
        for task in loops:
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
        if self._own_cluster:
            await self.cluster.stop()

    def _in_flight(self, platform: str) -> int:
        """How many requests to keep in flight: enough for a second of the platform's pace."""
        rate = self.paces[platform].per_second or 0
        return max(self.concurrency, math.ceil(rate * IN_FLIGHT))

    def _batch(self, platform: str) -> int:
        """How many rows to claim at once: a couple of seconds' worth, so a personal message queued behind a big
        broadcast waits at most that long."""
        rate = self.paces[platform].per_second
        return CLAIM if not rate else min(CLAIM, max(self._in_flight(platform), math.ceil(rate * AHEAD)))

    async def _run(self, platform: str) -> None:
        slots = asyncio.Semaphore(self._in_flight(platform))
        sending: set[asyncio.Task[None]] = set()
        wake = self._wakes[platform]
        try:
            while not self._closing:
                wake.clear()
                try:
                    started = await self._pump(platform, slots, sending)
                except Exception:
                    log.exception("the %s sender failed; trying again shortly", platform)
                    started = 0
                    await asyncio.sleep(1)
                if started:
                    continue
                next_at = await self.repos.outbox.next_ready((platform,))
                # Alone, this process queues everything itself and wakes its sender; among several, what another
                # queued is seen at the next look, a second later at most.
                idle = 60.0 if self.cluster.alone else POLL
                timeout = idle if next_at is None else min(idle, max(0.05, next_at - self.clock().timestamp()))
                try:
                    await asyncio.wait_for(wake.wait(), timeout)
                except TimeoutError:
                    pass
        finally:
            # Let the requests in flight finish and be recorded (briefly), and those still waiting for their turn
            # give it up; what is cut off goes back to waiting when this process leaves (`Cluster.stop`).
            if sending:
                _done, unfinished = await asyncio.wait(sending, timeout=STOP_PATIENCE)
                for task in unfinished:
                    task.cancel()
                await asyncio.gather(*unfinished, return_exceptions=True)

    async def _pump(self, platform: str, slots: asyncio.Semaphore, sending: set[asyncio.Task[None]]) -> int:
        """Claim a batch for one platform and start each send as soon as a slot is free; how many were claimed."""
        items = await self.repos.outbox.claim(self._now(), self._batch(platform), (platform,), by=self.cluster.id,
                                              held=await self.repos.lockdown.held())
        await self._start(items, slots, sending)
        return len(items)

    async def _start(self, items: list[OutboxItem], slots: asyncio.Semaphore, sending: set[asyncio.Task[None]]) -> None:
        for item in items:
            await slots.acquire()
            task = asyncio.create_task(self._send_guarded(item))
            sending.add(task)

            def done(finished: asyncio.Task[None]) -> None:
                slots.release()  # only once the outcome is committed: until then the request counts as in flight
                sending.discard(finished)

            task.add_done_callback(done)

    async def flush(self) -> int:
        """Send everything ready now (tests and the console use this with their own clock); how many rows."""
        total = 0
        while sent := await self.send_ready():
            total += sent
        return total

    async def send_ready(self) -> int:
        """Claim one batch per platform, send it (each platform at its own pace, side by side) and wait until
        every outcome is recorded; how many rows."""

        # Every platform's batch is claimed before any is sent, so no platform waits for another's sends.
        held = await self.repos.lockdown.held()
        batches = {p: await self.repos.outbox.claim(self._now(), self._batch(p), (p,), by=self.cluster.id, held=held)
                   for p in self._connected}

        async def drain(items: list[OutboxItem], slots: asyncio.Semaphore) -> None:
            sending: set[asyncio.Task[None]] = set()
            await self._start(items, slots, sending)
            if sending:
                await asyncio.wait(sending)

        await asyncio.gather(*(drain(items, asyncio.Semaphore(self._in_flight(p))) for p, items in batches.items()))
        return sum(len(items) for items in batches.values())

    async def _send_guarded(self, item: OutboxItem) -> None:
        try:
            await self._send(item)
        except Exception:  # a failure to record an outcome: the row stays claimed, and goes again after a restart
            log.exception("recording the outcome of a %s message failed", item.platform)

    async def _send(self, item: OutboxItem) -> None:
        """Send one claimed row and record its outcome (a delivery is committed with the others of the moment)."""
        adapter = self.adapters.get(item.platform)
        outbox = self.repos.outbox
        if adapter is None:  # the platform stopped since the row was claimed
            await outbox.retry(item.id, self._now() + 60)
            return
        person = Person(item.platform, item.external_id)
        pace = self.paces[item.platform]
        await pace.acquire(item.external_id)
        if self._closing:
            return  # the bot is stopping: the row stays claimed until `Cluster.stop` puts it back to wait
        # Its row read again once its turn has come: a mute, a cancel or an erasure committed meanwhile, by this
        # process or another, settled or withdrew it, and it does not go.
        if not await outbox.still_claimed(item.id, self.cluster.id):
            return
        try:
            await adapter.send(person, reply_from_dict(item.body))
        except Unreachable:
            now = self._now()
            if item.member_id is not None:
                await self.repos.members.set_reachable(item.platform, item.external_id, False, now)
            await outbox.settle(item.id, "unreachable", now, "the account refuses the bot")
            self.metrics.failed.labels(item.platform, "unreachable").inc()
            if item.fallback and item.member_id is not None:
                await self._fall_back(item, now)
        except RetryLater as wait:
            pace.pause(wait.seconds)  # everything sent there waits, direct replies too
            log.info("%s asked to wait %.1f s; pausing it", item.platform, wait.seconds)
            await outbox.retry(item.id, math.ceil(self.clock().timestamp() + wait.seconds))  # never early
            self._wake_platform(item.platform)
        except Rejected:
            await outbox.settle(item.id, "failed", self._now(), "refused by the platform")
            self.metrics.failed.labels(item.platform, "rejected").inc()
            log.error("%s refused a %s message", item.platform, item.kind)
        except MaybeSent:
            await outbox.settle(item.id, "uncertain", self._now(), "no answer (timeout)")
            self.metrics.failed.labels(item.platform, "uncertain").inc()
            log.warning("a %s message may not have arrived (timeout after sending); not sending it twice",
                        item.platform)
        except Exception as exc:  # NotSent, or anything unforeseen: try again later, but not for ever
            if item.attempts >= MAX_ATTEMPTS:
                await outbox.settle(item.id, "failed", self._now(), f"not sent after {item.attempts} tries")
                self.metrics.failed.labels(item.platform, "gave_up").inc()
                log.error("a %s message failed %d times (%s); given up", item.platform, item.attempts,
                          type(exc).__name__)
            else:
                await outbox.retry(item.id, self._now() + min(2 ** item.attempts, 600))
                self._wake_platform(item.platform)
                log.info("a %s message was not sent (%s); trying again", item.platform, type(exc).__name__)
        else:
            if self.on_sent is not None:
                self.on_sent(item, time.time())
            await outbox.settle(item.id, "sent", self._now())
            self.metrics.sent.labels(item.platform).inc()

    async def _fall_back(self, item: OutboxItem, now: int) -> None:
        """The one platform the member chose refused: their other reachable accounts get the message."""
        others = [i for i in await self.repos.members.identities(item.member_id or 0)
                  if i.platform != item.platform and i.unreachable_since is None and i.platform in self.adapters]
        await self.repos.outbox.add(
            [NewMessage(item.member_id, i.platform, i.external_id, item.kind, item.body, now,
                        broadcast_id=item.broadcast_id, about=item.about) for i in others], now)
        if others:
            self.wake()

    async def purge(self) -> int:
        """Drop outcome rows older than a week (a broadcast's counts are kept in its summary first)."""
        before = self._now() - KEEP_OUTCOMES
        await self.repos.broadcasts.summarise_before(before)
        return await self.repos.outbox.purge(before)
