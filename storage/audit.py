"""The audit trail of privileged actions (promote, demote, invite, block, …)."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage.database import Database


@dataclass(frozen=True)
class AuditEntry:
    """One privileged action; `detail` holds ids and numbers only, never personal text."""

    id: int
    at: int
    actor_id: int | None
    action: str
    subject_id: int | None
    detail: str


class AuditRepository:
    """Appends to and reads the audit trail."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(self, action: str, *, actor_id: int | None, subject_id: int | None = None,
                     detail: str = "", now: int) -> None:
        """Append one entry."""
        async with self.db.transaction() as conn:
            await self.record_in(conn, action, actor_id=actor_id, subject_id=subject_id, detail=detail, now=now)

    @staticmethod
    async def record_in(conn: aiosqlite.Connection, action: str, *, actor_id: int | None,
                        subject_id: int | None = None, detail: str = "", now: int) -> None:
        """Append one entry within an open transaction."""
        await conn.execute(
            "INSERT INTO audit (at, actor_id, action, subject_id, detail) VALUES (?, ?, ?, ?, ?)",
            (now, actor_id, action, subject_id, detail),
        )

    async def recent(self, limit: int = 20) -> list[AuditEntry]:
        """The newest entries first."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT id, at, actor_id, action, subject_id, detail FROM audit ORDER BY id DESC LIMIT ?", (limit,)
            ) as cur:
                return [AuditEntry(*row) for row in await cur.fetchall()]

    async def involving(self, member_id: int) -> list[AuditEntry]:
        """Entries where the member acted or was acted upon."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT id, at, actor_id, action, subject_id, detail FROM audit "
                "WHERE actor_id = ? OR subject_id = ? ORDER BY id",
                (member_id, member_id),
            ) as cur:
                return [AuditEntry(*row) for row in await cur.fetchall()]
