"""Invites: organisers make codes that let a stranger join a closed network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.arguments import number
from handlers.core import REGISTRY, Context, Role
from handlers.events import Button, Reply
from handlers.i18n import N_, _, join_lines

MAX_USES = 1000
MAX_DAYS = 365


@REGISTRY.command("invite", Role.ORGANISER, N_("make an invite code for new members"),
                  usage=N_("/invite [uses] [days]"), order=10)
async def invite(ctx: Context, args: str) -> Reply:
    """Make a code with a number of uses and an expiry, shown once."""
    parts = args.split()
    usage = _("Usage: /invite [uses] [days] — for example /invite 5 7 makes a code five people can use "
              "within seven days. Without numbers: {uses} uses, {days} days.",
              uses=ctx.network.invite_default_uses, days=ctx.network.invite_default_days)
    if len(parts) > 2:
        return Reply(usage)
    uses = number(parts[0], high=MAX_USES) if parts else ctx.network.invite_default_uses
    days = number(parts[1], high=MAX_DAYS) if len(parts) > 1 else ctx.network.invite_default_days
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
    until = datetime.fromtimestamp(int(expires.timestamp()), UTC).strftime("%Y-%m-%d %H:%M UTC")
    return Reply(join_lines(
        _("<b>Invite code:</b> <code>{code}</code>", code=code),
        _("Link: {link}", link=link) if link else None,
        _("It works {uses} times, until {until}. A new member sends /start {code} to the bot.",
          uses=uses, until=until, code=code),
        _("Share it only with people you trust: anyone holding it can join. This is the only time the code is "
          "shown."),
    ), buttons=buttons)
