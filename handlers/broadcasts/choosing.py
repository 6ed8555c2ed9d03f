"""The draft's buttons: the audience, urgent and channels, now or a later moment, discard, and send."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from handlers import when
from handlers.arguments import number
from handlers.broadcasts.approval import ask_approval
from handlers.broadcasts.common import DAY, FLOW, ROLES, router
from handlers.broadcasts.compose import (
    _current,
    _draft,
    _sessions,
    preview_counts,
    save,
    stale,
)
from handlers.broadcasts.sending import _go
from handlers.core import Context, Role
from handlers.events import Reply
from handlers.i18n import _, _n, current_language
from storage.broadcasts import clean_audience
from storage.conversations import Conversation


@router.action("broadcast.view", Role.ORGANISER)
async def view_pressed(ctx: Context, payload: dict) -> Reply:
    conversation = await _current(ctx, payload)
    view = payload.get("v")
    if conversation is None or view not in ("main", "themes", "regions", "roles", "sessions"):
        return stale()
    conversation = await save(ctx, conversation, view=view, page=0)
    return await _draft(ctx, conversation, edit=True)


@router.action("broadcast.page", Role.ORGANISER)
async def page_pressed(ctx: Context, payload: dict) -> Reply:
    conversation = await _current(ctx, payload)
    if conversation is None:
        return stale()
    conversation = await ctx.turn_page(conversation, payload.get("p", 0))
    return stale() if conversation is None else await _draft(ctx, conversation, edit=True)


@router.action("broadcast.toggle", Role.ORGANISER)
async def toggle_pressed(ctx: Context, payload: dict) -> Reply:
    conversation = await _current(ctx, payload)
    if conversation is None:
        return stale()
    view, value = conversation.data.get("view"), str(payload.get("v", ""))
    valid = ((view == "themes" and ctx.network.theme(value) is not None)
             or (view == "regions" and ctx.network.region(value) is not None)
             or (view == "roles" and value in ROLES)
             or (view == "sessions" and number(value) in await _sessions(ctx)))
    if not valid:
        return Reply(_("That choice is no longer offered."), toast=str(_("No longer offered")), toast_only=True)
    audience = {k: list(v) for k, v in conversation.data.get("audience", {}).items()}
    chosen = audience.setdefault(view, [])
    stored: Any = number(value) if view == "sessions" else value
    if stored in chosen:
        chosen.remove(stored)
    else:
        chosen.append(stored)
    conversation = await save(ctx, conversation, audience=clean_audience(audience))
    return await _draft(ctx, conversation, edit=True)


@router.action("broadcast.flag", Role.ORGANISER)
async def flag_pressed(ctx: Context, payload: dict) -> Reply:
    conversation = await _current(ctx, payload)
    flag = payload.get("v")
    if conversation is None or flag not in ("urgent", "channels"):
        return stale()
    conversation = await save(ctx, conversation, **{flag: not conversation.data.get(flag)})
    return await _draft(ctx, conversation, edit=True)


@router.action("broadcast.later", Role.ORGANISER)
async def later_pressed(ctx: Context, payload: dict) -> Reply:
    conversation = await _current(ctx, payload)
    if conversation is None:
        return stale()
    await save(ctx, conversation, step="broadcast.when")
    return Reply(_("When should it go? For example “tomorrow 9:00”, “in 2 hours” or “15 March 18:00” (your time "
                   "zone: {zone}).", zone=ctx.member.timezone or "UTC"), asks=str(_("When")))


@router.text_step(FLOW, "broadcast.when")
async def when_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    moment = await when.parse_moment_async(text, ctx.member.timezone or "UTC", ctx.now)
    if isinstance(moment, when.Problem):
        messages = {
            "past": _("That time has already passed: {when}. Give a time in the future.",
                      when=when.describe_moment(moment.at, ctx.member.timezone or "UTC", locale=current_language())),
            "too_far": _("That is more than five years away. Give a nearer time."),
        }
        return Reply(messages.get(moment.code, _("I couldn't read a time in that. Try “tomorrow 9:00”, “in 2 hours” "
                                                  "or “15 March 18:00”.")), asks=str(_("When")))
    conversation = await save(ctx, conversation, send_at=moment.at, view="main")
    return await _draft(ctx, conversation)


@router.action("broadcast.now", Role.ORGANISER)
async def now_pressed(ctx: Context, payload: dict) -> Reply:
    conversation = await _current(ctx, payload)
    if conversation is None:
        return stale()
    conversation = await save(ctx, conversation, send_at=None)
    return await _draft(ctx, conversation, edit=True)


@router.action("broadcast.discard", Role.ORGANISER)
async def discard_pressed(ctx: Context, payload: dict) -> Reply:
    conversation = await _current(ctx, payload)
    if conversation is None:
        return stale()
    await ctx.repos.conversations.clear(ctx.member_id)
    return Reply(_("Draft discarded; nothing was sent."), edit=True)


@router.action("broadcast.send", Role.ORGANISER)
async def send_pressed(ctx: Context, payload: dict) -> Reply | list[Reply]:
    """Confirm: check the quota, then send, schedule, or ask a second organiser to approve."""
    conversation = await _current(ctx, payload)
    if conversation is None or conversation.step != "broadcast.compose":
        return stale()
    data = conversation.data
    audience = clean_audience(data.get("audience", {}))
    quota = ctx.network.broadcast_daily_quota
    if await ctx.repos.broadcasts.count_since(ctx.member_id, ctx.now - DAY) >= quota:
        return await _draft(ctx, conversation, note=_n(
            "You have already started {n} broadcast in the last 24 hours, the most an organiser may. Your draft "
            "is kept: send it later, or ask another organiser to send it.",
            "You have already started {n} broadcasts in the last 24 hours, the most an organiser may. Your draft "
            "is kept: send it later, or ask another organiser to send it.", quota))
    send_at = data.get("send_at")
    if send_at is not None and send_at <= ctx.now:
        send_at = None  # the chosen moment passed while the draft was open: it goes now
    total, _platforms, _muted = await preview_counts(ctx, audience)
    if total == 0 and not (data.get("channels") and ctx.network.announcement_channels):
        return await _draft(ctx, conversation, note=_(
            "Nobody is in this audience (or everyone in it muted broadcasts like this). Choose another audience."))
    needs_approval = total > ctx.network.broadcast_approval_above
    status = "awaiting_approval" if needs_approval else "scheduled"
    broadcast_id = await ctx.repos.broadcasts.create(
        ctx.member_id, data["text"], audience, urgent=bool(data.get("urgent")),
        channels=bool(data.get("channels")) and bool(ctx.network.announcement_channels), status=status,
        send_at=send_at or ctx.now, recipients=total, now=ctx.now)
    await ctx.repos.conversations.clear(ctx.member_id)
    if needs_approval:
        asked = await ask_approval(ctx, broadcast_id, total)
        if not asked:
            return Reply(_n("Broadcast #{id} reaches {n} member, so a second organiser must approve it, but there "
                            "is no other organiser yet. Ask an admin to /promote someone, or send it to a smaller "
                            "audience.",
                            "Broadcast #{id} reaches {n} members, so a second organiser must approve it, but there "
                            "is no other organiser yet. Ask an admin to /promote someone, or send it to a smaller "
                            "audience.", total, id=broadcast_id, n=f"{total:,}"), edit=True)
        return Reply(Markup(" ").join([
            _n("Broadcast #{id} reaches {n} member, so it waits for a second organiser's approval.",
               "Broadcast #{id} reaches {n} members, so it waits for a second organiser's approval.", total,
               id=broadcast_id, n=f"{total:,}"),
            _n("I asked {n} organiser; I will tell you when they answer.",
               "I asked {n} organisers; I will tell you when one answers.", asked)]), edit=True)
    return Reply(await _go(ctx, broadcast_id), edit=True)
