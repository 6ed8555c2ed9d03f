"""The bot's HTTP server: health, readiness and metrics (`[http]`), and Telegram's webhook where one runs.

One server per address and port (`Servers.at`): when `[http]` and Telegram's webhook name the same ones, one server
answers both. The server is aiohttp's, already installed for discord.py. Paths are added and removed while it runs
(a platform that restarts takes its webhook path away and back), so one catch-all route looks each request's path
up in a table rather than in aiohttp's router, which is fixed once the server starts.

- `GET /healthz`: 200 "ok" while the process and its event loop answer (a loop that is stuck answers nothing).
- `GET /readyz`: 200 when ready, else 503, with a JSON body giving each check: the database answers within 2 s;
  each platform with a token is connected (here, or in another process that holds its connection); the oldest
  due item has waited at most `http.ready_clock_lag` seconds (120); and the outbox moves: messages that are due
  have waited at most `http.ready_outbox_wait` seconds (300), or one was sent within that time (a big broadcast
  keeps messages waiting for longer, while it goes).
- `GET /metrics`: Prometheus' text format (bot/metrics.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.metrics import CONTENT_TYPE

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
DATABASE_PATIENCE = 2.0  # seconds the database has to answer /readyz
MAX_BODY = 1 << 20  # bytes a request may carry (a Telegram update is a few kilobytes)
CLOSE_PATIENCE = 2.0  # seconds open connections get to finish when the server stops


class HttpServer:
    """One aiohttp server on one address and port, answering the paths it is given."""

    def __init__(self, listen: str, port: int) -> None:
        self.listen, self.port = listen, port
        self._paths: dict[str, Handler] = {}
        self._runner: web.AppRunner | None = None

    def route(self, path: str, handler: Handler) -> None:
        self._paths[path] = handler

    def unroute(self, path: str) -> None:
        self._paths.pop(path, None)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        handler = self._paths.get(request.path)
        if handler is None:
            return web.Response(status=404, text="not found\n")
        return await handler(request)

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def start(self) -> None:
        """Listen; an address in use or not allowed raises OSError."""
        if self._runner is not None:
            return
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", "/{path:.*}", self._dispatch)
        # No access log: a request's path can hold a webhook's secret path, and its timing who is using the bot.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=CLOSE_PATIENCE)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.listen, self.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        log.info("HTTP server listening on %s:%d", self.listen, self.port)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()


class Servers:
    """The HTTP servers of one process, one per address and port."""

    def __init__(self) -> None:
        self._servers: dict[tuple[str, int], HttpServer] = {}

    def at(self, listen: str, port: int) -> HttpServer:
        key = (listen, port)
        if key not in self._servers:
            self._servers[key] = HttpServer(listen, port)
        return self._servers[key]

    async def start(self) -> None:
        for server in self._servers.values():
            await server.start()

    async def stop(self) -> None:
        for server in self._servers.values():
            await server.stop()


@dataclass
class Watched:
    """A platform /readyz looks at: whether its adapter is connected here, and the role that says whether another
    process holds its connection instead (None: every process connects)."""

    name: str
    connected: Callable[[], bool]
    role: str | None = None


class Health:
    """The /healthz, /readyz and /metrics endpoints of one running bot."""

    def __init__(self, app: App, platforms: list[Watched]) -> None:
        self.app = app
        self.platforms = platforms

    def serve_on(self, server: HttpServer) -> None:
        server.route("/healthz", self.healthz)
        server.route("/readyz", self.readyz)
        server.route("/metrics", self.metrics)

    async def healthz(self, request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def readyz(self, request: web.Request) -> web.Response:
        ready, checks = await self.readiness()
        body = json.dumps({"ready": ready, "checks": checks}, indent=2) + "\n"
        return web.Response(status=200 if ready else 503, text=body, content_type="application/json")

    async def metrics(self, request: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(DATABASE_PATIENCE):
                await self.app.metrics.read_database(self.app.repos, self._now())
        except Exception as exc:  # the counters still answer; the database's figures keep their last values
            log.warning("metrics: the database did not answer (%s)", type(exc).__name__)
        return web.Response(body=self.app.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE})

    def _now(self) -> int:
        return int(self.app.core.services.clock().timestamp())

    async def readiness(self) -> tuple[bool, dict[str, dict[str, Any]]]:
        """Whether the bot is ready, and each check's outcome (figures only: no id, no text)."""
        checks: dict[str, dict[str, Any]] = {}
        repos, settings = self.app.repos, self.app.settings.http
        try:
            async with asyncio.timeout(DATABASE_PATIENCE):
                now = self._now()
                lag = await repos.schedule.lag(now)
                backlog = await repos.outbox.backlog(now, await repos.lockdown.held())
                holders = {p.role: await repos.processes.holder(p.role) for p in self.platforms if p.role}
                alive = set(await repos.processes.alive())
        except Exception as exc:
            checks["database"] = {"ok": False, "error": type(exc).__name__}
            return False, checks
        checks["database"] = {"ok": True}
        for platform in self.platforms:
            if platform.connected():
                checks[platform.name] = {"ok": True, "connected": "here"}
            elif platform.role and holders.get(platform.role) in alive and not self.app.cluster.holds(platform.role):
                checks[platform.name] = {"ok": True, "connected": "in another process"}
            else:
                checks[platform.name] = {"ok": False, "connected": "no"}
        checks["clock"] = {"ok": lag.seconds <= settings.ready_clock_lag, "lag_seconds": lag.seconds,
                           "due_items": lag.due, "limit_seconds": settings.ready_clock_lag}
        moving = backlog.since_last_settled is not None and backlog.since_last_settled <= settings.ready_outbox_wait
        checks["outbox"] = {"ok": backlog.oldest_due_seconds <= settings.ready_outbox_wait or moving,
                            "waiting": backlog.waiting, "oldest_due_seconds": backlog.oldest_due_seconds,
                            "last_sent_seconds_ago": backlog.since_last_settled,
                            "limit_seconds": settings.ready_outbox_wait}
        return all(check["ok"] for check in checks.values()), checks
