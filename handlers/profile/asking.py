"""Setting up the profile: starting, resuming where the member left off, and the question for each step."""

from __future__ import annotations

from markupsafe import Markup

from handlers import languages as langs
from handlers import quiet
from handlers.core import Context
from handlers.events import Button, Reply
from handlers.i18n import _, _n, join_lines, plain
from handlers.network import ACTOR_KINDS
from handlers.paging import page_of
from handlers.profile.common import FIELD_LABELS, FLOW, LIMITS, OPTIONAL, PAGE, STEPS
from handlers.profile.showing import quiet_text, summary, view
from storage.conversations import Conversation
from storage.members import Member


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


async def advance(ctx: Context, conversation: Conversation, done_text: Markup | None = None) -> list[Reply]:
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
                 "below.", window=quiet_text(member.quiet_start, member.quiet_end))
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
