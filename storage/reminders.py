"""Reminders members set for themselves: one-off or recurring, in the member's wall-clock time."""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Connection, Database, inserted_id
from storage.schedule import ScheduleRepository

_COLUMNS = "id, member_id, what, rule, hour, minute, zone, until_at, status, created_at"
KINDS = ("reminder", "snooze")  # the schedule rows a reminder may have


@dataclass(frozen=True)
class Reminder:
    """One reminder; `rule` (an RRULE body) is None for a one-off."""

    id: int
    member_id: int
    what: str
    rule: str | None
    hour: int | None
    minute: int | None
    zone: str
    until_at: int | None
    status: str
    created_at: int
    next_at: int | None = None  # when it fires next (from the schedule), when listed
    snoozed_until: int | None = None  # when its snoozed message comes back, when listed


# The earlier of next_at and snoozed_until, whichever of them is set.
_EARLIER = {"sqlite": "coalesce(min(next_at, snoozed_until), next_at, snoozed_until)",
            "postgresql": "least(next_at, snoozed_until)"}


class ReminderRepository:
    """Creates, lists, fires and cancels reminders."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, member_id: int, what: str, *, first_at: int, zone: str, rule: str | None = None,
                     hour: int | None = None, minute: int | None = None, until_at: int | None = None,
                     now: int) -> int:
        """Store a reminder and schedule its first moment, together."""
        async with self.db.transaction() as conn:
            reminder_id = await inserted_id(
                conn, "INSERT INTO reminders (member_id, what, rule, hour, minute, zone, until_at, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (member_id, what, rule, hour, minute, zone, until_at, now))
            await ScheduleRepository.add_in(conn, "reminder", reminder_id, member_id, first_at)
        return reminder_id

    async def get(self, reminder_id: int) -> Reminder | None:
        row = await self.db.fetch_one(f"SELECT {_COLUMNS} FROM reminders WHERE id = ?", (reminder_id,))
        return Reminder(*row) if row else None

    async def get_many(self, reminder_ids: list[int]) -> dict[int, Reminder]:
        """Several reminders in one query, by id."""
        found: dict[int, Reminder] = {}
        for start in range(0, len(reminder_ids), 500):
            chunk = reminder_ids[start:start + 500]
            rows = await self.db.fetch_all(
                f"SELECT {_COLUMNS} FROM reminders WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            found.update((row[0], Reminder(*row)) for row in rows)
        return found

    async def active(self, member_id: int) -> list[Reminder]:
        """The member's reminders still to fire, soonest first: those to come, and those fired and snoozed (they
        come back, so they can still be cancelled)."""
        rows = await self.db.fetch_all(
            f"SELECT * FROM (SELECT {', '.join('r.' + c.strip() for c in _COLUMNS.split(','))}, "
            "(SELECT min(due_at) FROM schedule s WHERE s.kind = 'reminder' AND s.subject_id = r.id) AS next_at, "
            "(SELECT min(due_at) FROM schedule s WHERE s.kind = 'snooze' AND s.subject_id = r.id) AS snoozed_until "
            "FROM reminders r WHERE r.member_id = ? AND r.status IN ('active', 'fired')) AS due "
            "WHERE status = 'active' OR snoozed_until IS NOT NULL "
            f"ORDER BY {_EARLIER[self.db.dialect]}, id", (member_id,))
        return [Reminder(*row) for row in rows]

    async def count_active(self, member_id: int) -> int:
        row = await self.db.fetch_one(
            "SELECT count(*) FROM reminders WHERE member_id = ? AND status = 'active'", (member_id,))
        return int(row[0])

    async def for_member(self, member_id: int) -> list[Reminder]:
        """Every reminder of the member (for export)."""
        rows = await self.db.fetch_all(f"SELECT {_COLUMNS} FROM reminders WHERE member_id = ? ORDER BY id",
                                       (member_id,))
        return [Reminder(*row) for row in rows]

    @staticmethod
    async def set_status_in(conn: Connection, reminder_id: int, status: str) -> None:
        """Set a reminder's status within an open transaction (when it fires, or its last occurrence did)."""
        await conn.execute("UPDATE reminders SET status = ? WHERE id = ?", (status, reminder_id))

    async def finish(self, reminder_id: int, member_id: int, status: str) -> bool:
        """Mark the member's reminder done or cancelled and drop what is scheduled for it; False if it is not
        theirs or already finished."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE reminders SET status = ? WHERE id = ? AND member_id = ? AND status IN ('active', 'fired')",
                (status, reminder_id, member_id))
            if cursor.rowcount != 1:
                return False
            await ScheduleRepository.cancel_in(conn, KINDS, reminder_id)
        return True
