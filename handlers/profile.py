"""The member's profile: the guided set-up after joining, and /profile to see and change any part of it.

The set-up asks one question at a time. Each question is a step of the "profile" conversation with a fresh
nonce; its buttons carry that nonce, so a button from a question already answered changes nothing.
Multiple choices (themes, regions, languages) are collected in the conversation and saved on Done.
"""

from __future__ import annotations

import asyncio
import re

from markupsafe import Markup

from handlers import languages as langs
from handlers import quiet, timezones
from handlers.accounts import describe_notify
from handlers.core import Context, Role, Router
from handlers.events import Button, Reply
from handlers.i18n import N_, _, _n, assembled, fill, join_lines, literal, plain
from handlers.network import ACTOR_KINDS
from handlers.paging import page_of
from handlers.sanitise import clean_line
from storage.conversations import Conversation
from storage.members import Member, Region

router = Router("profile")

FLOW = "profile"
STEPS = ("name", "organisation", "kind", "themes", "regions", "languages", "timezone", "contact")
OPTIONAL = {"organisation", "contact"}
LIMITS = {"name": 64, "organisation": 100, "contact": 200, "region": 60}
MAX_FREE_REGIONS = 5
PAGE = 24  # choices shown at once: Telegram allows 100 buttons a message, a Discord menu 25 options
FIELD_LABELS = {
    "name": N_("Name"),
    "organisation": N_("Organisation"),
    "kind": N_("Kind of actor"),
    "themes": N_("Themes"),
    "regions": N_("Regions"),
    "languages": N_("Languages"),
    "timezone": N_("Time zone"),
    "contact": N_("Contact for partners"),
    "quiet": N_("Quiet hours"),
}
EDIT_ONLY = ("quiet",)  # parts of the profile not asked during set-up
COLUMN = {"name": "display_name", "organisation": "organisation", "contact": "contact", "timezone": "timezone",
          "kind": "actor_kind"}


# --- starting, resuming, moving on -------------------------------------------------------------------------


async def begin(ctx: Context) -> Reply:
    """Start the guided set-up at its first question."""
    return await ask(ctx, STEPS[0], mode="onboarding")


async def resume(ctx: Context) -> Reply:
    """Ask again the question the member stopped at, or the first one still unanswered."""
    conversation = await ctx.conversation()
    if conversation is not None and conversation.flow == FLOW and conversation.step in STEPS:
        return await ask(ctx, conversation.step, mode="onboarding")
    return await ask(ctx, _first_unanswered(await ctx.refresh_member()), mode="onboarding")


def _first_unanswered(member: Member) -> str:
    """The first step of the set-up without an answer. An optional one left empty was skipped (so answered)
    when a later step has its answer; otherwise the member stopped there."""
    answered = {
        "name": bool(member.display_name), "organisation": bool(member.organisation), "kind": bool(member.actor_kind),
        "themes": bool(member.themes), "regions": bool(member.regions), "languages": bool(member.languages),
        "timezone": bool(member.timezone), "contact": bool(member.contact),
    }
    for index, step in enumerate(STEPS):
        if answered[step] or (step in OPTIONAL and any(answered[later] for later in STEPS[index + 1:])):
            continue
        return step
    return STEPS[-1]


async def _advance(ctx: Context, conversation: Conversation, done_text: Markup | None = None) -> list[Reply]:
    """After an answer: the next question during set-up, or the profile again after an edit."""
    replies = [Reply(done_text)] if done_text else []
    if conversation.data.get("mode") == "onboarding":
        index = STEPS.index(conversation.step)
        if index + 1 < len(STEPS):
            replies.append(await ask(ctx, STEPS[index + 1], mode="onboarding"))
            return replies
        await ctx.repos.members.mark_complete(ctx.member_id, ctx.now)
        await ctx.repos.conversations.clear(ctx.member_id)
        await ctx.refresh_member()
        replies.append(Reply(join_lines(
            _("<b>Your profile is ready.</b>"), "", await summary(ctx), "",
            _("Send /help to see what you can do, or /profile to change anything."),
        )))
        return replies
    await ctx.repos.conversations.clear(ctx.member_id)
    await ctx.refresh_member()
    replies.append(await view(ctx))
    return replies


# --- asking ----------------------------------------------------------------------------------------------


async def ask(ctx: Context, step: str, *, mode: str, selection: list[str] | None = None,
              offered: list[str] | None = None, edit: bool = False, note: Markup | None = None) -> Reply:
    """Put the member at `step` and return its question (`offered`: what a list question offered so far)."""
    member = await ctx.refresh_member()
    if selection is None:
        selection = _current_selection(member, step)
    data: dict = {"mode": mode, "sel": selection}
    if step in ("regions", "languages"):
        data["opts"] = _offered(step, selection, offered or [])
    conversation = await ctx.repos.conversations.put(ctx.member_id, FLOW, step, data, ctx.now)
    return await _question(ctx, conversation, edit=edit, note=note)


def _offered(step: str, selection: list[str], before: list[str]) -> list[str]:
    """The places or languages a list question offers besides the network's regions, in an order that never
    changes while it is asked: what it offered before, then what was just typed. Ticking or unticking moves
    nothing, so every button keeps its place (and its number) between taps."""
    if step == "regions":
        return list(dict.fromkeys([*before, *(s for s in selection if s.startswith("~"))]))
    return list(dict.fromkeys([*(before or [*selection, *langs.COMMON_LANGUAGES]), *selection]))


def _current_selection(member, step: str) -> list[str]:
    if step == "themes":
        return list(member.themes)
    if step == "regions":
        return [("~" + r.name) if r.free else r.name for r in member.regions]
    if step == "languages":
        return list(member.languages)
    return []


async def _question(ctx: Context, conversation: Conversation, *, edit: bool = False,
                    note: Markup | None = None) -> Reply:
    step, nonce, mode = conversation.step, conversation.nonce, conversation.data.get("mode")
    selection: list[str] = conversation.data.get("sel", [])
    rows: list[tuple[Button, ...]] = []

    async def btn(label: str, action: str, selected: bool | None = None, **payload: str) -> Button:
        return await ctx.button(label, action, {"n": nonce, "step": step, **payload}, selected=selected)

    if step == "name":
        text = _n("What name should the network know you by? A pseudonym is fine (at most {n} character).",
                  "What name should the network know you by? A pseudonym is fine (at most {n} characters).",
                  LIMITS["name"])
    elif step == "organisation":
        text = _("Which organisation are you with, if any?")
    elif step == "kind":
        text = _("What kind of actor are you?")
        kinds = [await btn(str(_(k.label)), "profile.answer", v=k.id) for k in ACTOR_KINDS]
        rows += [tuple(kinds[i:i + 2]) for i in range(0, len(kinds), 2)]
    elif step in ("themes", "regions", "languages"):
        if step == "themes":
            text = _("Which themes do you work on? Tap to choose as many as you like, then press Done.")
            options = [(c.id, c.label) for c in ctx.network.themes]
        elif step == "regions":
            text = _("Where do you work? Tap the regions, and type the name of a city or country to add it. "
                     "Then press Done.")
            options = [(c.id, c.label) for c in ctx.network.regions]
            options += [(s, s[1:]) for s in _offered(step, selection, conversation.data.get("opts", []))]
        else:
            text = _("Which languages do you speak? Tap them, or type them (for example “French, Wolof”). "
                     "The first one is the language the bot speaks to you in, when it can. Then press Done.")
            codes = _offered(step, selection, conversation.data.get("opts", []))
            options = [(c, langs.language_name(c)) for c in codes]
        page_rows, page_line = await page_of(
            options, conversation.data.get("page", 0), PAGE,
            lambda o: btn(("✓ " if o[0] in selection else "") + o[1], "profile.toggle", o[0] in selection, v=o[0]),
            lambda label, page: btn(str(label), "profile.page", p=str(page)))
        rows += page_rows
        text = join_lines(text, page_line)
        rows.append((await btn(str(_("Done ({n} chosen)", n=len(selection))), "profile.done"),))
    elif step == "timezone":
        text = _("What is your time zone? Type the city you live in (for example Lyon or Nairobi), or a time "
                 "zone name such as Africa/Nairobi.")
        rows.append((await btn("UTC", "profile.answer", v="UTC"),))
    elif step == "quiet":
        member = ctx.member
        text = _("During your quiet hours I hold back check-ins and notices until they end; reminders you set "
                 "still come at the time you chose. Now: {window}. Type new hours such as 23:00-07:30, or choose "
                 "below.", window=_quiet_text(member.quiet_start, member.quiet_end))
        rows.append((await btn(str(_("Default ({window})", window=quiet.format_window(None, None))),
                               "profile.answer", v="default"),
                     await btn(str(_("No quiet hours")), "profile.answer", v="off")))
    else:
        text = _("How may a partner contact you once you have both agreed to an introduction? For example "
                 "“Signal: +33 6 …”, “email: …” or “Telegram @name”. Nobody sees this without your agreement.")
    if mode == "onboarding":
        text = join_lines(_("<i>Step {i} of {total}</i>", i=STEPS.index(step) + 1, total=len(STEPS)), text)
        if step in OPTIONAL:
            rows.append((await btn(str(_("Skip")), "profile.skip"),))
    else:
        if step in OPTIONAL:
            rows.append((await btn(str(_("Remove it")), "profile.skip"),))
        rows.append((await btn(str(_("Cancel")), "profile.cancel"),))
    asks = None if step in ("kind", "themes") else plain(FIELD_LABELS[step])
    return Reply(join_lines(note, text), buttons=tuple(rows), edit=edit, asks=asks)


# --- answering -------------------------------------------------------------------------------------------


async def _current(ctx: Context, payload: dict) -> Conversation | None:
    """The conversation, if the pressed button belongs to the question being asked now."""
    conversation = await ctx.conversation()
    if conversation is None or conversation.flow != FLOW or conversation.nonce != payload.get("n"):
        return None
    if conversation.step != payload.get("step"):
        return None
    return conversation


def _stale() -> Reply:
    return Reply(_("That question has already been answered. Send /profile to see or change your profile."),
                 toast=str(_("Already answered")), toast_only=True)


async def _save_text(ctx: Context, conversation: Conversation, step: str, text: str) -> list[Reply]:
    checked = clean_line(text, LIMITS[step])
    if checked.problem == "empty":
        return [Reply(_("Please type some text with at least one visible character, or send /cancel to stop."))]
    if checked.problem == "too_long":
        return [Reply(_n("That is {n} character; the most is {max}. Please send a shorter one.",
                         "That is {n} characters; the most is {max}. Please send a shorter one.",
                         checked.length, max=LIMITS[step]))]
    await ctx.repos.members.set_field(ctx.member_id, COLUMN[step], checked.text, ctx.now)
    return await _advance(ctx, conversation, _("Saved."))


@router.text_step(FLOW, "name")
async def name_typed(ctx: Context, conversation: Conversation, text: str) -> list[Reply]:
    """The member typed their display name."""
    return await _save_text(ctx, conversation, "name", text)


@router.text_step(FLOW, "organisation")
async def organisation_typed(ctx: Context, conversation: Conversation, text: str) -> list[Reply]:
    """The member typed their organisation."""
    return await _save_text(ctx, conversation, "organisation", text)


@router.text_step(FLOW, "contact")
async def contact_typed(ctx: Context, conversation: Conversation, text: str) -> list[Reply]:
    """The member typed how partners may reach them."""
    return await _save_text(ctx, conversation, "contact", text)


@router.text_step(FLOW, "kind")
async def kind_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    """Kinds are chosen with buttons."""
    return Reply(_("Please choose one of the buttons above, or send /cancel to stop."))


@router.text_step(FLOW, "themes")
async def themes_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    """Themes are chosen with buttons."""
    return Reply(_("Please tap the themes above, then Done. Themes come from the network's list."))


@router.text_step(FLOW, "regions")
async def region_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    """A city or country typed while choosing regions: add it to the selection."""
    checked = clean_line(text, LIMITS["region"])
    if checked.problem == "empty":
        return Reply(_("Please type the name of a city or country."))
    if checked.problem == "too_long":
        return Reply(_n("That is {n} character; a place name may have at most {max}.",
                        "That is {n} characters; a place name may have at most {max}.",
                        checked.length, max=LIMITS["region"]))
    selection = list(conversation.data.get("sel", []))
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
                     offered=conversation.data.get("opts"), note=_("Added {place}.", place=checked.text))


@router.text_step(FLOW, "languages")
async def languages_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    """Languages typed by name or code: add the ones recognised, say which were not."""
    codes, unknown = await asyncio.to_thread(langs.parse_languages, text)  # first use builds Babel's tables
    selection = list(dict.fromkeys([*conversation.data.get("sel", []), *codes]))
    notes = []
    if codes:
        notes.append(_("Added {languages}.", languages=", ".join(langs.language_name(c) for c in codes)))
    if unknown:
        notes.append(_("I don't know these languages: {items}. Try their English name or a code such as "
                       "“wo” for Wolof.", items=", ".join(unknown)))
    return await ask(ctx, "languages", mode=conversation.data.get("mode", "edit"), selection=selection,
                     offered=conversation.data.get("opts"), note=join_lines(*notes) if notes else None)


@router.text_step(FLOW, "timezone")
async def timezone_typed(ctx: Context, conversation: Conversation, text: str) -> list[Reply]:
    """A city, country or time zone name: set it when unambiguous, else offer the candidates."""
    matches = await timezones.find_timezones(text, limit=5)
    if not matches:
        return [Reply(_("I couldn't find a time zone for that. Try the nearest large city, your country, or a "
                        "time zone name such as Europe/Paris."))]
    if len(matches) == 1:
        return await _set_timezone(ctx, conversation, matches[0].name)
    rows = []
    for match in matches:
        label = f"{match.name} ({match.place})" if match.place else match.name
        rows.append((await ctx.button(label, "profile.answer",
                                      {"n": conversation.nonce, "step": "timezone", "v": match.name}),))
    return [Reply(_("Which of these is yours?"), buttons=tuple(rows))]


async def _set_timezone(ctx: Context, conversation: Conversation, zone: str) -> list[Reply]:
    exact = timezones.exact_timezone(zone)
    if exact is None:
        return [Reply(_("That is not a time zone I know. Type your city or a name such as Europe/Paris."))]
    await ctx.repos.members.set_field(ctx.member_id, "timezone", exact, ctx.now)
    await quiet.reschedule_held(ctx, ctx.member_id)  # quiet hours are in local time
    return await _advance(ctx, conversation, _("Time zone set to {zone}. Your local time now: {time}.",
                                               zone=exact, time=timezones.now_in(exact, ctx.now_dt)))


@router.action("profile.answer")
async def answer_pressed(ctx: Context, payload: dict) -> Reply | list[Reply]:
    """A single-choice answer (kind of actor, a time zone candidate)."""
    conversation = await _current(ctx, payload)
    if conversation is None:
        return _stale()
    value = str(payload.get("v", ""))
    if conversation.step == "kind":
        kind = ctx.network.actor_kind(value)
        if kind is None:
            return _stale()
        await ctx.repos.members.set_field(ctx.member_id, "actor_kind", kind.id, ctx.now)
        return await _advance(ctx, conversation, _("Kind of actor: {kind}.", kind=_(kind.label)))
    if conversation.step == "timezone":
        return await _set_timezone(ctx, conversation, value)
    if conversation.step == "quiet" and value in ("default", "off"):
        start, end = (None, None) if value == "default" else (0, 0)
        await ctx.repos.members.set_quiet_hours(ctx.member_id, start, end, ctx.now)
        await quiet.reschedule_held(ctx, ctx.member_id)
        return await _advance(ctx, conversation, _("Quiet hours: {window}.", window=_quiet_text(start, end)))
    return _stale()


_HOURS = re.compile(r"^(\d{1,2})(?:[:h.](\d{2}))?\s*(?:-|–|—|to)\s*(\d{1,2})(?:[:h.](\d{2}))?$", re.IGNORECASE)


def _quiet_text(start: int | None, end: int | None) -> Markup:
    if start is not None and start == end:
        return _("none")
    return _("{window} your time", window=quiet.format_window(start, end))


@router.text_step(FLOW, "quiet")
async def quiet_typed(ctx: Context, conversation: Conversation, text: str) -> Reply | list[Reply]:
    """Quiet hours typed as 'HH:MM-HH:MM' (or 'off')."""
    typed = " ".join(text.split())
    if typed.casefold() in ("off", "none", "no"):
        start, end = 0, 0
    else:
        match = _HOURS.match(typed)
        values = [int(v) if v else 0 for v in match.groups()] if match else []
        if not match or values[0] > 23 or values[2] > 23 or values[1] > 59 or values[3] > 59:
            return Reply(_("Please type two times such as 22:00-08:00 (24-hour clock), or “off”."))
        start, end = values[0] * 60 + values[1], values[2] * 60 + values[3]
        if start == end:
            return Reply(_("The start and end are the same. Type two different times, or “off”."))
    await ctx.repos.members.set_quiet_hours(ctx.member_id, start, end, ctx.now)
    await quiet.reschedule_held(ctx, ctx.member_id)
    return await _advance(ctx, conversation, _("Quiet hours: {window}.", window=_quiet_text(start, end)))


@router.action("profile.toggle")
async def toggle_pressed(ctx: Context, payload: dict) -> Reply:
    """Tap a theme, region or language on or off; the question is redrawn in place."""
    conversation = await _current(ctx, payload)
    if conversation is None:
        return _stale()
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
        return _stale()
    conversation = await ctx.turn_page(conversation, payload.get("p", 0))
    if conversation is None:
        return _stale()
    return await _question(ctx, conversation, edit=True)


@router.action("profile.done")
async def done_pressed(ctx: Context, payload: dict) -> Reply | list[Reply]:
    """Save the chosen themes, regions or languages."""
    conversation = await _current(ctx, payload)
    if conversation is None:
        return _stale()
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
    return await _advance(ctx, conversation, _n_chosen(step, len(selection)))


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
        return _stale()
    await ctx.repos.members.set_field(ctx.member_id, COLUMN[conversation.step], None, ctx.now)
    removed = conversation.data.get("mode") != "onboarding"
    return await _advance(ctx, conversation, _("Removed.") if removed else None)


@router.action("profile.cancel")
async def cancel_pressed(ctx: Context, payload: dict) -> Reply | list[Reply]:
    """Stop editing without changing anything."""
    conversation = await _current(ctx, payload)
    if conversation is None:
        return _stale()
    await ctx.repos.conversations.clear(ctx.member_id)
    return [Reply(_("Nothing was changed."), edit=True), await view(ctx)]


@router.action("profile.edit")
async def edit_pressed(ctx: Context, payload: dict) -> Reply:
    """Change one part of the profile."""
    step = payload.get("field")
    if step not in STEPS and step not in EDIT_ONLY:
        return _stale()
    conversation = await ctx.conversation()
    if conversation is not None and conversation.data.get("mode") == "onboarding":
        return Reply(_("Let's finish setting up your profile first."))
    return await ask(ctx, step, mode="edit")


# --- showing ---------------------------------------------------------------------------------------------


_SUMMARY_FIELDS = ("name", "organisation", "kind", "themes", "regions", "languages", "timezone")


def _summary_template() -> str:
    row = plain("<b>{label}:</b> {value}")
    lines = [row.format(label=literal(plain(FIELD_LABELS[f])), value="{" + f + "}") for f in _SUMMARY_FIELDS]
    lines.append(plain("<b>{label}:</b> {value} <i>(shown to a partner only after you both agree)</i>").format(
        label=literal(plain(FIELD_LABELS["contact"])), value="{contact}"))
    lines.append(plain("<b>Notifications:</b> {notify} <i>(change with /notify)</i>"))
    lines.append(plain("<b>Quiet hours:</b> {quiet}"))
    lines.append(plain("<b>Role:</b> {role}"))
    return "\n".join(lines)


async def summary(ctx: Context) -> Markup:
    """The member's profile as lines of text (one template per language, filled once)."""

    member = ctx.member
    assert member is not None
    dash = "—"
    network = ctx.network
    kind = network.actor_kind(member.actor_kind or "")
    themes = [network.theme(t).label if network.theme(t) else t for t in member.themes]
    regions = [network.region(r.name).label if not r.free and network.region(r.name) else r.name
               for r in member.regions]
    zone = member.timezone
    role = {Role.ADMIN: _("admin"), Role.ORGANISER: _("organiser")}.get(ctx.role, _("member"))
    return fill(
        assembled("profile.summary", _summary_template),
        name=member.display_name or dash,
        organisation=member.organisation or dash,
        kind=_(kind.label) if kind else dash,
        themes=", ".join(themes) or dash,
        regions=", ".join(regions) or dash,
        languages=", ".join(langs.language_name(c) for c in member.languages) or dash,
        timezone=_("{zone}, now {time}", zone=zone, time=timezones.now_in(zone, ctx.now_dt)) if zone else dash,
        contact=member.contact or dash,
        notify=describe_notify(member),
        quiet=_quiet_text(member.quiet_start, member.quiet_end),
        role=role,
    )


async def view(ctx: Context) -> Reply:
    """The profile with a button for each part."""
    buttons = [await ctx.button(plain(FIELD_LABELS[step]), "profile.edit", {"field": step})
               for step in (*STEPS, *EDIT_ONLY)]
    rows = tuple(tuple(buttons[i:i + 2]) for i in range(0, len(buttons), 2))
    return Reply(join_lines(_("<b>Your profile</b>"), await summary(ctx), "",
                            _("Tap a button to change that part.")), buttons=rows)


@router.command("profile", Role.MEMBER, N_("see and change your profile"), order=10)
async def profile_command(ctx: Context, args: str) -> Reply:
    """Show the profile, or continue the set-up if it is unfinished."""
    if not ctx.member.profile_complete:
        return await resume(ctx)
    return await view(ctx)


@router.command("timezone", Role.MEMBER, N_("set your time zone from a city, a country or a zone name"),
                usage=N_("/timezone [city, country or zone]"), order=11)
async def timezone_command(ctx: Context, args: str) -> Reply | list[Reply]:
    """Set the time zone in one go (`/timezone Nairobi`), or be asked for it."""
    if not ctx.member.profile_complete:
        return await resume(ctx)
    if not args.strip():
        return await ask(ctx, "timezone", mode="edit")
    conversation = await ctx.repos.conversations.put(ctx.member_id, FLOW, "timezone", {"mode": "edit"}, ctx.now)
    return await timezone_typed(ctx, conversation, args)


@router.command("cancel", Role.MEMBER, N_("stop what you are doing"), order=90)
async def cancel_command(ctx: Context, args: str) -> Reply:
    """Leave the current question."""
    conversation = await ctx.conversation()
    if conversation is None:
        return Reply(_("There is nothing to cancel."))
    await ctx.repos.conversations.clear(ctx.member_id)
    if conversation.data.get("mode") == "onboarding":
        return Reply(_("Your profile set-up is paused; what you already answered is kept. "
                       "Send /profile to continue whenever you like."))
    if conversation.step == "commitment.reason":  # the new date was saved before its reason was asked
        return Reply(_("The new date is kept, without a reason."))
    return Reply(_("Cancelled. Nothing was changed."))
