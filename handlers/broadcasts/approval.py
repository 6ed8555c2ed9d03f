"""Approval: when the network asks for it, another organiser approves a broadcast before it goes."""

from __future__ import annotations

from markupsafe import Markup

from handlers.broadcasts.common import BroadcastRef, router
from handlers.broadcasts.sending import _go
from handlers.broadcasts.status import status_name
from handlers.broadcasts.view import describe_audience
from handlers.core import Context, Role
from handlers.events import Reply
from handlers.i18n import _, _n, grouped, join_lines
from handlers.roles import organisers_besides
from storage.audit import AuditRepository
from storage.broadcasts import BroadcastRepository


async def ask_approval(ctx: Context, broadcast_id: int, total: int) -> int:
    broadcast = await ctx.repos.broadcasts.get(broadcast_id)
    assert broadcast is not None
    others = await organisers_besides(ctx, ctx.member_id)
    author = ctx.member.display_name or _("an organiser")
    for organiser in others:
        approve = await ctx.button(str(_("Approve")), "broadcast.approve", BroadcastRef(broadcast_id),
                                   single_use=True, for_member=organiser)
        reject = await ctx.button(str(_("Reject")), "broadcast.reject", BroadcastRef(broadcast_id),
                                  single_use=True, for_member=organiser)
        await ctx.notify(organiser, Reply(join_lines(
            _n("<b>Broadcast #{id} needs a second organiser.</b> {author} wants to send this to {n} member "
               "({audience}):",
               "<b>Broadcast #{id} needs a second organiser.</b> {author} wants to send this to {n} members "
               "({audience}):", total, id=broadcast_id, author=author, n=grouped(total),
               audience=describe_audience(ctx, broadcast.audience)),
            Markup("<blockquote>{}</blockquote>").format(broadcast.body or ""),
        ), buttons=((approve, reject),)), kind="approval", quiet=False, about=(ctx.member_id,))
    return len(others)


@router.action("broadcast.approve", Role.ORGANISER, payload=BroadcastRef)
async def approve_pressed(ctx: Context, press: BroadcastRef) -> Reply:
    return await _decide(ctx, press.broadcast, approve=True)


@router.action("broadcast.reject", Role.ORGANISER, payload=BroadcastRef)
async def reject_pressed(ctx: Context, press: BroadcastRef) -> Reply:
    return await _decide(ctx, press.broadcast, approve=False)


async def _decide(ctx: Context, broadcast_id: int, *, approve: bool) -> Reply:
    broadcast = await ctx.repos.broadcasts.get(broadcast_id)
    if broadcast is None:
        return Reply(_("That broadcast no longer exists."), toast_only=True, toast=str(_("No longer exists")))
    if broadcast.author_id == ctx.member_id:
        text = _("You wrote this broadcast; another organiser must approve it.")
        return Reply(text, toast=str(text), toast_only=True)
    status = "scheduled" if approve else "rejected"
    async with ctx.repos.db.transaction() as conn:
        moved = await BroadcastRepository.move_in(conn, broadcast.id, ("awaiting_approval",), status, ctx.now,
                                                  approved_by=ctx.member_id if approve else None)
        if moved:
            await AuditRepository.record_in(conn, "broadcast_approved" if approve else "broadcast_rejected",
                                            actor_id=ctx.member_id, subject_id=broadcast.author_id, now=ctx.now,
                                            detail=f"broadcast #{broadcast.id}")
    if not moved:
        text = _("Broadcast #{id} was already decided ({status}).", id=broadcast.id,
                 status=status_name(broadcast.status))
        return Reply(text, toast=str(text), edit=True)
    name = ctx.member.display_name or _("An organiser")
    if approve:
        outcome = await _go(ctx, broadcast.id)
        if broadcast.author_id is not None:
            await ctx.notify(broadcast.author_id, Reply(join_lines(
                _("{name} approved broadcast #{id}.", name=name, id=broadcast.id), outcome)), kind="approval",
                quiet=False, about=(ctx.member_id,))
        return Reply(join_lines(_("You approved broadcast #{id}.", id=broadcast.id), outcome), edit=True)
    if broadcast.author_id is not None:
        await ctx.notify(broadcast.author_id, Reply(_("{name} did not approve broadcast #{id}; it will not be sent.",
                                                      name=name, id=broadcast.id)), kind="approval", quiet=False,
                                about=(ctx.member_id,))
    return Reply(_("You rejected broadcast #{id}; nothing was sent.", id=broadcast.id), edit=True)
