"""/report [month|quarter|year] [theme:…] [region:…]: how the network keeps its word, for organisers. A short
summary (the text alternative of what follows), then a chart a message, each with its figures in words; a button
(or /report csv) sends the same figures as CSV files, one per table.

The figures are read from storage/reports.py, pass the small-numbers rule in figures.py, and are drawn in a worker
thread (asyncio.to_thread), so that the bot goes on answering everyone else while matplotlib draws.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from babel.dates import format_interval
from markupsafe import Markup

from handlers.arguments import Param
from handlers.core import Args, Context, Role, Router
from handlers.events import Attachment, Reply
from handlers.i18n import N_, _, _n, current_language, grouped, join_lines, plain
from handlers.reports import charts, figures, meeting, privacy
from handlers.reports.figures import Table
from handlers.reports.privacy import shown
from storage.reports import MONDAY, WEEK, Scope

router = Router("reports")

# A period: its buckets, and how many whole ones before the current one it covers.
PERIODS = {"month": ("week", 4), "quarter": ("week", 12), "year": ("month", 11)}
DEFAULT_PERIOD = "month"
ROWS_IN_WORDS = 8  # rows of a table described under its chart; the CSV files have them all


@dataclass(frozen=True)
class ReportRef:
    """What a report covered, carried by its "CSV files" button."""

    period: str
    theme: str = ""
    region: str = ""


@dataclass(frozen=True)
class Report:
    """A report's scope, tables and totals, its words already in the organiser's language. The totals are the
    true counts (the summary shows them through the small-numbers rule), never sums of the tables' shown cells."""

    scope: Scope
    bucket: str
    tables: list[Table]
    totals: dict[str, int]


@router.command("report", Role.ORGANISER, N_("charts and figures of how the network keeps its word"),
                usage=N_("/report [month|quarter|year] [theme:…] [region:…] · /report csv · "
                         "/report meeting <session numbers or a date>"), order=63,
                params=(Param("what", N_("month, quarter or year; csv; or meeting and its sessions: meeting 3 4 5"),
                              longest=200),
                        Param("theme", N_("only this theme"), named=True, suggest="theme"),
                        Param("region", N_("only this region"), named=True, suggest="region")))
async def report_command(ctx: Context, args: Args) -> Reply | list[Reply]:
    words = args.values.get("what", args.text).split()
    first = words[0].casefold() if words else ""
    if first == "meeting":
        return await meeting.meeting_report(ctx, words[1:])
    as_csv = first == "csv"
    if as_csv:
        words = words[1:]
    period = words[0].casefold() if words else DEFAULT_PERIOD
    if period not in PERIODS or len(words) > 1:
        return Reply(_("I don't understand “{text}”. Send /report, or /report month, quarter or year, with "
                       "theme:… or region:… to narrow it down; /report csv for the figures as CSV files; "
                       "/report meeting and session numbers for a meeting's outcome.",
                       text=" ".join(words)[:64]))
    found, unknown = ctx.network.named(args.values)
    if unknown is not None:
        kind, typed = unknown
        return Reply(_("The network has no theme “{text}”. /report theme:… takes one of the network's themes.",
                       text=typed) if kind == "theme" else
                     _("The network has no region “{text}”. /report region:… takes one of the network's regions.",
                       text=typed))
    ref = ReportRef(period, found.get("theme", ""), found.get("region", ""))
    return await (csv_files(ctx, ref) if as_csv else charted(ctx, ref))


@router.action("report.csv", payload=ReportRef)
async def csv_pressed(ctx: Context, press: ReportRef) -> list[Reply]:
    return await csv_files(ctx, press)


def hidden_label(ctx: Context) -> str:
    return privacy.hidden_label(ctx.network.report_fewer_than)


def period_scope(ref: ReportRef, now: int) -> tuple[Scope, str]:
    """The scope of a report for `ref` made at `now`: whole weeks or months back from the current one, which is
    counted so far."""
    bucket, back = PERIODS[ref.period]
    if bucket == "week":
        since = now - (now - MONDAY) % WEEK - back * WEEK
    else:
        today = datetime.fromtimestamp(now, UTC)
        months = today.year * 12 + today.month - 1 - back
        since = int(datetime(months // 12, months % 12 + 1, 1, tzinfo=UTC).timestamp())
    return Scope(since, now + 1, ref.theme or None, ref.region or None), bucket


async def build(ctx: Context, ref: ReportRef) -> Report:
    """Read a report's figures and make its tables (no drawing yet)."""
    scope, bucket = period_scope(ref, ctx.now)
    reports, few, network = ctx.repos.reports, ctx.network.report_fewer_than, ctx.network
    moments = await reports.commitments_over_time(scope, bucket, ctx.now)
    tables = [figures.over_time(moments, figures.bucket_starts(scope.since, scope.until, bucket), bucket, few),
              figures.shares("theme", await reports.commitments_by("theme", scope, ctx.now), network, few),
              figures.shares("region", await reports.commitments_by("region", scope, ctx.now), network, few)]
    partnering = [p for p in await reports.partnering(scope)
                  if (scope.theme is None or p.theme == scope.theme) and
                  (scope.region is None or p.region == scope.region)]
    tables.append(figures.partnering(partnering, network, few))
    sessions = await reports.sessions(scope)
    tables.append(figures.sessions(sessions, few))
    tables.append(figures.toolbox(await reports.toolbox(scope), network, few))
    totals = {name: sum(getattr(m, name) for m in moments) for name in ("made", "done", "dropped", "overdue",
                                                                          "stale")}
    totals |= {name: sum(getattr(p, name) for p in partnering) for name in ("searches", "found_nobody",
                                                                              "introduced", "connected")}
    published, worked = await reports.toolbox_totals(scope)
    totals |= {"sessions": len(tables[4].rows), "took_part": sum(s.attended for s in sessions),
               "from_sessions": sum(s.commitments for s in sessions), "published": published, "worked": worked,
               "private": 0 if scope.narrowed else await reports.private_commitments(scope)}
    return Report(scope, bucket, tables, totals)


def _covered(ctx: Context, report: Report) -> Markup:
    first = datetime.fromtimestamp(report.scope.since, UTC)
    last = datetime.fromtimestamp(report.scope.until - 1, UTC)
    span = format_interval(first.date(), last.date(), "yMMMd", locale=current_language())
    parts = [span]
    if report.scope.theme and (theme := ctx.network.theme(report.scope.theme)):
        parts.append(str(_("theme {theme}", theme=theme.label)))
    if report.scope.region and (region := ctx.network.region(report.scope.region)):
        parts.append(str(_("region {region}", region=region.label)))
    return Markup(", ").join(parts)


def summary(ctx: Context, report: Report, *, charts_follow: bool) -> Markup:
    """The report in a few lines, every count through the small-numbers rule: the text alternative of the charts
    that follow."""
    few, hidden = ctx.network.report_fewer_than, hidden_label(ctx)
    total = report.totals

    def count(name: str) -> str:
        value = shown(total[name], few)
        return hidden if value is None else grouped(value)

    lines: list[Markup | str | None] = [
        _("<b>How the network keeps its word</b>: {covered}", covered=_covered(ctx, report)), "",
        _("Commitments made: {made} · done: {done} · dropped: {dropped} · overdue now: {overdue} · stale now: "
          "{stale}", made=count("made"), done=count("done"), dropped=count("dropped"), overdue=count("overdue"),
          stale=count("stale"))]
    if total["private"]:
        lines.append(_("Of those made, {n} are kept to their members (“just me”): counted in these totals, in no "
                       "theme or region.", n=count("private")))
    lines.append(_("Partner searches: {searches} · found nobody: {nobody} · introductions accepted: {introduced} · "
                   "did connect: {connected}", searches=count("searches"), nobody=count("found_nobody"),
                   introduced=count("introduced"), connected=count("connected")))
    lines.append(_("Sessions: {sessions} · took part: {took_part} · commitments made from them: {commitments}",
                   sessions=grouped(total["sessions"]), took_part=count("took_part"),
                   commitments=count("from_sessions")))
    lines.append(_("Practices published: {published} · reports that one worked for others: {worked}",
                   published=count("published"), worked=count("worked")))
    if few > 1:
        lines += ["", _("<i>A count of fewer than {n} is shown as “{hidden}”, so that no one is singled out, and so "
                        "is a count of what fewer than {n} members did; where one count is hidden, another may be "
                        "“{withheld}” so that it cannot be worked out.</i>", n=few, hidden=hidden,
                        withheld=privacy.labels(few)[privacy.Hidden.WITHHELD])]
    lines += ["", _("<i>Charts follow, each with its figures in words.</i>") if charts_follow else
              _("<i>Nothing happened in this period yet: there is no chart to draw.</i>")]
    if report.scope.region:
        lines.append(_("<i>Sessions have no region: they are counted for the whole network.</i>"))
    return join_lines(*lines)


async def charted(ctx: Context, ref: ReportRef) -> list[Reply]:
    """The summary, then a chart a message (tables with nothing in them are left out)."""
    report = await build(ctx, ref)
    hidden, y_label = hidden_label(ctx), plain(N_("Count"))
    drawn = []
    for table in report.tables:
        if not table.has_figures():
            continue
        png = await asyncio.to_thread(charts.table_chart, table, y_label=y_label, hidden_label=hidden)
        drawn.append(Reply(_in_words(table), attachment=Attachment(f"{table.name}.png", png, "image/png")))
    csv_button = await ctx.button(str(_("CSV files")), "report.csv", ref)
    return [Reply(summary(ctx, report, charts_follow=bool(drawn)), buttons=((csv_button,),)), *drawn]


def _in_words(table: Table) -> Markup:
    lines: list[Markup | str] = [_("<b>{title}</b>", title=table.title),
                                 *figures.described(table, grouped, ROWS_IN_WORDS)]
    if len(table.rows) > ROWS_IN_WORDS:
        more = len(table.rows) - ROWS_IN_WORDS
        lines.append(_n("… and {n} more in the CSV files.", "… and {n} more in the CSV files.", more))
    return join_lines(*lines)


async def csv_files(ctx: Context, ref: ReportRef) -> list[Reply]:
    """The report's tables as CSV files, one a message."""
    report = await build(ctx, ref)
    hidden = hidden_label(ctx)
    replies = [Reply(_("The figures of the report for {covered}, one CSV file a table (UTF-8, dates as "
                       "ISO 8601; a count of fewer than {n} reads “{hidden}”):", covered=_covered(ctx, report),
                       n=ctx.network.report_fewer_than, hidden=hidden) if ctx.network.report_fewer_than > 1 else
                     _("The figures of the report for {covered}, one CSV file a table (UTF-8, dates as "
                       "ISO 8601):", covered=_covered(ctx, report)))]
    for table in report.tables:
        replies.append(Reply(_("<b>{title}</b>", title=table.title),
                             attachment=Attachment(f"{table.name}.csv", figures.to_csv(table), "text/csv")))
    return replies
