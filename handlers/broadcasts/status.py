"""/broadcast status and cancel: delivered, pending and why, failed, muted, cancelled, per platform."""

from __future__ import annotations

from markupsafe import Markup

from handlers import when
from handlers.accounts import platform_label
from handlers.arguments import number
from handlers.broadcasts.common import STATUS_LIMIT, BroadcastRef, router
from handlers.broadcasts.view import describe_audience
from handlers.core import Context, Role
from handlers.events import Reply
from handlers.i18n import N_, _, _n, join_lines, plain
from handlers.sanitise import clean_line
from storage.broadcasts import OPEN, Broadcast


def status_name(status: str) -> str:
    return str({"awaiting_approval": _("awaiting approval"), "scheduled": _("scheduled"), "sending": _("sending"),
                "done": _("done"), "cancelled": _("cancelled"), "rejected": _("rejected")}.get(status, status))


_REASONS = {
    "unreachable": N_("cannot reach them (blocked the bot or closed messages)"),
    "failed": N_("refused or failed"),
    "uncertain": N_("no answer from the platform (may have arrived)"),
}

# Why what is pending has not gone yet (see BroadcastRepository.outcomes), in the order they are listed.
_WAITING = {
    "quiet hours": N_("waiting for the end of quiet hours"),
    "scheduled": N_("waiting for its moment"),
    "retrying": N_("retrying after a platform error"),
    "": N_("in the queue, going out now"),
    "sending": N_("being sent"),
}


def _outcome_lines(outcomes: dict[str, dict[str, int]]) -> list[Markup]:
    lines = []
    for platform, counts in sorted(outcomes.items()):
        total = {"sent": 0, "pending": 0, "skipped": 0, "cancelled": 0}
        failures: dict[str, int] = {}
        waiting: dict[str, int] = {}
        for key, n in counts.items():
            state, _sep, reason = key.partition(": ")
            if state in ("sent",):
                total["sent"] += n
            elif state in ("pending", "sending"):
                total["pending"] += n
                why = "sending" if state == "sending" else reason if reason in _WAITING else ""
                waiting[why] = waiting.get(why, 0) + n
            elif state in ("skipped", "cancelled"):
                total[state] += n
            else:
                label = str(_(_REASONS.get(state, state)))
                if reason and state == "failed":
                    label = f"{label}: {reason}"
                failures[label] = failures.get(label, 0) + n
        parts = [_("delivered {n}", n=total["sent"]), _("pending {n}", n=total["pending"]),
                 _("failed {n}", n=sum(failures.values()))]
        if total["skipped"]:
            parts.append(_("muted {n}", n=total["skipped"]))
        if total["cancelled"]:
            parts.append(_("cancelled {n}", n=total["cancelled"]))
        lines.append(Markup("{}: {}").format(platform_label(platform), Markup(" · ").join(parts)))
        lines += [Markup("    {} ({})").format(plain(_WAITING[why]), waiting[why])
                  for why in _WAITING if why in waiting]
        lines += [Markup("    {} ({})").format(reason, n) for reason, n in failures.items()]
    return lines


async def _status(ctx: Context, args: str) -> Reply:
    repo = ctx.repos.broadcasts
    await repo.finish(ctx.now)
    zone = ctx.member.timezone or "UTC"
    if args:
        broadcast = await _numbered(ctx, args)
        if broadcast is None:
            return _no_such_broadcast(args)
        chosen = [broadcast]
    else:
        chosen = await repo.recent(STATUS_LIMIT)
        if not chosen:
            return Reply(_("No broadcasts yet. Send /broadcast to write one."))
    blocks = []
    rows = []
    for broadcast in chosen:
        head = _n("<b>#{id}</b> · {status} · {when} · to {audience} · {n} member",
                  "<b>#{id}</b> · {status} · {when} · to {audience} · {n} members", broadcast.recipients or 0,
                  id=broadcast.id, status=status_name(broadcast.status),
                  when=when.describe_moment(broadcast.send_at, zone),
                  audience=describe_audience(ctx, broadcast.audience), n=f"{broadcast.recipients or 0:,}")
        outcomes = await repo.outcomes(broadcast.id, ctx.now)
        why = _("Cancelled because its author left the network.") if broadcast.cancel_reason == "author_left" \
            else None
        blocks.append(join_lines(head, why, *_outcome_lines(outcomes)))
        if broadcast.status in OPEN:
            rows.append((await ctx.button(str(_("Cancel #{id}", id=broadcast.id)), "broadcast.cancel",
                                          BroadcastRef(broadcast.id)),))
    return Reply(Markup("\n\n").join(blocks), buttons=tuple(rows[:5]))


async def _numbered(ctx: Context, typed: str) -> Broadcast | None:
    """The broadcast a typed number ("12" or "#12") names, if there is one."""
    broadcast_id = number(typed.removeprefix("#"))
    return await ctx.repos.broadcasts.get(broadcast_id) if broadcast_id is not None else None


def _no_such_broadcast(typed: str) -> Reply:
    return Reply(_("There is no broadcast #{n}. /broadcast status lists the recent ones.",
                   n=clean_line(typed.removeprefix("#"), 20).text[:20]))


async def cancel_asked(ctx: Context, args: str) -> Reply:
    if not args.removeprefix("#"):
        return Reply(_("Which broadcast? For example /broadcast cancel 12 (numbers are in /broadcast status)."))
    broadcast = await _numbered(ctx, args)
    if broadcast is None:
        return _no_such_broadcast(args)
    return await cancel_pressed(ctx, BroadcastRef(broadcast.id))


@router.action("broadcast.cancel", Role.ORGANISER, payload=BroadcastRef)
async def cancel_pressed(ctx: Context, press: BroadcastRef) -> Reply:
    broadcast = await ctx.repos.broadcasts.get(press.broadcast)
    if broadcast is None or broadcast.status not in OPEN:
        status = status_name(broadcast.status) if broadcast else _("gone")
        return Reply(_("Broadcast #{id} cannot be stopped: it is {status}.", id=press.broadcast, status=status))
    counts = await ctx.repos.broadcasts.outcomes(broadcast.id)
    waiting = sum(n for c in counts.values() for k, n in c.items() if k.partition(":")[0] in ("pending", "sending"))
    question = _n("Stop broadcast #{id}? {n} message is not yet sent; those already delivered stay delivered.",
                  "Stop broadcast #{id}? {n} messages are not yet sent; those already delivered stay delivered.",
                  waiting, id=broadcast.id) if broadcast.status == "sending" else \
        _("Stop broadcast #{id} ({status})? Nothing of it has been sent.", id=broadcast.id,
          status=status_name(broadcast.status))
    yes = await ctx.button(str(_("Stop it")), "broadcast.cancel_yes", BroadcastRef(broadcast.id), single_use=True)
    no = await ctx.button(str(_("Keep it")), "broadcast.cancel_no", BroadcastRef(broadcast.id))
    return Reply(question, buttons=((yes, no),))


@router.action("broadcast.cancel_yes", Role.ORGANISER, payload=BroadcastRef)
async def cancel_confirmed(ctx: Context, press: BroadcastRef) -> Reply:
    broadcast_id = press.broadcast
    stopped = await ctx.repos.broadcasts.cancel(broadcast_id, ctx.member_id, ctx.now)
    if stopped is None:
        return Reply(_("Broadcast #{id} had already finished or been stopped.", id=broadcast_id), edit=True)
    return Reply(_n("Broadcast #{id} is stopped: {n} message that was not yet sent will not go.",
                    "Broadcast #{id} is stopped: {n} messages that were not yet sent will not go.", stopped,
                    id=broadcast_id), edit=True)


@router.action("broadcast.cancel_no", Role.ORGANISER, payload=BroadcastRef)
async def cancel_declined(ctx: Context, press: BroadcastRef) -> Reply:
    return Reply(_("Broadcast #{id} carries on.", id=press.broadcast), edit=True)
