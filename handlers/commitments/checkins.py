"""Check-ins: at the due date (and halfway when it is far), a nudge, then stale; and the member's answer."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from handlers import when
from handlers.commitments.choices import region_label, theme_label
from handlers.commitments.common import (
    ASK_AGAIN_AFTER,
    CHECKIN_ANSWERS,
    NUDGE_AFTER,
    STALE_AFTER,
    CheckinAnswer,
    CommitmentRef,
    router,
)
from handlers.commitments.dates import _when, _zone, due_text
from handlers.commitments.listing import _close, _own, drop_buttons, drop_question
from handlers.commitments.notes import ask_date
from handlers.core import Context, Fire
from handlers.events import Button, Reply
from handlers.i18n import (
    N_,
    _,
    current_language,
    join_lines,
    language,
    pick_language,
    plain,
)
from storage.commitments import FOLLOW_UPS, Commitment, CommitmentRepository
from storage.schedule import DueItem, ScheduleRepository


async def _checkin_buttons(ctx: Context, commitment: Commitment) -> tuple[tuple[Button, ...], ...]:
    async def btn(label: Markup, answer: str) -> Button:
        return await ctx.button(str(label), "checkin.answer", CheckinAnswer(commitment.id, answer),
                                single_use=True)

    return (
        (await btn(_("Done"), "done"), await btn(_("On track"), "on_track")),
        (await btn(_("Need help"), "help"), await btn(_("New date"), "new_date"), await btn(_("Drop"), "drop")),
    )


@router.due("checkin")
async def checkin_due(ctx: Context, item: DueItem) -> Fire | None:
    """Ask how an open commitment is going (halfway, at its due moment, or again after it was said to be on
    track when it fell due)."""
    commitment = await ctx.repos.commitments.get(item.subject_id)
    if commitment is None or commitment.status != "open" or commitment.due_at is None:
        return None
    now = ctx.now
    if item.detail == "halfway" and commitment.due_at <= now:
        return None  # came too late to be halfway: the check-in at the due moment asks instead
    zone = _zone(ctx)
    if item.detail == "halfway":
        opening = _("<b>Halfway there:</b> how is commitment #{id} going?", id=commitment.id)
    elif item.detail == "overdue":
        opening = _("<b>Check-in:</b> commitment #{id} was due on {day}. How is it going now?", id=commitment.id,
                    day=when.describe_day(commitment.due_at, zone, locale=current_language()))
    else:
        opening = _("<b>Check-in:</b> commitment #{id} falls due now. How did it go?", id=commitment.id)
    text = join_lines(opening, _("{what}", what=commitment.what), _("<i>{due}</i>",
                                                                      due=due_text(commitment.due_at, zone)))
    buttons = await _checkin_buttons(ctx, commitment)
    commitment_id, member_id = commitment.id, commitment.member_id

    async def pending(conn: Any) -> None:
        await CommitmentRepository.mark_checkin_pending_in(conn, commitment_id, now)
        await ScheduleRepository.cancel_in(conn, FOLLOW_UPS, commitment_id)
        await ScheduleRepository.add_in(conn, "nudge", commitment_id, member_id, now + NUDGE_AFTER)

    return Fire(Reply(text, buttons=buttons), quiet=True, kind="check-in", changes=(pending,))


@router.due("nudge")
async def nudge_due(ctx: Context, item: DueItem) -> Fire | None:
    """Remind once about a check-in still unanswered."""
    commitment = await ctx.repos.commitments.get(item.subject_id)
    if commitment is None or commitment.status != "open" or not commitment.checkin_pending:
        return None
    text = join_lines(_("<b>A gentle reminder:</b> how is commitment #{id} going?", id=commitment.id),
                      _("{what}", what=commitment.what),
                      _("<i>{due}</i>", due=due_text(commitment.due_at, _zone(ctx))))
    buttons = await _checkin_buttons(ctx, commitment)
    commitment_id, member_id, now = commitment.id, commitment.member_id, ctx.now

    async def follow(conn: Any) -> None:
        await ScheduleRepository.add_in(conn, "stale", commitment_id, member_id, now + STALE_AFTER)

    return Fire(Reply(text, buttons=buttons), quiet=True, kind="check-in", changes=(follow,))


@router.due("stale")
async def stale_due(ctx: Context, item: DueItem) -> Fire | None:
    """A check-in and its nudge went unanswered: mark the commitment stale, without a message."""
    commitment = await ctx.repos.commitments.get(item.subject_id)
    if commitment is None or commitment.status != "open" or not commitment.checkin_pending:
        return None
    commitment_id, now = commitment.id, ctx.now

    async def mark(conn: Any) -> None:
        await CommitmentRepository.mark_stale_in(conn, commitment_id, now)

    return Fire(None, changes=(mark,))


@router.action("checkin.answer", payload=CheckinAnswer)
async def checkin_answered(ctx: Context, press: CheckinAnswer) -> Reply | list[Reply]:
    """Done, on track, need help, a new date, or drop."""
    answer = press.answer
    commitment = await _own(ctx, press.commitment)
    if isinstance(commitment, Reply):
        return commitment
    if answer not in CHECKIN_ANSWERS:
        return Reply(_("That question has already been answered or was cancelled. Send /commitments to see yours."),
                     toast=plain(N_("Already answered")), toast_only=True)
    if answer == "done":
        return await _close(ctx, commitment.id, "done", note="done")
    repos, now = ctx.repos, ctx.now
    # Still under way once its date has come: it is asked about again later, whatever else happens.
    come = answer == "on_track" and commitment.due_at is not None and commitment.due_at <= now
    again_at = now + ASK_AGAIN_AFTER if come else None
    if not await repos.commitments.answer_checkin(commitment.id, ctx.member_id, answer, now,
                                                  help_wanted=True if answer == "help" else
                                                  False if answer == "on_track" else None, again_at=again_at):
        return Reply(_("Commitment #{id} is no longer open.", id=commitment.id))
    if again_at is not None:
        ctx.services.scheduled(again_at)
        return await ask_date(ctx, commitment, note=_(
            "Good to hear, thank you! Its date has come: by when do you now expect to finish it? If the date "
            "stays as it is, I will check in again on {again}.", again=_when(again_at, _zone(ctx))))
    if answer == "on_track":
        note = await ctx.button(str(_("Add a note")), "commitment.note", CommitmentRef(commitment.id))
        return Reply(_("Good to hear, thank you! Add a note on where you are, if you like."), buttons=((note,),))
    if answer == "new_date":
        return await ask_date(ctx, commitment)
    if answer == "drop":
        return drop_question(await drop_buttons(ctx, commitment), commitment)
    told = await _tell_organisers(ctx, commitment)
    lines = [_("Thank you for saying so.")]
    if told:
        lines.append(_("The organisers have been told that you need help with commitment #{id}, and may get in "
                       "touch with you.", id=commitment.id))
    else:
        lines.append(_("There is no organiser to tell right now; your request is kept with the commitment, and "
                       "organisers will see it in their list."))
    lines.append(_("A partner in the network may help too: I can look for members working on the same theme and "
                   "region. You choose whom to ask, and contacts are exchanged only if you both agree."))
    find = await ctx.button(str(_("Find a partner")), "partner.from_commitment", CommitmentRef(commitment.id))
    return Reply(join_lines(*lines), buttons=((find,),))


async def _tell_organisers(ctx: Context, commitment: Commitment) -> int:
    """Tell every organiser and admin (but the member themselves) that the member needs help; how many."""
    repos = ctx.repos
    ids = {identity.member_id for identity in await repos.members.with_role("organiser")}
    for account in ctx.network.admins:
        platform, _sep, external = account.partition(":")
        identity = await repos.members.identity(platform, external)
        if identity is not None:
            ids.add(identity.member_id)
    ids.discard(ctx.member_id)
    member = ctx.member
    organisers = await repos.members.get_many(sorted(ids))
    for organiser in organisers.values():
        zone = organiser.timezone or "UTC"
        with language(pick_language(organiser.languages, ctx.network.default_language)):
            who = _("{name} (#{id})", name=member.display_name or plain(N_("(no name yet)")), id=member.id)
            if commitment.visibility == "private":
                text = _("<b>{who} asks for help</b> with commitment #{id}, which they keep private (what it says "
                         "is not shown).", who=who, id=commitment.id)
            else:
                text = join_lines(
                    _("<b>{who} asks for help</b> with commitment #{id}:", who=who, id=commitment.id),
                    _("{what}", what=commitment.what),
                    _("<i>{due} · theme: {theme} · region: {region}</i>", due=due_text(commitment.due_at, zone),
                      theme=theme_label(ctx, commitment.theme), region=region_label(ctx, commitment.region)),
                    _("Send /commitments all to see everyone's."))
        await ctx.notify(organiser.id, Reply(text), kind="help", about=(member.id,))
    return len(organisers)
