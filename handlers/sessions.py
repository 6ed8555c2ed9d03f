"""Sessions and the agenda: organisers make and change sessions; members see the agenda, follow sessions or
themes, get a reminder before a session starts, hear when it moves or is cancelled, and are asked afterwards.

Organisers: /newsession and /editsession fill a draft (title, start, end, time zone, venue or call link,
moderator, speakers, description, themes) question by question or from named parts
(`/newsession Opening start:10 December 9:30 end:11:00 zone:Geneva`), shown as a summary with a button per field;
nothing is stored before Create (or Save). /cancelsession asks first. `solidarity-bot agenda import FILE` does the
same from a .toml or .ics file (see handlers.agenda_files).

Members: /agenda lists sessions still to come in their own time zone with Follow buttons (and as an .ics file),
/next the next one, /session N one in full; /subscribe and /unsubscribe take a number or `theme:…`;
/subscriptions lists what they follow and sets how long before a session they are reminded.

What falls due is in the schedule, one row per subscriber (see storage.sessions): the reminder goes at the time
the member chose, whatever their quiet hours (they asked for it); the question after the session waits for the
end of their quiet hours. A change of time or place, or a cancellation, is told to the subscribers at once, in
the transaction that makes the change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup

from handlers import profile, when
from handlers.agenda_files import (MAX_DAYS, MAX_DESCRIPTION, MAX_LINK, MAX_PERSON, MAX_SPEAKERS, MAX_THEMES,
                                   MAX_TITLE, MAX_VENUE, Draft, link_problem, to_ics, whole_minute)
from handlers.arguments import first_word, keyword_args, number
from handlers.commitments import start_from_session
from handlers.core import Context, Fire, Role, Router, Services
from handlers.data_rights import iso
from handlers.events import Attachment, Button, Outgoing, Reply
from handlers.i18n import N_, _, _n, current_language, join_lines, language, pick_language, plain
from handlers.quiet import zone_info
from handlers.sanitise import clean_line
from handlers.timezones import exact_timezone, find_timezones
from storage.conversations import Conversation
from storage.members import Member
from storage.schedule import DueItem
from storage.sessions import FOLLOWUP, REMINDER, Session, SessionRepository, new_uid

router = Router("sessions")

FLOW = "session"
REQUIRED = ("title", "start", "end")
FIELDS = ("title", "start", "end", "zone", "venue", "link", "moderator", "speakers", "description", "themes")
OPTIONAL = ("venue", "link", "moderator", "speakers", "description", "themes")
AGENDA_PAGE = 8  # sessions per page of /agenda: two Follow buttons a row, four rows, and a row for the rest
LEADS = (5, 15, 30, 60)  # reminder leads offered as buttons (any 1-1440 may be typed)
MAX_LEAD = 1440
_CLOCK = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))$", re.IGNORECASE)
_DURATION = re.compile(r"^(?:for\s+)?(?:(\d{1,3})\s*(?:h|hr|hrs|hours?))?\s*(?:(\d{1,4})\s*(m|min|mins|minutes?)?)?$",
                       re.IGNORECASE)

FIELD_LABELS = {"title": N_("Title"), "start": N_("Start"), "end": N_("End"), "zone": N_("Time zone"),
                "venue": N_("Venue"), "link": N_("Call link"), "moderator": N_("Moderator"),
                "speakers": N_("Speakers"), "description": N_("Description"), "themes": N_("Themes")}
FIELD_LIMITS = {"title": MAX_TITLE, "venue": MAX_VENUE, "link": MAX_LINK, "moderator": MAX_PERSON,
                "speakers": MAX_SPEAKERS, "description": MAX_DESCRIPTION}


# --- showing sessions ----------------------------------------------------------------------------------------


def _offset(local: datetime) -> str:
    seconds = int(local.utcoffset().total_seconds())  # type: ignore[union-attr]
    hours, rest = divmod(abs(seconds), 3600)
    return f"UTC{'-' if seconds < 0 else '+'}{hours:02d}:{rest // 60:02d}"


def span(starts_at: int, ends_at: int, zone: str) -> str:
    """'Thursday 10 December 2026, 09:30–11:00 (Europe/Zurich, UTC+01:00)' in the current language."""
    tz = zone_info(zone)
    start, end = datetime.fromtimestamp(starts_at, tz), datetime.fromtimestamp(ends_at, tz)
    day = when.describe_day(starts_at, zone, locale=current_language())
    if start.date() == end.date():
        return f"{day}, {start:%H:%M}–{end:%H:%M} ({zone}, {_offset(start)})"
    return (f"{when.describe_moment(starts_at, zone, locale=current_language())} – "
            f"{when.describe_moment(ends_at, zone, locale=current_language())}")


def _zone_for(member: Member | None, session_zone: str) -> str:
    return (member.timezone if member is not None else None) or session_zone


def _footer(ctx: Context) -> Markup:
    if ctx.member is not None and ctx.member.timezone:
        return _("<i>Times in your time zone, {zone}.</i>", zone=ctx.member.timezone)
    return _("<i>Times in each session's own time zone; set yours with /timezone.</i>")


def _theme_labels(network, themes) -> str:
    return ", ".join(c.label for c in (network.theme(t) for t in themes) if c is not None)


def _where(session_or_values: Any) -> Markup | None:
    venue = session_or_values.get("venue") if isinstance(session_or_values, dict) else session_or_values.venue
    link = session_or_values.get("link") if isinstance(session_or_values, dict) else session_or_values.link
    if venue and link:
        return _("<b>Where:</b> {venue} · online: {link}", venue=venue, link=link)
    if venue:
        return _("<b>Where:</b> {venue}", venue=venue)
    if link:
        return _("<b>Where:</b> online: {link}", link=link)
    return None


def describe(ctx_network, session: Session, zone: str, *, full: bool = False, following: bool | None = None
             ) -> Markup:
    """A session as a few lines, its times in `zone`."""
    title = _("<b>#{id} {title}</b>", id=session.id, title=session.title)
    if session.cancelled:
        title = _("{title} — <b>cancelled</b>", title=title)
    lines: list[Any] = [title, _("{span}", span=span(session.starts_at, session.ends_at, zone)), _where(session)]
    if session.zone != zone and full:
        lines.append(_("<i>Held in {zone}: {span}</i>", zone=session.zone,
                       span=span(session.starts_at, session.ends_at, session.zone)))
    extras = []
    if session.moderator:
        extras.append(_("Moderator: {name}", name=session.moderator))
    if session.themes:
        extras.append(_("Themes: {themes}", themes=_theme_labels(ctx_network, session.themes)))
    if extras:
        lines.append(Markup(" · ").join(extras))
    if full and session.speakers:
        lines.append(_("<b>Discussion starters:</b> {names}", names=session.speakers))
    if full and session.description:
        lines.append(_("{text}", text=session.description))
    if following:
        lines.append(_("<i>✓ You follow this session.</i>"))
    return join_lines(*lines)


async def _session_arg(ctx: Context, args: str, usage: str) -> Session | Reply:
    """The session a command names by its number ("3" or "#3"; what follows is left to the command)."""
    typed = first_word(args)[0].removeprefix("#")
    if not typed:
        return Reply(_("Usage: {usage}. Send /agenda to see the sessions and their numbers.", usage=usage))
    session_id = number(typed)
    session = await ctx.repos.sessions.get(session_id) if session_id is not None else None
    if session is None:
        return Reply(_("There is no session #{id}. Send /agenda to see the sessions.",
                       id=clean_line(typed, 20).text[:20]))
    return session


def _sync(ctx_or_services: Any) -> dict[str, int]:
    network = ctx_or_services.network
    return {"default_lead": network.session_reminder_minutes,
            "followup_after": 60 * network.session_follow_up_minutes}


# --- /agenda, /next, /session --------------------------------------------------------------------------------


@router.command("agenda", Role.MEMBER, N_("the sessions to come, in your time zone, to follow"),
                usage=N_("/agenda [mine] [ics] [theme:…]"), order=30)
async def agenda_command(ctx: Context, args: str) -> Reply:
    """The upcoming sessions with Follow buttons; `ics` sends them as a calendar file, `mine` only followed ones."""
    text, named = keyword_args(args, ("theme",))
    words = {w.casefold().lstrip(".") for w in text.split()}
    unknown = words - {"mine", "ics", "calendar", "file"}
    if unknown:
        return Reply(_("I don't understand “{text}”. Use /agenda, /agenda mine (the sessions you follow), /agenda "
                       "ics (as a calendar file) and theme:… to narrow it down.", text=text[:64]))
    theme = None
    if "theme" in named:
        theme = ctx.network.match("theme", named["theme"][:100])
        if theme is None:
            return Reply(_("The network has no theme “{theme}”. Its themes: {themes}.", theme=named["theme"][:64],
                           themes=", ".join(c.label for c in ctx.network.themes)))
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
            follow = await ctx.button(str(_("Follow this theme")), "session.theme", {"t": theme, "on": 1})
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
        lines += ["", describe(ctx.network, session, _zone_for(ctx.member, session.zone), following=following)]
        if following:
            buttons.append(await ctx.button(str(_("Unfollow #{id}", id=session.id)), "session.follow",
                                            {"s": session.id, "on": 0}))
        else:
            buttons.append(await ctx.button(str(_("Follow #{id}", id=session.id)), "session.follow",
                                            {"s": session.id, "on": 1}))
    rows: list[tuple[Button, ...]] = [tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2)]
    last: list[Button] = []
    payload = {"t": theme or "", "m": int(mine)}
    if page > 0:
        last.append(await ctx.button(str(_("‹ Earlier")), "session.page", {**payload, "p": page - 1}))
    if len(found) > AGENDA_PAGE:
        last.append(await ctx.button(str(_("Later ›")), "session.page", {**payload, "p": page + 1}))
    last.append(await ctx.button(str(_("Calendar file (.ics)")), "session.ics", payload))
    if label:
        last.append(await ctx.button(str(_("Follow this theme")), "session.theme", {"t": theme, "on": 1}))
    rows.append(tuple(last))
    lines += ["", _footer(ctx), _("<i>/session and a number shows one in full.</i>")]
    return Reply(join_lines(*lines), buttons=tuple(rows), edit=edit)


@router.action("session.page")
async def page_pressed(ctx: Context, payload: dict) -> Reply:
    """Earlier or later sessions."""
    try:
        page = max(0, int(payload.get("p", 0)))
    except (TypeError, ValueError):
        page = 0
    theme = str(payload.get("t") or "") or None
    return await _agenda(ctx, page, theme if theme and ctx.network.theme(theme) else None, bool(payload.get("m")),
                         edit=True)


async def _calendar(ctx: Context, theme: str | None, mine: bool) -> Reply:
    sessions = await ctx.repos.sessions.upcoming(ctx.now, theme=theme, include_cancelled=True,
                                                 member_id=ctx.member_id if mine else None, limit=500)
    if not sessions:
        return Reply(_("There is no session to come to put in a calendar file."))
    content = to_ics(sessions, ctx.network, now=ctx.now)
    return Reply(_("The agenda as a calendar file: open it, or import it into your calendar. Importing it again "
                   "later updates the sessions that changed."),
                 attachment=Attachment("agenda.ics", content, "text/calendar"))


@router.action("session.ics")
async def ics_pressed(ctx: Context, payload: dict) -> Reply:
    """The agenda shown, as an .ics file."""
    theme = str(payload.get("t") or "") or None
    return await _calendar(ctx, theme if theme and ctx.network.theme(theme) else None, bool(payload.get("m")))


@router.command("next", Role.MEMBER, N_("the next session"), order=31)
async def next_command(ctx: Context, args: str) -> Reply:
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
        lines.append(describe(ctx.network, session, _zone_for(ctx.member, session.zone), full=True,
                              following=following))
        row: list[Button] = []
        if not session.cancelled and session.ends_at > ctx.now:
            row.append(await ctx.button(str(_("Unfollow #{id}", id=session.id) if following else
                                            _("Follow #{id}", id=session.id)), "session.follow",
                                        {"s": session.id, "on": 0 if following else 1, "full": 1}))
        if ctx.role >= Role.ORGANISER and session.ends_at > ctx.now:
            row.append(await ctx.button(str(_("Edit #{id}", id=session.id)), "session.edit", {"s": session.id}))
            if not session.cancelled:
                row.append(await ctx.button(str(_("Cancel #{id}", id=session.id)), "session.cancel_ask",
                                            {"s": session.id}))
        if row:
            rows.append(tuple(row))
    lines += ["", _footer(ctx)]
    return Reply(join_lines(*lines), buttons=tuple(rows), edit=edit)


@router.command("session", Role.MEMBER, N_("one session in full"), usage=N_("/session <number>"), order=32)
async def session_command(ctx: Context, args: str) -> Reply:
    session = await _session_arg(ctx, args, "/session <number>")
    if isinstance(session, Reply):
        return session
    return await _show(ctx, [session])


# --- following -------------------------------------------------------------------------------------------------


def _lead_of(ctx: Context, own: int | None) -> int:
    return own if own is not None else ctx.network.session_reminder_minutes


async def _follow(ctx: Context, session: Session) -> Markup:
    """Subscribe the member; what to tell them."""
    if session.cancelled:
        return _("Session #{id} was cancelled.", id=session.id)
    if session.ends_at <= ctx.now:
        return _("Session #{id} is already over.", id=session.id)
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
                  span=span(session.starts_at, session.ends_at, _zone_for(ctx.member, session.zone)))
    else:
        tail = _("It is under way now.")
    return join_lines(head, tail)


async def _unfollow(ctx: Context, session: Session) -> Markup:
    if not await ctx.repos.sessions.is_subscribed(session.id, ctx.member_id):
        return _("You do not follow session #{id}.", id=session.id)
    await ctx.repos.sessions.unsubscribe(session.id, ctx.member_id, ctx.now, **_sync(ctx))
    return _("You no longer follow session #{id}, “{title}”. No reminder or notice about it will come.",
             id=session.id, title=session.title)


async def _pressed_session(ctx: Context, payload: dict) -> Session | None:
    """The session a button is about (None when it no longer exists)."""
    try:
        return await ctx.repos.sessions.get(int(payload.get("s", 0)))
    except (TypeError, ValueError):
        return None


def _gone() -> Reply:
    return Reply(_("That session no longer exists."), toast=plain(N_("No longer there")), toast_only=True)


@router.action("session.follow")
async def follow_pressed(ctx: Context, payload: dict) -> Reply:
    """Follow or unfollow a session from the agenda."""
    session = await _pressed_session(ctx, payload)
    if session is None:
        return _gone()
    text = await _follow(ctx, session) if payload.get("on") else await _unfollow(ctx, session)
    return Reply(text)


@router.command("subscribe", Role.MEMBER, N_("follow a session, or every session of a theme"),
                usage=N_("/subscribe <number> | theme:…"), order=33)
async def subscribe_command(ctx: Context, args: str) -> Reply:
    return await _subscription_command(ctx, args, on=True)


@router.command("unsubscribe", Role.MEMBER, N_("stop following a session or a theme"),
                usage=N_("/unsubscribe <number> | theme:…"), order=34)
async def unsubscribe_command(ctx: Context, args: str) -> Reply:
    return await _subscription_command(ctx, args, on=False)


async def _subscription_command(ctx: Context, args: str, *, on: bool) -> Reply:
    command = "/subscribe" if on else "/unsubscribe"
    text, named = keyword_args(args, ("theme",))
    if "theme" in named:
        if text:
            return Reply(_("Give either a session number or a theme, not both."))
        theme = ctx.network.match("theme", named["theme"][:100])
        if theme is None:
            return Reply(_("The network has no theme “{theme}”. Its themes: {themes}.", theme=named["theme"][:64],
                           themes=", ".join(c.label for c in ctx.network.themes)))
        return Reply(await _theme(ctx, theme.id, on))
    if not text:
        return Reply(_("Usage: {usage}, e.g. {command} 3, or {command} theme:Detention. Send /agenda to see the "
                       "sessions.", usage=f"{command} <number> | theme:…", command=command))
    session = await _session_arg(ctx, text, f"{command} <number>")
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


@router.action("session.theme")
async def theme_pressed(ctx: Context, payload: dict) -> Reply:
    theme = str(payload.get("t") or "")
    if not ctx.network.theme(theme):
        return Reply(_("That theme is no longer offered."), toast=plain(N_("No longer offered")), toast_only=True)
    return Reply(await _theme(ctx, theme, bool(payload.get("on"))))


@router.command("subscriptions", Role.MEMBER, N_("the sessions and themes you follow, and when you are reminded"),
                usage=N_("/subscriptions [remind:<minutes>]"), order=35)
async def subscriptions_command(ctx: Context, args: str) -> Reply:
    text, named = keyword_args(args, ("remind",))
    if text:
        return Reply(_("Usage: {usage}, e.g. /subscriptions remind:30 to be reminded 30 minutes before a session.",
                       usage="/subscriptions [remind:<minutes>]"))
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
                       span=span(session.starts_at, session.ends_at, _zone_for(ctx.member, session.zone))))
        unfollow.append(await ctx.button(str(_("Unfollow #{id}", id=session.id)), "session.follow",
                                         {"s": session.id, "on": 0}))
    rows += [tuple(unfollow[i:i + 4]) for i in range(0, min(len(unfollow), 8), 4)]
    if themes:
        labels = [c.label for c in (ctx.network.theme(t) for t in themes) if c is not None]
        lines.append(_("<b>Themes:</b> {themes}", themes=", ".join(labels)))
        stop = [await ctx.button(str(_("Stop: {theme}", theme=ctx.network.theme(t).label))[:60], "session.theme",
                                 {"t": t, "on": 0}) for t in themes[:4] if ctx.network.theme(t)]
        if stop:
            rows.append(tuple(stop))
    lines.append(_n("<b>Reminder:</b> {n} minute before a session starts{default}.",
                    "<b>Reminder:</b> {n} minutes before a session starts{default}.", lead,
                    default=_(" (the network's default)") if own is None else ""))
    rows.append(tuple([await ctx.button(str(_("✓ {n} min", n=n) if n == lead else _("{n} min", n=n)),
                                        "session.lead", {"m": n}) for n in LEADS]))
    lines.append(_("<i>Any other number of minutes: /subscriptions remind:45.</i>"))
    return Reply(join_lines(*lines), buttons=tuple(rows[:5]), edit=edit)


@router.action("session.lead")
async def lead_pressed(ctx: Context, payload: dict) -> Reply:
    try:
        minutes = int(payload.get("m", 0))
    except (TypeError, ValueError):
        minutes = 0
    if not 1 <= minutes <= MAX_LEAD:
        return Reply(_("That choice is no longer offered."), toast=plain(N_("No longer offered")), toast_only=True)
    return await _subscriptions(ctx, await _set_lead(ctx, minutes), edit=True)


# --- what falls due ----------------------------------------------------------------------------------------------


async def _load(repos, ids: list[int]) -> dict[int, Session]:
    return await repos.sessions.get_many(ids)


@router.due(REMINDER, load=_load)
async def reminder_due(ctx: Context, item: DueItem) -> Fire | None:
    """A subscriber's reminder before a session starts: at the time they chose, quiet hours or not."""
    session: Session | None = item.subject
    if session is None or session.cancelled or ctx.now >= session.starts_at or ctx.member.blocked:
        return None
    if not await ctx.repos.sessions.is_subscribed(session.id, ctx.member_id):
        return None
    zone = _zone_for(ctx.member, session.zone)
    minutes = max(1, round((session.starts_at - max(ctx.now, item.due_at)) / 60))
    text = join_lines(
        _n("⏰ <b>Starting in {n} minute:</b> {title}", "⏰ <b>Starting in {n} minutes:</b> {title}", minutes,
           title=session.title),
        _("{span}", span=span(session.starts_at, session.ends_at, zone)),
        _where(session),
        _("Moderator: {name}", name=session.moderator) if session.moderator else None,
    )
    return Fire(Reply(text), quiet=False, kind="session_reminder")


@router.due(FOLLOWUP, load=_load)
async def followup_due(ctx: Context, item: DueItem) -> Fire | None:
    """After a session: did you attend, and is there something you will do from it? (after quiet hours)"""
    session: Session | None = item.subject
    # Prepared a little ahead of its moment (the scheduler's look-ahead): what counts is when it goes, which with
    # `follow_up_minutes = 0` is the very end of the session.
    if session is None or session.cancelled or max(ctx.now, item.due_at) < session.ends_at or ctx.member.blocked:
        return None
    if not await ctx.repos.sessions.is_subscribed(session.id, ctx.member_id):
        return None
    if await ctx.repos.sessions.attendance(session.id, ctx.member_id) is not None:
        return None
    yes = await ctx.button(str(_("Yes, I took part")), "session.attended", {"s": session.id, "a": 1},
                           single_use=True)
    no = await ctx.button(str(_("No")), "session.attended", {"s": session.id, "a": 0}, single_use=True)
    text = join_lines(_("<b>Session #{id} is over:</b> {title}", id=session.id, title=session.title),
                      _("Did you take part?"))
    return Fire(Reply(text, buttons=((yes, no),)), quiet=True, kind="session_followup")


@router.action("session.attended")
async def attended_pressed(ctx: Context, payload: dict) -> Reply:
    session = await _pressed_session(ctx, payload)
    if session is None:
        return _gone()
    attended = bool(payload.get("a"))
    await ctx.repos.sessions.record_attendance(session.id, ctx.member_id, attended, ctx.now)
    commit = await ctx.button(str(_("Register a commitment")), "session.commit", {"s": session.id},
                              single_use=True)
    later = await ctx.button(str(_("Not now")), "session.nocommit", {"s": session.id}, single_use=True)
    head = _("Thank you for taking part in {title}.", title=session.title) if attended else \
        _("Thank you for saying so.")
    return Reply(join_lines(
        head,
        _("Is there something you will do as a follow-up to this session? Register it as a commitment and I will "
          "check in with you about it.")), buttons=((commit, later),), edit=True)


@router.action("session.commit")
async def commit_pressed(ctx: Context, payload: dict) -> Reply | list[Reply]:
    """Register a commitment from the session: the /commit questions, with the session named."""
    session = await _pressed_session(ctx, payload)
    if session is None:
        return _gone()
    if not ctx.member.profile_complete:
        return [Reply(_("Let's finish setting up your profile first.")), await profile.resume(ctx)]
    return await start_from_session(ctx, session.id, session.title, themes=session.themes)


@router.action("session.nocommit")
async def nocommit_pressed(ctx: Context, payload: dict) -> Reply:
    return Reply(_("All right. You can register one at any time with /commit."), edit=True)


# --- telling subscribers of a change ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    """What storing a session did."""

    session_id: int
    created: bool
    time_changed: bool = False
    place_changed: bool = False
    other_changed: bool = False
    cancelled: bool = False
    reinstated: bool = False
    told: int = 0

    @property
    def changed(self) -> bool:
        return self.created or self.time_changed or self.place_changed or self.other_changed or self.cancelled \
            or self.reinstated


def _change_text(network, old: Session, new: dict[str, Any], zone: str, *, cancelled: bool, reinstated: bool,
                 time_changed: bool, place_changed: bool) -> Markup:
    title = new.get("title") or old.title
    if cancelled:
        return join_lines(_("❌ <b>Cancelled:</b> #{id} {title}", id=old.id, title=title),
                          _("It was planned for {span}.", span=span(old.starts_at, old.ends_at, zone)))
    lines: list[Any] = [_("🔔 <b>Back on:</b> #{id} {title}", id=old.id, title=title) if reinstated else
                        _("🔔 <b>Session changed:</b> #{id} {title}", id=old.id, title=title)]
    lines.append(_("<b>When:</b> {span}", span=span(new["starts_at"], new["ends_at"], zone)))
    if time_changed and not reinstated:
        lines.append(_("<i>Before: {span}</i>", span=span(old.starts_at, old.ends_at, zone)))
    lines.append(_where(new))
    if place_changed and not reinstated:
        before = _where(old)
        lines.append(_("<i>Before: {where}</i>", where=Markup(str(before).replace("<b>Where:</b> ", "")))
                     if before else _("<i>No place was given before.</i>"))
    lines.append(_("<i>Send /unsubscribe {id} to hear no more about it.</i>", id=old.id))
    return join_lines(*lines)


async def _notices(services: Services, old: Session, values: dict[str, Any], recipients: list[int], *,
                   cancelled: bool, reinstated: bool, time_changed: bool, place_changed: bool) -> list[Outgoing]:
    members = await services.repos.members.get_many(recipients)
    out = []
    for member in members.values():
        if member.blocked:
            continue
        with language(pick_language(member.languages, services.network.default_language)):
            text = _change_text(services.network, old, values, _zone_for(member, old.zone), cancelled=cancelled,
                                reinstated=reinstated, time_changed=time_changed, place_changed=place_changed)
        out.append(Outgoing(member.id, Reply(text), "session_change", None))
    return out


async def save_session(services: Services, values: dict[str, Any], *, session_id: int | None = None,
                       uid: str | None = None, status: str = "scheduled", actor: int | None = None,
                       now: int) -> Saved:
    """Create or update a session (and its themes) and rebuild its subscribers' schedule; subscribers of a
    session still to come are told at once when its time or place changes, or it is cancelled or back on, in
    the same transaction. `values` must already be checked."""
    repos = services.repos
    old = await repos.sessions.get(session_id) if session_id is not None else None
    sync = _sync(services)
    if old is None:
        async with repos.db.transaction() as conn:
            new_id = await SessionRepository.create_in(conn, values, uid=uid or new_uid(), created_by=actor,
                                                       now=now, status=status)
            earliest = await SessionRepository.resync_in(conn, new_id, now=now, **sync)
        if earliest is not None:
            services.scheduled(earliest)
        return Saved(new_id, True)
    time_changed = (old.starts_at, old.ends_at) != (values["starts_at"], values["ends_at"])
    place_changed = (old.venue or None, old.link or None) != (values.get("venue") or None, values.get("link") or None)
    other_changed = any((getattr(old, f) or None) != (values.get(f) or None)
                        for f in ("title", "zone", "moderator", "speakers", "description")) or \
        sorted(old.themes) != sorted(values.get("themes") or [])
    cancelling = status == "cancelled" and not old.cancelled
    reinstated = status == "scheduled" and old.cancelled
    # Followers hear of a change whenever the session was or is still to come: one moved into the past (an agenda
    # imported again without the --on day it was held on) has left their agenda as surely as a cancelled one.
    to_come = old.ends_at > now or (not cancelling and values["ends_at"] > now)
    tell = to_come and (cancelling or reinstated or (not old.cancelled and (time_changed or place_changed)))
    recipients = await repos.sessions.subscribers(old.id) if tell else []
    outgoing = await _notices(services, old, values, recipients, cancelled=cancelling, reinstated=reinstated,
                              time_changed=time_changed, place_changed=place_changed) if recipients else []
    async with repos.db.transaction() as conn:
        await SessionRepository.update_in(conn, old.id, values, now=now, status=status,
                                          bump=time_changed or place_changed or reinstated or cancelling)
        earliest = await SessionRepository.resync_in(conn, old.id, now=now, **sync)
        await services.delivery.deliver_in(conn, outgoing, now)
    if outgoing:
        services.delivery.wake()
    if earliest is not None and not cancelling:
        services.scheduled(earliest)
    return Saved(old.id, False, time_changed, place_changed, other_changed, cancelling, reinstated, len(outgoing))


async def cancel_session(services: Services, session: Session, now: int) -> Saved | None:
    """Cancel a session and tell its subscribers; None if it already was cancelled."""
    if session.cancelled:
        return None
    return await save_session(services, session.values(), session_id=session.id, status="cancelled", now=now)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    told: int = 0
    past: int = 0
    moved_to_past: int = 0  # sessions that were still to come and are over at the time the file gives them


async def import_drafts(services: Services, drafts: list[Draft], now: int) -> ImportResult:
    """Store sessions read from a file: new uids are created, known ones updated (their subscribers told of a
    change of time or place, or a cancellation)."""
    result = ImportResult()
    for draft in drafts:
        existing = await services.repos.sessions.by_uid(draft.uid)
        if draft.values["ends_at"] <= now:
            result.past += 1
            if existing is not None and existing.ends_at > now:
                result.moved_to_past += 1
        saved = await save_session(services, draft.values, session_id=existing.id if existing else None,
                                   uid=draft.uid, status=draft.status, now=now)
        if saved.created:
            result.created += 1
        elif saved.changed:
            result.updated += 1
        else:
            result.unchanged += 1
        result.told += saved.told
    return result


# --- organisers: the draft -------------------------------------------------------------------------------------


def _draft_zone(ctx: Context, values: dict[str, Any]) -> str:
    return values.get("zone") or (ctx.member.timezone if ctx.member else None) or "UTC"


async def _parse_start(ctx: Context, text: str, zone: str) -> int | Markup:
    languages = tuple(dict.fromkeys([*(ctx.member.languages if ctx.member else ()), "en"]))
    moment = await when.parse_moment_async(text, zone, ctx.now, languages=languages)
    shown = text.strip()[:60]
    if isinstance(moment, when.Problem):
        if moment.code == "past":
            return _("“{text}” is in the past: {when}. A session must start later than now.", text=shown,
                     when=when.describe_moment(moment.at, zone, locale=current_language()))
        if moment.code == "too_far":
            return _("“{text}” is too far ahead.", text=shown)
        return _("I could not read “{text}” as a date and time. Try “10 December 9:30” or “2027-05-11 09:30”.",
                 text=shown)
    if not moment.has_time:
        return _("“{text}” has no time of day. Please give one too, e.g. “10 December 9:30”.", text=shown)
    return whole_minute(moment.at)  # “in 2 minutes” would keep the seconds of now


async def _parse_end(ctx: Context, text: str, zone: str, start: int | None) -> int | Markup:
    if start is None:
        return _("Please give the start first.")
    stripped = " ".join(text.split())
    tz = zone_info(zone)
    clock = _CLOCK.match(stripped)
    duration = _DURATION.match(stripped) if stripped and not clock else None
    if clock:
        hour, minute = int(clock.group(1)), int(clock.group(2))
        if hour > 23 or minute > 59:
            return _("“{text}” is not a time of day.", text=stripped[:60])
        local = datetime.fromtimestamp(start, tz).replace(hour=hour, minute=minute, second=0, fold=0)
        end = int(local.timestamp())
    elif duration and (duration.group(1) or duration.group(3)):
        end = start + 3600 * int(duration.group(1) or 0) + 60 * int(duration.group(2) or 0)
    else:
        languages = tuple(dict.fromkeys([*(ctx.member.languages if ctx.member else ()), "en"]))
        moment = await when.parse_moment_async(stripped, zone, start, languages=languages)
        if isinstance(moment, when.Problem):
            if moment.code == "past":
                return _("The end must come after the start ({start}).",
                         start=span(start, start + 60, zone).rsplit("–", 1)[0])
            return _("I could not read “{text}” as an end. Give a time (“11:00”), a length (“90 minutes”, "
                     "“2 hours”) or a date and time.", text=stripped[:60])
        end = whole_minute(moment.at)
    if end <= start:
        return _("The end must come after the start ({start}).",
                 start=span(start, start + 60, zone).rsplit("–", 1)[0])
    if end - start > MAX_DAYS * 86400:
        return _n("A session lasts at most {n} day.", "A session lasts at most {n} days.", MAX_DAYS)
    return end


def _rezone(at: int, old: str, new: str) -> int:
    """The same wall-clock time in another zone."""
    local = datetime.fromtimestamp(at, zone_info(old)).replace(tzinfo=None)
    return int(local.replace(tzinfo=zone_info(new), fold=0).timestamp())


async def apply_field(ctx: Context, values: dict[str, Any], name: str, text: str) -> Markup | None:
    """Put what the organiser typed for one field into the draft; why not, or None when taken."""
    zone = _draft_zone(ctx, values)
    if name == "start":
        at = await _parse_start(ctx, text, zone)
        if isinstance(at, Markup):
            return at
        if values.get("starts_at") is not None and values.get("ends_at") is not None:
            values["ends_at"] = at + (values["ends_at"] - values["starts_at"])  # the same length, moved
        values["starts_at"] = at
        return None
    if name == "end":
        at = await _parse_end(ctx, text, zone, values.get("starts_at"))
        if isinstance(at, Markup):
            return at
        values["ends_at"] = at
        return None
    if name == "zone":
        wanted = " ".join(text.split())[:100]
        found = exact_timezone(wanted)
        if found is None:
            matches = await find_timezones(wanted, limit=1)
            found = matches[0].name if matches else None
        if found is None:
            return _("I don't know the time zone “{text}”. Try a city (“Geneva”) or a zone name "
                     "(“Europe/Zurich”).", text=wanted[:60])
        for key in ("starts_at", "ends_at"):
            if values.get(key) is not None:
                values[key] = _rezone(values[key], zone, found)
        values["zone"] = found
        return None
    if name == "themes":
        chosen: list[str] = []
        for part in re.split(r"[,;\n]", text):
            if not part.strip():
                continue
            choice = ctx.network.match("theme", part.strip()[:100])
            if choice is None:
                return _("The network has no theme “{theme}”. Its themes: {themes}.", theme=part.strip()[:64],
                         themes=", ".join(c.label for c in ctx.network.themes))
            if choice.id not in chosen:
                chosen.append(choice.id)
        if len(chosen) > MAX_THEMES:
            return _n("At most {n} theme, please.", "At most {n} themes, please.", MAX_THEMES)
        values["themes"] = chosen
        return None
    limit = FIELD_LIMITS[name]
    checked = clean_line(text, limit)
    if checked.problem == "empty":
        return _("Please type some text with at least one visible character.")
    if checked.problem == "too_long":
        return _n("That is {n} character; the most for {field} is {max}.",
                  "That is {n} characters; the most for {field} is {max}.", checked.length, max=limit,
                  field=plain(FIELD_LABELS[name]).lower())
    if name == "link" and link_problem(checked.text):
        return _("A call link starts with https:// and has no spaces, e.g. https://meet.example.org/solidarity.")
    values[name] = checked.text
    return None


async def _start_draft(ctx: Context, values: dict[str, Any], session_id: int | None, args: str) -> Reply:
    """Fill the draft from the command's text and ask what is missing, or show the summary."""
    text, named = keyword_args(args, tuple(f for f in FIELDS if f != "title") + ("theme",))
    if "theme" in named:
        named["themes"] = named.pop("theme")
    notes: list[Markup] = []
    if text:
        named = {"title": text, **named}
    for name in ("zone", "title", "start", "end", "venue", "link", "moderator", "speakers", "description",
                 "themes"):
        if name in named:
            problem = await apply_field(ctx, values, name, named[name])
            if problem is not None:
                notes.append(_("{field}: {problem}", field=plain(FIELD_LABELS[name]), problem=problem))
    return await _next(ctx, values, session_id, join_lines(*notes) if notes else None)


def _missing(values: dict[str, Any]) -> str | None:
    if not values.get("title"):
        return "title"
    if values.get("starts_at") is None:
        return "start"
    if values.get("ends_at") is None:
        return "end"
    return None


async def _next(ctx: Context, values: dict[str, Any], session_id: int | None, note: Markup | None = None,
                *, edit: bool = False) -> Reply:
    missing = _missing(values)
    step = f"session.{missing}" if missing else "session.confirm"
    conversation = await ctx.repos.conversations.put(ctx.member_id, FLOW, step,
                                                     {"v": values, "id": session_id}, ctx.now)
    return await _question(ctx, conversation, note=note, edit=edit)


async def _ask_field(ctx: Context, conversation: Conversation, name: str, note: Markup | None = None) -> Reply:
    conversation = await ctx.repos.conversations.put(ctx.member_id, FLOW, "session.field",
                                                     {**conversation.data, "f": name}, ctx.now)
    return await _question(ctx, conversation, note=note)


def _prompt(ctx: Context, name: str, values: dict[str, Any]) -> Markup:
    zone = _draft_zone(ctx, values)
    if name == "title":
        return _n("What is the session called? (at most {n} character)",
                  "What is the session called? (at most {n} characters)", MAX_TITLE)
    if name == "start":
        return _("When does it start? A date and time such as “10 December 9:30”, read in {zone} (change the time "
                 "zone from the summary, or add zone:… to the command).", zone=zone)
    if name == "end":
        return _("When does it end? A time (“11:00”), a length (“90 minutes”) or a date and time, in {zone}.",
                 zone=zone)
    if name == "zone":
        return _("In which time zone is it held? A city (“Geneva”) or a zone name (“Europe/Zurich”). The start and "
                 "end keep their clock times.")
    if name == "themes":
        return _("Which themes? Type them separated by commas. The network's themes: {themes}.",
                 themes=", ".join(c.label for c in ctx.network.themes))
    if name == "link":
        return _("The call link, starting with https://")
    return _n("Type the {field} (at most {n} character).", "Type the {field} (at most {n} characters).",
              FIELD_LIMITS[name], field=plain(FIELD_LABELS[name]).lower())


def summary(ctx: Context, values: dict[str, Any]) -> Markup:
    zone = _draft_zone(ctx, values)
    start, end = values.get("starts_at"), values.get("ends_at")
    own = _zone_for(ctx.member, zone)
    when_text = span(start, end, zone) if start is not None and end is not None else "—"
    return join_lines(
        _("<b>Title:</b> {title}", title=values.get("title") or "—"),
        _("<b>When:</b> {span}", span=when_text),
        _("<i>For you, in {zone}: {span}</i>", zone=own, span=span(start, end, own))
        if own != zone and start is not None and end is not None else None,
        _("<b>Venue:</b> {venue}", venue=values.get("venue") or "—"),
        _("<b>Call link:</b> {link}", link=values.get("link") or "—"),
        _("<b>Moderator:</b> {name}", name=values.get("moderator") or "—"),
        _("<b>Speakers:</b> {names}", names=values.get("speakers") or "—"),
        _("<b>Themes:</b> {themes}", themes=_theme_labels(ctx.network, values.get("themes") or []) or "—"),
        _("<b>Description:</b> {text}", text=values.get("description") or "—"),
    )


async def _question(ctx: Context, conversation: Conversation, *, note: Markup | None = None,
                    edit: bool = False) -> Reply:
    step = conversation.step.removeprefix("session.")
    values = conversation.data.get("v", {})
    session_id = conversation.data.get("id")

    async def btn(label: Any, action: str, *, single_use: bool = False, **payload: Any) -> Button:
        return await ctx.button(str(label), action, {"n": conversation.nonce, "s": step, **payload},
                                single_use=single_use)

    cancel = await btn(_("Cancel"), "session.drop")
    if step in REQUIRED:
        return Reply(join_lines(note, _prompt(ctx, step, values)), buttons=((cancel,),),
                     asks=plain(FIELD_LABELS[step]), edit=edit)
    if step == "field":
        name = conversation.data.get("f", "title")
        row = [await btn(_("Back"), "session.back")]
        if name in OPTIONAL:
            row.insert(0, await btn(_("Clear"), "session.clear"))
        return Reply(join_lines(note, _prompt(ctx, name, values)), buttons=(tuple(row),),
                     asks=plain(FIELD_LABELS[name]), edit=edit)
    heading = _("<b>Session #{id}: save these changes?</b>", id=session_id) if session_id else \
        _("<b>Create this session?</b>")
    fields = [await btn(plain(FIELD_LABELS[f]), "session.set", f=f) for f in FIELDS]
    rows = [tuple(fields[i:i + 4]) for i in range(0, len(fields), 4)]
    done = await btn(_("Save") if session_id else _("Create"), "session.save", single_use=True)
    rows.append((done, cancel))
    hint = _("<i>Tap a field to change it.</i>")
    return Reply(join_lines(note, heading, summary(ctx, values), hint), buttons=tuple(rows), edit=edit)


async def _current(ctx: Context, payload: dict) -> Conversation | None:
    conversation = await ctx.conversation()
    if conversation is None or conversation.flow != FLOW or conversation.nonce != payload.get("n"):
        return None
    if conversation.step.removeprefix("session.") != payload.get("s"):
        return None
    return conversation


def _stale() -> Reply:
    return Reply(_("That question has already been answered or was cancelled."),
                 toast=plain(N_("Already answered")), toast_only=True)


@router.command("newsession", Role.ORGANISER, N_("add a session to the agenda"),
                usage=N_("/newsession [title] [start:…] [end:…] [zone:…] [venue:…] [link:…] [moderator:…] "
                         "[speakers:…] [themes:…] [description:…]"), order=60)
async def newsession_command(ctx: Context, args: str) -> Reply:
    values: dict[str, Any] = {"zone": (ctx.member.timezone if ctx.member else None) or "UTC", "themes": []}
    return await _start_draft(ctx, values, None, args)


@router.command("editsession", Role.ORGANISER,
                N_("change a session; its subscribers are told of a new time or place"),
                usage=N_("/editsession <number> [start:…] [end:…] [venue:…] …"), order=61)
async def editsession_command(ctx: Context, args: str) -> Reply:
    session = await _session_arg(ctx, args, "/editsession <number> [start:…] [end:…] [venue:…] …")
    if isinstance(session, Reply):
        return session
    return await _edit(ctx, session.id, first_word(args)[1])


async def _edit(ctx: Context, session_id: int, args: str) -> Reply:
    session = await ctx.repos.sessions.get(session_id)
    if session is None:
        return Reply(_("There is no session #{id}. Send /agenda to see the sessions.", id=session_id))
    if session.ends_at <= ctx.now:
        return Reply(_("Session #{id} is already over; it can no longer be changed.", id=session.id))
    note = _("<i>Session #{id} is cancelled; saving it puts it back on, and its subscribers are told.</i>",
             id=session.id) if session.cancelled else None
    reply = await _start_draft(ctx, session.values(), session.id, args)
    return Reply(join_lines(note, reply.text), buttons=reply.buttons, asks=reply.asks) if note else reply


@router.action("session.edit", Role.ORGANISER)
async def edit_pressed(ctx: Context, payload: dict) -> Reply:
    try:
        return await _edit(ctx, int(payload.get("s", 0)), "")
    except (TypeError, ValueError):
        return _stale()


async def _typed(ctx: Context, conversation: Conversation, name: str, text: str) -> Reply:
    values = dict(conversation.data.get("v", {}))
    problem = await apply_field(ctx, values, name, text)
    if problem is not None:
        return await _question(ctx, conversation, note=problem)
    return await _next(ctx, values, conversation.data.get("id"))


@router.text_step(FLOW, "session.title")
async def title_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    return await _typed(ctx, conversation, "title", text)


@router.text_step(FLOW, "session.start")
async def start_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    return await _typed(ctx, conversation, "start", text)


@router.text_step(FLOW, "session.end")
async def end_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    return await _typed(ctx, conversation, "end", text)


@router.text_step(FLOW, "session.field")
async def field_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    name = conversation.data.get("f")
    if name not in FIELDS:
        return await _next(ctx, dict(conversation.data.get("v", {})), conversation.data.get("id"))
    return await _typed(ctx, conversation, name, text)


@router.text_step(FLOW, "session.confirm")
async def confirm_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    return Reply(_("Please tap a field to change it, or Create / Save, or send /cancel to stop."))


@router.action("session.set", Role.ORGANISER)
async def set_pressed(ctx: Context, payload: dict) -> Reply:
    conversation = await _current(ctx, payload)
    if conversation is None or conversation.step != "session.confirm" or payload.get("f") not in FIELDS:
        return _stale()
    return await _ask_field(ctx, conversation, payload["f"])


@router.action("session.clear", Role.ORGANISER)
async def clear_pressed(ctx: Context, payload: dict) -> Reply:
    conversation = await _current(ctx, payload)
    name = conversation.data.get("f") if conversation else None
    if conversation is None or name not in OPTIONAL:
        return _stale()
    values = dict(conversation.data.get("v", {}))
    values[name] = [] if name == "themes" else None
    return await _next(ctx, values, conversation.data.get("id"))


@router.action("session.back", Role.ORGANISER)
async def back_pressed(ctx: Context, payload: dict) -> Reply:
    conversation = await _current(ctx, payload)
    if conversation is None:
        return _stale()
    return await _next(ctx, dict(conversation.data.get("v", {})), conversation.data.get("id"))


@router.action("session.drop", Role.ORGANISER)
async def drop_pressed(ctx: Context, payload: dict) -> Reply:
    if await _current(ctx, payload) is None:
        return _stale()
    await ctx.repos.conversations.clear(ctx.member_id)
    return Reply(_("Cancelled. Nothing was changed."), edit=True)


@router.action("session.save", Role.ORGANISER)
async def save_pressed(ctx: Context, payload: dict) -> Reply:
    """Create or save the session: checked once more against the clock and the session as it is now."""
    conversation = await _current(ctx, payload)
    if conversation is None or conversation.step != "session.confirm":
        return _stale()
    values = dict(conversation.data.get("v", {}))
    session_id = conversation.data.get("id")
    missing = _missing(values)
    if missing:
        return await _next(ctx, values, session_id)
    old = await ctx.repos.sessions.get(int(session_id)) if session_id else None
    if session_id and old is None:
        await ctx.repos.conversations.clear(ctx.member_id)
        return Reply(_("That session no longer exists. Nothing was saved."), edit=True)
    if old is not None and old.ends_at <= ctx.now:
        await ctx.repos.conversations.clear(ctx.member_id)
        return Reply(_("Session #{id} is over in the meantime. Nothing was saved.", id=old.id), edit=True)
    moved = old is None or old.starts_at != values["starts_at"]
    if moved and values["starts_at"] <= ctx.now:
        return await _next(ctx, values, session_id, _("The start, {span}, has passed in the meantime. Please give "
                                                      "another.", span=span(values["starts_at"], values["ends_at"],
                                                                            _draft_zone(ctx, values))))
    if values["ends_at"] <= values["starts_at"]:
        return await _next(ctx, values, session_id, _("The end must come after the start."))
    values.setdefault("themes", [])
    await ctx.repos.conversations.clear(ctx.member_id)
    saved = await save_session(ctx.services, values, session_id=old.id if old else None,
                               actor=ctx.member_id, now=ctx.now)
    if saved.created:
        head = _("<b>Session #{id} is on the agenda.</b> Members see it with /agenda.", id=saved.session_id)
    elif saved.reinstated:
        head = _("<b>Session #{id} is back on.</b>", id=saved.session_id)
    elif saved.changed:
        head = _("<b>Session #{id} is saved.</b>", id=saved.session_id)
    else:
        head = _("Nothing changed in session #{id}.", id=saved.session_id)
    told = _n("{n} subscriber was told of the new time or place.",
              "{n} subscribers were told of the new time or place.", saved.told) if saved.told else None
    return Reply(join_lines(head, summary(ctx, values), told), edit=True)


@router.command("cancelsession", Role.ORGANISER, N_("cancel a session; its subscribers are told"),
                usage=N_("/cancelsession <number>"), order=62)
async def cancelsession_command(ctx: Context, args: str) -> Reply:
    session = await _session_arg(ctx, args, "/cancelsession <number>")
    if isinstance(session, Reply):
        return session
    return await _cancel_question(ctx, session)


async def _cancel_question(ctx: Context, session: Session) -> Reply:
    if session.cancelled:
        return Reply(_("Session #{id} is already cancelled.", id=session.id))
    if session.ends_at <= ctx.now:
        return Reply(_("Session #{id} is already over.", id=session.id))
    count = await ctx.repos.sessions.count_subscribers(session.id)
    yes = await ctx.button(str(_("Yes, cancel it")), "session.cancel", {"s": session.id}, single_use=True)
    no = await ctx.button(str(_("No, keep it")), "session.keep", {"s": session.id}, single_use=True)
    return Reply(join_lines(_("<b>Cancel session #{id}?</b> {title}", id=session.id, title=session.title),
                            _("{span}", span=span(session.starts_at, session.ends_at,
                                                  _zone_for(ctx.member, session.zone))),
                            _n("Its {n} subscriber will be told at once.",
                               "Its {n} subscribers will be told at once.", count)), buttons=((yes, no),))


@router.action("session.cancel_ask", Role.ORGANISER)
async def cancel_asked(ctx: Context, payload: dict) -> Reply:
    try:
        session = await ctx.repos.sessions.get(int(payload.get("s", 0)))
    except (TypeError, ValueError):
        session = None
    if session is None:
        return _stale()
    return await _cancel_question(ctx, session)


@router.action("session.cancel", Role.ORGANISER)
async def cancel_confirmed(ctx: Context, payload: dict) -> Reply:
    try:
        session = await ctx.repos.sessions.get(int(payload.get("s", 0)))
    except (TypeError, ValueError):
        session = None
    if session is None:
        return _stale()
    if session.ends_at <= ctx.now:
        return Reply(_("Session #{id} is already over.", id=session.id), edit=True)
    saved = await cancel_session(ctx.services, session, ctx.now)
    if saved is None:
        return Reply(_("Session #{id} is already cancelled.", id=session.id), edit=True)
    return Reply(join_lines(_("Session #{id} is cancelled.", id=session.id),
                            _n("{n} subscriber was told.", "{n} subscribers were told.", saved.told)), edit=True)


@router.action("session.keep", Role.ORGANISER)
async def keep_pressed(ctx: Context, payload: dict) -> Reply:
    return Reply(_("Kept. Nothing was changed."), edit=True)


# --- data rights -------------------------------------------------------------------------------------------------


@router.export("sessions")
async def _export(ctx: Context, member_id: int) -> dict:
    data = await ctx.repos.sessions.export(member_id)
    for key in ("sessions", "themes", "sessions_you_created"):
        for row in data[key]:
            for stamp in ("subscribed_at", "created_at"):
                if stamp in row:
                    row[stamp] = iso(row[stamp])
    for row in data["attendance"]:
        row["answered_at"] = iso(row["answered_at"])
    return data

