"""Running the bot for real: /healthz, /readyz and /metrics over HTTP on 127.0.0.1, and stopping on SIGTERM.

- A real `solidarity-bot run` (Telegram webhook mode, against the fake Bot API on 127.0.0.1) answers the three
  endpoints on its webhook's own port; /metrics counts the update it answered and names nobody.
- Readiness turns false, and says which check failed, when the database is gone, the outbox is stuck, the clock
  lags or a platform is not connected (an app in this process, served over real HTTP).
- /metrics counts what the outbox sent, failed to deliver and was asked to wait for, per platform.
- SIGTERM: the reply in flight is finished, the messages not sent stay in the outbox, and the process exits
  within 10 seconds; the next start sends what was left, nobody twice.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from markupsafe import Markup
from prometheus_client.parser import text_string_to_metric_families

from bot.app import open_app
from bot.delivery import RetryLater, Unreachable
from bot.http import Health, HttpServer, Watched
from bot.settings import Settings
from handlers.events import Person, Reply, reply_to_dict
from storage import Repositories, connect
from storage.outbox import NewMessage
from tests.postgres import SECRET_KEY, drop_database, fresh_database
from tests.processes import ROOT, SECRET, TOKEN, BotProcess
from tests.telegram_server import BotApiServer, LimitedBotApiServer

HTTP = '[http]\nlisten = "127.0.0.1"\nport = {port}\n'  # the endpoint on the webhook's own port
STRANGER = 987_654_321


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Each sample of a /metrics page: (name, labels) -> value."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def _get(session: aiohttp.ClientSession, port: int, path: str) -> tuple[int, str]:
    async with session.get(f"http://127.0.0.1:{port}{path}") as response:
        return response.status, await response.text()


# --- a real process ----------------------------------------------------------------------------------------


async def test_a_running_bot_answers_health_readiness_and_metrics_on_its_webhook_port(tmp_path):
    server = BotApiServer(TOKEN)
    await server.start()
    bot = BotProcess(tmp_path, server, str(tmp_path / "bot.db"), "bot", more=HTTP)
    try:
        await bot.start()
        await bot.wait_listening()
        # The container's HEALTHCHECK, as the image runs it (the port from the environment, as the image sets it).
        check = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.healthcheck", env={**os.environ, "SOLIDARITY__HTTP__PORT": str(bot.port),
                                                          "PYTHONPATH": str(ROOT)})
        assert await check.wait() == 0
        async with aiohttp.ClientSession() as session:
            assert await _get(session, bot.port, "/healthz") == (200, "ok\n")
            for _ in range(50):  # ready once Telegram's adapter has started
                status, body = await _get(session, bot.port, "/readyz")
                if status == 200:
                    break
                await asyncio.sleep(0.1)
            ready = json.loads(body)
            assert status == 200 and ready["ready"] is True
            assert ready["checks"]["telegram"] == {"ok": True, "connected": "here"}
            assert ready["checks"]["database"] == {"ok": True}
            assert await bot.post(session, server.api.message_update(STRANGER, "/start")) == 200
            await server.wait_for(lambda api: api.texts(STRANGER))
            status, page = await _get(session, bot.port, "/metrics")
            assert (await _get(session, bot.port, "/nothing-here"))[0] == 404
        assert status == 200
        samples = _samples(page)
        assert samples[("solidarity_updates_total", (("platform", "telegram"),))] == 1
        assert samples[("solidarity_reply_seconds_count", (("platform", "telegram"),))] == 1
        assert samples[("solidarity_outbox_messages", ())] == 0
        # Nobody in it: no account, no chat, nothing anyone wrote or was told, no secret.
        welcome = server.api.texts(STRANGER)[0]
        for secret in (str(STRANGER), "/start", welcome[:20], "Shared Network", TOKEN, SECRET):
            assert secret not in page
        labels = {name for family in text_string_to_metric_families(page) for s in family.samples
                  for name in s.labels}
        assert labels <= {"platform", "reason", "le"}
        stopped_at = time.monotonic()
        log = await bot.stop(signal.SIGTERM)
        assert time.monotonic() - stopped_at < 10
        assert bot.process is not None and bot.process.returncode == 0, log[-2000:]
        assert "stopped in" in log and "Traceback" not in log
        check = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.healthcheck", f"http://127.0.0.1:{bot.port}/healthz",
            env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=asyncio.subprocess.PIPE)
        _, said = await check.communicate()
        assert check.returncode == 1 and b"connection refused" in said  # the process is gone: unhealthy
    finally:
        if bot.process is not None and bot.process.returncode is None:
            await bot.stop(signal.SIGKILL)
        await server.stop()


async def test_sigterm_finishes_the_reply_in_flight_and_leaves_the_rest_in_the_outbox(tmp_path):
    # Every call takes 0.6 s, and at most 30 messages a second go: 300 queued messages take ten seconds.
    server = LimitedBotApiServer(TOKEN, round_trip=0.6, cap=30, rate_limited=0.0, blocked=0.0)
    await server.start()
    database = str(tmp_path / "bot.db")
    chats = list(range(300_000, 300_300))
    db = connect(database)
    await db.open()
    repos = Repositories.over(db)
    now = int(time.time())
    async with db.transaction() as conn:
        members = [await repos.members.create_in(conn, "telegram", str(chat), now) for chat in chats]
        body = reply_to_dict(Reply(Markup("The session moved to Thursday")))
        await repos.outbox.add_in(conn, [NewMessage(member, "telegram", str(chat), "broadcast", body, now,
                                                        broadcast_id=1)
                                             for member, chat in zip(members, chats, strict=True)], now)
    await db.close()
    first = BotProcess(tmp_path, server, database, "first")
    second = BotProcess(tmp_path, server, database, "second")
    try:
        await first.start()
        await first.wait_listening()
        await server.wait_for(lambda api: sum(1 for m, _ in api.calls if m == "sendMessage") >= 30, timeout=60)
        async with aiohttp.ClientSession() as session:
            assert await first.post(session, server.api.message_update(STRANGER, "/start")) == 200
        await asyncio.sleep(0.3)  # the welcome is on its way (its request takes 0.6 s)
        stopped_at = time.monotonic()
        log = await first.stop(signal.SIGTERM)
        took = time.monotonic() - stopped_at
        assert first.process is not None and first.process.returncode == 0, log[-2000:]
        assert took < 10, took
        assert server.api.texts(STRANGER), "the reply in flight was not finished"

        delivered = Counter(chat for _, method, chat, status in server.arrivals
                            if method == "sendMessage" and status == 200 and chat != STRANGER)
        db = connect(database)
        await db.open()
        counts = await Repositories.over(db).outbox.counts()
        sent_rows = {int(db.keyring.open(r[0]))
                     for r in await db.fetch_all("SELECT address FROM outbox WHERE state = 'sent'")}
        await db.close()
        assert "sending" not in counts  # nothing left half-claimed
        assert counts.get("pending", 0) > 0 and counts.get("sent", 0) + counts["pending"] == len(chats), counts
        assert set(delivered) == sent_rows  # what arrived is exactly what the outbox says went

        await second.start()  # the next start sends the rest
        await second.wait_listening()
        deadline = time.monotonic() + 60
        while len({c for _, m, c, s in server.arrivals if m == "sendMessage" and s == 200} - {STRANGER}) < len(chats):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.5)
        await asyncio.sleep(1)
    finally:
        for bot in (first, second):
            if bot.process is not None and bot.process.returncode is None:
                await bot.stop()
        await server.stop()
    delivered = Counter(chat for _, method, chat, status in server.arrivals
                        if method == "sendMessage" and status == 200 and chat != STRANGER)
    assert set(delivered) == set(chats) and set(delivered.values()) == {1}  # nobody lost, nobody twice


# --- an app in this process, served over real HTTP ---------------------------------------------------------


class Moment:
    """The app's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    @property
    def seconds(self) -> int:
        return int(self.now.timestamp())


@pytest.fixture
async def served(tmp_path):
    """An app over SQLite whose /readyz looks at one platform (connected at will), served on 127.0.0.1."""

    async def serve(database: str):
        clock = Moment()
        app = await open_app(Settings(database=database, secret_key=SECRET_KEY if database.startswith("postgresql")
                                      else None), clock)
        telegram = {"connected": True}
        server = HttpServer("127.0.0.1", _free_port())
        Health(app, [Watched("telegram", lambda: telegram["connected"])]).serve_on(server)
        await server.start()
        opened.append((app, server))
        return app, server, clock, telegram

    opened: list = []
    yield serve
    for app, server in opened:
        await server.stop()
        await app.close()


async def _ready(server: HttpServer) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session:
        status, body = await _get(session, server.port, "/readyz")
    return status, json.loads(body)


async def test_readiness_turns_false_when_the_outbox_is_stuck_the_clock_lags_or_a_platform_is_down(tmp_path,
                                                                                                 served):
    app, server, clock, telegram = await served(str(tmp_path / "bot.db"))
    status, ready = await _ready(server)
    assert status == 200 and ready["ready"] is True

    # A reminder due six minutes ago, nothing sent since: the outbox is stuck.
    member = await app.repos.members.create("telegram", "101", now=clock.seconds - 3600)
    due = clock.seconds - 360
    await app.repos.outbox.add([NewMessage(member.id, "telegram", "101", "reminder",
                                           reply_to_dict(Reply(Markup("Call the shelter"))), due)], due)
    status, ready = await _ready(server)
    assert status == 503 and ready["ready"] is False
    assert ready["checks"]["outbox"]["ok"] is False and ready["checks"]["outbox"]["oldest_due_seconds"] == 360
    assert ready["checks"]["clock"]["ok"] is True and ready["checks"]["database"]["ok"] is True

    # Messages go out again (one sent a minute ago): a long wait is a big queue moving, not a stuck one.
    [claimed] = await app.repos.outbox.claim(clock.seconds, 10, ("telegram",), by="test")
    await app.repos.outbox.settle(claimed.id, "sent", clock.seconds - 60)
    await app.repos.outbox.add([NewMessage(member.id, "telegram", "101", "broadcast",
                                           reply_to_dict(Reply(Markup("News"))), due)], due)
    status, ready = await _ready(server)
    assert status == 200 and ready["checks"]["outbox"]["oldest_due_seconds"] == 360
    clock.now += timedelta(minutes=10)  # … until nothing has gone for ten minutes
    assert (await _ready(server))[0] == 503

    # The clock: something due three minutes ago that nobody turned into a message.
    clock.now -= timedelta(minutes=10)
    await app.repos.schedule.add("reminder", 1, member.id, clock.seconds - 180)
    status, ready = await _ready(server)
    assert status == 503 and ready["checks"]["clock"] == {"ok": False, "lag_seconds": 180, "due_items": 1,
                                                          "limit_seconds": 120}

    telegram["connected"] = False
    status, ready = await _ready(server)
    assert ready["checks"]["telegram"] == {"ok": False, "connected": "no"}


async def test_readiness_turns_false_when_the_database_is_gone(served):
    async with fresh_database() as url:
        app, server, _clock, _telegram = await served(url)
        assert (await _ready(server))[0] == 200
        await asyncio.to_thread(drop_database, url)  # its connections are cut, and it is no more
        status, ready = await _ready(server)
        assert status == 503 and ready["checks"]["database"]["ok"] is False
        async with aiohttp.ClientSession() as session:
            assert await _get(session, server.port, "/healthz") == (200, "ok\n")  # alive, just not ready


class Refusing:
    """A platform that answers the outbox as told, per account: '429' once, 'blocked', or delivers."""

    platform = "telegram"

    def __init__(self) -> None:
        self.pace = None
        self.delivered: list[str] = []
        self.asked_to_wait = False

    async def send(self, person: Person, reply: Reply) -> None:
        if person.external_id == "acct-202" and not self.asked_to_wait:
            self.asked_to_wait = True
            raise RetryLater(0.01)
        if person.external_id == "acct-303":
            raise Unreachable()
        self.delivered.append(person.external_id)


async def test_metrics_count_what_the_outbox_sent_failed_and_was_asked_to_wait_for(tmp_path, served):
    app, server, clock, _telegram = await served(str(tmp_path / "bot.db"))
    platform = Refusing()
    app.delivery.register(platform)
    for account in ("acct-101", "acct-202", "acct-303"):  # not digits: a digit string could be part of a figure
        member = await app.repos.members.create("telegram", account, now=clock.seconds)
        await app.delivery.deliver(member.id, Reply(Markup("Meeting at six")))
    await app.delivery.flush()
    clock.now += timedelta(seconds=2)  # the one asked to wait goes again
    await app.delivery.flush()
    async with aiohttp.ClientSession() as session:
        status, page = await _get(session, server.port, "/metrics")
    samples = _samples(page)
    assert sorted(platform.delivered) == ["acct-101", "acct-202"]
    assert samples[("solidarity_messages_sent_total", (("platform", "telegram"),))] == 2
    assert samples[("solidarity_messages_failed_total", (("platform", "telegram"), ("reason", "unreachable")))] == 1
    assert samples[("solidarity_rate_limited_total", (("platform", "telegram"),))] == 1
    assert samples[("solidarity_outbox_messages", ())] == 0
    for account in ("acct", "Meeting"):
        assert account not in page
