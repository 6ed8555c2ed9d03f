"""The buttons of /commit's questions, up to Register; a commitment started together with a partner or from a
session."""

from __future__ import annotations

from typing import Any

from handlers.commitments.asking import (
    _ask,
    _current,
    _next,
    _question,
    _stale,
    _summary,
)
from handlers.commitments.common import FLOW, VISIBILITY_LABELS, router
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
from handlers.events import Reply
from handlers.i18n import N_, _, join_lines, language, pick_language, plain
from storage.members import Member


@router.action("commit.when")
async def when_pressed(ctx: Context, payload: dict) -> Reply:
    """In a week, in a month, or no date."""
    conversation = await _current(ctx, payload, FLOW)
    choice = payload.get("v")
    if conversation is None or conversation.step != "commit.due" or choice not in ("week", "month", "none"):
        return _stale()
    due = quick_date(ctx, choice)
    note = _("By when: <b>{when}</b>.", when=_when(due, _zone(ctx))) if due is not None else _("No due date.")
    return await _next(ctx, {**conversation.data, "due": due}, note)


@router.action("commit.pick")
async def pick_pressed(ctx: Context, payload: dict) -> Reply:
    """A theme, a region or a visibility."""
    conversation = await _current(ctx, payload, FLOW)
    if conversation is None:
        return _stale()
    step, value = conversation.step.removeprefix("commit."), str(payload.get("v", ""))
    valid = ((step == "theme" and ctx.network.theme(value)) or (step == "region" and ctx.network.region(value))
             or (step == "visibility" and value in VISIBILITY_LABELS))
    if not valid:
        return Reply(_("That choice is no longer offered."), toast=plain(N_("No longer offered")), toast_only=True)
    data = {k: v for k, v in conversation.data.items() if k != "page"}
    return await _next(ctx, {**data, step: value})


@router.action("commit.skip")
async def skip_pressed(ctx: Context, payload: dict) -> Reply:
    """No theme, or no region."""
    conversation = await _current(ctx, payload, FLOW)
    if conversation is None or conversation.step not in ("commit.theme", "commit.region"):
        return _stale()
    data = {k: v for k, v in conversation.data.items() if k != "page"}
    return await _next(ctx, {**data, conversation.step.removeprefix("commit."): None})


@router.action("commit.page")
async def page_pressed(ctx: Context, payload: dict) -> Reply:
    """Another page of themes or regions."""
    conversation = await _current(ctx, payload, FLOW)
    if conversation is None or conversation.step not in ("commit.theme", "commit.region"):
        return _stale()
    conversation = await ctx.turn_page(conversation, payload.get("p", 0))
    if conversation is None:
        return _stale()
    return await _question(ctx, conversation, edit=True)


@router.action("commit.cancel")
async def cancel_pressed(ctx: Context, payload: dict) -> Reply:
    """Stop registering; nothing is stored."""
    if await _current(ctx, payload, FLOW) is None:
        return _stale()
    await ctx.repos.conversations.clear(ctx.member_id)
    return Reply(_("Cancelled. Nothing was registered."), edit=True)


@router.action("commit.register")
async def register_pressed(ctx: Context, payload: dict) -> Reply:
    """Store the commitment and schedule its check-ins."""
    conversation = await _current(ctx, payload, FLOW)
    if conversation is None or conversation.step != "commit.confirm":
        return _stale()
    data, zone, now = conversation.data, _zone(ctx), ctx.now
    due = data.get("due")
    if due is not None and due <= now:
        return await _ask(ctx, "due", data, note=_(
            "The date you chose, {when}, has passed in the meantime. Please choose another.", when=_when(due, zone)))
    visibility = data.get("visibility") if data.get("visibility") in VISIBILITY_LABELS else "network"
    await ctx.repos.conversations.clear(ctx.member_id)
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
            visibility=visibility, now=now, checkins=checkins)
        if data.get("session"):
            await link_commitment(ctx, commitment_id, data["session"])
    for at, _detail in checkins:
        ctx.services.scheduled(at)
    note = await ctx.button(_("Add a note"), "commitment.note", {"c": commitment_id})
    return Reply(join_lines(
        _("<b>Registered: commitment #{id}.</b>", id=commitment_id),
        _summary(ctx, {**data, "visibility": visibility}, zone),
        _("It is also in {name}'s commitments, as #{id}.", name=data.get("jn", ""), id=joint) if joint else None,
        "",
        checkins_line(checkins, zone),
        _("Send /commitments to see yours, or /progress {id} and a few words to note how it goes.", id=commitment_id),
    ), buttons=((note,),), edit=True)


async def start_joint(ctx: Context, intro_id: int, partner: Member, *, theme: str | None,
                      region: str | None) -> Reply:
    """Register a commitment together with a member one was introduced to (one row each, naming the other)."""
    data: dict[str, Any] = {"joint": intro_id, "jn": partner.display_name or plain(N_("(no name yet)"))}
    if theme and ctx.network.theme(theme):
        data["theme"] = theme
    if region and ctx.network.region(region):
        data["region"] = region
    return await _next(ctx, data, _("<b>A joint commitment with {name}.</b> It will appear in both your lists, with "
                                    "check-ins for each of you.", name=data["jn"]))


async def start_from_session(ctx: Context, session_id: int, title: str, *, themes: tuple[str, ...] = ()) -> Reply:
    """Register a commitment that came out of a session (the /commit questions, the session named and linked)."""
    data: dict[str, Any] = {"session": session_id, "sn": title}
    theme = next((t for t in themes if ctx.network.theme(t)), None)
    if theme is not None:
        data["theme"] = theme
    return await _next(ctx, data, _("<b>A commitment from session #{id}:</b> {title}", id=session_id, title=title))


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
