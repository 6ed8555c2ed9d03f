"""Invites: organisers make codes that let a stranger join a closed network."""

from __future__ import annotations

from datetime import timedelta

from handlers import when
from handlers.core import REGISTRY, Context, Role
from handlers.events import Button, Reply
from handlers.i18n import N_, _, _n, current_language, join_lines
from handlers.onboarding import join_command

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
    try:
        uses = int(parts[0]) if parts else ctx.network.invite_default_uses
        days = int(parts[1]) if len(parts) > 1 else ctx.network.invite_default_days
    except ValueError:
        return Reply(join_lines(_("Uses and days must be whole numbers."), usage))
    if not 1 <= uses <= MAX_USES:
        return Reply(_("The number of uses must be between 1 and {max}.", max=MAX_USES))
    if not 1 <= days <= MAX_DAYS:
        return Reply(_("The number of days must be between 1 and {max}.", max=MAX_DAYS))
    expires = ctx.now_dt + timedelta(days=days)
    code, record = await ctx.repos.invites.create(ctx.member_id, uses, int(expires.timestamp()), ctx.now)
    await ctx.repos.audit.record("invite.create", actor_id=ctx.member_id, detail=f"invite={record.id} uses={uses} "
                                 f"days={days}", now=ctx.now)
    link_maker = ctx.services.links.get(ctx.person.platform)
    link = link_maker.invite_link(code) if link_maker else None
    buttons = ((Button(str(_("Open invite link")), url=link),),) if link else ()
    until = when.describe_moment(int(expires.timestamp()), ctx.member.timezone or "UTC", locale=current_language())
    return Reply(join_lines(
        _("<b>Invite code:</b> <code>{code}</code>", code=code),
        _("Link: {link}", link=link) if link else None,
        _n("It works once, until {until}. A new member sends {command} to the bot.",
           "It works {n} times, until {until}. A new member sends {command} to the bot.",
           uses, until=until, command=join_command(ctx, code)),
        _("Share it only with people you trust: anyone holding it can join. This is the only time the code is "
          "shown."),
    ), buttons=buttons)
