"""The sessions part of a member's /export."""

from __future__ import annotations

from handlers.core import Context
from handlers.data_rights import iso
from handlers.sessions.common import router


@router.export("sessions")
async def _export(ctx: Context, member_id: int) -> dict:
    data = await ctx.repos.sessions.export(member_id)
    for key in ("sessions", "themes", "sessions_you_created"):
        for row in data[key]:
            for stamp in ("subscribed_at", "created_at"):
                if stamp in row:
                    row[stamp] = iso(row[stamp])
    for row in data["attendance"]:
        row["answered_at"] = iso(row["answered_at"])
    data["sign_ups"] = [{"session_number": row["session_id"], "answer": row["status"],
                         "place_offered_until": iso(row["offer_until"]) if row["offer_until"] else None,
                         "answered_at": iso(row["updated_at"]), "answers": row["answers"]}
                        for row in await ctx.repos.signups.for_member(member_id)]
    return data
