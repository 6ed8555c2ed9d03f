"""The partners part of a member's /export, and what /forget clears in others' records."""

from __future__ import annotations

from typing import Any

from handlers.core import Context
from handlers.data_rights import iso
from handlers.partners.common import router
from storage.partners import Introduction, PartnerRepository


def _seen_status(intro: Introduction) -> str:
    """An introduction's state as its sides may know it (never the other side's answer)."""
    return {"introduced": "introduced", "lapsed": "not_available"}.get(intro.status, "waiting")


@router.export("partners")
async def _export(ctx: Context, member_id: int) -> dict:
    repo = ctx.repos.partners
    searches = await repo.requests_for(member_id, limit=10_000)
    counts = await repo.request_counts([s.id for s in searches])
    intros = await repo.for_member(member_id, limit=10_000)
    arranged = await repo.arranged_by(member_id, limit=10_000)
    blocks = await repo.blocked_by(member_id)
    introduced = [i.other(i.side(member_id)) for i in intros if i.status == "introduced"]
    people = await ctx.repos.members.get_many(sorted({m for m in [*introduced, *(b for b, _at in blocks),
                                                                   *(x for i in arranged for x in (i.a_id, i.b_id))]
                                                      if m is not None}))

    def name(who: int | None) -> str | None:
        member = people.get(who) if who is not None else None
        return member.display_name if member else None

    return {
        "matching_on": await repo.matching(member_id),
        "searches": [{"search_number": s.id, "theme": s.theme, "region": s.region, "language": s.language,
                      "note": s.note, "people_proposed": s.found, "status": s.status,
                      "introductions": {"introduced": counts.get(s.id, {}).get("introduced", 0),
                                        "waiting": counts.get(s.id, {}).get("pending", 0),
                                        "not_available": counts.get(s.id, {}).get("lapsed", 0)},
                      "at": iso(s.created_at)} for s in searches],
        "introductions": [{"introduction_number": i.id, "suggested_by_an_organiser": i.organiser_id is not None,
                           "you_searched": i.organiser_id is None and i.side(member_id) == "a",
                           "your_answer": i.answer(i.side(member_id)), "status": _seen_status(i),
                           "with": name(i.other(i.side(member_id))) if i.status == "introduced" else None,
                           "note": i.note, "introduced_at": iso(i.introduced_at),
                           "did_you_connect": i.follow_up(i.side(member_id)), "at": iso(i.created_at)}
                          for i in intros],
        "introductions_you_suggested": [{"introduction_number": i.id, "between": [name(i.a_id), name(i.b_id)],
                                         "note": i.note, "status": _seen_status(i), "at": iso(i.created_at)}
                                        for i in arranged],
        "members_you_blocked": [{"name": name(b), "since": iso(at)} for b, at in blocks],
    }


@router.erase
async def _erase(conn: Any, member_id: int) -> None:
    await PartnerRepository.forget_in(conn, member_id)
