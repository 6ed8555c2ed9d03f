"""/report meeting <session numbers or a date>: one meeting's outcome as one HTML document, for people outside the
network (co-facilitators, funders, the next meeting's hosts).

HTML, not PDF: any phone or browser opens it without an extra program, its text can be read aloud by a screen
reader, translated by the browser, copied and printed to PDF; the reader's own fonts set Arabic right to left and
Chinese, which a PDF would have to embed. It is one self-contained file (its charts are inside it) written with
Jinja2, which escapes every piece of text the network's people typed.

It names nobody: no member, moderator or speaker, only sessions by their titles. Every count passes the
small-numbers rule; what participants asked future meetings to address is counted by theme, and quoted, without a
name, only where they were told it may be and only on themes at least as many people raised as the rule asks.
"""

from __future__ import annotations

import asyncio
import base64
import functools
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from importlib import resources

from babel.dates import format_datetime, format_interval
from jinja2 import Environment, Template, select_autoescape

from handlers.arguments import number
from handlers.core import Context
from handlers.events import Attachment, Reply
from handlers.i18n import (
    N_,
    _,
    _n,
    current_language,
    is_rtl,
    join_lines,
    plain,
    plain_n,
)
from handlers.localtime import to_utc, zone
from handlers.reports import charts, figures, privacy
from handlers.reports.figures import Row, Table
from handlers.reports.privacy import hide_small, shown
from handlers.sessions.showing import span
from storage.sessions import Session

MAX_SESSIONS = 50
_TEMPLATES = Environment(autoescape=select_autoescape(default=True, default_for_string=True), trim_blocks=True,
                         lstrip_blocks=True, keep_trailing_newline=True)


@functools.cache
def _template() -> Template:
    """The document's template, read and compiled once."""
    return _TEMPLATES.from_string(resources.files("handlers.reports").joinpath("meeting.html").read_text(
        encoding="utf-8"))


def _usage() -> Reply:
    return Reply(_("Which sessions made the meeting? Send /report meeting and their numbers (3 4 5, or 3-5), or "
                   "the day it was held: /report meeting 2027-03-12. /agenda lists the sessions."))


async def meeting_report(ctx: Context, words: list[str]) -> Reply | list[Reply]:
    if not words:
        return _usage()
    sessions: dict[int, Session] = {}
    zone_name = ctx.member.timezone if ctx.member is not None and ctx.member.timezone else "UTC"
    for word in words:
        found = await _sessions_for(ctx, word.removeprefix("#"), zone_name)
        if found is None:
            return Reply(_("I don't understand “{text}”: give session numbers (3 4 5, or 3-5) or a day "
                           "(2027-03-12).", text=word[:32]))
        if isinstance(found, str):
            return Reply(_("There is no session #{id}. /agenda lists the sessions.", id=found))
        if not found:
            return Reply(_("No session was held on {day}.", day=word[:10]))
        sessions.update((s.id, s) for s in found)
        if len(sessions) > MAX_SESSIONS:
            return Reply(_("A meeting report covers at most {n} sessions.", n=MAX_SESSIONS))
    chosen = sorted(sessions.values(), key=lambda s: (s.starts_at, s.id))
    document = await _document(ctx, chosen)
    first_day = datetime.fromtimestamp(chosen[0].starts_at, UTC).date().isoformat()
    few = ctx.network.report_fewer_than
    return [Reply(join_lines(
        _n("The outcome of the meeting, {n} session, as one HTML document: it opens in any browser, and prints to "
           "PDF from there.", "The outcome of the meeting, {n} sessions, as one HTML document: it opens in any "
           "browser, and prints to PDF from there.", len(chosen)),
        _("<i>It names nobody, and shows a count of fewer than {n} as “{hidden}”. Read it before you pass it "
          "on.</i>", n=few, hidden=privacy.hidden_label(few)) if few > 1 else
        _("<i>It names nobody. Read it before you pass it on.</i>"))),
        Reply(_("<b>Meeting outcome</b>"),
              attachment=Attachment(f"meeting-outcome-{first_day}.html", document.encode("utf-8"), "text/html"))]


async def _sessions_for(ctx: Context, word: str, zone_name: str) -> list[Session] | str | None:
    """The sessions a word names: a number, a range (3-5) or a day in the organiser's time zone. Numbers that
    name no session (or only cancelled ones) come back as the word; words that are none of these as None."""
    first, dash, last = word.partition("-")
    if not dash or (number(first) is not None and number(last) is not None):
        low = number(first)
        high = number(last) if dash else low
        if low is None or high is None or high < low or high - low >= MAX_SESSIONS:
            return None
        found = [s for s in (await ctx.repos.sessions.get_many(list(range(low, high + 1)))).values()
                 if not s.cancelled]
        return found or word
    try:
        day = date.fromisoformat(word)
    except ValueError:
        return None
    start = to_utc(datetime(day.year, day.month, day.day), zone_name)
    end = to_utc(datetime.combine(day + timedelta(days=1), datetime.min.time()), zone_name)
    return await ctx.repos.sessions.starting_between(start, end, MAX_SESSIONS + 1)


async def _document(ctx: Context, sessions: list[Session]) -> str:
    """The meeting's outcome as HTML."""
    reports, network, few = ctx.repos.reports, ctx.network, ctx.network.report_fewer_than
    ids = [s.id for s in sessions]
    hidden = privacy.hidden_label(few)
    session_figures = await reports.meeting_sessions(ids)
    session_table = figures.sessions(session_figures, few)
    by_theme = figures.shares("theme", await reports.meeting_commitments("theme", ids, ctx.now), network, few)
    by_region = figures.shares("region", await reports.meeting_commitments("region", ids, ctx.now), network, few)
    partnerships = figures.partnering(await reports.meeting_partnerships(ids, sessions[0].starts_at), network, few)
    partnerships = Table(partnerships.name, partnerships.title, partnerships.heading, partnerships.columns[2:4],
                         tuple(Row(r.label, r.key, r.values[2:4]) for r in partnerships.rows))
    wishes = await reports.meeting_wishes(ids)
    by_wish_theme = Counter(w.theme for w in wishes)
    themes = sorted(by_wish_theme, key=lambda t: (-by_wish_theme[t], t or ""))
    words_for = privacy.labels(few)
    wish_counts = [words_for[c] if isinstance(c, privacy.Hidden) else c
                   for c in hide_small([by_wish_theme[t] for t in themes], few, total_shown=False)]
    wish_table = Table("wishes", plain(N_("What participants asked future meetings to address")), plain(N_("Theme")),
                       (plain(N_("Answers")),),
                       tuple(Row(_theme(ctx, t), _theme(ctx, t), (c,)) for t, c in zip(themes, wish_counts,
                                                                                          strict=True)))
    quotable_themes = {t for t, c in zip(themes, wish_counts, strict=True) if isinstance(c, int)}
    quotes = [(_theme(ctx, w.theme), w.text) for w in wishes if w.quotable and w.theme in quotable_themes]
    made_total = sum(s.commitments for s in session_figures)
    private = await reports.meeting_private_commitments(ids)
    charts_drawn = []
    for table in (by_theme, by_region):
        if table.has_figures():
            png = await asyncio.to_thread(charts.table_chart, table, y_label=plain(N_("Count")), hidden_label=hidden)
            charts_drawn.append((table.title, "data:image/png;base64," + base64.b64encode(png).decode()))
    practices = await reports.meeting_practices(ids)
    where = current_language()

    def count(n: int) -> str:
        value = shown(n, few)
        return hidden if value is None else str(value)

    first, last = sessions[0].starts_at, sessions[-1].ends_at
    days = format_interval(datetime.fromtimestamp(first, zone(sessions[0].zone)).date(),
                           datetime.fromtimestamp(last, zone(sessions[-1].zone)).date(), "yMMMd", locale=where)
    words = {
        "title": plain(N_("Meeting outcome")),
        "span": days,
        "about": plain_n("What came of the meeting's {n} session: the commitments participants made at or after "
                         "it, the partnerships they formed, the practices they shared, and what they asked future "
                         "meetings to address.",
                         "What came of the meeting's {n} sessions: the commitments participants made at or after "
                         "them, the partnerships they formed, the practices they shared, and what they asked future "
                         "meetings to address.", len(sessions)).format(n=len(sessions)),
        "rule": plain(N_("No one is named. A count of fewer than {n} is shown as “{hidden}”, so that no one can be "
                         "singled out; commitments participants keep to themselves are counted only in the "
                         "total.")).format(n=few, hidden=hidden) if few > 1 else
        plain(N_("No one is named; commitments participants keep to themselves are counted only in the total.")),
        "sessions": plain(N_("Sessions")),
        "when": plain(N_("When")),
        "commitments": plain(N_("Commitments made at or after the sessions")),
        "commitments_total": plain(N_("In all: {made}.")).format(made=count(made_total)),
        "no_commitments": plain(N_("No commitment was registered from these sessions.")),
        "partnerships": plain(N_("Partnerships formed")),
        "partnerships_about": plain(N_("Introductions both sides accepted since the meeting began, where at least "
                                       "one of them followed or attended its sessions.")),
        "no_partnerships": plain(N_("No introduction so far.")),
        "practices": plain(N_("Practices shared")),
        "no_practices": plain(N_("No practice from these sessions has been published yet.")),
        "wishes": plain(N_("What participants asked future meetings to address")),
        "no_wishes": plain(N_("Nobody has answered yet.")),
        "quotes": plain(N_("In their words (quoted without names, on themes that at least {n} raised):"))
        .format(n=few),
        "made_with": plain(N_("Made {when} by the network's organisers.")).format(
            when=format_datetime(datetime.fromtimestamp(ctx.now, UTC), "long", locale=where)),
        "chart": plain(N_("Chart: {title}. Its figures are in the table above.")),
    }
    times = [span(s.starts_at, s.ends_at, s.zone) for s in sessions]
    return _template().render(
        language=where.replace("_", "-"), direction="rtl" if is_rtl() else "ltr", words=words, hidden=hidden,
        session_table=session_table, times=times, by_theme=by_theme, by_region=by_region, private=private > 0,
        partnerships=partnerships, practices=[(p.title, _theme(ctx, p.theme)) for p in practices],
        wish_table=wish_table, quotes=quotes, charts=charts_drawn)


def _theme(ctx: Context, theme: str | None) -> str:
    choice = ctx.network.theme(theme) if theme else None
    return choice.label if choice else plain(N_("No theme"))

