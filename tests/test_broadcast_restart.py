"""The real process, killed with SIGKILL in the middle of a broadcast, then started again: every recipient still
gets it, and nobody gets it twice except for the messages that were in flight at the moment of the kill.

A database file is prepared with a few thousand members on the console and a broadcast to everyone already in
the outbox (queued exactly as /broadcast queues it), then `solidarity-bot console` runs over it. The console
prints every message the bot sends on its own, so what each member received is read off its output. The console
has no pace of its own (it sends as fast as the outbox goes), so the first process is killed from the thread that
reads its output, the instant it has read a given number of broadcast lines; with enough recipients that is
always well before the end.
"""

from __future__ import annotations

import asyncio
import collections
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path


from bot.app import network_from
from bot.delivery import Outbox, Pace
from bot.settings import load_settings
from handlers.broadcasts import send_now
from handlers.capabilities import all_routers
from handlers.core import Core, Services, system_clock
from handlers.events import Person, Reply
from storage import Repositories, SqliteDatabase
from tests.test_restart import outbox_states

RECIPIENTS = 3000  # besides the organiser who wrote it
KILL_AFTER = 400  # broadcast messages read from the first process before it is killed
TEXT = "Vigil moved to 18:00"
# The first line of a broadcast as the console prints it: `[@handle] 📣 <network> · message from the organisers`.
BROADCAST_LINE = re.compile(r"^\[@([A-Za-z0-9_.-]+)\] 📣 ")


class ConsoleStub:
    """Stands for the console platform while the broadcast is queued (nothing is sent through it)."""

    platform = "console"

    async def send(self, person: Person, reply: Reply) -> None:
        raise AssertionError("nothing is sent while preparing the database")


class Run:
    """`solidarity-bot console` over `db`, kept alive with /sleep. A reader thread counts the broadcast lines per
    handle, and with `kill_after` kills the process (SIGKILL) the instant it has read that many."""

    def __init__(self, db: Path, *, kill_after: int | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "console", "--db", str(db)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            cwd=Path(__file__).resolve().parent.parent, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.kill_after = kill_after
        self.got: collections.Counter[str] = collections.Counter()
        self.count = 0
        self.killed_at: int | None = None  # how many broadcast lines had been read when the kill was sent
        self.changed = queue.Queue[int]()
        self.finished = threading.Event()
        assert self.proc.stdin is not None
        self.proc.stdin.write("/sleep 120\n")
        self.proc.stdin.flush()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        try:
            for line in self.proc.stdout:
                match = BROADCAST_LINE.match(line)
                if match is None:
                    continue
                self.got[match.group(1)] += 1
                self.count += 1
                if self.kill_after is not None and self.killed_at is None and self.count >= self.kill_after:
                    self.killed_at = self.count
                    os.kill(self.proc.pid, signal.SIGKILL)  # kill -9: no clean-up of any kind
                self.changed.put(self.count)
        finally:
            self.finished.set()

    def wait_for(self, predicate, timeout: float) -> bool:
        """Wait until `predicate()` holds (checked after each broadcast line) or the time is up."""
        deadline = time.monotonic() + timeout
        while not predicate():
            left = deadline - time.monotonic()
            if left <= 0 or self.finished.is_set() and self.changed.empty():
                return predicate()
            try:
                self.changed.get(timeout=min(left, 0.1))
            except queue.Empty:
                pass
        return True

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.finished.wait(timeout=10)  # everything the process printed has been read


async def prepare(db_path: Path, recipients: int) -> tuple[list[str], int]:
    """Members amina (an organiser) and m00000 … on the console, and a broadcast to everyone queued in the outbox
    the way /broadcast queues it. Returns every recipient's handle and the console's in-flight limit."""
    db = SqliteDatabase(db_path)
    await db.open()
    try:
        repos = Repositories.over(db)
        now = int(time.time())
        handles = ["amina"] + [f"m{i:05d}" for i in range(recipients)]
        async with db.transaction() as conn:
            member_ids = [await repos.members.create_in(conn, "console", handle, now) for handle in handles]
        for member_id in member_ids:
            await repos.members.set_quiet_hours(member_id, 0, 0, now)  # no quiet hours
        author = await repos.members.by_identity("console", "amina")
        assert author is not None
        async with db.transaction() as conn:
            await repos.members.set_role_in(conn, author.id, "organiser", now)
        outbox = Outbox(repos, system_clock)
        outbox.register(ConsoleStub())
        core = Core(Services(repos=repos, network=network_from(load_settings(None, database=db_path)),
                             delivery=outbox, clock=system_clock), all_routers())
        broadcast_id = await repos.broadcasts.create(author.id, TEXT, {}, urgent=False, channels=False,
                                                     status="scheduled", send_at=now, recipients=len(handles),
                                                     now=now)
        broadcast = await repos.broadcasts.get(broadcast_id)
        assert broadcast is not None
        author = await repos.members.get(author.id)
        assert author is not None
        assert await send_now(core.member_context(author), broadcast, now) == len(handles)
        assert await repos.outbox.counts() == {"pending": len(handles)}
        # The bot runs the console with the default sender, whose limit is this (the console has no pace).
        limit = Outbox(repos, system_clock, paces={"console": Pace(None)})._in_flight("console")
        return handles, limit
    finally:
        await db.close()


async def test_a_kill_minus_9_in_the_middle_of_a_broadcast_loses_no_one_and_repeats_only_what_was_in_flight(
        tmp_path):
    db_path = tmp_path / "bot.db"
    handles, in_flight = await prepare(db_path, RECIPIENTS)

    first = Run(db_path, kill_after=KILL_AFTER)
    try:
        assert first.wait_for(lambda: first.killed_at is not None, 20), "the broadcast did not start"
    finally:
        first.stop()
    assert first.proc.returncode == -signal.SIGKILL
    # Killed mid-way: some of it went (all it printed is read, up to the kill), much of it had not.
    assert KILL_AFTER <= first.count < len(handles) // 2, first.count
    states = await outbox_states(db_path)
    assert states.get("pending", 0) + states.get("sending", 0) > 0, states

    second = Run(db_path)
    try:
        done = second.wait_for(lambda: len(set(first.got) | set(second.got)) == len(handles), 20)
        time.sleep(0.5)  # anything sent twice would be printed by now
        assert done, f"{len(handles) - len(set(first.got) | set(second.got))} recipients got nothing"
        # Every outcome committed before the end (the bot is killed again, with nothing left to send).
        deadline = time.monotonic() + 10
        while (states := await outbox_states(db_path)) != {"sent": len(handles)} and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
    finally:
        second.stop()

    got = first.got + second.got
    assert set(got) == set(handles)  # every recipient, and no one else
    twice = {h: n for h, n in got.items() if n > 1}
    assert max(got.values()) <= 2, {h: n for h, n in got.items() if n > 2}  # at most once more, never more
    # Sent twice: only what the first process had sent but not yet recorded when it died, which is at most
    # what its sender keeps in flight.
    assert len(twice) <= in_flight, (
        f"{len(twice)} recipients got the broadcast twice; at most {in_flight} were in flight at the kill")
    assert set(twice) <= set(first.got)  # and only messages the first process had sent
    assert states == {"sent": len(handles)}  # every row settled, as sent
