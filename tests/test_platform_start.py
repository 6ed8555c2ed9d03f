"""One platform's trouble never takes the others down: a platform that cannot connect is tried again with growing
waits while the others run, and its messages wait in the outbox; a rejected token switches that platform off with
one line; `run` gives up only when no platform can start at all."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from pathlib import Path

import discord
import pytest
from aiohttp import web

import bot.platforms as platforms
from bot.cli import EXIT_CONFIG, _run
from bot.delivery import Outbox
from bot.platforms import Platform, TokenRejected, run_platforms
from bot.settings import load_settings
from handlers.events import Person, Reply, reply_to_dict
from storage import Repositories, SqliteDatabase
from storage.outbox import NewMessage
from tests.telegram_server import BotApiServer

TELEGRAM_TOKEN = "515151:PLATFORM-START-TELEGRAM-TOKEN"
DISCORD_TOKEN = "MTIzNDU2Nzg5.PLATFORM-START.DISCORD-TOKEN"
SMALL_WAITS = (0.01, 0.02, 0.04)


class FakePlatform:
    """An adapter whose start fails (no network) until the test lets it through, or rejects the token."""

    def __init__(self, platform: str, *, reachable: bool = True, rejects: bool = False) -> None:
        self.platform, self.reachable, self.rejects = platform, reachable, rejects
        self.tries = 0
        self.stops = 0
        self.sent: list[str] = []

    async def start(self) -> None:
        self.tries += 1
        if self.rejects:
            raise TokenRejected(self.platform)
        if not self.reachable:
            raise OSError("[Errno -3] Temporary failure in name resolution")

    async def stop(self) -> None:
        self.stops += 1

    async def send(self, person: Person, reply: Reply) -> None:
        self.sent.append(person.key)

    def as_platform(self) -> Platform:
        return Platform(self.platform, self, self.start)


async def until(condition, what: str) -> None:
    """Let the loop run until `condition()` holds (a generous bound, only so that a broken test ends)."""
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


async def _member_on_both(bot) -> int:
    """A member with a Telegram and a Discord account."""
    await bot.join("telegram:101", name="Amina")
    code = (await bot.text("telegram:101", "/link")).split("Link code: ")[1].split()[0]
    await bot.say("discord:202", f"/link {code}")
    await bot.press("discord:202", "Yes, link")
    return (await bot.member("telegram:101")).id


async def test_a_platform_that_cannot_connect_is_retried_with_growing_waits_while_the_other_runs(
        open_bot, monkeypatch, caplog):
    monkeypatch.setattr(platforms, "RETRY_WAITS", SMALL_WAITS)
    caplog.set_level(logging.INFO, logger="bot.platforms")
    bot = open_bot
    member_id = await _member_on_both(bot)
    outbox = Outbox(bot.repos, bot.clock)
    telegram, discord_down = FakePlatform("telegram"), FakePlatform("discord", reachable=False)
    outbox.register(telegram, connected=False)
    outbox.register(discord_down, connected=False)
    await outbox.deliver(member_id, Reply("Session moved to 10:00"))

    stop = asyncio.Event()
    running = asyncio.create_task(run_platforms([telegram.as_platform(), discord_down.as_platform()], outbox, stop))
    await until(lambda: discord_down.tries >= 5, "Discord tried five times")

    # Telegram runs: its copy of the message went out. Discord's copy waits for Discord, however long it takes.
    await outbox.flush()
    assert telegram.sent == ["telegram:101"] and discord_down.sent == []
    assert (await bot.repos.outbox.counts()).get("pending") == 1
    assert not running.done()

    waits = [r.getMessage() for r in caplog.records if "Discord cannot connect" in r.getMessage()]
    assert waits[:4] == [f"Discord cannot connect (OSError); trying again in {w:g} s" for w in (0.01, 0.02, 0.04, 0.04)]
    assert discord_down.stops >= 4  # every failed try was cleaned up before the next
    assert not any("Telegram cannot connect" in r.getMessage() for r in caplog.records)

    discord_down.reachable = True
    await until(lambda: any("Discord is connected" in r.getMessage() for r in caplog.records), "Discord connected")
    await outbox.flush()
    assert discord_down.sent == ["discord:202"]
    stop.set()
    assert await running is True


async def test_a_rejected_token_switches_that_platform_off_without_retrying(open_bot, monkeypatch, caplog):
    monkeypatch.setattr(platforms, "RETRY_WAITS", SMALL_WAITS)
    outbox = Outbox(open_bot.repos, open_bot.clock)
    telegram, discord_rejects = FakePlatform("telegram"), FakePlatform("discord", rejects=True)
    for adapter in (telegram, discord_rejects):
        outbox.register(adapter, connected=False)
    stop = asyncio.Event()
    running = asyncio.create_task(run_platforms([telegram.as_platform(), discord_rejects.as_platform()], outbox,
                                                stop))
    await until(lambda: any("Discord rejected" in r.getMessage() for r in caplog.records), "the rejection said")
    for _ in range(20):
        await asyncio.sleep(0.01)
    assert discord_rejects.tries == 1  # no retry
    assert not running.done()  # Telegram keeps running
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.platforms"]
    assert lines == ["Discord rejected the bot token: check SOLIDARITY__DISCORD__TOKEN (discord.token)"]
    stop.set()
    assert await running is True


async def test_when_every_token_is_rejected_nothing_runs(open_bot):
    outbox = Outbox(open_bot.repos, open_bot.clock)
    both = [FakePlatform("telegram", rejects=True), FakePlatform("discord", rejects=True)]
    for adapter in both:
        outbox.register(adapter, connected=False)
    assert await run_platforms([p.as_platform() for p in both], outbox, asyncio.Event()) is False


# --- `run` itself, with the real adapters -------------------------------------------------------------------


def _closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _settings(tmp_path: Path, monkeypatch, telegram_base_url: str):
    config = tmp_path / "config.toml"
    config.write_text(f'network_name = "Run Network"\nopen_registration = true\n'
                      f'[telegram]\nbase_url = "{telegram_base_url}"\n')
    for name in [k for k in os.environ if k.startswith("SOLIDARITY")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SOLIDARITY__TELEGRAM__TOKEN", TELEGRAM_TOKEN)
    monkeypatch.setenv("SOLIDARITY__DISCORD__TOKEN", DISCORD_TOKEN)
    return load_settings(config, database=tmp_path / "run.db")


async def _discord_only_member_with_a_notice(path: Path) -> None:
    """A member reachable only on Discord, with a message waiting for them."""
    db = SqliteDatabase(path)
    await db.open()
    try:
        repos = Repositories.over(db)
        member = await repos.members.create("discord", "303", 1)
        body = reply_to_dict(Reply("Your reminder"))
        await repos.outbox.add([NewMessage(member.id, "discord", "303", "notice", body, 1)], 1)
    finally:
        await db.close()


async def test_run_keeps_telegram_answering_while_discord_cannot_connect(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(platforms, "RETRY_WAITS", SMALL_WAITS)
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{_closed_port()}/api/v10")
    caplog.set_level(logging.INFO)
    server = BotApiServer(TELEGRAM_TOKEN)
    await server.start()
    settings = _settings(tmp_path, monkeypatch, server.base_url)
    await _discord_only_member_with_a_notice(settings.database)
    running = asyncio.create_task(_run(settings))
    try:
        await server.wait_for(lambda api: server.polls > 0)
        await server.queue.put(server.api.message_update(4242, "/start"))
        await server.wait_for(lambda api: any("Welcome to Run Network" in t for t in api.texts(4242)))
        tries = lambda: [r for r in caplog.records if "Discord cannot connect" in r.getMessage()]  # noqa: E731
        await until(lambda: len(tries()) >= 3, "Discord tried three times")
        assert "ClientConnectorError" in tries()[0].getMessage()
        assert not running.done()
    finally:
        os.kill(os.getpid(), signal.SIGTERM)  # `run` stops on SIGTERM, as in production
        try:
            code = await asyncio.wait_for(running, timeout=60)
        finally:
            await server.stop()
    assert code == 0
    db = SqliteDatabase(settings.database)
    await db.open()
    try:
        assert (await Repositories.over(db).outbox.counts()) == {"pending": 1}  # waiting for Discord, not failed
    finally:
        await db.close()


@pytest.fixture
async def discord_refusing_logins():
    """A Discord REST API on 127.0.0.1 that answers every login with 401."""
    async def refuse(request: web.Request) -> web.Response:
        return web.json_response({"message": "401: Unauthorized", "code": 0}, status=401)

    app = web.Application()
    app.router.add_get("/api/v10/users/@me", refuse)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/api/v10"  # noqa: SLF001
    await runner.cleanup()


async def test_run_stops_with_one_line_each_when_both_tokens_are_rejected(tmp_path, monkeypatch, capsys, caplog,
                                                                       discord_refusing_logins):
    monkeypatch.setattr(discord.http.Route, "BASE", discord_refusing_logins)
    server = BotApiServer("1:another-token")  # answers 401 to this bot's token
    await server.start()
    try:
        code = await _run(_settings(tmp_path, monkeypatch, server.base_url))
    finally:
        await server.stop()
    assert code == EXIT_CONFIG
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert "Telegram rejected the bot token: check SOLIDARITY__TELEGRAM__TOKEN (telegram.token)" in lines
    assert "Discord rejected the bot token: check SOLIDARITY__DISCORD__TOKEN (discord.token)" in lines
    output = caplog.text + "".join(capsys.readouterr())
    assert "Traceback" not in output
    assert TELEGRAM_TOKEN not in output and DISCORD_TOKEN not in output
