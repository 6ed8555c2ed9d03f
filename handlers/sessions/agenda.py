"""/agenda, /next and /session: the sessions to come, one page at a time, and one in full."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from handlers.agenda_files import (
    to_ics,
)
from handlers.arguments import Param
from handlers.core import Args, Context, Role
from handlers.events import Attachment, Button, Reply
from handlers.formatting import labels
from handlers.i18n import N_, _, join_lines, plain
from handlers.sessions.common import (
    AGENDA_PAGE,
    SESSION_NUMBER,
    AgendaView,
    Follow,
    SessionRef,
    ThemeFollow,
    router,
)
from handlers.sessions import feed, questions, signing_up
from handlers.sessions.showing import describe, footer, session_arg, zone_for
from storage.sessions import Session
from storage.signups import GOING, OFFERED, WAITING


@router.command("agenda", Role.MEMBER, N_("the sessions to come, in your time zone, to follow"),
                usage=N_("/agenda [mine] [ics] [feed] [theme:…]"), order=30,
                params=(Param("which", N_("mine: those you follow; ics: a calendar file; feed: a calendar that "
                                          "updates itself")),
                        Param("theme", N_("only sessions on this theme"), named=True, suggest="theme")))
async def agenda_command(ctx: Context, args: Args) -> Reply:
    """The upcoming sessions with Follow buttons; `ics` sends them as a calendar file, `mine` only followed ones."""
    text, named = args.text, args.values
    words = {w.casefold().lstrip(".") for w in text.split()}
    if "feed" in words:
        return await feed.feed_command(ctx, words - {"feed"})
    unknown = words - {"mine", "ics", "calendar", "file"}
    if unknown:
        return Reply(_("I don't understand “{text}”. Use /agenda, /agenda mine (the sessions you follow or are "
                       "going to), /agenda ics (as a calendar file), /agenda feed (a calendar that updates itself) "
                       "and theme:… to narrow it down.", text=text[:64]))
    theme = None
    if "theme" in named:
        theme = ctx.network.match("theme", named["theme"][:100])
        if theme is None:
            return Reply(_("The network has no theme “{theme}”. Its themes: {themes}.", theme=named["theme"][:64],
                           themes=labels(c.label for c in ctx.network.themes)))
    mine = "mine" in words
    if words & {"ics", "calendar", "file"}:
        return await _calendar(ctx, theme.id if theme else None, mine)
    return await _agenda(ctx, 0, theme.id if theme else None, mine)


async def _agenda(ctx: Context, page: int, theme: str | None, mine: bool, *, edit: bool = False) -> Reply:
    repos = ctx.repos
    found = await repos.sessions.upcoming(ctx.now, theme=theme, member_id=ctx.member_id if mine else None,
                                          limit=AGENDA_PAGE + 1, offset=page * AGENDA_PAGE)
    label = ctx.network.theme(theme).label if theme and ctx.network.theme(theme) else None
    if not found and page == 0:
        if mine:
            return Reply(_("You follow no session still to come. Send /agenda to see them all."), edit=edit)
        if label:
            follow = await ctx.button(str(_("Follow this theme")), "session.theme", ThemeFollow(theme, True))
            return Reply(_("No session on {theme} is planned yet. Follow the theme to hear of those to come.",
                           theme=label), buttons=((follow,),), edit=edit)
        return Reply(_("No session is planned yet."), edit=edit)
    shown = found[:AGENDA_PAGE]
    title = _("<b>Sessions you follow</b>") if mine else _("<b>Agenda: {theme}</b>", theme=label) if label else \
        _("<b>Agenda</b>")
    lines: list[Any] = [title]
    buttons: list[Button] = []
    for session in shown:
        following = await repos.sessions.is_subscribed(session.id, ctx.member_id)
        lines += ["", describe(ctx.network, session, zone_for(ctx.member, session.zone), following=following)]
        if following:
            buttons.append(await ctx.button(str(_("Unfollow #{id}", id=session.id)), "session.follow",
                                            Follow(session.id, False)))
        else:
            buttons.append(await ctx.button(str(_("Follow #{id}", id=session.id)), "session.follow",
                                            Follow(session.id, True)))
    rows: list[tuple[Button, ...]] = [tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2)]
    last: list[Button] = []
    if page > 0:
        last.append(await ctx.button(str(_("‹ Earlier")), "session.page", AgendaView(theme, mine, page - 1)))
    if len(found) > AGENDA_PAGE:
        last.append(await ctx.button(str(_("Later ›")), "session.page", AgendaView(theme, mine, page + 1)))
    last.append(await ctx.button(str(_("Calendar file (.ics)")), "session.ics", AgendaView(theme, mine)))
    if label:
        last.append(await ctx.button(str(_("Follow this theme")), "session.theme", ThemeFollow(theme, True)))
    rows.append(tuple(last))
    lines += ["", footer(ctx), _("<i>/session and a number shows one in full.</i>")]
    return Reply(join_lines(*lines), buttons=tuple(rows), edit=edit)


@router.action("session.page", payload=AgendaView)
async def page_pressed(ctx: Context, press: AgendaView) -> Reply:
    """Earlier or later sessions."""
    theme = press.theme if press.theme and ctx.network.theme(press.theme) else None
    return await _agenda(ctx, max(0, press.page), theme, press.mine, edit=True)


async def _calendar(ctx: Context, theme: str | None, mine: bool) -> Reply:
    sessions = await ctx.repos.sessions.upcoming(ctx.now, theme=theme, include_cancelled=True,
                                                 member_id=ctx.member_id if mine else None, limit=500)
    if not sessions:
        return Reply(_("There is no session to come to put in a calendar file."))
    content = to_ics(sessions, ctx.network, now=ctx.now)
    return Reply(_("The agenda as a calendar file: open it, or import it into your calendar. Importing it again "
                   "later updates the sessions that changed."),
                 attachment=Attachment("agenda.ics", content, "text/calendar"))


@router.action("session.ics", payload=AgendaView)
async def ics_pressed(ctx: Context, press: AgendaView) -> Reply:
    """The agenda shown, as an .ics file."""
    return await _calendar(ctx, press.theme if press.theme and ctx.network.theme(press.theme) else None, press.mine)


@router.command("next", Role.MEMBER, N_("the next session"), order=31)
async def next_command(ctx: Context, args: Args) -> Reply:
    """The next session (under way or to come), and the next one the member follows if that is another."""
    found = await ctx.repos.sessions.upcoming(ctx.now, limit=1)
    if not found:
        return Reply(_("No session is planned yet."))
    replies = [found[0]]
    mine = await ctx.repos.sessions.upcoming(ctx.now, member_id=ctx.member_id, limit=1)
    if mine and mine[0].id != found[0].id:
        replies.append(mine[0])
    return await _show(ctx, replies)


async def _show(ctx: Context, sessions: list[Session], *, note: Markup | None = None, edit: bool = False) -> Reply:
    lines: list[Any] = [note]
    rows: list[tuple[Button, ...]] = []
    for n, session in enumerate(sessions):
        following = await ctx.repos.sessions.is_subscribed(session.id, ctx.member_id)
        if n:
            lines += ["", _("<i>The next session you follow:</i>")]
        if session.starts_at <= ctx.now < session.ends_at and not session.cancelled:
            lines.append(_("<i>Under way now.</i>"))
        lines.append(describe(ctx.network, session, zone_for(ctx.member, session.zone), full=True,
                              following=following, with_link=ctx.role >= Role.ORGANISER))
        signup = await ctx.repos.signups.get(session.id, ctx.member_id)
        lines.append(signing_up.standing(ctx, session, signup))
        if ctx.role >= Role.ORGANISER:
            lines.append(signing_up.counts_line(session, await ctx.repos.signups.counts(session.id)))
            if questions.has_questions(session):
                lines.append(questions.answers_line(session, await ctx.repos.signups.going_answers(session.id)))
        row: list[Button] = []
        if not session.cancelled and session.ends_at > ctx.now:
            row.append(await ctx.button(str(_("Unfollow #{id}", id=session.id) if following else
                                            _("Follow #{id}", id=session.id)), "session.follow",
                                        Follow(session.id, not following)))
            going = signup is not None and signup.status in (GOING, WAITING, OFFERED)
            row.append(await ctx.button(str(_("Not going to #{id}", id=session.id) if going else
                                            _("Going to #{id}", id=session.id)), "session.rsvp",
                                        signing_up.Rsvp(session.id, not going)))
        if ctx.role >= Role.ORGANISER and session.ends_at > ctx.now:
            row.append(await ctx.button(str(_("Edit #{id}", id=session.id)), "session.edit", SessionRef(session.id)))
            if not session.cancelled:
                row.append(await ctx.button(str(_("Cancel #{id}", id=session.id)), "session.cancel_ask",
                                            SessionRef(session.id)))
        if row:
            rows.append(tuple(row))
    lines += ["", footer(ctx)]
    return Reply(join_lines(*lines), buttons=tuple(rows), edit=edit)


@router.command("session", Role.MEMBER, N_("one session in full"), usage=N_("/session <number>"), order=32,
                params=(SESSION_NUMBER,))
async def session_command(ctx: Context, args: Args) -> Reply:
    session = await session_arg(ctx, args.text, plain("/session <number>"))
    if isinstance(session, Reply):
        return session
    return await _show(ctx, [session])
