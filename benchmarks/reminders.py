"""Reminders at scale: a million pending in SQLite against the same number of APScheduler jobs in memory, and
10,000 falling due in the same minute.

Prints, side by side in one run:
- extra memory (RSS) of the running bot with 1,000,000 pending reminders over the same bot with an empty
  database (target at most 50 MB), and of an APScheduler `MemoryJobStore` holding 1,000,000 jobs over an empty
  one; each measured in a fresh child process;
- restart to first delivery with those 1,000,000 pending and one due (target under 2 s);
- 10,000 reminders due in the same second, through a transport with no platform cap: lateness p50/p99 from the
  due moment to the transport (target p99 under 1 s) and the longest event-loop stall, over the whole run from
  the timer firing to the last delivery (target under 100 ms);
- the same 10,000 through a fake Telegram transport that refuses (429) anything above 30 messages a second: the
  time to deliver all, as a ratio of the bound 10,000 / 30 s (target at most 1.05).

    python benchmarks/reminders.py [--pending 1000000] [--burst 10000] [--capped 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import IDENTITY_COLUMNS, identity, keyring_for  # noqa: E402
from bot.app import open_app  # noqa: E402
from bot.delivery import DEFAULT_PACES, Pace, RetryLater  # noqa: E402
from bot.scheduler import LOOKAHEAD  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from handlers.events import Person, Reply  # noqa: E402
from storage import SqliteDatabase  # noqa: E402

MEMBERS = 1000


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def make_database(path: Path, pending: int, due: int, *, due_at: int | None = None) -> None:
    """A migrated database with MEMBERS members, `pending` reminders far in the future and `due` due at
    `due_at` (bulk-inserted with sqlite3: this is set-up, not what is measured; the accounts hashed and sealed with
    the database's key, as the bot writes them)."""
    db = SqliteDatabase(path)
    await db.open()
    await db.close()
    keyring = keyring_for(path)
    now = int(time.time())
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany("INSERT INTO members (id, display_name, timezone, consented_at, created_at, updated_at, "
                         "profile_complete) VALUES (?, ?, 'UTC', ?, ?, ?, 1)",
                         [(i, f"member {i}", now, now, now) for i in range(1, MEMBERS + 1)])
        conn.executemany(f"INSERT INTO identities ({IDENTITY_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
                         [identity(keyring, "console", f"m{i}", i, now) for i in range(1, MEMBERS + 1)])

        def rows(count: int, first_id: int, at: callable):
            for n in range(count):
                rid = first_id + n
                yield rid, 1 + rid % MEMBERS, at(n)

        for count, first_id, at in ((pending, 1, lambda n: now + 86400 + n % (365 * 86400)),
                                    (due, pending + 1, lambda n: due_at or now)):
            batch = list(rows(count, first_id, at))
            conn.executemany("INSERT INTO reminders (id, member_id, what, zone, created_at) VALUES "
                             "(?, ?, 'reminder ' || ?, 'UTC', 0)", [(r, m, r) for r, m, _ in batch])
            conn.executemany("INSERT INTO schedule (due_at, kind, subject_id, member_id) VALUES (?, 'reminder', ?, ?)",
                             [(a, r, m) for r, m, a in batch])
    conn.close()


class Transport:
    """The console platform's place in the outbox: records when each message arrived; with `cap`, refuses
    (429) any message beyond `cap` in the last second, as Telegram does."""

    platform = "console"

    def __init__(self, cap: float | None = None) -> None:
        self.cap = cap
        self.times: list[float] = []
        self.refused = 0
        self._window: deque[float] = deque()
        self.first = asyncio.get_running_loop().create_future()

    async def send(self, person: Person, reply: Reply) -> None:
        now = time.monotonic()
        if self.cap:
            while self._window and now - self._window[0] >= 1.0:
                self._window.popleft()
            if len(self._window) >= self.cap:
                self.refused += 1
                raise RetryLater(1.0)
            self._window.append(now)
        self.times.append(time.time())
        if not self.first.done():
            self.first.set_result(time.perf_counter())


async def running_bot(path: Path, transport: Transport, pace: Pace | None = None):
    settings = load_settings(None, database=path)
    app = await open_app(settings)
    app.delivery.register(transport)
    if pace is not None:
        app.delivery.paces["console"] = pace
    await app.start()
    return app


# --- memory, each in a child process -------------------------------------------------------------------------


async def child_ours(path: str) -> dict:
    before = rss_mb()

    class Quiet(Transport):
        pass

    app = await running_bot(Path(path), Quiet())
    await asyncio.sleep(1.0)  # the scheduler armed, the sweep idle
    await app.core.services.repos.schedule.count()
    after = rss_mb()
    await app.close()
    return {"rss": after, "base": before}


def noop(reminder_id: int) -> None:
    """What each APScheduler job would call."""


async def child_aps(count: int) -> dict:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from apscheduler.triggers.date import DateTrigger
    from datetime import UTC, datetime, timedelta

    before = rss_mb()
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.start(paused=True)
    start = datetime.now(UTC) + timedelta(days=1)
    began = time.perf_counter()
    for n in range(count):  # in time order: MemoryJobStore inserts into a sorted list
        scheduler.add_job(noop, DateTrigger(start + timedelta(seconds=n)), args=(n,), id=str(n),
                          misfire_grace_time=None)
    took = time.perf_counter() - began
    after = rss_mb()
    scheduler.shutdown(wait=False)
    return {"rss": after, "base": before, "add_seconds": took}


def in_child(kind: str, arg: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, arg], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- timing ------------------------------------------------------------------------------------------------------


async def restart_to_first_delivery(path: Path) -> float:
    """A reminder falls due while the bot is down; the time from starting it to that reminder's delivery."""
    now = int(time.time())
    conn = sqlite3.connect(path)
    with conn:
        cursor = conn.execute("INSERT INTO reminders (member_id, what, zone, created_at) VALUES (1, 'due', 'UTC', 0)")
        conn.execute("INSERT INTO schedule (due_at, kind, subject_id, member_id) VALUES (?, 'reminder', ?, 1)",
                     (now - 60, cursor.lastrowid))
    conn.close()
    transport = Transport()
    began = time.perf_counter()
    app = await running_bot(path, transport)
    first = await asyncio.wait_for(transport.first, 30)
    await app.close()
    return first - began


async def burst(path: Path, count: int, cap: float | None) -> dict:
    """`count` reminders due at the same second; the bot is already running well before it (its timer fires
    LOOKAHEAD seconds ahead, as in production)."""
    due_at = int(time.time()) + LOOKAHEAD + 5
    await make_database(path, 0, count, due_at=due_at)
    transport = Transport(cap)
    pace = DEFAULT_PACES["telegram"]() if cap else Pace(None)  # the pace the bot uses for Telegram
    app = await running_bot(path, transport, pace)
    stalls = []

    async def ticker() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            stalls.append(now - last - 0.01)
            last = now

    tick = asyncio.create_task(ticker())
    began = None
    while len(transport.times) < count:
        await asyncio.sleep(0.05)
        if began is None and time.time() >= due_at:
            began = time.perf_counter()
    ended = time.perf_counter()
    tick.cancel()
    await app.close()
    late = sorted(t - due_at for t in transport.times)
    return {
        "p50": statistics.median(late), "p99": late[int(len(late) * 0.99) - 1], "stall": max(stalls),
        "total": ended - (began or ended), "first_to_last": transport.times[-1] - transport.times[0] if cap else 0,
        "refused": transport.refused,
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pending", type=int, default=1_000_000)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--capped", type=int, default=10_000)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, arg = args.child
        result = await (child_ours(arg) if kind == "ours" else child_aps(int(arg)))
        print(json.dumps(result))
        return

    with tempfile.TemporaryDirectory() as tmp:
        empty, full = Path(tmp, "empty.db"), Path(tmp, "full.db")
        await make_database(empty, 0, 0)
        began = time.perf_counter()
        await make_database(full, args.pending, 0)
        print(f"set-up: {args.pending:,} pending reminders written in {time.perf_counter() - began:.1f} s "
              f"({full.stat().st_size / 2**20:.0f} MB file)")
        ours_empty, ours_full = in_child("ours", str(empty)), in_child("ours", str(full))
        aps_empty, aps_full = in_child("aps", "0"), in_child("aps", str(args.pending))
        ours = ours_full["rss"] - ours_empty["rss"]
        aps = aps_full["rss"] - aps_empty["rss"]
        print(f"\nmemory with {args.pending:,} pending reminders (RSS over the same process with none):")
        print(f"  SQLite schedule + one APScheduler timer : {ours:8.1f} MB   (target <= 50 MB)")
        print(f"  APScheduler MemoryJobStore, one job each: {aps:8.1f} MB   "
              f"(adding them took {aps_full['add_seconds']:.1f} s)")
        print(f"  ratio: {aps / max(ours, 0.1):.0f}x less memory")

        first = await restart_to_first_delivery(full)
        print(f"\nrestart to first delivery with {args.pending:,} pending: {first * 1000:.0f} ms   (target < 2000 ms)")

        result = await burst(Path(tmp, "burst.db"), args.burst, None)
        print(f"\n{args.burst:,} reminders due in the same second, no platform cap:")
        print(f"  lateness p50 {result['p50'] * 1000:.0f} ms, p99 {result['p99'] * 1000:.0f} ms   (target p99 < 1000 ms)")
        print(f"  longest event-loop stall {result['stall'] * 1000:.0f} ms   (target < 100 ms)")

        result = await burst(Path(tmp, "capped.db"), args.capped, 30)
        bound = args.capped / 30
        print(f"\n{args.capped:,} reminders through a fake Telegram capped at 30 messages/s:")
        print(f"  all delivered in {result['first_to_last']:.1f} s; bound {bound:.1f} s; "
              f"ratio {result['first_to_last'] / bound:.3f}   (target <= 1.05); refused by the cap: {result['refused']}")


if __name__ == "__main__":
    asyncio.run(main())
