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
- `GET /feed/<token>.ics`: a member's calendar feed (handlers/sessions/feed.py), when `http.public_url` is set,
  with an ETag (a calendar asking again with it is answered 304 when nothing changed) and Cache-Control; each feed
  answers at most `http.feed_requests_per_hour` times an hour (then 429). An address that opens no feed is 404,
  like any unknown path. Only this path should be reachable from the internet (see the README).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.metrics import CONTENT_TYPE
from bot.settings import FEED_PATH
from handlers.sessions.feed import calendar_for
from storage.feeds import token_hash

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
        self._prefixes: dict[str, Handler] = {}
        self._runner: web.AppRunner | None = None

    def route(self, path: str, handler: Handler) -> None:
        self._paths[path] = handler

    def route_under(self, prefix: str, handler: Handler) -> None:
        """Every path that starts with `prefix` (which ends with "/")."""
        self._prefixes[prefix] = handler

    def unroute(self, path: str) -> None:
        self._paths.pop(path, None)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        handler = self._paths.get(request.path)
        if handler is None:
            handler = next((h for prefix, h in self._prefixes.items() if request.path.startswith(prefix)), None)
        if handler is None:
            return not_found()
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


def not_found() -> web.Response:
    return web.Response(status=404, text="not found\n")


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


class RateLimit:
    """At most `most` requests an hour for each key (a feed's token), counted in this process; the oldest keys are
    forgotten beyond `keys`, so that a flood of made-up addresses cannot fill the memory."""

    def __init__(self, most: int, *, keys: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.most, self.keys, self.clock = most, keys, clock
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()

    def wait(self, key: str) -> int:
        """0 when this request may go (and it is counted), else the seconds until one may."""
        now = self.clock()
        seen = self._seen.setdefault(key, deque())
        self._seen.move_to_end(key)
        while seen and seen[0] <= now - 3600:
            seen.popleft()
        if len(seen) >= self.most:
            return max(1, int(seen[0] + 3600 - now) + 1)
        seen.append(now)
        while len(self._seen) > self.keys:
            self._seen.popitem(last=False)
        return 0


class Feeds:
    """Members' calendar feeds, `GET /feed/<token>.ics`."""

    MAX_AGE = 900  # seconds a calendar program may keep a copy before asking again

    def __init__(self, app: App, requests_per_hour: int) -> None:
        self.app = app
        self.limit = RateLimit(requests_per_hour)

    def serve_on(self, server: HttpServer) -> None:
        server.route_under(FEED_PATH, self.feed)

    async def feed(self, request: web.Request) -> web.StreamResponse:
        name = request.path[len(FEED_PATH):]
        if request.method not in ("GET", "HEAD") or not name.endswith(".ics") or "/" in name:
            return not_found()
        token = name.removesuffix(".ics")
        if not 20 <= len(token) <= 100:
            return not_found()
        wait = self.limit.wait(token_hash(token))  # counted by hash: no token kept in memory
        if wait:
            return web.Response(status=429, text="too many requests for this feed\n",
                                headers={"Retry-After": str(wait)})
        services = self.app.core.services
        body = await calendar_for(services, token, int(services.clock().timestamp()))
        if body is None:
            return not_found()
        tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        headers = {"ETag": tag, "Cache-Control": f"private, max-age={self.MAX_AGE}",
                   "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
        # Weak comparison (RFC 9110): a proxy that compresses the body marks the tag weak, W/"…".
        asked = [t.strip().removeprefix("W/") for t in request.headers.get("If-None-Match", "").split(",")]
        if tag in asked or "*" in asked:
            return web.Response(status=304, headers=headers)
        return web.Response(body=body, headers={**headers, "Content-Type": "text/calendar; charset=utf-8"})
