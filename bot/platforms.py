"""Starting the platforms side by side, so that one platform's trouble never takes the others down.

A platform that cannot connect (no network, a DNS failure, an outage) is tried again after 5 s, 10 s, 20 s …
up to every 5 minutes, while the others run; what the bot sends on its own waits in the outbox until it is up.
A platform that rejects the bot's token is not tried again: one line names the setting to check, and it stays
off. `solidarity-bot run` gives up only when no platform can start at all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.cluster import Cluster
from bot.delivery import Outbox

log = logging.getLogger(__name__)

RETRY_WAITS = (5, 10, 20, 40, 80, 160, 300)  # seconds before each new try; the last repeats
LABELS = {"telegram": "Telegram", "discord": "Discord"}


class TokenRejected(Exception):
    """The platform refused the bot's token (revoked, mistyped): trying again would not help."""

    def __init__(self, platform: str) -> None:
        super().__init__(rejected_line(platform))
        self.platform = platform


def rejected_line(platform: str) -> str:
    """The one line that says a platform refused the token, and which setting holds it."""
    return (f"{LABELS.get(platform, platform)} rejected the bot token: check SOLIDARITY__{platform.upper()}__TOKEN "
            f"({platform}.token)")


@dataclass
class Platform:
    """One platform to run: its adapter (registered with the outbox) and how to start it."""

    name: str
    adapter: Any  # has `stop()`, safe to call whatever state a start left it in
    start: Callable[[], Awaitable[None]]
    role: str | None = None  # held by one process at a time among several (bot/cluster.py), or None


async def keep_trying(platform: Platform, delivery: Outbox) -> bool:
    """Start a platform, trying again with growing waits while it cannot connect; once it runs, its messages go
    out. True when it runs, False when it rejected the token."""
    label = LABELS.get(platform.name, platform.name)
    tries = 0
    while True:
        try:
            await platform.start()
        except TokenRejected:
            log.error("%s", rejected_line(platform.name))
            await _stop(platform)
            return False
        except Exception as exc:  # any other failure to start: the network, the platform, a proxy
            wait = RETRY_WAITS[min(tries, len(RETRY_WAITS) - 1)]
            tries += 1
            # The kind of failure only: messages of the libraries' errors can quote URLs and what was sent.
            log.warning("%s cannot connect (%s); trying again in %g s", label, type(exc).__name__, wait)
            await _stop(platform)
            await asyncio.sleep(wait)
        else:
            if tries:
                log.info("%s is connected, after %d failed tries", label, tries)
            delivery.connected(platform.name)
            return True


async def keep_holding(platform: Platform, delivery: Outbox, cluster: Cluster, role: str) -> bool:
    """Run a platform only while this process holds `role` (its connection must be single among the processes,
    bot/cluster.py): start it once the role is this process's, stop it if another process takes the role over,
    and start it again when the role comes back. Returns only False, when the token was rejected."""
    label = LABELS.get(platform.name, platform.name)
    while True:
        if not cluster.holds(role):
            log.info("%s runs in another process; this one takes over if that one stops", label)
        await cluster.wait_for(role)
        if not await keep_trying(platform, delivery):
            return False
        await cluster.wait_lost(role)
        log.warning("%s was taken over by another process; stopping it here", label)
        delivery.disconnected(platform.name)
        await _stop(platform)


async def _stop(platform: Platform) -> None:
    """Undo what a failed start left behind, so the next try starts afresh."""
    try:
        await platform.adapter.stop()
    except Exception as exc:
        log.info("stopping %s after a failed start failed too (%s)", platform.name, type(exc).__name__)


async def run_platforms(platforms: list[Platform], delivery: Outbox, stop: asyncio.Event,
                        cluster: Cluster | None = None) -> bool:
    """Start every platform side by side and keep trying those that cannot connect, until `stop` is set (those
    with a `role`, only while this process holds it). False, at once, when no platform can start at all (every
    token was rejected)."""
    starting = asyncio.gather(*(keep_holding(p, delivery, cluster, p.role) if p.role and cluster else
                                keep_trying(p, delivery) for p in platforms))
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if starting.done() and not any(starting.result()):
            return False
        await stopping
        return True
    finally:
        for task in (starting, stopping):
            task.cancel()
        await asyncio.gather(starting, stopping, return_exceptions=True)
