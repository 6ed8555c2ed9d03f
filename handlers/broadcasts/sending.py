"""Sending a broadcast: queued in the outbox for every recipient, at once or when its moment falls due.

A broadcast is queued a page of members at a time (storage.broadcasts.PAGE), each page in its own transaction
with the removal of its due row: a reply's write never waits behind a whole audience, and the event loop never
works through 100,000 recipients at one go. A broadcast cancelled meanwhile stops at the next page; one whose
process stopped goes on from the page it reached, in the process keeping time.
"""

from __future__ import annotations

from dataclasses import replace

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
from storage.broadcasts import (
    Broadcast,
    BroadcastRepository,
    Recipient,
    audience_page_in,
)
from storage.schedule import DueItem, ScheduleRepository

PAGE_KIND = "broadcast.page"  # the due row of a broadcast's next page of recipients


async def _go(ctx: Context, broadcast_id: int) -> Markup:
    """Send a scheduled-or-approved broadcast now, or schedule it for its moment; what to tell the organiser."""
    broadcast = await ctx.repos.broadcasts.get(broadcast_id)
    assert broadcast is not None
    if broadcast.send_at > ctx.now:
        await ctx.schedule("broadcast", broadcast_id, broadcast.send_at)
        return _("Broadcast #{id} is scheduled for {when}. /broadcast cancel {id} stops it.", id=broadcast_id,
                 when=when.describe_moment(broadcast.send_at, ctx.member.timezone or "UTC"))
    reach = await send_now(ctx, broadcast, ctx.now)
    if reach is None:
        return _("Broadcast #{id} was cancelled before it went.", id=broadcast_id)
    return _n("Broadcast #{id} is on its way to {n} member. /broadcast status {id} shows how it goes; "
              "/broadcast cancel {id} stops what is not yet sent.",
              "Broadcast #{id} is on its way to {n} members. /broadcast status {id} shows how it goes; "
              "/broadcast cancel {id} stops what is not yet sent.", reach, id=broadcast_id, n=grouped(reach))


async def start_in(conn: Any, ctx: Context, broadcast: Broadcast, now: int) -> bool:
    """A broadcast waiting to go starts going, within an open transaction: its posts into the announcement
    channels are queued, and its first page of recipients is scheduled for now (`queue_page_in`, in the process
    keeping time, a page per transaction). False when it was no longer waiting (cancelled meanwhile), or its
    author is gone."""
    if broadcast.author_id is None or not await BroadcastRepository.move_in(
            conn, broadcast.id, ("scheduled",), "sending", now, queued_to=0, recipients=0):
        return False
    if broadcast.channels:
        with language(ctx.network.default_language):  # a channel is read by many: the network's language
            posted = render(ctx, broadcast.id, broadcast.body or "", broadcast.audience, channel=True)
        await ctx.services.delivery.post_in(conn, list(ctx.network.announcement_channels), posted,
                                            kind="announcement", now=now, broadcast_id=broadcast.id)
    await ScheduleRepository.add_in(conn, PAGE_KIND, broadcast.id, broadcast.author_id, now)
    return True


async def queue_page_in(conn: Any, ctx: Context, broadcast: Broadcast, now: int) -> bool:
    """Within an open transaction: the next page of a broadcast's audience goes into the outbox (one row per
    account), each recipient's copy in their language's frame. True when more pages are left; False when this
    was the last (then the sending is recorded in the audit trail), or it stopped going (cancelled)."""
    after = await BroadcastRepository.queuing_in(conn, broadcast.id)
    if after is None:
        return False
    admin_ids = await ctx.repos.members.member_ids_of(ctx.network.admins)
    recipients, last = await audience_page_in(conn, broadcast.audience, after=after, admin_ids=admin_ids)
    text = broadcast.body or ""
    framed: dict[str, Reply] = {}  # the organiser's text as written, in each recipient's language's frame

    def reply_for(recipient: Recipient) -> Reply:
        code = pick_language(recipient.languages, ctx.network.default_language)
        if code not in framed:
            with language(code):
                framed[code] = replace(render(ctx, broadcast.id, text, broadcast.audience), language=code)
        return framed[code]

    outgoing = [Outgoing(r.member_id, reply_for(r), "broadcast",
                         None if broadcast.urgent else quiet_until(r.timezone, r.quiet_start, r.quiet_end, now),
                         broadcast_id=broadcast.id, ready_at=None if broadcast.urgent else now) for r in recipients]
    await ctx.services.delivery.deliver_in(conn, outgoing, now)
    total = await BroadcastRepository.queued_page_in(conn, broadcast.id, last, len(recipients))
    if last is not None:
        return True
    await AuditRepository.record_in(conn, "broadcast_sent", actor_id=broadcast.author_id, now=now,
                                    detail=f"broadcast #{broadcast.id}, {total} recipients")
    return False


async def send_now(ctx: Context, broadcast: Broadcast, now: int) -> int | None:
    """Start a broadcast and queue all of it now, a page per transaction (the sender starts on the first pages
    while the next are queued); how many members it went to, or None when it was no longer waiting to go.

    The first page's due row, scheduled when it starts, stays until the last page is queued: if this process
    stops half-way, the process keeping time goes on from the page reached. (Should both work on it at once, each
    page is still queued once: a page reads and moves the broadcast's place within its own transaction.)"""
    repos = ctx.repos
    async with repos.db.transaction() as conn:
        if not await start_in(conn, ctx, broadcast, now):
            return None
    more = True
    while more:
        async with repos.db.transaction() as conn:
            more = await queue_page_in(conn, ctx, broadcast, now)
        ctx.services.delivery.wake()
    await ScheduleRepository(repos.db).cancel((PAGE_KIND,), broadcast.id)
    sent = await repos.broadcasts.get(broadcast.id)
    return sent.recipients if sent is not None else None


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

    async def start(conn: Any) -> None:
        await start_in(conn, ctx, broadcast, ctx.now)

    return Fire(changes=(start,))


@router.due(PAGE_KIND, load=_load)
async def page_due(ctx: Context, item: DueItem) -> Fire | None:
    """The next page of a broadcast being queued: written with the removal of its due row, and the page after it
    scheduled for now, so that each page is a transaction of its own and nothing waits behind the whole
    audience."""
    broadcast: Broadcast | None = item.subject
    if broadcast is None or broadcast.status != "sending":
        return None

    async def page(conn: Any) -> None:
        if await queue_page_in(conn, ctx, broadcast, ctx.now):
            await ScheduleRepository.add_in(conn, PAGE_KIND, broadcast.id, item.member_id, ctx.now)

    return Fire(changes=(page,))
