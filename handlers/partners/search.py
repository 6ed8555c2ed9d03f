"""Searching: ranking the people who match, and picking whom to ask."""

from __future__ import annotations

import random
from typing import Any

from markupsafe import Markup

from handlers.core import Context
from handlers.core.questions import Answer, Choice, Question
from handlers.events import Reply
from handlers.i18n import N_, _, join_lines, plain
from handlers.lockdown import locked, paused
from handlers.partners.common import EXPIRE_AFTER, FLOW, POOL, SHOWN, partner_flow
from handlers.partners.consent import send_request
from handlers.partners.words import (
    _kind,
    _name,
    _subject,
    limit_reached,
    why_for_searcher,
)
from storage.conversations import Conversation
from storage.partners import Candidate

SEND = "send"  # the value of Send among the pick question's choices (the people are 0, 1, 2 …)


def rank(candidates: list[Candidate], shuffle: random.Random | None = None) -> list[Candidate]:
    """Most matching first (theme and region), then more shared languages, then a related commitment, then who was
    asked least recently; ties at random, so member numbers never show through the order."""
    shuffle = shuffle or random.Random()
    keyed = [((-c.strength, -len(c.languages), c.commitment is None, c.last_asked or 0, shuffle.random()), c)
             for c in candidates]
    return [c for _key, c in sorted(keyed, key=lambda pair: pair[0])]


def _reason(candidate: Candidate, *, theme: str | None, region: str | None, language_code: str | None,
            own: tuple[str, ...]) -> dict[str, Any]:
    """Why someone matches, as ids and codes (stored, and shown to them if asked)."""
    return {"t": theme if candidate.theme else None, "r": region if candidate.region else None,
            "l": [code for code in own if code in candidate.languages],
            "w": language_code, "c": candidate.commitment}


async def _search(ctx: Context, data: dict[str, Any], *, checked: bool = False) -> Reply:
    """Run the search and show who it found, with buttons to pick (`checked`: the daily limit was just checked)."""
    refused = None if checked else await limit_reached(ctx)
    if refused is not None:
        await partner_flow.end(ctx)
        return refused
    member = ctx.member
    theme, region = data.get("theme") or None, data.get("region") or None
    language_code, note = data.get("language") or None, data.get("note") or ""
    found = await ctx.repos.partners.candidates(
        member.id, theme=theme, region=region, language=language_code, languages=tuple(member.languages),
        pivot=random.random(), limit=POOL, wanted=SHOWN)
    chosen = rank(found)[:SHOWN]
    reasons = [_reason(c, theme=theme, region=region, language_code=language_code, own=tuple(member.languages))
               for c in chosen]
    subject = _subject(ctx, theme, region, language_code)
    if not chosen:
        await ctx.repos.partners.create_request(member.id, theme=theme, region=region, language=language_code,
                                                note=note, proposals=[], now=ctx.now)
        await partner_flow.end(ctx)  # a question left open would now be out of place
        return Reply(join_lines(
            _("<b>Nobody in the network matches {subject} right now.</b>", subject=subject),
            _("Organisers see the searches that found nobody (with your note), so they know where the network has "
              "gaps and may introduce you to someone themselves, with your agreement."),
            _("You can also search again with fewer conditions: /partner.")))
    people = await ctx.repos.members.get_many([c.member_id for c in chosen])
    lines: list[Any] = [_("<b>People who may partner with you</b> ({subject})", subject=subject)]
    if note:
        lines.append(_("<i>Your note: {note}</i>", note=note))
    labels = []
    for n, (candidate, reason) in enumerate(zip(chosen, reasons), start=1):
        person = people.get(candidate.member_id)
        labels.append(f"{n}. {_name(person)}")
        why = await why_for_searcher(ctx, reason)
        lines += ["", _("{n}. <b>{name}</b> — {kind}", n=n, name=_name(person), kind=_kind(ctx, person)),
                  _("<i>{why}</i>", why=why)]
    lines += ["", _("Tap the people you would like to be introduced to, then Send. Each is sent your pseudonym, "
                    "your kind of actor, why they match and your note, never your contact. Contacts are exchanged "
                    "only with those who accept.")]
    async with ctx.repos.db.transaction() as conn:  # the search, whom it proposed, and the question: together
        request_id = await ctx.repos.partners.create_request_in(
            conn, member.id, theme=theme, region=region, language=language_code, note=note,
            proposals=[(c.member_id, reason) for c, reason in zip(chosen, reasons)], now=ctx.now)
        conversation = await ctx.repos.conversations.put_in(
            conn, member.id, FLOW, "pick", {"request": request_id, "text": str(join_lines(*lines)),
                                            "labels": labels, "picked": []}, ctx.now)
    return await partner_flow.show(ctx, conversation)


@partner_flow.step("pick")
async def pick_question(ctx: Context, conversation: Conversation) -> Question:
    """Whom to ask: a toggle for each person found, then Send."""
    data = conversation.data
    picked = set(data.get("picked", []))
    toggles = tuple(Choice(str(n), label, ticked=n in picked) for n, label in enumerate(data.get("labels", [])))
    return Question(Markup(data.get("text", "")), choices=toggles, per_row=1, page_size=len(toggles) or 1,
                    more=((Choice(SEND, str(_("Send ({n} chosen)", n=len(picked)))),),))


@partner_flow.picked("pick")
async def pick_pressed(ctx: Context, answer: Answer) -> Reply:
    """Someone picked or unpicked (the list is redrawn in place), or Send."""
    if answer.value == SEND:
        return await _send(ctx, answer.conversation)
    index = int(answer.value)
    picked = [i for i in answer.data.get("picked", []) if i != index]
    if len(picked) == len(answer.data.get("picked", [])):
        picked.append(index)
    return await partner_flow.redraw(ctx, answer.conversation, {**answer.data, "picked": sorted(picked)})


async def _send(ctx: Context, conversation: Conversation) -> Reply:
    """Send an introduction request to each person picked."""
    if await locked(ctx):
        return paused()
    chosen = sorted(set(conversation.data.get("picked", [])))
    if not chosen:
        return Reply(_("Tap at least one person first."), toast=plain(N_("Tap at least one person first")),
                     toast_only=True)
    repo, me, now = ctx.repos.partners, ctx.member_id, ctx.now
    request_id = int(conversation.data["request"])
    request = await repo.request(request_id)
    proposals = {p.position: p for p in await repo.proposals(request_id)}
    eligible = await repo.eligible(me, [p.member_id for p in proposals.values()])
    picks: list[tuple[int | None, dict, bool]] = []
    for index in chosen:
        proposal = proposals.get(index)
        if proposal is None:  # erased since: the introduction lapses like any other
            picks.append((None, {}, False))
        else:
            picks.append((proposal.member_id, proposal.reason, proposal.member_id in eligible))
    expires_at = now + EXPIRE_AFTER
    intro_ids = await repo.send(request_id, me, picks, note=request.note if request else "", now=now,
                                expires_at=expires_at)
    await partner_flow.end(ctx)
    if intro_ids is None:
        return Reply(_(partner_flow.stale), toast=plain(N_("Already answered")), toast_only=True)
    ctx.services.scheduled(expires_at)
    others = await ctx.repos.members.get_many([m for m, _r, ask in picks if m is not None and ask])
    for intro_id, (member_id, _reason, ask) in zip(intro_ids, picks):
        if ask and member_id in others:
            await send_request(ctx, intro_id, others[member_id])
    labels = conversation.data.get("labels", [])
    names = ", ".join(labels[i].partition(". ")[2] for i in chosen if i < len(labels))
    return Reply(join_lines(
        _("<b>Introduction requests sent to {names}.</b>", names=names),
        _("Each sees your pseudonym, your kind of actor, why they match and your note, never your contact. If "
          "someone accepts, you each receive the other's contact line. If someone is not available, I will tell "
          "you within a week."),
        _("/partners shows where your searches and introductions stand.")), edit=True)
