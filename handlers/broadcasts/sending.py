"""Sending a broadcast: queued in the outbox for every recipient, at once or when its moment falls due."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from handlers import when
from handlers.broadcasts.common import router
from handlers.broadcasts.view import render
from handlers.core import Context, Fire
from handlers.events import Outgoing, Reply
from handlers.i18n import _, _n, grouped, language, pick_language
from handlers.quiet import quiet_until
from storage.audit import AuditRepository
from storage.broadcasts import Broadcast, BroadcastRepository, Recipient, audience_in
from storage.schedule import DueItem


async def _go(ctx: Context, broadcast_id: int) -> Markup:
    """Send a scheduled-or-approved broadcast now, or schedule it for its moment; what to tell the organiser."""
    broadcast = await ctx.repos.broadcasts.get(broadcast_id)
    assert broadcast is not None
    if broadcast.send_at > ctx.now:
        await ctx.schedule("broadcast", broadcast_id, broadcast.send_at)
        return _("Broadcast #{id} is scheduled for {when}. /broadcast cancel {id} stops it.", id=broadcast_id,
                 when=when.describe_moment(broadcast.send_at, ctx.member.timezone or "UTC"))
    async with ctx.repos.db.transaction() as conn:
        queued = await queue_in(conn, ctx, broadcast, ctx.now)
    ctx.services.delivery.wake()
    if queued is None:
        return _("Broadcast #{id} was cancelled before it went.", id=broadcast_id)
    return _n("Broadcast #{id} is on its way to {n} member. /broadcast status {id} shows how it goes; "
              "/broadcast cancel {id} stops what is not yet sent.",
              "Broadcast #{id} is on its way to {n} members. /broadcast status {id} shows how it goes; "
              "/broadcast cancel {id} stops what is not yet sent.", queued, id=broadcast_id, n=grouped(queued))


async def queue_in(conn: Any, ctx: Context, broadcast: Broadcast, now: int) -> int | None:
    """Put a broadcast in the outbox (one row per account), within an open transaction; how many members it
    went to, or None when it was no longer waiting to go."""
    if not await BroadcastRepository.move_in(conn, broadcast.id, ("scheduled",), "sending", now):
        return None
    recipients = await audience_in(conn, broadcast.audience, admins=ctx.network.admins)
    text = broadcast.body or ""
    framed: dict[str, Reply] = {}  # the organiser's text as written, in each recipient's language's frame

    def reply_for(recipient: Recipient) -> Reply:
        code = pick_language(recipient.languages, ctx.network.default_language)
        if code not in framed:
            with language(code):
                framed[code] = render(ctx, broadcast.id, text, broadcast.audience)
        return framed[code]

    outgoing = [Outgoing(r.member_id, reply_for(r), "broadcast",
                         None if broadcast.urgent else quiet_until(r.timezone, r.quiet_start, r.quiet_end, now),
                         broadcast_id=broadcast.id, ready_at=None if broadcast.urgent else now) for r in recipients]
    await ctx.services.delivery.deliver_in(conn, outgoing, now)
    if broadcast.channels:
        with language(ctx.network.default_language):  # a channel is read by many: the network's language
            posted = render(ctx, broadcast.id, text, broadcast.audience, channel=True)
        await ctx.services.delivery.post_in(conn, list(ctx.network.announcement_channels), posted,
                                            kind="announcement", now=now, broadcast_id=broadcast.id)
    await BroadcastRepository.set_recipients_in(conn, broadcast.id, len(recipients))
    await AuditRepository.record_in(conn, "broadcast_sent", actor_id=broadcast.author_id, now=now,
                                    detail=f"broadcast #{broadcast.id}, {len(recipients)} recipients")
    return len(recipients)


async def _load(repos: Any, ids: list[int]) -> dict[int, Broadcast]:
    found = {}
    for broadcast_id in ids:
        broadcast = await repos.broadcasts.get(broadcast_id)
        if broadcast is not None:
            found[broadcast_id] = broadcast
    return found


@router.due("broadcast", load=_load)
async def broadcast_due(ctx: Context, item: DueItem) -> Fire | None:
    """A scheduled broadcast's moment: it goes into the outbox with the removal of its due row."""
    broadcast: Broadcast | None = item.subject
    if broadcast is None or broadcast.status != "scheduled":
        return None
    queued: list[int | None] = []

    async def queue(conn: Any) -> None:
        queued.append(await queue_in(conn, ctx, broadcast, ctx.now))

    return Fire(changes=(queue,))
