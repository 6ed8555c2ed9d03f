"""Organisers review the toolbox: nothing is published before one approves it (a network under attack must not
become a channel for hate or disinformation). /review lists what waits; each practice has Approve, Ask for changes
(with a note to the author) and Decline, and its author is told. Organisers also retire outdated practices and merge
duplicates (`/practice retire 12`, `/practice merge 12 into 7`); every such act is in the audit log."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from handlers.core import Args, Context, Role
from handlers.core.questions import Answer, Question
from handlers.events import Reply
from handlers.i18n import N_, _, _n, join_lines
from handlers.partners.words import in_language_of
from handlers.roles import organisers_besides
from handlers.practices.common import (
    MAX_NOTE,
    PracticeRef,
    is_organiser,
    no_such,
    note_flow,
    practice_number,
    router,
    too_long,
    visible,
)
from handlers.practices.view import full, one_line, shown
from handlers.sanitise import clean_line
from storage.audit import AuditRepository
from storage.conversations import Conversation

WAITING_SHOWN = 10


@dataclass(frozen=True)
class MergeRef:
    """Merge `duplicate` into `kept`."""

    duplicate: int
    kept: int


async def ask_for_review(ctx: Context, practice_id: int) -> int:
    """Tell the organisers (but the author) that a practice waits for review; how many were told."""
    organisers = await organisers_besides(ctx, ctx.member_id)
    for organiser in organisers:
        button = await ctx.button(str(_("Review it")), "practice.open", PracticeRef(practice_id),
                                  for_member=organiser)
        await ctx.notify(organiser, Reply(_("<b>Practice #{id} waits for review.</b> /review lists everything "
                                            "that waits.", id=practice_id), buttons=((button,),)),
                         kind="practice", about=(ctx.member_id,))
    return len(organisers)


@router.command("review", Role.ORGANISER, N_("review the practices waiting to be published"), order=61)
async def review_command(ctx: Context, args: Args) -> Reply:
    waiting = await ctx.repos.practices.waiting(WAITING_SHOWN + 1)
    if not waiting:
        return Reply(_("No practice waits for review."))
    rows = tuple([(await ctx.button(str(_("Review #{id}", id=p.id)), "practice.open", PracticeRef(p.id)),)
                  for p in waiting[:WAITING_SHOWN]])
    more = len(waiting) > WAITING_SHOWN
    return Reply(join_lines(
        _n("<b>{n} practice waits for review</b> (oldest first):", "<b>{n} practices wait for review</b> (oldest "
           "first):", len(waiting), n=len(waiting)) if not more else
        _("<b>More than {n} practices wait for review</b> (the oldest first):", n=WAITING_SHOWN),
        *(one_line(ctx, p) for p in waiting[:WAITING_SHOWN])), buttons=rows)


@router.action("practice.open", payload=PracticeRef)
async def open_pressed(ctx: Context, press: PracticeRef) -> Reply:
    practice = await visible(ctx, press.practice)
    return await shown(ctx, practice) if practice else Reply(no_such(press.practice))


async def _waiting(ctx: Context, practice_id: int) -> Any:
    """The practice, if it still waits for review; else what to say."""
    practice = await visible(ctx, practice_id)
    if practice is None:
        return Reply(no_such(practice_id))
    if practice.status != "pending":
        return Reply(_("Practice #{id} no longer waits for review: another organiser has dealt with it, or its "
                       "author is changing it.", id=practice_id), edit=True)
    return practice


@router.action("practice.approve", Role.ORGANISER, payload=PracticeRef)
async def approve_pressed(ctx: Context, press: PracticeRef) -> Reply:
    practice = await _waiting(ctx, press.practice)
    if isinstance(practice, Reply):
        return practice
    return await _decide(ctx, practice.id, "approved", None)


@router.action("practice.changes", Role.ORGANISER, payload=PracticeRef)
async def changes_pressed(ctx: Context, press: PracticeRef) -> Reply:
    practice = await _waiting(ctx, press.practice)
    if isinstance(practice, Reply):
        return practice
    return await note_flow.ask(ctx, "review_note", {"practice": practice.id, "decision": "changes"})


@router.action("practice.decline", Role.ORGANISER, payload=PracticeRef)
async def decline_pressed(ctx: Context, press: PracticeRef) -> Reply:
    practice = await _waiting(ctx, press.practice)
    if isinstance(practice, Reply):
        return practice
    return await note_flow.ask(ctx, "review_note", {"practice": practice.id, "decision": "declined"})


@note_flow.step("review_note")
async def review_note_question(ctx: Context, conversation: Conversation) -> Question:
    if conversation.data.get("decision") == "changes":
        text = _("What should the author change in practice #{id}? Your note is sent to them (at most {n} "
                 "characters).", id=conversation.data["practice"], n=MAX_NOTE)
    else:
        text = _("Why is practice #{id} declined? Your note is sent to its author (at most {n} characters).",
                 id=conversation.data["practice"], n=MAX_NOTE)
    return Question(text, typed=N_("Note to the author"))


@note_flow.typed("review_note")
async def review_note_typed(ctx: Context, answer: Answer) -> Reply:
    checked = clean_line(answer.value, MAX_NOTE)
    if checked.problem == "empty":
        return Reply(_("Please type a note for the author, or send /cancel to stop."))
    if checked.problem == "too_long":
        return Reply(too_long(checked.length, MAX_NOTE))
    await note_flow.end(ctx)
    practice = await _waiting(ctx, answer.data["practice"])
    if isinstance(practice, Reply):
        return practice
    return await _decide(ctx, practice.id, answer.data["decision"], checked.text)


async def _decide(ctx: Context, practice_id: int, decision: str, note: str | None) -> Reply:
    """Record the review (once: a second organiser, or a second press, finds it decided), tell the author, and
    audit it."""
    if not await ctx.repos.practices.review(practice_id, decision, ctx.member_id, note, ctx.now):
        return Reply(_("Practice #{id} no longer waits for review: another organiser has dealt with it.",
                       id=practice_id), edit=True)
    practice = await ctx.repos.practices.get(practice_id)
    assert practice is not None
    await AuditRepository(ctx.repos.db).record(f"practice.{decision}", actor_id=ctx.member_id,
                                               subject_id=practice.author_id, detail=f"practice #{practice_id}",
                                               now=ctx.now)
    if practice.author_id is not None:
        await _tell_author(ctx, practice.author_id, practice_id, decision, note)
    said = {"approved": _("<b>Practice #{id} is published.</b> Members can find it with /practices.", id=practice_id),
            "changes": _("<b>Changes asked for practice #{id}.</b> Its author has your note.", id=practice_id),
            "declined": _("<b>Practice #{id} is declined.</b> Its author has your note.", id=practice_id)}
    return Reply(said[decision], edit=True)


async def _tell_author(ctx: Context, author_id: int, practice_id: int, decision: str, note: str | None) -> None:
    author = await ctx.repos.members.get(author_id)
    if author is None:
        return
    with in_language_of(ctx, author):
        if decision == "approved":
            text = _("<b>Your practice #{id} is published.</b> Members can now find it with /practices. Thank you "
                     "for sharing it.", id=practice_id)
            buttons: tuple = ()
        elif decision == "changes":
            text = join_lines(_("<b>An organiser asks for changes to your practice #{id}.</b>", id=practice_id),
                              _("<b>Their note:</b> {note}", note=note or ""))
            buttons = ((await ctx.button(str(_("Change it and send it again")), "practice.change",
                                         PracticeRef(practice_id), for_member=author_id),),)
        else:
            text = join_lines(_("<b>Your practice #{id} was not published.</b>", id=practice_id),
                              _("<b>The organiser's note:</b> {note}", note=note or ""))
            buttons = ()
    await ctx.notify(author_id, Reply(text, buttons=buttons), kind="practice")


@note_flow.when_cancelled
async def note_cancelled(ctx: Context, conversation: Conversation) -> Reply:
    return Reply(_("Cancelled. Nothing was changed."))


# --- retiring and merging (organisers) -----------------------------------------------------------------------


async def retire_command(ctx: Context, rest: str) -> Reply:
    practice_id = practice_number(rest)
    if not is_organiser(ctx) or practice_id is None:
        return Reply(_("Organisers retire a practice with /practice retire and its number, for example /practice retire 12."))
    practice = await visible(ctx, practice_id)
    if practice is None:
        return Reply(no_such(practice_id))
    if practice.status != "approved":
        return Reply(_("Only a published practice can be retired; practice #{id} is not published.", id=practice_id))
    yes = await ctx.button(str(_("Retire it")), "practice.retire", PracticeRef(practice_id), single_use=True)
    return Reply(join_lines(_("<b>Retire practice #{id}?</b> Members will no longer find it; those who open it "
                              "read that it is outdated.", id=practice_id), await full(ctx, practice)),
                 buttons=((yes,),))


@router.action("practice.retire", Role.ORGANISER, payload=PracticeRef)
async def retire_pressed(ctx: Context, press: PracticeRef) -> Reply:
    practice = await visible(ctx, press.practice)
    if practice is None or not await ctx.repos.practices.retire(press.practice, ctx.now):
        return Reply(_("Practice #{id} is not published any more; nothing was changed.", id=press.practice),
                     edit=True)
    await AuditRepository(ctx.repos.db).record("practice.retire", actor_id=ctx.member_id,
                                               subject_id=practice.author_id, detail=f"practice #{practice.id}",
                                               now=ctx.now)
    return Reply(_("<b>Practice #{id} is retired.</b>", id=practice.id), edit=True)


async def merge_command(ctx: Context, rest: str) -> Reply:
    words = rest.replace(",", " ").split()
    numbers = [practice_number(w) for w in words if w.casefold() not in ("into", "in", "to", "→", "->")]
    usage = _("Organisers merge a duplicate into the practice to keep with /practice merge, for example /practice merge 12 into 7.")
    if not is_organiser(ctx) or len(numbers) != 2 or None in numbers:
        return Reply(usage)
    duplicate_id, kept_id = numbers
    assert duplicate_id is not None and kept_id is not None
    if duplicate_id == kept_id:
        return Reply(_("A practice cannot be merged into itself."))
    duplicate, kept = await visible(ctx, duplicate_id), await visible(ctx, kept_id)
    for number, practice in ((duplicate_id, duplicate), (kept_id, kept)):
        if practice is None:
            return Reply(no_such(number))
        if practice.status != "approved":
            return Reply(_("Only published practices can be merged; practice #{id} is not published.", id=number))
    yes = await ctx.button(str(_("Merge them")), "practice.merge", MergeRef(duplicate_id, kept_id), single_use=True)
    return Reply(join_lines(
        _("<b>Merge practice #{duplicate} into #{kept}?</b> What members said of #{duplicate}, and the commitments "
          "made to try it, move to #{kept}; #{duplicate} then only points to #{kept}.", duplicate=duplicate_id,
          kept=kept_id), one_line(ctx, duplicate), one_line(ctx, kept)), buttons=((yes,),))


@router.action("practice.merge", Role.ORGANISER, payload=MergeRef)
async def merge_pressed(ctx: Context, press: MergeRef) -> Reply:
    duplicate = await visible(ctx, press.duplicate)
    if duplicate is None or not await ctx.repos.practices.merge(press.duplicate, press.kept, ctx.now):
        return Reply(_("Practices #{duplicate} and #{kept} cannot be merged any more; nothing was changed.",
                       duplicate=press.duplicate, kept=press.kept), edit=True)
    await AuditRepository(ctx.repos.db).record("practice.merge", actor_id=ctx.member_id,
                                               subject_id=duplicate.author_id,
                                               detail=f"practice #{press.duplicate} into #{press.kept}", now=ctx.now)
    return Reply(_("<b>Practice #{duplicate} is merged into #{kept}.</b>", duplicate=press.duplicate,
                   kept=press.kept), edit=True)


SUBCOMMANDS: dict[str, Callable[[Context, str], Awaitable[Reply]]] = {"retire": retire_command,
                                                                      "merge": merge_command}
