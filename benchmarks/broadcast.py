"""A broadcast through the bot as `solidarity-bot run` builds it, against a fake Telegram in another process that
holds the bot to Telegram's flood limit; members write to the bot while it goes out.

The fake Telegram is `tests/telegram_server.py`'s `LimitedBotApiServer` (every call checked against the pinned Bot
API spec), started as its own process on 127.0.0.1 with:

- a 100 ms round trip (50 ms on the way in, 50 ms back);
- at most 30 messages in any sliding second, counted as they arrive; one over gets 429 with retry_after 1;
- 1% of sendMessage calls answered 429 with retry_after 1-3 s at random, and 5% 403 (blocked).

The bot is built as `run` builds it: `bot.app.open_app` over a fresh SQLite database of N members with Telegram
accounts, the Telegram adapter from the same factory (`bot.telegram_adapter.telegram_adapter`) registered with the
outbox, `App.start` (scheduler and outbox), and the adapter started in polling mode by `bot.platforms.keep_trying`. An urgent broadcast to everyone is queued as an organiser's
confirmed /broadcast queues it (`handlers.broadcasts.send_now`, a page at a time). While it goes out, members who joined after it
was queued write /help to the bot, one every half second, and their replies' latency is measured at the fake:
from the moment the update was handed to the bot to the moment the reply arrived.

Printed, all counted where the requests arrive (at the fake): requests, one-second sliding windows over the cap,
the fullest window and the shortest span of 31 requests in a row, requests per second as a ratio of the cap (over
the whole run, and outside the time Telegram kept the bot waiting: each 429's retry_after and the round trip
after it), 429s (over the cap / at random), requests that arrived while a retry_after was running (more than a
round trip and a half after it was announced: requests already on their way do not count), reply latency
p50/p99, the outcome of every outbox row, and the time to finish. Seen from inside the bot: requests written while
its pace held for a retry_after, and how long after Telegram sent a 429 the bot heard of it. Timings are printed,
never asserted.

    python benchmarks/broadcast.py                     # 3,000 recipients (about 3 minutes)
    python benchmarks/broadcast.py --recipients 10000  # about 10 minutes
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import IDENTITY_COLUMNS, identity, keyring_for  # noqa: E402
from bot.app import open_app  # noqa: E402
from bot.platforms import Platform, keep_trying  # noqa: E402
from bot.settings import Settings, TelegramSettings  # noqa: E402
from bot.telegram_adapter import telegram_adapter  # noqa: E402  (the factory `run` builds it with)
from handlers.broadcasts import send_now  # noqa: E402

TOKEN = "123456:BENCHMARK"
CAP = 30
ROUND_TRIP = 0.1
FIRST_CHAT = 100_000_000  # member n's Telegram chat is FIRST_CHAT + n
WRITERS = 20
WRITE_EVERY = 0.5


async def start_fake_telegram(seed: int) -> tuple[asyncio.subprocess.Process, str]:
    """The fake Telegram in a process of its own; its base URL."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.telegram_server", "--token", TOKEN, "--round-trip", str(ROUND_TRIP),
        "--cap", str(CAP), "--seed", str(seed), "--lifetime", "3600", cwd=ROOT, stdout=asyncio.subprocess.PIPE)
    assert process.stdout is not None
    line = (await process.stdout.readline()).decode()
    return process, f"http://127.0.0.1:{line.split()[1]}"


def add_members(path: Path, first: int, last: int) -> None:
    """Members first..last, each with one Telegram account; member 1 is an organiser (bulk-inserted with sqlite3:
    this is set-up, not what is measured; the accounts hashed and sealed with the database's key, as the bot
    writes them)."""
    now = int(time.time())
    keyring = keyring_for(path)
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany("INSERT INTO members (id, role, display_name, timezone, consented_at, created_at, updated_at, "
                         "profile_complete) VALUES (?, ?, ?, 'UTC', ?, ?, ?, 1)",
                         [(i, "organiser" if i == 1 else "member", f"member {i}", now, now, now)
                          for i in range(first, last + 1)])
        conn.executemany(f"INSERT INTO identities ({IDENTITY_COLUMNS}) VALUES (?, ?, ?, ?, ?)",
                         [identity(keyring, "telegram", str(FIRST_CHAT + i), i, now) for i in range(first, last + 1)])
    conn.close()


def windows_over(arrivals: list[float], cap: int) -> tuple[int, int]:
    """How many one-second windows [t, t + 1) starting at a request hold more than `cap` requests, and the most
    any one-second window holds (the fullest window always starts at a request)."""
    times = sorted(arrivals)
    over = most = end = 0
    for start, moment in enumerate(times):
        while end < len(times) and times[end] < moment + 1.0:
            end += 1
        most = max(most, end - start)
        over += end - start > cap
    return over, most


def waiting_times(refusals: list[tuple[float, int, str]]) -> list[tuple[float, float]]:
    """When Telegram kept the bot waiting: from each 429 to the end of its retry_after and one round trip more (the
    429 reaching the bot, and its next request reaching Telegram); overlapping ones merged."""
    merged: list[tuple[float, float]] = []
    for moment, seconds, _ in sorted(refusals):
        end = moment + seconds + ROUND_TRIP
        if merged and moment <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((moment, end))
    return merged


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * share))] if values else float("nan")


async def run(tmp: Path, recipients: int, seed: int) -> dict:
    fake, base_url = await start_fake_telegram(seed)
    try:
        return await broadcast(tmp, recipients, base_url)
    finally:
        fake.terminate()
        await fake.wait()


async def broadcast(tmp: Path, recipients: int, base_url: str) -> dict:
    path = tmp / "broadcast.db"
    settings = Settings(database=path, network_name="Benchmark Network",
                        telegram=TelegramSettings(token=TOKEN, base_url=f"{base_url}/bot"))

    app = await open_app(settings)
    add_members(path, 1, recipients)
    adapter = telegram_adapter(app)
    app.delivery.register(adapter, connected=False)  # as `run` does: messages wait until Telegram is connected
    try:
        now = int(time.time())
        broadcast_id = await app.repos.broadcasts.create(
            1, "The assembly moves to the town hall, Saturday 10:00. Bring a friend.", {}, urgent=True,
            channels=False, status="scheduled", send_at=now, recipients=recipients, now=now)
        broadcast = await app.repos.broadcasts.get(broadcast_id)
        author = await app.repos.members.get(1)
        assert broadcast is not None and author is not None
        went_to = await send_now(app.core.member_context(author), broadcast, now)
        rows = sum((await app.repos.outbox.counts()).values())
        writers = [FIRST_CHAT + recipients + k for k in range(1, WRITERS + 1)]
        add_members(path, recipients + 1, recipients + WRITERS)  # they joined after the broadcast was queued

        # What the bot did, seen from inside it: when its pace paused for a 429, and when each request was written.
        pace = app.delivery.paces["telegram"]
        pauses: list[tuple[float, float]] = []
        writes: list[float] = []
        pause, leaving = pace.pause, pace.leaving

        def pausing(seconds: float) -> None:
            pauses.append((time.monotonic(), seconds))
            pause(seconds)

        async def written() -> None:
            await leaving()
            writes.append(time.monotonic())

        pace.pause, pace.leaving = pausing, written  # type: ignore[method-assign]

        await app.start()
        if not await keep_trying(Platform("telegram", adapter, adapter.start), app.delivery):
            raise SystemExit("the fake Telegram rejected the token")
        started = time.monotonic()
        async with httpx.AsyncClient(base_url=base_url) as control:
            said = 0
            while True:
                counts = await app.repos.outbox.counts()
                if not counts.get("pending") and not counts.get("sending"):
                    break
                await control.post("/control/say", json={"user": writers[said % WRITERS], "text": "/help"})
                said += 1
                await asyncio.sleep(WRITE_EVERY)
            finished = time.monotonic() - started
            for _ in range(100):  # the last replies
                stats = (await control.get("/control/stats")).json()
                if not stats["unanswered"]:
                    break
                await asyncio.sleep(0.1)
    finally:
        await app.scheduler.stop()
        await adapter.stop()
        await app.close()
    return {"recipients": went_to, "rows": rows, "said": said, "finished": finished, "counts": counts,
            "pauses": pauses, "writes": writes, **stats}


def report(result: dict) -> None:
    arrivals = result["arrivals"]
    times = sorted(t for t, *_ in arrivals)
    over, most = windows_over(times, CAP)
    tightest = min((b - a for a, b in zip(times, times[CAP:])), default=float("nan"))
    refusals = result["refusals"]
    waits = waiting_times(refusals)
    waited = sum(min(end, times[-1]) - start for start, end in waits)
    outside = sum(not any(start <= t < end for start, end in waits) for t in times)
    ignored = sum(any(moment + 1.5 * ROUND_TRIP < t < moment + seconds for moment, seconds, _ in refusals)
                  for t in times)
    statuses: dict[int, int] = {}
    for _, _, _, status in arrivals:
        statuses[status] = statuses.get(status, 0) + 1
    span = times[-1] - times[0]
    rate, rate_outside = len(times) / span, outside / (span - waited)
    counts = result["counts"]
    print(f"\n{result['recipients']:,} recipients ({result['rows']:,} outbox rows), fake Telegram in another process: "
          f"{ROUND_TRIP * 1000:.0f} ms round trip, {CAP} messages in any sliding second, 1% 429, 5% 403")
    print(f"  time to finish (sender start to every row settled): {result['finished']:.1f} s")
    print(f"  requests at Telegram: {len(times):,} in {span:.1f} s")
    print(f"  one-second windows over the cap: {over} (target 0); fullest window: {most} requests; the shortest "
          f"span of {CAP + 1} requests in a row: {tightest:.3f} s")
    print(f"  rate: {rate:.2f}/s = {rate / CAP:.3f} of the cap over the whole run; {rate_outside:.2f}/s = "
          f"{rate_outside / CAP:.3f} of the cap outside the {waited:.1f} s Telegram kept the bot waiting "
          f"(429s: retry_after and a round trip)")
    print(f"  429: {statuses.get(429, 0)} ({sum(1 for *_, why in refusals if why == 'cap')} over the cap, "
          f"{sum(1 for *_, why in refusals if why == 'random')} at random) = {statuses.get(429, 0) / len(times):.1%} "
          f"of requests; 403: {statuses.get(403, 0)}; 200: {statuses.get(200, 0)}")
    print(f"  requests that arrived while a retry_after was running, more than {1.5 * ROUND_TRIP:.2f} s after it was "
          f"announced: {ignored} (target 0)")
    pauses, writes = result["pauses"], result["writes"]
    held = sum(any(start < t < start + seconds for start, seconds in pauses) for t in writes)
    heard = [min((start - moment for start, _ in pauses if start >= moment), default=float("nan"))
             for moment, _, _ in refusals]
    print(f"  in the bot: requests written while it held for a retry_after: {held} (target 0); it heard of a 429 "
          f"p50 {percentile(heard, 0.5) * 1000:.0f} ms, max {max(heard, default=float('nan')) * 1000:.0f} ms after "
          f"Telegram sent it (half a round trip: {ROUND_TRIP * 500:.0f} ms)")
    states = ("sent", "unreachable", "failed", "uncertain", "pending", "sending", "skipped", "cancelled")
    print("  outbox: " + ", ".join(f"{s} {counts.get(s, 0):,}" for s in states))
    answers = result["answers"]
    print(f"  replies to members writing during the broadcast: {len(answers)} of {result['said']} arrived "
          f"({result['unanswered']} never); latency p50 {percentile(answers, 0.5):.2f} s, "
          f"p99 {percentile(answers, 0.99):.2f} s, max {max(answers, default=float('nan')):.2f} s")
    print(f"  spec violations: {len(result['violations'])}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=3_000, help="how many members the broadcast reaches")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="  log: %(levelname)s %(name)s: %(message)s")
    with tempfile.TemporaryDirectory() as tmp:
        report(await run(Path(tmp), args.recipients, args.seed))


if __name__ == "__main__":
    asyncio.run(main())
