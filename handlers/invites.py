"""Invites: organisers make codes that let a stranger join a closed network, see which still work, and revoke
them. A code stops working when the organiser who made it no longer is one (demoted, blocked or gone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from handlers import when
from handlers.arguments import Param, number
from handlers.core import Args, Context, Role, Router
from handlers.events import Button, Reply
from handlers.i18n import N_, _, _n, current_language, join_lines
from handlers.onboarding import join_command
from handlers.lockdown import locked, paused
from storage.invites import InviteRepository


@dataclass(frozen=True)
class InviteRef:
    invite: int


router = Router("invites")

MAX_USES = 1000
MAX_DAYS = 365
LIST_LIMIT = 20  # invites listed by /invites, each with its Revoke button


@router.command("invite", Role.ORGANISER, N_("make an invite code for new members"),
                usage=N_("/invite [uses] [days]"), order=10,
                params=(Param("uses", N_("how many people may join with it (default {default})"), number=True, low=1,
                                 high=MAX_USES, default="invite_default_uses"),
                        Param("days", N_("how many days it stays valid (default {default})"), number=True, low=1,
                              high=MAX_DAYS, default="invite_default_days")))
async def invite(ctx: Context, args: Args) -> Reply:
    """Make a code with a number of uses and an expiry, shown once."""
    if await locked(ctx):
        return paused()
    typed_uses, typed_days = args.positional("uses", "days")
    usage = _("Usage: /invite [uses] [days] — for example /invite 5 7 makes a code five people can use "
              "within seven days. Without numbers: {uses}, {days}.",
              uses=_n("{n} use", "{n} uses", ctx.network.invite_default_uses),
              days=_n("{n} day", "{n} days", ctx.network.invite_default_days))
    if len(typed_days.split()) > 1:
        return Reply(usage)
    uses = number(typed_uses, high=MAX_USES) if typed_uses else ctx.network.invite_default_uses
    days = number(typed_days, high=MAX_DAYS) if typed_days else ctx.network.invite_default_days
    if uses is None:
        return Reply(_("The number of uses must be a whole number from 1 to {max}.", max=MAX_USES))
    if days is None:
        return Reply(_("The number of days must be a whole number from 1 to {max}.", max=MAX_DAYS))
    expires = ctx.now_dt + timedelta(days=days)
    code, record = await ctx.repos.invites.create(ctx.member_id, uses, int(expires.timestamp()), ctx.now)
    await ctx.repos.audit.record("invite.create", actor_id=ctx.member_id, detail=f"invite={record.id} uses={uses} "
                                 f"days={days}", now=ctx.now)
    link_maker = ctx.services.links.get(ctx.person.platform)
    link = link_maker.invite_link(code) if link_maker else None
    buttons = ((Button(str(_("Open invite link")), url=link),),) if link else ()
    until = _moment(ctx, record.expires_at)
    return Reply(join_lines(
        _("<b>Invite code:</b> <code>{code}</code>", code=code),
        _("Link: {link}", link=link) if link else None,
        _n("It works once, until {until}. A new member sends {command} to the bot.",
           "It works {n} times, until {until}. A new member sends {command} to the bot.",
           uses, until=until, command=join_command(ctx, code)),
        _("Share it only with people you trust: anyone holding it can join. This is the only time the code is "
          "shown. /invites lists the codes that still work, to revoke one."),
    ), buttons=buttons)


def _moment(ctx: Context, at: int) -> str:
    """A moment in the organiser's own time zone (UTC until they set one)."""
    return when.describe_moment(at, ctx.member.timezone or "UTC", locale=current_language())


@router.command("invites", Role.ORGANISER, N_("the invite codes that still work, to revoke one"), order=11)
async def invites_command(ctx: Context, args: Args) -> Reply:
    """Every invite that still works, with its uses left and expiry, and a Revoke button each."""
    live = await ctx.repos.invites.live(ctx.now, LIST_LIMIT + 1)
    if not live:
        return Reply(_("No invite code works at the moment. /invite makes one."))
    makers = await ctx.repos.members.get_many(sorted({i.created_by for i in live if i.created_by is not None}))
    lines = [_("<b>Invite codes that still work</b>"),
             _("<i>Codes are kept only as fingerprints, so they cannot be shown again; revoke one that may have "
               "reached the wrong people.</i>")]
    buttons = []
    for invite in live[:LIST_LIMIT]:
        maker = makers.get(invite.created_by) if invite.created_by is not None else None
        lines.append(_n("#{id} · made by {maker} on {made} · {n} use left · until {until}",
                        "#{id} · made by {maker} on {made} · {n} uses left · until {until}", invite.uses_left,
                        id=invite.id, maker=_("#{id} {name}", id=maker.id, name=maker.display_name or "")
                        if maker else _("a former organiser"),
                        made=when.describe_day(invite.created_at, ctx.member.timezone or "UTC",
                                               locale=current_language()),
                        until=_moment(ctx, invite.expires_at)))
        buttons.append(await ctx.button(str(_("Revoke #{id}", id=invite.id)), "invite.revoke", InviteRef(invite.id),
                                        single_use=True))
    if len(live) > LIST_LIMIT:
        lines.append(_n("Only the {n} that expire first are shown.", "Only the {n} that expire first are shown.",
                        LIST_LIMIT))
    return Reply(join_lines(*lines), buttons=tuple(tuple(buttons[i:i + 4]) for i in range(0, len(buttons), 4)))


@router.action("invite.revoke", Role.ORGANISER, payload=InviteRef)
async def revoke_pressed(ctx: Context, press: InviteRef) -> Reply:
    """Revoke one invite: its code no longer lets anyone join (pressed again, or too late, nothing changes)."""
    invite_id = press.invite
    if not await ctx.repos.invites.revoke(invite_id, ctx.member_id, ctx.now):
        return Reply(_("Invite #{id} no longer works (revoked, used up or expired); nothing changed.", id=invite_id))
    return Reply(_("Invite #{id} is revoked: its code no longer lets anyone join. Those who joined with it stay "
                   "members.", id=invite_id))


@router.erase
async def _stop_their_codes(conn, member_id: int) -> None:
    """An organiser who erases their data leaves no working invite behind."""
    await InviteRepository.revoke_made_by_in(conn, member_id)
