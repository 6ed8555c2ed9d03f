"""The profile's answers typed as text (name, organisation, contact, kind, themes, regions, languages, time zone,
quiet hours)."""

from __future__ import annotations

import asyncio

from handlers import languages as langs
from handlers import quiet, timezones
from handlers.core import Context
from handlers.core.questions import Answer
from handlers.events import Reply
from handlers.i18n import _, _n, current_language, join_lines
from handlers.profile.asking import advance, ask
from handlers.profile.common import COLUMN, LIMITS, MAX_FREE_REGIONS, profile_flow
from handlers.profile.showing import HOURS, quiet_text
from handlers.sanitise import clean_line
from storage.conversations import Conversation


@profile_flow.typed("name", "organisation", "contact")
async def text_typed(ctx: Context, answer: Answer) -> list[Reply]:
    """The member typed their name, their organisation, or how partners may reach them."""
    step, text = answer.step, answer.value
    checked = clean_line(text, LIMITS[step])
    if checked.problem == "empty":
        return [Reply(_("Please type some text with at least one visible character, or send /cancel to stop."))]
    if checked.problem == "too_long":
        return [Reply(_n("That is {n} character; the most is {max}. Please send a shorter one.",
                         "That is {n} characters; the most is {max}. Please send a shorter one.",
                         checked.length, max=LIMITS[step]))]
    await ctx.repos.members.set_field(ctx.member_id, COLUMN[step], checked.text, ctx.now)
    return await advance(ctx, answer.conversation, _("Saved."))


@profile_flow.typed("themes")
async def themes_typed(ctx: Context, answer: Answer) -> Reply:
    """Themes are chosen with buttons."""
    return Reply(_("Please tap the themes above, then Done. Themes come from the network's list."))


@profile_flow.typed("regions")
async def region_typed(ctx: Context, answer: Answer) -> Reply:
    """A city or country typed while choosing regions: add it to the selection."""
    conversation, text = answer.conversation, answer.value
    checked = clean_line(text, LIMITS["region"])
    if checked.problem == "empty":
        return Reply(_("Please type the name of a city or country."))
    if checked.problem == "too_long":
        return Reply(_n("That is {n} character; a place name may have at most {max}.",
                        "That is {n} characters; a place name may have at most {max}.",
                        checked.length, max=LIMITS["region"]))
    selection = list(conversation.data.get("picked", []))
    free = [s for s in selection if s.startswith("~")]
    if len(free) >= MAX_FREE_REGIONS:
        return Reply(_n("You can add at most {n} city or country. Tap it above to remove it first.",
                        "You can add at most {n} cities or countries. Tap one above to remove it first.",
                        MAX_FREE_REGIONS))
    entry = "~" + checked.text
    known = next((c for c in ctx.network.regions if c.label.casefold() == checked.text.casefold()), None)
    entry = known.id if known else entry
    if entry.casefold() not in {s.casefold() for s in selection}:
        selection.append(entry)
    return await ask(ctx, "regions", mode=conversation.data.get("mode", "edit"), selection=selection,
                     offered=conversation.data.get("offered"), note=_("Added {place}.", place=checked.text))


@profile_flow.typed("languages")
async def languages_typed(ctx: Context, answer: Answer) -> Reply:
    """Languages typed by name or code: add the ones recognised, say which were not."""
    conversation, text = answer.conversation, answer.value
    codes, unknown = await asyncio.to_thread(langs.parse_languages, text)  # first use builds Babel's tables
    selection = list(dict.fromkeys([*conversation.data.get("picked", []), *codes]))
    notes = []
    if codes:
        notes.append(_("Added {languages}.", languages=", ".join(langs.language_name(c, current_language()) for c in codes)))
    if unknown:
        notes.append(_("I don't know these languages: {items}. Try their English name or a code such as "
                       "“wo” for Wolof.", items=", ".join(unknown)))
    return await ask(ctx, "languages", mode=conversation.data.get("mode", "edit"), selection=selection,
                     offered=conversation.data.get("offered"), note=join_lines(*notes) if notes else None)


@profile_flow.typed("timezone")
async def timezone_typed(ctx: Context, answer: Answer) -> Reply | list[Reply]:
    """A city, country or time zone name: set it when unambiguous, else offer the candidates."""
    return await timezone_answer(ctx, answer.conversation, answer.value)


async def timezone_answer(ctx: Context, conversation: Conversation, text: str) -> Reply | list[Reply]:
    """A place typed for the time zone (also in one go: /timezone Nairobi)."""
    matches = await timezones.find_timezones(text, limit=5)
    if not matches:
        return [Reply(_("I couldn't find a time zone for that. Try the nearest large city, your country, or a "
                        "time zone name such as Europe/Paris."))]
    if len(matches) == 1:
        return await set_timezone(ctx, conversation, matches[0].name)
    candidates = [[m.name, f"{m.name} ({m.place})" if m.place else m.name] for m in matches]
    return await ask(ctx, "timezone", mode=conversation.data.get("mode", "edit"), candidates=candidates)


async def set_timezone(ctx: Context, conversation: Conversation, zone: str) -> list[Reply]:
    exact = timezones.exact_timezone(zone)
    if exact is None:
        return [Reply(_("That is not a time zone I know. Type your city or a name such as Europe/Paris."))]
    await ctx.repos.members.set_field(ctx.member_id, "timezone", exact, ctx.now)
    await quiet.reschedule_held(ctx, ctx.member_id)  # quiet hours are in local time
    return await advance(ctx, conversation, _("Time zone set to {zone}. Your local time now: {time}.",
                                               zone=exact, time=timezones.now_in(exact, ctx.now_dt)))


@profile_flow.typed("quiet")
async def quiet_typed(ctx: Context, answer: Answer) -> Reply | list[Reply]:
    """Quiet hours typed as 'HH:MM-HH:MM' (or 'off')."""
    conversation, typed = answer.conversation, " ".join(answer.value.split())
    if typed.casefold() in ("off", "none", "no"):
        start, end = 0, 0
    else:
        match = HOURS.match(typed)
        values = [int(v) if v else 0 for v in match.groups()] if match else []
        if not match or values[0] > 23 or values[2] > 23 or values[1] > 59 or values[3] > 59:
            return Reply(_("Please type two times such as 22:00-08:00 (24-hour clock), or “off”."))
        start, end = values[0] * 60 + values[1], values[2] * 60 + values[3]
        if start == end:
            return Reply(_("The start and end are the same. Type two different times, or “off”."))
    await ctx.repos.members.set_quiet_hours(ctx.member_id, start, end, ctx.now)
    await quiet.reschedule_held(ctx, ctx.member_id)
    return await advance(ctx, conversation, _("Quiet hours: {window}.", window=quiet_text(start, end)))
