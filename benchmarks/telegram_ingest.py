"""Telegram ingest: 20,000 updates through the full path against a bare python-telegram-bot Application.

Full path: Telegram update → adapter → core → SQLite (100,000 members; every update writes) → reply recorded by
an in-process request object. Bare: the same updates through an Application whose one handler replies "ok".
Both run in this process, in turns (five rounds of each by default: bare, full, bare, full …), so that a slow
moment of a shared machine hits one round rather than one path; the ratio printed is the median of the rounds'.

Throughput is measured as the bot runs in production: updates go through each Application's update processor
with the same concurrency limit (256 at once; the full path keeps each person's updates in order). Latency is
the full path's time per update with one update at a time, so it is the service time, not queueing.
The garbage collector is set up as the bot sets it up once started (`bot.app.tune_garbage_collector`), before
either path runs.
Prints both throughputs and their ratio for each round, the median ratio (target ≥ 0.45), the full path's p50/p99
latency (target p99 < 10 ms), the processor time each path used per update (all threads: the full path's
includes SQLite's), and the full garbage-collector passes during each run. A round whose wall-clock time per update
is well above its processor time spent the difference waiting: for the disk, or for a machine shared with others.

    python benchmarks/telegram_ingest.py [--updates 20000] [--members 100000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Update  # noqa: E402
from telegram.ext import Application, ApplicationBuilder, MessageHandler, filters  # noqa: E402
from telegram.request import BaseRequest  # noqa: E402

from benchmarks.common import IDENTITY_COLUMNS, identity  # noqa: E402
from bot.app import network_from, tune_garbage_collector  # noqa: E402
from bot.delivery import Outbox  # noqa: E402
from bot.settings import Settings, TelegramSettings  # noqa: E402
from bot.telegram_adapter import TelegramAdapter  # noqa: E402
from handlers.capabilities import all_routers
from handlers.core import Core, Services  # noqa: E402
from bot.settings import DEFAULT_REGIONS, DEFAULT_THEMES  # noqa: E402
from storage import Repositories, SqliteDatabase  # noqa: E402

CONCURRENCY = 256
BOT_USER = {"id": 1, "is_bot": True, "first_name": "Bench", "username": "BenchBot", "can_join_groups": True,
            "can_read_all_group_messages": False, "supports_inline_queries": False}


class CountingRequest(BaseRequest):
    """Answers every call at once, like a Bot API with no latency, and counts them."""

    def __init__(self) -> None:
        self.calls = 0
        self.message_id = 0

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(self, url, method, request_data=None, read_timeout=None, write_timeout=None,
                         connect_timeout=None, pool_timeout=None):
        self.calls += 1
        name = url.rsplit("/", 1)[-1]
        if name == "getMe":
            result = BOT_USER
        elif name in ("sendMessage", "editMessageText"):
            self.message_id += 1
            params = request_data.parameters if request_data else {}
            result = {"message_id": self.message_id, "date": 0, "text": "x",
                      "chat": {"id": int(params.get("chat_id", 1)), "type": "private"}}
        else:
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()


async def seed(db: Database, members: int) -> None:
    """A network of `members` members with realistic profiles, written straight to SQLite (contact lines sealed,
    accounts hashed and sealed with the database's key, as the bot writes them)."""
    themes = [t.lower().replace(" ", "-") for t in DEFAULT_THEMES]
    regions = [r.lower().replace(" ", "-") for r in DEFAULT_REGIONS]
    langs = ["en", "fr", "es", "ar", "ru", "pt", "de", "sw"]
    keyring = db.keyring
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO members (id, display_name, actor_kind, timezone, contact, profile_complete, consented_at, "
            "created_at, updated_at) VALUES (?, ?, 'journalist-or-media', 'Europe/Paris', ?, 1, 0, 0, 0)",
            [(i, f"Member {i}", keyring.seal(f"signal:{i}")) for i in range(1, members + 1)])
        await conn.executemany(f"INSERT INTO identities ({IDENTITY_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
                               [identity(keyring, "telegram", str(100_000 + i), i, 0) for i in range(1, members + 1)])
        await conn.executemany("INSERT OR IGNORE INTO member_themes VALUES (?, ?)",
                               [(i, themes[(i * k) % len(themes)]) for i in range(1, members + 1) for k in (1, 3)])
        await conn.executemany("INSERT INTO member_regions VALUES (?, ?, 0)",
                               [(i, regions[i % len(regions)]) for i in range(1, members + 1)])
        await conn.executemany("INSERT INTO member_languages VALUES (?, ?, 0)",
                               [(i, langs[i % len(langs)]) for i in range(1, members + 1)])


def updates(count: int, members: int) -> list[dict]:
    """Members opening their profile: each reply carries 8 buttons, each button a row written to SQLite."""
    out = []
    for n in range(count):
        user = 100_000 + 1 + (n * 7919) % members
        out.append({"update_id": n + 1, "message": {
            "message_id": n + 1, "date": 0, "chat": {"id": user, "type": "private"},
            "from": {"id": user, "is_bot": False, "first_name": "M"}, "text": "/profile",
            "entities": [{"type": "bot_command", "offset": 0, "length": 8}]}})
    return out


async def full_app(path: Path, data: list[dict], members: int) -> tuple[TelegramAdapter, Database, list[float]]:
    """The bot's Telegram adapter over a seeded database, warmed up, and its latency with one update at a time."""
    db = SqliteDatabase(path)
    await db.open()
    await seed(db, members)
    repos = Repositories.over(db)
    network = network_from(Settings(network_name="Bench"))
    core = Core(Services(repos=repos, network=network, delivery=Outbox(repos)), all_routers())
    request = CountingRequest()
    adapter = TelegramAdapter(core, TelegramSettings(token="1:BENCH"), request=request,
                              get_updates_request=request)
    await adapter.app.initialize()
    bot = adapter.app.bot
    await adapter.app.process_update(Update.de_json(data[0], bot))  # warm caches (Babel, geonames are lazy)
    latencies = []
    for raw in data[: len(data) // 4]:
        t0 = time.perf_counter()
        await adapter.app.process_update(Update.de_json(raw, bot))
        latencies.append(time.perf_counter() - t0)
    return adapter, db, latencies


async def bare_app(data: list[dict]) -> Application:
    """An Application whose one handler answers every message "ok", warmed up."""
    request = CountingRequest()
    app = (ApplicationBuilder().token("1:BARE").request(request).get_updates_request(request)
           .concurrent_updates(CONCURRENCY).build())

    async def trivial(update: Update, context) -> None:
        await update.effective_message.reply_text("ok")

    app.add_handler(MessageHandler(filters.ALL, trivial))
    await app.initialize()
    await app.process_update(Update.de_json(data[0], app.bot))
    return app


async def concurrently(app, data: list[dict]) -> float:
    """Push every update through the Application's own update processor, as its polling loop does."""
    processor = app.update_processor
    started = time.perf_counter()
    async with processor:
        tasks = []
        for raw in data:
            update = Update.de_json(raw, app.bot)
            tasks.append(asyncio.create_task(processor.process_update(update, app.process_update(update))))
        await asyncio.gather(*tasks)
    return time.perf_counter() - started


_collections = [0, 0.0]  # full (generation 2) garbage-collector passes so far, and the seconds they took


def _count_full_collections(phase: str, info: dict) -> None:
    if info["generation"] != 2:
        return
    if phase == "start":
        _collections.append(time.perf_counter())
    else:
        _collections[0] += 1
        _collections[1] += time.perf_counter() - _collections.pop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--updates", type=int, default=20_000)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each path, taken in turn")
    args = parser.parse_args()
    data = updates(args.updates, args.members)
    tune_garbage_collector()  # as the bot does once started; the same for both paths
    gc.callbacks.append(_count_full_collections)
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        bare = await bare_app(data)
        adapter, db, latencies = await full_app(Path(tmp) / "bench.db", data, args.members)
        for _ in range(args.rounds):  # side by side, so a slow moment of the machine hits one round of each
            before, cpu = _collections.copy(), time.process_time()
            bare_time = await concurrently(bare, data)
            middle, bare_cpu = _collections.copy(), time.process_time() - cpu
            full_time = await concurrently(adapter.app, data)
            full_cpu = time.process_time() - cpu - bare_cpu
            rounds.append((bare_time, full_time, [m - b for m, b in zip(middle, before)],
                           [a - m for a, m in zip(_collections, middle)], bare_cpu, full_cpu))
        await bare.shutdown()
        await adapter.app.shutdown()
        written = (await db.fetch_one("SELECT count(*) FROM buttons"))[0]
        await db.close()
    ms = sorted(x * 1000 for x in latencies)
    print(f"members in database         {args.members:>10,}")
    print(f"updates replayed            {args.updates:>10,} per round, {args.rounds} rounds of each path")
    print(f"button rows written         {written:>10,}")
    print("round   bare PTB (updates/s)   full path (updates/s)   ratio   CPU µs/update: bare / full"
          "   full GC passes: bare / full")
    ratios = []
    for n, (bare_time, full_time, bare_gc, full_gc, bare_cpu, full_cpu) in enumerate(rounds, start=1):
        bare_rate, full_rate = args.updates / bare_time, args.updates / full_time
        ratios.append(full_rate / bare_rate)
        cpu = f"{bare_cpu / args.updates * 1e6:.0f} / {full_cpu / args.updates * 1e6:.0f}"
        print(f"{n:>5}   {bare_rate:>20,.0f}   {full_rate:>21,.0f}   {ratios[-1]:>5.3f}   {cpu:>26}   "
              f"{bare_gc[0]} ({bare_gc[1] * 1000:.0f} ms) / {full_gc[0]} ({full_gc[1] * 1000:.0f} ms)")
    print(f"ratio full / bare, median   {statistics.median(ratios):>10.3f}   (target >= 0.45)")
    print(f"full path latency p50       {statistics.median(ms):>10.2f} ms")
    print(f"full path latency p99       {ms[int(len(ms) * 0.99) - 1]:>10.2f} ms   (target < 10 ms)")


if __name__ == "__main__":
    asyncio.run(main())
