"""Quiet hours: messages a member did not ask for (check-ins, nudges, notices) wait until they end.

Quiet hours are a window of local wall-clock time, by default 22:00-08:00, that may cross midnight. Reminders a
member set themselves ignore them: they fire at the time the member chose. What waits in the outbox for them is
rescheduled when the member changes them (or their time zone): turning them off releases it at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from handlers import localtime

DEFAULT_START = 22 * 60
DEFAULT_END = 8 * 60


def window(start: int | None, end: int | None) -> tuple[int, int]:
    """The member's quiet hours as (start, end) minutes after midnight, the default when unset."""
    if start is None or end is None:
        return DEFAULT_START, DEFAULT_END
    return start, end


def quiet_until(zone: str | None, start: int | None, end: int | None, now: int) -> int | None:
    """When the quiet hours around `now` end (seconds since the epoch), or None if `now` is not in them.

    An empty window (start == end) means no quiet hours.
    """
    first, last = window(start, end)
    if first == last:
        return None
    local = localtime.wall(now, zone)
    minute = local.hour * 60 + local.minute
    inside = first <= minute < last if first < last else (minute >= first or minute < last)
    if not inside:
        return None
    day = local.date() if minute < last else local.date() + timedelta(days=1)
    wall = datetime(day.year, day.month, day.day, last // 60, last % 60)
    return max(localtime.to_utc(wall, zone), now)  # in a daylight-saving gap it moves forward, like any time


def format_window(start: int | None, end: int | None) -> str:
    """'22:00–08:00', or the default's."""
    first, last = window(start, end)
    return f"{first // 60:02d}:{first % 60:02d}–{last // 60:02d}:{last % 60:02d}"


async def reschedule_held(ctx: Any, member_id: int) -> int:
    """After a member changed their quiet hours or their time zone: what waits for their quiet hours goes when the
    new ones allow (at once, when they turned them off). How many messages moved."""
    member = await ctx.repos.members.get(member_id)
    if member is None:
        return 0
    now = ctx.now
    moves = []
    for held in await ctx.repos.outbox.held_for_quiet(member_id):
        ready = max(now, held.ready_at)
        not_before = quiet_until(member.timezone, member.quiet_start, member.quiet_end, ready) or ready
        if not_before != held.not_before:
            moves.append((held.id, not_before))
    moved = await ctx.repos.outbox.reschedule(moves)
    if moved:
        ctx.services.delivery.wake()
    return moved
