"""`solidarity-bot run` as a real process in Telegram webhook mode, on a port of its own (as behind a load
balancer), against a fake Bot API server: for tests/test_several_processes.py and benchmarks/scale_out.py."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from pathlib import Path

import aiohttp

from tests.postgres import SECRET_KEY
from tests.telegram_server import BotApiServer

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "515151:SEVERAL-PROCESSES-TOKEN"
SECRET = "webhook-secret-for-tests"
ADMIN = 9000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BotProcess:
    """One `solidarity-bot run` in webhook mode, listening on its own port."""

    def __init__(self, tmp_path: Path, server: BotApiServer, database: str, name: str, *, more: str = "") -> None:
        """`more`: further sections of its settings file (TOML)."""
        self.port = _free_port()
        self.config = tmp_path / f"{name}.toml"
        self.config.write_text(
            f'network_name = "Shared Network"\nadmins = ["telegram:{ADMIN}"]\nopen_registration = true\n'
            f'[telegram]\nbase_url = "{server.base_url}"\nmode = "webhook"\n'
            f'webhook_url = "https://bot.example.org/telegram"\nlisten = "127.0.0.1"\nport = {self.port}\n'
            + more.replace("{port}", str(self.port)))
        self.database, self.tmp_path = database, tmp_path
        self.log = tmp_path / f"{name}.log"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SOLIDARITY")}
        env.update(SOLIDARITY__TELEGRAM__TOKEN=TOKEN, SOLIDARITY__TELEGRAM__SECRET_TOKEN=SECRET,
                   PYTHONPATH=str(ROOT))
        if self.database.startswith("postgresql://"):  # an SQLite file keeps its key beside it
            env.update(SOLIDARITY__SECRET_KEY=SECRET_KEY)
        with self.log.open("ab") as log:  # a file, not a pipe: a long run's log never fills a pipe and blocks it
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--config", str(self.config), "--db", self.database,
                env=env, cwd=self.tmp_path, stdout=asyncio.subprocess.DEVNULL, stderr=log)

    async def wait_listening(self, timeout: float = 60) -> None:
        """Until its webhook answers: a call without the secret is refused (403) once the path is served."""
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                assert self.process is not None and self.process.returncode is None, "the bot process ended"
                try:
                    async with session.post(f"http://127.0.0.1:{self.port}/telegram", json={}) as response:
                        if response.status == 403:
                            return
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError("the bot process never listened for its webhook")

    async def post(self, session: aiohttp.ClientSession, update: dict) -> int:
        async with session.post(f"http://127.0.0.1:{self.port}/telegram", json=update,
                                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
            return response.status

    async def stop(self, sig: int = signal.SIGTERM) -> str:
        """Stop it (SIGTERM: cleanly; SIGKILL: as a crash); its log."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(sig)
        await asyncio.wait_for(self.process.wait(), timeout=60)
        return self.log.read_text(errors="replace")
