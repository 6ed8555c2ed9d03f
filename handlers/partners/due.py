"""What falls due: a request that lapses, asking again after Not now, the follow-up after an introduction, a joint
commitment."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from handlers.commitments import joint_partner, start_joint
from handlers.core import Context, Fire
from handlers.events import Button, Outgoing, Reply
from handlers.i18n import _, _n, current_language, join_lines, language, pick_language
from handlers.partners.common import DAY, UNANSWERED_PAUSE, FollowUp, IntroRef, router
from handlers.partners.consent import request_message
from handlers.partners.words import _day, _name, _named, _subject
from storage.partners import Introduction, PartnerRepository
from storage.schedule import DueItem


async def _load(repos: Any, ids: list[int]) -> dict[int, Introduction]:
    return await repos.partners.introductions_many(ids)


@router.due("intro.expire", load=_load)
async def expire_due(ctx: Context, item: DueItem) -> Fire | None:
    """An introduction not made in time lapses: whoever had agreed hears the other is not available (the same
    words whether they declined, did not answer, paused, blocked or left); the organiser who suggested it hears it
    did not happen."""
    intro: Introduction | None = item.subject
    if intro is None or intro.status not in ("pending", "void"):
        return None
    intro_id, now, me = intro.id, ctx.now, ctx.member_id
    side = intro.side(me)
    silent = _silent(intro, me)
    notice = await _paused_notice(ctx, silent) if silent is not None else None

    async def lapse(conn: Any) -> None:
        await PartnerRepository.lapse_in(conn, intro_id, now)
        # One who never answered: at the third time in a row, they are no longer proposed, and told why.
        if silent is not None and notice is not None and \
                await PartnerRepository.unanswered_in(conn, silent, now, pause_at=UNANSWERED_PAUSE):
            await ctx.services.delivery.deliver_in(conn, [Outgoing(silent, notice, "notice", now)], now)

    reply, about = None, ()
    if side is not None and intro.answer(side) == "accepted":
        if intro.organiser_id is None:
            reply = Reply(join_lines(
                _("<b>Not available this time:</b> one of the people you asked to be introduced to for {subject} is "
                  "not available.", subject=_subject(ctx, intro.theme, intro.region)),
                _("You can look for someone else with /partner.")))
        else:
            reply = Reply(_("<b>Not available this time:</b> the other person in the introduction an organiser "
                            "suggested to you is not available."))
    elif side is None and me == intro.organiser_id:
        people = await ctx.repos.members.get_many([m for m in (intro.a_id, intro.b_id) if m is not None])
        reply = Reply(_("<b>Introduction not made:</b> the introduction you suggested between {a} and {b} was not "
                        "accepted by both in time.", a=_name(people.get(intro.a_id)), b=_name(people.get(intro.b_id))))
        about = tuple(people)
    return Fire(reply, quiet=True, kind="introduction", changes=(lapse,), about=about)


def _silent(intro: Introduction, me: int) -> int | None:
    """The member whose silence this lapse counts: the person a search asked, in the searcher's due row (they
    have none of their own); each person an organiser asked, in their own."""
    if intro.status != "pending":
        return None
    if intro.organiser_id is None:
        return intro.b_id if me == intro.a_id and intro.b_answer == "pending" else None
    side = intro.side(me)
    return me if side is not None and intro.answer(side) == "pending" else None


async def _paused_notice(ctx: Context, member_id: int) -> Reply | None:
    """What a member is told when their silence pauses their matching, in their language."""
    member = await ctx.repos.members.get(member_id)
    if member is None:
        return None
    with language(pick_language(member.languages, ctx.network.default_language)):
        return Reply(join_lines(
            _("<b>You are no longer proposed as a partner.</b> Three introduction requests in a row waited for your "
              "answer until they lapsed, so the bot stopped proposing you, to spare others the wait."),
            _("Send /matching on when you want to be proposed again.")), language=current_language())


@router.due("intro.ask", load=_load)
async def ask_due(ctx: Context, item: DueItem) -> Fire | None:
    """Ask once more someone who answered Not now."""
    intro: Introduction | None = item.subject
    side = intro.side(ctx.member_id) if intro is not None else None
    if intro is None or side is None or intro.status != "pending" or intro.answer(side) != "not_now":
        return None
    other = await ctx.repos.members.get(intro.other(side)) if intro.other(side) else None
    if other is None or other.blocked:
        return None
    organiser = await ctx.repos.members.get(intro.organiser_id) if intro.organiser_id else None
    reply = await request_message(ctx, intro, side, ctx.member, other, organiser, again=True)
    intro_id, now = intro.id, ctx.now

    async def asked(conn: Any) -> None:
        await PartnerRepository.asked_again_in(conn, intro_id, side, now)

    return Fire(reply, quiet=True, kind="introduction", changes=(asked,), about=_named(other, organiser))


@router.due("intro.follow_up", load=_load)
async def follow_up_due(ctx: Context, item: DueItem) -> Fire | None:
    """Did you connect? Yes / Not yet (the first time) / No."""
    intro: Introduction | None = item.subject
    side = intro.side(ctx.member_id) if intro is not None else None
    if intro is None or side is None or intro.status != "introduced" or intro.follow_up(side) in ("yes", "no"):
        return None
    other = await ctx.repos.members.get(intro.other(side)) if intro.other(side) else None
    if other is None:
        return None
    first = item.detail != "again"

    async def btn(label: Markup, answer: str) -> Button:
        return await ctx.button(str(label), "intro.follow_up", FollowUp(intro.id, answer, first),
                                single_use=True)

    row = [await btn(_("Yes"), "yes")]
    if first:
        row.append(await btn(_("Not yet"), "not_yet"))
    row.append(await btn(_("No"), "no"))
    text = _("<b>Did you connect?</b> You were introduced to {name} on {day}. Did you get in touch?",
             name=_name(other), day=_day(ctx, intro.introduced_at or intro.created_at))
    return Fire(Reply(text, buttons=(tuple(row),)), quiet=True, kind="follow-up", about=(other.id,))


@router.action("intro.follow_up", payload=FollowUp)
async def follow_up_answered(ctx: Context, press: FollowUp) -> Reply:
    """Yes (and offer a joint commitment), not yet (asked once more), or no."""
    answer = press.answer
    intro = await ctx.repos.partners.introduction(press.intro)
    side = intro.side(ctx.member_id) if intro is not None else None
    if intro is None or side is None or answer not in ("yes", "not_yet", "no") or intro.status != "introduced":
        return Reply(_("That question is no longer open."), edit=True)
    days = ctx.network.partner_follow_up_days
    again_at = ctx.now + days * DAY if answer == "not_yet" and press.first else None
    if not await ctx.repos.partners.set_follow_up(intro.id, side, answer, ctx.now, again_at=again_at):
        return Reply(_("That question is no longer open."), edit=True)
    if again_at is not None:
        ctx.services.scheduled(again_at)
        return Reply(_n("All right: I will ask once more in {n} day.", "All right: I will ask once more in {n} days.",
                        days), edit=True)
    if answer == "no":
        return Reply(_("Thank you for telling me. You can look for someone else with /partner."), edit=True)
    if answer == "not_yet":
        return Reply(_("Thank you for telling me."), edit=True)
    other = await ctx.repos.members.get(intro.other(side)) if intro.other(side) else None
    if other is None:
        return Reply(_("Glad to hear it!"), edit=True)
    joint = await ctx.button(str(_("Register a joint commitment")), "intro.joint", IntroRef(intro.id))
    return Reply(_("Glad to hear it! Would you like to register something you will do together with {name}? A joint "
                   "commitment appears in both your /commitments, with check-ins for each of you.", name=_name(other)),
                 buttons=((joint,),), edit=True)


@router.action("intro.joint", payload=IntroRef)
async def joint_pressed(ctx: Context, press: IntroRef) -> Reply | list[Reply]:
    """Register a commitment together with the member one was introduced to."""
    other = await joint_partner(ctx, press.intro)
    if other is None:
        return Reply(_("That introduction is no longer open for a joint commitment."))
    intro = await ctx.repos.partners.introduction(press.intro)
    return await start_joint(ctx, intro.id, other, theme=intro.theme, region=intro.region)
