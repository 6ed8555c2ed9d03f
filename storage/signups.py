"""Sign-ups for sessions with places: who is going, who waits (in the order they asked), who has been offered a
place that came free, and who said they are not going.

A session may have a number of places (`sessions.places`; none: as many as come). Going takes a place when one
is free, and otherwise the end of the waiting list. A place is taken by those going and by an offer not yet
answered, so an offer never overbooks. When a place comes free (someone going says they are not, an offer lapses
or is declined, the organiser adds places), the first on the waiting list is offered it until a moment
(`offer_until`), and a due row of the schedule (`OFFER`) passes it on if they have not taken it by then.

Those going may answer the session's registration questions (handlers/sessions/questions.py): `answers`, a JSON
object sealed with the database's keyring (an access need can tell of a disability), dropped when they stop going.

Each answer is one write transaction, and write transactions run one at a time on both engines
(storage/database.py): a hundred members pressing Going at once for forty places gives forty going and sixty
waiting, in the order their presses were written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from storage.database import Connection, Database
from storage.outbox import OutboxRepository
from storage.schedule import ScheduleRepository
from storage.sessions import LINK

GOING, WAITING, OFFERED, NOT_GOING = "going", "waiting", "offered", "not_going"
OFFER = "signup_offer"  # the schedule's kind for an offer's deadline
FILL = "signup_fill"  # the schedule's kind for a place freed by a member who left: offered at once
ANSWERS_SIZE = 2048  # bytes every member's answers are padded to before sealing (the longest take about 1,300)


@dataclass(frozen=True)
class Signup:
    """A member's answer for one session; `position` on the waiting list (1: next), `offer_until` for an offer."""

    status: str
    position: int | None = None
    offer_until: int | None = None
    answers: dict[str, str] = field(default_factory=dict)  # to the registration questions, while going


@dataclass(frozen=True)
class Counts:
    going: int = 0
    offered: int = 0
    waiting: int = 0
    not_going: int = 0


@dataclass(frozen=True)
class Answered:
    """What an answer changed: the member's sign-up now, and who was offered a place that came free."""

    signup: Signup
    offered: tuple[int, ...] = ()


class SignupRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, session_id: int, member_id: int) -> Signup | None:
        rows = await self.db.fetch_all(
            "SELECT status, offer_until, (SELECT count(*) FROM session_signups w WHERE w.session_id = s.session_id "
            "AND w.status = 'waiting' AND w.seq <= s.seq), answers FROM session_signups s WHERE session_id = ? "
            "AND member_id = ?", (session_id, member_id))
        if not rows:
            return None
        status, until, position, answers = rows[0]
        return Signup(status, int(position) if status == WAITING else None, until, self._opened(answers))

    def _opened(self, sealed: str | None) -> dict[str, str]:
        opened = self.db.keyring.open(sealed)
        return json.loads(opened) if opened else {}

    def _sealed(self, answers: dict[str, str]) -> str:
        """The answers sealed, padded to one size (spaces, which JSON ignores): the sealed text's length tells
        nothing of what was answered, nor whether anything was."""
        text = json.dumps(answers, ensure_ascii=False, sort_keys=True)
        return self.db.keyring.seal(text + " " * (-len(text.encode()) % ANSWERS_SIZE)) or ""

    async def forget_unasked(self, session_id: int, asked: set[str], languages: set[str]) -> None:
        """The organiser stopped asking some questions, or offering some languages: the answers to them go."""
        async with self.db.transaction() as conn:
            async with conn.execute("SELECT member_id, answers FROM session_signups WHERE session_id = ? "
                                    "AND answers IS NOT NULL", (session_id,)) as cursor:
                rows = await cursor.fetchall()
            for member_id, sealed in rows:
                answers = self._opened(sealed)
                kept = {k: v for k, v in answers.items()
                        if k in asked and (k != "interpretation" or v in languages)}
                if kept != answers:
                    await conn.execute(
                        "UPDATE session_signups SET answers = ? WHERE session_id = ? AND member_id = ?",
                        (self._sealed(kept), session_id, member_id))

    async def set_answers(self, session_id: int, member_id: int, answers: dict[str, str]) -> bool:
        """Keep a member's answers to a session's registration questions; False (nothing kept) unless they are
        going."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE session_signups SET answers = ? WHERE session_id = ? AND member_id = ? AND status = 'going'",
                (self._sealed(answers), session_id, member_id))
            return cursor.rowcount == 1

    async def going_answers(self, session_id: int) -> list[tuple[int, str, dict[str, str]]]:
        """Those going (and offered a place), in the order they said so, with their status and answers: for
        organisers."""
        rows = await self.db.fetch_all("SELECT member_id, status, answers FROM session_signups WHERE session_id = ? "
                                       "AND status IN ('going', 'offered') ORDER BY seq", (session_id,))
        return [(int(member_id), str(status), self._opened(answers)) for member_id, status, answers in rows]

    async def answer(self, session_id: int, member_id: int, *, going: bool, places: int | None, now: int,
                     offer_until: int) -> Answered:
        """Going or not, in one transaction; a place freed goes to the next waiting (offered until
        `offer_until`)."""
        async with self.db.transaction() as conn:
            before = await _status_in(conn, session_id, member_id)
            if going:
                if before in (GOING, WAITING):
                    pass
                elif before == OFFERED:
                    await _set_in(conn, session_id, member_id, GOING, now)
                elif places is None or await _taken_in(conn, session_id) < places:
                    await _put_in(conn, session_id, member_id, GOING, now)
                else:
                    await _put_in(conn, session_id, member_id, WAITING, now)
                offered: tuple[int, ...] = ()
            else:
                if before is None:
                    await _put_in(conn, session_id, member_id, NOT_GOING, now)
                else:
                    await _set_in(conn, session_id, member_id, NOT_GOING, now)
                # The call link is for those going: one already prepared for them does not go.
                await OutboxRepository.withdraw_subject_in(conn, (LINK,), session_id, member_id)
                offered = await self._offer_in(conn, session_id, places, now, offer_until)
        signup = await self.get(session_id, member_id)
        assert signup is not None
        return Answered(signup, offered)

    async def lapse(self, session_id: int, member_id: int, *, places: int | None, now: int,
                    offer_until: int) -> tuple[bool, tuple[int, ...]]:
        """An offer's deadline: if it is still unanswered, it lapses (the member is no longer waiting) and the
        place goes to the next. Whether it lapsed, and who was offered the place."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE session_signups SET status = 'not_going', offer_until = NULL, answers = NULL, updated_at = ? "
                "WHERE session_id = ? AND member_id = ? AND status = 'offered' AND offer_until <= ?",
                (now, session_id, member_id, now))
            if cursor.rowcount == 0:
                return False, ()
            return True, await self._offer_in(conn, session_id, places, now, offer_until)

    async def places_changed(self, session_id: int, places: int | None, now: int,
                             offer_until: int) -> tuple[int, ...]:
        """The organiser changed the number of places: the places now free go to those waiting first."""
        async with self.db.transaction() as conn:
            return await self._offer_in(conn, session_id, places, now, offer_until)

    async def _offer_in(self, conn: Connection, session_id: int, places: int | None, now: int,
                        offer_until: int) -> tuple[int, ...]:
        offered: list[int] = []
        while True:
            if places is not None and await _taken_in(conn, session_id) >= places:
                break
            async with conn.execute("SELECT member_id FROM session_signups WHERE session_id = ? AND status = 'waiting' "
                                    "ORDER BY seq LIMIT 1", (session_id,)) as cursor:
                row = await cursor.fetchone()
            if row is None:
                break
            member_id = int(row[0])
            await conn.execute("UPDATE session_signups SET status = 'offered', offer_until = ?, updated_at = ? "
                               "WHERE session_id = ? AND member_id = ?", (offer_until, now, session_id, member_id))
            await ScheduleRepository.add_in(conn, OFFER, session_id, member_id, offer_until)
            offered.append(member_id)
        return tuple(offered)

    @staticmethod
    async def places_freed_in(conn: Connection, member_id: int) -> None:
        """Within the transaction that erases a member: each place they held goes to the first waiting, through a
        `FILL` row of the schedule due at once (the erasure cannot write to anyone itself)."""
        async with conn.execute(
                "SELECT s.session_id, (SELECT w.member_id FROM session_signups w WHERE w.session_id = s.session_id "
                "AND w.status = 'waiting' ORDER BY w.seq LIMIT 1) FROM session_signups s WHERE s.member_id = ? "
                "AND s.status IN ('going', 'offered')", (member_id,)) as cursor:
            freed = await cursor.fetchall()
        for session_id, first in freed:
            if first is not None:
                await ScheduleRepository.add_in(conn, FILL, int(session_id), int(first), 0)

    async def counts(self, session_id: int) -> Counts:
        rows = await self.db.fetch_all("SELECT status, count(*) FROM session_signups WHERE session_id = ? "
                                       "GROUP BY status", (session_id,))
        return Counts(**{str(status): int(n) for status, n in rows})

    async def members(self, session_id: int, status: str) -> list[int]:
        """The members with this answer, in the order they gave it (the waiting list's order)."""
        rows = await self.db.fetch_all("SELECT member_id FROM session_signups WHERE session_id = ? AND status = ? "
                                       "ORDER BY seq", (session_id, status))
        return [int(row[0]) for row in rows]

    async def for_member(self, member_id: int) -> list[dict]:
        """The member's sign-ups, for /export."""
        rows = await self.db.fetch_all("SELECT session_id, status, offer_until, updated_at, answers "
                                       "FROM session_signups WHERE member_id = ? ORDER BY session_id", (member_id,))
        return [{**dict(row), "answers": self._opened(row["answers"])} for row in rows]


async def _status_in(conn: Connection, session_id: int, member_id: int) -> str | None:
    async with conn.execute("SELECT status FROM session_signups WHERE session_id = ? AND member_id = ?",
                            (session_id, member_id)) as cursor:
        row = await cursor.fetchone()
    return str(row[0]) if row else None


async def _taken_in(conn: Connection, session_id: int) -> int:
    async with conn.execute("SELECT count(*) FROM session_signups WHERE session_id = ? "
                            "AND status IN ('going', 'offered')", (session_id,)) as cursor:
        return int((await cursor.fetchone())[0])


async def _put_in(conn: Connection, session_id: int, member_id: int, status: str, now: int) -> None:
    """A first answer, or a new place at the end of the list (after not going)."""
    await conn.execute(
        "INSERT INTO session_signups (session_id, member_id, status, seq, updated_at) VALUES (?, ?, ?, "
        "(SELECT coalesce(max(seq), 0) + 1 FROM session_signups WHERE session_id = ?), ?) "
        "ON CONFLICT (session_id, member_id) DO UPDATE SET status = excluded.status, seq = excluded.seq, "
        "offer_until = NULL, answers = NULL, updated_at = excluded.updated_at",
        (session_id, member_id, status, session_id, now))


async def _set_in(conn: Connection, session_id: int, member_id: int, status: str, now: int) -> None:
    """A new answer; the answers to the registration questions stay only with going."""
    await conn.execute("UPDATE session_signups SET status = ?, offer_until = NULL, updated_at = ?, "
                       "answers = CASE WHEN ? = 'going' THEN answers ELSE NULL END "
                       "WHERE session_id = ? AND member_id = ?", (status, now, status, session_id, member_id))
