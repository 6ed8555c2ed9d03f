"""Sessions (the agenda), subscriptions to a session or to every session of a theme, and what falls due about them.

Each subscriber of a session has their own rows in the schedule: a reminder (`session_reminder`, their chosen
number of minutes before the start), the after-session question (`session_followup`) and, for an online session
they are going to (storage/signups.py), its call link 15 minutes before the start (`session_link`). `resync_in` rebuilds
those rows from the subscriptions whenever a session, a subscription or a member's reminder lead changes, in the
same transaction as the change, so the schedule never holds a time a session no longer has. What those rows
already put in the outbox and is still waiting (prepared a few seconds ahead, or held for quiet hours) is
withdrawn in the same transaction when the member stops following the session or the session is cancelled.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from storage.database import Connection, Database, inserted_id
from storage.outbox import OutboxRepository

REMINDER = "session_reminder"
FOLLOWUP = "session_followup"
LINK = "session_link"  # the call link, to a follower who is going (storage/signups.py), LINK_BEFORE the start
KINDS = (REMINDER, FOLLOWUP, LINK)
LINK_BEFORE = 15 * 60
FIELDS = ("title", "starts_at", "ends_at", "zone", "venue", "link", "moderator", "speakers", "description", "places",
          "signups_close_at", "interpretation", "asks_access")
_COLUMNS = ("id, uid, title, starts_at, ends_at, zone, venue, link, moderator, speakers, description, status, "
            "created_by, created_at, updated_at, sequence, places, signups_close_at, interpretation, asks_access")


@dataclass(frozen=True)
class Session:
    """One session of the agenda; times are UTC epoch seconds, `zone` the time zone it is held in."""

    id: int
    uid: str | None
    title: str
    starts_at: int
    ends_at: int
    zone: str
    venue: str | None
    link: str | None
    moderator: str | None
    speakers: str | None
    description: str | None
    status: str
    created_by: int | None
    created_at: int
    updated_at: int
    sequence: int = 0
    places: int | None = None  # how many may go (storage/signups.py); None: as many as come
    signups_close_at: int | None = None  # from then on nobody new may say they are going; None: the start
    interpretation: str | None = None  # the language codes it offers interpretation into, "fr,ar" (None: none)
    asks_access: int = 0  # 1: those going are asked about their access needs (handlers/sessions/questions.py)
    themes: tuple[str, ...] = field(default=())

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    def values(self) -> dict[str, Any]:
        """The editable fields, with the themes."""
        return {**{name: getattr(self, name) for name in FIELDS}, "themes": list(self.themes)}


def _stored(values: dict[str, Any]) -> tuple:
    """The values of FIELDS as the table keeps them (a session made without the question asks nothing)."""
    return tuple(int(bool(values.get(name))) if name == "asks_access" else values.get(name) for name in FIELDS)


def _session(row, themes: tuple[str, ...]) -> Session:
    return Session(*tuple(row), themes=themes)


def new_uid() -> str:
    """A uid for a session made in chat."""
    return "chat-" + secrets.token_hex(8)


async def subscriber_ids(conn: Connection, session_id: int) -> list[int]:
    """The members subscribed to a session, directly or through one of its themes (less those who unsubscribed
    from this one session), who are not blocked; in member order. Usable inside an open transaction."""
    async with conn.execute(SUBSCRIBERS, (session_id, session_id)) as cursor:
        return [int(row[0]) for row in await cursor.fetchall()]


SUBSCRIBERS = (
    "SELECT m.id FROM members m WHERE m.blocked = 0 AND m.id IN ("
    "SELECT s.member_id FROM session_subscriptions s WHERE s.session_id = ? "
    "UNION "
    "SELECT t.member_id FROM session_themes st JOIN theme_subscriptions t ON t.theme = st.theme "
    "WHERE st.session_id = ? AND NOT EXISTS (SELECT 1 FROM session_optouts o "
    "WHERE o.session_id = st.session_id AND o.member_id = t.member_id)) ORDER BY m.id")


class SessionRepository:
    """Sessions and their subscriptions."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # --- reading -------------------------------------------------------------------------------------------

    async def _with_themes(self, rows: list) -> list[Session]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        themes: dict[int, list[str]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for row in await self.db.fetch_all(
                    f"SELECT session_id, theme FROM session_themes WHERE session_id IN ({','.join('?' * len(chunk))}) "
                    "ORDER BY theme", chunk):
                themes.setdefault(row[0], []).append(row[1])
        return [_session(row, tuple(themes.get(row["id"], ()))) for row in rows]

    async def get(self, session_id: int) -> Session | None:
        rows = await self.db.fetch_all(f"SELECT {_COLUMNS} FROM sessions WHERE id = ?", (session_id,))
        found = await self._with_themes(rows)
        return found[0] if found else None

    async def upcoming_titles(self, now: int, limit: int) -> dict[int, str]:
        """The titles of sessions not yet over nor cancelled, by number, soonest first."""
        rows = await self.db.fetch_all(
            "SELECT id, title FROM sessions WHERE status = 'scheduled' AND ends_at > ? ORDER BY starts_at, id LIMIT ?",
            (now, limit))
        return {int(r[0]): str(r[1]) for r in rows}

    async def get_many(self, ids: list[int]) -> dict[int, Session]:
        found: dict[int, Session] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows = await self.db.fetch_all(
                f"SELECT {_COLUMNS} FROM sessions WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            found.update({s.id: s for s in await self._with_themes(rows)})
        return found

    async def starting_between(self, since: int, until: int, limit: int) -> list[Session]:
        """Sessions (not cancelled) that start from `since` until before `until`, in order."""
        rows = await self.db.fetch_all(
            f"SELECT {_COLUMNS} FROM sessions WHERE status != 'cancelled' AND starts_at >= ? AND starts_at < ? "
            "ORDER BY starts_at, id LIMIT ?", (since, until, limit))
        return await self._with_themes(rows)

    async def by_uid(self, uid: str) -> Session | None:
        rows = await self.db.fetch_all(f"SELECT {_COLUMNS} FROM sessions WHERE uid = ?", (uid,))
        found = await self._with_themes(rows)
        return found[0] if found else None

    async def upcoming(self, now: int, *, theme: str | None = None, member_id: int | None = None,
                       include_cancelled: bool = False, limit: int = 100, offset: int = 0) -> list[Session]:
        """Sessions not yet over, earliest first: of a theme, or only those `member_id` follows or is going to."""
        where, args = ["s.ends_at > ?"], [now]
        if not include_cancelled:
            where.append("s.status = 'scheduled'")
        if theme is not None:
            where.append("EXISTS (SELECT 1 FROM session_themes t WHERE t.session_id = s.id AND t.theme = ?)")
            args.append(theme)
        if member_id is not None:
            where.append(
                "(EXISTS (SELECT 1 FROM session_subscriptions x WHERE x.session_id = s.id AND x.member_id = ?) OR "
                "(EXISTS (SELECT 1 FROM session_themes st JOIN theme_subscriptions ts ON ts.theme = st.theme "
                "WHERE st.session_id = s.id AND ts.member_id = ?) AND NOT EXISTS (SELECT 1 FROM session_optouts o "
                "WHERE o.session_id = s.id AND o.member_id = ?)) OR "
                "EXISTS (SELECT 1 FROM session_signups g WHERE g.session_id = s.id AND g.member_id = ? "
                "AND g.status IN ('going', 'offered')))")
            args += [member_id, member_id, member_id, member_id]
        rows = await self.db.fetch_all(
            f"SELECT {', '.join('s.' + c.strip() for c in _COLUMNS.split(','))} FROM sessions s "
            f"WHERE {' AND '.join(where)} ORDER BY s.starts_at, s.id LIMIT ? OFFSET ?", (*args, limit, offset))
        return await self._with_themes(rows)

    async def count_upcoming(self, now: int, *, theme: str | None = None) -> int:
        args: list[Any] = [now]
        extra = ""
        if theme is not None:
            extra = " AND EXISTS (SELECT 1 FROM session_themes t WHERE t.session_id = s.id AND t.theme = ?)"
            args.append(theme)
        row = await self.db.fetch_one(
            f"SELECT count(*) FROM sessions s WHERE s.ends_at > ? AND s.status = 'scheduled'{extra}", args)
        return int(row[0])

    async def is_subscribed(self, session_id: int, member_id: int) -> bool:
        """Whether the member follows the session (directly, or through a theme they did not opt out of)."""
        row = await self.db.fetch_one(
            "SELECT EXISTS (SELECT 1 FROM session_subscriptions WHERE session_id = ? AND member_id = ?) OR "
            "(EXISTS (SELECT 1 FROM session_themes st JOIN theme_subscriptions t ON t.theme = st.theme "
            "WHERE st.session_id = ? AND t.member_id = ?) AND NOT EXISTS (SELECT 1 FROM session_optouts "
            "WHERE session_id = ? AND member_id = ?))",
            (session_id, member_id, session_id, member_id, session_id, member_id))
        return bool(row[0])

    async def subscribers(self, session_id: int) -> list[int]:
        """`subscriber_ids` outside a transaction (committed data)."""
        return [int(row[0]) for row in await self.db.fetch_all(SUBSCRIBERS, (session_id, session_id))]

    async def themes_of(self, member_id: int) -> list[str]:
        rows = await self.db.fetch_all("SELECT theme FROM theme_subscriptions WHERE member_id = ? ORDER BY theme",
                                       (member_id,))
        return [row[0] for row in rows]

    async def lead(self, member_id: int) -> int | None:
        """The member's own reminder lead in minutes, or None for the network's default."""
        row = await self.db.fetch_one("SELECT lead_minutes FROM session_settings WHERE member_id = ?", (member_id,))
        return int(row[0]) if row else None

    async def attendance(self, session_id: int, member_id: int) -> bool | None:
        row = await self.db.fetch_one(
            "SELECT attended FROM session_attendance WHERE session_id = ? AND member_id = ?", (session_id, member_id))
        return None if row is None else bool(row[0])

    async def count_subscribers(self, session_id: int) -> int:
        return len(await self.subscribers(session_id))

    async def export(self, member_id: int) -> dict[str, Any]:
        """Everything kept about a member here."""
        direct = await self.db.fetch_all(
            "SELECT x.session_id, s.title, x.created_at FROM session_subscriptions x JOIN sessions s "
            "ON s.id = x.session_id WHERE x.member_id = ? ORDER BY x.session_id", (member_id,))
        themes = await self.db.fetch_all(
            "SELECT theme, created_at FROM theme_subscriptions WHERE member_id = ? ORDER BY theme", (member_id,))
        optouts = await self.db.fetch_all(
            "SELECT session_id FROM session_optouts WHERE member_id = ? ORDER BY session_id", (member_id,))
        attendance = await self.db.fetch_all(
            "SELECT a.session_id, s.title, a.attended, a.answered_at FROM session_attendance a JOIN sessions s "
            "ON s.id = a.session_id WHERE a.member_id = ? ORDER BY a.session_id", (member_id,))
        commitments = await self.db.fetch_all(
            "SELECT c.commitment_id, c.session_id FROM session_commitments c JOIN commitments m "
            "ON m.id = c.commitment_id WHERE m.member_id = ? ORDER BY c.commitment_id", (member_id,))
        created = await self.db.fetch_all(
            "SELECT id, title, created_at FROM sessions WHERE created_by = ? ORDER BY id", (member_id,))
        return {
            "sessions": [{"session_number": r[0], "title": r[1], "subscribed_at": r[2]} for r in direct],
            "themes": [{"theme": r[0], "subscribed_at": r[1]} for r in themes],
            "unsubscribed_sessions_of_your_themes": [r[0] for r in optouts],
            "reminder_minutes_before": await self.lead(member_id),
            "attendance": [{"session_number": r[0], "title": r[1], "attended": bool(r[2]), "answered_at": r[3]}
                           for r in attendance],
            "commitments_from_sessions": [{"commitment_number": r[0], "session_number": r[1]} for r in commitments],
            "sessions_you_created": [{"session_number": r[0], "title": r[1], "created_at": r[2]} for r in created],
        }

    # --- writing (within a transaction) ---------------------------------------------------------------------

    @staticmethod
    async def create_in(conn: Connection, values: dict[str, Any], *, uid: str, created_by: int | None,
                        now: int, status: str = "scheduled") -> int:
        """A new session with its themes; its number."""
        session_id = await inserted_id(
            conn, f"INSERT INTO sessions (uid, {', '.join(FIELDS)}, status, created_by, created_at, updated_at) "
            f"VALUES (?, {', '.join('?' * len(FIELDS))}, ?, ?, ?, ?)",
            (uid, *_stored(values), status, created_by, now, now))
        await conn.executemany("INSERT INTO session_themes (session_id, theme) VALUES (?, ?)",
                               [(session_id, t) for t in dict.fromkeys(values.get("themes") or ())])
        return session_id

    @staticmethod
    async def update_in(conn: Connection, session_id: int, values: dict[str, Any], *, now: int,
                        status: str | None = None, bump: bool = False) -> None:
        """Replace a session's fields and themes (and its status); `bump` counts a change of time or place."""
        sets = ", ".join(f"{name} = ?" for name in FIELDS)
        await conn.execute(
            f"UPDATE sessions SET {sets}, status = coalesce(?, status), updated_at = ?, sequence = sequence + ? "
            "WHERE id = ?", (*_stored(values), status, now, int(bump), session_id))
        await conn.execute("DELETE FROM session_themes WHERE session_id = ?", (session_id,))
        await conn.executemany("INSERT INTO session_themes (session_id, theme) VALUES (?, ?)",
                               [(session_id, t) for t in dict.fromkeys(values.get("themes") or ())])

    @staticmethod
    async def cancel_in(conn: Connection, session_id: int, now: int) -> bool:
        """Mark a session cancelled and drop what was scheduled about it; False if it already was."""
        cursor = await conn.execute(
            "UPDATE sessions SET status = 'cancelled', updated_at = ?, sequence = sequence + 1 "
            "WHERE id = ? AND status = 'scheduled'", (now, session_id))
        if cursor.rowcount != 1:
            return False
        await conn.execute(f"DELETE FROM schedule WHERE kind IN ({','.join('?' * len(KINDS))}) AND subject_id = ?",
                           (*KINDS, session_id))
        return True

    @staticmethod
    async def resync_in(conn: Connection, session_id: int, *, now: int, default_lead: int,
                        followup_after: int, members: list[int] | None = None) -> int | None:
        """Rebuild the reminder and after-session rows of a session's subscribers (or only of `members`) from
        the subscriptions; the earliest moment scheduled, if any."""
        kinds = ",".join("?" * len(KINDS))
        if members is None:
            await conn.execute(f"DELETE FROM schedule WHERE kind IN ({kinds}) AND subject_id = ?",
                               (*KINDS, session_id))
        else:
            await conn.executemany(
                f"DELETE FROM schedule WHERE kind IN ({kinds}) AND subject_id = ? AND member_id = ?",
                [(*KINDS, session_id, m) for m in members])
        async with conn.execute("SELECT starts_at, ends_at, status, link FROM sessions WHERE id = ?",
                                (session_id,)) as cursor:
            row = await cursor.fetchone()
        if row is None or row[2] != "scheduled":  # cancelled: nothing more about it goes
            for member_id in members if members is not None else [None]:
                await OutboxRepository.withdraw_subject_in(conn, KINDS, session_id, member_id)
            return None
        followers = await subscriber_ids(conn, session_id)
        for member_id in set(members or ()) - set(followers):  # they stopped following it
            await OutboxRepository.withdraw_subject_in(conn, KINDS, session_id, member_id)
        if row[1] <= now:
            return None
        starts_at, ends_at = int(row[0]), int(row[1])
        wanted = followers
        if members is not None:
            chosen = set(members)
            wanted = [m for m in wanted if m in chosen]
        if not wanted:
            return None
        leads: dict[int, int] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            async with conn.execute(
                    f"SELECT member_id, lead_minutes FROM session_settings WHERE member_id IN "
                    f"({','.join('?' * len(chunk))})", chunk) as cursor:
                leads.update({int(r[0]): int(r[1]) for r in await cursor.fetchall()})
        rows = []
        for member_id in wanted:
            remind_at = starts_at - 60 * leads.get(member_id, default_lead)
            if remind_at > now:
                rows.append((remind_at, REMINDER, session_id, member_id))
            rows.append((ends_at + followup_after, FOLLOWUP, session_id, member_id))
        if row[3]:  # an online session: its followers who are going get the link
            async with conn.execute("SELECT member_id FROM session_signups WHERE session_id = ? "
                                    "AND status = 'going'", (session_id,)) as cursor:
                going = {int(r[0]) for r in await cursor.fetchall()}
            rows += [(max(now, starts_at - LINK_BEFORE), LINK, session_id, m) for m in wanted if m in going]
        await conn.executemany("INSERT INTO schedule (due_at, kind, subject_id, member_id) VALUES (?, ?, ?, ?)",
                               rows)
        return min(r[0] for r in rows)

    # --- subscriptions -------------------------------------------------------------------------------------

    async def subscribe(self, session_id: int, member_id: int, now: int, **sync: int) -> int | None:
        """Follow one session; the earliest moment now scheduled for the member about it."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM session_optouts WHERE session_id = ? AND member_id = ?",
                               (session_id, member_id))
            await conn.execute("INSERT INTO session_subscriptions (session_id, member_id, created_at) "
                               "VALUES (?, ?, ?) ON CONFLICT DO NOTHING", (session_id, member_id, now))
            return await self.resync_in(conn, session_id, now=now, members=[member_id], **sync)

    async def unsubscribe(self, session_id: int, member_id: int, now: int, **sync: int) -> None:
        """Stop following one session, also when it came through a theme."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM session_subscriptions WHERE session_id = ? AND member_id = ?",
                               (session_id, member_id))
            async with conn.execute(
                    "SELECT 1 FROM session_themes st JOIN theme_subscriptions t ON t.theme = st.theme "
                    "WHERE st.session_id = ? AND t.member_id = ? LIMIT 1", (session_id, member_id)) as cursor:
                through_theme = await cursor.fetchone() is not None
            if through_theme:
                await conn.execute("INSERT INTO session_optouts (session_id, member_id) VALUES (?, ?) "
                                   "ON CONFLICT DO NOTHING",
                                   (session_id, member_id))
            await self.resync_in(conn, session_id, now=now, members=[member_id], **sync)

    async def _theme_sessions(self, conn: Connection, theme: str, now: int) -> list[int]:
        async with conn.execute(
                "SELECT s.id FROM sessions s JOIN session_themes t ON t.session_id = s.id WHERE t.theme = ? "
                "AND s.ends_at > ? AND s.status = 'scheduled'", (theme, now)) as cursor:
            return [int(row[0]) for row in await cursor.fetchall()]

    async def subscribe_theme(self, member_id: int, theme: str, now: int, **sync: int) -> tuple[bool, int | None]:
        """Follow every session of a theme, those to come too; (whether it is new, the earliest moment)."""
        earliest: list[int] = []
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO theme_subscriptions (member_id, theme, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (member_id, theme, now))
            new = cursor.rowcount == 1
            for session_id in await self._theme_sessions(conn, theme, now):
                at = await self.resync_in(conn, session_id, now=now, members=[member_id], **sync)
                if at is not None:
                    earliest.append(at)
        return new, min(earliest, default=None)

    async def unsubscribe_theme(self, member_id: int, theme: str, now: int, **sync: int) -> bool:
        """Stop following a theme (sessions subscribed one by one stay); False if the member did not follow it."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM theme_subscriptions WHERE member_id = ? AND theme = ?",
                                        (member_id, theme))
            if cursor.rowcount != 1:
                return False
            for session_id in await self._theme_sessions(conn, theme, now):
                await self.resync_in(conn, session_id, now=now, members=[member_id], **sync)
        return True

    async def set_lead(self, member_id: int, minutes: int | None, now: int, **sync: int) -> int | None:
        """The member's reminder lead (None: back to the default), with their reminders moved to match."""
        earliest: list[int] = []
        async with self.db.transaction() as conn:
            if minutes is None:
                await conn.execute("DELETE FROM session_settings WHERE member_id = ?", (member_id,))
            else:
                await conn.execute("INSERT INTO session_settings (member_id, lead_minutes) VALUES (?, ?) "
                                   "ON CONFLICT (member_id) DO UPDATE SET lead_minutes = excluded.lead_minutes",
                                   (member_id, minutes))
            async with conn.execute(
                    "SELECT DISTINCT subject_id FROM schedule WHERE member_id = ? AND kind = ?",
                    (member_id, FOLLOWUP)) as cursor:
                followed = [int(row[0]) for row in await cursor.fetchall()]
            for session_id in followed:
                at = await self.resync_in(conn, session_id, now=now, members=[member_id], **sync)
                if at is not None:
                    earliest.append(at)
        return min(earliest, default=None)

    async def attendance_of(self, session_id: int) -> dict[int, bool]:
        """Who is recorded as having come to a session (True) or not (False), by their own answer or an
        organiser's mark."""
        rows = await self.db.fetch_all("SELECT member_id, attended FROM session_attendance WHERE session_id = ?",
                                       (session_id,))
        return {int(row[0]): bool(row[1]) for row in rows}

    async def record_attendance(self, session_id: int, member_id: int, attended: bool, now: int) -> None:
        await self.db.execute(
            "INSERT INTO session_attendance (session_id, member_id, attended, answered_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (session_id, member_id) DO UPDATE SET attended = excluded.attended, "
            "answered_at = excluded.answered_at", (session_id, member_id, int(attended), now))

    async def link_commitment(self, commitment_id: int, session_id: int) -> None:
        await self.db.execute(
            "INSERT INTO session_commitments (commitment_id, session_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (commitment_id, session_id))

    async def commitment_session(self, commitment_id: int) -> int | None:
        row = await self.db.fetch_one("SELECT session_id FROM session_commitments WHERE commitment_id = ?",
                                      (commitment_id,))
        return int(row[0]) if row else None
