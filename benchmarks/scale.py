"""What grows with the network, at 10,000, 100,000 and 1,000,000 members, on SQLite and on PostgreSQL.

For each engine and size, over a network written straight into the database (set-up, not measured):

- queuing a broadcast of 100,000 recipients at most (everyone in the smaller networks; everyone on one theme,
  a tenth, in the million), while the event loop is watched (a 5 ms timer: how late it fires) and a member
  changes a setting every 20 ms (how long that small write takes). Two ways side by side: a page at a time, as
  the bot does (`handlers.broadcasts.send_now`), and all of it in one transaction, as it was done before;
  targets: no stall over 100 ms, no small write held for long;
- erasing a member's buttons and counting them for /export among 1,000,000 button sets (the index on whom they
  were shown to, instead of reading the table);
- `/partner theme:… region:…` through the whole handler (`Core.handle_message`), each by another member:
  p50/p99 (target p99 < 10 ms).

    python benchmarks/scale.py [--sizes 10000,100000,1000000] [--engines sqlite,postgresql]

PostgreSQL: the server `SOLIDARITY_TEST_POSTGRESQL` names, else one started for the run (tests/postgres.py).
The million takes a few minutes per engine to set up.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import IDENTITY_COLUMNS, connect, identity  # noqa: E402
from bot.app import network_from, tune_garbage_collector  # noqa: E402
from bot.delivery import Outbox  # noqa: E402
from bot.settings import Settings  # noqa: E402
from handlers.broadcasts import send_now  # noqa: E402
from handlers.broadcasts.sending import start_in  # noqa: E402
from handlers.broadcasts.view import render  # noqa: E402
from handlers.capabilities import all_routers  # noqa: E402
from handlers.core import Core, Services  # noqa: E402
from handlers.events import Incoming, Outgoing, Person, Reply  # noqa: E402
from storage import Repositories  # noqa: E402
from storage.broadcasts import BroadcastRepository, audience_in  # noqa: E402
from storage.buttons import ButtonRepository  # noqa: E402
from storage.sealing import Keyring  # noqa: E402

BUTTON_SETS = 1_000_000
LANGUAGES = ["en", "fr", "es", "ar", "ru", "zh"]


class Parked:
    """A platform that is registered but never connected: what is queued for it waits."""

    platform = "telegram"

    async def send(self, person: Person, reply: Reply) -> None:  # pragma: no cover - never connected
        raise AssertionError("nothing is sent in this benchmark")


def rows(members: int, themes: list[str], regions: list[str], keyring: Keyring) -> dict[str, list[tuple]]:
    """The network's rows: every member on two themes (a tenth on each of the first ten), one region, one
    language, a Telegram account; contact lines sealed and accounts hashed and sealed with `keyring`, the
    database's, as the bot writes them."""
    return {
        "members": [(i, f"Member {i}", "journalist-or-media", "Europe/Paris", keyring.seal(f"signal:{i}"), 1, 0, 0, 0)
                    for i in range(1, members + 1)],
        "identities": [identity(keyring, "telegram", str(10_000_000 + i), i, 0) for i in range(1, members + 1)],
        "member_themes": sorted({(i, themes[i % 10]) for i in range(1, members + 1)}
                                | {(i, themes[10 + i % (len(themes) - 10)]) for i in range(1, members + 1)}),
        "member_regions": [(i, regions[i % len(regions)], 0) for i in range(1, members + 1)],
        "member_languages": [(i, LANGUAGES[i % len(LANGUAGES)], 0) for i in range(1, members + 1)],
    }


COLUMNS = {
    "members": "id, display_name, actor_kind, timezone, contact, profile_complete, consented_at, created_at, "
               "updated_at",
    "identities": IDENTITY_COLUMNS,
    "member_themes": "member_id, theme",
    "member_regions": "member_id, region, free",
    "member_languages": "member_id, language, position",
    "buttons": "token, audience, actions, expires_at",
}


def button_sets(rng: random.Random) -> list[tuple]:
    return [(f"{n:012x}", f"{rng.getrandbits(128):032x}", '{"0":["noop",{}]}', 2 ** 40) for n in range(BUTTON_SETS)]


def fill_sqlite(path: Path, data: dict[str, list[tuple]]) -> None:
    conn = sqlite3.connect(path)
    with conn:
        for table, values in data.items():
            marks = ", ".join("?" * len(values[0]))
            conn.executemany(f"INSERT INTO {table} ({COLUMNS[table]}) VALUES ({marks})", values)
    conn.close()


def fill_postgresql(url: str, data: dict[str, list[tuple]]) -> None:
    import psycopg

    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        for table, values in data.items():
            with cursor.copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row(value)
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('members', 'id'), {len(data['members'])})")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # as autovacuum leaves a database that has been running a while


async def watched(work, repos: Repositories, member_id: int) -> tuple[float, float, float]:
    """Run `work()` while the event loop is watched and a member changes a setting every 20 ms: (seconds it took,
    the longest the loop was late, the longest one small write took), in ms for the last two."""
    done = asyncio.Event()
    late: list[float] = [0.0]
    writes: list[float] = [0.0]

    async def watch() -> None:
        while not done.is_set():
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            late.append((time.perf_counter() - before - 0.005) * 1000)

    async def write() -> None:
        n = 0
        while not done.is_set():
            before = time.perf_counter()
            await repos.members.set_field(member_id, "organisation", f"Org {n}", n)
            writes.append((time.perf_counter() - before) * 1000)
            n += 1
            await asyncio.sleep(0.02)

    tasks = [asyncio.create_task(watch()), asyncio.create_task(write())]
    await asyncio.sleep(0.1)
    started = time.perf_counter()
    try:
        await work()
    finally:
        took = time.perf_counter() - started
        done.set()
        await asyncio.gather(*tasks)
    return took, max(late), max(writes)


async def all_at_once(ctx, broadcast, now: int) -> None:
    """The broadcast queued as it was before it went a page at a time: the whole audience read, then every
    recipient's message made and written, in one transaction."""
    async with ctx.repos.db.transaction() as conn:
        await start_in(conn, ctx, broadcast, now)
        recipients = await audience_in(conn, broadcast.audience)
        reply = render(ctx, broadcast.id, broadcast.body or "", broadcast.audience)
        await ctx.services.delivery.deliver_in(
            conn, [Outgoing(r.member_id, reply, "broadcast", None, broadcast_id=broadcast.id) for r in recipients],
            now)
        await BroadcastRepository.queued_page_in(conn, broadcast.id, None, len(recipients))


async def measure(engine: str, members: int, where: str, rng: random.Random) -> list[str]:
    network = dataclasses.replace(network_from(Settings(network_name="Scale")), partner_searches_per_day=10 ** 6)
    themes, regions = [c.id for c in network.themes], [c.id for c in network.regions]
    db = connect(where)
    await db.open()
    keyring = db.keyring
    await db.close()
    data = rows(members, themes, regions, keyring)
    data["buttons"] = button_sets(rng)
    started = time.perf_counter()
    if engine == "sqlite":
        await asyncio.to_thread(fill_sqlite, Path(where), data)
    else:
        await asyncio.to_thread(fill_postgresql, where, data)
    lines = [f"{engine}, {members:,} members and {BUTTON_SETS:,} button sets (set up in "
             f"{time.perf_counter() - started:.0f} s):"]
    del data

    db = connect(where)
    await db.open()
    repos = Repositories.over(db)
    outbox = Outbox(repos)
    outbox.register(Parked(), connected=False)
    core = Core(Services(repos=repos, network=network, delivery=outbox), all_routers())
    tune_garbage_collector()  # as the bot does once started
    try:
        # First, on a quiet network (the broadcasts below leave 200,000 deleted rows to vacuum).
        labels = {c.id: c.label for c in (*network.themes, *network.regions)}
        times = []
        for me in rng.sample(range(3, members + 1), 400):
            theme, region = rng.choice(themes[:12]), rng.choice(regions)
            message = Incoming(Person("telegram", str(10_000_000 + me)),
                               f"/partner theme:{labels[theme]} region:{labels[region]}")
            before = time.perf_counter()
            await core.handle_message(message)
            times.append((time.perf_counter() - before) * 1000)
        times = times[50:]  # the first ones warm the caches
        cuts = statistics.quantiles(times, n=100)
        lines.append(f"  /partner through the whole handler ({len(times)} members): p50 {cuts[49]:.2f} ms, "
                     f"p99 {cuts[98]:.2f} ms (target p99 < 10 ms)")

        author = await repos.members.get(1)
        ctx = core.member_context(author)
        audience = {} if members <= 100_000 else {"themes": [themes[0]]}
        now = int(time.time())  # a first, small broadcast loads what the first one loads (catalogues, frames)
        number = await repos.broadcasts.create(1, "Warm-up", {"regions": [regions[0]]}, urgent=True, channels=False,
                                               status="scheduled", send_at=now, recipients=0, now=now)
        await send_now(ctx, await repos.broadcasts.get(number), now)
        await db.execute("DELETE FROM outbox")
        for label, queue in (("a page at a time", send_now), ("one transaction", all_at_once)):
            now = int(time.time())
            number = await repos.broadcasts.create(1, "Vigil moved to 18:00", audience, urgent=True, channels=False,
                                                   status="scheduled", send_at=now, recipients=0, now=now)
            broadcast = await repos.broadcasts.get(number)
            took, stall, write = await watched(lambda: queue(ctx, broadcast, now), repos, 2)
            queued = (await repos.broadcasts.get(number)).recipients
            lines.append(f"  broadcast to {queued:,}, {label}: queued in {took:.2f} s; longest loop stall "
                         f"{stall:.0f} ms; longest small write meanwhile {write:.0f} ms")
            await db.execute("DELETE FROM outbox")

        audiences = [row[0] for row in await db.fetch_all("SELECT audience FROM buttons LIMIT 2")]
        started = time.perf_counter()
        held = await repos.buttons.count_for(audiences)
        counted = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        async with db.transaction() as conn:
            await ButtonRepository.forget_audiences_in(conn, audiences)
        erased = (time.perf_counter() - started) * 1000
        lines.append(f"  a person's buttons among {BUTTON_SETS:,} sets: counted for /export in {counted:.1f} ms, "
                     f"erased in {erased:.1f} ms ({held} found)")
    finally:
        await db.close()
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--engines", default="sqlite,postgresql")
    options = parser.parse_args()
    rng = random.Random(20261205)
    for engine in options.engines.split(","):
        for members in (int(size) for size in options.sizes.split(",")):
            with tempfile.TemporaryDirectory() as tmp:
                if engine == "sqlite":
                    where = str(Path(tmp) / "scale.db")
                    lines = await measure(engine, members, where, rng)
                else:
                    from tests.postgres import create_database, drop_database

                    where = await asyncio.to_thread(create_database, migrated=False)
                    try:
                        lines = await measure(engine, members, where, rng)
                    finally:
                        await asyncio.to_thread(drop_database, where)
            print("\n".join(lines), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
