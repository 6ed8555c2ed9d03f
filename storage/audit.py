"""The audit trail of privileged actions (promote, demote, invite, block, …)."""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Connection, Database


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
        await self.db.execute(
            "INSERT INTO audit (at, actor_id, action, subject_id, detail) VALUES (?, ?, ?, ?, ?)",
            (now, actor_id, action, subject_id, detail),
        )

    @staticmethod
    async def record_in(conn: Connection, action: str, *, actor_id: int | None,
                        subject_id: int | None = None, detail: str = "", now: int) -> None:
        """Append one entry within an open transaction."""
        await conn.execute(
            "INSERT INTO audit (at, actor_id, action, subject_id, detail) VALUES (?, ?, ?, ?, ?)",
            (now, actor_id, action, subject_id, detail),
        )

    async def recent(self, limit: int = 20) -> list[AuditEntry]:
        """The newest entries first."""
        rows = await self.db.fetch_all(
            "SELECT id, at, actor_id, action, subject_id, detail FROM audit ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [AuditEntry(*row) for row in rows]

    async def involving(self, member_id: int) -> list[AuditEntry]:
        """Entries where the member acted or was acted upon."""
        rows = await self.db.fetch_all(
            "SELECT id, at, actor_id, action, subject_id, detail FROM audit "
            "WHERE actor_id = ? OR subject_id = ? ORDER BY id",
            (member_id, member_id),
        )
        return [AuditEntry(*row) for row in rows]
