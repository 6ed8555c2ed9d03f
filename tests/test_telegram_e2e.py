"""`solidarity-bot run` end to end: real long polling against a fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.telegram_server import BotApiServer

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "424242:E2E-SECRET-TOKEN"
AMINA = 7001
BOB = 7002


async def start_bot(tmp_path: Path, server: BotApiServer, log_format: str = "text") -> asyncio.subprocess.Process:
    config = tmp_path / "config.toml"
    config.write_text(
        f'network_name = "E2E Network"\nadmins = ["telegram:{AMINA}"]\nlog_level = "DEBUG"\n'
        f'log_format = "{log_format}"\n'
        f'[telegram]\nbase_url = "{server.base_url}"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOLIDARITY")}
    env.update(SOLIDARITY__TELEGRAM__TOKEN=TOKEN, PYTHONPATH=str(ROOT))
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config), "--db", str(tmp_path / "e2e.db"),
        env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_scripted_conversation_over_real_long_polling(tmp_path, log_format):
    server = BotApiServer(TOKEN)
    await server.start()
    process = await start_bot(tmp_path, server, log_format)
    api = server.api
    try:
        await server.wait_for(lambda a: server.polls > 0)
        assert api.menu() and "start" in api.menu()

        async def say(user: int, text: str, expect: str) -> None:
            count = len(api.texts(user))
            await server.queue.put(api.message_update(user, text))
            await server.wait_for(lambda a: any(expect in t for t in a.texts(user)[count:]))

        async def press(user: int, label: str, expect: str) -> None:
            message_id, buttons = api.last_keyboard(user)
            data = next(b["callback_data"] for b in buttons if label in b["text"])
            count = len(api.texts(user))
            await server.queue.put(api.press_update(user, data, message_id=message_id))
            await server.wait_for(lambda a: any(expect in t for t in a.texts(user)[count:]))

        await say(AMINA, "/start", "Welcome to E2E Network.")
        await press(AMINA, "I understand", "Step 1 of 8")
        await say(AMINA, "Amina <admin>", "Step 2 of 8")
        await press(AMINA, "Skip", "Step 3 of 8")
        await press(AMINA, "Community organiser", "Step 4 of 8")
        await press(AMINA, "Data", "Which themes")  # edited in place, with the button ticked
        assert "✓ Data" in [b["text"] for b in api.last_keyboard(AMINA)[1]]
        await press(AMINA, "Done", "Step 5 of 8")
        await press(AMINA, "Western Europe", "Where do you work")
        await press(AMINA, "Done", "Step 6 of 8")
        await press(AMINA, "French", "Which languages")  # English, the welcome's language, is ticked already
        await press(AMINA, "Done", "Step 7 of 8")
        await say(AMINA, "Geneva", "Europe/Zurich")
        await say(AMINA, "Threema: AMINA42", "Your profile is ready.")
        await say(AMINA, "/invite 1 3", "Invite code:")
        code = [t for t in api.texts(AMINA) if "Invite code:" in t][-1].split("Invite code: ")[1].split()[0]
        await say(BOB, f"/start {code}", "Welcome to E2E Network.")
        await press(BOB, "I understand", "Step 1 of 8")
        await say(AMINA, "/export", "Here is everything")
        await server.wait_for(lambda a: any(m == "sendDocument" for m, _ in a.calls))
        assert len(api.answered) == sum(1 for m, _ in api.calls if m == "answerCallbackQuery")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
        finally:
            await server.stop()
    assert process.returncode == 0, stderr.decode()[-2000:]
    log = stderr.decode()
    assert "DEBUG" in log  # the bot did log at DEBUG …
    assert TOKEN not in log and "E2E-SECRET" not in log  # … yet tokens never reach the log
    for written in ("Threema", "Amina <admin>", "Geneva", "Welcome to E2E"):  # nor what people wrote or read
        assert written not in log
    if log_format == "json":  # one object a line, with when, how grave, where and what
        events = [json.loads(line) for line in log.splitlines() if line.strip()]
        assert events and all({"timestamp", "level", "logger", "event"} <= set(e) for e in events)
        assert any(e["level"] == "DEBUG" for e in events) and any("started" in e["event"] for e in events)
    assert not api.violations, "\n".join(api.violations)
