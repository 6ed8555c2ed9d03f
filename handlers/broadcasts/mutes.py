"""/mute and /unmute: a member stops broadcasts on a theme; and the broadcasts part of /export."""

from __future__ import annotations

from markupsafe import Markup

from handlers.arguments import Param
from handlers.broadcasts.common import router
from handlers.broadcasts.view import _label
from handlers.core import Args, Context, Role
from handlers.events import Reply
from handlers.formatting import labels
from handlers.i18n import N_, _, join_lines
from handlers.sanitise import clean_line


def _mutes_text(ctx: Context, mutes: list[str]) -> Markup:
    if not mutes:
        return _("You receive every broadcast meant for you.")
    if "" in mutes:
        return _("You have muted all broadcasts. /unmute to receive them again.")
    return _("You have muted broadcasts about: {themes}. /unmute to receive them all again.",
             themes=labels(_label(ctx, "theme", t) for t in mutes))


def _theme_from(ctx: Context, args: str) -> str | None:
    choice = ctx.network.match("theme", args)
    return choice.id if choice is not None else None


def _unknown_theme(ctx: Context, args: str) -> Reply:
    return Reply(_("“{typed}” is not one of the network's themes: {themes}.", typed=clean_line(args, 60).text[:60],
                   themes=labels(c.label for c in ctx.network.themes)))


@router.command("mute", Role.MEMBER, N_("stop receiving broadcasts, all or on one theme"),
                usage=N_("/mute [theme]"), order=60,
                params=(Param("theme", N_("only broadcasts about this theme (default: all)"), suggest="theme"),))
async def mute_command(ctx: Context, args: Args) -> Reply:
    theme = ""
    if args.text.strip():
        found = _theme_from(ctx, args.text)
        if found is None:
            return _unknown_theme(ctx, args.text)
        theme = found
    await ctx.repos.broadcasts.mute(ctx.member_id, theme, ctx.now)
    mutes = await ctx.repos.broadcasts.mutes(ctx.member_id)
    done = _("Muted: no more broadcasts reach you, including any under way.") if not theme else \
        _("Muted: no more broadcasts about {theme} reach you, including any under way.",
          theme=_label(ctx, "theme", theme))
    return Reply(join_lines(done, _("Reminders, check-ins and session notices you asked for still come."),
                            _mutes_text(ctx, mutes)))


@router.command("unmute", Role.MEMBER, N_("receive broadcasts again"), usage=N_("/unmute [theme]"), order=61,
                params=(Param("theme", N_("only this theme (default: all)"), suggest="theme"),))
async def unmute_command(ctx: Context, args: Args) -> Reply:
    theme: str | None = None
    if args.text.strip():
        theme = _theme_from(ctx, args.text)
        if theme is None:
            return _unknown_theme(ctx, args.text)
    removed = await ctx.repos.broadcasts.unmute(ctx.member_id, theme)
    mutes = await ctx.repos.broadcasts.mutes(ctx.member_id)
    if not removed:
        return Reply(join_lines(_("That was not muted."), _mutes_text(ctx, mutes)))
    return Reply(join_lines(_("Unmuted."), _mutes_text(ctx, mutes)))


# --- data rights -----------------------------------------------------------------------------------------


@router.export("broadcasts")
async def _export(ctx: Context, member_id: int) -> dict:
    return await ctx.repos.broadcasts.export(member_id)
