"""The schedule: every due thing (reminder, check-in, nudge …) as a row with the moment it falls due.

The scheduler holds one timer, for the earliest row, so a million pending rows cost a million rows on disk and
nothing in memory. Rows are deleted in the same transaction that queues their message (see `Core.run_due`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storage.database import Connection, Database

_COLUMNS = "id, due_at, kind, subject_id, member_id, detail"


@dataclass(frozen=True)
class DueItem:
    """One due thing: what kind, about which subject (a reminder's or commitment's id), for which member."""

    id: int
    due_at: int
    kind: str
    subject_id: int
    member_id: int
    detail: str | None = None
    # What the item is about (a Reminder …), when its kind loads subjects a batch at a time.
    subject: Any = field(default=None, compare=False)


@dataclass(frozen=True)
class Lag:
    """How the clock keeps up: rows scheduled, rows due and not handled, and how late the oldest is (seconds)."""

    scheduled: int
    due: int
    seconds: int


class ScheduleRepository:
    """Adds, finds and removes due things."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, kind: str, subject_id: int, member_id: int, due_at: int, detail: str | None = None) -> int:
        """Schedule one thing; its row id."""
        rows = await self.db.execute_returning(
            "INSERT INTO schedule (due_at, kind, subject_id, member_id, detail) VALUES (?, ?, ?, ?, ?) RETURNING id",
            (due_at, kind, subject_id, member_id, detail))
        return int(rows[0][0])

    @staticmethod
    async def add_in(conn: Connection, kind: str, subject_id: int, member_id: int, due_at: int,
                     detail: str | None = None) -> None:
        """Schedule one thing within an open transaction."""
        await conn.execute(
            "INSERT INTO schedule (due_at, kind, subject_id, member_id, detail) VALUES (?, ?, ?, ?, ?)",
            (due_at, kind, subject_id, member_id, detail))


    async def next_due(self) -> int | None:
        """When the earliest thing falls due (an index lookup)."""
        row = await self.db.fetch_one("SELECT due_at FROM schedule ORDER BY due_at LIMIT 1")
        return int(row[0]) if row else None

    async def due(self, now: int, limit: int) -> list[DueItem]:
        """The things due by `now`, earliest first, at most `limit`."""
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM schedule WHERE due_at <= ? ORDER BY due_at, id LIMIT ?", (now, limit))
        return [DueItem(*row) for row in rows]

    @staticmethod
    async def postpone_in(conn: Connection, ids: list[int], due_at: int) -> None:
        """Move these rows to `due_at` within an open transaction (their handler failed: tried again then)."""
        await conn.executemany("UPDATE schedule SET due_at = ? WHERE id = ?", [(due_at, i) for i in ids])

    @staticmethod
    async def remove_in(conn: Connection, ids: list[int]) -> int:
        """Delete handled rows within an open transaction; how many were still there."""
        if not ids:
            return 0
        cursor = await conn.executemany("DELETE FROM schedule WHERE id = ?", [(i,) for i in ids])
        return cursor.rowcount

    async def cancel(self, kinds: tuple[str, ...], subject_id: int) -> int:
        """Remove everything of these kinds scheduled about a subject; how many went."""
        marks = ",".join("?" * len(kinds))
        count = await self.db.execute(
            f"DELETE FROM schedule WHERE kind IN ({marks}) AND subject_id = ?", (*kinds, subject_id))
        return count

    @staticmethod
    async def cancel_in(conn: Connection, kinds: tuple[str, ...], subject_id: int) -> None:
        """The same as `cancel`, within an open transaction."""
        marks = ",".join("?" * len(kinds))
        await conn.execute(f"DELETE FROM schedule WHERE kind IN ({marks}) AND subject_id = ?", (*kinds, subject_id))

    async def for_subject(self, kinds: tuple[str, ...], subject_id: int) -> list[DueItem]:
        """What is scheduled about a subject, earliest first."""
        marks = ",".join("?" * len(kinds))
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM schedule WHERE kind IN ({marks}) AND subject_id = ? ORDER BY due_at",
            (*kinds, subject_id))
        return [DueItem(*row) for row in rows]

    async def for_member(self, member_id: int) -> list[DueItem]:
        """Everything scheduled for a member (for export)."""
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM schedule WHERE member_id = ? ORDER BY due_at", (member_id,))
        return [DueItem(*row) for row in rows]

    async def count(self) -> int:
        """How many things are scheduled."""
        row = await self.db.fetch_one("SELECT count(*) FROM schedule")
        return int(row[0])

    async def lag(self, now: int) -> Lag:
        """How far behind the clock is at `now` (for /readyz and /metrics)."""
        row = await self.db.fetch_one(
            "SELECT count(*), min(due_at), (SELECT count(*) FROM schedule) FROM schedule WHERE due_at <= ?", (now,))
        due, oldest, scheduled = (int(row[0]), row[1], int(row[2])) if row else (0, None, 0)
        return Lag(scheduled, due, max(0, now - int(oldest)) if oldest is not None else 0)
