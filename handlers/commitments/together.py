"""What the partners and sessions capabilities need to start a commitment: the partner of a joint commitment, and
the session one came from."""

from __future__ import annotations

from typing import Any

from handlers.core import Context
from storage.members import Member


async def joint_partner(ctx: Context, intro_id: Any) -> Member | None:
    """The other member of an introduction the member is part of and that was made, if they are still here."""
    try:
        intro = await ctx.repos.partners.introduction(int(intro_id))
    except (TypeError, ValueError):
        return None
    side = intro.side(ctx.member_id) if intro is not None else None
    if intro is None or side is None or intro.status != "introduced" or intro.other(side) is None:
        return None
    other = await ctx.repos.members.get(intro.other(side))
    return None if other is None or other.blocked else other


async def link_commitment(ctx: Context, commitment_id: int, session_id: Any) -> None:
    """Note that a commitment came from a session (called when it is registered)."""
    try:
        session = await ctx.repos.sessions.get(int(session_id))
    except (TypeError, ValueError):
        return
    if session is not None:
        await ctx.repos.sessions.link_commitment(commitment_id, session.id)
