"""/cancelsession: cancelling a session after a confirmation; its followers are told."""

from __future__ import annotations

from handlers.core import Args, Context, Role
from handlers.events import Reply
from handlers.i18n import N_, _, _n, join_lines, plain
from handlers.sessions.common import SESSION_NUMBER, SessionRef, router
from handlers.sessions.notices import cancel_session
from handlers.sessions.showing import session_arg, span, zone_for
from storage.sessions import Session


@router.command("cancelsession", Role.ORGANISER, N_("cancel a session; its subscribers are told"),
                usage=N_("/cancelsession <number>"), order=62,
                params=(SESSION_NUMBER,))
async def cancelsession_command(ctx: Context, args: Args) -> Reply:
    session = await session_arg(ctx, args.text, plain("/cancelsession <number>"))
    if isinstance(session, Reply):
        return session
    return await _cancel_question(ctx, session)


async def _cancel_question(ctx: Context, session: Session) -> Reply:
    if session.cancelled:
        return Reply(_("Session #{id} is already cancelled.", id=session.id))
    if session.ends_at <= ctx.now:
        return Reply(_("Session #{id} is already over.", id=session.id))
    count = await ctx.repos.sessions.count_subscribers(session.id)
    yes = await ctx.button(str(_("Yes, cancel it")), "session.cancel", SessionRef(session.id), single_use=True)
    no = await ctx.button(str(_("No, keep it")), "session.keep", SessionRef(session.id), single_use=True)
    return Reply(join_lines(_("<b>Cancel session #{id}?</b> {title}", id=session.id, title=session.title),
                            _("{span}", span=span(session.starts_at, session.ends_at,
                                                  zone_for(ctx.member, session.zone))),
                            _n("Its {n} subscriber will be told at once.",
                               "Its {n} subscribers will be told at once.", count)), buttons=((yes, no),))


@router.action("session.cancel_ask", Role.ORGANISER, payload=SessionRef)
async def cancel_asked(ctx: Context, press: SessionRef) -> Reply:
    session = await ctx.repos.sessions.get(press.session)
    if session is None:
        return _gone()
    return await _cancel_question(ctx, session)


@router.action("session.cancel", Role.ORGANISER, payload=SessionRef)
async def cancel_confirmed(ctx: Context, press: SessionRef) -> Reply:
    session = await ctx.repos.sessions.get(press.session)
    if session is None:
        return _gone()
    if session.ends_at <= ctx.now:
        return Reply(_("Session #{id} is already over.", id=session.id), edit=True)
    saved = await cancel_session(ctx.services, session, ctx.now)
    if saved is None:
        return Reply(_("Session #{id} is already cancelled.", id=session.id), edit=True)
    return Reply(join_lines(_("Session #{id} is cancelled.", id=session.id),
                            _n("{n} subscriber was told.", "{n} subscribers were told.", saved.told)), edit=True)


@router.action("session.keep", Role.ORGANISER, payload=SessionRef)
async def keep_pressed(ctx: Context, press: SessionRef) -> Reply:
    return Reply(_("Kept. Nothing was changed."), edit=True)


def _gone() -> Reply:
    return Reply(_("That question has already been answered or was cancelled."),
                 toast=plain(N_("Already answered")), toast_only=True)
