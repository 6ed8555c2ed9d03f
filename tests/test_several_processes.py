"""Two real `solidarity-bot run` processes over one PostgreSQL database (tests/postgres.py), Telegram in webhook
mode against a fake Bot API server on 127.0.0.1, each process on its own webhook port as behind a load balancer:

- every update is answered exactly once, whichever process receives it, also when Telegram delivers it twice;
- the process keeping time is killed (SIGKILL): the other takes over within 15 seconds and no reminder is lost;
- a broadcast to 2,000 members is sent by both processes, against a Telegram that refuses more than 30 messages
  in any second: none refused for the cap, none over it in any second, none lost, none sent twice.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter

import aiohttp
import pytest
from markupsafe import Markup

from handlers.events import Reply, reply_to_dict
from storage import Repositories, connect
from storage.outbox import NewMessage
from tests.postgres import SECRET_KEY, create_database, drop_database
from tests.processes import SECRET, TOKEN, BotProcess
from tests.telegram_server import BotApiServer, LimitedBotApiServer


@pytest.fixture
def database():
    url = create_database(migrated=False)  # the processes migrate it themselves, both at once
    yield url
    drop_database(url)


async def _repositories(url: str):
    db = connect(url, secret_key=SECRET_KEY)
    await db.open()
    return db, Repositories.over(db)


async def test_every_update_is_answered_exactly_once_whichever_process_receives_it(tmp_path, database):
    server = BotApiServer(TOKEN)
    await server.start()
    bots = [BotProcess(tmp_path, server, database, name) for name in ("first", "second")]
    try:
        for bot in bots:
            await bot.start()
        for bot in bots:
            await bot.wait_listening()
        users = list(range(7100, 7160))
        updates = [server.api.message_update(user, "/start") for user in users]
        async with aiohttp.ClientSession() as session:
            posts = []
            for n, update in enumerate(updates):
                posts.append(bots[n % 2].post(session, update))  # the load balancer alternates
                if n % 4 == 0:
                    posts.append(bots[(n + 1) % 2].post(session, update))  # Telegram delivers it again, elsewhere
            assert set(await asyncio.gather(*posts)) == {200}
        await server.wait_for(lambda api: all(api.texts(user) for user in users), timeout=60)
        await asyncio.sleep(2)  # time for a second answer, were one coming
        welcomes = Counter(params["chat_id"] for method, params in server.api.calls if method == "sendMessage")
        assert {int(chat) for chat in welcomes} == set(users)
        assert set(welcomes.values()) == {1}
        assert not server.api.violations, server.api.violations
    finally:
        logs = [await bot.stop() for bot in bots if bot.process is not None]
        await server.stop()
    for log in logs:
        assert TOKEN not in log and SECRET not in log and "Traceback" not in log, log[-3000:]


async def test_the_clock_is_taken_over_within_15_seconds_when_its_process_is_killed(tmp_path, database):
    server = BotApiServer(TOKEN)
    await server.start()
    first, second = (BotProcess(tmp_path, server, database, name) for name in ("first", "second"))
    db = None
    try:
        await first.start()
        await first.wait_listening()
        db, repos = await _repositories(database)
        clock_holder = await repos.processes.holder("clock")
        assert clock_holder is not None
        await second.start()
        await second.wait_listening()
        # Reminders one a second, from 12 s on: the first process queues the early ones (10 s ahead), and is killed
        # while later ones are still to come.
        now = int(time.time())
        chats = list(range(7200, 7230))
        for n, chat in enumerate(chats):
            member = await repos.members.create("telegram", str(chat), now=now)
            await repos.reminders.create(member.id, f"Reminder {n}", first_at=now + 12 + n, zone="UTC", now=now)
        await asyncio.sleep(max(0.0, now + 14.5 - time.time()))
        killed_at = time.monotonic()
        await first.stop(signal.SIGKILL)
        taken_over = None
        while time.monotonic() - killed_at < 20:
            holder = await repos.processes.holder("clock")
            if holder not in (None, clock_holder):
                taken_over = time.monotonic() - killed_at
                break
            await asyncio.sleep(0.2)
        assert taken_over is not None and taken_over <= 15, taken_over
        await server.wait_for(lambda api: all(api.texts(chat) for chat in chats), timeout=60)
        await asyncio.sleep(2)
        sent = Counter(int(params["chat_id"]) for method, params in server.api.calls if method == "sendMessage")
        assert set(sent) == set(chats)  # none lost
        assert sum(sent.values()) - len(chats) <= 1  # at most the one in flight at the kill went twice
    finally:
        if db is not None:
            await db.close()
        for bot in (first, second):
            if bot.process is not None:
                await bot.stop()
        await server.stop()


async def test_a_broadcast_sent_by_two_processes_keeps_telegrams_cap_together(tmp_path, database):
    server = LimitedBotApiServer(TOKEN, round_trip=0.02, cap=30, rate_limited=0.0, blocked=0.0)
    await server.start()
    bots = [BotProcess(tmp_path, server, database, name) for name in ("first", "second")]
    db = None
    try:
        for bot in bots:
            await bot.start()
        for bot in bots:
            await bot.wait_listening()
        db, repos = await _repositories(database)
        now = int(time.time())
        members = []
        chats = list(range(100_000, 102_000))
        async with db.transaction() as conn:
            for chat in chats:
                members.append(await repos.members.create_in(conn, "telegram", str(chat), now))
        body = reply_to_dict(Reply(Markup("News for the network")))
        async with db.transaction() as conn:
            await repos.outbox.add_in(conn, [NewMessage(member, "telegram", str(chat), "broadcast", body, now,
                                                            broadcast_id=1)
                                                 for member, chat in zip(members, chats, strict=True)], now)
        deadline = time.monotonic() + 150
        while (await repos.outbox.counts()).get("sent", 0) < len(chats):
            assert time.monotonic() < deadline, await repos.outbox.counts()
            await asyncio.sleep(1)
        rows = await db.fetch_all("SELECT claimed_by, count(*) FROM outbox WHERE state = 'sent' GROUP BY claimed_by")
        senders = {row[0]: row[1] for row in rows}
        assert len(senders) == 2, senders  # both processes sent
    finally:
        if db is not None:
            await db.close()
        for bot in bots:
            if bot.process is not None:
                await bot.stop()
        await server.stop()
    moments = sorted(moment for moment, method, _, _ in server.arrivals if method == "sendMessage")
    over = sum(1 for i, moment in enumerate(moments) if i >= 30 and moment - moments[i - 30] < 1.0)
    refused = [r for r in server.refusals if r[2] == "cap"]
    delivered = Counter(chat for _, method, chat, status in server.arrivals if method == "sendMessage" and status == 200)
    assert over == 0 and refused == []
    assert set(delivered) == set(chats) and set(delivered.values()) == {1}
