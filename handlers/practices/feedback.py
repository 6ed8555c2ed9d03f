"""After a session: share a practice from it, and say what a future meeting should address. Organisers read the
answers grouped by theme with /feedback (all the latest, or one session's: /feedback 3)."""

from __future__ import annotations

from itertools import groupby

from handlers import profile
from handlers.arguments import Param
from handlers.commitments.choices import _options
from handlers.core import Args, Context, Role
from handlers.core.questions import Answer, Choice, Question
from handlers.events import Reply
from handlers.i18n import N_, _, join_lines
from handlers.practices.common import (
    CHOICE_PAGE,
    MAX_FEEDBACK,
    SKIP,
    SessionRef,
    feedback_flow,
    practice_number,
    router,
    too_long,
)
from handlers.practices.sharing import start_from_session
from handlers.sanitise import clean_line
from storage.conversations import Conversation

FEEDBACK_SHOWN = 200


def _gone() -> Reply:
    return Reply(_("That session no longer exists."))


@router.action("practice.from_session", payload=SessionRef)
async def share_from_session(ctx: Context, press: SessionRef) -> Reply | list[Reply]:
    session = await ctx.repos.sessions.get(press.session)
    if session is None:
        return _gone()
    if not ctx.member.profile_complete:
        return [Reply(_("Let's finish setting up your profile first.")), await profile.resume(ctx)]
    return await start_from_session(ctx, session.id, session.title)


@router.action("meeting.feedback", payload=SessionRef)
async def feedback_pressed(ctx: Context, press: SessionRef) -> Reply:
    session = await ctx.repos.sessions.get(press.session)
    if session is None:
        return _gone()
    return await feedback_flow.ask(ctx, "text", {"session": session.id, "title": session.title})


@feedback_flow.step("text")
async def text_question(ctx: Context, conversation: Conversation) -> Question:
    return Question(_("What should a future meeting address? A sentence or two (at most {n} characters); the "
                      "organisers read it, and may quote it without your name in the meeting's outcome report.",
                      n=MAX_FEEDBACK), typed=N_("What a future meeting should address"))


@feedback_flow.typed("text")
async def text_typed(ctx: Context, answer: Answer) -> Reply:
    checked = clean_line(answer.value, MAX_FEEDBACK)
    if checked.problem == "empty":
        return Reply(_("Please type what a future meeting should address, or send /cancel to stop."))
    if checked.problem == "too_long":
        return Reply(too_long(checked.length, MAX_FEEDBACK))
    return await feedback_flow.ask(ctx, "theme", {**answer.data, "text": checked.text})


@feedback_flow.step("theme")
async def theme_question(ctx: Context, conversation: Conversation) -> Question:
    return Question(_("Which theme is it about? Tap one, or Skip."),
                    choices=tuple(Choice(value, label) for value, label in _options(ctx, "theme")),
                    page_size=CHOICE_PAGE, more=((Choice(SKIP, str(_("Skip"))),),))


@feedback_flow.picked("theme")
async def theme_picked(ctx: Context, answer: Answer) -> Reply:
    theme = answer.value if answer.value != SKIP and ctx.network.theme(answer.value) else None
    await feedback_flow.end(ctx)
    session = answer.data.get("session")
    if session is not None and await ctx.repos.sessions.get(int(session)) is None:
        session = None
    await ctx.repos.practices.add_feedback(session, ctx.member_id, theme, answer.data["text"], ctx.now)
    return Reply(_("Thank you. The organisers will read it when they prepare the next meetings."), edit=True)


@feedback_flow.when_cancelled
async def cancelled(ctx: Context, conversation: Conversation) -> Reply:
    return Reply(_("Cancelled. Nothing was sent."))


@router.command("feedback", Role.ORGANISER, N_("what members want future meetings to address, by theme"),
                usage=N_("/feedback [session number]"), order=62,
                params=(Param("session", N_("the session it followed: 3")),))
async def feedback_command(ctx: Context, args: Args) -> Reply:
    text = args.text.strip()
    session = None
    if text:
        number = practice_number(text)
        session = await ctx.repos.sessions.get(number) if number is not None else None
        if session is None:
            return Reply(_("There is no session #{id}. /agenda lists the sessions.", id=text.removeprefix("#")[:20]))
    found = await ctx.repos.practices.feedback(session.id if session else None, FEEDBACK_SHOWN)
    if not found:
        return Reply(_("Nobody has said yet what a future meeting should address.") if session is None else
                     _("Nobody has said yet what a meeting after session #{id} should address.", id=session.id))
    head = _("<b>What members want future meetings to address</b>, by theme:") if session is None else \
        _("<b>What members want after session #{id}, {title}</b>, by theme:", id=session.id, title=session.title)
    lines = [head]
    for theme, entries in groupby(found, key=lambda f: f.theme):
        items = list(entries)
        choice = ctx.network.theme(theme) if theme else None
        label = choice.label if choice else (theme or str(_("No theme")))
        lines.append("")
        lines.append(_("<b>{theme}</b> ({n})", theme=label, n=len(items)))
        lines.extend(_("• {text}", text=item.text) for item in items)
    return Reply(join_lines(*lines))
