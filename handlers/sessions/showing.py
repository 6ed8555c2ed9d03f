"""Showing a session: its time in the reader's zone, where it happens, and the lines of its card."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from markupsafe import Markup, escape

from handlers import localtime, when
from handlers.arguments import first_word, number
from handlers.core import Context
from handlers.events import Reply
from handlers.formatting import labels
from handlers.i18n import N_, _, current_language, join_lines, plain
from handlers.languages import language_name
from handlers.sanitise import clean_line
from storage.members import Member
from storage.sessions import Session


def _offset(local: datetime) -> str:
    seconds = int(local.utcoffset().total_seconds())  # type: ignore[union-attr]
    hours, rest = divmod(abs(seconds), 3600)
    return f"UTC{'-' if seconds < 0 else '+'}{hours:02d}:{rest // 60:02d}"


def span(starts_at: int, ends_at: int, zone: str) -> str:
    """'Thursday 10 December 2026, 09:30–11:00 (Europe/Zurich, UTC+01:00)' in the current language."""
    start, end = localtime.local(starts_at, zone), localtime.local(ends_at, zone)
    day = when.describe_day(starts_at, zone, locale=current_language())
    if start.date() == end.date():
        return plain(N_("{day}, {start}–{end} ({zone}, {offset})")).format(
            day=day, start=f"{start:%H:%M}", end=f"{end:%H:%M}", zone=zone, offset=_offset(start))
    return (f"{when.describe_moment(starts_at, zone, locale=current_language())} – "
            f"{when.describe_moment(ends_at, zone, locale=current_language())}")


def interpretation_names(codes: str | None) -> str:
    """"French, Arabic" for "fr,ar", in the reader's language."""
    return ", ".join(language_name(code, current_language()) for code in (codes or "").split(",") if code)


def zone_for(member: Member | None, session_zone: str) -> str:
    return (member.timezone if member is not None else None) or session_zone


def footer(ctx: Context) -> Markup:
    if ctx.member is not None and ctx.member.timezone:
        return _("<i>Times in your time zone, {zone}.</i>", zone=ctx.member.timezone)
    return _("<i>Times in each session's own time zone; set yours with /timezone.</i>")


def theme_labels(network, themes) -> str:
    return labels(c.label for c in (network.theme(t) for t in themes) if c is not None)


def place(session_or_values: Any, *, with_link: bool = False) -> Markup | None:
    """Where a session is held: its venue, online, or both; None if neither is known. The call link itself only
    `with_link` (for organisers): members going get it 15 minutes before the start (handlers/sessions/
    signing_up.py), since a link posted openly invites trolls into the meeting."""
    venue = session_or_values.get("venue") if isinstance(session_or_values, dict) else session_or_values.venue
    link = session_or_values.get("link") if isinstance(session_or_values, dict) else session_or_values.link
    if link and with_link:
        return _("{venue} · online: {link}", venue=venue, link=link) if venue else _("online: {link}", link=link)
    if link:
        return _("{venue} · also online (the link goes to those going, 15 minutes before the start)", venue=venue) \
            if venue else _("online (the link goes to those going, 15 minutes before the start)")
    return escape(venue) if venue else None


def _where(session_or_values: Any, *, with_link: bool = False) -> Markup | None:
    found = place(session_or_values, with_link=with_link)
    return _("<b>Where:</b> {place}", place=found) if found is not None else None


def describe(ctx_network, session: Session, zone: str, *, full: bool = False, following: bool | None = None,
             with_link: bool = False) -> Markup:
    """A session as a few lines, its times in `zone` (its call link only `with_link`: see `place`)."""
    title = _("<b>#{id} {title}</b>", id=session.id, title=session.title)
    if session.cancelled:
        title = _("{title} — <b>cancelled</b>", title=title)
    lines: list[Any] = [title, _("{span}", span=span(session.starts_at, session.ends_at, zone)),
                        _where(session, with_link=with_link)]
    if session.zone != zone and full:
        lines.append(_("<i>Held in {zone}: {span}</i>", zone=session.zone,
                       span=span(session.starts_at, session.ends_at, session.zone)))
    extras = []
    if session.moderator:
        extras.append(_("Moderator: {name}", name=session.moderator))
    if session.themes:
        extras.append(_("Themes: {themes}", themes=theme_labels(ctx_network, session.themes)))
    if session.places:
        extras.append(_("Places: {n}", n=session.places))
    if session.interpretation and full:
        extras.append(_("Interpretation into {languages}", languages=interpretation_names(session.interpretation)))
    if session.signups_close_at is not None and full:
        extras.append(_("Sign-ups close {when}", when=when.describe_moment(session.signups_close_at, zone,
                                                                          locale=current_language())))
    if extras:
        lines.append(Markup(" · ").join(extras))
    if full and session.speakers:
        lines.append(_("<b>Discussion starters:</b> {names}", names=session.speakers))
    if full and session.description:
        lines.append(_("{text}", text=session.description))
    if following:
        lines.append(_("<i>✓ You follow this session.</i>"))
    return join_lines(*lines)


async def session_arg(ctx: Context, args: str, usage: str) -> Session | Reply:
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
