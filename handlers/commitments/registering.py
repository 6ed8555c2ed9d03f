"""The buttons of /commit's questions, up to Register; a commitment started together with a partner or from a
session."""

from __future__ import annotations

from typing import Any

from handlers.commitments.asking import _ask, _next, _summary
from handlers.commitments.common import (
    SKIP,
    VISIBILITY_LABELS,
    CommitmentRef,
    commit_flow,
)
from handlers.commitments.dates import (
    _when,
    _zone,
    checkins_for,
    checkins_line,
    due_text,
    quick_date,
)
from handlers.commitments.together import joint_partner, link_commitment
from handlers.core import Context
from handlers.core.questions import Answer
from handlers.events import Reply
from handlers.i18n import N_, _, join_lines, language, pick_language, plain
from storage.members import Member


@commit_flow.picked("due")
async def when_picked(ctx: Context, answer: Answer) -> Reply:
    """In a week, in a month, or no date."""
    due = quick_date(ctx, answer.value)
    note = _("By when: <b>{when}</b>.", when=_when(due, _zone(ctx))) if due is not None else _("No due date.")
    return await _next(ctx, {**answer.data, "due": due}, note)


@commit_flow.picked("theme", "region", "visibility")
async def choice_picked(ctx: Context, answer: Answer) -> Reply:
    """A theme, a region (or Skip), or who may see it."""
    return await _next(ctx, {**answer.data, answer.step: answer.value if answer.value != SKIP else None})


@commit_flow.picked("confirm")
async def register_pressed(ctx: Context, answer: Answer) -> Reply:
    """Store the commitment and schedule its check-ins."""
    data, zone, now = answer.data, _zone(ctx), ctx.now
    due = data.get("due")
    if due is not None and due <= now:
        return await _ask(ctx, "due", data, note=_(
            "The date you chose, {when}, has passed in the meantime. Please choose another.", when=_when(due, zone)))
    visibility = data.get("visibility") if data.get("visibility") in VISIBILITY_LABELS else "network"
    await commit_flow.end(ctx)
    checkins = checkins_for(due, now, zone)
    joint = None
    if data.get("joint"):
        partner = await joint_partner(ctx, data["joint"])
        if partner is None:
            return Reply(_("That introduction is no longer open for a joint commitment. Nothing was registered."),
                         edit=True)
        theirs = checkins_for(due, now, partner.timezone or "UTC")
        commitment_id, joint = await ctx.repos.commitments.create_joint(
            (ctx.member_id, partner.id), data["what"], due_at=due, theme=data.get("theme"), region=data.get("region"),
            visibility=visibility, now=now, checkins=(checkins, theirs))
        await _tell_partner(ctx, partner, joint, {**data, "visibility": visibility}, due)
    else:
        commitment_id = await ctx.repos.commitments.create(
            ctx.member_id, data["what"], due_at=due, theme=data.get("theme"), region=data.get("region"),
            visibility=visibility, now=now, checkins=checkins, practice_id=await _practice_still(ctx, data))
        if data.get("session"):
            await link_commitment(ctx, commitment_id, data["session"])
    for at, _detail in checkins:
        ctx.services.scheduled(at)
    note = await ctx.button(_("Add a note"), "commitment.note", CommitmentRef(commitment_id))
    return Reply(join_lines(
        _("<b>Registered: commitment #{id}.</b>", id=commitment_id),
        _summary(ctx, {**data, "visibility": visibility}, zone),
        _("It is also in {name}'s commitments, as #{id}.", name=data.get("joint_name", ""), id=joint) if joint else None,
        "",
        checkins_line(checkins, zone),
        _("Send /commitments to see yours, or /progress {id} and a few words to note how it goes.", id=commitment_id),
    ), buttons=((note,),), edit=True)


async def start_joint(ctx: Context, intro_id: int, partner: Member, *, theme: str | None,
                      region: str | None) -> Reply:
    """Register a commitment together with a member one was introduced to (one row each, naming the other)."""
    data: dict[str, Any] = {"joint": intro_id,
                              "joint_name": partner.display_name or plain(N_("(no name yet)"))}
    if theme and ctx.network.theme(theme):
        data["theme"] = theme
    if region and ctx.network.region(region):
        data["region"] = region
    return await _next(ctx, data, _("<b>A joint commitment with {name}.</b> It will appear in both your lists, with "
                                    "check-ins for each of you.", name=data["joint_name"]))


async def start_from_session(ctx: Context, session_id: int, title: str, *, themes: tuple[str, ...] = ()) -> Reply:
    """Register a commitment that came out of a session (the /commit questions, the session named and linked)."""
    data: dict[str, Any] = {"session": session_id, "session_title": title}
    theme = next((t for t in themes if ctx.network.theme(t)), None)
    if theme is not None:
        data["theme"] = theme
    return await _next(ctx, data, _("<b>A commitment from session #{id}:</b> {title}", id=session_id, title=title))


async def start_from_practice(ctx: Context, practice_id: int, title: str, *, themes: tuple[str, ...] = (),
                              region: str | None = None) -> Reply:
    """Register a commitment to try a practice of the toolbox (the /commit questions, the practice named; the
    commitment is linked to it, so the practice shows how many are trying it and how many did)."""
    data: dict[str, Any] = {"practice": practice_id, "practice_title": title}
    theme = next((t for t in themes if ctx.network.theme(t)), None)
    if theme is not None:
        data["theme"] = theme
    if region and ctx.network.region(region):
        data["region"] = region
    return await _next(ctx, data, _("<b>Trying practice #{id}:</b> {title}", id=practice_id, title=title))


async def _practice_still(ctx: Context, data: dict[str, Any]) -> int | None:
    """The practice the commitment tries, if it is still published (it may have been merged or retired since)."""
    practice = await ctx.repos.practices.get(int(data["practice"])) if data.get("practice") else None
    if practice is None:
        return None
    if practice.status == "merged" and practice.merged_into:
        return practice.merged_into
    return practice.id


async def _tell_partner(ctx: Context, partner: Member, commitment_id: int, data: dict[str, Any],
                        due: int | None) -> None:
    """Tell the other member of a joint commitment that it is now in their list too."""
    zone = partner.timezone or "UTC"
    with language(pick_language(partner.languages, ctx.network.default_language)):
        text = join_lines(
            _("<b>{name} registered a joint commitment with you:</b> #{id}", id=commitment_id,
              name=ctx.member.display_name or plain(N_("(no name yet)"))),
            _("{what}", what=data.get("what", "")),
            _("<i>{due} · visible to: {who}</i>", due=due_text(due, zone),
              who=plain(VISIBILITY_LABELS[data["visibility"]])),
            _("It is in your /commitments, where you can mark it done, give it a new date or drop your part."))
    await ctx.notify(partner.id, Reply(text), kind="commitment", about=(ctx.member_id,))
