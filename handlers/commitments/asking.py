"""/commit and its questions (what, by when, theme, region, who may see it), and the answers typed."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from handlers import profile, when
from handlers.arguments import Param
from handlers.commitments.choices import (
    _options,
    _visibility,
    region_label,
    theme_label,
)
from handlers.commitments.common import (
    BY,
    CHOICE_PAGE,
    LEADING_BY,
    MAX_WHAT,
    SKIP,
    STEPS,
    VISIBILITY_LABELS,
    commit_flow,
    router,
)
from handlers.commitments.dates import _when, _zone, date_problem, parse_date
from handlers.core import Args, Context, Role
from handlers.core.questions import Answer, Choice, Question
from handlers.events import Reply
from handlers.i18n import N_, _, _n, join_lines, plain
from handlers.sanitise import clean_line
from storage.conversations import Conversation


@router.command("commit", Role.MEMBER, N_("register something you commit to doing"),
                usage=N_("/commit [what] [by when] [theme:…] [region:…] [visibility:…]"), order=40,
                params=(Param("what", N_("what you will do: Run a workshop in Lyon"), longest=MAX_WHAT),
                        Param("when", N_("by when: 15 March, in two weeks, next Friday 10:00")),
                        Param("theme", N_("the theme it is about"), named=True, suggest="theme"),
                        Param("region", N_("the region it is about"), named=True, suggest="region"),
                        Param("visibility", N_("who may see it: network, organisers or me"), named=True)))
async def commit_command(ctx: Context, args: Args) -> Reply | list[Reply]:
    """Start registering a commitment, filling what the command already says."""
    if not ctx.member.profile_complete:
        return [Reply(_("Let's finish setting up your profile first.")), await profile.resume(ctx)]
    named = args.values
    data: dict[str, Any] = {}
    notes: list[Markup] = []
    wrong: dict[str, str] = {}  # named parts not understood: their question comes first, saying so
    for kind in ("theme", "region"):
        if kind in named:
            choice = ctx.network.find(kind, named[kind])
            if choice is not None:
                data[kind] = choice.id
            else:
                wrong[kind] = named[kind][:64]
    if "visibility" in named:
        visibility = _visibility(named["visibility"])
        if visibility is not None:
            data["visibility"] = visibility
        else:
            wrong["visibility"] = named["visibility"][:64]
    if wrong:
        data["wrong"] = wrong
    first = None
    if "what" in named or "when" in named:  # typed options keep what and when apart: nothing to split
        what = named.get("what", "")
        head, tail, meant = what, named.get("when"), True
    else:
        what = clean_line(args.text, len(args.text) + 1).text
        head, tail, meant = _date_part(what)
    if what or tail is not None:
        if tail is not None:
            moment = await parse_date(ctx, tail)
            if isinstance(moment, when.Moment):
                what, data["due"] = head, moment.at
            elif meant or moment.code in ("past", "too_far", "bad_time"):
                what, first = head, "due"
                notes.append(date_problem(moment, tail))
        checked = clean_line(what, MAX_WHAT) if what else None
        if checked is not None and checked.problem == "too_long":
            notes.append(_too_long(checked.length))
        elif checked is not None and checked.problem is None:
            data["what"] = checked.text
    if "due" in data:
        notes.append(_("By when: <b>{when}</b>.", when=_when(data["due"], _zone(ctx))))
    return await _next(ctx, data, join_lines(*notes) if notes else None, first=first)


def _date_part(text: str) -> tuple[str, str | None, bool]:
    """Split "Run a workshop by 15 March" into what, the date typed, and whether that is surely meant as a date
    (so that a date not understood is said to be so). "by tomorrow" and "tomorrow" alone are a date with nothing
    before it; a last "by …" that does not look like a date ("written by and for migrants") is part of what."""
    leading = LEADING_BY.match(text)
    if leading:
        return "", text[leading.end():], True
    pieces = list(BY.finditer(text))
    if pieces:
        tail = text[pieces[-1].end():]
        return text[:pieces[-1].start()], tail, when.looks_like_date(tail)
    if when.looks_like_date(text):
        return "", text, False  # taken as a date only when it reads as one ("Monday meeting" is what)
    return text, None, False


def _too_long(length: int) -> Markup:
    return _n("That is {n} character; the most is {max}. Please say it in fewer words.",
              "That is {n} characters; the most is {max}. Please say it in fewer words.", length, max=MAX_WHAT)


async def _next(ctx: Context, data: dict[str, Any], note: Markup | None = None, *,
                first: str | None = None) -> Reply:
    """Ask `first` (a question whose typed answer was not understood), else a question named in the command but
    not understood, else the first question still unanswered; or show the summary to register."""
    data = dict(data)
    for kind, choices in (("theme", ctx.network.themes), ("region", ctx.network.regions)):
        if not choices:
            data.setdefault(kind, None)  # nothing to choose from: no question
    wrong = {kind: typed for kind, typed in data.pop("wrong", {}).items() if kind not in data}
    if wrong:
        data["wrong"] = wrong
    step = next((s for s in STEPS if s not in data and (s == first or s in wrong)), None) or \
        next((s for s in STEPS if s not in data), "confirm")
    return await _ask(ctx, step, data, note=note)


async def _ask(ctx: Context, step: str, data: dict[str, Any], *, note: Markup | None = None) -> Reply:
    return await commit_flow.ask(ctx, step, data, note=note)


@commit_flow.step("what")
async def what_question(ctx: Context, conversation: Conversation) -> Question:
    return Question(_with_wrong(conversation, _n(
        "What do you commit to doing? One sentence is enough (at most {n} character).",
        "What do you commit to doing? One sentence is enough (at most {n} characters).", MAX_WHAT)),
        typed=N_("Your commitment"), form=() if "due" in conversation.data else (N_("By when (or leave empty)"),))


@commit_flow.step("due")
async def due_question(ctx: Context, conversation: Conversation) -> Question:
    text = join_lines(
        _("By when will you do it? Tap a button, or type a date such as “15 March”, “in two weeks” or "
          "“next Friday 10:00”."),
        _("<i>Dates are read in your time zone, {zone}.</i>", zone=_zone(ctx)))
    return Question(_with_wrong(conversation, text), typed=N_("Date"),
                    more=((Choice("week", str(_("In a week"))), Choice("month", str(_("In a month")))),
                          (Choice("none", str(_("No date"))),)))


@commit_flow.step("theme")
@commit_flow.step("region")
async def place_question(ctx: Context, conversation: Conversation) -> Question:
    text = _("Which theme is it about? Tap one, or Skip.") if conversation.step == "theme" else \
        _("Which region is it about? Tap one, or Skip.")
    choices = tuple(Choice(value, label) for value, label in _options(ctx, conversation.step))
    return Question(_with_wrong(conversation, text), choices=choices, page_size=CHOICE_PAGE,
                    more=((Choice(SKIP, str(_("Skip"))),),))


@commit_flow.step("visibility")
async def visibility_question(ctx: Context, conversation: Conversation) -> Question:
    text = join_lines(
        _("Who may see this commitment?"),
        _("<b>The network</b>: members and organisers. <b>Organisers only</b>: the organisers, to follow up "
          "and help. <b>Just me</b>: nobody else; organisers only count it, and if you ask for help with it "
          "they learn that you need help, not what it says."))
    return Question(_with_wrong(conversation, text), per_row=3,
                    choices=tuple(Choice(value, plain(label)) for value, label in VISIBILITY_LABELS.items()))


@commit_flow.step("confirm")
async def confirm_question(ctx: Context, conversation: Conversation) -> Question:
    return Question(join_lines(_("<b>Register this commitment?</b>"), _summary(ctx, conversation.data, _zone(ctx))),
                    more=((Choice("register", str(_("Register")), once=True),),))


def _with_wrong(conversation: Conversation, text: Markup) -> Markup:
    """The question, after what the command named for it that the network does not offer."""
    return join_lines(_not_understood(conversation.step, conversation.data.get("wrong", {}).get(conversation.step)),
                      text)


def _not_understood(step: str, typed: str | None) -> Markup | None:
    """What the command named for this question and the network does not offer."""
    if typed is None:
        return None
    if step == "theme":
        return _("The network has no theme “{text}”.", text=typed)
    if step == "region":
        return _("The network has no region “{text}”.", text=typed)
    return _("“{text}” is not a choice of who may see it.", text=typed)


def _summary(ctx: Context, data: dict[str, Any], zone: str) -> Markup:
    due = data.get("due")
    return join_lines(
        _("<b>Together with:</b> {name}", name=data.get("joint_name", "")) if data.get("joint") else None,
        _("<b>From session:</b> {title}", title=data.get("session_title", "")) if data.get("session") else None,
        _("<b>Trying practice #{id}:</b> {title}", id=data.get("practice", 0), title=data.get("practice_title", ""))
        if data.get("practice") else None,
        _("<b>What:</b> {what}", what=data.get("what", "")),
        _("<b>By when:</b> {when}", when=_when(due, zone) if due is not None else _("no date")),
        _("<b>Theme:</b> {theme}", theme=theme_label(ctx, data.get("theme"))),
        _("<b>Region:</b> {region}", region=region_label(ctx, data.get("region"))),
        _("<b>Visible to:</b> {who}", who=plain(VISIBILITY_LABELS.get(data.get("visibility", ""), "—"))),
    )


@commit_flow.when_cancelled
async def cancelled(ctx: Context, conversation: Conversation) -> Reply:
    return Reply(_("Cancelled. Nothing was registered."))


@commit_flow.typed("what")
async def what_typed(ctx: Context, answer: Answer) -> Reply:
    """The member typed what they commit to."""
    checked = clean_line(answer.value, MAX_WHAT)
    if checked.problem == "empty":
        return Reply(_("Please type what you commit to, or send /cancel to stop."))
    if checked.problem == "too_long":
        return Reply(_too_long(checked.length))
    return await _next(ctx, {**answer.data, "what": checked.text})


@commit_flow.typed("due")
async def due_typed(ctx: Context, answer: Answer) -> Reply:
    """The member typed a date: take it if it is one still to come, and say exactly which moment it is."""
    moment = await parse_date(ctx, answer.value)
    if isinstance(moment, when.Problem):
        return await _ask(ctx, "due", answer.data, note=date_problem(moment, answer.value))
    return await _next(ctx, {**answer.data, "due": moment.at},
                       _("By when: <b>{when}</b>.", when=_when(moment.at, _zone(ctx))))


@commit_flow.typed("theme", "region")
async def place_typed(ctx: Context, answer: Answer) -> Reply:
    """A theme or a region typed by name."""
    kind, text = answer.step, answer.value
    choice = ctx.network.match(kind, text[:100])
    data = answer.data
    if choice is None:
        shown = " ".join(text.split())[:64]
        data["wrong"] = {k: v for k, v in data.get("wrong", {}).items() if k != kind}
        return await _ask(ctx, kind, data, note=_("None of the network's themes matches “{text}”.", text=shown)
                          if kind == "theme" else
                          _("None of the network's regions matches “{text}”.", text=shown))
    return await _next(ctx, {**data, kind: choice.id})
