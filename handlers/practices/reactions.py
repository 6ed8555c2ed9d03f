"""What members do with a published practice: say it worked for them too, or did not (one report each, with a
note if they like); try it (a commitment made from it, linked, so the practice shows who is trying it); ask its
author for an introduction, with the same double consent as /partner (the author's contact is passed on only if
they accept)."""

from __future__ import annotations

from handlers.commitments import start_from_practice
from handlers.core import Context
from handlers.core.questions import Answer, Choice, Question
from handlers.events import Reply
from handlers.i18n import N_, _, join_lines, plain
from handlers.partners.common import EXPIRE_AFTER
from handlers.partners.consent import send_request
from handlers.partners.words import limit_reached
from handlers.practices.common import MAX_NOTE, SKIP, PracticeRef, no_such, note_flow, router, too_long, visible
from handlers.practices.view import shown
from handlers.sanitise import clean_line
from storage.conversations import Conversation
from storage.practices import Practice


async def _published(ctx: Context, practice_id: int) -> Practice | Reply:
    """A published practice someone else shared; else what to say."""
    practice = await visible(ctx, practice_id)
    if practice is None:
        return Reply(no_such(practice_id))
    if practice.status != "approved":
        return Reply(_("Practice #{id} is not published, so nobody can report on it, try it or ask its author.",
                       id=practice_id))
    if practice.author_id == ctx.member_id:
        return Reply(_("Practice #{id} is yours: others report on it, try it and ask you about it.", id=practice_id))
    return practice


@router.action("practice.worked", payload=PracticeRef)
async def worked_pressed(ctx: Context, press: PracticeRef) -> Reply:
    return await _report(ctx, press.practice, "worked")


@router.action("practice.not_worked", payload=PracticeRef)
async def not_worked_pressed(ctx: Context, press: PracticeRef) -> Reply:
    return await _report(ctx, press.practice, "not_worked")


async def _report(ctx: Context, practice_id: int, verdict: str) -> Reply:
    practice = await _published(ctx, practice_id)
    if isinstance(practice, Reply):
        return practice
    before = await ctx.repos.practices.report(practice.id, ctx.member_id, verdict, ctx.now)
    if before == verdict:
        said = _("You already said it worked for you.") if verdict == "worked" else \
            _("You already said it did not work for you.")
        return Reply(said, toast=str(said), toast_only=True)
    return await note_flow.ask(ctx, "report_note", {"practice": practice.id, "verdict": verdict,
                                                    "changed": before is not None})


@note_flow.step("report_note")
async def report_note_question(ctx: Context, conversation: Conversation) -> Question:
    data = conversation.data
    thanks = _("Thank you: practice #{id} now counts you among those it worked for.", id=data["practice"]) \
        if data["verdict"] == "worked" else \
        _("Thank you: practice #{id} now counts you among those it did not work for.", id=data["practice"])
    ask = _("Add a short note for others: where you tried it, and how it went (at most {n} characters)? Type it, "
            "or Skip.", n=MAX_NOTE) if data["verdict"] == "worked" else \
        _("Add a short note for others: why it did not work for you (at most {n} characters)? Type it, or Skip.",
          n=MAX_NOTE)
    return Question(join_lines(thanks, ask), typed=N_("Your note"), more=((Choice(SKIP, str(_("Skip"))),),))


@note_flow.picked("report_note")
async def report_note_skipped(ctx: Context, answer: Answer) -> Reply:
    await note_flow.end(ctx)
    return Reply(_("Thank you. /practice {id} shows it with what others said.", id=answer.data["practice"]),
                 edit=True)


@note_flow.typed("report_note")
async def report_note_typed(ctx: Context, answer: Answer) -> Reply:
    checked = clean_line(answer.value, MAX_NOTE)
    if checked.problem == "empty":
        return Reply(_("Please type your note, or tap Skip."))
    if checked.problem == "too_long":
        return Reply(too_long(checked.length, MAX_NOTE))
    await note_flow.end(ctx)
    practice_id = answer.data["practice"]
    if not await ctx.repos.practices.note_report(practice_id, ctx.member_id, checked.text):
        return Reply(no_such(practice_id))
    practice = await visible(ctx, practice_id)
    return await shown(ctx, practice, note=_("Your note is added.")) if practice else Reply(no_such(practice_id))


@router.action("practice.try", payload=PracticeRef)
async def try_pressed(ctx: Context, press: PracticeRef) -> Reply:
    """Register a commitment to try it: the /commit questions, the practice named and linked."""
    practice = await _published(ctx, press.practice)
    if isinstance(practice, Reply):
        return practice
    return await start_from_practice(ctx, practice.id, practice.title, themes=practice.themes,
                                     region=practice.region)


@router.action("practice.ask", payload=PracticeRef)
async def ask_pressed(ctx: Context, press: PracticeRef) -> Reply:
    """Ask the author for an introduction: they are asked, as by /partner, and nobody's contact is passed on
    unless they accept. The author of an anonymous practice stays unnamed to the asker until then."""
    practice = await _published(ctx, press.practice)
    if isinstance(practice, Reply):
        return practice
    if practice.author_id is None:
        return Reply(_("The author of practice #{id} has left the network; nobody can be asked.", id=practice.id))
    repo, me, now = ctx.repos.partners, ctx.member_id, ctx.now
    for intro in await repo.for_member(me):
        if practice.author_id not in (intro.a_id, intro.b_id):
            continue
        if intro.status == "pending":
            return Reply(_("You have already asked the author of practice #{id}; /partners shows where it stands.",
                           id=practice.id))
        if intro.status == "introduced":
            return Reply(_("You and the author of practice #{id} are already introduced: /partners shows how to "
                           "reach them.", id=practice.id))
    refused = await limit_reached(ctx)
    if refused is not None:
        return refused
    author = await ctx.repos.members.get(practice.author_id)
    # An anonymous author stays unnamed to the asker unless they accept (the asker's lists name nobody they asked
    # before an introduction is made); the author is told that accepting tells the asker who they are.
    reason = {"p": practice.id, **({"anon": 1} if practice.anonymous else {})}
    request_id = await repo.create_request(me, theme=None, region=None, language=None, note="",
                                           proposals=[(practice.author_id, reason)], now=now)
    may_ask = author is not None and not author.blocked and bool(await repo.eligible(me, [practice.author_id]))
    expires_at = now + EXPIRE_AFTER
    intro_ids = await repo.send(request_id, me, [(practice.author_id, reason, may_ask)], note="", now=now,
                                expires_at=expires_at)
    ctx.services.scheduled(expires_at)
    if intro_ids and may_ask and author is not None:
        await send_request(ctx, intro_ids[0], author)
    return Reply(join_lines(
        _("<b>The author of practice #{id} is asked whether they agree to an introduction.</b>", id=practice.id),
        _("They see your pseudonym, your kind of actor and which practice you ask about, never your contact. If "
          "they accept, you each receive the other's contact line. If they are not available, I will tell you "
          "within a week."),
        plain(N_("/partners shows where your introductions stand."))))
