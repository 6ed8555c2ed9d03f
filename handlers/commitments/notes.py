"""/progress and the notes of a commitment, and a new date with its reason."""

from __future__ import annotations

from markupsafe import Markup

from handlers import when
from handlers.arguments import MAX_ID, Param, first_word
from handlers.commitments.asking import _current, _stale
from handlers.commitments.common import EDIT_FLOW, MAX_NOTE, router
from handlers.commitments.dates import (
    _parse,
    _problem,
    _when,
    _zone,
    checkins_for,
    checkins_line,
    due_text,
    quick_date,
)
from handlers.commitments.listing import _own
from handlers.core import Args, Context, Role
from handlers.events import Button, Reply
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
                       "numbers.", usage="/progress <number> <note>"))
    commitment = await _own(ctx, typed.removeprefix("#"))
    if isinstance(commitment, Reply):
        return commitment
    if not note:
        return await _ask_note(ctx, commitment)
    return (await _save_note(ctx, commitment, note))[0]


@router.action("commitment.note")
async def note_pressed(ctx: Context, payload: dict) -> Reply:
    """Ask for a progress note."""
    commitment = await _own(ctx, payload.get("c"))
    if isinstance(commitment, Reply):
        return commitment
    return await _ask_note(ctx, commitment)


async def _ask_note(ctx: Context, commitment: Commitment) -> Reply:
    conversation = await ctx.repos.conversations.put(ctx.member_id, EDIT_FLOW, "commitment.note",
                                                     {"c": commitment.id}, ctx.now)
    cancel = await ctx.button(str(_("Cancel")), "commitment.cancel", {"n": conversation.nonce, "s": "note"})
    return Reply(join_lines(_("<b>#{id}</b> {what}", id=commitment.id, what=commitment.what),
                            _n("How is it going? Type a short note (at most {n} character).",
                               "How is it going? Type a short note (at most {n} characters).", MAX_NOTE)),
                 buttons=((cancel,),), asks=plain(N_("Note")))


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


@router.text_step(EDIT_FLOW, "commitment.note")
async def note_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    """The progress note typed after Progress or /progress <number>."""
    commitment = await _own(ctx, conversation.data.get("c"))
    if isinstance(commitment, Reply):
        await ctx.repos.conversations.clear(ctx.member_id)
        return commitment
    reply, finished = await _save_note(ctx, commitment, text)
    if finished:
        await ctx.repos.conversations.clear(ctx.member_id)
    return reply


@router.action("commitment.newdate")
async def newdate_pressed(ctx: Context, payload: dict) -> Reply:
    """Ask for a new date."""
    commitment = await _own(ctx, payload.get("c"))
    if isinstance(commitment, Reply):
        return commitment
    return await ask_date(ctx, commitment)


async def ask_date(ctx: Context, commitment: Commitment, note: Markup | None = None) -> Reply:
    conversation = await ctx.repos.conversations.put(ctx.member_id, EDIT_FLOW, "commitment.date",
                                                     {"c": commitment.id}, ctx.now)
    zone = _zone(ctx)

    async def btn(label: Markup, action: str, **payload: str) -> Button:
        return await ctx.button(str(label), action, {"n": conversation.nonce, "s": "date", **payload})

    rows = (
        (await btn(_("In a week"), "commitment.when", v="week"), await btn(_("In a month"), "commitment.when",
                                                                          v="month")),
        (await btn(_("No date"), "commitment.when", v="none"), await btn(_("Cancel"), "commitment.cancel")),
    )
    return Reply(join_lines(
        note,
        _("<b>#{id}</b> {what}", id=commitment.id, what=commitment.what),
        _("Now {due}.", due=due_text(commitment.due_at, zone)),
        _("What is the new date? Tap a button, or type a date such as “15 March”, “in two weeks” or "
          "“next Friday 10:00” (read in your time zone, {zone}).", zone=zone),
    ), buttons=rows, asks=plain(N_("Date")))


@router.text_step(EDIT_FLOW, "commitment.date")
async def date_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    """A new date typed: saved at once."""
    commitment = await _own(ctx, conversation.data.get("c"))
    if isinstance(commitment, Reply):
        await ctx.repos.conversations.clear(ctx.member_id)
        return commitment
    moment = await _parse(ctx, text)
    if isinstance(moment, when.Problem):
        return await ask_date(ctx, commitment, note=_problem(moment, text))
    return await _reschedule(ctx, commitment, moment.at)


@router.action("commitment.when")
async def new_when_pressed(ctx: Context, payload: dict) -> Reply:
    """In a week, in a month, or no date, as the new date: saved at once."""
    conversation = await _current(ctx, payload, EDIT_FLOW)
    choice = payload.get("v")
    if conversation is None or conversation.step != "commitment.date" or choice not in ("week", "month", "none"):
        return _stale()
    commitment = await _own(ctx, conversation.data.get("c"))
    if isinstance(commitment, Reply):
        await ctx.repos.conversations.clear(ctx.member_id)
        return commitment
    return await _reschedule(ctx, commitment, quick_date(ctx, choice))


async def _reschedule(ctx: Context, commitment: Commitment, due: int | None) -> Reply:
    """Save the new date and its check-ins, then ask why it changed (an answer the member may skip)."""
    now, zone = ctx.now, _zone(ctx)
    if due is not None and due <= now:
        return await ask_date(ctx, commitment, note=_(
            "The date you chose, {when}, has passed in the meantime. Please choose another.", when=_when(due, zone)))
    checkins = checkins_for(due, now, zone)
    note_id = await ctx.repos.commitments.set_due(commitment.id, ctx.member_id, due, now, checkins=checkins)
    if note_id is None:
        await ctx.repos.conversations.clear(ctx.member_id)
        return Reply(_("Commitment #{id} is no longer open.", id=commitment.id))
    for at, _detail in checkins:
        ctx.services.scheduled(at)
    conversation = await ctx.repos.conversations.put(ctx.member_id, EDIT_FLOW, "commitment.reason",
                                                     {"c": commitment.id, "note": note_id}, now)
    skip = await ctx.button(str(_("Skip")), "commitment.reason_skip", {"n": conversation.nonce, "s": "reason"})
    return Reply(join_lines(
        _new_date_saved(commitment.id, due, zone),
        checkins_line(checkins, zone),
        "",
        _("What changed? A few words help the organisers plan. Type them, or tap Skip."),
    ), buttons=((skip,),), asks=plain(N_("Reason")))


def _new_date_saved(commitment_id: int, due: int | None, zone: str) -> Markup:
    if due is None:
        return _("Saved: commitment #{id} no longer has a due date.", id=commitment_id)
    return _("Saved: commitment #{id} is now due <b>{when}</b>.", id=commitment_id, when=_when(due, zone))


@router.text_step(EDIT_FLOW, "commitment.reason")
async def reason_typed(ctx: Context, conversation: Conversation, text: str) -> Reply:
    """Why the date changed (the date itself is already saved)."""
    checked = clean_line(text, MAX_NOTE)
    if checked.problem == "empty":
        return Reply(_("Please type a few words, or tap Skip."))
    if checked.problem == "too_long":
        return Reply(_n("That is {n} character; the most is {max}. Please send a shorter reason.",
                        "That is {n} characters; the most is {max}. Please send a shorter reason.",
                        checked.length, max=MAX_NOTE))
    await ctx.repos.conversations.clear(ctx.member_id)
    commitment_id = conversation.data.get("c")
    if not await ctx.repos.commitments.set_reason(int(conversation.data.get("note", 0)), ctx.member_id,
                                                  checked.text):
        return Reply(_("There is no commitment #{id}. Send /commitments to see yours.", id=commitment_id))
    return Reply(_("Thank you: the reason is noted with commitment #{id}.", id=commitment_id))


@router.action("commitment.reason_skip")
async def reason_skipped(ctx: Context, payload: dict) -> Reply:
    """No reason given: the new date stays as saved."""
    conversation = await _current(ctx, payload, EDIT_FLOW)
    if conversation is None or conversation.step != "commitment.reason":
        return _stale()
    await ctx.repos.conversations.clear(ctx.member_id)
    commitment = await ctx.repos.commitments.get(int(conversation.data.get("c", 0)))
    if commitment is None:
        return _stale()
    return Reply(join_lines(_new_date_saved(commitment.id, commitment.due_at, _zone(ctx)), _("No reason noted.")),
                 edit=True)


@router.action("commitment.cancel")
async def edit_cancelled(ctx: Context, payload: dict) -> Reply:
    """Leave a new date or a note unfinished; nothing changes."""
    if await _current(ctx, payload, EDIT_FLOW) is None:
        return _stale()
    await ctx.repos.conversations.clear(ctx.member_id)
    return Reply(_("Cancelled. Nothing was changed."), edit=True)
