"""Signing up for a session: /rsvp, and the Going / Not going buttons on a session.

Going takes one of the session's places when one is free (a session without places takes everyone), and follows
the session (its reminder, its change notices); when it is full, the member joins the waiting list and is told
their position. Not going gives a place back: the first on the waiting list is offered it, with buttons to take
it or let it go, until OFFER_HOURS later (or the start, if sooner); an offer left unanswered passes on to the next
(storage/signups.py). Organisers see the counts on the session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from handlers import when
from handlers.arguments import Param, first_word
from handlers.core import Args, Context, Fire, Role
from handlers.events import Reply
from handlers.i18n import N_, _, _n, current_language, join_lines, language, pick_language, plain
from handlers.sessions.common import NO_WORDS, SESSION_NUMBER, router
from handlers.sessions import questions
from handlers.sessions.following import _follow, closed, gone, load_sessions
from handlers.sessions.showing import session_arg, span, zone_for
from storage.schedule import DueItem
from storage.sessions import LINK, Session
from storage.signups import (
    FILL,
    GOING,
    NOT_GOING,
    OFFER,
    OFFERED,
    WAITING,
    Answered,
    Counts,
    Signup,
    SignupRepository,
)

OFFER_HOURS = 12  # how long a member offered a freed place has to take it (never past the session's start)


@dataclass(frozen=True)
class Rsvp:
    """Going (`going`) or not to a session."""

    session: int
    going: bool


def offer_deadline(session: Session, now: int) -> int:
    return max(now + 60, min(now + OFFER_HOURS * 3600, session.starts_at))


async def answer(ctx: Context, session: Session, going: bool) -> Reply | list[Reply]:
    """The member's answer for a session, and what it means for them (and for whoever a freed place goes to); for
    a member going, the session's registration questions follow."""
    said = await _answer(ctx, session, going)
    if not going or closed(ctx, session) is not None or ctx.now >= session.starts_at:
        return said
    signup = await ctx.repos.signups.get(session.id, ctx.member_id)
    if signup is None or signup.status != GOING:
        return said
    asked = await questions.ask(ctx, session)
    return [said, asked] if asked is not None else said


async def _answer(ctx: Context, session: Session, going: bool) -> Reply:
    reason = closed(ctx, session)
    if reason is not None:
        return Reply(reason)
    before = await ctx.repos.signups.get(session.id, ctx.member_id)
    if going and (before is None or before.status == NOT_GOING) and session.signups_close_at is not None \
            and ctx.now >= session.signups_close_at:
        return Reply(_("Sign-ups for session #{id} closed on {when}.", id=session.id,
                       when=when.describe_moment(session.signups_close_at, zone_for(ctx.member, session.zone),
                                                 locale=current_language())))
    done = await ctx.repos.signups.answer(session.id, ctx.member_id, going=going, places=session.places,
                                          now=ctx.now, offer_until=offer_deadline(session, ctx.now))
    await _tell_offered(ctx, session, done)
    title = session.title
    if not going:
        gave_back = before is not None and before.status in (GOING, OFFERED)
        return Reply(join_lines(
            _("You are not going to session #{id}, “{title}”.", id=session.id, title=title),
            _("Your place goes to the next person on the waiting list.") if gave_back and session.places else None,
            _("You are no longer on its waiting list.") if before is not None and before.status == WAITING else None))
    now = done.signup
    if now.status == WAITING:
        if before is not None and before.status == WAITING:
            return Reply(_("You are already on the waiting list of session #{id}, number {n}.", id=session.id,
                           n=now.position))
        return Reply(join_lines(
            _("Session #{id}, “{title}”, is full. You are number {n} on the waiting list.", id=session.id,
              title=title, n=now.position),
            _("I will tell you if a place comes free. /rsvp {id} no takes you off the list.", id=session.id)))
    if before is not None and before.status == GOING:
        return Reply(_("You are already going to session #{id}, “{title}”.", id=session.id, title=title))
    followed = await _follow(ctx, session)
    return Reply(join_lines(
        _("The place is yours: you are going to session #{id}, “{title}”.", id=session.id, title=title)
        if before is not None and before.status == OFFERED else
        _("You are going to session #{id}, “{title}”.", id=session.id, title=title),
        followed,
        _("If you cannot come after all, /rsvp {id} no gives your place to someone else.", id=session.id)
        if session.places else None))


async def _tell_offered(ctx: Context, session: Session, done: Answered) -> None:
    """Each member offered a place that came free is told, with buttons to take it or let it go."""
    for member_id in done.offered:
        await offer_to(ctx, session, member_id)


async def offer_to(ctx: Context, session: Session, member_id: int) -> None:
    signup = await ctx.repos.signups.get(session.id, member_id)
    if signup is None or signup.status != OFFERED or signup.offer_until is None:
        return
    member = await ctx.repos.members.get(member_id)
    if member is None:
        return
    zone = zone_for(member, session.zone)
    theirs = pick_language(member.languages, ctx.network.default_language)  # not the language of who pressed
    with language(theirs):
        take = await ctx.button(str(_("Take the place")), "session.rsvp", Rsvp(session.id, True),
                                for_member=member_id, single_use=True)
        leave = await ctx.button(str(_("Let it go")), "session.rsvp", Rsvp(session.id, False),
                                 for_member=member_id, single_use=True)
        text = join_lines(
            _("<b>A place is free for you</b> at session #{id}, “{title}”: {span}.", id=session.id,
              title=session.title, span=span(session.starts_at, session.ends_at, zone)),
            _("Take it by {deadline}, or it goes to the next person waiting.",
              deadline=when.describe_moment(signup.offer_until, zone, locale=current_language())))
    await ctx.notify(member_id, Reply(text, buttons=((take, leave),), language=theirs), kind="session_offer")


@router.command("rsvp", Role.MEMBER, N_("say whether you are going to a session; a place is kept for you"),
                usage=N_("/rsvp <number> [no]"), order=34,
                params=(SESSION_NUMBER, Param("no", N_("“no” if you are not going"))))
async def rsvp_command(ctx: Context, args: Args) -> Reply | list[Reply]:
    session = await session_arg(ctx, args.text, plain(N_("/rsvp <number> [no]")))
    if isinstance(session, Reply):
        return session
    rest = first_word(args.text)[1].strip().casefold()
    if rest and rest not in NO_WORDS:
        return Reply(_("After the session's number, write “no” if you are not going, or nothing if you are: "
                       "/rsvp {id} or /rsvp {id} no.", id=session.id))
    return await answer(ctx, session, going=not rest)


@router.action("session.rsvp", payload=Rsvp)
async def rsvp_pressed(ctx: Context, press: Rsvp) -> Reply | list[Reply]:
    session = await ctx.repos.sessions.get(press.session)
    if session is None:
        return gone()
    return await answer(ctx, session, press.going)


def counts_line(session: Session, counts: Counts) -> Markup:
    """For organisers: how the session's sign-ups stand."""
    going = counts.going + counts.offered
    return join_lines(
        _n("<b>Sign-ups:</b> {going} going of {n} place, {waiting} waiting, {not_going} not going",
           "<b>Sign-ups:</b> {going} going of {n} places, {waiting} waiting, {not_going} not going",
           session.places, going=going, waiting=counts.waiting, not_going=counts.not_going)
        if session.places else
        _("<b>Sign-ups:</b> {going} going, {not_going} not going", going=going, not_going=counts.not_going),
        _n("({n} of them has been offered a place that came free, and not yet taken it)",
           "({n} of them have been offered places that came free, and not yet taken them)", counts.offered)
        if counts.offered else None)


@router.erase
async def _give_places_back(conn: Any, member_id: int) -> None:
    """A member who erases their data gives back the places they held: the next waiting are offered them."""
    await SignupRepository.places_freed_in(conn, member_id)


@router.due(FILL, load=load_sessions)
async def fill_due(ctx: Context, item: DueItem) -> Fire | None:
    """Places freed by a member who left: offered to those waiting (this row's member is the first of them)."""
    session: Session | None = item.subject
    if session is not None:
        await places_changed(ctx, session.id)
    return None


@router.due(OFFER, load=load_sessions)
async def offer_due(ctx: Context, item: DueItem) -> Fire | None:
    """An offer's deadline: not taken, it passes to the next on the waiting list."""
    session: Session | None = item.subject
    if session is None or session.cancelled or ctx.now >= session.starts_at:
        return None
    lapsed, offered = await ctx.repos.signups.lapse(session.id, ctx.member_id, places=session.places,
                                                    now=max(ctx.now, item.due_at),
                                                    offer_until=offer_deadline(session, ctx.now))
    if not lapsed:
        return None
    await _tell_offered(ctx, session, Answered(await ctx.repos.signups.get(session.id, ctx.member_id), offered))
    return Fire(Reply(join_lines(
        _("You did not take the place at session #{id}, “{title}”, in time: it went to the next person waiting.",
          id=session.id, title=session.title),
        _("/rsvp {id} puts you on the waiting list again.", id=session.id))), kind="session_offer")


def standing(ctx: Context, session: Session, signup: Signup | None) -> Markup | None:
    """Where the member stands for a session, in a line."""
    if signup is None:
        return None
    if signup.status == GOING:
        return join_lines(_("<i>✓ You are going.</i>"), questions.own_answers(signup.status, signup.answers))
    if signup.status == WAITING:
        return _("<i>You are number {n} on the waiting list.</i>", n=signup.position)
    if signup.status == OFFERED and signup.offer_until is not None:
        return _("<i>A place is offered to you until {deadline}: /rsvp {id} takes it.</i>", id=session.id,
                 deadline=when.describe_moment(signup.offer_until, zone_for(ctx.member, session.zone),
                                               locale=current_language()))
    return _("<i>You said you are not going.</i>")


async def places_changed(ctx: Context, session_id: int) -> None:
    """The organiser changed the number of places: the places now free are offered to those waiting."""
    session = await ctx.repos.sessions.get(session_id)
    if session is None or closed(ctx, session) is not None:
        return
    offered = await ctx.repos.signups.places_changed(session.id, session.places, ctx.now,
                                                     offer_deadline(session, ctx.now))
    for member_id in offered:
        await offer_to(ctx, session, member_id)


@router.due(LINK, load=load_sessions)
async def link_due(ctx: Context, item: DueItem) -> Fire | None:
    """An online session's call link, to a member going to it, 15 minutes before it starts (never to anyone else,
    never in the agenda: a link posted openly invites trolls into the meeting)."""
    session: Session | None = item.subject
    if session is None or session.cancelled or not session.link or ctx.now >= session.ends_at or ctx.member.blocked:
        return None
    signup = await ctx.repos.signups.get(session.id, ctx.member_id)
    if signup is None or signup.status != GOING:
        return None
    zone = zone_for(ctx.member, session.zone)
    return Fire(Reply(join_lines(
        _("🔗 <b>The call link for session #{id}</b>, “{title}”, {span}:", id=session.id, title=session.title,
          span=span(session.starts_at, session.ends_at, zone)),
        _("{link}", link=session.link),
        _("<i>It is for you: please do not pass it on.</i>"))), quiet=False, kind="session_link")
