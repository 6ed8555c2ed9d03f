"""Partner searches, the people each proposed, introductions, and members' own blocks.

The search reads candidates from the index of the rarest of what was asked for (the members working on a theme in a
region, kept in a table of their own by triggers, or a theme's, a region's, a language's members), checks the
others with a primary-key lookup each, and leaves out, each through an index, the searcher,
members who paused matching, are blocked by organisers or have no complete profile, members either side blocked,
and members either side was ever introduced to (or asked to be). It starts at a random member number and wraps
around, so a large pool is sampled fairly, and stops after `limit` candidates, which the caller ranks.

Changes that must land with a due item's message (an introduction lapsing, asked again) have `*_in` variants that
take an open connection.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, ClassVar

from storage.database import Connection, Database, inserted_id
from storage.schedule import ScheduleRepository
from storage.sealing import Keyring

log = logging.getLogger(__name__)

SIZE_CAP = 2000  # a condition of a search matching more members than this counts as this many
ANSWERS = ("pending", "accepted", "declined", "not_now", "withheld", "gone")
INTRO_KINDS = ("intro.expire", "intro.ask", "intro.follow_up")
_REQUEST_COLUMNS = "id, member_id, theme, region, language, note, found, status, created_at, updated_at"
_INTRO_COLUMNS = ("id, request_id, a_id, b_id, organiser_id, reason, note, a_answer, b_answer, a_asked_again, "
                  "b_asked_again, status, a_follow_up, b_follow_up, expires_at, created_at, updated_at, introduced_at")

# Who may be proposed to member :me. Every test is an index or primary-key lookup.
ELIGIBLE = (
    "m.id != :me AND m.blocked = 0 AND m.profile_complete = 1 AND m.matching = 1 AND m.away_until IS NULL AND m.newcomer = 0 "
    "AND NOT EXISTS (SELECT 1 FROM member_blocks k WHERE k.member_id = :me AND k.blocked_id = m.id) "
    "AND NOT EXISTS (SELECT 1 FROM member_blocks k WHERE k.member_id = m.id AND k.blocked_id = :me) "
    "AND NOT EXISTS (SELECT 1 FROM introductions i WHERE i.a_id = :me AND i.b_id = m.id) "
    "AND NOT EXISTS (SELECT 1 FROM introductions i WHERE i.a_id = m.id AND i.b_id = :me)"
)


@dataclass(frozen=True)
class PartnerRequest:
    """One search."""

    id: int
    member_id: int
    theme: str | None
    region: str | None
    language: str | None
    note: str
    found: int
    status: str
    created_at: int
    updated_at: int


@dataclass(frozen=True)
class Candidate:
    """Someone a search found, with what ranks them."""

    member_id: int
    theme: bool  # works on the theme asked for
    region: bool  # works in the region asked for
    languages: tuple[str, ...]  # languages they share with the searcher (the one asked for first)
    commitment: int | None  # an open commitment of theirs, shared with the network, on that theme or region
    last_asked: int | None  # when they were last asked for an introduction

    @property
    def strength(self) -> int:
        return int(self.theme) + int(self.region)


@dataclass(frozen=True)
class Proposal:
    """Someone a search proposed, at their place in the list."""

    request_id: int
    position: int
    member_id: int
    reason: dict[str, Any]


@dataclass(frozen=True)
class Introduction:
    """An introduction between side a and side b (arranged by an organiser when `organiser_id` is set)."""

    id: int
    request_id: int | None
    a_id: int | None
    b_id: int | None
    organiser_id: int | None
    reason: dict[str, Any]
    note: str
    a_answer: str
    b_answer: str
    a_asked_again: bool
    b_asked_again: bool
    status: str
    a_follow_up: str | None
    b_follow_up: str | None
    expires_at: int
    created_at: int
    updated_at: int
    introduced_at: int | None
    theme: str | None = field(default=None, compare=False)  # the search's, when it came from one
    region: str | None = field(default=None, compare=False)

    def side(self, member_id: int) -> str | None:
        """'a' or 'b' for a member of the introduction, else None."""
        if member_id == self.a_id:
            return "a"
        if member_id == self.b_id:
            return "b"
        return None

    def other(self, side: str) -> int | None:
        return self.b_id if side == "a" else self.a_id

    def answer(self, side: str) -> str:
        return self.a_answer if side == "a" else self.b_answer

    def asked_again(self, side: str) -> bool:
        return self.a_asked_again if side == "a" else self.b_asked_again

    def follow_up(self, side: str) -> str | None:
        return self.a_follow_up if side == "a" else self.b_follow_up


def _request(row: Any, keyring: Keyring) -> PartnerRequest:
    values = list(row)[:10]
    values[5] = keyring.open(values[5])  # the note, meant for whoever is asked (sealed: storage/sealing.py)
    return PartnerRequest(*values)


def _introduction(row: Any, keyring: Keyring) -> Introduction:
    values = list(row)
    values[5] = json.loads(values[5] or "{}")
    values[6] = keyring.open(values[6])  # the note, sealed
    values[9], values[10] = bool(values[9]), bool(values[10])
    return Introduction(*values[:18], theme=row["r_theme"], region=row["r_region"])


class PartnerRepository:
    """Searches, proposals, introductions and blocks."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # --- searching ---------------------------------------------------------------------------------------------

    async def searches_since(self, member_id: int, since: int) -> int:
        """How many searches the member made after `since`."""
        row = await self.db.fetch_one(
            "SELECT count(*) FROM partner_requests WHERE member_id = ? AND created_at > ?", (member_id, since))
        return int(row[0])

    # Where each condition of a search is read: its table and columns. Each table has an index on (columns,
    # member_id) to read from, and its primary key (member_id, columns) to check a member against.
    SOURCES: ClassVar[dict[str, tuple[str, tuple[str, ...]]]] = {
        "theme": ("member_themes", ("theme",)), "region": ("member_regions", ("region",)),
        "language": ("member_languages", ("language",)), "pair": ("member_theme_regions", ("theme", "region"))}

    @classmethod
    def candidate_sql(cls, driver: str, checks: tuple[str, ...] = (), *, shared: int = 0,
                      dialect: str = "sqlite") -> str:
        """The search query: members read from the index of `driver` ('pair' for a theme in a region, 'theme',
        'region' or 'language') between member numbers :lo (included) and :hi (excluded), who also meet each of
        `checks` (a primary-key join each, made before the member row is read), may be proposed to :me, with
        what ranks them: the languages among :l0… they speak, an open commitment shared with the network on
        :theme or :region, and when they were last asked for an introduction. (SQLite's CROSS JOIN keeps the
        tables in the order written; PostgreSQL's planner finds that order itself.)"""
        join = "CROSS JOIN" if dialect == "sqlite" else "JOIN"
        languages = ("json_group_array(l.language)" if dialect == "sqlite" else "json_agg(l.language)::text")
        table, columns = cls.SOURCES[driver]
        joins = ""
        for n, check in enumerate(checks):  # (member_id, value…) is the primary key: at most one row each
            other_table, other_columns = cls.SOURCES[check]
            joins += f" {join} {other_table} o{n} ON o{n}.member_id = d.member_id" + "".join(
                f" AND o{n}.{column} = :{column}" for column in other_columns)
        # The range on m.id too: PostgreSQL may merge-join members in id order, and would otherwise start at id 1.
        conditions = [*(f"d.{column} = :{column}" for column in columns), "d.member_id >= :lo", "d.member_id < :hi",
                      "m.id >= :lo", "m.id < :hi"]
        marks = ", ".join(f":l{n}" for n in range(shared)) or "NULL"
        return (
            "SELECT m.id, "
            f"(SELECT {languages} FROM member_languages l WHERE l.member_id = m.id "
            f"AND l.language IN ({marks})) AS shared, "
            "(SELECT c.id FROM commitments c WHERE c.member_id = m.id AND c.status = 'open' "
            "AND c.visibility = 'network' AND (c.theme = :theme OR c.region = :region) ORDER BY c.id LIMIT 1) "
            "AS commitment, "
            "(SELECT max(i.created_at) FROM introductions i WHERE i.b_id = m.id) AS last_asked "
            f"FROM {table} d{joins} {join} members m ON m.id = d.member_id "
            # No ORDER BY: the index is read in member order anyway, and sorting would read every match first.
            f"WHERE {' AND '.join(conditions)} AND {ELIGIBLE} LIMIT :limit"
        )

    async def size(self, kind: str, values: tuple) -> int:
        """How many members a condition of a search matches ('theme', 'region', 'pair' or 'language', with its
        values), counted up to SIZE_CAP: it only decides which index a search reads first, and an index range
        of at most SIZE_CAP entries is read, however big the network."""
        table, columns = self.SOURCES[kind]
        where = " AND ".join(f"{column} = ?" for column in columns)
        row = await self.db.fetch_one(
            f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {where} LIMIT {SIZE_CAP}) AS capped", values)
        return int(row[0])

    async def candidates(self, me: int, *, theme: str | None, region: str | None, language: str | None,
                         languages: tuple[str, ...], pivot: float, limit: int = 60, wanted: int = 5
                         ) -> list[Candidate]:
        """Members who may be proposed to `me` for a theme and/or a region (speaking `language`, if given), at most
        `limit`: those matching both first; when fewer than `wanted` match both, also those matching one. The
        rarest condition is read from its index and the others checked member by member. `pivot` (0 to 1) is
        where in the member numbers the sample starts; it wraps around. `languages` are the searcher's own
        (shared ones rank higher)."""
        if theme is None and region is None:
            raise ValueError("a search needs a theme or a region")
        row = await self.db.fetch_one("SELECT max(id) FROM members")  # the primary key's last entry
        highest = int(row[0] or 0)
        shared = tuple(dict.fromkeys([*([language] if language else []), *languages]))[:12]
        values = {"theme": theme, "region": region, "language": language}
        args: dict[str, Any] = {"me": me, **values, **{f"l{n}": code for n, code in enumerate(shared)}}
        start = int(pivot * (highest + 1))
        found: dict[int, Candidate] = {}

        def take(rows: list[Any], conditions: list[str], room: int) -> int:
            """Add the candidates of `rows` not found yet, while there is room; the room left."""
            for row in rows:
                if room <= 0:
                    break
                if row[0] in found:
                    continue
                found[row[0]] = Candidate(
                    member_id=row[0], theme=bool({"theme", "pair"} & set(conditions)),
                    region=bool({"region", "pair"} & set(conditions)),
                    languages=tuple(json.loads(row[1] or "[]")), commitment=row[2], last_asked=row[3])
                room -= 1
            return room

        async def run(conditions: list[str], room: int) -> None:
            # The rarest condition is read from its index; the others are checked rarest first, so that most
            # members read fail at the first lookup.
            sizes = {kind: await self.size(kind, tuple(values[column] for column in self.SOURCES[kind][1]))
                     for kind in conditions} if len(conditions) > 1 else {conditions[0]: 0}
            driver, *checks = sorted(conditions, key=sizes.__getitem__)
            sql = self.candidate_sql(driver, tuple(checks), shared=len(shared), dialect=self.db.dialect)
            ranges = [(lo, hi) for lo, hi in ((start, 1 << 62), (0, start)) if lo < hi]
            for lo, hi in ranges:
                if room <= 0:
                    return
                room = take(await self.db.fetch_all(sql, {**args, "lo": lo, "hi": hi, "limit": room + len(found)}),
                            conditions, room)

        spoken = ["language"] if language is not None else []
        if theme is not None and region is not None:
            await run(["pair", *spoken], limit)
            if len(found) < wanted:
                await run(["theme", *spoken], (limit - len(found)) // 2)  # as many with only the theme as the region
                await run(["region", *spoken], limit - len(found))
        else:
            await run(["theme" if theme is not None else "region", *spoken], limit)
        return list(found.values())

    async def eligible(self, me: int, member_ids: list[int]) -> set[int]:
        """Which of these members may still be proposed to `me` (the rules may have changed since)."""
        if not member_ids:
            return set()
        marks = ", ".join(f":m{n}" for n in range(len(member_ids)))
        rows = await self.db.fetch_all(
            f"SELECT m.id FROM members m WHERE m.id IN ({marks}) AND {ELIGIBLE}",
            {"me": me, **{f"m{n}": i for n, i in enumerate(member_ids)}})
        return {row[0] for row in rows}

    async def may_meet(self, first: int, second: int) -> bool:
        """Whether an organiser's introduction of these two may be sent: neither paused, nor blocked the
        other, nor were they ever asked to meet."""
        rows = await self.db.fetch_all(
            f"SELECT m.id FROM members m WHERE m.id = :other AND {ELIGIBLE}", {"me": first, "other": second})
        if not rows:
            return False
        row = await self.db.fetch_one("SELECT matching, away_until FROM members WHERE id = ?", (first,))
        return row is not None and bool(row[0]) and row[1] is None

    async def create_request(self, member_id: int, *, theme: str | None, region: str | None,
                             language: str | None, note: str, proposals: list[tuple[int, dict]], now: int) -> int:
        """Record a search and who it proposed (nobody: the search is 'unmatched'); the member's earlier
        proposals, never picked from, are let go. The new search's number."""
        async with self.db.transaction() as conn:
            return await self.create_request_in(conn, member_id, theme=theme, region=region, language=language,
                                                note=note, proposals=proposals, now=now)

    async def create_request_in(self, conn: Connection, member_id: int, *, theme: str | None,
                                region: str | None, language: str | None, note: str,
                                proposals: list[tuple[int, dict]], now: int) -> int:
        """The same as `create_request`, within an open transaction."""
        await conn.execute(
            "DELETE FROM partner_proposals WHERE request_id IN (SELECT id FROM partner_requests "
            "WHERE member_id = ? AND status = 'proposed')", (member_id,))
        await conn.execute(
            "UPDATE partner_requests SET status = 'closed', updated_at = ? WHERE member_id = ? "
            "AND status = 'proposed'", (now, member_id))
        request_id = await inserted_id(
            conn, "INSERT INTO partner_requests (member_id, theme, region, language, note, found, status, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (member_id, theme, region, language, self.db.keyring.seal(note), len(proposals),
             "proposed" if proposals else "unmatched", now, now))
        await conn.executemany(
            "INSERT INTO partner_proposals (request_id, position, member_id, reason) VALUES (?, ?, ?, ?)",
            [(request_id, n, member, json.dumps(reason, separators=(",", ":")))
             for n, (member, reason) in enumerate(proposals)])
        return request_id

    async def request(self, request_id: int) -> PartnerRequest | None:
        row = await self.db.fetch_one(f"SELECT {_REQUEST_COLUMNS} FROM partner_requests WHERE id = ?",
                                      (request_id,))
        return _request(row, self.db.keyring) if row else None

    async def proposals(self, request_id: int) -> list[Proposal]:
        """Who the search proposed (those since erased are left out), in order."""
        rows = await self.db.fetch_all(
            "SELECT request_id, position, member_id, reason FROM partner_proposals WHERE request_id = ? "
            "ORDER BY position", (request_id,))
        return [Proposal(r[0], r[1], r[2], json.loads(r[3])) for r in rows]

    async def close_request(self, request_id: int, member_id: int, now: int) -> bool:
        """The member cancelled before picking anyone."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE partner_requests SET status = 'closed', updated_at = ? WHERE id = ? AND member_id = ? "
                "AND status = 'proposed'", (now, request_id, member_id))
            await conn.execute("DELETE FROM partner_proposals WHERE request_id = ?", (request_id,))
        return cursor.rowcount == 1

    async def send(self, request_id: int, member_id: int, picks: list[tuple[int | None, dict, bool]], *,
                   note: str, now: int, expires_at: int) -> list[int] | None:
        """The member picked people: one introduction each (their side already agreed), the search marked sent,
        its proposals let go, and the moment each lapses scheduled. `picks` are (member, reason, may be asked);
        one that may not be asked is recorded as withheld, so it lapses like any other. None if the search was
        already sent or cancelled."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE partner_requests SET status = 'sent', updated_at = ? WHERE id = ? AND member_id = ? "
                "AND status = 'proposed'", (now, request_id, member_id))
            if cursor.rowcount != 1:
                return None
            await conn.execute("DELETE FROM partner_proposals WHERE request_id = ?", (request_id,))
            ids = []
            for partner, reason, ask in picks:
                intro_id = await inserted_id(
                    conn, "INSERT INTO introductions (request_id, a_id, b_id, reason, note, a_answer, b_answer, expires_at, "
                    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'accepted', ?, ?, ?, ?)",
                    (request_id, member_id, partner, json.dumps(reason, separators=(",", ":")),
                     self.db.keyring.seal(note),
                     "pending" if ask else "withheld", expires_at, now, now))
                ids.append(intro_id)
                await ScheduleRepository.add_in(conn, "intro.expire", intro_id, member_id, expires_at)
        return ids

    async def arrange(self, organiser_id: int, a_id: int, b_id: int, *, note: str, send: bool, now: int,
                      expires_at: int) -> int:
        """An organiser's introduction of two members: both are asked (unless `send` is False: then neither is,
        and it only lapses), and each member told of it, and the organiser, hear when it lapses."""
        async with self.db.transaction() as conn:
            answer = "pending" if send else "withheld"
            intro_id = await inserted_id(
                conn, "INSERT INTO introductions (a_id, b_id, organiser_id, note, a_answer, b_answer, status, expires_at, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (a_id, b_id, organiser_id, self.db.keyring.seal(note), answer, answer, "pending" if send else "void",
                 expires_at, now, now))
            for member in ((a_id, b_id, organiser_id) if send else (organiser_id,)):
                await ScheduleRepository.add_in(conn, "intro.expire", intro_id, member, expires_at)
        return intro_id

    # --- introductions ------------------------------------------------------------------------------------------

    _SELECT_INTRO = (f"SELECT {', '.join('i.' + c.strip() for c in _INTRO_COLUMNS.split(','))}, "
                     "r.theme AS r_theme, r.region AS r_region FROM introductions i "
                     "LEFT JOIN partner_requests r ON r.id = i.request_id")

    async def introduction(self, intro_id: int) -> Introduction | None:
        row = await self.db.fetch_one(f"{self._SELECT_INTRO} WHERE i.id = ?", (intro_id,))
        return _introduction(row, self.db.keyring) if row else None

    async def introductions_many(self, intro_ids: list[int]) -> dict[int, Introduction]:
        """Several introductions by id (for a batch of due items)."""
        if not intro_ids:
            return {}
        marks = ",".join("?" * len(intro_ids))
        rows = await self.db.fetch_all(f"{self._SELECT_INTRO} WHERE i.id IN ({marks})", intro_ids)
        return {row["id"]: _introduction(row, self.db.keyring) for row in rows}

    async def answer(self, intro_id: int, side: str, answer: str, now: int, *, follow_up_at: int | None = None,
                     ask_again_at: int | None = None, expires_at: int | None = None, block: bool = False
                     ) -> Introduction | None:
        """Record a side's answer to a pending introduction it has not settled; None if that is no longer
        possible. When both sides have accepted, the introduction is made: what was scheduled about it is
        dropped and each side's follow-up scheduled at `follow_up_at`. `ask_again_at` (with Not now) schedules
        asking this side once more and moves the lapse to `expires_at`; `block` also blocks the other side."""
        if side not in ("a", "b") or answer not in ("accepted", "declined", "not_now"):
            raise ValueError("bad answer")
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE introductions SET {side}_answer = ?, updated_at = ? WHERE id = ? AND status = 'pending' "
                f"AND {side}_answer IN ('pending', 'not_now') AND a_id IS NOT NULL AND b_id IS NOT NULL",
                (answer, now, intro_id))
            if cursor.rowcount != 1:
                return None
            await conn.execute("DELETE FROM schedule WHERE kind = 'intro.ask' AND subject_id = ? AND member_id = "
                               f"(SELECT {side}_id FROM introductions WHERE id = ?)", (intro_id, intro_id))
            await conn.execute(f"UPDATE members SET unanswered = 0 WHERE id = (SELECT {side}_id FROM introductions "
                               "WHERE id = ?)", (intro_id,))  # they answer: no longer one who never does
            if answer == "accepted":
                cursor = await conn.execute(
                    "UPDATE introductions SET status = 'introduced', introduced_at = ? WHERE id = ? "
                    "AND a_answer = 'accepted' AND b_answer = 'accepted'", (now, intro_id))
                if cursor.rowcount == 1:
                    await ScheduleRepository.cancel_in(conn, INTRO_KINDS, intro_id)
                    await conn.execute(
                        "UPDATE partner_requests SET status = 'matched', updated_at = ? WHERE id = "
                        "(SELECT request_id FROM introductions WHERE id = ?)", (now, intro_id))
                    async with conn.execute("SELECT a_id, b_id FROM introductions WHERE id = ?", (intro_id,)) as cur:
                        a_id, b_id = await cur.fetchone()
                    for member in (a_id, b_id):
                        await ScheduleRepository.add_in(conn, "intro.follow_up", intro_id, member, follow_up_at or now,
                                                        "first")
            elif answer == "not_now" and ask_again_at is not None:
                await conn.execute(
                    "INSERT INTO schedule (due_at, kind, subject_id, member_id) SELECT ?, 'intro.ask', id, "
                    f"{side}_id FROM introductions WHERE id = ?", (ask_again_at, intro_id))
                if expires_at is not None:
                    await conn.execute("UPDATE introductions SET expires_at = ? WHERE id = ? AND expires_at < ?",
                                       (expires_at, intro_id, expires_at))
                    await conn.execute("UPDATE schedule SET due_at = ? WHERE kind = 'intro.expire' "
                                       "AND subject_id = ? AND due_at < ?", (expires_at, intro_id, expires_at))
            if block:
                await conn.execute(
                    "INSERT INTO member_blocks (member_id, blocked_id, created_at) "
                    f"SELECT {side}_id, {'b' if side == 'a' else 'a'}_id, ? FROM introductions WHERE id = ? "
                    "ON CONFLICT DO NOTHING",
                    (now, intro_id))
        return await self.introduction(intro_id)

    @staticmethod
    async def asked_again_in(conn: Connection, intro_id: int, side: str, now: int) -> None:
        """This side was asked once more (within an open transaction)."""
        if side not in ("a", "b"):
            raise ValueError("bad side")
        await conn.execute(f"UPDATE introductions SET {side}_asked_again = 1, updated_at = ? WHERE id = ?",
                           (now, intro_id))

    @staticmethod
    async def unanswered_in(conn: Connection, member_id: int, now: int, *, pause_at: int) -> bool:
        """One more introduction request the member left unanswered (within an open transaction); at `pause_at`
        in a row they are no longer proposed (matching paused, the count begun again). True when it paused."""
        await conn.execute("UPDATE members SET unanswered = unanswered + 1 WHERE id = ?", (member_id,))
        cursor = await conn.execute(
            "UPDATE members SET matching = 0, unanswered = 0, updated_at = ? WHERE id = ? AND unanswered >= ? "
            "AND matching = 1", (now, member_id, pause_at))
        return bool(cursor.rowcount)

    @staticmethod
    async def lapse_in(conn: Connection, intro_id: int, now: int) -> None:
        """The introduction was not made in time (within an open transaction); a search none of whose
        introductions can still be made becomes 'unmatched'."""
        await conn.execute("UPDATE introductions SET status = 'lapsed', updated_at = ? WHERE id = ? "
                           "AND status IN ('pending', 'void')", (now, intro_id))
        await conn.execute(
            "UPDATE partner_requests SET status = 'unmatched', updated_at = ? WHERE status = 'sent' AND id = "
            "(SELECT request_id FROM introductions WHERE id = ?) AND NOT EXISTS (SELECT 1 FROM introductions o "
            "WHERE o.request_id = partner_requests.id AND o.status IN ('pending', 'introduced'))", (now, intro_id))

    async def set_follow_up(self, intro_id: int, side: str, answer: str, now: int, *,
                            again_at: int | None = None) -> bool:
        """Record a side's answer to "did you connect?" (and, with `again_at`, ask once more then)."""
        if side not in ("a", "b") or answer not in ("yes", "not_yet", "no"):
            raise ValueError("bad follow-up")
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE introductions SET {side}_follow_up = ?, updated_at = ? WHERE id = ? "
                "AND status = 'introduced'", (answer, now, intro_id))
            if cursor.rowcount != 1:
                return False
            if again_at is not None:
                await conn.execute(
                    "INSERT INTO schedule (due_at, kind, subject_id, member_id, detail) SELECT ?, 'intro.follow_up', "
                    f"id, {side}_id, 'again' FROM introductions WHERE id = ? AND {side}_id IS NOT NULL",
                    (again_at, intro_id))
        return True

    async def for_member(self, member_id: int, limit: int = 100) -> list[Introduction]:
        """The introductions the member is a side of and was asked about (never one withheld from them), latest
        first."""
        rows = await self.db.fetch_all(
            f"{self._SELECT_INTRO} WHERE ((i.a_id = ? AND i.a_answer != 'withheld') "
            "OR (i.b_id = ? AND i.b_answer != 'withheld')) ORDER BY i.created_at DESC, i.id DESC LIMIT ?",
            (member_id, member_id, limit))
        return [_introduction(row, self.db.keyring) for row in rows]

    async def arranged_by(self, organiser_id: int, limit: int = 100) -> list[Introduction]:
        rows = await self.db.fetch_all(
            f"{self._SELECT_INTRO} WHERE i.organiser_id = ? ORDER BY i.created_at DESC, i.id DESC LIMIT ?",
            (organiser_id, limit))
        return [_introduction(row, self.db.keyring) for row in rows]

    async def requests_for(self, member_id: int, limit: int = 100) -> list[PartnerRequest]:
        """The member's searches, latest first."""
        rows = await self.db.fetch_all(
            f"SELECT {_REQUEST_COLUMNS} FROM partner_requests WHERE member_id = ? ORDER BY created_at DESC, id DESC "
            "LIMIT ?", (member_id, limit))
        return [_request(row, self.db.keyring) for row in rows]

    async def request_counts(self, request_ids: list[int]) -> dict[int, dict[str, int]]:
        """For each search, how many of its introductions are introduced, pending or lapsed."""
        if not request_ids:
            return {}
        marks = ",".join("?" * len(request_ids))
        rows = await self.db.fetch_all(
            f"SELECT request_id, status, count(*) FROM introductions WHERE request_id IN ({marks}) "
            "GROUP BY request_id, status", request_ids)
        counts: dict[int, dict[str, int]] = {}
        for request_id, status, n in rows:
            counts.setdefault(request_id, {})[status] = n
        return counts

    async def gaps(self, since: int, limit: int = 10) -> tuple[list[tuple[str | None, str | None, int]],
                                                               list[PartnerRequest]]:
        """Searches since `since` that found nobody, or nobody who accepted: counted by theme and region (most
        first), and the latest ones."""
        counts = await self.db.fetch_all(
            "SELECT theme, region, count(*) AS n FROM partner_requests WHERE status = 'unmatched' AND created_at > ? "
            "GROUP BY theme, region ORDER BY n DESC, theme, region", (since,))
        rows = await self.db.fetch_all(
            f"SELECT {_REQUEST_COLUMNS} FROM partner_requests WHERE status = 'unmatched' AND created_at > ? "
            "ORDER BY created_at DESC, id DESC LIMIT ?", (since, limit))
        return [(r[0], r[1], r[2]) for r in counts], [_request(row, self.db.keyring) for row in rows]

    # --- matching and blocks -----------------------------------------------------------------------------------

    async def set_matching(self, member_id: int, on: bool, now: int) -> None:
        await self.db.execute("UPDATE members SET matching = ?, updated_at = ? WHERE id = ?",
                              (int(on), now, member_id))

    async def matching(self, member_id: int) -> bool:
        row = await self.db.fetch_one("SELECT matching FROM members WHERE id = ?", (member_id,))
        return bool(row[0]) if row else False

    async def blocked_by(self, member_id: int) -> list[tuple[int, int]]:
        """Whom the member blocked, as (member, since)."""
        rows = await self.db.fetch_all(
            "SELECT blocked_id, created_at FROM member_blocks WHERE member_id = ? ORDER BY created_at", (member_id,))
        return [(r[0], r[1]) for r in rows]

    # --- erasure -----------------------------------------------------------------------------------------------

    @staticmethod
    async def forget_in(conn: Connection, member_id: int) -> None:
        """Before a member is erased: the notes they wrote and the reasons they were proposed go; an
        introduction still waiting for their answer stays pending for the other side, who later hears only
        that they were not available."""
        await conn.execute("UPDATE introductions SET note = '' WHERE (a_id = ? AND organiser_id IS NULL) "
                           "OR organiser_id = ?", (member_id, member_id))
        for side in ("a", "b"):
            await conn.execute(
                f"UPDATE introductions SET reason = '{{}}', {side}_answer = CASE WHEN {side}_answer IN "
                f"('pending', 'not_now') THEN 'gone' ELSE {side}_answer END WHERE {side}_id = ?", (member_id,))
