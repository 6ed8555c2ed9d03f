"""The figures organisers' reports are made of: commitments over time and by theme or region, partner searches and
introductions, sessions, and the toolbox. Counts only, never who.

"Just me" (private) commitments are counted in the network's totals over time, and in nothing narrower: not by
theme or region, nor in a total narrowed to one. Time is bucketed in UTC: weeks start on Monday 00:00, months on
their first day; both engines compute the same buckets (a week by arithmetic, a month each in its own words).
The rule that hides small numbers (fewer than 3) is the reports' to apply when they show a figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storage.database import Database
from storage.sessions import SUBSCRIBERS

WEEK = 7 * 24 * 3600
MONDAY = 4 * 24 * 3600  # 1970-01-05, the first Monday after the epoch
BUCKETS = ("week", "month")
_MONTH = {
    "sqlite": "CAST(strftime('%s', {column}, 'unixepoch', 'start of month') AS INTEGER)",
    "postgresql": "CAST(extract(epoch FROM date_trunc('month', to_timestamp({column}) AT TIME ZONE 'UTC')) AS BIGINT)",
}


def _bucket(dialect: str, bucket: str, column: str) -> str:
    """SQL for the start of the week or month a moment (seconds, UTC) falls in."""
    if bucket == "week":
        return f"({column} - (({column} - {MONDAY}) % {WEEK}))"
    return _MONTH[dialect].format(column=column)


@dataclass(frozen=True)
class Scope:
    """What a report covers: a period (from `since` to `until`, seconds) and, when given, one theme or region."""

    since: int
    until: int
    theme: str | None = None
    region: str | None = None

    @property
    def narrowed(self) -> bool:
        return self.theme is not None or self.region is not None


@dataclass(frozen=True)
class Moment:
    """One week or month: commitments made in it, done and dropped in it; and of those made in it, how many are
    overdue or stale now."""

    start: int
    made: int = 0
    done: int = 0
    dropped: int = 0
    overdue: int = 0
    stale: int = 0


@dataclass(frozen=True)
class Share:
    """Commitments made in the period on one theme or region (None: none given), and where they stand now."""

    key: str | None
    made: int
    open: int
    done: int
    dropped: int
    overdue: int
    members: int  # how many members made them


@dataclass(frozen=True)
class ToolboxShare:
    """Per theme: practices published, members trying or having tried them, and reports that they worked."""

    theme: str
    published: int
    tried_by: int
    worked_for: int


@dataclass(frozen=True)
class Partnering:
    """Partner searches on one theme and region (None: any), in the period: how many, how many found nobody, the
    introductions they led to that both accepted, and the "did you connect?" answers (one per side)."""

    theme: str | None
    region: str | None
    searches: int = 0
    found_nobody: int = 0
    introduced: int = 0
    connected: int = 0
    not_yet: int = 0
    not_connected: int = 0


@dataclass(frozen=True)
class SessionFigures:
    """One session of the period: who follows it, who said they took part (or not), commitments made from it."""

    session_id: int
    title: str
    starts_at: int
    followers: int
    attended: int
    missed: int
    commitments: int


@dataclass(frozen=True)
class MeetingPractice:
    """A practice shared from one of a meeting's sessions and published for the network (no author)."""

    practice_id: int
    title: str
    theme: str | None


@dataclass(frozen=True)
class Wish:
    """One answer to "what should a future meeting address?": its theme, and its words when they may be quoted."""

    theme: str | None
    quotable: bool
    text: str


# A session's figures but its followers: id, title, start, attended, did not attend, commitments made from it.
_SESSION_FIGURES = (
    "id, title, starts_at, "
    "(SELECT count(*) FROM session_attendance a WHERE a.session_id = s.id AND a.attended = 1), "
    "(SELECT count(*) FROM session_attendance a WHERE a.session_id = s.id AND a.attended = 0), "
    "(SELECT count(*) FROM session_commitments c WHERE c.session_id = s.id)")


class ReportRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _narrowing(self, scope: Scope, alias: str = "c") -> tuple[str, list[Any]]:
        where, args = [f"{alias}.created_at >= ?", f"{alias}.created_at < ?"], [scope.since, scope.until]
        if scope.narrowed:
            where.append(f"{alias}.visibility != 'private'")
        if scope.theme is not None:
            where.append(f"{alias}.theme = ?")
            args.append(scope.theme)
        if scope.region is not None:
            where.append(f"{alias}.region = ?")
            args.append(scope.region)
        return " AND ".join(where), args

    async def commitments_over_time(self, scope: Scope, bucket: str, now: int) -> list[Moment]:
        """Each week or month of the period that saw something, in order."""
        assert bucket in BUCKETS
        where, args = self._narrowing(scope)
        made_in = _bucket(self.db.dialect, bucket, "c.created_at")
        closed_in = _bucket(self.db.dialect, bucket, "c.closed_at")
        made = await self.db.fetch_all(
            f"SELECT {made_in} AS start, count(*), "
            "count(*) FILTER (WHERE c.status = 'open' AND c.due_at < ?), "
            "count(*) FILTER (WHERE c.status = 'open' AND c.stale = 1) "
            f"FROM commitments c WHERE {where} GROUP BY start", [now, *args])
        closed_where, closed_args = self._narrowing(scope)
        closed_where = closed_where.replace("c.created_at", "c.closed_at")
        closed = await self.db.fetch_all(
            f"SELECT {closed_in} AS start, count(*) FILTER (WHERE c.status = 'done'), "
            "count(*) FILTER (WHERE c.status = 'dropped') "
            f"FROM commitments c WHERE c.closed_at IS NOT NULL AND {closed_where} GROUP BY start", closed_args)
        moments: dict[int, dict[str, int]] = {}
        for start, count, overdue, stale in made:
            moments.setdefault(int(start), {}).update(made=int(count), overdue=int(overdue), stale=int(stale))
        for start, done, dropped in closed:
            moments.setdefault(int(start), {}).update(done=int(done), dropped=int(dropped))
        return [Moment(start, **counts) for start, counts in sorted(moments.items())]

    async def commitments_by(self, kind: str, scope: Scope, now: int) -> list[Share]:
        """Commitments made in the period by theme or by region (never the private ones), largest first."""
        assert kind in ("theme", "region")
        where, args = self._narrowing(scope)
        rows = await self.db.fetch_all(
            f"SELECT c.{kind}, count(*), count(*) FILTER (WHERE c.status = 'open'), "
            "count(*) FILTER (WHERE c.status = 'done'), count(*) FILTER (WHERE c.status = 'dropped'), "
            "count(*) FILTER (WHERE c.status = 'open' AND c.due_at < ?), count(DISTINCT c.member_id) "
            f"FROM commitments c WHERE {where} AND c.visibility != 'private' GROUP BY c.{kind} "
            f"ORDER BY count(*) DESC, c.{kind}", [now, *args])
        return [Share(row[0], *(int(v) for v in row[1:])) for row in rows]

    async def private_commitments(self, scope: Scope) -> int:
        """"Just me" commitments made in the period (shown only in the network's totals)."""
        row = await self.db.fetch_one(
            "SELECT count(*) FROM commitments WHERE visibility = 'private' AND created_at >= ? AND created_at < ?",
            (scope.since, scope.until))
        return int(row[0]) if row else 0

    async def toolbox(self, scope: Scope) -> list[ToolboxShare]:
        """Per theme, the practices published in the period (of the scope's theme and region, when given), the
        members trying practices of that theme, and their "worked" reports."""
        rows = await self.db.fetch_all(
            "SELECT t.theme, count(DISTINCT p.id), "
            "(SELECT count(DISTINCT c.member_id) FROM commitments c JOIN practice_themes u "
            " ON u.practice_id = c.practice_id WHERE u.theme = t.theme), "
            "(SELECT count(*) FROM practice_reports r JOIN practice_themes u ON u.practice_id = r.practice_id "
            " WHERE u.theme = t.theme AND r.verdict = 'worked') "
            "FROM practices p JOIN practice_themes t ON t.practice_id = p.id "
            "WHERE p.status IN ('approved', 'retired') AND p.published_at >= ? AND p.published_at < ? "
            "AND (CAST(? AS TEXT) IS NULL OR t.theme = ?) AND (CAST(? AS TEXT) IS NULL OR p.region = ?) "
            "GROUP BY t.theme ORDER BY count(DISTINCT p.id) DESC, t.theme",
            (scope.since, scope.until, scope.theme, scope.theme, scope.region, scope.region))
        return [ToolboxShare(row[0], int(row[1]), int(row[2]), int(row[3])) for row in rows]

    async def toolbox_totals(self, scope: Scope) -> tuple[int, int]:
        """The practices published in the period (of the scope's theme and region, when given), each counted once,
        and the "worked for us too" reports on them."""
        row = await self.db.fetch_one(
            "SELECT count(*), coalesce(sum(p.worked_count), 0) FROM practices p "
            "WHERE p.status IN ('approved', 'retired') AND p.published_at >= ? AND p.published_at < ? "
            "AND (CAST(? AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM practice_themes t WHERE t.practice_id = p.id "
            "AND t.theme = ?)) AND (CAST(? AS TEXT) IS NULL OR p.region = ?)",
            (scope.since, scope.until, scope.theme, scope.theme, scope.region, scope.region))
        return (int(row[0]), int(row[1])) if row else (0, 0)

    async def partnering(self, scope: Scope) -> list[Partnering]:
        """Partner searches made in the period, and what came of them, by theme and region (most searched first)."""
        searches = await self.db.fetch_all(
            "SELECT theme, region, count(*), count(*) FILTER (WHERE found = 0) FROM partner_requests "
            "WHERE created_at >= ? AND created_at < ? GROUP BY theme, region", (scope.since, scope.until))
        outcomes = await self.db.fetch_all(
            "SELECT r.theme, r.region, count(*) FILTER (WHERE i.status = 'introduced'), "
            "count(*) FILTER (WHERE i.a_follow_up = 'yes') + count(*) FILTER (WHERE i.b_follow_up = 'yes'), "
            "count(*) FILTER (WHERE i.a_follow_up = 'not_yet') + count(*) FILTER (WHERE i.b_follow_up = 'not_yet'), "
            "count(*) FILTER (WHERE i.a_follow_up = 'no') + count(*) FILTER (WHERE i.b_follow_up = 'no') "
            "FROM introductions i JOIN partner_requests r ON r.id = i.request_id "
            "WHERE r.created_at >= ? AND r.created_at < ? GROUP BY r.theme, r.region", (scope.since, scope.until))
        figures: dict[tuple[str | None, str | None], dict[str, int]] = {}
        for theme, region, count, nobody in searches:
            figures.setdefault((theme, region), {}).update(searches=int(count), found_nobody=int(nobody))
        for theme, region, introduced, yes, not_yet, no in outcomes:
            figures.setdefault((theme, region), {}).update(introduced=int(introduced), connected=int(yes),
                                                           not_yet=int(not_yet), not_connected=int(no))
        ranked = sorted(figures.items(), key=lambda item: (-item[1].get("searches", 0), str(item[0])))
        return [Partnering(theme, region, **counts) for (theme, region), counts in ranked]

    async def sessions(self, scope: Scope) -> list[SessionFigures]:
        """Each session that started in the period (not cancelled; of the scope's theme, when given), in order.
        Sessions have no region: a region does not narrow them."""
        rows = await self.db.fetch_all(
            f"SELECT {_SESSION_FIGURES} "
            "FROM sessions s WHERE s.status != 'cancelled' AND s.starts_at >= ? AND s.starts_at < ? "
            "AND (CAST(? AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM session_themes t WHERE t.session_id = s.id "
            "AND t.theme = ?)) ORDER BY s.starts_at, s.id", (scope.since, scope.until, scope.theme, scope.theme))
        return await self._session_figures(rows)

    async def meeting_sessions(self, session_ids: list[int]) -> list[SessionFigures]:
        """The figures of the sessions a meeting was made of (cancelled ones left out), in order."""
        if not session_ids:
            return []
        marks = ", ".join("?" * len(session_ids))
        rows = await self.db.fetch_all(
            f"SELECT {_SESSION_FIGURES} "
            f"FROM sessions s WHERE s.status != 'cancelled' AND s.id IN ({marks}) ORDER BY s.starts_at, s.id",
            session_ids)
        return await self._session_figures(rows)

    async def _session_figures(self, rows: list) -> list[SessionFigures]:
        figures = []
        for session_id, title, starts_at, attended, missed, commitments in rows:
            followers = await self.db.fetch_one(f"SELECT count(*) FROM ({SUBSCRIBERS}) followers",
                                                (session_id, session_id))
            figures.append(SessionFigures(int(session_id), title, int(starts_at), int(followers[0]), int(attended),
                                          int(missed), int(commitments)))
        return figures

    async def meeting_commitments(self, kind: str, session_ids: list[int], now: int) -> list[Share]:
        """Commitments registered from the meeting's sessions, by theme or region (never the private ones)."""
        assert kind in ("theme", "region")
        if not session_ids:
            return []
        marks = ", ".join("?" * len(session_ids))
        rows = await self.db.fetch_all(
            f"SELECT c.{kind}, count(*), count(*) FILTER (WHERE c.status = 'open'), "
            "count(*) FILTER (WHERE c.status = 'done'), count(*) FILTER (WHERE c.status = 'dropped'), "
            "count(*) FILTER (WHERE c.status = 'open' AND c.due_at < ?), count(DISTINCT c.member_id) "
            "FROM commitments c JOIN session_commitments s ON s.commitment_id = c.id "
            f"WHERE s.session_id IN ({marks}) AND c.visibility != 'private' GROUP BY c.{kind} "
            f"ORDER BY count(*) DESC, c.{kind}", [now, *session_ids])
        return [Share(row[0], *(int(v) for v in row[1:])) for row in rows]

    async def meeting_private_commitments(self, session_ids: list[int]) -> int:
        """"Just me" commitments registered from the meeting's sessions (shown only in its total)."""
        if not session_ids:
            return 0
        marks = ", ".join("?" * len(session_ids))
        row = await self.db.fetch_one(
            "SELECT count(*) FROM commitments c JOIN session_commitments s ON s.commitment_id = c.id "
            f"WHERE s.session_id IN ({marks}) AND c.visibility = 'private'", session_ids)
        return int(row[0]) if row else 0

    async def meeting_partnerships(self, session_ids: list[int], since: int) -> list[Partnering]:
        """Introductions both sides accepted from `since` (the meeting's start) on, where at least one side
        followed or attended one of its sessions, by the theme and region of the search behind them."""
        if not session_ids:
            return []
        marks = ", ".join("?" * len(session_ids))
        rows = await self.db.fetch_all(
            "WITH participants AS ("
            f" SELECT member_id FROM session_subscriptions WHERE session_id IN ({marks})"
            f" UNION SELECT member_id FROM session_attendance WHERE attended = 1 AND session_id IN ({marks})) "
            "SELECT r.theme, r.region, count(*), "
            "count(*) FILTER (WHERE i.a_follow_up = 'yes') + count(*) FILTER (WHERE i.b_follow_up = 'yes') "
            "FROM introductions i LEFT JOIN partner_requests r ON r.id = i.request_id "
            "WHERE i.status = 'introduced' AND i.introduced_at >= ? "
            "AND (i.a_id IN (SELECT member_id FROM participants) OR i.b_id IN (SELECT member_id FROM participants)) "
            "GROUP BY r.theme, r.region ORDER BY count(*) DESC", [*session_ids, *session_ids, since])
        return [Partnering(theme, region, introduced=int(count), connected=int(yes))
                for theme, region, count, yes in rows]

    async def meeting_practices(self, session_ids: list[int]) -> list[MeetingPractice]:
        """Practices shared from the meeting's sessions that an organiser published for the whole network."""
        if not session_ids:
            return []
        marks = ", ".join("?" * len(session_ids))
        rows = await self.db.fetch_all(
            "SELECT p.id, p.title, (SELECT min(t.theme) FROM practice_themes t WHERE t.practice_id = p.id) "
            "FROM practices p WHERE p.status IN ('approved', 'retired') AND p.visibility = 'network' "
            f"AND p.session_id IN ({marks}) ORDER BY p.id", session_ids)
        return [MeetingPractice(int(pid), title, theme) for pid, title, theme in rows]

    async def meeting_wishes(self, session_ids: list[int]) -> list[Wish]:
        """What participants asked future meetings to address after the meeting's sessions: every answer counted
        by theme; the words of those given after the question said they may be quoted without a name."""
        if not session_ids:
            return []
        marks = ", ".join("?" * len(session_ids))
        rows = await self.db.fetch_all(
            f"SELECT theme, quotable, text FROM session_feedback WHERE session_id IN ({marks}) "
            "ORDER BY theme, created_at, id", session_ids)
        return [Wish(theme, bool(quotable), text) for theme, quotable, text in rows]
