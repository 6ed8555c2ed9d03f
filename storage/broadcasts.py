"""Broadcasts, their audiences and outcomes, and members' mutes.

A broadcast's audience is a dict of lists: themes, regions, roles ('member', 'organiser') and sessions (their
subscribers). Within one list any value matches; across lists all must; an empty audience is everyone. A role
means everyone who holds at least that role: 'member' is every member, 'organiser' the organisers and the admins.
Blocked members are never in it, nor members who muted every broadcast or one of the broadcast's themes.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from storage.audit import AuditRepository
from storage.database import Connection, Database, dialect_of, inserted_id
from storage.sessions import SUBSCRIBERS

AUDIENCE_KEYS = ("themes", "regions", "roles", "sessions", "practices")
OPEN = ("awaiting_approval", "scheduled", "sending")
_NEVER = 2 ** 62  # a moment after every not_before: without a `now`, nothing pending counts as waiting for later


@dataclass(frozen=True)
class Broadcast:
    id: int
    author_id: int | None
    body: str | None
    audience: dict[str, list[Any]]
    urgent: bool
    channels: bool
    status: str
    send_at: int
    approved_by: int | None
    recipients: int | None
    summary: dict[str, Any] | None
    created_at: int
    cancel_reason: str | None = None  # 'author_left': cancelled because its author erased their data


@dataclass(frozen=True)
class Recipient:
    """A member a broadcast goes to, with what their quiet hours need."""

    member_id: int
    timezone: str | None
    quiet_start: int | None
    quiet_end: int | None
    languages: tuple[str, ...] = ()  # in the member's order: the bot writes in the first it speaks


_COLUMNS = ("id, author_id, body, audience, urgent, channels, status, send_at, approved_by, recipients, summary, "
            "created_at, cancel_reason")


def _broadcast(row: Any) -> Broadcast:
    return Broadcast(row[0], row[1], row[2], json.loads(row[3]), bool(row[4]), bool(row[5]), row[6], row[7], row[8],
                     row[9], json.loads(row[10]) if row[10] else None, row[11], row[12])


def clean_audience(audience: dict[str, Any]) -> dict[str, list[Any]]:
    """Only the known keys, each a sorted list without repeats, empty ones left out."""
    return {key: sorted(set(audience[key])) for key in AUDIENCE_KEYS if audience.get(key)}


# The next members (by number) who may receive a broadcast, with their languages in order as a JSON list, in each
# engine's words.
_EVERYONE = {
    "sqlite": "SELECT id, role, timezone, quiet_start, quiet_end, (SELECT json_group_array(language) FROM "
              "(SELECT language FROM member_languages WHERE member_id = members.id ORDER BY position)) "
              ", newcomer FROM members WHERE blocked = 0 AND id > ? ORDER BY id LIMIT ?",
    "postgresql": "SELECT id, role, timezone, quiet_start, quiet_end, (SELECT coalesce(json_agg(language ORDER BY "
                  "position), '[]')::text FROM member_languages WHERE member_id = members.id), newcomer "
                  "FROM members WHERE blocked = 0 AND id > ? ORDER BY id LIMIT ?",
}
# An outbox row's broadcast is aimed at the theme given as the parameter.
_AIMED_AT_THEME = {
    "sqlite": "EXISTS (SELECT 1 FROM broadcasts b, json_each(b.audience, '$.themes') t "
              "WHERE b.id = outbox.broadcast_id AND t.value = ?)",
    "postgresql": "EXISTS (SELECT 1 FROM broadcasts b WHERE b.id = outbox.broadcast_id "
                  "AND b.audience::jsonb -> 'themes' @> jsonb_build_array(?::text))",
}
PAGE = 1000  # members looked at in one page of an audience

Fetch = Callable[[str, Sequence[Any]], Awaitable[Sequence[Any]]]


def reading_in(conn: Connection) -> Fetch:
    """Queries within an open transaction, for `audience_page`."""

    async def fetch(sql: str, args: Sequence[Any]) -> Sequence[Any]:
        async with conn.execute(sql, args) as cursor:
            return await cursor.fetchall()

    return fetch


async def audience_page(fetch: Fetch, dialect: str, audience: dict[str, list[Any]], *, after: int = 0,
                        limit: int | None = None, mutes: bool = True, admin_ids: frozenset[int] = frozenset(),
                        ) -> tuple[list[Recipient], int | None]:
    """One page of who a broadcast with this audience reaches now: those among the next `limit` members after
    member number `after` (PAGE unless given; in member order); and the last member number looked at, to start
    the next page from (None: no member is left). With `mutes` False, also those who muted it. `admin_ids`: the
    members whose accounts the settings name admins, who are in every role's audience. Each page is a handful
    of queries over a range of member numbers, so no page costs more than `limit` members, however big the
    network."""
    everyone, muted, last = await _page(fetch, dialect, audience, after=after, limit=limit, admin_ids=admin_ids)
    return ([r for r in everyone if r.member_id not in muted] if mutes else everyone), last


async def _page(fetch: Fetch, dialect: str, audience: dict[str, list[Any]], *, after: int, limit: int | None,
                admin_ids: frozenset[int]) -> tuple[list[Recipient], set[int], int | None]:
    """`audience_page` with mutes aside: the page's audience as if nobody had muted it, those of them who muted
    it, and the last member number looked at."""
    rows = {int(r[0]): r for r in await fetch(_EVERYONE[dialect], (after, limit or PAGE))}
    if not rows:
        return [], set(), None
    low, high = min(rows), max(rows)

    async def ids(sql: str, args: list[Any]) -> set[int]:
        return {int(row[0]) for row in await fetch(f"{sql} AND member_id BETWEEN ? AND ?", [*args, low, high])}

    # Newcomers (a network with vouching) get only what is meant for them: a broadcast whose roles name them.
    roles = audience.get("roles") or []
    chosen = {m for m in rows if not rows[m][6]} if "newcomer" not in roles else set(rows)
    if roles == ["newcomer"]:
        chosen = {m for m in rows if rows[m][6]}
    if themes := audience.get("themes"):
        chosen &= await ids(f"SELECT member_id FROM member_themes WHERE theme IN ({','.join('?' * len(themes))})",
                            list(themes))
    if regions := audience.get("regions"):
        chosen &= await ids(
            f"SELECT member_id FROM member_regions WHERE region IN ({','.join('?' * len(regions))})", list(regions))
    if roles and "member" not in roles and roles != ["newcomer"]:  # every member holds at least 'member'
        if "organiser" in roles:
            chosen = {m for m in chosen if rows[m][1] == "organiser" or m in admin_ids
                      or "newcomer" in roles and rows[m][6]}
        else:
            chosen = set()
    if sessions := audience.get("sessions"):
        subscribed: set[int] = set()
        for session_id in sessions:
            subscribed |= {int(row[0]) for row in await fetch(
                f"SELECT id FROM ({SUBSCRIBERS}) AS subscribed WHERE id BETWEEN ? AND ?",
                (int(session_id), int(session_id), low, high))}
        chosen &= subscribed
    if practices := audience.get("practices"):  # members who registered a commitment to try one of them
        chosen &= await ids(
            f"SELECT member_id FROM commitments WHERE practice_id IN ({','.join('?' * len(practices))})",
            [int(p) for p in practices])
    muted: set[int] = set()
    if chosen:
        muting = ["", *(themes or [])]
        muted = chosen & await ids(
            f"SELECT member_id FROM broadcast_mutes WHERE theme IN ({','.join('?' * len(muting))})", muting)
    everyone = [Recipient(m, rows[m][2], rows[m][3], rows[m][4], tuple(json.loads(rows[m][5])))
                for m in sorted(chosen)]
    return everyone, muted, high


async def audience_page_in(conn: Connection, audience: dict[str, list[Any]], *, after: int = 0,
                           admin_ids: frozenset[int] = frozenset()) -> tuple[list[Recipient], int | None]:
    """`audience_page` within an open transaction."""
    return await audience_page(reading_in(conn), dialect_of(conn), audience, after=after, admin_ids=admin_ids)


async def audience_in(conn: Connection, audience: dict[str, list[Any]], *, mutes: bool = True,
                      admin_ids: frozenset[int] = frozenset()) -> list[Recipient]:
    """The whole of who a broadcast with this audience reaches now, within an open transaction (see
    `audience_page`; for a small network or a test: a broadcast is queued a page at a time)."""
    found: list[Recipient] = []
    after: int | None = 0
    while after is not None:
        page, after = await audience_page(reading_in(conn), dialect_of(conn), audience, after=after, mutes=mutes,
                                          admin_ids=admin_ids)
        found += page
    return found


class BroadcastRepository:
    """Creates broadcasts, moves them along, counts their outcomes; keeps members' mutes."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, author_id: int, body: str, audience: dict[str, list[Any]], *, urgent: bool,
                     channels: bool, status: str, send_at: int, recipients: int, now: int) -> int:
        """Store a new broadcast (and its audit entry) and return its number."""
        async with self.db.transaction() as conn:
            broadcast_id = await inserted_id(
                conn, "INSERT INTO broadcasts (author_id, body, audience, urgent, channels, status, send_at, recipients, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (author_id, body, json.dumps(clean_audience(audience)), int(urgent), int(channels), status, send_at,
                 recipients, now, now))
            await AuditRepository.record_in(conn, "broadcast_created", actor_id=author_id, now=now,
                                            detail=f"broadcast #{broadcast_id}, {recipients} recipients, {status}")
        return broadcast_id

    async def audience_pages(self, audience: dict[str, list[Any]], *, admin_ids: frozenset[int] = frozenset()
                             ) -> AsyncIterator[tuple[list[Recipient], int]]:
        """The audience a page at a time from committed data (for a draft's preview): each page's recipients, and
        how many of that page's members it would reach if nobody had muted it."""
        after: int | None = 0
        while after is not None:
            everyone, muted, after = await _page(self.db.fetch_all, self.db.dialect, audience, after=after,
                                                 limit=None, admin_ids=admin_ids)
            yield [r for r in everyone if r.member_id not in muted], len(everyone)

    async def get(self, broadcast_id: int) -> Broadcast | None:
        row = await self.db.fetch_one(f"SELECT {_COLUMNS} FROM broadcasts WHERE id = ?", (broadcast_id,))
        return _broadcast(row) if row else None

    async def sending_count(self) -> int:
        """How many broadcasts are on their way."""
        row = await self.db.fetch_one("SELECT count(*) FROM broadcasts WHERE status = 'sending'")
        return int(row[0]) if row else 0

    async def recent(self, limit: int = 5) -> list[Broadcast]:
        rows = await self.db.fetch_all(f"SELECT {_COLUMNS} FROM broadcasts ORDER BY id DESC LIMIT ?", (limit,))
        return [_broadcast(r) for r in rows]

    async def count_since(self, author_id: int, since: int) -> int:
        """Broadcasts an organiser started since then (rejected ones do not count)."""
        row = await self.db.fetch_one(
            "SELECT count(*) FROM broadcasts WHERE author_id = ? AND created_at >= ? AND status != 'rejected'",
            (author_id, since))
        return int(row[0]) if row else 0

    @staticmethod
    async def queuing_in(conn: Connection, broadcast_id: int) -> int | None:
        """Within an open transaction: the last member number a broadcast being queued has looked at (0: none
        yet), or None when it is not being queued (all its recipients are, or it was cancelled)."""
        async with conn.execute("SELECT queued_to FROM broadcasts WHERE id = ? AND status = 'sending'",
                                (broadcast_id,)) as cursor:
            row = await cursor.fetchone()
        return None if row is None or row[0] is None else int(row[0])

    @staticmethod
    async def queued_page_in(conn: Connection, broadcast_id: int, queued_to: int | None, recipients: int) -> int:
        """Within an open transaction: a page of a broadcast's audience is queued, up to member `queued_to` (None:
        the last page), with this many recipients more; how many it has now."""
        async with conn.execute("UPDATE broadcasts SET queued_to = ?, recipients = coalesce(recipients, 0) + ? "
                                "WHERE id = ? RETURNING recipients", (queued_to, recipients, broadcast_id)) as cursor:
            rows = await cursor.fetchall()
        return int(rows[0][0])

    @staticmethod
    async def move_in(conn: Connection, broadcast_id: int, from_status: tuple[str, ...], to_status: str,
                      now: int, **fields: Any) -> bool:
        """Move a broadcast on if it is still in one of `from_status` (so a second press changes nothing)."""
        sets = "".join(f", {name} = ?" for name in fields)
        cursor = await conn.execute(
            f"UPDATE broadcasts SET status = ?, updated_at = ?{sets} WHERE id = ? "
            f"AND status IN ({','.join('?' * len(from_status))})",
            (to_status, now, *fields.values(), broadcast_id, *from_status))
        return cursor.rowcount == 1

    @staticmethod
    async def cancel_pending_in(conn: Connection, broadcast_id: int, now: int) -> int:
        """Stop what of a broadcast is not yet sent, also what a sender has claimed and not yet sent (it finds the
        message settled before it sends); how many messages that was."""
        cursor = await conn.execute(
            "UPDATE outbox SET state = 'cancelled', reason = 'cancelled', body = NULL, done_at = ? "
            "WHERE broadcast_id = ? AND state IN ('pending', 'sending')", (now, broadcast_id))
        return cursor.rowcount

    @staticmethod
    async def author_left_in(conn: Connection, member_id: int, now: int) -> list[int]:
        """Within the transaction that erases a member: their broadcasts not yet finished are cancelled, because
        their author left (nothing more of them goes, also of what a sender already claimed: such a message is
        settled here, and its sender finds it so before sending); the text of all their broadcasts goes.
        Returns the numbers of those cancelled."""
        marks = ",".join("?" * len(OPEN))
        async with conn.execute(f"SELECT id FROM broadcasts WHERE author_id = ? AND status IN ({marks}) ORDER BY id",
                                (member_id, *OPEN)) as cursor:
            cancelled = [int(row[0]) for row in await cursor.fetchall()]
        for broadcast_id in cancelled:
            await BroadcastRepository.move_in(conn, broadcast_id, OPEN, "cancelled", now, cancel_reason="author_left")
            await conn.execute(
                "UPDATE outbox SET state = 'cancelled', reason = 'cancelled', body = NULL, done_at = ? "
                "WHERE broadcast_id = ? AND state IN ('pending', 'sending')", (now, broadcast_id))
            await conn.execute("DELETE FROM schedule WHERE kind = 'broadcast' AND subject_id = ?", (broadcast_id,))
            await AuditRepository.record_in(conn, "broadcast_cancelled", actor_id=None, now=now,
                                            detail=f"broadcast #{broadcast_id}: its author left")
        await conn.execute("UPDATE broadcasts SET body = NULL WHERE author_id = ?", (member_id,))
        return cancelled

    async def outcomes(self, broadcast_id: int, now: int | None = None) -> dict[str, dict[str, int]]:
        """{platform: {state or 'failed: reason': count}} for a broadcast, live or from its summary. With `now`,
        what is pending says why it waits, as its outbox row tells: 'pending: retrying' (tried and put back after
        a platform error or a request to slow down), 'pending: quiet hours' (held for the member's quiet hours),
        'pending: scheduled' (waiting for a later moment); plain 'pending' is queued and goes at the platform's
        pace."""
        broadcast = await self.get(broadcast_id)
        if broadcast is not None and broadcast.summary is not None:
            return broadcast.summary
        rows = await self.db.fetch_all(
            "SELECT platform, state, CASE WHEN state != 'pending' THEN reason "
            "WHEN attempts > 0 THEN 'retrying' "
            "WHEN not_before <= ? THEN NULL "
            "WHEN ready_at IS NOT NULL AND not_before > ready_at THEN 'quiet hours' "
            "ELSE 'scheduled' END AS why, count(*) FROM outbox WHERE broadcast_id = ? "
            "GROUP BY platform, state, why", (now if now is not None else _NEVER, broadcast_id))
        out: dict[str, dict[str, int]] = {}
        for platform, state, reason, count in rows:
            key = f"{state}: {reason}" if state in ("failed", "uncertain", "unreachable", "pending") and reason \
                else state
            out.setdefault(platform, {})
            out[platform][key] = out[platform].get(key, 0) + int(count)
        return out

    async def finish(self, now: int) -> list[int]:
        """Broadcasts under way with nothing left to send are done: their text is dropped and their counts kept.
        Returns their numbers."""
        rows = await self.db.fetch_all(
            "SELECT id FROM broadcasts b WHERE status = 'sending' AND queued_to IS NULL AND NOT EXISTS (SELECT 1 FROM outbox o "
            "WHERE o.broadcast_id = b.id AND o.state IN ('pending', 'sending'))")
        finished = []
        for (broadcast_id,) in rows:
            summary = await self.outcomes(broadcast_id)
            async with self.db.transaction() as conn:
                if await self.move_in(conn, broadcast_id, ("sending",), "done", now, body=None,
                                      summary=json.dumps(summary)):
                    finished.append(broadcast_id)
        return finished

    async def summarise_before(self, before: int) -> None:
        """Before outcome rows are purged: every broadcast they belong to keeps its counts."""
        rows = await self.db.fetch_all(
            "SELECT DISTINCT broadcast_id FROM outbox WHERE broadcast_id IS NOT NULL AND done_at IS NOT NULL "
            "AND done_at < ?", (before,))
        for (broadcast_id,) in rows:
            broadcast = await self.get(broadcast_id)
            if broadcast is not None and broadcast.summary is None:
                summary = json.dumps(await self.outcomes(broadcast_id))
                await self.db.execute("UPDATE broadcasts SET summary = ? WHERE id = ?", (summary, broadcast_id))

    # --- mutes -----------------------------------------------------------------------------------------------

    async def mutes(self, member_id: int) -> list[str]:
        """The member's mutes ('' is every broadcast)."""
        rows = await self.db.fetch_all("SELECT theme FROM broadcast_mutes WHERE member_id = ? ORDER BY theme",
                                       (member_id,))
        return [r[0] for r in rows]

    async def mute(self, member_id: int, theme: str, now: int) -> int:
        """Mute every broadcast (theme '') or those aimed at a theme; what of them is waiting, or claimed by a
        sender and not yet sent, is skipped at once (the sender finds it so before sending). Returns how many
        messages that stopped."""
        async with self.db.transaction() as conn:
            await conn.execute("INSERT INTO broadcast_mutes (member_id, theme, since) VALUES (?, ?, ?) "
                               "ON CONFLICT DO NOTHING",
                               (member_id, theme, now))
            aimed = "" if not theme else f" AND {_AIMED_AT_THEME[self.db.dialect]}"
            cursor = await conn.execute(
                "UPDATE outbox SET state = 'skipped', reason = 'muted', body = NULL, done_at = ? "
                f"WHERE member_id = ? AND state IN ('pending', 'sending') AND broadcast_id IS NOT NULL{aimed}",
                (now, member_id, *((theme,) if theme else ())))
            return cursor.rowcount

    async def unmute(self, member_id: int, theme: str | None) -> int:
        """Take back one mute, or every mute (theme None); how many were taken back."""
        if theme is None:
            count = await self.db.execute("DELETE FROM broadcast_mutes WHERE member_id = ?", (member_id,))
        else:
            count = await self.db.execute("DELETE FROM broadcast_mutes WHERE member_id = ? AND theme = ?",
                                             (member_id, theme))
        return count

    async def cancel(self, broadcast_id: int, actor_id: int, now: int) -> int | None:
        """Cancel a broadcast that is not finished: nothing more of it goes out. Returns how many waiting
        messages were stopped, or None when it was already finished, cancelled or rejected."""
        async with self.db.transaction() as conn:
            if not await self.move_in(conn, broadcast_id, OPEN, "cancelled", now):
                return None
            stopped = await self.cancel_pending_in(conn, broadcast_id, now)
            await conn.execute("DELETE FROM schedule WHERE kind = 'broadcast' AND subject_id = ?", (broadcast_id,))
            await AuditRepository.record_in(conn, "broadcast_cancelled", actor_id=actor_id, now=now,
                                            detail=f"broadcast #{broadcast_id}")
        return stopped

    async def export(self, member_id: int) -> dict[str, Any]:
        """What the bot holds about a member here: their mutes, and the broadcasts they wrote."""
        mutes = await self.mutes(member_id)
        rows = await self.db.fetch_all(
            "SELECT id, body, audience, status, send_at, created_at FROM broadcasts WHERE author_id = ? ORDER BY id",
            (member_id,))
        return {
            "muted": ["all broadcasts" if m == "" else m for m in mutes],
            "broadcasts_written": [{"number": r[0], "text": r[1], "audience": json.loads(r[2]), "status": r[3],
                                    "send_at": r[4], "created_at": r[5]} for r in rows],
        }
