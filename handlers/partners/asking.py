"""/partner: the guided search's questions (theme, region, language, a note), answered by button or typed."""

from __future__ import annotations

import asyncio
from typing import Any

from markupsafe import Markup

from handlers import languages as langs
from handlers import profile
from handlers.arguments import Param
from handlers.core import Args, Context, Role
from handlers.core.questions import Answer, Choice, Question
from handlers.events import Reply
from handlers.i18n import N_, _, _n, current_language, join_lines
from handlers.partners.common import (
    ANY,
    CHOICE_PAGE,
    MAX_NOTE,
    STEPS,
    partner_flow,
    router,
)
from handlers.partners.search import _search
from handlers.partners.words import limit_reached
from handlers.sanitise import clean_line
from handlers.lockdown import locked, paused
from storage.conversations import Conversation


@router.command("partner", Role.MEMBER, N_("find partners by theme or region; introduced only if you both agree"),
                usage=N_("/partner [theme:…] [region:…] [language:…] [note:…]"), order=50,
                params=(Param("theme", N_("the theme partners should work on"), named=True, suggest="theme"),
                        Param("region", N_("the region partners should work in"), named=True, suggest="region"),
                        Param("language", N_("a language they should speak, e.g. French"), named=True),
                        Param("note", N_("what you are looking for, for the people you ask"), named=True,
                              longest=MAX_NOTE)))
async def partner_command(ctx: Context, args: Args) -> Reply | list[Reply]:
    """Start a search, filling what the command already says; search at once when it names a theme or region."""
    if await locked(ctx):
        return paused()
    if not ctx.member.profile_complete:
        return [Reply(_("Let's finish setting up your profile first.")), await profile.resume(ctx)]
    refused = await limit_reached(ctx)
    if refused is not None:
        return refused
    text, named = args.text, args.values
    data: dict[str, Any] = {}
    notes: list[Markup] = []
    asked: set[str] = set()  # given, but not something the network knows: asked again
    for kind in ("theme", "region"):
        if named.get(kind):
            choice = ctx.network.find(kind, named[kind][:100])
            if choice is not None:
                data[kind] = choice.id
                continue
            asked.add(kind)
            if kind == "theme":
                notes.append(_("The network has no theme “{text}”; please choose one below.",
                               text=named[kind][:64]))
            else:
                notes.append(_("The network has no region “{text}”; please choose one below.",
                               text=named[kind][:64]))
    if named.get("language"):
        codes, _unknown = await asyncio.to_thread(langs.parse_languages, named["language"][:100])
        if codes:
            data["language"] = codes[0]
        else:
            asked.add("language")
            notes.append(_("I don't know the language “{text}”; please choose below, or type its name.",
                           text=named["language"][:64]))
    typed_note = " ".join(t for t in (text, named.get("note", "")) if t)
    if typed_note:
        checked = clean_line(typed_note, MAX_NOTE)
        if checked.problem == "too_long":
            return Reply(_n("Your note is {n} character; the most is {max}. Please say it in fewer words.",
                            "Your note is {n} characters; the most is {max}. Please say it in fewer words.",
                            checked.length, max=MAX_NOTE))
        if checked.problem is None:
            data["note"] = checked.text
    if named:  # one line: what it leaves out is "any"; only what could not be read is asked
        names_place = "theme" in named or "region" in named
        for step in STEPS:
            if step not in data and step not in asked and (names_place or step not in ("theme", "region")):
                data[step] = "" if step == "note" else None
        if not asked and (data.get("theme") or data.get("region")):
            return await _search(ctx, data, checked=True)
    return await _next(ctx, data, join_lines(*notes) if notes else None)


async def start_search(ctx: Context, *, theme: str | None, region: str | None) -> Reply | list[Reply]:
    """A search for a theme and region chosen elsewhere (a commitment's): at once, or guided when neither is set."""
    chosen = {kind: value for kind, value in (("theme", theme), ("region", region)) if value}
    return await partner_command(ctx, Args(values=chosen))


async def _next(ctx: Context, data: dict[str, Any], note: Markup | None = None) -> Reply | list[Reply]:
    """Ask the first question still unanswered, or search."""
    if "theme" in data and "region" in data and not data["theme"] and not data["region"]:
        data = {k: v for k, v in data.items() if k not in ("theme", "region")}
        note = join_lines(note, _("Please choose at least a theme or a region."))
    for kind, choices in (("theme", ctx.network.themes), ("region", ctx.network.regions)):
        if not choices:
            data.setdefault(kind, None)
    step = next((s for s in STEPS if s not in data), None)
    if step is None:
        return await _search(ctx, data)
    return await partner_flow.ask(ctx, step, data, note=note)


@partner_flow.step("theme")
@partner_flow.step("region")
async def place_question(ctx: Context, conversation: Conversation) -> Question:
    step = conversation.step
    text = _("<b>Find a partner.</b> Which theme should they work on? Tap one, or Any theme.") \
        if step == "theme" else _("Which region should they work in? Tap one, or Any region.")
    member = ctx.member
    own = set(member.themes) if step == "theme" else {r.name for r in member.regions if not r.free}
    choices = ctx.network.themes if step == "theme" else ctx.network.regions
    options = [c for c in choices if c.id in own] + [c for c in choices if c.id not in own]
    anything = _("Any theme") if step == "theme" else _("Any region")
    return Question(text, choices=tuple(Choice(c.id, c.label) for c in options), page_size=CHOICE_PAGE,
                    more=((Choice(ANY, str(anything)),),))


@partner_flow.step("language")
async def language_question(ctx: Context, conversation: Conversation) -> Question:
    return Question(_("Should they speak a particular language? Tap one, type its name, or tap Any language."),
                    choices=tuple(Choice(code, langs.language_name(code, current_language()))
                                  for code in ctx.member.languages[:10]),
                    more=((Choice(ANY, str(_("Any language"))),),), typed=N_("Language"))


@partner_flow.step("note")
async def note_question(ctx: Context, conversation: Conversation) -> Question:
    return Question(_n("Add a short note for the people you will ask, such as “looking for a journalist in the Sahel "
                       "to co-run a fact-checking workshop” (at most {n} character), or tap Skip.",
                       "Add a short note for the people you will ask, such as “looking for a journalist in the Sahel "
                       "to co-run a fact-checking workshop” (at most {n} characters), or tap Skip.", MAX_NOTE),
                    more=((Choice(ANY, str(_("Skip"))),),), typed=N_("Note"))


@partner_flow.picked("theme", "region", "language", "note")
async def picked(ctx: Context, answer: Answer) -> Reply | list[Reply]:
    """A theme, a region or a language; or any of them, or no note."""
    if answer.value == ANY:
        return await _next(ctx, {**answer.data, answer.step: "" if answer.step == "note" else None})
    return await _next(ctx, {**answer.data, answer.step: answer.value})


@partner_flow.when_cancelled
async def cancelled(ctx: Context, conversation: Conversation) -> Reply:
    """Nobody is asked anything; a search whose people were shown is closed."""
    if "request" in conversation.data:
        await ctx.repos.partners.close_request(int(conversation.data["request"]), ctx.member_id, ctx.now)
    return Reply(_("Cancelled. Nobody was asked anything."))


@partner_flow.typed("theme", "region")
async def place_typed(ctx: Context, answer: Answer) -> Reply | list[Reply]:
    """A theme or a region typed by name."""
    choice = ctx.network.match(answer.step, answer.value[:100])
    if choice is None:
        return Reply(_("None of the network's themes matches that. Tap one above, or Any theme.")
                     if answer.step == "theme" else
                     _("None of the network's regions matches that. Tap one above, or Any region."))
    return await _next(ctx, {**answer.data, answer.step: choice.id})


@partner_flow.typed("language")
async def language_typed(ctx: Context, answer: Answer) -> Reply | list[Reply]:
    """A language typed by name or code."""
    codes, _unknown = await asyncio.to_thread(langs.parse_languages, answer.value[:100])
    if not codes:
        return Reply(_("I don't know that language. Try its English name or a code such as “wo” for Wolof, or tap "
                       "Any language."))
    return await _next(ctx, {**answer.data, "language": codes[0]})


@partner_flow.typed("note")
async def note_typed(ctx: Context, answer: Answer) -> Reply | list[Reply]:
    """The note for the people who will be asked."""
    checked = clean_line(answer.value, MAX_NOTE)
    if checked.problem == "empty":
        return Reply(_("Please type a few words, or tap Skip."))
    if checked.problem == "too_long":
        return Reply(_n("Your note is {n} character; the most is {max}. Please say it in fewer words.",
                        "Your note is {n} characters; the most is {max}. Please say it in fewer words.",
                        checked.length, max=MAX_NOTE))
    return await _next(ctx, {**answer.data, "note": checked.text})
