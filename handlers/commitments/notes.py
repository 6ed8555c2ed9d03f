"""/progress and the notes of a commitment, and a new date with its reason."""

from __future__ import annotations

from markupsafe import Markup

from handlers import when
from handlers.arguments import MAX_ID, Param, first_word
from handlers.commitments.common import MAX_NOTE, CommitmentRef, edit_flow, router
from handlers.commitments.dates import (
    _when,
    _zone,
    checkins_for,
    checkins_line,
    date_problem,
    due_text,
    parse_date,
    quick_date,
)
from handlers.commitments.listing import _own
from handlers.core import Args, Context, Role
from handlers.core.questions import Answer, Choice, Question
from handlers.events import Reply
from handlers.i18n import N_, _, _n, join_lines, plain
from handlers.sanitise import clean_line
from storage.commitments import Commitment
from storage.conversations import Conversation


@router.command("progress", Role.MEMBER, N_("note how one of your commitments is going"),
                usage=N_("/progress <number> <note>"), order=42,
                params=(Param("number", N_("the commitment's number, from /commitments"), number=True, required=True,
                              low=1, high=MAX_ID),
                        Param("note", N_("what you did so far"), longest=MAX_NOTE)))
async def progress_command(ctx: Context, args: Args) -> Reply:
    """Add a progress note to one of the member's commitments."""
    typed, note = first_word(args.text)
    if not typed.removeprefix("#"):
        return Reply(_("Usage: {usage}, for example “/progress 12 Venue booked”. Send /commitments to see the "
                       "numbers.", usage=plain("/progress <number> <note>")))
    commitment = await _own(ctx, typed.removeprefix("#"))
    if isinstance(commitment, Reply):
        return commitment
    if not note:
        return await _ask_note(ctx, commitment)
    return (await _save_note(ctx, commitment, note))[0]


@router.action("commitment.note", payload=CommitmentRef)
async def note_pressed(ctx: Context, press: CommitmentRef) -> Reply:
    """Ask for a progress note."""
    commitment = await _own(ctx, press.commitment)
    if isinstance(commitment, Reply):
        return commitment
    return await _ask_note(ctx, commitment)


async def _ask_note(ctx: Context, commitment: Commitment) -> Reply:
    return await edit_flow.ask(ctx, "note", {"commitment": commitment.id})


@edit_flow.step("note")
async def note_question(ctx: Context, conversation: Conversation) -> Question:
    commitment = await ctx.repos.commitments.get(int(conversation.data.get("commitment", 0)))
    return Question(join_lines(_("<b>#{id}</b> {what}", id=commitment.id, what=commitment.what) if commitment else None,
                               _n("How is it going? Type a short note (at most {n} character).",
                                  "How is it going? Type a short note (at most {n} characters).", MAX_NOTE)),
                    typed=N_("Note"))


async def _save_note(ctx: Context, commitment: Commitment, text: str) -> tuple[Reply, bool]:
    """Add the note if it is fit to keep: the answer, and whether it was saved."""
    checked = clean_line(text, MAX_NOTE)
    if checked.problem == "empty":
        return Reply(_("Please type a few words, or send /cancel to stop.")), False
    if checked.problem == "too_long":
        return Reply(_n("That is {n} character; the most is {max}. Please send a shorter note.",
                        "That is {n} characters; the most is {max}. Please send a shorter note.",
                        checked.length, max=MAX_NOTE)), False
    if not await ctx.repos.commitments.add_note(commitment.id, ctx.member_id, "progress", checked.text, ctx.now):
        return Reply(_("Commitment #{id} is no longer open.", id=commitment.id)), True
    return Reply(_("Noted on #{id}. Thank you!", id=commitment.id)), True


@edit_flow.typed("note")
async def note_typed(ctx: Context, answer: Answer) -> Reply:
    """The progress note typed after Progress or /progress <number>."""
    commitment = await _own(ctx, answer.data.get("commitment"))
    if isinstance(commitment, Reply):
        await edit_flow.end(ctx)
        return commitment
    reply, finished = await _save_note(ctx, commitment, answer.value)
    if finished:
        await edit_flow.end(ctx)
    return reply


@router.action("commitment.newdate", payload=CommitmentRef)
async def newdate_pressed(ctx: Context, press: CommitmentRef) -> Reply:
    """Ask for a new date."""
    commitment = await _own(ctx, press.commitment)
    if isinstance(commitment, Reply):
        return commitment
    return await ask_date(ctx, commitment)


async def ask_date(ctx: Context, commitment: Commitment, note: Markup | None = None) -> Reply:
    return await edit_flow.ask(ctx, "date", {"commitment": commitment.id}, note=note)


@edit_flow.step("date")
async def date_question(ctx: Context, conversation: Conversation) -> Question:
    commitment = await ctx.repos.commitments.get(int(conversation.data.get("commitment", 0)))
    zone = _zone(ctx)
    return Question(join_lines(
        _("<b>#{id}</b> {what}", id=commitment.id, what=commitment.what) if commitment else None,
        _("Now {due}.", due=due_text(commitment.due_at, zone)) if commitment else None,
        _("What is the new date? Tap a button, or type a date such as “15 March”, “in two weeks” or "
          "“next Friday 10:00” (read in your time zone, {zone}).", zone=zone),
    ), more=((Choice("week", str(_("In a week"))), Choice("month", str(_("In a month")))),
             (Choice("none", str(_("No date"))),)), typed=N_("Date"))


@edit_flow.typed("date")
async def date_typed(ctx: Context, answer: Answer) -> Reply:
    """A new date typed: saved at once."""
    commitment = await _own(ctx, answer.data.get("commitment"))
    if isinstance(commitment, Reply):
        await edit_flow.end(ctx)
        return commitment
    moment = await parse_date(ctx, answer.value)
    if isinstance(moment, when.Problem):
        return await ask_date(ctx, commitment, note=date_problem(moment, answer.value))
    return await _reschedule(ctx, commitment, moment.at)


@edit_flow.picked("date")
async def new_when_picked(ctx: Context, answer: Answer) -> Reply:
    """In a week, in a month, or no date, as the new date: saved at once."""
    commitment = await _own(ctx, answer.data.get("commitment"))
    if isinstance(commitment, Reply):
        await edit_flow.end(ctx)
        return commitment
    return await _reschedule(ctx, commitment, quick_date(ctx, answer.value))


async def _reschedule(ctx: Context, commitment: Commitment, due: int | None) -> Reply:
    """Save the new date and its check-ins, then ask why it changed (an answer the member may skip)."""
    now, zone = ctx.now, _zone(ctx)
    if due is not None and due <= now:
        return await ask_date(ctx, commitment, note=_(
            "The date you chose, {when}, has passed in the meantime. Please choose another.", when=_when(due, zone)))
    checkins = checkins_for(due, now, zone)
    note_id = await ctx.repos.commitments.set_due(commitment.id, ctx.member_id, due, now, checkins=checkins)
    if note_id is None:
        await edit_flow.end(ctx)
        return Reply(_("Commitment #{id} is no longer open.", id=commitment.id))
    for at, _detail in checkins:
        ctx.services.scheduled(at)
    return await edit_flow.ask(ctx, "reason", {"commitment": commitment.id, "note": note_id},
                               note=join_lines(_new_date_saved(commitment.id, due, zone),
                                               checkins_line(checkins, zone)))


@edit_flow.step("reason")
async def reason_question(ctx: Context, conversation: Conversation) -> Question:
    return Question(_("What changed? A few words help the organisers plan. Type them, or tap Skip."),
                    more=((Choice("skip", str(_("Skip"))),),), typed=N_("Reason"), cancel=False)


def _new_date_saved(commitment_id: int, due: int | None, zone: str) -> Markup:
    if due is None:
        return _("Saved: commitment #{id} no longer has a due date.", id=commitment_id)
    return _("Saved: commitment #{id} is now due <b>{when}</b>.", id=commitment_id, when=_when(due, zone))


@edit_flow.typed("reason")
async def reason_typed(ctx: Context, answer: Answer) -> Reply:
    """Why the date changed (the date itself is already saved)."""
    checked = clean_line(answer.value, MAX_NOTE)
    if checked.problem == "empty":
        return Reply(_("Please type a few words, or tap Skip."))
    if checked.problem == "too_long":
        return Reply(_n("That is {n} character; the most is {max}. Please send a shorter reason.",
                        "That is {n} characters; the most is {max}. Please send a shorter reason.",
                        checked.length, max=MAX_NOTE))
    await edit_flow.end(ctx)
    commitment_id = answer.data.get("commitment")
    if not await ctx.repos.commitments.set_reason(int(answer.data.get("note", 0)), ctx.member_id, checked.text):
        return Reply(_("There is no commitment #{id}. Send /commitments to see yours.", id=commitment_id))
    return Reply(_("Thank you: the reason is noted with commitment #{id}.", id=commitment_id))


@edit_flow.picked("reason")
async def reason_skipped(ctx: Context, answer: Answer) -> Reply:
    """No reason given: the new date stays as saved."""
    await edit_flow.end(ctx)
    commitment = await ctx.repos.commitments.get(int(answer.data.get("commitment", 0)))
    if commitment is None:
        return Reply(_("There is no commitment #{id}. Send /commitments to see yours.",
                       id=answer.data.get("commitment")))
    return Reply(join_lines(_new_date_saved(commitment.id, commitment.due_at, _zone(ctx)), _("No reason noted.")),
                 edit=True)


@edit_flow.when_cancelled
async def edit_cancelled(ctx: Context, conversation: Conversation) -> Reply:
    """Leave a new date or a note unfinished; nothing changes (a new date is saved before its reason is asked)."""
    if conversation.step == "reason":
        return Reply(_("The new date is kept, without a reason."))
    return Reply(_("Cancelled. Nothing was changed."))
