"""Replies per second with one and two `solidarity-bot run` processes on PostgreSQL and one on SQLite, side by side
in one run, under a mix like real traffic; then a broadcast sent by two processes against Telegram's cap.

Each configuration: a network of `--members` members (written straight into the database), the bot's processes
in Telegram webhook mode each on its own port (tests/processes.py), a fake Bot API in this process
(tests/telegram_server.py). `--concurrency` members at a time each send a command and wait for its answer before
the next, the load balancer taking the processes in turn. The mix: /help 20%, /profile 20%, /commitments 15%,
/agenda 15%, /reminders 10%, /partner theme:… region:… 10%, /remind in 3 hours … 10%. After a warm-up, replies
are counted for `--seconds`; latency runs from the update's post to its answer's arrival at the fake Telegram.

The broadcast: 2,000 messages queued at once, sent by two processes against a fake Telegram that refuses more
than 30 messages in any one second: messages a second, the most in any one second, and refusals for the cap
(target: 0).

    python benchmarks/scale_out.py [--members 10000] [--seconds 20] [--concurrency 32]

PostgreSQL: the server `SOLIDARITY_TEST_POSTGRESQL` names, else one started for the run (tests/postgres.py). On
this two-core machine the processes, PostgreSQL, the fake Telegram and the load share the two cores.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from benchmarks.common import connect  # noqa: E402
from benchmarks.scale import fill_postgresql, fill_sqlite, rows  # noqa: E402
from bot.app import network_from  # noqa: E402
from bot.settings import Settings  # noqa: E402
from handlers.events import Reply, reply_to_dict  # noqa: E402
from storage import Repositories  # noqa: E402
from storage.outbox import NewMessage  # noqa: E402
from tests.postgres import create_database, drop_database  # noqa: E402
from tests.processes import TOKEN, BotProcess  # noqa: E402
from tests.telegram_server import BotApiServer, LimitedBotApiServer  # noqa: E402

FIRST_CHAT = 10_000_000  # member i's Telegram account (benchmarks/scale.py)
ANSWERS = frozenset({"sendMessage", "sendDocument"})


class AnsweringServer(BotApiServer):
    """The fake Bot API, telling the load when an answer into a chat arrives."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.waiting: dict[int, asyncio.Future[float]] = {}

    async def _answer(self, method, params, filename, content=None):
        response = await super()._answer(method, params, filename, content)
        if method in ANSWERS and (waiting := self.waiting.pop(int(params.get("chat_id", 0)), None)):
            if not waiting.done():
                waiting.set_result(time.perf_counter())
        return response


def mix(rng: random.Random, labels: list[tuple[str, str]]) -> str:
    roll = rng.random()
    for share, text in ((0.20, "/help"), (0.40, "/profile"), (0.55, "/commitments"), (0.70, "/agenda"),
                        (0.80, "/reminders"), (0.90, None)):
        if roll < share:
            if text is None:
                theme, region = rng.choice(labels)
                return f"/partner theme:{theme} region:{region}"
            return text
    return "/remind in 3 hours call the lawyer"


async def load(server: AnsweringServer, bots: list[BotProcess], members: int, *, seconds: float, warm: float,
               concurrency: int, labels: list[tuple[str, str]]) -> tuple[float, float, float]:
    """(replies a second, p50 ms, p99 ms) while `concurrency` members talk to the processes in turn."""
    rng = random.Random(7)
    turn = iter(range(10 ** 12))
    latencies: list[float] = []
    counting_from = time.perf_counter() + warm
    until = counting_from + seconds

    async def member(worker: int, session: aiohttp.ClientSession) -> None:
        ids = list(range(2 + worker, members + 1, concurrency))
        rng.shuffle(ids)
        for me in ids:
            if time.perf_counter() >= until:
                return
            chat = FIRST_CHAT + me
            answered = asyncio.get_running_loop().create_future()
            server.waiting[chat] = answered
            sent = time.perf_counter()
            status = await bots[next(turn) % len(bots)].post(session, server.api.message_update(chat, mix(rng, labels)))
            assert status == 200, status
            arrived = await asyncio.wait_for(answered, 30)
            if arrived >= counting_from and arrived < until:
                latencies.append((arrived - sent) * 1000)

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(member(w, session) for w in range(concurrency)))
    cuts = statistics.quantiles(latencies, n=100)
    return len(latencies) / seconds, cuts[49], cuts[98]


async def configuration(engine: str, processes: int, options, folder: Path) -> str:
    network = network_from(Settings(network_name="Scale out"))
    themes, regions = [c.id for c in network.themes], [c.id for c in network.regions]
    labels = [(t.label, r.label) for t in network.themes[:10] for r in network.regions]
    if engine == "sqlite":
        where = str(folder / f"{engine}-{processes}.db")
    else:
        where = await asyncio.to_thread(create_database, migrated=False)
    try:
        db = connect(where)
        await db.open()
        keyring = db.keyring
        await db.close()
        data = rows(options.members, themes, regions, keyring)
        await asyncio.to_thread(fill_sqlite if engine == "sqlite" else fill_postgresql, where, data)
        server = AnsweringServer(TOKEN)
        await server.start()
        bots = [BotProcess(folder, server, where, f"{engine}-{processes}-{n}") for n in range(processes)]
        try:
            for bot in bots:
                await bot.start()
            for bot in bots:
                await bot.wait_listening()
            per_second, p50, p99 = await load(server, bots, options.members, seconds=options.seconds, warm=3.0,
                                              concurrency=options.concurrency, labels=labels)
        finally:
            for bot in bots:
                await bot.stop()
            await server.stop()
    finally:
        if engine != "sqlite":
            await asyncio.to_thread(drop_database, where)
    return (f"{engine:<10} {processes} process{'es' if processes > 1 else '  '}: {per_second:7.1f} replies/s, "
            f"p50 {p50:6.1f} ms, p99 {p99:6.1f} ms")


async def broadcast(folder: Path) -> str:
    """2,000 messages sent by two processes against the cap of 30 a second."""
    recipients = 2000
    network = network_from(Settings(network_name="Scale out"))
    where = await asyncio.to_thread(create_database, migrated=False)
    server = LimitedBotApiServer(TOKEN, round_trip=0.02, cap=30, rate_limited=0.0, blocked=0.0)
    await server.start()
    bots = [BotProcess(folder, server, where, f"broadcast-{n}") for n in range(2)]
    try:
        db = connect(where)
        await db.open()
        repos = Repositories.over(db)
        await asyncio.to_thread(fill_postgresql, where, rows(recipients, [c.id for c in network.themes],
                                                             [c.id for c in network.regions], db.keyring))
        for bot in bots:
            await bot.start()
        for bot in bots:
            await bot.wait_listening()
        now = int(time.time())
        body = reply_to_dict(Reply("The assembly moves to the town hall, Saturday 10:00."))
        async with db.transaction() as conn:
            await repos.outbox.add_in(conn, [NewMessage(i, "telegram", str(FIRST_CHAT + i), "broadcast", body,
                                                        now, broadcast_id=1) for i in range(1, recipients + 1)],
                                      now)
        while (await db.fetch_one("SELECT count(*) FROM outbox WHERE state = 'sent'"))[0] < recipients:
            await asyncio.sleep(0.5)
        senders = await db.fetch_all("SELECT claimed_by, count(*) FROM outbox GROUP BY claimed_by")
        await db.close()
    finally:
        for bot in bots:
            await bot.stop()
        await server.stop()
        await asyncio.to_thread(drop_database, where)
    moments = sorted(m for m, method, _, status in server.arrivals if method == "sendMessage")
    busiest = max(sum(1 for other in moments[i:i + 60] if other - m < 1.0) for i, m in enumerate(moments))
    refused = sum(1 for r in server.refusals if r[2] == "cap")
    delivered = collections.Counter(chat for _, method, chat, status in server.arrivals
                                    if method == "sendMessage" and status == 200)
    rate = (len(moments) - 1) / (moments[-1] - moments[0])
    return (f"broadcast of {recipients:,} by 2 processes ({', '.join(str(row[1]) for row in senders)} each): "
            f"{rate:.1f} messages/s, at most {busiest} in any one second (cap 30), {refused} refused for the cap, "
            f"{recipients - len(delivered)} lost, {sum(delivered.values()) - len(delivered)} twice")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=32)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for engine, processes in (("sqlite", 1), ("postgresql", 1), ("postgresql", 2)):
            print(await configuration(engine, processes, options, Path(tmp)), flush=True)
        print(await broadcast(Path(tmp)), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
