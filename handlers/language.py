"""/language: the language the bot writes in, changed at any time.

For a member it is the first of the profile's languages that the bot speaks, so /language moves the chosen one to
the front (adding it if the profile did not have it). For someone who has not joined, nothing is stored: the
welcome is shown again in the chosen language.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from handlers import onboarding
from handlers.arguments import Param
from handlers.core import Args, Context, Role, Router
from handlers.events import Reply
from handlers.i18n import (
    N_,
    _,
    available_languages,
    current_language,
    join_lines,
    language,
)
from handlers.languages import own_name, parse_languages

router = Router("language")


@dataclass(frozen=True)
class Speak:
    """The language to write in from now on."""

    language: str


@router.command("language", Role.STRANGER, N_("choose the language I write to you in"),
                usage=N_("/language [language]"), order=12,
                params=(Param("language", N_("a language's name or code, such as Français or fr")),))
async def language_command(ctx: Context, args: Args) -> Reply | list[Reply]:
    """Switch at once (`/language fr`, `/language русский`), or choose among buttons."""
    text = args.text.strip()
    if not text:
        return await _choices(ctx, _("I write to you in {language}. Choose another:",
                                     language=own_name(current_language())))
    codes, _unknown = await asyncio.to_thread(parse_languages, text)  # first use builds Babel's tables
    if len(codes) != 1:
        return await _choices(ctx, _("I don't know the language “{text}”; please choose below.", text=text[:40]))
    if codes[0] not in available_languages():
        return await _choices(ctx, _("I can't write in {language} yet; please choose below.",
                                     language=own_name(codes[0])))
    return await _switch(ctx, codes[0])


@router.action("language.choose", Role.STRANGER, payload=Speak)
async def language_pressed(ctx: Context, press: Speak) -> Reply | list[Reply]:
    """A language chosen among the buttons."""
    if press.language not in available_languages():
        return Reply(_("That button has expired. Send /language again."), edit=True)
    return await _switch(ctx, press.language)


async def _choices(ctx: Context, text: str) -> Reply:
    buttons = [await ctx.button(("✓ " if code == current_language() else "") + own_name(code), "language.choose",
                                Speak(code)) for code in available_languages()]
    return Reply(text, buttons=tuple(tuple(buttons[i:i + 3]) for i in range(0, len(buttons), 3)))


async def _switch(ctx: Context, code: str) -> Reply | list[Reply]:
    with language(code):
        if ctx.member is None:  # nothing is stored before joining: the welcome, in that language
            return await onboarding.start(ctx, Args())
        chosen = [code, *(c for c in ctx.member.languages if c != code)]
        await ctx.repos.members.set_languages(ctx.member_id, chosen, ctx.now)
        ctx.member = await ctx.repos.members.get(ctx.member_id)
        await ctx.services.role_changed(ctx.member_id)  # the command menu (Telegram), in that language
        return Reply(join_lines(_("From now on I write to you in {language}.", language=own_name(code)),
                                _("Your profile lists the languages you speak; /profile changes them.")))
