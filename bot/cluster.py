"""This process among the others running over the same database, and the roles one process at a time holds.

On PostgreSQL several `solidarity-bot run` processes may share one database (see the README's "Deploying on
PostgreSQL"). Everything they share is in the database (storage/processes.py):

- Each process says it is alive every `BEAT` seconds. One silent for more than `EXPIRY` seconds is taken for
  dead by the others: the messages it had claimed go back to waiting, and the roles it held become free.
- A role is held by one process at a time: `clock` (turning due rows into messages, housekeeping), and the
  platform connections that must be single: `discord` (the gateway) and `telegram` in polling mode (Telegram
  answers only one getUpdates at a time; in webhook mode every process receives updates). Every process that
  wants a role asks for it at each beat; one that holds it keeps it, another takes it once the holder is dead.
  If the holder is killed, another process holds the role within EXPIRY + BEAT seconds (12 s).
- What a role's work does is safe even if two processes believed for a moment that they held it (a frozen
  process that wakes up after the others took over): a due row is removed in the transaction that queues its
  message, so a second handling of it finds it gone and writes nothing.

An SQLite file serves one process (`alone`): at start every other process recorded there is taken for dead at
once, so a restart sends what was in flight again without waiting for the expiry, and the roles are its own.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from storage import Repositories

log = logging.getLogger(__name__)

BEAT = 2  # seconds between two signs of life (and two looks at the roles)
EXPIRY = 9  # seconds of silence after which a process is taken for dead


@dataclass
class _Role:
    name: str
    on_gain: Callable[[], Awaitable[None]] | None
    on_loss: Callable[[], Awaitable[None]] | None
    held: bool = False
    gained: asyncio.Event = field(default_factory=asyncio.Event)
    lost: asyncio.Event = field(default_factory=asyncio.Event)


class Cluster:
    """This process's place among those sharing the database."""

    def __init__(self, repos: Repositories, *, alone: bool) -> None:
        self.repos = repos
        self.alone = alone
        self.id = secrets.token_hex(8)
        self._roles: dict[str, _Role] = {}
        self._beating: asyncio.Task[None] | None = None
        self._started = False
        self._callbacks: set[asyncio.Task[None]] = set()

    def want(self, role: str, *, on_gain: Callable[[], Awaitable[None]] | None = None,
             on_loss: Callable[[], Awaitable[None]] | None = None) -> None:
        """Ask to hold `role` (now if started, else from `start`); `on_gain` runs each time it is taken,
        `on_loss` each time it is lost to another process."""
        self._roles[role] = _Role(role, on_gain, on_loss)

    def holds(self, role: str) -> bool:
        held = self._roles.get(role)
        return held is not None and held.held

    async def wait_for(self, role: str) -> None:
        """Return once this process holds `role` (wanted before)."""
        await self._roles[role].gained.wait()

    async def wait_lost(self, role: str) -> None:
        """Return once this process, which held `role`, no longer does (another took it over)."""
        await self._roles[role].lost.wait()

    async def start(self) -> None:
        """Say this process is alive, take over from the dead, take the free roles wanted, and keep doing so in the
        background. Idempotent."""
        if self._started:
            return
        self._started = True
        processes = self.repos.processes
        await processes.beat(self.id)
        dead, messages = await processes.reap(EXPIRY, all_but=self.id if self.alone else None)
        if messages:
            log.warning("messages being sent when a bot process stopped, sent again now: %d", messages)
        await self._look_at_roles()
        self._beating = asyncio.create_task(self._keep_beating(), name="cluster")

    async def stop(self) -> None:
        """Stop beating and leave: the roles are free at once for the others."""
        if not self._started:
            return
        self._started = False
        if self._beating is not None:
            self._beating.cancel()
            await asyncio.gather(self._beating, return_exceptions=True)
        for task in list(self._callbacks):
            task.cancel()
        await asyncio.gather(*self._callbacks, return_exceptions=True)
        for role in self._roles.values():
            role.held = False
            role.gained.clear()
        try:
            await self.repos.processes.leave(self.id)
        except Exception as exc:  # the database went first: the others take over after the expiry
            log.warning("could not say this process stopped (%s)", type(exc).__name__)

    async def _keep_beating(self) -> None:
        while True:
            await asyncio.sleep(BEAT)
            try:
                await self.repos.processes.beat(self.id)
                dead, messages = await self.repos.processes.reap(EXPIRY)
                if dead:
                    log.warning("%d bot process(es) stopped answering; taking over (%d messages to send again)",
                                dead, messages)
                await self._look_at_roles()
            except Exception as exc:
                log.warning("could not reach the database to say this process is alive (%s)", type(exc).__name__)

    async def _look_at_roles(self) -> None:
        for role in self._roles.values():
            held = await self.repos.processes.take_role(role.name, self.id)
            if held and not role.held:
                role.held = True
                role.lost.clear()
                role.gained.set()
                log.info("this process now holds the %s role", role.name)
                self._run(role.on_gain)
            elif not held and role.held:
                role.held = False
                role.gained.clear()
                role.lost.set()
                log.warning("another process took over the %s role", role.name)
                self._run(role.on_loss)

    def _run(self, callback: Callable[[], Awaitable[None]] | None) -> None:
        if callback is None:
            return

        async def guarded() -> None:
            try:
                await callback()
            except Exception:
                log.exception("taking up or handing over a role failed")

        task = asyncio.create_task(guarded())
        self._callbacks.add(task)
        task.add_done_callback(self._callbacks.discard)
