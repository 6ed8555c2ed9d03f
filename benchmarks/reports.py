"""/report over a network that has used the bot for two years: 100,000 members and 500,000 commitments, on SQLite
and on PostgreSQL, while the bot keeps answering.

The data set: 100,000 members; 500,000 commitments made over the last two years (most recent months busier), on
the network's themes and regions (a tenth with no theme or no region), a tenth of them "just me", half of them
done or dropped some days after they were made, some overdue and stale; 40,000 partner searches, a third of them
leading to introductions, most accepted, with "did you connect?" answers; 300 sessions, each followed by up to 400
members (directly, or through a theme), with attendance answers and commitments registered from them; 3,000
published practices with their themes, "worked for us too" reports and commitments to try them. The rows are written
with the database's own `executemany` in one transaction.

Then an organiser sends, through the whole core (`Core.handle_message`), `/report` (a month, week by week),
`/report year` (month by month), `/report csv year`, and `/report meeting` for ten sessions, each several times,
while a probe task on the same event loop asks to wake every 5 ms and records how late it woke: the longest stall
is the longest time the bot could not answer anyone else (target: no stall over 100 ms). Side by side in the same
run, the same reports with the charts drawn on the event loop itself instead of in a worker thread, to show what
the thread buys.

Prints, per engine and report: the time until its replies are ready (the summary and every chart go together,
so this is the time to the first chart), of which the figures read from the database and the charts drawn, and
the longest stall, in the bot as it is and with the drawing on the loop.

    python benchmarks/reports.py [--engines sqlite,postgresql] [--members 100000] [--commitments 500000]
                                 [--repeat 3]

PostgreSQL: the server `SOLIDARITY_TEST_POSTGRESQL` names, else one started for the run (tests/postgres.py).
Building the data set takes about a minute an engine on two cores; `--members 10000 --commitments 50000` is a
quick check.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import IDENTITY_COLUMNS, Silent, connect, identity, on_each_engine  # noqa: E402
from bot.app import network_from, tune_garbage_collector  # noqa: E402
from bot.settings import Settings  # noqa: E402
from handlers.capabilities import all_routers  # noqa: E402
from handlers.core import Core, Services  # noqa: E402
from handlers.events import Incoming, Person  # noqa: E402
from handlers.reports import charts, report  # noqa: E402
from storage import Repositories  # noqa: E402
from storage.database import Database  # noqa: E402

DAY = 86400
NOW = 1_798_761_600  # Friday 1 January 2027, 00:00 UTC
SPAN = 730 * DAY  # two years of commitments
SESSIONS = 300
PRACTICES = 3000
ORGANISER = 1


@dataclasses.dataclass
class DataSet:
    members: list[tuple] = dataclasses.field(default_factory=list)
    identities: list[tuple] = dataclasses.field(default_factory=list)
    commitments: list[tuple] = dataclasses.field(default_factory=list)
    requests: list[tuple] = dataclasses.field(default_factory=list)
    introductions: list[tuple] = dataclasses.field(default_factory=list)
    sessions: list[tuple] = dataclasses.field(default_factory=list)
    session_themes: list[tuple] = dataclasses.field(default_factory=list)
    subscriptions: list[tuple] = dataclasses.field(default_factory=list)
    attendance: list[tuple] = dataclasses.field(default_factory=list)
    session_commitments: list[tuple] = dataclasses.field(default_factory=list)
    practices: list[tuple] = dataclasses.field(default_factory=list)
    practice_themes: list[tuple] = dataclasses.field(default_factory=list)
    practice_reports: list[tuple] = dataclasses.field(default_factory=list)


def made_at(rng: random.Random) -> int:
    """A moment in the last two years, the recent months busier (the network grew)."""
    return NOW - int(SPAN * (1 - rng.random() ** 0.6))


def make_data(members: int, commitments: int, themes: list[str], regions: list[str], rng: random.Random) -> DataSet:
    data = DataSet()
    for member in range(1, members + 1):
        role = "organiser" if member == ORGANISER else "member"
        data.members.append((member, role, f"Member {member}", "Europe/Paris", 1, NOW - SPAN, NOW - SPAN,
                             NOW - SPAN))
    data.identities.append(("console", "organiser", ORGANISER, NOW - SPAN))
    for number in range(1, commitments + 1):
        at = made_at(rng)
        roll = rng.random()
        status, closed = ("done", at + rng.randrange(DAY, 60 * DAY)) if roll < 0.4 else \
            ("dropped", at + rng.randrange(DAY, 60 * DAY)) if roll < 0.5 else ("open", None)
        if closed is not None and closed > NOW:
            status, closed = "open", None
        visibility = rng.choices(("network", "organisers", "private"), (8, 1, 1))[0]
        theme = rng.choice(themes) if rng.random() > 0.1 else None
        region = rng.choice(regions) if rng.random() > 0.1 else None
        stale = 1 if status == "open" and rng.random() < 0.1 else 0
        data.commitments.append((number, rng.randrange(1, members + 1), "something", at + rng.randrange(DAY, 90 * DAY),
                                 theme, region, visibility, status, stale, at, closed or at, closed))
    intro = 0
    for number in range(1, 40_001):
        at = made_at(rng)
        found = rng.random() > 0.3
        data.requests.append((number, rng.randrange(1, members + 1), rng.choice(themes), rng.choice(regions + [None]),
                              "", int(found), "sent" if found else "unmatched", at, at))
        if found and rng.random() < 0.5:
            intro += 1
            accepted = rng.random() < 0.8
            answers = [rng.choice(("yes", "not_yet", "no", None)) for _ in range(2)] if accepted else [None, None]
            data.introductions.append((intro, number, rng.randrange(1, members + 1), rng.randrange(1, members + 1),
                                       "{}", "accepted", "accepted" if accepted else "declined",
                                       "introduced" if accepted else "void", answers[0], answers[1], at + 7 * DAY, at,
                                       at, at + DAY if accepted else None))
    session_ids = list(range(1, SESSIONS + 1))
    for session in session_ids:
        at = NOW - rng.randrange(0, SPAN)
        data.sessions.append((session, f"s{session}", f"Session {session}", at, at + 7200, "Europe/Paris", at, at))
        data.session_themes.append((session, rng.choice(themes)))
        followers = rng.sample(range(1, members + 1), rng.randrange(20, 400))
        data.subscriptions += [(session, m, at) for m in followers]
        data.attendance += [(session, m, int(rng.random() < 0.7), at + 7200) for m in followers[:len(followers) // 2]]
    for commitment in rng.sample(range(1, commitments + 1), min(commitments, 30_000)):
        data.session_commitments.append((commitment, rng.choice(session_ids)))
    for practice in range(1, PRACTICES + 1):
        at = made_at(rng)
        data.practices.append((practice, rng.randrange(1, members + 1), f"Practice {practice}", "What was done.",
                               rng.choice(regions), "approved", rng.randrange(0, 5), at, at, at,
                               rng.choice(session_ids) if rng.random() < 0.2 else None))
        for theme in rng.sample(themes, rng.randrange(1, 3)):
            data.practice_themes.append((practice, theme))
        for member in rng.sample(range(1, members + 1), rng.randrange(0, 4)):
            data.practice_reports.append((practice, member, "worked", at))
    return data


async def write(db: Database, data: DataSet) -> None:
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO members (id, role, display_name, timezone, profile_complete, consented_at, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", data.members)
        await conn.executemany(f"INSERT INTO identities ({IDENTITY_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
                               [identity(db.keyring, *row) for row in data.identities])
        await conn.executemany(
            "INSERT INTO commitments (id, member_id, what, due_at, theme, region, visibility, status, stale, "
            "created_at, updated_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", data.commitments)
        await conn.executemany(
            "INSERT INTO partner_requests (id, member_id, theme, region, note, found, status, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", data.requests)
        await conn.executemany(
            "INSERT INTO introductions (id, request_id, a_id, b_id, reason, a_answer, b_answer, status, a_follow_up, "
            "b_follow_up, expires_at, created_at, updated_at, introduced_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", data.introductions)
        await conn.executemany(
            "INSERT INTO sessions (id, uid, title, starts_at, ends_at, zone, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", data.sessions)
        await conn.executemany("INSERT INTO session_themes (session_id, theme) VALUES (?, ?)", data.session_themes)
        await conn.executemany("INSERT INTO session_subscriptions (session_id, member_id, created_at) "
                               "VALUES (?, ?, ?)", data.subscriptions)
        await conn.executemany("INSERT INTO session_attendance (session_id, member_id, attended, answered_at) "
                               "VALUES (?, ?, ?, ?)", data.attendance)
        await conn.executemany("INSERT INTO session_commitments (commitment_id, session_id) VALUES (?, ?)",
                               data.session_commitments)
        await conn.executemany(
            "INSERT INTO practices (id, author_id, title, what, region, status, worked_count, created_at, "
            "updated_at, published_at, session_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", data.practices)
        await conn.executemany("INSERT INTO practice_themes (practice_id, theme) VALUES (?, ?)",
                               data.practice_themes)
        await conn.executemany("INSERT INTO practice_reports (practice_id, member_id, verdict, at) "
                               "VALUES (?, ?, ?, ?)", data.practice_reports)
        if db.dialect == "postgresql":  # the ids were given: the next ones the database gives come after them
            for table, rows in (("members", data.members), ("commitments", data.commitments),
                                ("partner_requests", data.requests), ("introductions", data.introductions),
                                ("sessions", data.sessions), ("practices", data.practices)):
                await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {len(rows)})")


def settle(url: str) -> None:
    """VACUUM ANALYZE, as autovacuum leaves a database that has been running a while."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


class Probe:
    """A task that asks to wake every `tick` seconds and records how late it woke: the event loop's stalls."""

    def __init__(self, tick: float = 0.005) -> None:
        self.tick, self.longest, self._task = tick, 0.0, None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time()
            await asyncio.sleep(self.tick)
            self.longest = max(self.longest, loop.time() - asked - self.tick)

    def __enter__(self) -> Probe:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        self._task.cancel()


@contextlib.contextmanager
def timed_parts(parts: dict[str, float]):
    """Adds up the time the report spends reading its figures and drawing its charts."""
    real_build, real_draw = report.build, charts.table_chart

    async def build(ctx, ref):
        started = time.perf_counter()
        try:
            return await real_build(ctx, ref)
        finally:
            parts["figures"] += time.perf_counter() - started

    def draw(table, **kwargs):
        started = time.perf_counter()
        try:
            return real_draw(table, **kwargs)
        finally:
            parts["charts"] += time.perf_counter() - started

    report.build, charts.table_chart = build, draw
    try:
        yield
    finally:
        report.build, charts.table_chart = real_build, real_draw


@contextlib.contextmanager
def drawing_on_the_loop():
    """asyncio.to_thread replaced by a plain call, for the charts only: what the report would do without its
    worker thread."""
    real = asyncio.to_thread

    async def inline(function, /, *args, **kwargs):
        if getattr(function, "__name__", "") in ("draw", "table_chart"):  # timed_parts' wrapper, or the chart
            return function(*args, **kwargs)
        return await real(function, *args, **kwargs)

    asyncio.to_thread = inline
    try:
        yield
    finally:
        asyncio.to_thread = real


async def run(core: Core, text: str, repeat: int) -> tuple[list[float], float, dict[str, float]]:
    organiser = Person("console", "organiser")
    times, longest, parts = [], 0.0, {"figures": 0.0, "charts": 0.0}
    for _ in range(repeat):
        with timed_parts(parts), Probe() as probe:
            started = time.perf_counter()
            replies = await core.handle_message(Incoming(organiser, text))
            times.append(time.perf_counter() - started)
            await asyncio.sleep(0.02)  # the probe's last wake
        assert any(r.attachment is not None for r in replies), [str(r.text)[:200] for r in replies]
        longest = max(longest, probe.longest)
    return times, longest, {k: v / repeat for k, v in parts.items()}


async def measure(engine: str, where: str, options: argparse.Namespace) -> list[str]:
    rng = random.Random(20261205)
    network = dataclasses.replace(network_from(Settings(network_name="Benchmark Network")),
                                  admins=frozenset({"console:organiser"}))
    themes, regions = [c.id for c in network.themes], [c.id for c in network.regions]
    db = connect(where)
    await db.open()
    try:
        started = time.perf_counter()
        data = make_data(options.members, options.commitments, themes, regions, rng)
        await write(db, data)
        if engine == "postgresql":
            await asyncio.to_thread(settle, where)
        lines = [f"{engine}: {len(data.members):,} members, {len(data.commitments):,} commitments, "
                 f"{len(data.requests):,} partner searches, {len(data.introductions):,} introductions, "
                 f"{len(data.sessions)} sessions ({len(data.subscriptions):,} followers), "
                 f"{len(data.practices):,} practices; built in {time.perf_counter() - started:.1f} s"]
        del data
        repos = Repositories.over(db)
        core = Core(Services(repos=repos, network=network, delivery=Silent(),
                             clock=lambda: datetime.fromtimestamp(NOW, UTC)), all_routers())
        tune_garbage_collector()
        meeting = " ".join(str(n) for n in range(1, 11))
        await core.handle_message(Incoming(Person("console", "organiser"), "/report"))  # warm: fonts, catalogues
        lines.append(f"  {'report':<22} {'replies ready (median, max)':>28} {'figures':>9} {'charts':>8} "
                     f"{'longest stall':>14} {'… charts on the loop':>21}")
        for text in ("/report", "/report year", "/report csv year", f"/report meeting {meeting}"):
            times, longest, parts = await run(core, text, options.repeat)
            with drawing_on_the_loop():
                _times, on_loop, _parts = await run(core, text, options.repeat)
            lines.append(f"  {text[:22]:<22} {statistics.median(times) * 1000:>15,.0f} ms, {max(times) * 1000:>5,.0f} ms"
                         f" {parts['figures'] * 1000:>6,.0f} ms {parts['charts'] * 1000:>5,.0f} ms"
                         f" {longest * 1000:>11,.0f} ms {on_loop * 1000:>18,.0f} ms")
        return lines
    finally:
        await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--commitments", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3, help="times each report is asked for")
    options = parser.parse_args()
    await on_each_engine(options.engines, "reports.db", lambda engine, where: measure(engine, where, options))


if __name__ == "__main__":
    asyncio.run(main())
