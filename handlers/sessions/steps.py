"""The organisers' draft of a session: the answers typed and the buttons pressed, up to saving it."""

from __future__ import annotations

from handlers.core import Context, Role
from handlers.events import Reply
from handlers.i18n import _, _n, join_lines
from handlers.sessions.common import FIELDS, FLOW, OPTIONAL, router
from handlers.sessions.draft import (
    _current,
    _missing,
    _next,
    _typed,
    ask_field,
    stale,
    summary,
)
from handlers.sessions.fields import draft_zone
from handlers.sessions.notices import save_session
from handlers.sessions.showing import span
from storage.conversations import Conversation


@router.text_step(FLOW, "session.title")
async def title_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    return await _typed(ctx, conversation, "title", text)


@router.text_step(FLOW, "session.start")
async def start_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    return await _typed(ctx, conversation, "start", text)


@router.text_step(FLOW, "session.end")
async def end_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    return await _typed(ctx, conversation, "end", text)


@router.text_step(FLOW, "session.field")
async def field_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    name = conversation.data.get("f")
    if name not in FIELDS:
        return await _next(ctx, dict(conversation.data.get("v", {})), conversation.data.get("id"))
    return await _typed(ctx, conversation, name, text)


@router.text_step(FLOW, "session.confirm")
async def confirm_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    return Reply(_("Please tap a field to change it, or Create / Save, or send /cancel to stop."))


@router.action("session.set", Role.ORGANISER)
async def set_pressed(ctx: Context, payload: dict) -> Reply:
    conversation = await _current(ctx, payload)
    if conversation is None or conversation.step != "session.confirm" or payload.get("f") not in FIELDS:
        return stale()
    return await ask_field(ctx, conversation, payload["f"])


@router.action("session.clear", Role.ORGANISER)
async def clear_pressed(ctx: Context, payload: dict) -> Reply:
    conversation = await _current(ctx, payload)
    name = conversation.data.get("f") if conversation else None
    if conversation is None or name not in OPTIONAL:
        return stale()
    values = dict(conversation.data.get("v", {}))
    values[name] = [] if name == "themes" else None
    return await _next(ctx, values, conversation.data.get("id"))


@router.action("session.back", Role.ORGANISER)
async def back_pressed(ctx: Context, payload: dict) -> Reply:
    conversation = await _current(ctx, payload)
    if conversation is None:
        return stale()
    return await _next(ctx, dict(conversation.data.get("v", {})), conversation.data.get("id"))


@router.action("session.drop", Role.ORGANISER)
async def drop_pressed(ctx: Context, payload: dict) -> Reply:
    if await _current(ctx, payload) is None:
        return stale()
    await ctx.repos.conversations.clear(ctx.member_id)
    return Reply(_("Cancelled. Nothing was changed."), edit=True)


@router.action("session.save", Role.ORGANISER)
async def save_pressed(ctx: Context, payload: dict) -> Reply:
    """Create or save the session: checked once more against the clock and the session as it is now."""
    conversation = await _current(ctx, payload)
    if conversation is None or conversation.step != "session.confirm":
        return stale()
    values = dict(conversation.data.get("v", {}))
    session_id = conversation.data.get("id")
    missing = _missing(values)
    if missing:
        return await _next(ctx, values, session_id)
    old = await ctx.repos.sessions.get(int(session_id)) if session_id else None
    if session_id and old is None:
        await ctx.repos.conversations.clear(ctx.member_id)
        return Reply(_("That session no longer exists. Nothing was saved."), edit=True)
    if old is not None and old.ends_at <= ctx.now:
        await ctx.repos.conversations.clear(ctx.member_id)
        return Reply(_("Session #{id} is over in the meantime. Nothing was saved.", id=old.id), edit=True)
    moved = old is None or old.starts_at != values["starts_at"]
    if moved and values["starts_at"] <= ctx.now:
        return await _next(ctx, values, session_id, _("The start, {span}, has passed in the meantime. Please give "
                                                      "another.", span=span(values["starts_at"], values["ends_at"],
                                                                            draft_zone(ctx, values))))
    if values["ends_at"] <= values["starts_at"]:
        return await _next(ctx, values, session_id, _("The end must come after the start."))
    values.setdefault("themes", [])
    await ctx.repos.conversations.clear(ctx.member_id)
    saved = await save_session(ctx.services, values, session_id=old.id if old else None,
                               actor=ctx.member_id, now=ctx.now)
    if saved.created:
        head = _("<b>Session #{id} is on the agenda.</b> Members see it with /agenda.", id=saved.session_id)
    elif saved.reinstated:
        head = _("<b>Session #{id} is back on.</b>", id=saved.session_id)
    elif saved.changed:
        head = _("<b>Session #{id} is saved.</b>", id=saved.session_id)
    else:
        head = _("Nothing changed in session #{id}.", id=saved.session_id)
    told = _n("{n} subscriber was told of the new time or place.",
              "{n} subscribers were told of the new time or place.", saved.told) if saved.told else None
    return Reply(join_lines(head, summary(ctx, values), told), edit=True)
