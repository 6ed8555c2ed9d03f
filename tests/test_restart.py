"""The real process, killed with SIGKILL while reminders are due, then started again: nothing is lost.

These tests run `solidarity-bot console` as a child process over a database file, kill it with `kill -9` and
start it again, reading what it prints (the console prints every message the bot sends on its own).
"""

from __future__ import annotations

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

from storage import Repositories, SqliteDatabase

REMINDER_LINE = re.compile(r"Reminder: (reminder \d+)")


class BotProcess:
    """`solidarity-bot console` over `db`, kept alive with /sleep; its output lines arrive on a queue."""

    def __init__(self, db: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "console", "--db", str(db)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            cwd=Path(__file__).resolve().parent.parent, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []  # every line read so far
        threading.Thread(target=self._read, daemon=True).start()
        assert self.proc.stdin is not None
        self.proc.stdin.write("/sleep 60\n")
        self.proc.stdin.flush()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def reminders(self, *, until: float, stop_after_first: bool = False) -> list[str]:
        """Reminder texts printed before `until` (monotonic), or right after the first one."""
        seen = []
        while time.monotonic() < until:
            try:
                line = self.lines.get(timeout=0.05)
            except queue.Empty:
                continue
            self.seen.append(line)
            match = REMINDER_LINE.search(line)
            if match:
                seen.append(match.group(1))
                if stop_after_first:
                    break
        return seen

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)  # kill -9: no clean-up of any kind
        self.proc.wait(timeout=10)


async def seed(db_path: Path, count: int, due_in: int) -> None:
    """A member with `count` one-off reminders, all due `due_in` seconds from now (negative: already due)."""
    db = SqliteDatabase(db_path)
    await db.open()
    repos = Repositories.over(db)
    now = int(time.time())
    member = await repos.members.create("console", "amina", now)
    for i in range(count):
        await repos.reminders.create(member.id, f"reminder {i}", first_at=now + due_in, zone="UTC", now=now)
    await db.close()


async def move_schedule(db_path: Path, seconds: int) -> None:
    """Shift every due moment (as if the bot had been down that much longer)."""
    db = SqliteDatabase(db_path)
    await db.open()
    try:
        schedule = Repositories.over(db).schedule
        async with db.transaction() as conn:
            for item in await schedule.due(2 ** 40, limit=10_000):
                await schedule.postpone_in(conn, [item.id], item.due_at + seconds)
    finally:
        await db.close()


async def outbox_states(db_path: Path) -> dict[str, int]:
    db = SqliteDatabase(db_path)
    await db.open()
    try:
        return await Repositories.over(db).outbox.counts()
    finally:
        await db.close()


async def test_member_is_reminded_after_a_kill_minus_9_exactly_once(tmp_path):
    db_path = tmp_path / "bot.db"
    await seed(db_path, 3, due_in=60)
    first = BotProcess(db_path)
    assert first.reminders(until=time.monotonic() + 2) == []  # not due yet
    first.kill()  # down while the reminders fall due …
    await move_schedule(db_path, -600)  # … for ten minutes
    second = BotProcess(db_path)
    got = second.reminders(until=time.monotonic() + 8)
    second.kill()
    assert sorted(got) == ["reminder 0", "reminder 1", "reminder 2"]  # each exactly once
    assert sum("Late: this was due" in line for line in second.seen) == 3  # and said to be late
    assert await outbox_states(db_path) == {"sent": 3}


async def test_a_kill_in_the_middle_of_sending_sends_each_reminder_at_most_once_more_never_zero(tmp_path):
    db_path = tmp_path / "bot.db"
    count = 300
    await seed(db_path, count, due_in=-1)
    first = BotProcess(db_path)
    before = first.reminders(until=time.monotonic() + 20, stop_after_first=True)
    first.kill()  # right after the first reminder was printed: the rest are queued or being sent
    assert before, "the first process sent nothing"
    second = BotProcess(db_path)
    deadline = time.monotonic() + 30
    after: list[str] = []
    while time.monotonic() < deadline and len(set(before) | set(after)) < count:
        after += second.reminders(until=min(deadline, time.monotonic() + 1))
    second.kill()
    printed = collections.Counter(before + after)
    assert set(printed) == {f"reminder {i}" for i in range(count)}  # none lost
    assert max(printed.values()) <= 2  # none sent more than once more
    assert (await outbox_states(db_path)).get("sent") == count
