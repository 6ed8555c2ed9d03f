"""Commitments' dates: read in the member's time zone, echoed back exactly, and the check-ins a due date brings."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from handlers import localtime, when
from handlers.commitments.common import DEFAULT_HOUR, HALFWAY_AFTER
from handlers.core import Context
from handlers.i18n import _, current_language


def _zone(ctx: Context) -> str:
    return (ctx.member.timezone if ctx.member else None) or "UTC"


def _when(at: int, zone: str) -> str:
    """An exact local date and time, with its time zone, in the current language."""
    return when.describe_moment(at, zone, locale=current_language())


def due_text(at: int | None, zone: str) -> Markup:
    return _("no due date") if at is None else _("due {when}", when=_when(at, zone))


def quick_date(ctx: Context, choice: str) -> int | None:
    """'week' or 'month' from today, at 10:00 local time; 'none': no date."""
    if choice == "none":
        return None
    zone = _zone(ctx)
    today = localtime.wall(ctx.now, zone).date()
    day = today + (timedelta(days=7) if choice == "week" else relativedelta(months=1))
    return localtime.to_utc(datetime.combine(day, time(DEFAULT_HOUR)), zone)


async def parse_date(ctx: Context, text: str) -> when.Moment | when.Problem:
    return await when.parse_moment_async(text, _zone(ctx), ctx.now, default_hour=DEFAULT_HOUR,
                                         languages=ctx.reading_languages)


def date_problem(problem: when.Problem, text: str) -> Markup:
    """Why a typed date was not taken, in words."""
    shown = text.strip()[:60]
    if problem.code == "past":
        return _("“{text}” is in the past. Please give a date still to come.", text=shown)
    if problem.code == "too_far":
        return _("“{text}” is too far ahead. Please give a nearer date.", text=shown)
    if problem.code == "empty":
        return _("Please type a date, or tap one of the buttons.")
    if problem.code == "bad_zone":
        return _("Your time zone is not one I know; set it with /timezone, then try again.")
    if problem.code == "bad_time":
        return _("“{time}” is not a time of day. Use the 24-hour clock, from 00:00 to 23:59, or am and pm.",
                 time=problem.detail)
    if problem.code == "too_long":
        return _("That is too long for a date. Try something like “15 March”, “in two weeks” or "
                 "“next Friday 10:00”.")
    return _("I could not read “{text}” as a date. Try something like “15 March”, “in two weeks” or "
             "“next Friday 10:00”.", text=shown)


def checkins_for(due_at: int | None, now: int, zone: str) -> list[tuple[int, str]]:
    """The check-ins a commitment due at `due_at` gets: at the due moment, and halfway when it is far away (on
    the middle day, at the due moment's time of day, so it does not come in the night)."""
    if due_at is None:
        return []
    found = [(due_at, "due")]
    if due_at - now > HALFWAY_AFTER:
        middle = localtime.wall(now + (due_at - now) // 2, zone).date()
        halfway = localtime.to_utc(datetime.combine(middle, localtime.wall(due_at, zone).time()), zone)
        found.insert(0, (halfway, "halfway"))
    return found


def checkins_line(checkins: list[tuple[int, str]], zone: str) -> Markup | None:
    halfway = [at for at, detail in checkins if detail == "halfway"]
    if halfway:
        return _("I will check in with you halfway, on {halfway}, and when it falls due.",
                 halfway=_when(halfway[0], zone))
    if checkins:
        return _("I will check in with you when it falls due.")
    return None
