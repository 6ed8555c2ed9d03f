"""The network's toolbox: practices members shared, their review, the members' reports on them ("worked for us
too", "did not work for us"), the commitments made to try them, and what members want a future meeting to
address.

A practice is `pending` until an organiser approves it (`approved`), asks for changes (`changes`: the author edits
it and it is pending again) or declines it (`declined`). Organisers later retire an outdated one (`retired`) or
merge a duplicate into another (`merged`: its reports and tries move to the one it was merged into). Members find
only approved practices (those for organisers only, organisers alone); the author sees their own, whatever their
state.

Search: the words of a practice's title and text (prepared by storage/search.py) are indexed by each engine's own
full-text search, SQLite's FTS5 (the `practice_search` table) and PostgreSQL's text search (the `search` column,
under a GIN index). Results are ranked by how many of the theme and region asked for they match, then by how well
the words match (title before text), then by how many members said it worked for them too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storage import search
from storage.database import Connection, Database, dialect_of, inserted_id

STATUSES = ("pending", "changes", "approved", "declined", "retired", "merged")
VISIBILITIES = ("network", "organisers")
VERDICTS = ("worked", "not_worked")
TEXT_FIELDS = ("title", "what", "worked", "not_worked", "needs")
_COLUMNS = ("id, author_id, anonymous, title, what, region, place, actor_kind, worked, not_worked, needs, link, "
            "visibility, status, review_note, reviewed_by, merged_into, session_id, worked_count, created_at, "
            "updated_at, published_at")


@dataclass(frozen=True)
class Practice:
    id: int
    author_id: int | None
    anonymous: bool
    title: str
    what: str
    region: str | None  # a region of the network's list
    place: str | None  # or a place the author typed
    actor_kind: str | None
    worked: str
    not_worked: str
    needs: str
    link: str | None
    visibility: str
    status: str
    review_note: str | None
    reviewed_by: int | None
    merged_into: int | None
    session_id: int | None
    worked_count: int
    created_at: int
    updated_at: int
    published_at: int | None
    themes: tuple[str, ...] = ()

    def shown_to(self, member_id: int | None, *, organiser: bool) -> bool:
        """Whether this member may see it at all (an author their own; organisers all; members the published)."""
        if organiser or (member_id is not None and member_id == self.author_id):
            return True
        return self.status in ("approved", "retired", "merged") and self.visibility == "network"


@dataclass(frozen=True)
class Draft:
    """What a member writes: everything but the state the review gives it."""

    title: str
    what: str
    themes: tuple[str, ...] = ()
    region: str | None = None
    place: str | None = None
    actor_kind: str | None = None
    worked: str = ""
    not_worked: str = ""
    needs: str = ""
    link: str | None = None
    visibility: str = "network"
    anonymous: bool = False
    session_id: int | None = None


@dataclass(frozen=True)
class Query:
    """A search: a theme and a region to rank by, words to find; `organiser` sees practices for organisers too."""

    theme: str | None = None
    region: str | None = None
    words: str = ""
    organiser: bool = False


@dataclass(frozen=True)
class Found:
    practice: Practice
    matches: int  # how many of the theme and region asked for it has


@dataclass(frozen=True)
class Reports:
    """What members said of a practice: how many it worked for, how many not, and the notes, newest first."""

    worked: int
    not_worked: int
    notes: list[tuple[str, str]] = field(default_factory=list)  # (verdict, note)


@dataclass(frozen=True)
class Feedback:
    id: int
    session_id: int | None
    member_id: int
    theme: str | None
    text: str
    created_at: int


# Each engine's words for the search: how a practice's words are stored, and the matching practices with how well
# their words match (larger is better).
_INDEX = {
    "sqlite": ("DELETE FROM practice_search WHERE rowid = ?", "INSERT INTO practice_search (rowid, title, body) "
               "VALUES (?, ?, ?)"),
    "postgresql": (None, "UPDATE practices SET search = setweight(to_tsvector('simple', ?), 'A') || "
                   "setweight(to_tsvector('simple', ?), 'B') WHERE id = ?"),
}
_MATCHING = {
    "sqlite": "SELECT rowid AS id, -bm25(practice_search, 4.0, 1.0) AS words FROM practice_search "
              "WHERE practice_search MATCH ?",
    # OFFSET 0 keeps the rank computed here, a number per match, rather than the whole text vectors carried to the
    # sort (benchmarks/practices.py: p99 183 ms -> 111 ms at 50,000 practices).
    "postgresql": "SELECT id, ts_rank(search, to_tsquery('simple', ?)) AS words FROM practices "
                  "WHERE search @@ to_tsquery('simple', ?) OFFSET 0",
}
# The index is read first, then each match's practice. Without statistics (the bot never runs ANALYZE), SQLite's
# planner would put `practices` outside and run the full-text query once per practice: 46 s for a common word
# among 50,000, 81 ms this way (benchmarks/practices.py). SQLite never reorders the left side of a CROSS JOIN;
# PostgreSQL has no CROSS JOIN … ON, and plans this join well by itself.
_INDEX_FIRST = {"sqlite": "CROSS JOIN", "postgresql": "JOIN"}


def _practice(row: Any, themes: tuple[str, ...] = ()) -> Practice:
    return Practice(int(row[0]), row[1], bool(row[2]), *row[3:18], int(row[18]), *row[19:22], themes=themes)


def _body(draft: Draft | Practice) -> str:
    return "\n".join((draft.what, draft.worked, draft.not_worked, draft.needs, draft.place or ""))


class PracticeRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- writing -----------------------------------------------------------------------------------------

    async def create(self, author_id: int, draft: Draft, now: int) -> int:
        """A new practice, waiting for review; its number."""
        async with self.db.transaction() as conn:
            practice_id = await inserted_id(
                conn, "INSERT INTO practices (author_id, anonymous, title, what, region, place, actor_kind, worked, "
                "not_worked, needs, link, visibility, session_id, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (author_id, int(draft.anonymous), draft.title, draft.what, draft.region, draft.place,
                 draft.actor_kind, draft.worked, draft.not_worked, draft.needs, draft.link, draft.visibility,
                 draft.session_id, now, now))
            await self._set_themes_in(conn, practice_id, draft.themes)
            await self._index_in(conn, practice_id, draft)
        return practice_id

    async def rewrite(self, practice_id: int, draft: Draft, now: int, *, resubmit: bool) -> bool:
        """Replace what a practice says (its author, after changes were asked for: `resubmit` puts it back in
        review; or an organiser's edit, which keeps its state). False if it is gone or, for a resubmission, no
        longer waits for the author's changes."""
        async with self.db.transaction() as conn:
            state = (", status = 'pending', review_note = NULL", " AND status = 'changes'") if resubmit else ("", "")
            cursor = await conn.execute(
                f"UPDATE practices SET title = ?, what = ?, region = ?, place = ?, actor_kind = ?, worked = ?, "
                f"not_worked = ?, needs = ?, link = ?, visibility = ?, anonymous = ?, updated_at = ?{state[0]} "
                f"WHERE id = ?{state[1]}",
                (draft.title, draft.what, draft.region, draft.place, draft.actor_kind, draft.worked,
                 draft.not_worked, draft.needs, draft.link, draft.visibility, int(draft.anonymous), now, practice_id))
            if cursor.rowcount != 1:
                return False
            await self._set_themes_in(conn, practice_id, draft.themes)
            await self._index_in(conn, practice_id, draft)
        return True

    @staticmethod
    async def _set_themes_in(conn: Connection, practice_id: int, themes: tuple[str, ...]) -> None:
        await conn.execute("DELETE FROM practice_themes WHERE practice_id = ?", (practice_id,))
        await conn.executemany("INSERT INTO practice_themes (practice_id, theme) VALUES (?, ?)",
                               [(practice_id, theme) for theme in dict.fromkeys(themes)])

    @staticmethod
    async def _index_in(conn: Connection, practice_id: int, draft: Draft | Practice) -> None:
        title, body = search.index_text(draft.title), search.index_text(_body(draft))
        remove, add = _INDEX[dialect_of(conn)]
        if remove is None:
            await conn.execute(add, (title, body, practice_id))
        else:
            await conn.execute(remove, (practice_id,))
            await conn.execute(add, (practice_id, title, body))

    @classmethod
    async def reindex_in(cls, conn: Connection) -> int:
        """Index every practice again (after copy-db, which copies rows but not an engine's index)."""
        async with conn.execute(f"SELECT {_COLUMNS} FROM practices") as cursor:
            rows = await cursor.fetchall()
        for row in rows:
            await cls._index_in(conn, int(row[0]), _practice(row))
        return len(rows)

    async def review(self, practice_id: int, status: str, reviewer_id: int, note: str | None, now: int) -> bool:
        """Approve, ask for changes or decline a practice waiting for review; False if it no longer waits."""
        assert status in ("approved", "changes", "declined")
        published = ", published_at = ?" if status == "approved" else ""
        args: tuple[Any, ...] = (status, reviewer_id, note, now, *((now,) if published else ()), practice_id)
        count = await self.db.execute(
            f"UPDATE practices SET status = ?, reviewed_by = ?, review_note = ?, updated_at = ?{published} "
            "WHERE id = ? AND status = 'pending'", args)
        return count == 1

    async def retire(self, practice_id: int, now: int) -> bool:
        count = await self.db.execute(
            "UPDATE practices SET status = 'retired', updated_at = ? WHERE id = ? AND status = 'approved'",
            (now, practice_id))
        return count == 1

    async def merge(self, duplicate_id: int, into_id: int, now: int) -> bool:
        """Merge a duplicate into another published practice: reports (a member's one, where they reported on
        both, kept on the one merged into) and tries move over; the duplicate points to it. False unless both are
        published and different."""
        if duplicate_id == into_id:
            return False
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE practices SET status = 'merged', merged_into = ?, updated_at = ? WHERE id = ? "
                "AND status = 'approved' AND EXISTS (SELECT 1 FROM practices p WHERE p.id = ? "
                "AND p.status = 'approved')", (into_id, now, duplicate_id, into_id))
            if cursor.rowcount != 1:
                return False
            await conn.execute(
                "UPDATE practice_reports SET practice_id = ? WHERE practice_id = ? AND member_id NOT IN "
                "(SELECT member_id FROM practice_reports WHERE practice_id = ?)", (into_id, duplicate_id, into_id))
            await conn.execute("DELETE FROM practice_reports WHERE practice_id = ?", (duplicate_id,))
            await conn.execute("UPDATE commitments SET practice_id = ? WHERE practice_id = ?", (into_id, duplicate_id))
            await self._count_worked_in(conn, into_id)
            await self._count_worked_in(conn, duplicate_id)
        return True

    @staticmethod
    async def _count_worked_in(conn: Connection, practice_id: int) -> None:
        await conn.execute(
            "UPDATE practices SET worked_count = (SELECT count(*) FROM practice_reports WHERE practice_id = ? "
            "AND verdict = 'worked') WHERE id = ?", (practice_id, practice_id))

    async def report(self, practice_id: int, member_id: int, verdict: str, now: int) -> str | None:
        """A member says it worked for them too, or did not; the verdict they had given before (None: none)."""
        assert verdict in VERDICTS
        async with self.db.transaction() as conn:
            async with conn.execute("SELECT verdict FROM practice_reports WHERE practice_id = ? AND member_id = ?",
                                    (practice_id, member_id)) as cursor:
                before = await cursor.fetchone()
            if before is None:
                await conn.execute("INSERT INTO practice_reports (practice_id, member_id, verdict, at) "
                                   "VALUES (?, ?, ?, ?)", (practice_id, member_id, verdict, now))
            elif before[0] != verdict:
                await conn.execute("UPDATE practice_reports SET verdict = ?, note = NULL, at = ? "
                                   "WHERE practice_id = ? AND member_id = ?", (verdict, now, practice_id, member_id))
            await self._count_worked_in(conn, practice_id)
        return before[0] if before else None

    async def note_report(self, practice_id: int, member_id: int, note: str | None) -> bool:
        count = await self.db.execute("UPDATE practice_reports SET note = ? WHERE practice_id = ? AND member_id = ?",
                                      (note, practice_id, member_id))
        return count == 1

    @staticmethod
    async def anonymise_in(conn: Connection, member_id: int) -> None:
        """The author erases their data but leaves their practices: anonymous, and no longer theirs."""
        await conn.execute("UPDATE practices SET author_id = NULL, anonymous = 1 WHERE author_id = ?", (member_id,))

    # --- reading -----------------------------------------------------------------------------------------

    async def get(self, practice_id: int) -> Practice | None:
        row = await self.db.fetch_one(f"SELECT {_COLUMNS} FROM practices WHERE id = ?", (practice_id,))
        if row is None:
            return None
        return _practice(row, await self._themes(practice_id))

    async def _themes(self, practice_id: int) -> tuple[str, ...]:
        rows = await self.db.fetch_all("SELECT theme FROM practice_themes WHERE practice_id = ? ORDER BY theme",
                                       (practice_id,))
        return tuple(r[0] for r in rows)

    async def _many(self, ids: list[int]) -> dict[int, Practice]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = await self.db.fetch_all(f"SELECT {_COLUMNS} FROM practices WHERE id IN ({marks})", ids)
        themes: dict[int, list[str]] = {}
        for practice_id, theme in await self.db.fetch_all(
                f"SELECT practice_id, theme FROM practice_themes WHERE practice_id IN ({marks}) ORDER BY theme", ids):
            themes.setdefault(int(practice_id), []).append(theme)
        return {int(r[0]): _practice(r, tuple(themes.get(int(r[0]), ()))) for r in rows}

    async def waiting(self, limit: int = 20) -> list[Practice]:
        """Practices waiting for review, oldest first."""
        rows = await self.db.fetch_all("SELECT id FROM practices WHERE status = 'pending' ORDER BY id LIMIT ?",
                                       (limit,))
        found = await self._many([int(r[0]) for r in rows])
        return [found[int(r[0])] for r in rows if int(r[0]) in found]

    async def by_author(self, member_id: int) -> list[Practice]:
        rows = await self.db.fetch_all("SELECT id FROM practices WHERE author_id = ? ORDER BY id", (member_id,))
        found = await self._many([int(r[0]) for r in rows])
        return [found[int(r[0])] for r in rows]

    async def find(self, query: Query, *, limit: int, offset: int = 0) -> tuple[list[Found], int]:
        """A page of the published practices the query finds, best first, and how many it finds in all. Words
        given: those with every word (as a word's beginning); else a theme or a region given: those with either;
        else all."""
        terms = search.terms(query.words)
        if query.words.strip() and not terms:
            return [], 0
        visible = "p.status = 'approved'" + ("" if query.organiser else " AND p.visibility = 'network'")
        theme_match = "(CASE WHEN EXISTS (SELECT 1 FROM practice_themes t WHERE t.practice_id = p.id AND t.theme = ?) " \
                      "THEN 1 ELSE 0 END)" if query.theme else "0"
        region_match = "(CASE WHEN p.region = ? THEN 1 ELSE 0 END)" if query.region else "0"
        matches = f"({theme_match} + {region_match})"
        args: list[Any] = [*([query.theme] if query.theme else []), *([query.region] if query.region else [])]
        if terms:
            dialect = self.db.dialect
            match_args = [search.fts5_query(terms)] if dialect == "sqlite" else [search.tsquery(terms)] * 2
            sql = (f"SELECT p.id, {matches} AS matches, m.words AS words, p.worked_count FROM ({_MATCHING[dialect]}) m "
                   f"{_INDEX_FIRST[dialect]} practices p ON p.id = m.id WHERE {visible}")
            args = [*args, *match_args]  # in the order their marks appear: the select list, then the match
        elif query.theme or query.region:
            sql = (f"SELECT p.id, {matches} AS matches, 0 AS words, p.worked_count FROM practices p "
                   f"WHERE {visible} AND {matches} > 0")
            args = args * 2
        else:
            sql = f"SELECT p.id, 0 AS matches, 0 AS words, p.worked_count FROM practices p WHERE {visible}"
        rows = await self.db.fetch_all(
            f"SELECT id, matches, count(*) OVER () FROM ({sql}) found "
            "ORDER BY matches DESC, words DESC, worked_count DESC, id DESC LIMIT ? OFFSET ?", [*args, limit, offset])
        if not rows:
            return [], 0 if offset == 0 else await self._count_only(sql, args)
        found = await self._many([int(r[0]) for r in rows])
        return [Found(found[int(r[0])], int(r[1])) for r in rows if int(r[0]) in found], int(rows[0][2])

    async def _count_only(self, sql: str, args: list[Any]) -> int:
        row = await self.db.fetch_one(f"SELECT count(*) FROM ({sql}) found", args)
        return int(row[0]) if row else 0

    async def reports(self, practice_id: int, notes: int = 10) -> Reports:
        rows = await self.db.fetch_all(
            "SELECT verdict, count(*) FROM practice_reports WHERE practice_id = ? GROUP BY verdict", (practice_id,))
        counts = {r[0]: int(r[1]) for r in rows}
        noted = await self.db.fetch_all(
            "SELECT verdict, note FROM practice_reports WHERE practice_id = ? AND note IS NOT NULL "
            "ORDER BY at DESC LIMIT ?", (practice_id, notes))
        return Reports(counts.get("worked", 0), counts.get("not_worked", 0), [(r[0], r[1]) for r in noted])

    async def report_of(self, practice_id: int, member_id: int) -> str | None:
        row = await self.db.fetch_one("SELECT verdict FROM practice_reports WHERE practice_id = ? AND member_id = ?",
                                      (practice_id, member_id))
        return row[0] if row else None

    async def tries(self, practice_id: int) -> tuple[int, int]:
        """How many members are trying it (an open commitment made from it) and how many did (done)."""
        rows = await self.db.fetch_all(
            "SELECT status, count(DISTINCT member_id) FROM commitments WHERE practice_id = ? GROUP BY status",
            (practice_id,))
        counts = {r[0]: int(r[1]) for r in rows}
        return counts.get("open", 0), counts.get("done", 0)

    async def tried_titles(self, limit: int) -> dict[int, str]:
        """Practices some member registered a commitment to try (number: title), newest first: the audiences a
        broadcast may be aimed at."""
        rows = await self.db.fetch_all(
            "SELECT p.id, p.title FROM practices p WHERE EXISTS (SELECT 1 FROM commitments c "
            "WHERE c.practice_id = p.id) ORDER BY p.id DESC LIMIT ?", (limit,))
        return {int(r[0]): r[1] for r in rows}

    async def reports_by(self, member_id: int) -> list[dict[str, Any]]:
        """A member's reports, for /export."""
        rows = await self.db.fetch_all(
            "SELECT practice_id, verdict, note, at FROM practice_reports WHERE member_id = ? ORDER BY at",
            (member_id,))
        return [{"practice_number": r[0], "verdict": r[1], "note": r[2], "at": r[3]} for r in rows]

    # --- what a future meeting should address ------------------------------------------------------------

    async def add_feedback(self, session_id: int | None, member_id: int, theme: str | None, text: str,
                           now: int) -> int:
        async with self.db.transaction() as conn:
            return await inserted_id(
                conn, "INSERT INTO session_feedback (session_id, member_id, theme, text, created_at, quotable) "
                "VALUES (?, ?, ?, ?, ?, 1)", (session_id, member_id, theme, text, now))

    async def feedback(self, session_id: int | None = None, limit: int = 200) -> list[Feedback]:
        """What members want a future meeting to address (after one session, or all), by theme, newest first."""
        where, args = ("WHERE session_id = ?", [session_id]) if session_id is not None else ("", [])
        rows = await self.db.fetch_all(
            f"SELECT id, session_id, member_id, theme, text, created_at FROM session_feedback {where} "
            "ORDER BY CASE WHEN theme IS NULL THEN 1 ELSE 0 END, theme, created_at DESC, id DESC LIMIT ?",
            [*args, limit])
        return [Feedback(*r) for r in rows]

    async def feedback_by(self, member_id: int) -> list[Feedback]:
        rows = await self.db.fetch_all(
            "SELECT id, session_id, member_id, theme, text, created_at FROM session_feedback WHERE member_id = ? "
            "ORDER BY id", (member_id,))
        return [Feedback(*r) for r in rows]

