"""Commitments: what members promised the network, their notes, and the check-ins scheduled about them.

A commitment is created together with its check-in rows in the schedule, and every change of status or due date
drops or replaces those rows in the same transaction, so the schedule never asks about a commitment that is
finished or holds a date it no longer has. The `*_in` variants take an open connection, for changes that must
land in the transaction `Core.run_due` opens (a check-in marks itself pending as it is queued).
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Connection, Database, inserted_id
from storage.schedule import ScheduleRepository

_COLUMNS = ("id, member_id, what, due_at, theme, region, visibility, status, checkin_pending, stale, help_wanted, "
            "created_at, updated_at, closed_at, joint_with, partner_left, practice_id")
KINDS = ("checkin", "nudge", "stale")  # the schedule rows a commitment may have
FOLLOW_UPS = ("nudge", "stale")  # what an unanswered check-in leads to
VISIBILITIES = ("network", "organisers", "private")
STATUSES = ("open", "done", "dropped")
NOTE_KINDS = ("progress", "reschedule", "checkin")


@dataclass(frozen=True)
class Commitment:
    """One commitment; `member_name` is filled only in organisers' lists."""

    id: int
    member_id: int
    what: str
    due_at: int | None
    theme: str | None
    region: str | None
    visibility: str
    status: str
    checkin_pending: bool
    stale: bool
    help_wanted: bool
    created_at: int
    updated_at: int
    closed_at: int | None
    member_name: str | None = None
    joint_with: int | None = None  # a joint commitment: the other member, who has a row of their own naming this one
    partner_left: bool = False  # a joint commitment whose other member has since erased their data
    practice_id: int | None = None  # made to try a practice of the toolbox ("Try this")

    def overdue(self, now: int) -> bool:
        """Still open after its due moment."""
        return self.status == "open" and self.due_at is not None and self.due_at < now


@dataclass(frozen=True)
class Note:
    """A progress note, a reschedule (its reason) or a check-in answer."""

    id: int
    commitment_id: int
    kind: str
    text: str
    created_at: int


@dataclass(frozen=True)
class Totals:
    """Counts over the commitments organisers may see (never the private ones), and how many are private."""

    open: int = 0
    done: int = 0
    dropped: int = 0
    overdue: int = 0
    stale: int = 0
    help_wanted: int = 0
    private: int = 0


def _commitment(row, name: str | None = None) -> Commitment:
    return Commitment(
        id=row["id"], member_id=row["member_id"], what=row["what"], due_at=row["due_at"], theme=row["theme"],
        region=row["region"], visibility=row["visibility"], status=row["status"],
        checkin_pending=bool(row["checkin_pending"]), stale=bool(row["stale"]), help_wanted=bool(row["help_wanted"]),
        created_at=row["created_at"], updated_at=row["updated_at"], closed_at=row["closed_at"], member_name=name,
        joint_with=row["joint_with"], partner_left=bool(row["partner_left"]), practice_id=row["practice_id"])


class CommitmentRepository:
    """Creates, lists and changes commitments, and keeps their scheduled check-ins in step."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, member_id: int, what: str, *, due_at: int | None, theme: str | None,
                     region: str | None, visibility: str, now: int,
                     checkins: list[tuple[int, str]] = (), practice_id: int | None = None) -> int:
        """Store a commitment and its check-ins ((due_at, detail) pairs), together; the new number. `practice_id`:
        the practice of the toolbox it tries."""
        async with self.db.transaction() as conn:
            commitment_id = await inserted_id(
                conn, "INSERT INTO commitments (member_id, what, due_at, theme, region, visibility, created_at, updated_at, "
                "practice_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (member_id, what, due_at, theme, region, visibility, now, now, practice_id))
            for at, detail in checkins:
                await ScheduleRepository.add_in(conn, "checkin", commitment_id, member_id, at, detail)
        return commitment_id

    async def create_joint(self, members: tuple[int, int], what: str, *, due_at: int | None, theme: str | None,
                           region: str | None, visibility: str, now: int,
                           checkins: tuple[list[tuple[int, str]], list[tuple[int, str]]] = ([], [])
                           ) -> tuple[int, int]:
        """A joint commitment of two members: one row each, naming the other, each with its check-ins, together;
        the two new numbers (the first member's first)."""
        numbers = []
        async with self.db.transaction() as conn:
            for member_id, other_id, own_checkins in ((members[0], members[1], checkins[0]),
                                                      (members[1], members[0], checkins[1])):
                commitment_id = await inserted_id(
                    conn, "INSERT INTO commitments (member_id, what, due_at, theme, region, visibility, created_at, "
                    "updated_at, joint_with) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (member_id, what, due_at, theme, region, visibility, now, now, other_id))
                numbers.append(commitment_id)
                for at, detail in own_checkins:
                    await ScheduleRepository.add_in(conn, "checkin", commitment_id, member_id, at, detail)
        return numbers[0], numbers[1]

    async def get(self, commitment_id: int) -> Commitment | None:
        """The commitment with this number, if it exists."""
        row = await self.db.fetch_one(f"SELECT {_COLUMNS} FROM commitments WHERE id = ?", (commitment_id,))
        return _commitment(row) if row else None

    async def for_member(self, member_id: int) -> list[Commitment]:
        """The member's commitments: open ones by due date (undated last), then finished ones, latest first."""
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM commitments WHERE member_id = ? ORDER BY status != 'open', "
            "CASE WHEN status = 'open' THEN due_at IS NULL END, CASE WHEN status = 'open' THEN due_at END, "
            "closed_at DESC, id", (member_id,))
        return [_commitment(row) for row in rows]

    async def for_organisers(self, *, now: int, theme: str | None = None, region: str | None = None,
                             status: str | None = None, overdue: bool = False, network_only: bool = False,
                             limit: int = 30) -> tuple[list[Commitment], Totals]:
        """Everyone's commitments but the private ones (with `network_only`, only those shared with the whole
        network: what members may see), filtered, open first; and totals by status over the same theme and
        region. Private commitments are counted in the whole network, never filtered: a count by theme or
        region could point at the member who keeps one to themselves."""
        where, args = ["c.visibility = 'network'" if network_only else "c.visibility != 'private'"], []
        if theme:
            where.append("c.theme = ?")
            args.append(theme)
        if region:
            where.append("c.region = ?")
            args.append(region)
        listed, listed_args = list(where), list(args)
        if status:
            listed.append("c.status = ?")
            listed_args.append(status)
        if overdue:
            listed.append("c.status = 'open' AND c.due_at < ?")
            listed_args.append(now)
        rows = await self.db.fetch_all(
            f"SELECT {', '.join('c.' + c.strip() for c in _COLUMNS.split(','))}, m.display_name "
            f"FROM commitments c JOIN members m ON m.id = c.member_id WHERE {' AND '.join(listed)} "
            "ORDER BY c.status != 'open', CASE WHEN c.status = 'open' THEN c.due_at IS NULL END, "
            "CASE WHEN c.status = 'open' THEN c.due_at END, c.closed_at DESC, c.id LIMIT ?", (*listed_args, limit))
        counts = await self.db.fetch_one(
            "SELECT count(*) FILTER (WHERE status = 'open'), count(*) FILTER (WHERE status = 'done'), "
            "count(*) FILTER (WHERE status = 'dropped'), "
            "count(*) FILTER (WHERE status = 'open' AND due_at < ?), "
            "count(*) FILTER (WHERE status = 'open' AND stale = 1), "
            "count(*) FILTER (WHERE status = 'open' AND help_wanted = 1), "
            "(SELECT count(*) FROM commitments WHERE visibility = 'private') "
            f"FROM commitments c WHERE {' AND '.join(where)}", (now, *args))
        totals = Totals(*(int(v or 0) for v in counts))
        return [_commitment(row, row["display_name"]) for row in rows], totals

    async def count_open(self, member_id: int) -> int:
        """How many commitments the member has open."""
        row = await self.db.fetch_one(
            "SELECT count(*) FROM commitments WHERE member_id = ? AND status = 'open'", (member_id,))
        return int(row[0])

    async def set_status(self, commitment_id: int, member_id: int, status: str, now: int, *,
                         note: str | None = None) -> bool:
        """Close the member's open commitment as done or dropped and drop its check-ins (with a check-in note
        when it was a check-in's answer); False if it is not theirs or not open."""
        if status not in ("done", "dropped"):
            raise ValueError(f"cannot close a commitment as {status}")
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE commitments SET status = ?, checkin_pending = 0, closed_at = ?, updated_at = ? "
                "WHERE id = ? AND member_id = ? AND status = 'open'", (status, now, now, commitment_id, member_id))
            if cursor.rowcount != 1:
                return False
            await ScheduleRepository.cancel_in(conn, KINDS, commitment_id)
            if note is not None:
                await self.add_note_in(conn, commitment_id, "checkin", note, now)
        return True

    async def set_due(self, commitment_id: int, member_id: int, due_at: int | None, now: int, *,
                      reason: str = "", checkins: list[tuple[int, str]] = ()) -> int | None:
        """Give the member's open commitment a new due date (or none), note it (with its reason, which
        `set_reason` may give later), and replace its check-ins; an earlier check-in left unanswered no longer
        counts. The note's number; None if the commitment is not theirs or not open."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE commitments SET due_at = ?, checkin_pending = 0, stale = 0, updated_at = ? "
                "WHERE id = ? AND member_id = ? AND status = 'open'", (due_at, now, commitment_id, member_id))
            if cursor.rowcount != 1:
                return None
            await ScheduleRepository.cancel_in(conn, KINDS, commitment_id)
            for at, detail in checkins:
                await ScheduleRepository.add_in(conn, "checkin", commitment_id, member_id, at, detail)
            return await self.add_note_in(conn, commitment_id, "reschedule", reason, now)

    async def set_reason(self, note_id: int, member_id: int, reason: str) -> bool:
        """Give the reason for a new date, after the date was saved; False if that note is not the member's."""
        changed = await self.db.execute(
            "UPDATE commitment_notes SET text = ? WHERE id = ? AND kind = 'reschedule' "
            "AND commitment_id IN (SELECT id FROM commitments WHERE member_id = ?)", (reason, note_id, member_id))
        return changed == 1

    async def add_note(self, commitment_id: int, member_id: int, kind: str, text: str, now: int) -> bool:
        """Add a note to the member's open commitment; a progress note also counts as an answer to a pending
        check-in. False if it is not theirs or not open."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE commitments SET updated_at = ?, checkin_pending = 0, stale = 0 "
                "WHERE id = ? AND member_id = ? AND status = 'open'", (now, commitment_id, member_id))
            if cursor.rowcount != 1:
                return False
            await self.add_note_in(conn, commitment_id, kind, text, now)
            await ScheduleRepository.cancel_in(conn, FOLLOW_UPS, commitment_id)
        return True

    @staticmethod
    async def add_note_in(conn: Connection, commitment_id: int, kind: str, text: str, now: int) -> int:
        """Add a note within an open transaction; its number."""
        if kind not in NOTE_KINDS:
            raise ValueError(f"not a note kind: {kind}")
        return await inserted_id(
            conn, "INSERT INTO commitment_notes (commitment_id, kind, text, created_at) VALUES (?, ?, ?, ?)",
            (commitment_id, kind, text, now))

    async def notes(self, commitment_id: int) -> list[Note]:
        """The commitment's notes, oldest first."""
        rows = await self.db.fetch_all(
            "SELECT id, commitment_id, kind, text, created_at FROM commitment_notes WHERE commitment_id = ? "
            "ORDER BY id", (commitment_id,))
        return [Note(*row) for row in rows]

    async def latest_notes(self, commitment_ids: list[int]) -> dict[int, Note]:
        """For each of these commitments that has one, its latest note in words: a progress note, or the reason
        given for a new date (not a check-in's answer)."""
        latest: dict[int, Note] = {}
        for start in range(0, len(commitment_ids), 500):
            chunk = commitment_ids[start:start + 500]
            rows = await self.db.fetch_all(
                "SELECT id, commitment_id, kind, text, created_at FROM commitment_notes "
                f"WHERE commitment_id IN ({','.join('?' * len(chunk))}) AND kind != 'checkin' AND text != '' "
                "ORDER BY id", chunk)
            latest.update((row[1], Note(*row)) for row in rows)
        return latest

    async def notes_for_member(self, member_id: int) -> dict[int, list[Note]]:
        """The notes of all the member's commitments, by commitment (for export)."""
        rows = await self.db.fetch_all(
            "SELECT n.id, n.commitment_id, n.kind, n.text, n.created_at FROM commitment_notes n "
            "JOIN commitments c ON c.id = n.commitment_id WHERE c.member_id = ? ORDER BY n.id", (member_id,))
        notes: dict[int, list[Note]] = {}
        for row in rows:
            notes.setdefault(row[1], []).append(Note(*row))
        return notes

    async def answer_checkin(self, commitment_id: int, member_id: int, answer: str, now: int, *,
                             help_wanted: bool | None = None, again_at: int | None = None) -> bool:
        """The member answered a check-in about their open commitment: no longer pending nor stale, its nudge and
        stale mark are dropped, and the answer noted; with `again_at`, its next check-in is then (an overdue
        commitment that is still under way is asked about again). False if it is not theirs or not open."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE commitments SET checkin_pending = 0, stale = 0, help_wanted = coalesce(?, help_wanted), "
                "updated_at = ? WHERE id = ? AND member_id = ? AND status = 'open'",
                (None if help_wanted is None else int(help_wanted), now, commitment_id, member_id))
            if cursor.rowcount != 1:
                return False
            await ScheduleRepository.cancel_in(conn, FOLLOW_UPS, commitment_id)
            if again_at is not None:
                await ScheduleRepository.cancel_in(conn, ("checkin",), commitment_id)
                await ScheduleRepository.add_in(conn, "checkin", commitment_id, member_id, again_at, "overdue")
            await self.add_note_in(conn, commitment_id, "checkin", answer, now)
        return True

    @staticmethod
    async def mark_checkin_pending_in(conn: Connection, commitment_id: int, now: int) -> None:
        """A check-in was queued: it waits for an answer (within an open transaction)."""
        await conn.execute("UPDATE commitments SET checkin_pending = 1, updated_at = ? WHERE id = ? AND status = 'open'",
                           (now, commitment_id))

    @staticmethod
    async def mark_stale_in(conn: Connection, commitment_id: int, now: int) -> None:
        """A check-in and its nudge went unanswered (within an open transaction)."""
        await conn.execute(
            "UPDATE commitments SET stale = 1, updated_at = ? WHERE id = ? AND status = 'open' AND checkin_pending = 1",
            (now, commitment_id))

    @staticmethod
    async def partner_left_in(conn: Connection, member_id: int) -> None:
        """Within the transaction that erases a member: the joint commitments others keep with them stay theirs,
        now together with a former member."""
        await conn.execute("UPDATE commitments SET partner_left = 1, joint_with = NULL WHERE joint_with = ?",
                           (member_id,))
