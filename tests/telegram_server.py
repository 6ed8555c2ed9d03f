"""A fake Bot API HTTP server on 127.0.0.1: real long polling, every call checked by `FakeBotApi`.

`LimitedBotApiServer` adds what Telegram does under load (a round trip, a flood limit, random refusals); the
broadcast benchmark runs it in a process of its own: `python -m tests.telegram_server --token T`.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextvars
import json
import random
import signal
import time
from typing import Any

from aiohttp import web

from tests.telegram_fake import SPEC, FakeBotApi


def _decode(method: str, form: dict[str, str]) -> dict[str, Any]:
    """Form values are JSON-encoded except plain strings: decode by the spec's declared types."""
    fields = {f["name"]: f for f in SPEC.methods.get(method, {}).get("fields", [])}
    params: dict[str, Any] = {}
    for name, raw in form.items():
        types = fields.get(name, {}).get("types", [])
        if types == ["String"]:
            params[name] = raw
            continue
        try:
            params[name] = json.loads(raw)
        except (json.JSONDecodeError, TypeError):
            params[name] = raw
    return params


class BotApiServer:
    """Serves /bot<token>/<method> for one token."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.api = FakeBotApi()
        self.queue: asyncio.Queue[dict] = asyncio.Queue()
        self.runner: web.AppRunner | None = None
        self.port = 0
        self.polls = 0

    async def start(self) -> None:
        app = web.Application()
        self.add_routes(app.router)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # noqa: SLF001

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/bot{token}/{method}", self._handle)

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params, filename, content = await self._read(method, request)
        return await self._answer(method, params, filename, content)

    async def _read(self, method: str, request: web.Request) -> tuple[dict[str, Any], str | None, bytes | None]:
        """The call's parameters, and the name and content of the file it uploads."""
        form: dict[str, str] = {}
        filename = content = None
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.filename:
                    filename = part.filename
                    content = bytes(await part.read())
                    form[part.name] = "attach://upload"
                else:
                    form[part.name] = (await part.read()).decode()
        elif request.content_type == "application/json":
            form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in (await request.json()).items()}
        else:
            form = dict(await request.post())
        return _decode(method, form), filename, content

    async def _answer(self, method: str, params: dict[str, Any], filename: str | None,
                      content: bytes | None = None) -> web.Response:
        if method == "getUpdates":
            return await self._get_updates(params)
        status, body = self.api.handle(method, params, filename=filename, content=content)
        return web.json_response(body, status=status)

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        self.polls += 1
        problems = SPEC.check("getUpdates", params)
        self.api.violations += problems
        updates = []
        try:
            timeout = min(float(params.get("timeout", 0)), 2.0)
            updates.append(await asyncio.wait_for(self.queue.get(), timeout=timeout) if timeout else
                           self.queue.get_nowait())
            while not self.queue.empty():
                updates.append(self.queue.get_nowait())
        except (TimeoutError, asyncio.QueueEmpty):
            pass
        return web.json_response({"ok": True, "result": updates})

    async def wait_for(self, predicate, timeout: float = 20.0) -> None:
        """Wait until the bot's calls satisfy `predicate(api)`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate(self.api):
            if loop.time() > deadline:
                raise AssertionError("the bot did not do what was expected in time; calls: "
                                     + ", ".join(m for m, _ in self.api.calls[-10:]))
            await asyncio.sleep(0.05)


# Methods that put a message into a chat: what Telegram's flood limit counts.
MESSAGE_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto", "editMessageText"})


_ARRIVAL: contextvars.ContextVar[float] = contextvars.ContextVar("arrival")  # the call being answered: when it arrived


class LimitedBotApiServer(BotApiServer):
    """The Bot API as a bot meets it under load (for benchmarks/broadcast.py, run in a process of its own):

    - every call takes `round_trip` seconds: half on the way in, half on the way back;
    - at most `cap` messages (MESSAGE_METHODS) in any sliding second, counted as they arrive (every one counts,
      refused or not): half a round trip after the request reached this server; one over gets 429 with
      retry_after 1;
    - of the sendMessage calls, `rate_limited` at random get 429 with retry_after 1-3 s, and `blocked` get 403
      (never into a chat whose person has written to the bot: they have not blocked it).

    What happened is kept for `stats`: each message's arrival (monotonic moment, method, chat, status), each 429's
    moment and retry_after, and for each update handed out to the bot (`say`), when it left and the moment the
    answer into that chat arrived.
    """

    def __init__(self, token: str, *, round_trip: float = 0.1, cap: int = 30, rate_limited: float = 0.01,
                 blocked: float = 0.05, seed: int = 7) -> None:
        super().__init__(token)
        self.half = round_trip / 2
        self.cap, self.rate_limited, self.blocked = cap, rate_limited, blocked
        self.random = random.Random(seed)
        self.window: collections.deque[float] = collections.deque()
        self.arrivals: list[tuple[float, str, int, int]] = []  # (moment, method, chat, status)
        self.refusals: list[tuple[float, int, str]] = []  # (moment, retry_after, "cap" or "random")
        self.writers: set[int] = set()
        self.waiting: dict[int, list[float]] = {}  # chat -> moments its updates were handed out, unanswered
        self.handed_out: dict[int, float] = {}  # update_id -> the moment it was handed out
        self.answers: list[float] = []  # seconds from an update handed out to the answer's arrival

    def add_routes(self, router: web.UrlDispatcher) -> None:
        super().add_routes(router)
        router.add_post("/control/say", self._say)
        router.add_get("/control/stats", self._stats)

    async def _handle(self, request: web.Request) -> web.Response:
        # A request arrives at Telegram half a round trip after it reached this server. That moment is taken now:
        # when the sleep below ends, and how long the call takes to read and check, depend on how busy this
        # process is, which is no part of the way from the bot to Telegram.
        _ARRIVAL.set(time.monotonic() + self.half)
        await asyncio.sleep(self.half)  # on the way in
        response = await super()._handle(request)
        await asyncio.sleep(self.half)  # and back
        return response

    async def _answer(self, method: str, params: dict[str, Any], filename: str | None,
                      content: bytes | None = None) -> web.Response:
        if method not in MESSAGE_METHODS:
            return await super()._answer(method, params, filename, content)
        now = _ARRIVAL.get()
        while self.window and now - self.window[0] >= 1.0:
            self.window.popleft()
        self.window.append(now)
        chat = int(params.get("chat_id", 0))
        if len(self.window) > self.cap:
            response = self._refuse(now, 1, "cap")
        elif method == "sendMessage" and (roll := self.random.random()) < self.rate_limited:
            response = self._refuse(now, self.random.randint(1, 3), "random")
        elif method == "sendMessage" and roll < self.rate_limited + self.blocked and chat not in self.writers:
            response = web.json_response(
                {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}, status=403)
        else:
            response = await super()._answer(method, params, filename, content)
        self.arrivals.append((now, method, chat, response.status))
        if response.status == 200 and self.waiting.get(chat):
            self.answers.append(now - self.waiting[chat].pop(0))
        return response

    def _refuse(self, now: float, seconds: int, why: str) -> web.Response:
        self.refusals.append((now, seconds, why))
        return web.json_response({"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after "
                                  f"{seconds}", "parameters": {"retry_after": seconds}}, status=429)

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        response = await super()._get_updates(params)
        now = time.monotonic()
        for update in json.loads(response.text)["result"]:
            chat = update["message"]["chat"]["id"]
            self.waiting.setdefault(chat, []).append(now)
        return response

    async def _say(self, request: web.Request) -> web.Response:
        """A person writes to the bot: {"user": id, "text": "..."} becomes an update for the bot's next poll."""
        said = await request.json()
        self.writers.add(said["user"])
        await self.queue.put(self.api.message_update(said["user"], said["text"]))
        return web.json_response({"ok": True})

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response({
            "arrivals": self.arrivals, "refusals": self.refusals, "answers": self.answers,
            "unanswered": sum(len(w) for w in self.waiting.values()), "violations": self.api.violations})


async def serve(args: argparse.Namespace) -> None:
    """Serve until SIGTERM (or `lifetime` seconds at most); print the port first."""
    server = LimitedBotApiServer(args.token, round_trip=args.round_trip, cap=args.cap,
                                 rate_limited=args.rate_limited, blocked=args.blocked, seed=args.seed)
    await server.start()
    print(f"port {server.port}", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), args.lifetime)
    except TimeoutError:
        pass
    await server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="A rate-limited fake Bot API server on 127.0.0.1.")
    parser.add_argument("--token", required=True)
    parser.add_argument("--round-trip", type=float, default=0.1)
    parser.add_argument("--cap", type=int, default=30)
    parser.add_argument("--rate-limited", type=float, default=0.01)
    parser.add_argument("--blocked", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--lifetime", type=float, default=3600.0)
    asyncio.run(serve(parser.parse_args()))
