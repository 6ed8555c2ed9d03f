"""Broadcasts, mutes, cancels and sending, interleaved in every order hypothesis can think of.

A state machine queues broadcasts (to everyone, or to a theme) for a handful of members on a fake platform, has
members mute and unmute broadcasts (what /mute and /unmute do), has an organiser cancel broadcasts, and lets the
outbox send some of what is ready, with mutes, unmutes and cancels committed while that batch is being sent
(between two requests, and while requests are out). Every commit and every request that leaves is numbered from
one global counter, and after each step:

- no member is sent a broadcast after a mute covering it was committed (and before it was taken back);
- no broadcast is sent after its cancel was committed;
- nobody is sent the same broadcast twice;

and at the end, once everything ready has been sent, every outbox row is settled, and every recipient the
broadcast was queued for got it exactly once unless a mute covering it or its cancel came while it was waiting.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from bot import delivery as delivery_module
from bot.delivery import Outbox, Pace
from handlers.broadcasts import send_now
from handlers.events import Person, Reply
from handlers.formatting import to_plain
from tests.conftest import build_bot
from tests.test_outbox import add_member

THEMES = ("access-to-health", "detention")
# Each member's themes (the first member is also the organiser who writes the broadcasts).
MEMBER_THEMES = ((), ("access-to-health",), ("detention",), THEMES, ("access-to-health",))
MARK = re.compile(r"broadcast-mark-(\d+)")


@dataclass
class Sent:
    seq: int
    member: int
    broadcast: int


@dataclass
class Op:
    """A mute, an unmute or a cancel, with the numbers of the moments it started and was committed."""

    kind: str  # 'mute', 'unmute', 'cancel'
    member: int | None = None
    theme: str | None = None  # for a mute: '' is every broadcast; for an unmute: None is every mute
    broadcast: int | None = None
    started: int = 0
    committed: int | None = None


@dataclass
class Queued:
    id: int
    themes: frozenset[str]
    seq: int
    recipients: frozenset[int]
    ops: list[Op] = field(default_factory=list)


class Platform:
    """The fake platform: numbers each request the instant it leaves, then answers. Requests from a given one on
    are held open until the mutes, unmutes and cancels meant to happen while they are out are committed (so the
    sender's slots are all taken, and what it sends next is checked after the commit); then each takes a few
    more turns of the event loop (so the other request in flight goes on meanwhile)."""

    platform = "telegram"

    def __init__(self, machine: BroadcastMachine) -> None:
        self.machine = machine
        self.requests = 0  # in the current batch
        self.holds: dict[int, asyncio.Event] = {}  # request number -> answered once this is set
        self.turns: list[int] = []  # how many turns each next request takes; 1 when none are left

    def start_batch(self, anchors: list[int], turns: list[int]) -> None:
        self.requests = 0
        self.holds = {a: asyncio.Event() for a in anchors if a > 0}
        self.turns = list(turns)

    async def send(self, person: Person, reply: Reply) -> None:
        machine = self.machine
        match = MARK.search(to_plain(reply.text))
        assert match is not None, "only broadcasts are sent here"
        machine.sent.append(Sent(machine.tick(), machine.chats[person.external_id], int(match.group(1))))
        self.requests += 1
        for anchor, hold in sorted(self.holds.items()):
            if anchor <= self.requests:  # this request, and any that leaves after it, waits
                await hold.wait()
        for _ in range(self.turns.pop(0) if self.turns else 1):
            await asyncio.sleep(0)


def covers(theme: str, broadcast_themes: frozenset[str]) -> bool:
    return theme == "" or theme in broadcast_themes


def undoes(unmute: Op, mute: Op) -> bool:
    return unmute.member == mute.member and (unmute.theme is None or unmute.theme == mute.theme)


class BroadcastMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.dir = Path(tempfile.mkdtemp(prefix="broadcast-props-"))
        self.counter = itertools.count(1)
        self.sent: list[Sent] = []
        self.ops: list[Op] = []
        self.broadcasts: dict[int, Queued] = {}
        self.chats: dict[str, int] = {}
        self.members: list[int] = []
        self.platform = Platform(self)
        self.run(self._open())

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    def tick(self) -> int:
        return next(self.counter)

    async def _open(self) -> None:
        self.bot, self.db = await build_bot(self.dir / "bot.db")
        repos = self.bot.repos
        now = self.now
        for n, themes in enumerate(MEMBER_THEMES):
            chat = str(100 + n)
            member_id = await add_member(repos, now, telegram=chat)
            await repos.members.set_themes(member_id, list(themes), now)
            self.chats[chat] = member_id
            self.members.append(member_id)
        for member_id in self.members:
            await repos.members.set_quiet_hours(member_id, 0, 0, now)
        async with repos.db.transaction() as conn:
            await repos.members.set_role_in(conn, self.members[0], "organiser", now)
        # Two requests in flight at once; no pace (nothing waits for a slot in time).
        self.outbox = Outbox(repos, self.bot.clock, concurrency=2, paces={"telegram": Pace(None)})
        self.outbox.register(self.platform)
        self.bot.core.services.delivery = self.outbox

    @property
    def now(self) -> int:
        return int(self.bot.clock().timestamp())

    # --- what people do ---------------------------------------------------------------------------------------

    async def _perform(self, op: Op) -> None:
        repos = self.bot.repos
        op.started = self.tick()
        if op.kind == "mute":
            await repos.broadcasts.mute(op.member, op.theme, self.now)
        elif op.kind == "unmute":
            await repos.broadcasts.unmute(op.member, op.theme)
        else:
            await repos.broadcasts.cancel(op.broadcast, self.members[0], self.now)
        op.committed = self.tick()
        self.ops.append(op)

    def _op(self, data: st.DataObject, rows: list[tuple[int, int]] = ()) -> Op:
        """A mute, unmute or cancel; mostly about these (member, broadcast) rows when some are given."""
        kind = data.draw(st.sampled_from(["mute", "unmute", "cancel"] if self.broadcasts else ["mute", "unmute"]))
        members = st.sampled_from(self.members)
        broadcasts = st.sampled_from(sorted(self.broadcasts) or [0])
        if rows:
            members = st.sampled_from([m for m, _ in rows]) | members
            broadcasts = st.sampled_from([b for _, b in rows]) | broadcasts
        if kind == "cancel":
            return Op("cancel", broadcast=data.draw(broadcasts))
        member = data.draw(members)
        if kind == "mute":
            return Op("mute", member, data.draw(st.sampled_from(["", *THEMES])))
        return Op("unmute", member, data.draw(st.sampled_from([None, "", *THEMES])))

    def _muted_now(self, member: int, themes: frozenset[str]) -> bool:
        """Whether a committed mute covers a broadcast with these themes for this member (outside a send)."""
        active: set[str] = set()
        for op in self.ops:
            if op.member != member:
                continue
            if op.kind == "mute":
                active.add(op.theme or "")
            elif op.kind == "unmute":
                active = set() if op.theme is None else active - {op.theme}
        return any(covers(t, themes) for t in active)

    @initialize(themes=st.lists(st.sampled_from([None, *THEMES]), min_size=1, max_size=2))
    def first_broadcasts(self, themes: list[str | None]) -> None:
        """One or two broadcasts are already waiting when the story starts."""
        for theme in themes:
            self.queue(theme)

    @rule(theme=st.sampled_from([None, *THEMES]))
    def queue(self, theme: str | None) -> None:
        """An organiser's broadcast goes into the outbox (as /broadcast sends it)."""
        audience = {"themes": [theme]} if theme else {}

        async def go() -> Queued:
            repos = self.bot.repos
            author = await repos.members.get(self.members[0])
            broadcast_id = await repos.broadcasts.create(self.members[0], "draft", audience, urgent=True,
                                                         channels=False, status="scheduled", send_at=self.now,
                                                         recipients=0, now=self.now)
            # The text names the broadcast, so each request says which one it carries.
            broadcast = dataclasses.replace(await repos.broadcasts.get(broadcast_id),
                                            body=f"broadcast-mark-{broadcast_id}")
            await send_now(self.bot.core.member_context(author), broadcast, self.now)
            rows = await repos.db.fetch_all("SELECT member_id FROM outbox WHERE broadcast_id = ?", (broadcast_id,))
            return Queued(broadcast_id, frozenset(audience.get("themes", [])), self.tick(),
                          frozenset(r[0] for r in rows))

        queued = self.run(go())
        themes = queued.themes
        expected = {m for m, mine in zip(self.members, MEMBER_THEMES, strict=True)
                    if (not themes or themes & set(mine)) and not self._muted_now(m, themes)}
        assert queued.recipients == expected, "the broadcast was queued for the wrong members"
        self.broadcasts[queued.id] = queued

    @rule(data=st.data())
    def act(self, data: st.DataObject) -> None:
        """A mute, an unmute or a cancel, while nothing is being sent."""
        self.run(self._perform(self._op(data)))

    @precondition(lambda self: bool(self.broadcasts))
    @rule(data=st.data(), batch=st.integers(1, 6))
    def send_some(self, data: st.DataObject, batch: int) -> None:
        """The outbox sends a batch of what is ready while members mute and unmute and an organiser cancels: each
        of those is committed once a given number of the batch's requests have left (0: before the first), while
        the last of them is still out. They are mostly about the messages of that batch."""
        upcoming = [(r[0], r[1]) for r in self.run(self.bot.repos.db.fetch_all(
            "SELECT member_id, broadcast_id FROM outbox WHERE state = 'pending' ORDER BY not_before, id LIMIT ?",
            (batch,)))]
        anchors = sorted(data.draw(st.lists(st.integers(0, batch), max_size=3)))
        ops = [(anchor, self._op(data, upcoming)) for anchor in anchors]
        self.platform.start_batch(anchors, data.draw(st.lists(st.integers(0, 4), max_size=batch)))

        async def meanwhile(sending: asyncio.Task) -> None:
            for n, (anchor, op) in enumerate(ops):
                while self.platform.requests < anchor and not sending.done():
                    await asyncio.sleep(0)
                await self._perform(op)
                if all(a != anchor for a, _ in ops[n + 1:]) and anchor in self.platform.holds:
                    self.platform.holds[anchor].set()

        async def go() -> None:
            with mock.patch.object(delivery_module, "CLAIM", batch):
                sending = asyncio.create_task(self.outbox.send_ready())
                await meanwhile(sending)
                await sending

        self.run(go())

    @rule()
    def finish(self) -> None:
        """Housekeeping: broadcasts with nothing left to send are done (a cancel then changes nothing)."""
        self.run(self.bot.repos.broadcasts.finish(self.now))

    # --- what must hold ---------------------------------------------------------------------------------------

    @invariant()
    def nothing_after_a_mute_or_a_cancel_and_nothing_twice(self) -> None:
        seen: set[tuple[int, int]] = set()
        for sent in self.sent:
            queued = self.broadcasts[sent.broadcast]
            assert sent.member in queued.recipients
            assert (sent.member, sent.broadcast) not in seen, f"sent twice: {sent}"
            seen.add((sent.member, sent.broadcast))
            for op in self.ops:
                if op.kind == "cancel" and op.broadcast == sent.broadcast:
                    assert sent.seq < op.committed, f"{sent} after its cancel was committed at {op.committed}"
                if op.kind == "mute" and op.member == sent.member and covers(op.theme, queued.themes) \
                        and op.committed < sent.seq:
                    taken_back = any(u.kind == "unmute" and undoes(u, op) and op.committed < u.started < sent.seq
                                     for u in self.ops)
                    assert taken_back, f"{sent} after a mute committed at {op.committed}: {op}"

    def teardown(self) -> None:
        try:
            if hasattr(self, "outbox"):
                self.run(self._final_check())
        finally:
            try:
                if hasattr(self, "db"):
                    self.run(self.db.close())
            finally:
                self.loop.close()
                shutil.rmtree(self.dir, ignore_errors=True)

    async def _final_check(self) -> None:
        await self.outbox.flush()
        self.nothing_after_a_mute_or_a_cancel_and_nothing_twice()
        rows = await self.bot.repos.db.fetch_all("SELECT member_id, broadcast_id, state, reason FROM outbox")
        states = {(r[0], r[1]): (r[2], r[3]) for r in rows}
        assert len(states) == len(rows), "one row per recipient and broadcast"
        got = {(s.member, s.broadcast) for s in self.sent}
        for queued in self.broadcasts.values():
            cancelled = any(op.kind == "cancel" and op.broadcast == queued.id for op in self.ops)
            for member in queued.recipients:
                state, reason = states[(member, queued.id)]
                assert state in ("sent", "skipped", "cancelled"), f"row left {state}"
                assert (state == "sent") == ((member, queued.id) in got), (member, queued.id, state)
                muted_meanwhile = any(op.kind == "mute" and op.member == member and covers(op.theme, queued.themes)
                                      and op.started > queued.seq for op in self.ops)
                if state == "skipped":
                    assert muted_meanwhile and reason == "muted", (member, queued.id, reason)
                if state == "cancelled":
                    assert cancelled and reason == "cancelled", (member, queued.id, reason)
                if not muted_meanwhile and not cancelled:
                    assert state == "sent", f"member {member} never got broadcast {queued.id} ({state})"


BroadcastMachine.TestCase.settings = settings(max_examples=100, stateful_step_count=20, deadline=None,
                                              suppress_health_check=list(HealthCheck))
test_mutes_cancels_and_sending_interleaved = BroadcastMachine.TestCase
