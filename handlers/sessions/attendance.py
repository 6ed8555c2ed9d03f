"""Organisers marking who came: /attendance <number> once a session has started, a button per person (those going
first, then those who follow it or said whether they came), ticked for those marked as having come; a press
ticks or unticks one. The marks are the same records as members' own answers after the session, which the reports
and the meeting's outcome count."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.core import Args, Context, Role
from handlers.events import Button, Reply
from handlers.i18n import N_, _, _n, join_lines, plain
from handlers.sessions.common import SESSION_NUMBER, router
from handlers.sessions.following import gone
from handlers.sessions.showing import session_arg
from storage.sessions import Session
from storage.signups import GOING

PAGE = 16  # people a page: four rows of four, and a row for the pages (Discord takes five rows of buttons)
LABEL = 28  # characters of a name on a button


@dataclass(frozen=True)
class Mark:
    """Tick or untick one person on a page of the sheet."""

    session: int
    member: int
    page: int


@dataclass(frozen=True)
class SheetPage:
    session: int
    page: int


@router.command("attendance", Role.ORGANISER, N_("mark who came to a session"), usage=N_("/attendance <number>"),
                order=63, params=(SESSION_NUMBER,))
async def attendance_command(ctx: Context, args: Args) -> Reply:
    session = await session_arg(ctx, args.text, plain(N_("/attendance <number>")))
    if isinstance(session, Reply):
        return session
    return await _sheet(ctx, session, 0)


async def _people(ctx: Context, session: Session) -> list[int]:
    """Who may be marked: those going, then those who follow the session or answered, in member order."""
    going = await ctx.repos.signups.members(session.id, GOING)
    others = set(await ctx.repos.sessions.subscribers(session.id)) | set(await ctx.repos.sessions.attendance_of(
        session.id))
    return going + sorted(others - set(going))


async def _sheet(ctx: Context, session: Session, page: int, *, edit: bool = False) -> Reply:
    if session.cancelled:
        return Reply(_("Session #{id} was cancelled.", id=session.id), edit=edit)
    if session.starts_at > ctx.now:
        return Reply(_("Session #{id} has not started yet: mark who came once it has.", id=session.id), edit=edit)
    people = await _people(ctx, session)
    if not people:
        return Reply(_("Nobody was going to session #{id}, followed it or said whether they came.", id=session.id),
                     edit=edit)
    pages = (len(people) + PAGE - 1) // PAGE
    page = min(max(page, 0), pages - 1)
    came = await ctx.repos.sessions.attendance_of(session.id)
    shown = people[page * PAGE:(page + 1) * PAGE]
    members = await ctx.repos.members.get_many(shown)
    buttons: list[Button] = []
    for member_id in shown:
        member = members.get(member_id)
        name = ((member.display_name if member else None) or f"#{member_id}")[:LABEL]
        buttons.append(await ctx.button(f"✓ {name}" if came.get(member_id) else name, "session.mark",
                                        Mark(session.id, member_id, page)))
    rows = [tuple(buttons[i:i + 4]) for i in range(0, len(buttons), 4)]
    turns = []
    if page > 0:
        turns.append(await ctx.button(str(_("‹ Earlier")), "session.sheet", SheetPage(session.id, page - 1)))
    if page < pages - 1:
        turns.append(await ctx.button(str(_("Later ›")), "session.sheet", SheetPage(session.id, page + 1)))
    if turns:
        rows.append(tuple(turns))
    marked = sum(1 for member_id in people if came.get(member_id))
    return Reply(join_lines(
        _("<b>Who came to session #{id}, “{title}”?</b>", id=session.id, title=session.title),
        _("Tap each person who came (✓); tap again to undo. Those going are first."),
        _n("{n} of {total} marked as having come.", "{n} of {total} marked as having come.", marked,
           total=len(people))), buttons=tuple(rows), edit=edit)


@router.action("session.mark", Role.ORGANISER, payload=Mark)
async def mark_pressed(ctx: Context, press: Mark) -> Reply:
    session = await ctx.repos.sessions.get(press.session)
    if session is None:
        return gone()
    if press.member in await _people(ctx, session) and not session.cancelled and session.starts_at <= ctx.now:
        came = (await ctx.repos.sessions.attendance_of(session.id)).get(press.member, False)
        await ctx.repos.sessions.record_attendance(session.id, press.member, not came, ctx.now)
    return await _sheet(ctx, session, press.page, edit=True)


@router.action("session.sheet", Role.ORGANISER, payload=SheetPage)
async def sheet_page(ctx: Context, press: SheetPage) -> Reply:
    session = await ctx.repos.sessions.get(press.session)
    if session is None:
        return gone()
    return await _sheet(ctx, session, press.page, edit=True)
