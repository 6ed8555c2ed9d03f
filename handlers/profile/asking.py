"""Setting up the profile: starting, resuming where the member left off, and the question for each step."""

from __future__ import annotations

from markupsafe import Markup

from handlers import languages as langs
from handlers import quiet
from handlers.core import Context
from handlers.core.questions import Choice, Question
from handlers.events import Reply
from handlers.i18n import _, _n, current_language, join_lines
from handlers.network import ACTOR_KINDS
from handlers.profile.common import (
    DONE,
    FIELD_LABELS,
    LIMITS,
    OPTIONAL,
    PAGE,
    SKIP,
    STEPS,
    profile_flow,
)
from handlers.profile.showing import quiet_text, summary, view
from storage.conversations import Conversation
from storage.members import Member


async def begin(ctx: Context) -> Reply:
    """Start the guided set-up at its first question."""
    return await ask(ctx, STEPS[0], mode="onboarding")


async def resume(ctx: Context) -> Reply:
    """Ask again the question the member stopped at, or the first one still unanswered."""
    conversation = await profile_flow.current(ctx)
    if conversation is not None and conversation.step in STEPS:
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
    # The language the welcome was read in is stored when the member joins, so it says nothing of what they skipped.
    for index, step in enumerate(STEPS):
        later = [answered[s] for s in STEPS[index + 1:] if s != "languages"]
        if answered[step] or (step in OPTIONAL and any(later)):
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
        await profile_flow.end(ctx)
        await ctx.refresh_member()
        replies.append(Reply(join_lines(
            _("<b>Your profile is ready.</b>"), "", await summary(ctx), "",
            _("Send /help to see what you can do, or /profile to change anything."),
        )))
        return replies
    await profile_flow.end(ctx)
    await ctx.refresh_member()
    replies.append(await view(ctx))
    return replies


# --- asking ----------------------------------------------------------------------------------------------


async def ask(ctx: Context, step: str, *, mode: str, selection: list[str] | None = None,
              offered: list[str] | None = None, edit: bool = False, note: Markup | None = None,
              candidates: list[list[str]] | None = None) -> Reply:
    """Put the member at `step` and return its question (`offered`: what a list question offered so far;
    `candidates`: the time zones a typed place may mean)."""
    member = await ctx.refresh_member()
    if selection is None:
        selection = _current_selection(member, step)
    data: dict = {"mode": mode, "picked": selection}
    if step in ("regions", "languages"):
        data["offered"] = _offered(step, selection, offered or [])
    if candidates:
        data["candidates"] = candidates
    return await profile_flow.ask(ctx, step, data, note=note, edit=edit)


def _offered(step: str, selection: list[str], before: list[str]) -> list[str]:
    """The places or languages a list question offers besides the network's regions, in an order that never
    changes while it is asked: what it offered before, then what was just typed. Ticking or unticking moves
    nothing, so every button keeps its place (and its number) between taps."""
    if step == "regions":
        return list(dict.fromkeys([*before, *(s for s in selection if s.startswith("~"))]))
    return list(dict.fromkeys([*(before or [*selection, *langs.COMMON_LANGUAGES]), *selection]))


def _current_selection(member: Member, step: str) -> list[str]:
    if step == "themes":
        return list(member.themes)
    if step == "regions":
        return [("~" + r.name) if r.free else r.name for r in member.regions]
    if step == "languages":
        return list(member.languages)
    return []


@profile_flow.step("name")
@profile_flow.step("organisation")
@profile_flow.step("contact")
async def text_question(ctx: Context, conversation: Conversation) -> Question:
    step = conversation.step
    if step == "name":
        text = _n("What name should the network know you by? A pseudonym is fine (at most {n} character).",
                  "What name should the network know you by? A pseudonym is fine (at most {n} characters).",
                  LIMITS["name"])
    elif step == "organisation":
        text = _("Which organisation are you with, if any?")
    else:
        text = _("How may a partner contact you once you have both agreed to an introduction? For example "
                 "“Signal: +33 6 …”, “email: …” or “Telegram @name”. Nobody sees this without your agreement.")
    return _framed(conversation, text, typed=FIELD_LABELS[step])


@profile_flow.step("kind")
async def kind_question(ctx: Context, conversation: Conversation) -> Question:
    return _framed(conversation, _("What kind of actor are you?"),
                   choices=tuple(Choice(k.id, k.label) for k in ACTOR_KINDS))


@profile_flow.step("themes")
@profile_flow.step("regions")
@profile_flow.step("languages")
async def list_question(ctx: Context, conversation: Conversation) -> Question:
    step = conversation.step
    selection: list[str] = conversation.data.get("picked", [])
    if step == "themes":
        text = _("Which themes do you work on? Tap to choose as many as you like, then press Done.")
        options = [(c.id, c.label) for c in ctx.network.themes]
    elif step == "regions":
        text = _("Where do you work? Tap the regions, and type the name of a city or country to add it. "
                 "Then press Done.")
        options = [(c.id, c.label) for c in ctx.network.regions]
        options += [(s, s[1:]) for s in _offered(step, selection, conversation.data.get("offered", []))]
    else:
        text = _("Which languages do you speak? Tap them, or type them (for example “French, Wolof”). "
                 "The first one is the language the bot speaks to you in, when it can. Then press Done.")
        codes = _offered(step, selection, conversation.data.get("offered", []))
        options = [(c, langs.language_name(c, current_language())) for c in codes]
    done = Choice(DONE, str(_("Done ({n} chosen)", n=len(selection))))
    return _framed(conversation, text, choices=tuple(Choice(v, label, ticked=v in selection) for v, label in options),
                   page_size=PAGE, more=((done,),), typed=None if step == "themes" else FIELD_LABELS[step])


@profile_flow.step("timezone")
async def timezone_question(ctx: Context, conversation: Conversation) -> Question:
    candidates = conversation.data.get("candidates", [])  # [zone, label] for each zone a typed place may mean
    text = _("Which of these is yours?") if candidates else \
        _("What is your time zone? Type the city you live in (for example Lyon or Nairobi), or a time zone name "
          "such as Africa/Nairobi.")
    return _framed(conversation, text, per_row=1, typed=FIELD_LABELS["timezone"],
                   choices=(*(Choice(zone, label) for zone, label in candidates), Choice("UTC", "UTC")))


@profile_flow.step("quiet")
async def quiet_question(ctx: Context, conversation: Conversation) -> Question:
    member = ctx.member
    text = _("During your quiet hours I hold back check-ins and notices until they end; reminders you set still come "
             "at the time you chose. Now: {window}. Type new hours such as 23:00-07:30, or choose below.",
             window=quiet_text(member.quiet_start, member.quiet_end))
    return _framed(conversation, text, choices=(
        Choice("default", str(_("Default ({window})", window=quiet.format_window(None, None)))),
        Choice("off", str(_("No quiet hours")))), typed=FIELD_LABELS["quiet"])


def _framed(conversation: Conversation, text: Markup, *, choices: tuple[Choice, ...] = (), typed: str | None = None,
            more: tuple[tuple[Choice, ...], ...] = (), page_size: int = PAGE, per_row: int = 2) -> Question:
    """A question of the set-up ("Step 2 of 8", Skip, no Cancel) or of an edit (Remove it, Cancel)."""
    step = conversation.step
    onboarding = conversation.data.get("mode") == "onboarding"
    if onboarding:
        text = join_lines(_("<i>Step {i} of {total}</i>", i=STEPS.index(step) + 1, total=len(STEPS)), text)
    if step in OPTIONAL:
        more = (*more, (Choice(SKIP, str(_("Skip") if onboarding else _("Remove it"))),))
    return Question(text, choices=choices, more=more, typed=typed, page_size=page_size, per_row=per_row,
                    cancel=not onboarding)
