"""A broadcast to 10,000 members through the real outbox and the real Telegram adapter, against a fake Telegram
that holds the bot to its rate limit.

The broadcast is made as the bot makes one: 10,000 members with Telegram accounts in a fresh SQLite database, a
`broadcasts` row (urgent, so no quiet hours hold anything back) and `handlers.broadcasts.queue_in`, which puts one
outbox row per account. The outbox's background sender (`Outbox.start`) then sends them through
`bot.telegram_adapter.TelegramAdapter` (python-telegram-bot, as in the tests) whose HTTP layer is the tests'
in-process `FakeBotApi` (every call checked against the Bot API spec), with a transport in front of it that:

- refuses (429, retry_after 1) any sendMessage that would put more than CAP requests into the last second
  (a sliding window; every request that arrives counts);
- takes 100 ms per round trip (the request arrives 50 ms after it leaves, the answer 50 ms later);
- answers 1% of the broadcast's requests at random with a 429 (retry_after 3 s) and 5% with a 403 ("Forbidden:
  bot was blocked by the user"), from a seeded generator.

Two runs:
1. cap 30 messages/s, the Telegram pace at its default (`bot.delivery.DEFAULT_PACES`). Five seconds in, one
   personal message (`Outbox.deliver`) is queued to a member, and the time until it reaches Telegram is printed:
   personal messages go before the rest of a broadcast.
2. cap 1,000/s, the outbox's Telegram pace at Pace(980, burst=1): how fast the outbox itself can go.

Printed for each run: requests per second over the whole run as a ratio of the cap (target at least 0.95 at
30/s), deliveries per second, the number of one-second sliding windows holding more requests than the cap
(target 0; from the timestamps the fake recorded as requests arrived, and again from the moments they left the
bot), how many requests the cap refused, the outcome of every row in the outbox table (every recipient sent or
marked: nothing left pending or sending), the event loop's longest stall and the full garbage-collector passes,
and the total time. Timings are printed, never asserted.

The fake's 50 ms on the way in is a sleep on the bot's own event loop, so a stall of the bot's loop also delays
requests already "on the wire"; the outbox keeps its requests far enough apart (`bot.delivery.Pace`) that such
delays do not put one too many into a window. As the bot does once started (`bot/app.py`), `gc.freeze()` is
called before sending begins.

    python benchmarks/broadcast.py            # 10,000 recipients (about 6 minutes at 30/s)
    python benchmarks/broadcast.py --quick    # 1,000 recipients, a smoke run
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import random
import sqlite3
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from markupsafe import Markup  # noqa: E402

from bot.delivery import DEFAULT_PACES, Outbox, Pace  # noqa: E402
from bot.settings import TelegramSettings  # noqa: E402
from bot.telegram_adapter import TelegramAdapter  # noqa: E402
from handlers.broadcasts import queue_in  # noqa: E402
from handlers.core import Core, Services, system_clock  # noqa: E402
from handlers.events import Reply  # noqa: E402
from handlers.network import Network  # noqa: E402
from storage import Database, Repositories  # noqa: E402
from tests.telegram_fake import FakeBotApi, RecordingRequest  # noqa: E402

FIRST_CHAT = 100_000_000  # member n's Telegram chat is FIRST_CHAT + n
ROUND_TRIP = 0.1
RATE_LIMITED, BLOCKED = 0.01, 0.05  # injected at random into the broadcast's requests
PERSONAL = "A personal message"


class LimitedTelegram(RecordingRequest):
    """The fake Bot API behind a slow, rate-limited connection with random refusals (sendMessage only; other
    calls, getMe at start, are answered at once)."""

    def __init__(self, api: FakeBotApi, cap: int, seed: int, spared_chat: int) -> None:
        super().__init__(api)
        self.cap = cap
        self.random = random.Random(seed)
        self.spared_chat = spared_chat  # the personal message's member: no injected failures, only the cap
        self.arrivals: list[float] = []  # monotonic moment each sendMessage reached "Telegram"
        self.departures: list[float] = []  # monotonic moment each sendMessage left the bot (entered this transport)
        self.window: deque[float] = deque()
        self.over_cap = self.injected_429 = self.injected_403 = self.ok = 0
        self.personal_at: float | None = None
        self.api_seconds = 0.0  # time spent in the fake's own work (spec checks, python-telegram-bot's request)

    async def do_request(self, url: str, method: str, request_data=None, read_timeout=None, write_timeout=None,
                         connect_timeout=None, pool_timeout=None) -> tuple[int, bytes]:
        if not url.endswith("/sendMessage"):
            return await super().do_request(url, method, request_data)
        self.departures.append(time.monotonic())
        await asyncio.sleep(ROUND_TRIP / 2)
        now = time.monotonic()
        self.arrivals.append(now)
        while self.window and now - self.window[0] >= 1.0:
            self.window.popleft()
        self.window.append(now)
        params = request_data.parameters if request_data is not None else {}
        chat = int(params.get("chat_id", 0))
        if len(self.window) > self.cap:
            self.over_cap += 1
            self.api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        elif chat != self.spared_chat:
            roll = self.random.random()
            if roll < RATE_LIMITED:
                self.injected_429 += 1
                self.api.fail("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
            elif roll < RATE_LIMITED + BLOCKED:
                self.injected_403 += 1
                self.api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
        began = time.perf_counter()
        status, body = await super().do_request(url, method, request_data)
        self.api_seconds += time.perf_counter() - began
        if status == 200:
            self.ok += 1
            if chat == self.spared_chat and PERSONAL in str(params.get("text", "")):
                self.personal_at = now
        await asyncio.sleep(ROUND_TRIP / 2)
        return status, body


async def make_database(path: Path, members: int) -> None:
    """A migrated database with `members` members, each with one Telegram account; member 1 is an organiser
    (bulk-inserted with sqlite3: this is set-up, not what is measured)."""
    db = Database(path)
    await db.open()
    await db.close()
    now = int(time.time())
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany("INSERT INTO members (id, role, display_name, timezone, consented_at, created_at, updated_at, "
                         "profile_complete) VALUES (?, ?, ?, 'UTC', ?, ?, ?, 1)",
                         [(i, "organiser" if i == 1 else "member", f"member {i}", now, now, now)
                          for i in range(1, members + 1)])
        conn.executemany("INSERT INTO identities (platform, external_id, member_id, linked_at) VALUES "
                         "('telegram', ?, ?, ?)", [(str(FIRST_CHAT + i), i, now) for i in range(1, members + 1)])
    conn.close()


def windows_over(arrivals: list[float], cap: int) -> tuple[int, int]:
    """How many one-second windows [t, t + 1) starting at a request hold more than `cap` requests, and the most
    any one-second window holds (the fullest window always starts at a request)."""
    times = sorted(arrivals)
    over = most = 0
    end = 0
    for start, moment in enumerate(times):
        while end < len(times) and times[end] < moment + 1.0:
            end += 1
        count = end - start
        most = max(most, count)
        over += count > cap
    return over, most


async def run(tmp: Path, name: str, recipients: int, cap: int, pace: Pace | None, probe_after: float | None,
              seed: int) -> dict:
    path = tmp / f"{name}.db"
    await make_database(path, recipients)
    db = Database(path)
    await db.open()
    repos = Repositories.over(db)
    outbox = Outbox(repos, system_clock, paces={"telegram": pace} if pace is not None else None)
    network = Network.build("Benchmark Network", ["Housing", "Climate"], ["North", "South"])
    core = Core(Services(repos=repos, network=network, delivery=outbox, clock=system_clock))
    personal_member = recipients // 2 + 1
    api = FakeBotApi()
    request = LimitedTelegram(api, cap, seed, FIRST_CHAT + personal_member)
    adapter = TelegramAdapter(core, TelegramSettings(token="123456:TEST-TOKEN"), request=request,
                              get_updates_request=request, rate_limit=False)
    outbox.register(adapter)
    await adapter.app.initialize()

    # The broadcast, as an organiser's confirmed /broadcast makes it.
    now = int(time.time())
    broadcast_id = await repos.broadcasts.create(
        1, "The assembly moves to the town hall, Saturday 10:00. Bring a friend.", {}, urgent=True,
        channels=False, status="scheduled", send_at=now, recipients=recipients, now=now)
    broadcast = await repos.broadcasts.get(broadcast_id)
    author = await repos.members.get(1)
    assert broadcast is not None and author is not None
    began = time.perf_counter()
    async with db.transaction() as conn:
        went_to = await queue_in(conn, core.member_context(author), broadcast, now)
    queued_in = time.perf_counter() - began
    rows = sum((await repos.outbox.counts()).values())

    stalls: list[float] = []

    async def watch_loop() -> None:
        """How late a 10 ms sleep wakes: the event loop's stalls while the broadcast goes out."""
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.01)
            stalls.append(time.monotonic() - before - 0.01)

    watcher = asyncio.create_task(watch_loop())
    collections: list[float] = []  # how long each full (generation 2) garbage-collector pass took

    def timed_gc(phase: str, info: dict) -> None:
        if info["generation"] == 2:
            if phase == "start":
                timed_gc.began = time.perf_counter()  # type: ignore[attr-defined]
            else:
                collections.append(time.perf_counter() - timed_gc.began)  # type: ignore[attr-defined]

    gc.callbacks.append(timed_gc)
    gc.freeze()  # as the bot does once started (bot/app.py): what was loaded before is kept out of full passes
    started = time.monotonic()
    await outbox.start()
    probe_at: float | None = None
    while True:
        await asyncio.sleep(0.05)
        if probe_after is not None and probe_at is None and time.monotonic() - started >= probe_after:
            probe_at = time.monotonic()
            await outbox.deliver(personal_member, Reply(Markup(f"<b>{PERSONAL}</b>: your shift starts at 9.")))
        counts = await repos.outbox.counts()
        if not counts.get("pending") and not counts.get("sending") and (probe_after is None or probe_at):
            break
    ended = time.monotonic()
    watcher.cancel()
    gc.callbacks.remove(timed_gc)
    gc.unfreeze()
    await outbox.stop()
    await adapter.app.shutdown()
    await db.close()

    total = ended - started
    over, most = windows_over(request.arrivals, cap)
    left_over, left_most = windows_over(request.departures, cap)
    requests = len(request.arrivals)
    return {
        "name": name, "cap": cap, "pace": outbox.paces["telegram"], "members": went_to, "rows": rows,
        "queued_in": queued_in, "total": total, "requests": requests,
        "span": request.arrivals[-1] - request.arrivals[0] if requests > 1 else 0.0,
        "p95": sorted(request.arrivals)[int(requests * 0.95) - 1] - started if requests else 0.0,
        "over": over, "most": most, "left_over": left_over, "left_most": left_most, "over_cap": request.over_cap, "injected_429": request.injected_429,
        "injected_403": request.injected_403, "counts": counts,
        "personal": None if probe_at is None or request.personal_at is None else request.personal_at - probe_at,
        "probe_after": probe_after, "stall_max": max(stalls, default=0.0),
        "stalls_over_30ms": sum(s > 0.03 for s in stalls), "full_gcs": len(collections),
        "full_gc_max": max(collections, default=0.0), "api_seconds": request.api_seconds, "violations": len(api.violations),
    }


def report(result: dict) -> None:
    cap, total, requests = result["cap"], result["total"], result["requests"]
    counts = result["counts"]
    sent = counts.get("sent", 0)
    pace = result["pace"]
    print(f"\n{result['name']}: {result['members']:,} recipients, fake Telegram capped at {cap:,} messages/s "
          f"(outbox pace {pace.rate:g}/s, burst {pace.burst})")
    print(f"  queue_in: {result['rows']:,} outbox rows written in {result['queued_in'] * 1000:.0f} ms")
    print(f"  total time (sender start to nothing pending or sending): {total:.1f} s")
    rate = requests / total
    print(f"  requests: {requests:,} = {rate:.1f}/s over the whole run; ratio to the cap {rate / cap:.3f}   "
          f"(target >= 0.95)")
    if result["span"]:
        print(f"            {(requests - 1) / result['span']:.1f}/s from the first request to the last "
              f"({result['span']:.1f} s); ratio {(requests - 1) / result['span'] / cap:.3f}")
    print(f"            {int(requests * 0.95):,} (95%) within {result['p95']:.1f} s of the start: "
          f"{int(requests * 0.95) / result['p95']:.1f}/s; ratio {int(requests * 0.95) / result['p95'] / cap:.3f}")
    print(f"  deliveries: {sent:,} sent = {sent / total:.1f}/s")
    print(f"  one-second windows over the cap: {result['over']}   (target 0); fullest window {result['most']} "
          f"requests; refused by the cap: {result['over_cap']}")
    print(f"  the same counted as requests left the bot: {result['left_over']} windows over the cap; fullest "
          f"{result['left_most']}")
    print(f"  injected: {result['injected_429']} x 429 (retry_after 3 s), {result['injected_403']} x 403")
    states = ("sent", "unreachable", "failed", "uncertain", "pending", "sending", "skipped", "cancelled")
    print("  outbox: " + ", ".join(f"{s} {counts.get(s, 0):,}" for s in states)
          + f"; every row settled: {'yes' if not counts.get('pending') and not counts.get('sending') else 'NO'}")
    if result["probe_after"] is not None:
        late = result["personal"]
        shown = "never arrived" if late is None else f"{late:.2f} s"
        print(f"  a personal message queued {result['probe_after']:g} s in reached Telegram after {shown}   "
              f"(target: seconds, not minutes)")
    print(f"  event loop: longest stall {result['stall_max'] * 1000:.0f} ms; stalls over 30 ms: "
          f"{result['stalls_over_30ms']}; full garbage-collector passes: {result['full_gcs']}, longest "
          f"{result['full_gc_max'] * 1000:.0f} ms")
    print(f"  time inside the fake Bot API (spec checks, answers): {result['api_seconds']:.1f} s; "
          f"spec violations: {result['violations']}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 recipients instead of 10,000")
    parser.add_argument("--recipients", type=int, help="how many members the broadcast reaches")
    parser.add_argument("--probe-after", type=float, default=5.0,
                        help="seconds into the 30/s run to queue the personal message")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", choices=("capped", "ceiling"), help="run one of the two")
    args = parser.parse_args()
    recipients = args.recipients or (1_000 if args.quick else 10_000)
    logging.basicConfig(level=logging.WARNING, format="  log: %(levelname)s %(name)s: %(message)s")

    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "capped"):
            result = await run(Path(tmp), "30/s", recipients, 30, DEFAULT_PACES["telegram"](), args.probe_after,
                               args.seed)
            report(result)
        if args.only in (None, "ceiling"):
            result = await run(Path(tmp), "1,000/s", recipients, 1000, Pace(980, burst=1), None, args.seed)
            report(result)


if __name__ == "__main__":
    asyncio.run(main())
