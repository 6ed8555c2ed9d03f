"""Registration questions: what a session's organisers ask those going, when they set it in the draft.

- Interpretation (`interpretation:French, Arabic`): the languages the session offers; a member going picks the one
  they need, or none.
- Access needs (`access:yes`): a member going types theirs (step-free access, captions, a quiet room…), or None.

The questions come right after "You are going" (saying Going again asks them again, to change the answers). The
answers are sealed (storage/signups.py), seen by organisers only (/signups, and the counts under the session), in
the member's /export, and gone when they stop going or erase their data.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from handlers.core import Args, Context, Role
from handlers.core.questions import Answer, Choice, Flow, Question, answered
from handlers.events import Button, Reply
from handlers.i18n import N_, _, _n, current_language, join_lines, plain
from handlers.languages import language_name
from handlers.sanitise import clean_line
from handlers.sessions.common import MAX_ACCESS, SESSION_NUMBER, router
from handlers.sessions.following import closed, gone
from handlers.sessions.showing import interpretation_names, session_arg
from storage.conversations import Conversation
from storage.sessions import Session
from storage.signups import GOING, OFFERED, WAITING

NONE = "-"  # the "no need" answer (no language code is a dash)
PAGE = 20  # people a page of /signups
signup_flow = Flow(router, "signup", stale=N_("That question has already been answered or was cancelled."),
                   exported=lambda data: answered(data, session_number="session", answers="answers"))


def has_questions(session: Session) -> bool:
    return bool(session.interpretation) or bool(session.asks_access)


def _steps(session: Session) -> list[str]:
    return [step for step, asked in (("interpretation", session.interpretation), ("access", session.asks_access))
            if asked]


async def ask(ctx: Context, session: Session) -> Reply | None:
    """The first registration question of a session a member is going to; None when it asks nothing."""
    steps = _steps(session)
    if not steps:
        return None
    return await signup_flow.ask(ctx, steps[0], {"session": session.id, "title": session.title, "answers": {}})


async def _next(ctx: Context, answer: Answer, answers: dict[str, str]) -> Reply:
    """The next question, or the answers kept."""
    session = await ctx.repos.sessions.get(int(answer.data["session"]))
    if session is None or closed(ctx, session) is not None:
        await signup_flow.end(ctx)
        return Reply(_("That session is no longer open: nothing was kept."), edit=True)
    steps = _steps(session)
    later = steps[steps.index(answer.step) + 1:] if answer.step in steps else []
    if later:
        return await signup_flow.ask(ctx, later[0], {**answer.data, "answers": answers})
    await signup_flow.end(ctx)
    if not await ctx.repos.signups.set_answers(session.id, ctx.member_id, answers):
        return Reply(_("You are not going to session #{id} any more: nothing was kept.", id=session.id), edit=True)
    return Reply(join_lines(
        _("Thank you: the organisers of session #{id} will see your answers, and nobody else.", id=session.id),
        _("To change them, say you are going again: /rsvp {id}.", id=session.id)), edit=True)


@signup_flow.step("interpretation")
async def interpretation_question(ctx: Context, conversation: Conversation) -> Question:
    session = await ctx.repos.sessions.get(int(conversation.data["session"]))
    codes = (session.interpretation or "").split(",") if session else []
    return Question(
        _("Session #{id}, “{title}”, offers interpretation into {languages}. Do you need it?",
          id=conversation.data["session"], title=conversation.data.get("title", ""),
          languages=interpretation_names(session.interpretation if session else None)),
        choices=tuple(Choice(code, language_name(code, current_language())) for code in codes if code),
        more=((Choice(NONE, str(_("No, thank you"))),),))


@signup_flow.picked("interpretation")
async def interpretation_picked(ctx: Context, answer: Answer) -> Reply:
    answers = dict(answer.data.get("answers", {}))
    answers.pop("interpretation", None)
    if answer.value != NONE:
        answers["interpretation"] = answer.value
    return await _next(ctx, answer, answers)


@signup_flow.step("access")
async def access_question(ctx: Context, conversation: Conversation) -> Question:
    return Question(_("Do you have access needs the organisers should know of (step-free access, captions, sign "
                      "language, a quiet room…)? Type them (at most {n} characters), or press None. Only the "
                      "organisers see them.", n=MAX_ACCESS),
                    typed=N_("Access needs"), more=((Choice(NONE, str(_("None"))),),))


@signup_flow.picked("access")
async def access_none(ctx: Context, answer: Answer) -> Reply:
    answers = {k: v for k, v in answer.data.get("answers", {}).items() if k != "access"}
    return await _next(ctx, answer, answers)


@signup_flow.typed("access")
async def access_typed(ctx: Context, answer: Answer) -> Reply:
    checked = clean_line(answer.value, MAX_ACCESS)
    if checked.problem == "empty":
        return Reply(_("Please type your access needs, or press None."))
    if checked.problem == "too_long":
        return Reply(_n("That is {n} character; please keep it to {max}.",
                        "That is {n} characters; please keep it to {max}.", checked.length, max=MAX_ACCESS))
    return await _next(ctx, answer, {**answer.data.get("answers", {}), "access": checked.text})


@signup_flow.when_cancelled
async def cancelled(ctx: Context, conversation: Conversation) -> Reply:
    return Reply(_("You are still going; your answers were not changed."))


# --- what organisers see --------------------------------------------------------------------------------------


def answers_line(session: Session, going: list[tuple[int, str, dict[str, str]]]) -> Markup:
    """For organisers, under the counts of a session that asks questions: the interpretation asked for, and how
    many told of access needs."""
    wanted = Counter(a["interpretation"] for _m, _s, a in going if a.get("interpretation"))
    needs = sum(1 for _m, _s, a in going if a.get("access"))
    return join_lines(
        _("<b>Interpretation asked for:</b> {counts}", counts=", ".join(
            f"{language_name(code, current_language())} {n}" for code, n in wanted.most_common()) or "—")
        if session.interpretation else None,
        _n("<b>Access needs:</b> {n} person told of theirs", "<b>Access needs:</b> {n} people told of theirs",
           needs) if session.asks_access else None,
        _("<i>/signups {id} lists who.</i>", id=session.id))


def _answers_text(answers: dict[str, str]) -> Markup | None:
    parts = []
    if answers.get("interpretation"):
        parts.append(_("interpretation: {language}",
                       language=language_name(answers["interpretation"], current_language())))
    if answers.get("access"):
        parts.append(_("access needs: {text}", text=answers["access"]))
    return Markup(" · ").join(parts) if parts else None


@dataclass(frozen=True)
class SignupsPage:
    session: int
    page: int


@router.command("signups", Role.ORGANISER, N_("who is going to a session, their answers, and who waits"),
                usage=N_("/signups <number>"), order=64, params=(SESSION_NUMBER,))
async def signups_command(ctx: Context, args: Args) -> Reply:
    session = await session_arg(ctx, args.text, plain(N_("/signups <number>")))
    if isinstance(session, Reply):
        return session
    return await _list(ctx, session, 0)


@router.action("session.signups", Role.ORGANISER, payload=SignupsPage)
async def signups_page(ctx: Context, press: SignupsPage) -> Reply:
    session = await ctx.repos.sessions.get(press.session)
    if session is None:
        return gone()
    return await _list(ctx, session, press.page, edit=True)


async def _list(ctx: Context, session: Session, page: int, *, edit: bool = False) -> Reply:
    """Those going (and offered a place) with their answers, then the waiting list in order; PAGE a page."""
    going = await ctx.repos.signups.going_answers(session.id)
    waiting = [(member_id, WAITING, None) for member_id in await ctx.repos.signups.members(session.id, WAITING)]
    people: list[tuple[int, str, Any]] = [*going, *waiting]
    head = _("<b>Sign-ups for session #{id}, “{title}”</b>", id=session.id, title=session.title)
    if not people:
        return Reply(join_lines(head, _("Nobody is going or waiting yet.")), edit=edit)
    pages = (len(people) + PAGE - 1) // PAGE
    page = min(max(page, 0), pages - 1)
    shown = people[page * PAGE:(page + 1) * PAGE]
    members = await ctx.repos.members.get_many([member_id for member_id, _s, _a in shown])
    lines: list[Any] = [head]
    for n, (member_id, status, answers) in enumerate(shown, start=page * PAGE):
        member = members.get(member_id)
        name = (member.display_name if member else None) or f"#{member_id}"
        if n == 0 and going:
            lines += ["", _n("<b>Going</b> ({n}):", "<b>Going</b> ({n}):", len(going))]
        if n == len(going):
            lines += ["", _n("<b>Waiting</b> ({n}), in order:", "<b>Waiting</b> ({n}), in order:", len(waiting))]
        if status == WAITING:
            lines.append(_("{n}. {name}", n=n - len(going) + 1, name=name))
        elif status == OFFERED:
            lines.append(_("{n}. {name} <i>(offered a place, not yet taken)</i>", n=n + 1, name=name))
        else:
            details = _answers_text(answers)
            lines.append(_("{n}. {name} — {answers}", n=n + 1, name=name, answers=details) if details else
                         _("{n}. {name}", n=n + 1, name=name))
    buttons: list[Button] = []
    if page > 0:
        buttons.append(await ctx.button(str(_("‹ Earlier")), "session.signups", SignupsPage(session.id, page - 1)))
    if page < pages - 1:
        buttons.append(await ctx.button(str(_("Later ›")), "session.signups", SignupsPage(session.id, page + 1)))
    if pages > 1:
        lines += ["", _("<i>Page {page} of {pages}.</i>", page=page + 1, pages=pages)]
    lines += ["", _("<i>Only organisers see this list and the answers in it.</i>")]
    return Reply(join_lines(*lines), buttons=(tuple(buttons),) if buttons else (), edit=edit)


def own_answers(signup_status: str, answers: dict[str, str]) -> Markup | None:
    """For the member: the answers they gave, under where they stand."""
    if signup_status != GOING:
        return None
    details = _answers_text(answers)
    return _("<i>Your answers (seen by the organisers only): {answers}</i>", answers=details) if details else None
