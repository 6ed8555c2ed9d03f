"""The network's lockdown: while it holds, no one joins, no invite works, broadcasts wait, partner searches stop and
contact lines are hidden. One row of `meta`, so every bot process sees it at once."""

from __future__ import annotations

import json
from dataclasses import dataclass

from storage.audit import AuditRepository
from storage.database import Database

_KEY = "lockdown"
HELD_KINDS = ("broadcast",)  # the outbox's messages that wait while the network is locked down


@dataclass(frozen=True)
class Lockdown:
    since: int
    by: int | None  # the admin who started it (None once they left)


class LockdownRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def current(self) -> Lockdown | None:
        row = await self.db.fetch_one("SELECT value FROM meta WHERE key = ?", (_KEY,))
        if row is None:
            return None
        value = json.loads(row[0])
        return Lockdown(int(value["since"]), value.get("by"))

    async def active(self) -> bool:
        return await self.db.fetch_one("SELECT 1 FROM meta WHERE key = ?", (_KEY,)) is not None

    async def held(self) -> tuple[str, ...]:
        """The kinds of message the outbox holds back now."""
        return HELD_KINDS if await self.active() else ()

    async def start(self, by: int, now: int) -> bool:
        """Lock the network down (False: it already is); in the audit log."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
                                        (_KEY, json.dumps({"since": now, "by": by})))
            if not cursor.rowcount:
                return False
            await AuditRepository.record_in(conn, "network.lockdown", actor_id=by, now=now)
            return True

    async def end(self, by: int, now: int) -> bool:
        """End the lockdown (False: there was none); in the audit log."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM meta WHERE key = ?", (_KEY,))
            if not cursor.rowcount:
                return False
            await AuditRepository.record_in(conn, "network.lockdown_off", actor_id=by, now=now)
            return True
