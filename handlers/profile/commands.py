"""/profile, /timezone and /cancel."""

from __future__ import annotations

from handlers.arguments import Param
from handlers.core import Args, Context, Role
from handlers.events import Reply
from handlers.i18n import N_, _
from handlers.profile.asking import ask, resume
from handlers.profile.common import profile_flow, router
from handlers.profile.showing import view
from handlers.profile.typed import timezone_answer


@router.command("profile", Role.MEMBER, N_("see and change your profile"), order=10)
async def profile_command(ctx: Context, args: Args) -> Reply:
    """Show the profile, or continue the set-up if it is unfinished."""
    if not ctx.member.profile_complete:
        return await resume(ctx)
    return await view(ctx)


@router.command("timezone", Role.MEMBER, N_("set your time zone from a city, a country or a zone name"),
                usage=N_("/timezone [city, country or zone]"), order=11,
                params=(Param("place", N_("your city, your country or a time zone name"), suggest="timezone"),))
async def timezone_command(ctx: Context, args: Args) -> Reply | list[Reply]:
    """Set the time zone in one go (`/timezone Nairobi`), or be asked for it."""
    if not ctx.member.profile_complete:
        return await resume(ctx)
    if not args.text.strip():
        return await ask(ctx, "timezone", mode="edit")
    conversation = await profile_flow.enter(ctx, "timezone", {"mode": "edit"})
    return await timezone_answer(ctx, conversation, args.text)


@router.command("cancel", Role.MEMBER, N_("stop what you are doing"), order=90)
async def cancel_command(ctx: Context, args: Args) -> Reply | list[Reply]:
    """Leave the current question."""
    conversation = await ctx.conversation()
    if conversation is None:
        return Reply(_("There is nothing to cancel."))
    flow = ctx.routes.flows.get(conversation.flow)
    if flow is not None:
        return await flow.cancel(ctx, conversation)
    await ctx.repos.conversations.clear(ctx.member_id)
    return Reply(_("Cancelled. Nothing was changed."))
