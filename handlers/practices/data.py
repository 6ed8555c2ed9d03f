"""The toolbox's part of /export: the practices a member shared, what they said of others', and what they asked
future meetings to address. /forget erases all of it, unless the member chooses to leave their practices,
anonymous (handlers/data_rights.py asks)."""

from __future__ import annotations

from handlers.core import Context
from handlers.data_rights import iso
from handlers.practices.common import router


@router.export("practices_shared")
async def _shared(ctx: Context, member_id: int) -> list:
    return [{"practice_number": p.id, "title": p.title, "what_was_done": p.what, "region": p.region,
             "place": p.place, "themes": list(p.themes), "kind_of_actor": p.actor_kind, "what_worked": p.worked,
             "what_did_not": p.not_worked, "what_it_needs": p.needs, "link": p.link, "visible_to": p.visibility,
             "anonymous": p.anonymous, "state": p.status, "organisers_note": p.review_note,
             "from_session_number": p.session_id, "created_at": iso(p.created_at),
             "published_at": iso(p.published_at)}
            for p in await ctx.repos.practices.by_author(member_id)]


@router.export("practices_reported_on")
async def _reports(ctx: Context, member_id: int) -> list:
    return [{**report, "at": iso(report["at"])} for report in await ctx.repos.practices.reports_by(member_id)]


@router.export("future_meetings_should_address")
async def _feedback(ctx: Context, member_id: int) -> list:
    return [{"text": f.text, "theme": f.theme, "after_session_number": f.session_id, "at": iso(f.created_at)}
            for f in await ctx.repos.practices.feedback_by(member_id)]
