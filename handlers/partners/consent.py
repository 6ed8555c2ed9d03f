"""Introduction requests: asking each person picked, their answer, and the contact lines once both agree."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from handlers.core import Context
from handlers.events import Button, Reply
from handlers.i18n import N_, _, _n, join_lines, plain
from handlers.lockdown import locked, paused
from handlers.partners.common import (
    AFTER_ASKING_AGAIN,
    ANSWERS,
    ASK_AGAIN_AFTER,
    DAY,
    IntroAnswer,
    IntroRef,
    router,
)
from handlers.partners.words import (
    _kind,
    _name,
    _named,
    in_language_of,
    why_for_partner,
)
from storage.members import Member
from storage.partners import Introduction


async def send_request(ctx: Context, intro_id: int, viewer: Member) -> None:
    """Ask `viewer` (in their language, after their quiet hours) whether they agree to an introduction."""
    intro = await ctx.repos.partners.introduction(intro_id)
    if intro is None:
        return
    side = intro.side(viewer.id)
    other = await ctx.repos.members.get(intro.other(side)) if side else None
    if other is None:
        return
    organiser = await ctx.repos.members.get(intro.organiser_id) if intro.organiser_id else None
    with in_language_of(ctx, viewer):
        reply = await request_message(ctx, intro, side, viewer, other, organiser)
    await ctx.notify(viewer.id, reply, kind="introduction", about=_named(other, organiser))


async def request_message(ctx: Context, intro: Introduction, side: str, viewer: Member, other: Member,
                           organiser: Member | None, *, again: bool = False) -> Reply:
    """The request to `viewer` with Accept / Not now / Decline / Decline and block (Not now only once)."""
    lines: list[Any] = []
    if again:
        lines.append(_("<i>You asked me to ask you again later.</i>"))
    if intro.organiser_id is None:
        lines.append(_("<b>Introduction request</b>"))
        lines.append(_("{name} ({kind}) would like to be introduced to you.", name=_name(other),
                       kind=_kind(ctx, other)))
        why = why_for_partner(ctx, intro.reason)
        if why is not None:
            lines.append(_("<b>Why you:</b> {why}", why=why))
        if intro.note:
            lines.append(_("<b>Their note:</b> {note}", note=intro.note))
        if intro.reason.get("anon"):
            lines.append(_("You shared that practice anonymously: {name} does not know who you are, and learns it "
                           "only if you accept.", name=_name(other)))
        lines.append(_("If you accept, you and {name} each receive the contact line the other wrote in their "
                       "profile. Until then neither of you learns anything more about the other. If you decline, "
                       "{name} is not told so: only, later, that you are not available.", name=_name(other)))
    else:
        lines.append(_("<b>Introduction suggested by an organiser</b>"))
        lines.append(_("{organiser}, an organiser of {network}, suggests that you meet {name} ({kind}).",
                       organiser=_name(organiser) if organiser else plain(N_("An organiser")),
                       network=ctx.network.name, name=_name(other), kind=_kind(ctx, other)))
        if intro.note:
            lines.append(_("<b>Note:</b> {note}", note=intro.note))
        lines.append(_("If you both accept, each of you receives the contact line the other wrote in their profile. "
                       "Until then neither of you learns anything more about the other. If you decline, nobody is "
                       "told so: {name} only hears, later, that you are not available.", name=_name(other)))

    async def btn(label: Markup, answer: str) -> Button:
        return await ctx.button(str(label), "intro.answer", IntroAnswer(intro.id, answer), single_use=True,
                                for_member=viewer.id)

    first = [await btn(_("Accept"), "accept")]
    if not again and not intro.asked_again(side) and intro.answer(side) == "pending":
        first.append(await btn(_("Not now"), "later"))
    rows = (tuple(first), (await btn(_("Decline"), "decline"), await btn(_("Decline and block"), "block")))
    return Reply(join_lines(*lines), buttons=rows)


def _no_longer_open() -> Reply:
    return Reply(_("This introduction request is no longer open."), edit=True)


async def _open_for(ctx: Context, intro_id: int) -> tuple[Introduction, str, Member] | Reply:
    """The pending introduction, the presser's side, and the other member; or why it cannot be answered."""
    intro = await ctx.repos.partners.introduction(intro_id)
    side = intro.side(ctx.member_id) if intro is not None else None
    if intro is None or side is None or intro.status != "pending" or intro.answer(side) not in ("pending", "not_now"):
        return _no_longer_open()
    other = await ctx.repos.members.get(intro.other(side)) if intro.other(side) else None
    if other is None or other.blocked:
        return _no_longer_open()
    return intro, side, other


@router.action("intro.answer", payload=IntroAnswer)
async def answer_pressed(ctx: Context, press: IntroAnswer) -> Reply:
    """Accept, Not now, Decline, or Decline and block."""
    choice = press.answer
    if choice not in ANSWERS:
        return _no_longer_open()
    if choice == "accept" and await locked(ctx):  # accepting passes contact lines: not during a lockdown
        return Reply(join_lines(paused().text, _("You can answer later from /partners.")))
    found = await _open_for(ctx, press.intro)
    if isinstance(found, Reply):
        return found
    intro, side, other = found
    now = ctx.now
    if choice == "later":
        if intro.asked_again(side) or intro.answer(side) == "not_now":
            return Reply(_("I already asked you a second time; please Accept or Decline."))
        ask_at = now + ASK_AGAIN_AFTER
        updated = await ctx.repos.partners.answer(intro.id, side, "not_now", now, ask_again_at=ask_at,
                                                  expires_at=ask_at + AFTER_ASKING_AGAIN)
        if updated is None:
            return _no_longer_open()
        ctx.services.scheduled(ask_at)
        return Reply(_n("All right: I will ask you once more in {n} day.",
                        "All right: I will ask you once more in {n} days.", ASK_AGAIN_AFTER // DAY), edit=True)
    if choice in ("decline", "block"):
        updated = await ctx.repos.partners.answer(intro.id, side, "declined", now, block=choice == "block")
        if updated is None:
            return _no_longer_open()
        lines = [_("Declined. {name} is not told that you declined: only, later, that you are not available.",
                   name=_name(other))]
        if choice == "block":
            lines.append(_("You and {name} will never be proposed to each other again. Nobody is told.",
                           name=_name(other)))
        return Reply(join_lines(*lines), edit=True)
    updated = await ctx.repos.partners.answer(
        intro.id, side, "accepted", now, follow_up_at=now + ctx.network.partner_follow_up_days * DAY)
    if updated is None:
        return _no_longer_open()
    if updated.status != "introduced":
        return Reply(_("Thank you. {name} has been asked too; if they accept, you each receive the other's contact "
                       "line.", name=_name(other)), edit=True)
    ctx.services.scheduled(now + ctx.network.partner_follow_up_days * DAY)
    return await _introduced(ctx, updated, other)


def _contact_text(ctx: Context, viewer: Member, other: Member) -> Markup:
    """What `viewer` is told once introduced to `other` (in the current language)."""
    lines = [_("<b>You and {name} ({kind}) are introduced.</b>", name=_name(other), kind=_kind(ctx, other))]
    if other.contact:
        lines.append(_("How to reach {name}: {contact}", name=_name(other), contact=other.contact))
    else:
        lines.append(_("{name} has no contact line in their profile yet, so I have none to pass on; they have "
                       "been asked to add one.", name=_name(other)) if viewer.contact else
                     _("{name} has no contact line in their profile yet, so I have none to pass on.",
                       name=_name(other)))
    if viewer.contact:
        lines.append(_("{name} has received yours: {contact}", name=_name(other), contact=viewer.contact))
    else:
        lines.append(_("You have no contact line in your profile, so {name} could not be given a way to reach you. "
                       "Please add one with /profile (Contact for partners).", name=_name(other)))
    lines.append(_n("In {n} day I will ask you both whether you connected.",
                    "In {n} days I will ask you both whether you connected.", ctx.network.partner_follow_up_days))
    return join_lines(*lines)


async def _introduced(ctx: Context, intro: Introduction, other: Member) -> Reply:
    """Both agreed: each receives the other's contact line; the organiser who suggested it hears it happened."""
    me = await ctx.refresh_member()
    other = await ctx.repos.members.get(other.id) or other
    with in_language_of(ctx, other):
        text = _contact_text(ctx, other, me)
    await ctx.notify(other.id, Reply(text), kind="introduction", about=(me.id,))
    if intro.organiser_id is not None and intro.organiser_id not in (me.id, other.id):
        organiser = await ctx.repos.members.get(intro.organiser_id)
        if organiser is not None:
            with in_language_of(ctx, organiser):
                told = _("<b>Introduction made:</b> {a} and {b} both accepted the introduction you suggested; "
                         "they now have each other's contact lines.", a=_name(other), b=_name(me))
            await ctx.notify(organiser.id, Reply(told), kind="introduction", about=(other.id, me.id))
    return Reply(_contact_text(ctx, me, other), edit=True)


@router.action("intro.show", payload=IntroRef)
async def show_pressed(ctx: Context, press: IntroRef) -> Reply:
    """Show a request waiting for the member's answer again (from /partners)."""
    found = await _open_for(ctx, press.intro)
    if isinstance(found, Reply):
        return found
    intro, side, other = found
    organiser = await ctx.repos.members.get(intro.organiser_id) if intro.organiser_id else None
    return await request_message(ctx, intro, side, ctx.member, other, organiser)
