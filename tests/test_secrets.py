"""No secret in any output, and no code kept in clear.

Tokens and the webhook secret never reach stderr or the log: not in a message, a library's traceback, a crash, nor
what asyncio reports; a rejected token is one line naming the setting. Invite and link codes are shown once and
never stored: not in a button, a table, the database file, nor the log.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import sqlite3
import sys
import threading
from pathlib import Path
from urllib.parse import quote

import discord
import pytest

import bot.cli as cli
from storage import SqliteDatabase
from tests.telegram_server import BotApiServer
from tests.test_platform_start import discord_refusing_logins  # noqa: F401  (a fixture)

ROOT = Path(__file__).resolve().parent.parent
TELEGRAM_TOKEN = "616161:SECRETS-TELEGRAM-TOKEN-abc"
DISCORD_TOKEN = "MTYxNjE2.SECRETS.DISCORD-TOKEN-xyz"
WEBHOOK_SECRET = "SECRETS-webhook-secret-42"
SECRET_KEY = "SECRETS-key-that-seals-the-database-0123456789"
SECRETS = (TELEGRAM_TOKEN, quote(TELEGRAM_TOKEN, safe=""), DISCORD_TOKEN, WEBHOOK_SECRET, SECRET_KEY)


async def test_a_rejected_telegram_token_is_one_line_without_traceback_or_token(tmp_path):
    server = BotApiServer("1:the-token-telegram-knows")  # answers 401 to any other token
    await server.start()
    config = tmp_path / "config.toml"
    config.write_text(f'log_level = "DEBUG"\n[telegram]\nbase_url = "{server.base_url}"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOLIDARITY")}
    env.update(SOLIDARITY__TELEGRAM__TOKEN=TELEGRAM_TOKEN, PYTHONPATH=str(ROOT))
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(config), "--db", str(tmp_path / "bot.db"),
            env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        await server.stop()
    output = stdout.decode() + stderr.decode()
    assert process.returncode == cli.EXIT_CONFIG
    assert "Telegram rejected the bot token: check SOLIDARITY__TELEGRAM__TOKEN (telegram.token)" in output
    assert "Traceback" not in output
    assert "SECRETS-TELEGRAM-TOKEN" not in output


@pytest.fixture
def log_output(monkeypatch):
    """What the root logger's handlers write, as the program's stderr handler would (restored afterwards)."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    for name in [k for k in os.environ if k.startswith("SOLIDARITY")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SOLIDARITY__TELEGRAM__TOKEN", TELEGRAM_TOKEN)
    monkeypatch.setenv("SOLIDARITY__TELEGRAM__SECRET_TOKEN", WEBHOOK_SECRET)
    monkeypatch.setenv("SOLIDARITY__DISCORD__TOKEN", DISCORD_TOKEN)
    monkeypatch.setenv("SOLIDARITY__SECRET_KEY", SECRET_KEY)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def test_secrets_are_redacted_from_logs_tracebacks_asyncio_reports_and_crashes(tmp_path, monkeypatch, capsys,
                                                                              log_output):
    async def misbehaving_command(settings) -> int:
        # A library logs a URL with the token (as httpx does), and a traceback whose message quotes it (as
        # python-telegram-bot's InvalidToken does); a task fails with the webhook secret in its message; then
        # the command crashes with the Discord token in the exception.
        logging.getLogger("httpx").error("HTTP Request: POST https://api.telegram.org/bot%s/getMe 502",
                                         quote(TELEGRAM_TOKEN, safe=""))
        try:
            raise RuntimeError(f"The token `{TELEGRAM_TOKEN}` was rejected by the server.")
        except RuntimeError:
            logging.getLogger("telegram.ext.Application").exception("initialisation failed")
        asyncio.get_running_loop().call_exception_handler(
            {"message": "Task exception was never retrieved", "exception": ValueError(f"secret {WEBHOOK_SECRET}")})
        logging.getLogger("storage").error("could not open with %s", SECRET_KEY)
        raise ConnectionError(f"login with {DISCORD_TOKEN} failed")

    monkeypatch.setattr(cli, "_migrate", misbehaving_command)
    assert cli.main(["migrate", "--db", str(tmp_path / "bot.db")]) == cli.EXIT_FAILED
    try:
        raise KeyError(f"uncaught, with {WEBHOOK_SECRET} and {TELEGRAM_TOKEN}")
    except KeyError:
        sys.excepthook(*sys.exc_info())
        threading.excepthook(threading.ExceptHookArgs((*sys.exc_info(), None)))
    logged, stderr = log_output.getvalue(), capsys.readouterr().err
    assert "502" in logged and "rejected by the server" in logged and "Task exception was never retrieved" in logged
    assert "Traceback" in logged and "ConnectionError: login with *** failed" in logged
    assert "could not open with ***" in logged
    assert stderr.count("KeyError: 'uncaught, with *** and ***'") == 2
    for secret in SECRETS:
        assert secret not in logged and secret not in stderr


async def test_a_rejected_discord_token_stops_sync_commands_with_one_line(tmp_path, monkeypatch, capsys, log_output,
                                                                           discord_refusing_logins):  # noqa: F811
    monkeypatch.setattr(discord.http.Route, "BASE", discord_refusing_logins)
    # The command runs its own event loop: in a thread, while this loop serves the fake Discord.
    assert await asyncio.to_thread(cli.main, ["sync-commands", "--db", str(tmp_path / "bot.db")]) == cli.EXIT_CONFIG
    stderr = capsys.readouterr().err
    assert stderr == ("solidarity-bot sync-commands: Discord rejected the bot token: check SOLIDARITY__DISCORD__TOKEN "
                      "(discord.token)\n")
    assert DISCORD_TOKEN not in log_output.getvalue() and "Traceback" not in log_output.getvalue()


# --- codes ---------------------------------------------------------------------------------------------------


def _everything_stored(db_path: Path) -> str:
    """Every value of every row of every table, and the raw bytes of the database and its write-ahead log."""
    conn = sqlite3.connect(db_path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        values = [str(v) for t in tables for row in conn.execute(f"SELECT * FROM {t}") for v in row]
    finally:
        conn.close()
    raw = b"".join(p.read_bytes() for p in (db_path, Path(f"{db_path}-wal")) if p.exists())
    return "\n".join(values) + raw.decode("latin-1")


async def test_no_invite_or_link_code_is_stored_or_logged_in_clear(bot, db_path, caplog):
    caplog.set_level(logging.DEBUG)
    await bot.join("admin", name="Admin")
    invite = (await bot.text("admin", "/invite 3 7")).split("Invite code: ")[1].split()[0]
    await bot.say("telegram:501", f"/start {invite.lower()}")  # waits with the consent button for a day
    await bot.say("discord:502", f"/join {invite}")
    await bot.say("telegram:503", f"/start {invite}")
    assert "Step 1 of 8" in await bot.press_text("telegram:503", "I understand")
    link = (await bot.text("admin", "/link")).split("Link code: ")[1].split()[0]
    await bot.say("telegram:504", f"/link {link}")  # the confirmation waits
    second_link = (await bot.text("telegram:503", "/link")).split("Link code: ")[1].split()[0]
    await bot.say("discord:505", f"/link {second_link}")
    assert "Linked" in await bot.press_text("discord:505", "Yes, link")

    stored = _everything_stored(db_path)
    logged = caplog.text
    for code in (invite, link, second_link):
        assert code not in stored and code.lower() not in stored
        assert code not in logged

    # The buttons still work: the stranger who waited joins with the invite, whose uses are counted.
    assert "Step 1 of 8" in await bot.press_text("telegram:501", "I understand")
    assert "Step 1 of 8" in await bot.press_text("discord:502", "I understand")
    assert [i.uses_left for i in await bot.repos.invites.created_by((await bot.member("admin")).id)] == [0]
    assert "not valid any more" in await bot.text("telegram:506", f"/start {invite}")


async def test_upgrading_deletes_consent_buttons_that_hold_an_invite_code(db_path):
    db = SqliteDatabase(db_path)
    await db.open(up_to=9)
    holding = '[["onboarding.consent",{"code":"K7QZMPX4HN"},true],["onboarding.later",{},true]]'
    by_id = '[["onboarding.consent",{"invite":3},true],["onboarding.later",{},true]]'
    other = '[["profile.edit",{"field":"name"},false]]'
    for token, actions in (("a", holding), ("b", by_id), ("c", other)):
        await db.execute("INSERT INTO buttons (token, audience, actions, expires_at) VALUES (?, 'x', ?, 9999999999)",
                         (token, actions))
    await db.close()
    assert "K7QZMPX4HN" in _everything_stored(db_path)

    db = SqliteDatabase(db_path)
    await db.open()
    try:
        rows = await db.fetch_all("SELECT token FROM buttons ORDER BY token")
    finally:
        await db.close()
    assert [r[0] for r in rows] == ["b", "c"]
    assert "K7QZMPX4HN" not in _everything_stored(db_path)
