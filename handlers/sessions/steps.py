"""The organisers' draft of a session: the answers typed and the buttons pressed, up to saving it."""

from __future__ import annotations

from handlers.core import Context
from handlers.core.questions import Answer
from handlers.events import Reply
from handlers.i18n import _, _n, join_lines
from handlers.sessions.common import FIELDS, VALUE_OF, draft_flow
from handlers.sessions.draft import (
    ASK,
    CLEAR,
    _missing,
    _next,
    _typed,
    ask_field,
    summary,
)
from handlers.sessions.fields import draft_zone
from handlers.sessions import signing_up
from handlers.sessions.notices import save_session
from handlers.sessions.showing import span
from storage.conversations import Conversation


@draft_flow.typed("title", "start", "end")
async def required_typed(ctx: Context, answer: Answer) -> Reply:
    return await _typed(ctx, answer.conversation, answer.step, answer.value)


@draft_flow.typed("field")
async def field_typed(ctx: Context, answer: Answer) -> Reply:
    name = answer.data.get("field")
    if name not in FIELDS:
        return await _next(ctx, dict(answer.data.get("values", {})), answer.data.get("session"))
    return await _typed(ctx, answer.conversation, name, answer.value)


@draft_flow.picked("field")
async def field_pressed(ctx: Context, answer: Answer) -> Reply:
    """Clear an optional field (or ask about access needs), or go back to the summary as it was."""
    values = dict(answer.data.get("values", {}))
    name = answer.data.get("field")
    if answer.value == CLEAR:
        values[VALUE_OF.get(name, name)] = [] if name == "themes" else None
    elif answer.value == ASK and name == "access":
        values["asks_access"] = 1
    return await _next(ctx, values, answer.data.get("session"))


@draft_flow.picked("confirm")
async def confirm_pressed(ctx: Context, answer: Answer) -> Reply:
    """A field to change, or Create / Save."""
    if answer.value in FIELDS:
        return await ask_field(ctx, answer.conversation, answer.value)
    return await _save(ctx, answer.conversation)


@draft_flow.when_cancelled
async def cancelled(ctx: Context, conversation: Conversation) -> Reply:
    return Reply(_("Cancelled. Nothing was changed."))


async def _save(ctx: Context, conversation: Conversation) -> Reply:
    """Create or save the session: checked once more against the clock and the session as it is now."""
    values = dict(conversation.data.get("values", {}))
    session_id = conversation.data.get("session")
    missing = _missing(values)
    if missing:
        return await _next(ctx, values, session_id)
    old = await ctx.repos.sessions.get(int(session_id)) if session_id else None
    if session_id and old is None:
        await draft_flow.end(ctx)
        return Reply(_("That session no longer exists. Nothing was saved."), edit=True)
    if old is not None and old.ends_at <= ctx.now:
        await draft_flow.end(ctx)
        return Reply(_("Session #{id} is over in the meantime. Nothing was saved.", id=old.id), edit=True)
    moved = old is None or old.starts_at != values["starts_at"]
    if moved and values["starts_at"] <= ctx.now:
        return await _next(ctx, values, session_id, _("The start, {span}, has passed in the meantime. Please give "
                                                      "another.", span=span(values["starts_at"], values["ends_at"],
                                                                            draft_zone(ctx, values))))
    if values["ends_at"] <= values["starts_at"]:
        return await _next(ctx, values, session_id, _("The end must come after the start."))
    values.setdefault("themes", [])
    await draft_flow.end(ctx)
    saved = await save_session(ctx.services, values, session_id=old.id if old else None,
                               actor=ctx.member_id, now=ctx.now)
    if old is not None and values.get("places") != old.places:
        await signing_up.places_changed(ctx, saved.session_id)
    questions = (values.get("interpretation") or None, bool(values.get("asks_access")))
    if old is not None and questions != (old.interpretation or None, bool(old.asks_access)):
        # A question no longer asked, or a language no longer offered: its answers go.
        offered = set(filter(None, (questions[0] or "").split(",")))
        asked = {name for name, on in (("interpretation", offered), ("access", questions[1])) if on}
        await ctx.repos.signups.forget_unasked(saved.session_id, asked, offered)
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
