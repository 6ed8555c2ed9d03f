"""Following sessions and themes: /subscribe, /unsubscribe, /subscriptions and the reminder lead."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from markupsafe import Markup

from handlers.arguments import Param, number
from handlers.core import Args, Context, Role
from handlers.events import Button, Reply
from handlers.formatting import labels
from handlers.i18n import N_, _, _n, join_lines, plain
from handlers.sessions.common import (
    LEADS,
    MAX_LEAD,
    SESSION_NUMBER,
    Follow,
    Lead,
    ThemeFollow,
    router,
)
from handlers.sessions.showing import _sync, session_arg, span, zone_for
from storage.sessions import Session


def _lead_of(ctx: Context, own: int | None) -> int:
    return own if own is not None else ctx.network.session_reminder_minutes


def closed(ctx: Context, session: Session) -> Markup | None:
    """Why nobody can follow or sign up for this session any more, or None."""
    if session.cancelled:
        return _("Session #{id} was cancelled.", id=session.id)
    if session.ends_at <= ctx.now:
        return _("Session #{id} is already over.", id=session.id)
    return None


async def load_sessions(repos, ids: list[int]) -> dict[int, Session]:
    """The sessions due rows are about (`Router.due`'s loader)."""
    return await repos.sessions.get_many(ids)


async def _follow(ctx: Context, session: Session) -> Markup:
    """Subscribe the member; what to tell them."""
    if (reason := closed(ctx, session)) is not None:
        return reason
    already = await ctx.repos.sessions.is_subscribed(session.id, ctx.member_id)
    earliest = await ctx.repos.sessions.subscribe(session.id, ctx.member_id, ctx.now, **_sync(ctx))
    if earliest is not None:
        ctx.services.scheduled(earliest)
    lead = _lead_of(ctx, await ctx.repos.sessions.lead(ctx.member_id))
    head = _("You already follow session #{id}, “{title}”.", id=session.id, title=session.title) if already \
        else _("You follow session #{id}, “{title}”.", id=session.id, title=session.title)
    if session.starts_at - 60 * lead > ctx.now:
        tail = _n("I will remind you {n} minute before it starts, and tell you if it moves or is cancelled.",
                  "I will remind you {n} minutes before it starts, and tell you if it moves or is cancelled.", lead)
    elif session.starts_at > ctx.now:
        tail = _n("It starts in less than {n} minute, at {span}. I will tell you if it moves or is cancelled.",
                  "It starts in less than {n} minutes, at {span}. I will tell you if it moves or is cancelled.", lead,
                  span=span(session.starts_at, session.ends_at, zone_for(ctx.member, session.zone)))
    else:
        tail = _("It is under way now.")
    return join_lines(head, tail)


async def _unfollow(ctx: Context, session: Session) -> Markup:
    if not await ctx.repos.sessions.is_subscribed(session.id, ctx.member_id):
        return _("You do not follow session #{id}.", id=session.id)
    await ctx.repos.sessions.unsubscribe(session.id, ctx.member_id, ctx.now, **_sync(ctx))
    return _("You no longer follow session #{id}, “{title}”. No reminder or notice about it will come.",
             id=session.id, title=session.title)


def gone() -> Reply:
    return Reply(_("That session no longer exists."), toast=plain(N_("No longer there")), toast_only=True)


@router.action("session.follow", payload=Follow)
async def follow_pressed(ctx: Context, press: Follow) -> Reply:
    """Follow or unfollow a session from the agenda."""
    session = await ctx.repos.sessions.get(press.session)
    if session is None:
        return gone()
    text = await _follow(ctx, session) if press.on else await _unfollow(ctx, session)
    return Reply(text)


@router.command("subscribe", Role.MEMBER, N_("follow a session, or every session of a theme"),
                usage=N_("/subscribe <number> | theme:…"), order=33,
                params=(replace(SESSION_NUMBER, required=False),
                        Param("theme", N_("or: every session on this theme"), named=True, suggest="theme")))
async def subscribe_command(ctx: Context, args: Args) -> Reply:
    return await _subscription_command(ctx, args, on=True)


@router.command("unsubscribe", Role.MEMBER, N_("stop following a session or a theme"),
                usage=N_("/unsubscribe <number> | theme:…"), order=34,
                params=(replace(SESSION_NUMBER, required=False),
                        Param("theme", N_("or: this theme"), named=True, suggest="theme")))
async def unsubscribe_command(ctx: Context, args: Args) -> Reply:
    return await _subscription_command(ctx, args, on=False)


async def _subscription_command(ctx: Context, args: Args, *, on: bool) -> Reply:
    command = "/subscribe" if on else "/unsubscribe"
    usage = plain("/subscribe <number> | theme:…") if on else plain("/unsubscribe <number> | theme:…")
    text, named = args.text, args.values
    if "theme" in named:
        if text:
            return Reply(_("Give either a session number or a theme, not both."))
        theme = ctx.network.match("theme", named["theme"][:100])
        if theme is None:
            return Reply(_("The network has no theme “{theme}”. Its themes: {themes}.", theme=named["theme"][:64],
                           themes=labels(c.label for c in ctx.network.themes)))
        return Reply(await _theme(ctx, theme.id, on))
    if not text:
        return Reply(_("Usage: {usage}, e.g. {command} 3, or {command} theme:Detention. Send /agenda to see the "
                       "sessions.", usage=usage, command=command))
    session = await session_arg(ctx, text, usage)
    if isinstance(session, Reply):
        return session
    return Reply(await _follow(ctx, session) if on else await _unfollow(ctx, session))


async def _theme(ctx: Context, theme: str, on: bool) -> Markup:
    label = ctx.network.theme(theme).label
    if on:
        new, earliest = await ctx.repos.sessions.subscribe_theme(ctx.member_id, theme, ctx.now, **_sync(ctx))
        if earliest is not None:
            ctx.services.scheduled(earliest)
        count = await ctx.repos.sessions.count_upcoming(ctx.now, theme=theme)
        head = _("You follow every session on {theme}.", theme=label) if new else \
            _("You already follow every session on {theme}.", theme=label)
        return join_lines(head, _n("{n} session planned so far. You will be reminded before each, also those "
                                   "added later, and told if one moves or is cancelled.",
                                   "{n} sessions planned so far. You will be reminded before each, also those "
                                   "added later, and told if one moves or is cancelled.", count))
    if not await ctx.repos.sessions.unsubscribe_theme(ctx.member_id, theme, ctx.now, **_sync(ctx)):
        return _("You do not follow the theme {theme}.", theme=label)
    return _("You no longer follow the theme {theme}. Sessions you followed one by one stay followed.", theme=label)


@router.action("session.theme", payload=ThemeFollow)
async def theme_pressed(ctx: Context, press: ThemeFollow) -> Reply:
    theme = press.theme
    if not ctx.network.theme(theme):
        return Reply(_("That theme is no longer offered."), toast=plain(N_("No longer offered")), toast_only=True)
    return Reply(await _theme(ctx, theme, press.on))


@router.command("subscriptions", Role.MEMBER, N_("the sessions and themes you follow, and when you are reminded"),
                usage=N_("/subscriptions [remind:<minutes>]"), order=35,
                params=(Param("remind", N_("minutes before a session to remind you (default {default})"), number=True,
                              named=True, low=1, high=MAX_LEAD, default="session_reminder_minutes"),))
async def subscriptions_command(ctx: Context, args: Args) -> Reply:
    text, named = args.text, args.values
    if text:
        return Reply(_("Usage: {usage}, e.g. /subscriptions remind:30 to be reminded 30 minutes before a session.",
                       usage=plain("/subscriptions [remind:<minutes>]")))
    note = None
    if "remind" in named:
        value = named["remind"].strip().lower().removesuffix("minutes").removesuffix("min").strip()
        if value in ("default", "reset"):
            note = await _set_lead(ctx, None)
        elif (minutes := number(value, high=MAX_LEAD)) is None:
            return Reply(_("How many minutes before a session? A whole number from 1 to {max}, e.g. remind:30.",
                           max=MAX_LEAD))
        else:
            note = await _set_lead(ctx, minutes)
    return await _subscriptions(ctx, note)


async def _set_lead(ctx: Context, minutes: int | None) -> Markup:
    earliest = await ctx.repos.sessions.set_lead(ctx.member_id, minutes, ctx.now, **_sync(ctx))
    if earliest is not None:
        ctx.services.scheduled(earliest)
    return _n("You will be reminded {n} minute before each session you follow.",
              "You will be reminded {n} minutes before each session you follow.", _lead_of(ctx, minutes))


async def _subscriptions(ctx: Context, note: Markup | None = None, *, edit: bool = False) -> Reply:
    repos = ctx.repos
    sessions = await repos.sessions.upcoming(ctx.now, member_id=ctx.member_id, limit=20)
    themes = await repos.sessions.themes_of(ctx.member_id)
    own = await repos.sessions.lead(ctx.member_id)
    lead = _lead_of(ctx, own)
    lines: list[Any] = [note, _("<b>What you follow</b>")]
    rows: list[tuple[Button, ...]] = []
    if not sessions and not themes:
        lines.append(_("Nothing yet. Send /agenda to follow sessions, or /subscribe theme:… for a whole theme."))
    unfollow: list[Button] = []
    for session in sessions:
        lines.append(_("#{id} {title} — {span}", id=session.id, title=session.title,
                       span=span(session.starts_at, session.ends_at, zone_for(ctx.member, session.zone))))
        unfollow.append(await ctx.button(str(_("Unfollow #{id}", id=session.id)), "session.follow",
                                         Follow(session.id, False)))
    rows += [tuple(unfollow[i:i + 4]) for i in range(0, min(len(unfollow), 8), 4)]
    if themes:
        theme_labels = [c.label for c in (ctx.network.theme(t) for t in themes) if c is not None]
        lines.append(_("<b>Themes:</b> {themes}", themes=labels(theme_labels)))
        stop = [await ctx.button(str(_("Stop: {theme}", theme=ctx.network.theme(t).label))[:60], "session.theme",
                                 ThemeFollow(t, False)) for t in themes[:4] if ctx.network.theme(t)]
        if stop:
            rows.append(tuple(stop))
    lines.append(_n("<b>Reminder:</b> {n} minute before a session starts{default}.",
                    "<b>Reminder:</b> {n} minutes before a session starts{default}.", lead,
                    default=_(" (the network's default)") if own is None else ""))
    rows.append(tuple([await ctx.button(str(_("✓ {n} min", n=n) if n == lead else _("{n} min", n=n)),
                                        "session.lead", Lead(n)) for n in LEADS]))
    lines.append(_("<i>Any other number of minutes: /subscriptions remind:45.</i>"))
    return Reply(join_lines(*lines), buttons=tuple(rows[:5]), edit=edit)


@router.action("session.lead", payload=Lead)
async def lead_pressed(ctx: Context, press: Lead) -> Reply:
    minutes = press.minutes
    if not 1 <= minutes <= MAX_LEAD:
        return Reply(_("That choice is no longer offered."), toast=plain(N_("No longer offered")), toast_only=True)
    return await _subscriptions(ctx, await _set_lead(ctx, minutes), edit=True)
