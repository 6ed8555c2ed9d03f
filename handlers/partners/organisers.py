"""Organisers' introductions (/introduce) and a commitment's Need help button."""

from __future__ import annotations

from handlers.arguments import Param
from handlers.commitments import CommitmentRef
from handlers.core import Args, Context, Role
from handlers.events import Reply
from handlers.i18n import N_, _, _n, join_lines
from handlers.partners.asking import start_search
from handlers.partners.common import EXPIRE_AFTER, MAX_NOTE, router
from handlers.partners.consent import send_request
from handlers.partners.words import _name
from handlers.roles import resolve_member
from handlers.sanitise import clean_line
from handlers.lockdown import locked, paused


@router.command("introduce", Role.ORGANISER, N_("introduce two members to each other, if both agree"),
                usage=N_("/introduce <member> <member> [note]"), order=25,
                params=(Param("first", N_("the first member: a name, or #number from /members"), required=True,
                              suggest="member"),
                        Param("second", N_("the second member: a name, or #number from /members"), required=True,
                              suggest="member"),
                        Param("note", N_("why they should meet, shown to both"))))
async def introduce_command(ctx: Context, args: Args) -> Reply:
    """Suggest an introduction between two members: both are asked; contacts only if both accept."""
    if await locked(ctx):
        return paused()
    usage = _("Usage: {command} — each member by number (#12) or platform:id, then a note saying why, if you like.",
              command="/introduce <member> <member> [note]")
    first_typed, second_typed, note_typed = args.positional("first", "second", "note")
    if not first_typed or not second_typed:
        return Reply(usage)
    first = await resolve_member(ctx, first_typed, usage)
    if isinstance(first, Reply):
        return first
    second = await resolve_member(ctx, second_typed, usage)
    if isinstance(second, Reply):
        return second
    note = ""
    if note_typed:
        checked = clean_line(note_typed, MAX_NOTE)
        if checked.problem == "too_long":
            return Reply(_n("Your note is {n} character; the most is {max}. Please say it in fewer words.",
                            "Your note is {n} characters; the most is {max}. Please say it in fewer words.",
                            checked.length, max=MAX_NOTE))
        note = checked.text
    if first.id == second.id:
        return Reply(_("Those are the same member."))
    if ctx.member_id in (first.id, second.id):
        return Reply(_("To find a partner for yourself, send /partner."))
    for member in (first, second):
        if member.blocked:
            return Reply(_("#{id} {name} is blocked.", id=member.id, name=_name(member)))
        if not member.profile_complete:
            return Reply(_("#{id} {name} has not finished their profile yet.", id=member.id, name=_name(member)))
    now = ctx.now
    send = await ctx.repos.partners.may_meet(first.id, second.id)
    expires_at = now + EXPIRE_AFTER
    intro_id = await ctx.repos.partners.arrange(ctx.member_id, first.id, second.id, note=note, send=send, now=now,
                                                expires_at=expires_at)
    ctx.services.scheduled(expires_at)
    if send:
        for member in (first, second):
            await send_request(ctx, intro_id, member)
    return Reply(join_lines(
        _("<b>Introduction requests sent to {a} and {b}.</b>", a=_name(first), b=_name(second)),
        _("Each sees your name, the other's pseudonym and kind of actor, and your note. Contacts are passed on only "
          "if both accept. I will tell you how it turns out; /partners lists the introductions you suggested.")))


# --- a commitment's "Need help" --------------------------------------------------------------------------------


@router.action("partner.from_commitment", payload=CommitmentRef)
async def from_commitment_pressed(ctx: Context, press: CommitmentRef) -> Reply | list[Reply]:
    """Look for partners on one of the member's commitments' theme and region."""
    if await locked(ctx):
        return paused()
    commitment = await ctx.repos.commitments.get(press.commitment)
    if commitment is None or commitment.member_id != ctx.member_id:
        return Reply(_("There is no such commitment. Send /partner to look for partners."))
    return await start_search(ctx, theme=commitment.theme, region=commitment.region)
