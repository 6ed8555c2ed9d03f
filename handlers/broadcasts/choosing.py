"""The draft's buttons: the audience, urgent and channels, now or a later moment, discard, and send."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from handlers import when
from handlers.arguments import number
from handlers.broadcasts.approval import ask_approval
from handlers.broadcasts.common import AUDIENCES, BACK, DAY, draft_flow
from handlers.broadcasts.compose import preview_counts
from handlers.broadcasts.sending import _go
from handlers.core import Context
from handlers.core.questions import Answer
from handlers.events import Reply
from handlers.i18n import _, _n, current_language, grouped
from storage.broadcasts import clean_audience


@draft_flow.picked("compose")
async def draft_pressed(ctx: Context, answer: Answer) -> Reply | list[Reply]:
    """A list of the audience, a flag, a moment, discard or send: the draft changes in its place."""
    data, choice = answer.data, answer.value
    if choice in AUDIENCES:
        return await draft_flow.ask(ctx, "audience", {**data, "view": choice}, edit=True)
    if choice in ("urgent", "channels"):
        return await draft_flow.ask(ctx, "compose", {**data, choice: not data.get(choice)}, edit=True)
    if choice == "later":
        return await draft_flow.ask(ctx, "when", data)
    if choice == "now":
        return await draft_flow.ask(ctx, "compose", {**data, "send_at": None}, edit=True)
    if choice == "discard":
        await draft_flow.end(ctx)
        return Reply(_("Draft discarded; nothing was sent."), edit=True)
    return await _send(ctx, data)


@draft_flow.picked("audience")
async def audience_pressed(ctx: Context, answer: Answer) -> Reply:
    """Tick or untick a theme, region, role or session (the list is redrawn in place), or go back."""
    data, view = answer.data, answer.data.get("view")
    if answer.value == BACK:
        return await draft_flow.ask(ctx, "compose", {k: v for k, v in data.items() if k != "view"}, edit=True)
    audience = {k: list(v) for k, v in data.get("audience", {}).items()}
    chosen = audience.setdefault(view, [])
    stored: Any = number(answer.value) if view in ("sessions", "practices") else answer.value
    if stored in chosen:
        chosen.remove(stored)
    else:
        chosen.append(stored)
    return await draft_flow.redraw(ctx, answer.conversation,
                                   {**answer.conversation.data, "audience": clean_audience(audience)})


@draft_flow.typed("when")
async def when_typed(ctx: Context, answer: Answer) -> Reply:
    zone = ctx.member.timezone or "UTC"
    moment = await when.parse_moment_async(answer.value, zone, ctx.now, languages=ctx.reading_languages)
    if isinstance(moment, when.Problem):
        messages = {
            "past": _("That time has already passed: {when}. Give a time in the future.",
                      when=when.describe_moment(moment.at, zone, locale=current_language())),
            "too_far": _("That is more than five years away. Give a nearer time."),
        }
        return Reply(messages.get(moment.code, _("I couldn't read a time in that. Try “tomorrow 9:00”, “in 2 hours” "
                                                  "or “15 March 18:00”.")), asks=str(_("When")))
    return await draft_flow.ask(ctx, "compose", {**answer.data, "send_at": moment.at})


async def _send(ctx: Context, data: dict[str, Any]) -> Reply | list[Reply]:
    """Confirm: check the quota, then send, schedule, or ask a second organiser to approve."""
    audience = clean_audience(data.get("audience", {}))
    quota = ctx.network.broadcast_daily_quota
    if await ctx.repos.broadcasts.count_since(ctx.member_id, ctx.now - DAY) >= quota:
        return await draft_flow.ask(ctx, "compose", data, edit=True, note=_n(
            "You have already started {n} broadcast in the last 24 hours, the most an organiser may. Your draft "
            "is kept: send it later, or ask another organiser to send it.",
            "You have already started {n} broadcasts in the last 24 hours, the most an organiser may. Your draft "
            "is kept: send it later, or ask another organiser to send it.", quota))
    send_at = data.get("send_at")
    if send_at is not None and send_at <= ctx.now:
        send_at = None  # the chosen moment passed while the draft was open: it goes now
    total, _platforms, _muted = await preview_counts(ctx, audience)
    if total == 0 and not (data.get("channels") and ctx.network.announcement_channels):
        return await draft_flow.ask(ctx, "compose", data, edit=True, note=_(
            "Nobody is in this audience (or everyone in it muted broadcasts like this). Choose another audience."))
    needs_approval = total > ctx.network.broadcast_approval_above
    status = "awaiting_approval" if needs_approval else "scheduled"
    broadcast_id = await ctx.repos.broadcasts.create(
        ctx.member_id, data["text"], audience, urgent=bool(data.get("urgent")),
        channels=bool(data.get("channels")) and bool(ctx.network.announcement_channels), status=status,
        send_at=send_at or ctx.now, recipients=total, now=ctx.now)
    await draft_flow.end(ctx)
    if needs_approval:
        asked = await ask_approval(ctx, broadcast_id, total)
        if not asked:
            return Reply(_n("Broadcast #{id} reaches {n} member, so a second organiser must approve it, but there "
                            "is no other organiser yet. Ask an admin to /promote someone, or send it to a smaller "
                            "audience.",
                            "Broadcast #{id} reaches {n} members, so a second organiser must approve it, but there "
                            "is no other organiser yet. Ask an admin to /promote someone, or send it to a smaller "
                            "audience.", total, id=broadcast_id, n=grouped(total)), edit=True)
        return Reply(Markup(" ").join([
            _n("Broadcast #{id} reaches {n} member, so it waits for a second organiser's approval.",
               "Broadcast #{id} reaches {n} members, so it waits for a second organiser's approval.", total,
               id=broadcast_id, n=grouped(total)),
            _n("I asked {n} organiser; I will tell you when they answer.",
               "I asked {n} organisers; I will tell you when one answers.", asked)]), edit=True)
    return Reply(await _go(ctx, broadcast_id), edit=True)
