"""A fake Bot API HTTP server on 127.0.0.1: real long polling, every call checked by `FakeBotApi`."""

from __future__ import annotations

import asyncio
import json
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
        app.router.add_post("/bot{token}/{method}", self._handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # noqa: SLF001

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
        form: dict[str, str] = {}
        filename = None
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.filename:
                    filename = part.filename
                    await part.read()
                    form[part.name] = "attach://upload"
                else:
                    form[part.name] = (await part.read()).decode()
        elif request.content_type == "application/json":
            form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in (await request.json()).items()}
        else:
            form = dict(await request.post())
        params = _decode(method, form)
        if method == "getUpdates":
            return await self._get_updates(params)
        status, body = self.api.handle(method, params, filename=filename)
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
