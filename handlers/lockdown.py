"""/lockdown for admins: the network freezes at once, and stays frozen until /lockdown off. While it holds nobody
joins and no invite code works, broadcasts wait (those already under way stop where they are), partner searches and
introductions stop, and /partners hides contact lines. Every organiser is told, and both moves are in the audit log.

The other capabilities ask `locked(ctx)` (and answer with `paused()`) where they act; the outbox holds broadcast messages itself (it asks the
same repository before it takes messages to send).
"""

from __future__ import annotations

from handlers.arguments import Param
from handlers.core import Args, Context, Role, Router
from handlers.events import Reply
from handlers.i18n import N_, _, join_lines
from handlers.roles import organisers_besides

router = Router("lockdown")


async def locked(ctx: Context) -> bool:
    """Whether the network is locked down now."""
    return await ctx.repos.lockdown.active()


def paused() -> Reply:
    """The answer to whatever a lockdown stops."""
    return Reply(_("The network is locked down for now: that is paused until an admin ends the lockdown."))


@router.command("lockdown", Role.ADMIN, N_("freeze the network at once: no joining, broadcasts or partner searches"),
                usage=N_("/lockdown · /lockdown off"), when_blocked=False, order=95,
                params=(Param("off", N_("off: end the lockdown"), longest=10),))
async def lockdown(ctx: Context, args: Args) -> Reply:
    what = args.values.get("off", args.text).strip().casefold()
    name = ctx.member.display_name if ctx.member is not None else None
    if what == "off":
        if not await ctx.repos.lockdown.end(ctx.member_id, ctx.now):
            return Reply(_("The network is not locked down."))
        await _tell_organisers(ctx, _("{name} ended the lockdown: the network works as before, and broadcasts that "
                                      "waited go out now.", name=name))
        ctx.services.delivery.wake()
        return Reply(_("The lockdown is over: people can join again, broadcasts that waited go out, partner "
                       "searches and contact lines are back."))
    if what:
        return Reply(_("Send /lockdown to freeze the network, or /lockdown off to end it."))
    if not await ctx.repos.lockdown.start(ctx.member_id, ctx.now):
        return Reply(_("The network is already locked down. /lockdown off ends it."))
    await _tell_organisers(ctx, _("{name} locked the network down: nobody can join and no invite works, broadcasts "
                                  "wait, partner searches stop and contact lines are hidden, until an admin sends "
                                  "/lockdown off.", name=name))
    return Reply(join_lines(
        _("<b>The network is locked down.</b> Nobody can join and no invite code works; broadcasts wait, those "
          "under way too; partner searches and introductions stop; /partners hides contact lines."),
        _("Every organiser has been told. /lockdown off ends it.")))


async def _tell_organisers(ctx: Context, text) -> None:
    for organiser in await organisers_besides(ctx, ctx.member_id):
        await ctx.notify(organiser, Reply(text), quiet=False)
