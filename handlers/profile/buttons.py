"""The profile's answers chosen with buttons: toggles and Done, Skip, a kind, a time zone or quiet hours, and
editing one part."""

from __future__ import annotations

from markupsafe import Markup

from handlers import quiet
from handlers.core import Context
from handlers.core.questions import Answer
from handlers.events import Reply
from handlers.i18n import _, _n
from handlers.profile.asking import advance, ask
from handlers.profile.common import (
    COLUMN,
    DONE,
    EDIT_ONLY,
    SKIP,
    STEPS,
    Part,
    profile_flow,
    router,
)
from handlers.profile.showing import quiet_text, view
from handlers.profile.typed import set_timezone
from storage.conversations import Conversation
from storage.members import Region


@profile_flow.picked("themes", "regions", "languages")
async def list_picked(ctx: Context, answer: Answer) -> Reply | list[Reply]:
    """Tap a theme, region or language on or off (the question is redrawn in place), or Done."""
    if answer.value == DONE:
        return await _save_list(ctx, answer)
    selection = list(answer.conversation.data.get("picked", []))
    if answer.value in selection:
        selection.remove(answer.value)
    else:
        selection.append(answer.value)
    return await profile_flow.redraw(ctx, answer.conversation, {**answer.conversation.data, "picked": selection})


async def _save_list(ctx: Context, answer: Answer) -> Reply | list[Reply]:
    selection: list[str] = answer.data.get("picked", [])
    step = answer.step
    if not selection:
        what = {"themes": _("one theme"), "regions": _("one region or place"), "languages": _("one language")}
        return Reply(_("Please choose at least {what}.", what=what[step]), toast=str(_("Choose at least one")),
                     toast_only=True)
    member_id, now = ctx.member_id, ctx.now
    if step == "themes":
        await ctx.repos.members.set_themes(member_id, [t for t in selection if ctx.network.theme(t)], now)
    elif step == "regions":
        regions = [Region(s[1:], True) if s.startswith("~") else Region(s, False) for s in selection
                   if s.startswith("~") or ctx.network.region(s)]
        await ctx.repos.members.set_regions(member_id, regions, now)
    else:
        await ctx.repos.members.set_languages(member_id, selection, now)
    return await advance(ctx, answer.conversation, _n_chosen(step, len(selection)))


def _n_chosen(step: str, n: int) -> Markup:
    if step == "themes":
        return _n("Saved {n} theme.", "Saved {n} themes.", n)
    if step == "regions":
        return _n("Saved {n} region.", "Saved {n} regions.", n)
    return _n("Saved {n} language.", "Saved {n} languages.", n)


@profile_flow.picked("organisation", "contact")
async def skip_pressed(ctx: Context, answer: Answer) -> Reply | list[Reply]:
    """Leave an optional answer empty (or remove it, when editing)."""
    await ctx.repos.members.set_field(ctx.member_id, COLUMN[answer.step], None, ctx.now)
    removed = answer.data.get("mode") != "onboarding"
    return await advance(ctx, answer.conversation, _("Removed.") if removed and answer.value == SKIP else None)


@profile_flow.picked("kind")
async def kind_picked(ctx: Context, answer: Answer) -> Reply | list[Reply]:
    kind = ctx.network.actor_kind(answer.value)
    await ctx.repos.members.set_field(ctx.member_id, "actor_kind", kind.id, ctx.now)
    return await advance(ctx, answer.conversation, _("Kind of actor: {kind}.", kind=kind.label))


@profile_flow.picked("timezone")
async def timezone_picked(ctx: Context, answer: Answer) -> list[Reply]:
    return await set_timezone(ctx, answer.conversation, answer.value)


@profile_flow.picked("quiet")
async def quiet_picked(ctx: Context, answer: Answer) -> list[Reply]:
    start, end = (None, None) if answer.value == "default" else (0, 0)
    await ctx.repos.members.set_quiet_hours(ctx.member_id, start, end, ctx.now)
    await quiet.reschedule_held(ctx, ctx.member_id)
    return await advance(ctx, answer.conversation, _("Quiet hours: {window}.", window=quiet_text(start, end)))


@profile_flow.when_cancelled
async def cancelled(ctx: Context, conversation: Conversation) -> list[Reply]:
    """Stop editing without changing anything; a set-up stopped half-way keeps what was answered."""
    if conversation.data.get("mode") == "onboarding":
        return [Reply(_("Your profile set-up is paused; what you already answered is kept. "
                        "Send /profile to continue whenever you like."))]
    return [Reply(_("Nothing was changed.")), await view(ctx)]


@router.action("profile.edit", payload=Part)
async def edit_pressed(ctx: Context, press: Part) -> Reply:
    """Change one part of the profile."""
    step = press.part
    if step not in STEPS and step not in EDIT_ONLY:
        return Reply(_(profile_flow.stale), toast=str(_("Already answered")), toast_only=True)
    conversation = await ctx.conversation()
    if conversation is not None and conversation.data.get("mode") == "onboarding":
        return Reply(_("Let's finish setting up your profile first."))
    return await ask(ctx, step, mode="edit")
