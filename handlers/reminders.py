"""Reminders members set for themselves: /remind, /reminders, and the message with Snooze and Done buttons.

A reminder is read in the member's time zone and echoed back exactly before it is stored. It fires at the time
the member chose, whatever their quiet hours (they asked for it). Recurring reminders are kept in wall-clock
time (a 09:00 reminder stays at 09:00 across daylight-saving changes) and may end ("until …").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from handlers import localtime, when
from handlers.arguments import Param
from handlers.core import Args, Context, Fire, Role, Router
from handlers.events import Reply
from handlers.i18n import N_, _, _n, current_language, join_lines
from storage.reminders import Reminder, ReminderRepository
from storage.schedule import DueItem, ScheduleRepository


@dataclass(frozen=True)
class NewReminder:
    """A reminder read and shown, to store once confirmed: once `at`, or on `rule` at `hour`:`minute` until
    `until`."""

    what: str
    zone: str
    at: int | None = None
    rule: str | None = None
    hour: int = 0
    minute: int = 0
    until: int | None = None


@dataclass(frozen=True)
class ReminderRef:
    reminder: int


@dataclass(frozen=True)
class Snooze:
    reminder: int
    by: str  # one of SNOOZES, or "tomorrow"


router = Router("reminders")

MAX_ACTIVE = 100
LATE_AFTER = 120  # seconds: a reminder sent later than this says when it was due
SNOOZES = {"10m": 600, "1h": 3600}
LIST_LIMIT = 20


def _zone_of(ctx: Context) -> str:
    return ctx.member.timezone or "UTC"


def _moment(at: int, zone: str) -> str:
    """A moment as every date is shown: its day, time and time zone, in the member's language."""
    return when.describe_moment(at, zone, locale=current_language())


def _problem(problem: when.Problem, zone: str) -> Reply:
    if problem.code == "ends_first" and problem.at is not None:
        return Reply(_("That reminder would end on {day}, before it first comes. Give a later end date, or none.",
                       day=when.describe_day(problem.at, zone, locale=current_language())))
    if problem.code == "past":
        return Reply(_("That time has already passed: {when}. Give a time in the future.",
                       when=_moment(problem.at, zone)) if problem.at is not None else
                     _("That time has already passed. Give a time in the future."))
    messages = {
        "empty": _("Tell me when and what, for example: /remind tomorrow 9:00 call the town hall"),
        "too_long": _("That is too long. Keep the time short and the reminder under 500 characters."),
        "unknown": _("I couldn't read a time in that. Try “tomorrow 9:00 …”, “in 2 hours …”, “15 March 10:00 …” "
                     "or “every Monday 9:00 …”."),
        "too_far": _("That is more than five years away. Give a nearer time."),
        "bad_zone": _("Your time zone is not one I know. Set it with /timezone, then try again."),
        "bad_time": _("“{time}” is not a time of day. Use the 24-hour clock, from 00:00 to 23:59, or am and pm: "
                      "/remind tomorrow 9:00 …, /remind every day at 6pm …", time=problem.detail),
    }
    return Reply(messages.get(problem.code, messages["unknown"]))


def _describe(ctx: Context, spec: when.Moment | when.Recurrence, zone: str) -> str:
    if isinstance(spec, when.Recurrence):
        return when.describe_recurrence(spec, zone, locale=current_language())
    return _moment(spec.at, zone)


@router.command("remind", Role.MEMBER, N_("set a reminder for yourself, once or repeating"),
                usage=N_("/remind <when> <what>"), order=40,
                params=(Param("when", N_("when: tomorrow 9:00, in 2 hours, every Monday 9:00"), required=True),
                        Param("what", N_("what to remind you of"), required=True, longest=when.MAX_WHAT)))
async def remind(ctx: Context, args: Args) -> Reply:
    """Read the time and the text, and ask to confirm the exact moment."""
    apart = "when" in args.values or "what" in args.values  # typed options: when and what already apart
    if not args.text.strip() and not apart:
        return Reply(join_lines(
            _("Usage: {command}", command="/remind <when> <what>"),
            _("For example: /remind tomorrow 9:00 call the town hall — /remind in 2 hours send the minutes — "
              "/remind every Monday 9:00 team call — /remind every first Thursday 18:30 network call until "
              "1 June"),
        ))
    if await ctx.repos.reminders.count_active(ctx.member_id) >= MAX_ACTIVE:
        return Reply(_n("You have {n} reminder already, the most I keep. Cancel it with /reminders first.",
                        "You have {n} reminders already, the most I keep. Cancel some with /reminders first.",
                        MAX_ACTIVE))
    zone = _zone_of(ctx)
    languages = ctx.reading_languages
    if apart:
        parsed = await when.read_reminder_async(args.values.get("when", ""), args.values.get("what", ""), zone,
                                                ctx.now, languages=languages)
    else:
        parsed = await when.split_reminder_async(args.text, zone, ctx.now, languages=languages)
    if isinstance(parsed, when.Problem):
        return _problem(parsed, zone)
    spec, what = parsed
    if isinstance(spec, when.Recurrence):
        first = when.first_occurrence(spec, zone, ctx.now)
        if first is None:
            return Reply(_("That repeating reminder would never fire (its end is before its first time)."))
        payload = NewReminder(what, zone, rule=spec.rule, hour=spec.hour, minute=spec.minute, until=spec.until)
    else:
        first = spec.at
        payload = NewReminder(what, zone, at=spec.at)
    yes = await ctx.button(str(_("Set reminder")), "reminder.create", payload, single_use=True)
    no = await ctx.button(str(_("Cancel")), "reminder.drop", single_use=True)
    lines = [
        _("<b>Reminder:</b> {what}", what=what),
        _("<b>When:</b> {when}", when=_describe(ctx, spec, zone)),
    ]
    if isinstance(spec, when.Recurrence):
        lines.append(_("<b>First time:</b> {first}", first=_moment(first, zone)))
    if not ctx.member.timezone:
        lines.append(_("<i>Your time zone is not set, so this is UTC. Set it with /timezone.</i>"))
    return Reply(join_lines(*lines, "", _("Is that right?")), buttons=((yes, no),))


@router.action("reminder.create", payload=NewReminder)
async def create_pressed(ctx: Context, press: NewReminder) -> Reply:
    """Store the confirmed reminder and schedule its first time."""
    what, zone = press.what, press.zone
    if await ctx.repos.reminders.count_active(ctx.member_id) >= MAX_ACTIVE:
        return Reply(_n("You have {n} reminder already, the most I keep. Cancel it with /reminders first.",
                        "You have {n} reminders already, the most I keep. Cancel some with /reminders first.",
                        MAX_ACTIVE), edit=True)
    if press.rule:
        spec = when.Recurrence(press.rule, press.hour, press.minute, press.until)
        first = when.first_occurrence(spec, zone, ctx.now)
        if first is None:
            return Reply(_("That repeating reminder has no time left to fire. Nothing was set."), edit=True)
        reminder_id = await ctx.repos.reminders.create(
            ctx.member_id, what, first_at=first, zone=zone, rule=spec.rule, hour=spec.hour, minute=spec.minute,
            until_at=spec.until, now=ctx.now)
        described = when.describe_recurrence(spec, zone, locale=current_language())
    else:
        first = press.at or 0
        if first <= ctx.now:
            return Reply(_("That time has passed in the meantime. Nothing was set: send /remind again."), edit=True)
        reminder_id = await ctx.repos.reminders.create(ctx.member_id, what, first_at=first, zone=zone, now=ctx.now)
        described = _moment(first, zone)
    ctx.services.scheduled(first)
    return Reply(join_lines(
        _("Reminder #{id} set: {what}", id=reminder_id, what=what),
        _("<b>When:</b> {when}", when=described),
        _("See or cancel your reminders with /reminders."),
    ), edit=True)


@router.action("reminder.drop")
async def drop_pressed(ctx: Context, _press: None) -> Reply:
    """Do not set the reminder."""
    return Reply(_("No reminder was set."), edit=True)


@router.command("reminders", Role.MEMBER, N_("see and cancel your reminders"), order=41)
async def reminders(ctx: Context, args: Args) -> Reply:
    """The member's reminders still to come, each with a Cancel button."""
    active = await ctx.repos.reminders.active(ctx.member_id)
    if not active:
        return Reply(_("You have no reminders. Set one with /remind, for example: /remind tomorrow 9:00 call "
                       "the town hall"))
    zone = _zone_of(ctx)
    lines = [_("<b>Your reminders</b>")]
    buttons = []
    for reminder in active[:LIST_LIMIT]:
        lines.append(_("#{id} {what} — {when}", id=reminder.id, what=reminder.what, when=_when_text(reminder, zone)))
        buttons.append((await ctx.button(str(_("Cancel #{id}", id=reminder.id)), "reminder.cancel",
                                         ReminderRef(reminder.id)),))
    if len(active) > LIST_LIMIT:
        lines.append(_n("… and {n} more.", "… and {n} more.", len(active) - LIST_LIMIT))
    return Reply(join_lines(*lines), buttons=tuple(buttons))


def _when_text(reminder: Reminder, zone: str) -> str:
    if reminder.rule:
        spec = when.Recurrence(reminder.rule, reminder.hour or 0, reminder.minute or 0, reminder.until_at)
        text = when.describe_recurrence(spec, reminder.zone, locale=current_language())
        if reminder.next_at:
            text += " · " + str(_("next {moment}", moment=_moment(reminder.next_at, zone)))
    elif reminder.next_at:
        text = _moment(reminder.next_at, zone)
    elif reminder.snoozed_until is None:
        text = str(_("no time left"))
    else:
        text = ""  # a one-off that has fired and was snoozed: only the snooze is to come
    if reminder.snoozed_until is not None:
        snoozed = str(_("snoozed until {moment}", moment=_moment(reminder.snoozed_until, zone)))
        text = f"{text} · {snoozed}" if text else snoozed
    return text


@router.action("reminder.cancel", payload=ReminderRef)
async def cancel_pressed(ctx: Context, press: ReminderRef) -> Reply:
    """Cancel one reminder: it will not fire again."""
    reminder_id = press.reminder
    if not await ctx.repos.reminders.finish(reminder_id, ctx.member_id, "cancelled"):
        return Reply(_("Reminder #{id} was already cancelled or finished.", id=reminder_id),
                     toast=str(_("Already cancelled")), toast_only=True)
    return Reply(_("Reminder #{id} is cancelled. It will not fire again.", id=reminder_id))


# --- firing ----------------------------------------------------------------------------------------------


async def _message(ctx: Context, reminder: Reminder, item: DueItem) -> Reply:
    zone = ctx.member.timezone or reminder.zone
    late = ctx.now - item.due_at > LATE_AFTER
    rows = (
        (await ctx.button(str(_("Snooze 10 min")), "reminder.snooze", Snooze(reminder.id, "10m"),
                          single_use=True),
         await ctx.button(str(_("1 hour")), "reminder.snooze", Snooze(reminder.id, "1h"), single_use=True),
         await ctx.button(str(_("Tomorrow")), "reminder.snooze", Snooze(reminder.id, "tomorrow"),
                          single_use=True)),
        (await ctx.button(str(_("Done")), "reminder.done", ReminderRef(reminder.id), single_use=True),),
    )
    return Reply(join_lines(
        _("⏰ <b>Reminder:</b> {what}", what=reminder.what),
        _("<i>Late: this was due {moment}, while the bot was not running.</i>",
          moment=_moment(item.due_at, zone)) if late else None,
    ), buttons=rows)


async def _load(repos, ids: list[int]) -> dict[int, Reminder]:
    return await repos.reminders.get_many(ids)


@router.due("reminder", load=_load)
async def reminder_due(ctx: Context, item: DueItem) -> Fire | None:
    """A reminder's time: send it, and schedule the next time of a repeating one (skipping times missed while
    the bot was down, so a long outage sends one late reminder, not a burst)."""
    reminder = item.subject
    if reminder is None or reminder.status != "active":
        return None
    reply = await _message(ctx, reminder, item)
    following = None
    if reminder.rule:
        spec = when.Recurrence(reminder.rule, reminder.hour or 0, reminder.minute or 0, reminder.until_at)
        following = when.next_occurrence(spec, reminder.zone, max(item.due_at, ctx.now))
    reminder_id, member_id, repeats = reminder.id, reminder.member_id, bool(reminder.rule)

    async def change(conn: Any) -> None:
        if following is not None:
            await ScheduleRepository.add_in(conn, "reminder", reminder_id, member_id, following)
        else:  # a one-off reminder has fired; a repeating one has come for the last time
            await ReminderRepository.set_status_in(conn, reminder_id, "done" if repeats else "fired")

    # The scheduler re-arms its timer from the schedule table once this batch is committed.
    return Fire(reply, quiet=False, kind="reminder", changes=(change,))


@router.due("snooze")
async def snooze_due(ctx: Context, item: DueItem) -> Fire | None:
    """A snoozed reminder comes back."""
    reminder = await ctx.repos.reminders.get(item.subject_id)
    if reminder is None or reminder.status in ("cancelled", "done"):
        return None
    return Fire(await _message(ctx, reminder, item), quiet=False, kind="reminder")


@router.action("reminder.snooze", payload=Snooze)
async def snooze_pressed(ctx: Context, press: Snooze) -> Reply:
    """Bring the reminder back in 10 minutes, an hour, or tomorrow at the same time."""
    reminder = await ctx.repos.reminders.get(press.reminder)
    if reminder is None or reminder.member_id != ctx.member_id or reminder.status in ("cancelled", "done"):
        return Reply(_("That reminder is no longer there."), toast=str(_("No longer there")), toast_only=True)
    choice = press.by
    if choice in SNOOZES:
        at = ctx.now + SNOOZES[choice]
    else:  # tomorrow, same wall-clock time
        zone = ctx.member.timezone or reminder.zone
        at = localtime.to_utc(localtime.wall(ctx.now, zone) + timedelta(days=1), zone)
    await ctx.schedule("snooze", reminder.id, at)
    return Reply(join_lines(
        _("⏰ <b>Reminder:</b> {what}", what=reminder.what),
        _("Snoozed until {moment}.", moment=_moment(at, ctx.member.timezone or reminder.zone)),
    ), edit=True)


@router.action("reminder.done", payload=ReminderRef)
async def done_pressed(ctx: Context, press: ReminderRef) -> Reply:
    """The member did it: a one-off reminder is finished; a repeating one carries on."""
    reminder = await ctx.repos.reminders.get(press.reminder)
    if reminder is None or reminder.member_id != ctx.member_id:
        return Reply(_("That reminder is no longer there."), toast=str(_("No longer there")), toast_only=True)
    if reminder.rule is None:
        await ctx.repos.reminders.finish(reminder.id, ctx.member_id, "done")
        return Reply(_("✓ Done: {what}", what=reminder.what), edit=True)
    return Reply(join_lines(_("✓ Done: {what}", what=reminder.what),
                            _("It repeats as planned; cancel it with /reminders.")), edit=True)
