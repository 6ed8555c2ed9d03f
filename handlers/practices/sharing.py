"""/practice: share a practice, guided question by question (title, what was done, where, themes, the kind of
actor, what worked, what did not and why, what it needs, a link, who may see it, and whether to show one's name),
then a summary to Submit. Nothing is stored before Submit; nothing is published before an organiser approves it.

The same questions change a practice: its author's after an organiser asked for changes (it goes back to review),
or any practice an organiser edits (it keeps its state, and the audit log records the edit)."""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup

from handlers import profile
from handlers.arguments import Param
from handlers.commitments.choices import _options, region_label
from handlers.core import Args, Context, Role
from handlers.core.questions import Answer, Choice, Question
from handlers.events import Reply
from handlers.i18n import N_, _, join_lines, plain
from handlers.network import ACTOR_KINDS
from handlers.practices.common import (
    CHOICE_PAGE,
    DONE,
    LIMITS,
    SKIP,
    STEPS,
    VISIBILITY_LABELS,
    PracticeRef,
    is_organiser,
    no_such,
    practice_flow,
    practice_number,
    router,
    too_long,
    visible,
)
from handlers.practices import review
from handlers.practices.review import ask_for_review
from handlers.practices.view import shown
from handlers.sanitise import clean_line
from storage.audit import AuditRepository
from storage.conversations import Conversation
from storage.practices import Draft, Practice

OPTIONAL = ("worked", "not_worked", "needs", "link")
TYPED = ("title", "what", "worked", "not_worked", "needs", "link")


@router.command("practice", Role.MEMBER, N_("share a practice that worked (or did not), or show one: /practice 12"),
                usage=N_("/practice [title] — or /practice 12 to show one"), order=60,
                params=(Param("details", N_("a title for a new practice, or the number of one to show"),
                              longest=LIMITS["title"]),))
async def practice_command(ctx: Context, args: Args) -> Reply | list[Reply]:
    """Show practice N, or start sharing one (its title, when given)."""
    text = args.text.strip()
    first, _sep, rest = text.partition(" ")
    subcommands = {"edit": _edit_command, **review.SUBCOMMANDS}
    if first.casefold() in subcommands and rest.strip():
        return await subcommands[first.casefold()](ctx, rest.strip())
    digits = text.removeprefix("#").strip()
    if digits and all(unicodedata.decimal(c, None) is not None for c in digits):
        # A number, in any script's digits; one too big to be a practice's is one that does not exist either.
        wanted = practice_number(digits)
        practice = await visible(ctx, wanted) if wanted is not None else None
        return await shown(ctx, practice) if practice else Reply(no_such(digits[:20]))
    if not ctx.member.profile_complete:
        return [Reply(_("Let's finish setting up your profile first.")), await profile.resume(ctx)]
    data: dict[str, Any] = {}
    note = None
    if text:
        checked = clean_line(text, LIMITS["title"])
        if checked.problem is None:
            data["title"] = checked.text
        elif checked.problem == "too_long":
            note = too_long(checked.length, LIMITS["title"])
    return await _next(ctx, data, note)


async def start_from_session(ctx: Context, session_id: int, title: str) -> Reply:
    """Share a practice that came out of a session (the questions, the session named)."""
    return await _next(ctx, {"session": session_id, "session_title": title},
                       _("<b>A practice from session #{id}:</b> {title}", id=session_id, title=title))


async def start_change(ctx: Context, practice: Practice) -> Reply:
    """Change a practice: the summary, with its answers filled in, to change any of them before sending it."""
    data = {"editing": practice.id, "author": practice.author_id, "title": practice.title, "what": practice.what, "region": practice.region,
            "place": practice.place, "themes": list(practice.themes), "actor": practice.actor_kind,
            "worked": practice.worked, "not_worked": practice.not_worked, "needs": practice.needs,
            "link": practice.link, "visibility": practice.visibility, "anonymous": practice.anonymous}
    return await practice_flow.ask(ctx, "confirm", data)


async def _edit_command(ctx: Context, rest: str) -> Reply:
    """`/practice edit 12`: an organiser changes any practice; its author one an organiser asked changes of."""
    practice_id = practice_number(rest)
    practice = await visible(ctx, practice_id) if practice_id is not None else None
    if practice is None:
        return Reply(no_such(practice_id)) if practice_id else Reply(_("Which practice? For example /practice edit 12."))
    if is_organiser(ctx) or (practice.author_id == ctx.member_id and practice.status == "changes"):
        return await start_change(ctx, practice)
    return Reply(_("Practice #{id} cannot be changed now.", id=practice_id))


async def _next(ctx: Context, data: dict[str, Any], note: Markup | None = None) -> Reply:
    """The first question still unanswered, or the summary."""
    data = dict(data)
    if not ctx.network.themes:
        data.setdefault("themes", [])
    step = next((s for s in STEPS if s not in _answered(data)), "confirm")
    return await practice_flow.ask(ctx, step, data, note=note)


def _answered(data: dict[str, Any]) -> set[str]:
    done = {key for key in ("title", "what", "themes", "actor", "worked", "not_worked", "needs", "link",
                            "visibility") if key in data}
    if "region" in data or "place" in data:
        done.add("where")
    if "anonymous" in data:
        done.add("name")
    return done


# --- the questions -------------------------------------------------------------------------------------------

QUESTIONS = {
    "title": (N_("What is the practice called? A short title (at most {n} characters)."), N_("Title")),
    "what": (N_("What was done? Say it so that someone elsewhere could do it too (at most {n} characters)."),
             N_("What was done")),
    "worked": (N_("What worked? (at most {n} characters, or Skip)"), N_("What worked")),
    "not_worked": (N_("What did not work, and why? Others learn as much from this (at most {n} characters, or "
                      "Skip)."), N_("What did not work")),
    "needs": (N_("What does it need: people, money, time, skills? (at most {n} characters, or Skip)"),
              N_("What it needs")),
    "link": (N_("A link to a resource about it (a report, a toolkit, a video), starting with https://, or Skip."),
             N_("Link")),
}


@practice_flow.step("title")
@practice_flow.step("what")
@practice_flow.step("worked")
@practice_flow.step("not_worked")
@practice_flow.step("needs")
@practice_flow.step("link")
async def text_question(ctx: Context, conversation: Conversation) -> Question:
    step = conversation.step
    text, label = QUESTIONS[step]
    more = ((Choice(SKIP, str(_("Skip"))),),) if step in OPTIONAL else ()
    return Question(_(text, n=LIMITS.get(step, 0)), typed=label, more=more)


@practice_flow.step("where")
async def where_question(ctx: Context, conversation: Conversation) -> Question:
    return Question(_("Where was it done? Tap a region, or type a city or country."), typed=N_("Where"),
                    choices=tuple(Choice(value, label) for value, label in _options(ctx, "region")),
                    page_size=CHOICE_PAGE, more=((Choice(SKIP, str(_("Skip"))),),))


@practice_flow.step("themes")
async def themes_question(ctx: Context, conversation: Conversation) -> Question:
    chosen = conversation.data.get("picked", [])
    done = Choice(DONE, str(_("Done ({n} chosen)", n=len(chosen))))
    return Question(_("Which themes is it about? Tap as many as fit, then press Done."),
                    choices=tuple(Choice(value, label, ticked=value in chosen)
                                  for value, label in _options(ctx, "theme")),
                    page_size=CHOICE_PAGE, more=((done,),))


@practice_flow.step("actor")
async def actor_question(ctx: Context, conversation: Conversation) -> Question:
    return Question(_("What kind of actor did it?"), per_row=2,
                    choices=tuple(Choice(kind.id, kind.label) for kind in ACTOR_KINDS),
                    more=((Choice(SKIP, str(_("Skip"))),),))


@practice_flow.step("visibility")
async def visibility_question(ctx: Context, conversation: Conversation) -> Question:
    return Question(join_lines(
        _("Who may see it once an organiser approves it?"),
        _("<b>The network</b>: every member can find it. <b>Organisers only</b>: the organisers, who may share "
          "what they learn from it without naming you.")),
        choices=tuple(Choice(value, plain(label)) for value, label in VISIBILITY_LABELS.items()))


@practice_flow.step("name")
async def name_question(ctx: Context, conversation: Conversation) -> Question:
    return Question(join_lines(
        _("Should members see your name with it?"),
        _("If you stay anonymous, members read “a member in …” (the place you gave); organisers always know who "
          "shared it.")),
        choices=(Choice("named", str(_("Show my name"))), Choice("anonymous", str(_("Stay anonymous")))))


@practice_flow.step("confirm")
async def confirm_question(ctx: Context, conversation: Conversation) -> Question:
    data = conversation.data
    editing = data.get("editing")
    title = _("<b>Send this practice for review?</b>") if not editing else \
        _("<b>Save practice #{id}?</b>", id=editing)
    change = tuple(Choice(f"change:{step}", str(label)) for step, label in (
        ("title", _("Title")), ("what", _("What was done")), ("where", _("Where")), ("themes", _("Themes")),
        ("worked", _("What worked")), ("not_worked", _("What did not")), ("needs", _("What it needs")),
        ("link", _("Link")), ("visibility", _("Who may see it")), ("name", _("Name or anonymous"))))
    send = _("Save") if editing and is_organiser(ctx) and not _resubmission(ctx, data) else _("Submit")
    return Question(join_lines(title, summary(ctx, data), _("Tap a part to change it.")), choices=change,
                    per_row=2, page_size=len(change), more=((Choice("submit", str(send), once=True),),))


def _resubmission(ctx: Context, data: dict[str, Any]) -> bool:
    return bool(data.get("editing")) and data.get("author") == ctx.member_id


def summary(ctx: Context, data: dict[str, Any]) -> Markup:
    kind = next((k for k in ACTOR_KINDS if k.id == data.get("actor")), None)
    place = region_label(ctx, data["region"]) if data.get("region") else data.get("place")
    labels = [choice.label for choice in (ctx.network.theme(t) for t in data.get("themes", [])) if choice]
    return join_lines(
        _("<b>From session:</b> {title}", title=data.get("session_title", "")) if data.get("session") else None,
        _("<b>Title:</b> {text}", text=data.get("title", "")),
        _("<b>What was done:</b> {text}", text=data.get("what", "")),
        _("<b>Where:</b> {place}", place=place or "—"),
        _("<b>Themes:</b> {themes}", themes=", ".join(labels) or "—"),
        _("<b>Kind of actor:</b> {kind}", kind=kind.label if kind else "—"),
        _("<b>What worked:</b> {text}", text=data.get("worked") or "—"),
        _("<b>What did not, and why:</b> {text}", text=data.get("not_worked") or "—"),
        _("<b>What it needs:</b> {text}", text=data.get("needs") or "—"),
        _("<b>Link:</b> {link}", link=data.get("link") or "—"),
        _("<b>Visible to:</b> {who}", who=plain(VISIBILITY_LABELS.get(data.get("visibility", "network"),
                                                                     VISIBILITY_LABELS["network"]))),
        _("<b>Your name:</b> {shown}", shown=_("hidden from members") if data.get("anonymous") else _("shown")),
    )


@practice_flow.when_cancelled
async def cancelled(ctx: Context, conversation: Conversation) -> Reply:
    if conversation.data.get("editing"):
        return Reply(_("Cancelled. Practice #{id} is unchanged.", id=conversation.data["editing"]))
    return Reply(_("Cancelled. Nothing was shared."))


# --- the answers ---------------------------------------------------------------------------------------------


async def _after(ctx: Context, data: dict[str, Any], note: Markup | None = None) -> Reply:
    """Back to the summary when changing one part; else the next question."""
    if data.pop("changing", False):
        return await practice_flow.ask(ctx, "confirm", data, note=note)
    return await _next(ctx, data, note)


@practice_flow.typed(*TYPED)
async def text_typed(ctx: Context, answer: Answer) -> Reply:
    step = answer.step
    checked = clean_line(answer.value, LIMITS[step])
    if checked.problem == "empty":
        return Reply(_("Please type your answer, or send /cancel to stop."))
    if checked.problem == "too_long":
        return await practice_flow.ask(ctx, step, answer.data, note=too_long(checked.length, LIMITS[step]))
    value = checked.text
    if step == "link":
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.netloc or " " in value:
            return await practice_flow.ask(ctx, step, answer.data, note=_(
                "That is not a web address. Type one that starts with https://, or tap Skip."))
    return await _after(ctx, {**answer.data, step: value})


@practice_flow.picked(*OPTIONAL)
async def skipped(ctx: Context, answer: Answer) -> Reply:
    return await _after(ctx, {**answer.data, answer.step: "" if answer.step != "link" else None})


@practice_flow.typed("where")
async def place_typed(ctx: Context, answer: Answer) -> Reply:
    """A region typed by name, or a place of the member's own."""
    region = ctx.network.match("region", answer.value[:100])
    if region is not None:
        return await _after(ctx, {**answer.data, "region": region.id, "place": None})
    checked = clean_line(answer.value, LIMITS["where"])
    if checked.problem is not None:
        return await practice_flow.ask(ctx, "where", answer.data, note=too_long(checked.length, LIMITS["where"])
                                       if checked.problem == "too_long" else None)
    return await _after(ctx, {**answer.data, "region": None, "place": checked.text})


@practice_flow.picked("where")
async def region_picked(ctx: Context, answer: Answer) -> Reply:
    region = answer.value if answer.value != SKIP and ctx.network.region(answer.value) else None
    return await _after(ctx, {**answer.data, "region": region, "place": None})


@practice_flow.picked("themes")
async def theme_picked(ctx: Context, answer: Answer) -> Reply:
    """A theme ticked or unticked (the question is redrawn in its place), or Done."""
    data = answer.conversation.data
    chosen = list(data.get("picked", data.get("themes", [])))
    if answer.value == DONE:
        rest = {k: v for k, v in answer.data.items() if k != "picked"}
        return await _after(ctx, {**rest, "themes": [t for t in chosen if ctx.network.theme(t)]})
    if answer.value in chosen:
        chosen.remove(answer.value)
    elif ctx.network.theme(answer.value):
        chosen.append(answer.value)
    return await practice_flow.redraw(ctx, answer.conversation, {**data, "picked": chosen})


@practice_flow.picked("actor")
async def actor_picked(ctx: Context, answer: Answer) -> Reply:
    kind = ctx.network.actor_kind(answer.value) if answer.value != SKIP else None
    return await _after(ctx, {**answer.data, "actor": kind.id if kind else None})


@practice_flow.picked("visibility")
async def visibility_picked(ctx: Context, answer: Answer) -> Reply:
    visibility = answer.value if answer.value in VISIBILITY_LABELS else "network"
    return await _after(ctx, {**answer.data, "visibility": visibility})


@practice_flow.picked("name")
async def name_picked(ctx: Context, answer: Answer) -> Reply:
    return await _after(ctx, {**answer.data, "anonymous": answer.value == "anonymous"})


@practice_flow.picked("confirm")
async def confirm_pressed(ctx: Context, answer: Answer) -> Reply | list[Reply]:
    """Change a part, or Submit (Save)."""
    data = answer.data
    if answer.value.startswith("change:"):
        step = answer.value.partition(":")[2]
        if step not in STEPS:
            return await practice_flow.ask(ctx, "confirm", data)
        if step == "themes":
            data = {**data, "picked": list(data.get("themes", []))}
        return await practice_flow.ask(ctx, step, {**data, "changing": True})
    draft = Draft(title=data["title"], what=data["what"], themes=tuple(data.get("themes", [])),
                  region=data.get("region"), place=data.get("place"), actor_kind=data.get("actor"),
                  worked=data.get("worked") or "", not_worked=data.get("not_worked") or "",
                  needs=data.get("needs") or "", link=data.get("link"),
                  visibility=data.get("visibility") or "network", anonymous=bool(data.get("anonymous")),
                  session_id=data.get("session"))
    await practice_flow.end(ctx)
    editing = data.get("editing")
    if editing is None:
        practice_id = await ctx.repos.practices.create(ctx.member_id, draft, ctx.now)
        await ask_for_review(ctx, practice_id)
        return Reply(join_lines(
            _("<b>Thank you: practice #{id} is sent for review.</b>", id=practice_id),
            _("An organiser reads it before members can find it; you will hear when it is published, or if they "
              "ask for changes. /practice {id} shows it.", id=practice_id)), edit=True)
    return await _save_change(ctx, editing, draft)


async def _save_change(ctx: Context, practice_id: int, draft: Draft) -> Reply:
    """The author's changes go back to review; an organiser's edit keeps the practice's state (and is audited)."""
    practice = await visible(ctx, practice_id)
    if practice is None:
        return Reply(no_such(practice_id), edit=True)
    if practice.author_id == ctx.member_id and practice.status == "changes":
        if not await ctx.repos.practices.rewrite(practice_id, draft, ctx.now, resubmit=True):
            return Reply(_("Practice #{id} no longer waits for your changes; nothing was saved.", id=practice_id),
                         edit=True)
        await ask_for_review(ctx, practice_id)
        return Reply(_("<b>Practice #{id} is sent for review again.</b>", id=practice_id), edit=True)
    if not is_organiser(ctx):
        return Reply(_("Practice #{id} cannot be changed now; nothing was saved.", id=practice_id), edit=True)
    await ctx.repos.practices.rewrite(practice_id, draft, ctx.now, resubmit=False)
    await AuditRepository(ctx.repos.db).record("practice.edit", actor_id=ctx.member_id,
                                               subject_id=practice.author_id, detail=f"practice #{practice_id}",
                                               now=ctx.now)
    return Reply(_("<b>Practice #{id} is saved.</b>", id=practice_id), edit=True)


@router.action("practice.change", payload=PracticeRef)
async def change_pressed(ctx: Context, press: PracticeRef) -> Reply:
    """The author changes a practice an organiser asked changes of."""
    practice = await visible(ctx, press.practice)
    if practice is None or practice.author_id != ctx.member_id or practice.status != "changes":
        return Reply(_("Practice #{id} cannot be changed now.", id=press.practice))
    return await start_change(ctx, practice)
