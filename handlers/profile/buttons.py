"""The profile's answers chosen with buttons: toggles, pages, Done, Skip, Cancel, and editing one part."""

from __future__ import annotations

from markupsafe import Markup

from handlers.core import Context
from handlers.events import Reply
from handlers.i18n import _, _n
from handlers.profile.asking import _question, advance, ask
from handlers.profile.common import COLUMN, EDIT_ONLY, FLOW, OPTIONAL, STEPS, router
from handlers.profile.showing import view
from handlers.profile.typed import _current, stale
from storage.members import Region


@router.action("profile.toggle")
async def toggle_pressed(ctx: Context, payload: dict) -> Reply:
    """Tap a theme, region or language on or off; the question is redrawn in place."""
    conversation = await _current(ctx, payload)
    if conversation is None:
        return stale()
    value = str(payload.get("v", ""))
    step = conversation.step
    valid = (
        (step == "themes" and ctx.network.theme(value) is not None)
        or (step == "regions" and (ctx.network.region(value) is not None or value.startswith("~")))
        or (step == "languages" and bool(value))
    )
    if not valid:
        return Reply(_("That choice is no longer offered."), toast=str(_("No longer offered")), toast_only=True)
    selection = list(conversation.data.get("sel", []))
    if value in selection:
        selection.remove(value)
    else:
        selection.append(value)
    conversation = await ctx.repos.conversations.put(
        ctx.member_id, FLOW, step, {**conversation.data, "sel": selection}, ctx.now, keep_nonce=conversation.nonce
    )
    return await _question(ctx, conversation, edit=True)


@router.action("profile.page")
async def page_pressed(ctx: Context, payload: dict) -> Reply:
    """Show another page of a long list of choices; what was ticked stays ticked."""
    conversation = await _current(ctx, payload)
    if conversation is None or conversation.step not in ("themes", "regions", "languages"):
        return stale()
    conversation = await ctx.turn_page(conversation, payload.get("p", 0))
    if conversation is None:
        return stale()
    return await _question(ctx, conversation, edit=True)


@router.action("profile.done")
async def done_pressed(ctx: Context, payload: dict) -> Reply | list[Reply]:
    """Save the chosen themes, regions or languages."""
    conversation = await _current(ctx, payload)
    if conversation is None:
        return stale()
    selection: list[str] = conversation.data.get("sel", [])
    step = conversation.step
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
    return await advance(ctx, conversation, _n_chosen(step, len(selection)))


def _n_chosen(step: str, n: int) -> Markup:
    if step == "themes":
        return _n("Saved {n} theme.", "Saved {n} themes.", n)
    if step == "regions":
        return _n("Saved {n} region.", "Saved {n} regions.", n)
    return _n("Saved {n} language.", "Saved {n} languages.", n)


@router.action("profile.skip")
async def skip_pressed(ctx: Context, payload: dict) -> Reply | list[Reply]:
    """Leave an optional answer empty (or remove it, when editing)."""
    conversation = await _current(ctx, payload)
    if conversation is None or conversation.step not in OPTIONAL:
        return stale()
    await ctx.repos.members.set_field(ctx.member_id, COLUMN[conversation.step], None, ctx.now)
    removed = conversation.data.get("mode") != "onboarding"
    return await advance(ctx, conversation, _("Removed.") if removed else None)


@router.action("profile.cancel")
async def cancel_pressed(ctx: Context, payload: dict) -> Reply | list[Reply]:
    """Stop editing without changing anything."""
    conversation = await _current(ctx, payload)
    if conversation is None:
        return stale()
    await ctx.repos.conversations.clear(ctx.member_id)
    return [Reply(_("Nothing was changed."), edit=True), await view(ctx)]


@router.action("profile.edit")
async def edit_pressed(ctx: Context, payload: dict) -> Reply:
    """Change one part of the profile."""
    step = payload.get("field")
    if step not in STEPS and step not in EDIT_ONLY:
        return stale()
    conversation = await ctx.conversation()
    if conversation is not None and conversation.data.get("mode") == "onboarding":
        return Reply(_("Let's finish setting up your profile first."))
    return await ask(ctx, step, mode="edit")
