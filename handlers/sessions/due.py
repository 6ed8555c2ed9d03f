"""What falls due for followers: the reminder before a session and the follow-up after it."""

from __future__ import annotations

from handlers import profile
from handlers.commitments import start_from_session
from handlers.practices import common as practices
from handlers.core import Context, Fire
from handlers.events import Reply
from handlers.i18n import _, _n, join_lines
from handlers.sessions.common import Attended, SessionRef, router
from handlers.sessions.following import gone, load_sessions
from handlers.sessions.showing import _where, span, zone_for
from storage.schedule import DueItem
from storage.sessions import FOLLOWUP, REMINDER, Session


@router.due(REMINDER, load=load_sessions)
async def reminder_due(ctx: Context, item: DueItem) -> Fire | None:
    """A subscriber's reminder before a session starts: at the time they chose, quiet hours or not."""
    session: Session | None = item.subject
    if session is None or session.cancelled or ctx.now >= session.starts_at or ctx.member.blocked:
        return None
    if not await ctx.repos.sessions.is_subscribed(session.id, ctx.member_id):
        return None
    zone = zone_for(ctx.member, session.zone)
    minutes = max(1, round((session.starts_at - max(ctx.now, item.due_at)) / 60))
    text = join_lines(
        _n("⏰ <b>Starting in {n} minute:</b> {title}", "⏰ <b>Starting in {n} minutes:</b> {title}", minutes,
           title=session.title),
        _("{span}", span=span(session.starts_at, session.ends_at, zone)),
        _where(session),
        _("Moderator: {name}", name=session.moderator) if session.moderator else None,
    )
    return Fire(Reply(text), quiet=False, kind="session_reminder")


@router.due(FOLLOWUP, load=load_sessions)
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
    yes = await ctx.button(str(_("Yes, I took part")), "session.attended", Attended(session.id, True),
                           single_use=True)
    no = await ctx.button(str(_("No")), "session.attended", Attended(session.id, False),
                          single_use=True)
    text = join_lines(_("<b>Session #{id} is over:</b> {title}", id=session.id, title=session.title),
                      _("Did you take part?"))
    return Fire(Reply(text, buttons=((yes, no),)), quiet=True, kind="session_followup")


@router.action("session.attended", payload=Attended)
async def attended_pressed(ctx: Context, press: Attended) -> Reply:
    session = await ctx.repos.sessions.get(press.session)
    if session is None:
        return gone()
    attended = press.attended
    await ctx.repos.sessions.record_attendance(session.id, ctx.member_id, attended, ctx.now)
    commit = await ctx.button(str(_("Register a commitment")), "session.commit", SessionRef(session.id),
                              single_use=True)
    later = await ctx.button(str(_("Not now")), "session.nocommit", SessionRef(session.id), single_use=True)
    share = await ctx.button(str(_("Share a practice from it")), "practice.from_session",
                             practices.SessionRef(session.id))
    future = await ctx.button(str(_("What should a future meeting address?")), "meeting.feedback",
                              practices.SessionRef(session.id), single_use=True)
    head = _("Thank you for taking part in {title}.", title=session.title) if attended else \
        _("Thank you for saying so.")
    return Reply(join_lines(
        head,
        _("Is there something you will do as a follow-up to this session? Register it as a commitment and I will "
          "check in with you about it."),
        _("Did something shared there work where you are? Share it as a practice, so others can try it too.")),
        buttons=((commit, later), (share,), (future,)), edit=True)


@router.action("session.commit", payload=SessionRef)
async def commit_pressed(ctx: Context, press: SessionRef) -> Reply | list[Reply]:
    """Register a commitment from the session: the /commit questions, with the session named."""
    session = await ctx.repos.sessions.get(press.session)
    if session is None:
        return gone()
    if not ctx.member.profile_complete:
        return [Reply(_("Let's finish setting up your profile first.")), await profile.resume(ctx)]
    return await start_from_session(ctx, session.id, session.title, themes=session.themes)


@router.action("session.nocommit", payload=SessionRef)
async def nocommit_pressed(ctx: Context, press: SessionRef) -> Reply:
    return Reply(_("All right. You can register one at any time with /commit."), edit=True)
