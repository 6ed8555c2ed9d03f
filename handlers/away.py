"""/away until a date, and /discreet notifications: what a member at risk, or simply on leave, asks of the messages
the bot sends on its own.

- `/away 15 March` holds check-ins, introduction requests, "did you connect?" and broadcasts until then (the outbox
  gives them that moment, bot/delivery.py), and the member is not proposed as a partner: whoever asks for them hears
  the words any unavailable member's answer gives. Their own reminders still come, unless they add `reminders`. On
  the day (a due item) or with `/away off`, what waited goes out.
- `/discreet on`: the first line of every message the bot sends them on its own is "You have a new message", since
  a locked phone shows the first line.
"""

from __future__ import annotations

from handlers.arguments import Param
from handlers.commitments.dates import date_problem, parse_date
from handlers.core import Args, Context, Fire, Role, Router
from handlers.events import Reply
from handlers.i18n import N_, _, join_lines
from handlers.localtime import local
from handlers.when import Problem, describe_day
from storage.schedule import DueItem

router = Router("away")

END = "away.end"


def _zone(ctx: Context) -> str:
    return (ctx.member.timezone if ctx.member is not None else None) or "UTC"


def _day(ctx: Context, at: int) -> str:
    return describe_day(at, _zone(ctx))


@router.command("away", Role.MEMBER, N_("hold check-ins, partner requests and broadcasts until a date"),
                usage=N_("/away <date> [reminders] · /away off"), order=55,
                params=(Param("until", N_("the day you are back: 15 March; off: back now"), longest=100),))
async def away(ctx: Context, args: Args) -> Reply:
    text = " ".join(args.values.get("until", args.text).split())
    current = await ctx.repos.members.away(ctx.member_id, ctx.now)
    if not text:
        if current is None:
            return Reply(_("You are not away. Send /away and the day you are back (/away 15 March) to hold "
                           "check-ins, partner requests and broadcasts until then."))
        return Reply(_("You are away until {day}. /away off when you are back early.", day=_day(ctx, current[0])))
    if text.casefold() == "off":
        if current is None:
            return Reply(_("You are not away."))
        await _back(ctx)
        return Reply(_("Welcome back. What waited while you were away comes now, and you may be proposed as a "
                       "partner again."))
    words = text.split()
    reminders = words[-1].casefold() == "reminders"
    typed = " ".join(words[:-1] if reminders else words)
    moment = await parse_date(ctx, typed)
    if isinstance(moment, Problem):
        return Reply(date_problem(moment, typed))
    until = moment.at
    await ctx.repos.members.set_away(ctx.member_id, until, reminders, ctx.now)
    await ctx.repos.schedule.cancel((END,), ctx.member_id)
    await ctx.schedule(END, ctx.member_id, until)
    day = _day(ctx, until)
    return Reply(join_lines(
        _("<b>Away until {day}.</b> Check-ins, introduction requests and broadcasts wait until then, and you are not "
          "proposed as a partner; whoever asks for you hears you are not available.", day=day),
        _("Your own reminders wait too.") if reminders else
        _("Your own reminders still come; /away {day} reminders holds them too.",
          day=local(until, _zone(ctx)).date().isoformat()),
        _("/away off when you are back early.")))


async def _back(ctx: Context, member_id: int | None = None) -> None:
    member_id = member_id if member_id is not None else ctx.member_id
    await ctx.repos.members.set_away(member_id, None, False, ctx.now)
    await ctx.repos.schedule.cancel((END,), member_id)
    await ctx.repos.outbox.release_held(member_id, ctx.now)
    ctx.services.delivery.wake()


@router.due(END)
async def back_due(ctx: Context, item: DueItem) -> Fire | None:
    """The day the member said they are back: what waited goes out."""
    current = await ctx.repos.members.away(item.member_id, 0)  # away at all, whenever until
    if current is None or current[0] > ctx.now:
        return None  # back early, or the day was moved later
    await ctx.repos.members.set_away(item.member_id, None, False, ctx.now)
    await ctx.repos.outbox.release_held(item.member_id, ctx.now)
    ctx.services.delivery.wake()
    return Fire(Reply(_("Welcome back. What waited while you were away comes now, and you may be proposed as a "
                        "partner again.")), quiet=True)


@router.command("discreet", Role.MEMBER, N_("a neutral first line on what the bot sends you on its own"),
                usage=N_("/discreet [on|off]"), order=56,
                params=(Param("on", N_("on or off"), longest=10),))
async def discreet(ctx: Context, args: Args) -> Reply:
    text = args.values.get("on", args.text).strip().casefold()
    if text in ("on", "off"):
        await ctx.repos.members.set_discreet(ctx.member_id, text == "on", ctx.now)
    elif text:
        return Reply(_("Send /discreet on or /discreet off."))
    if await ctx.repos.members.discreet(ctx.member_id):
        return Reply(_("Discreet notifications are on: what the bot sends you on its own starts with “You have a new "
                       "message”, as a locked phone shows the first line. /discreet off turns them off."))
    return Reply(_("Discreet notifications are off: what the bot sends you on its own shows its first line on a "
                   "locked phone. /discreet on makes that line say only “You have a new message”."))


@router.export("away")
async def _export(ctx: Context, member_id: int) -> dict:
    current = await ctx.repos.members.away(member_id, ctx.now)
    return {"away_until": current[0] if current else None, "reminders_held_too": bool(current and current[1]),
            "discreet_notifications": await ctx.repos.members.discreet(member_id)}
