"""The tables a report is made of, built once from the storage's counts and then shown three ways: as charts
(charts.py), as CSV files (`to_csv`) and in the meeting's outcome document (meeting.py).

Every count in a table has already passed the small-numbers rule (privacy.py): a cell is a number, or the words
the report shows in its place ("fewer than 3", "withheld"; "–" for a share that cannot be given). A table's words
(title, column names, row labels, those cells) are in the language spoken when it was built, so a worker thread
can draw it without translating anything.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from babel.dates import format_skeleton

from handlers.i18n import N_, current_language, plain
from handlers.network import Network
from handlers.reports.privacy import Hidden, hide_small, labels
from storage.reports import (
    WEEK,
    Moment,
    Partnering,
    SessionFigures,
    Share,
    ToolboxShare,
)

ROWS_DRAWN = 12  # categories in one chart; the CSV has them all


@dataclass(frozen=True)
class Row:
    """One row: its label as shown, what a CSV writes in its first column (an ISO 8601 date for a week or a
    month), and a count per column, or the words shown in its place."""

    label: str
    key: str
    values: tuple[int | str, ...]


@dataclass(frozen=True)
class Table:
    """A titled table of counts: `name` names its CSV file, `heading` its first column, `columns` the others.
    `over_time` tables are drawn as lines, the others as bars; `drawn` are the columns a chart shows."""

    name: str
    title: str
    heading: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    over_time: bool = False
    drawn: tuple[int, ...] = ()

    def column(self, index: int) -> list[int | str]:
        return [row.values[index] for row in self.rows]

    def has_figures(self) -> bool:
        """Whether anything happened in it (a chart of nothing is left out)."""
        return any(v and v != NOT_GIVEN for row in self.rows for v in row.values)


NOT_GIVEN = "–"  # a share (per cent) that cannot be given: nothing made, or a count it comes from is hidden


def _columns(rows: Sequence[Sequence[int]], fewer_than: int, hidden_rows: set[int] | None = None
             ) -> list[tuple[int | str, ...]]:
    """Each column through the small-numbers rule (whole rows hidden where they count too few members), with
    the words the report shows for each count it hides."""
    if not rows:
        return []
    words = labels(fewer_than)
    width = len(rows[0])
    kept = [hide_small([row[c] for row in rows], fewer_than, hidden_rows or set()) for c in range(width)]
    return [tuple(words[v] if isinstance(v, Hidden) else v for v in (kept[c][r] for c in range(width)))
            for r in range(len(rows))]


def _date(at: int, skeleton: str) -> str:
    return format_skeleton(skeleton, datetime.fromtimestamp(at, UTC), locale=current_language())


def _iso(at: int) -> str:
    return datetime.fromtimestamp(at, UTC).date().isoformat()


def bucket_starts(since: int, until: int, bucket: str) -> list[int]:
    """The start of every week or month from `since` (a bucket's start) until `until`."""
    starts, at = [], since
    while at < until:
        starts.append(at)
        if bucket == "week":
            at += WEEK
        else:
            moment = datetime.fromtimestamp(at, UTC)
            year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
            at = int(datetime(year, month, 1, tzinfo=UTC).timestamp())
    return starts


def over_time(moments: list[Moment], starts: list[int], bucket: str, fewer_than: int) -> Table:
    """Commitments made, done, dropped, overdue and stale, each week or month of the period (none: zeros)."""
    found = {m.start: m for m in moments}
    counts = [(m.made, m.done, m.dropped, m.overdue, m.stale) for m in (found.get(s, Moment(s)) for s in starts)]
    values = _columns(counts, fewer_than)
    skeleton = "MMMd" if bucket == "week" else "yMMM"
    rows = tuple(Row(_date(s, skeleton), _iso(s), v) for s, v in zip(starts, values, strict=True))
    return Table("commitments-over-time", plain(N_("Commitments over time")),
                 plain(N_("Week of")) if bucket == "week" else plain(N_("Month")),
                 (plain(N_("Made")), plain(N_("Done")), plain(N_("Dropped")), plain(N_("Overdue now")),
                  plain(N_("Stale now"))), rows, over_time=True, drawn=(0, 1, 2, 3, 4))


def rate(done: int | str, made: int | str) -> int | str:
    """The share of commitments done, in per cent; not given where either count is hidden or nothing was made."""
    if isinstance(done, str) or isinstance(made, str) or not made:
        return NOT_GIVEN
    return round(100 * done / made)


def shares(kind: str, found: list[Share], network: Network, fewer_than: int, *, name: str | None = None) -> Table:
    """Commitments by theme or region: made, done, dropped, overdue now, and the share done. A row whose
    commitments come from fewer members than the rule allows is hidden whole."""
    counts = [(s.made, s.done, s.dropped, s.overdue) for s in found]
    few = {i for i, s in enumerate(found) if 0 < s.members < fewer_than}
    values = _columns(counts, fewer_than, few)
    rows = tuple(Row(label, label, (*v, rate(v[1], v[0])))
                 for label, v in zip((_label(kind, s.key, network) for s in found), values, strict=True))
    title = plain(N_("Commitments by theme")) if kind == "theme" else plain(N_("Commitments by region"))
    heading = plain(N_("Theme")) if kind == "theme" else plain(N_("Region"))
    return Table(name or f"commitments-by-{kind}", title, heading,
                 (plain(N_("Made")), plain(N_("Done")), plain(N_("Dropped")), plain(N_("Overdue now")),
                  plain(N_("Done (%)"))), rows, drawn=(0, 1))


def _label(kind: str, key: str | None, network: Network) -> str:
    if key is None:
        return plain(N_("No theme")) if kind == "theme" else plain(N_("No region"))
    choice = network.theme(key) if kind == "theme" else network.region(key)
    return choice.label if choice else key


def partnering(found: list[Partnering], network: Network, fewer_than: int) -> Table:
    """Partner searches by theme and region, with what came of them: where the network lacks people."""
    counts = [(p.searches, p.found_nobody, p.introduced, p.connected, p.not_yet, p.not_connected) for p in found]
    values = _columns(counts, fewer_than)
    labels = [f"{_any('theme', p.theme, network)} · {_any('region', p.region, network)}" for p in found]
    return Table("partner-searches", plain(N_("Partner searches and introductions")),
                 plain(N_("Theme · region")),
                 (plain(N_("Searches")), plain(N_("Found nobody")), plain(N_("Introductions accepted")),
                  plain(N_("Did connect")), plain(N_("Not yet")), plain(N_("Did not connect"))),
                 tuple(Row(label, label, v) for label, v in zip(labels, values, strict=True)), drawn=(0, 1, 2, 3))


def _any(kind: str, key: str | None, network: Network) -> str:
    if key is None:
        return plain(N_("any theme")) if kind == "theme" else plain(N_("any region"))
    return _label(kind, key, network)


def sessions(found: list[SessionFigures], fewer_than: int) -> Table:
    """Each session: its followers, the follow-up answers (took part or not), and commitments made from it."""
    counts = [(s.followers, s.attended, s.missed, s.commitments) for s in found]
    values = _columns(counts, fewer_than)
    return Table("sessions", plain(N_("Sessions")), plain(N_("Session")),
                 (plain(N_("Followers")), plain(N_("Took part")), plain(N_("Did not take part")),
                  plain(N_("Commitments made"))),
                 tuple(Row(f"#{s.session_id} {s.title}", f"{_iso(s.starts_at)} #{s.session_id} {s.title}", v)
                       for s, v in zip(found, values, strict=True)), drawn=(0, 1, 3))


def toolbox(found: list[ToolboxShare], network: Network, fewer_than: int) -> Table:
    """The toolbox by theme: practices published, members trying them, reports that they worked."""
    counts = [(t.published, t.tried_by, t.worked_for) for t in found]
    values = _columns(counts, fewer_than)
    labels = [_label("theme", t.theme, network) for t in found]
    return Table("toolbox", plain(N_("The toolbox by theme")), plain(N_("Theme")),
                 (plain(N_("Practices published")), plain(N_("Members trying them")),
                  plain(N_("Worked for others"))),
                 tuple(Row(label, label, v) for label, v in zip(labels, values, strict=True)), drawn=(0, 1, 2))


def to_csv(table: Table) -> bytes:
    """The table as a CSV file: UTF-8 with a byte order mark (so that spreadsheets read every script), a header
    row, dates as ISO 8601, and the rule's words ("fewer than 3") in each cell it hides."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([table.heading, *table.columns])
    for row in table.rows:
        writer.writerow([row.key, *row.values])
    return out.getvalue().encode("utf-8-sig")


def described(table: Table, number: Callable[[int], str], limit: int = 8) -> list[str]:
    """The table in words, a line per row (the charts' text alternative): "Detention: made 12, done 5"."""
    lines = []
    for row in table.rows[:limit]:
        cells = [plain(N_("{name} {count}")).format(name=name, count=v if isinstance(v, str) else number(v))
                 for name, v in zip(table.columns, row.values, strict=True)]
        lines.append(plain(N_("{label}: {cells}")).format(label=row.label, cells=plain(N_(", ")).join(cells)))
    return lines
