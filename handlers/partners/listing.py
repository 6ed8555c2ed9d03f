"""/partners (one's searches, requests and introductions) and /matching (organisers: where the network has gaps)."""

from __future__ import annotations

from typing import Any

from handlers.arguments import Param
from handlers.core import Args, Context, Role
from handlers.events import Button, Reply
from handlers.i18n import N_, _, _n, join_lines, plain
from handlers.lockdown import locked
from handlers.partners.common import (
    DAY,
    GAP_DAYS,
    LIST_ARRANGED,
    LIST_INCOMING,
    LIST_INTRODUCED,
    LIST_SEARCHES,
    IntroRef,
    router,
)
from handlers.partners.words import _day, _kind, _name, _subject


@router.command("partners", Role.MEMBER, N_("your partner searches and introductions"),
                usage=N_("/partners"), usage_from={Role.ORGANISER: N_("/partners [gaps]")}, order=51,
                params=(Param("which", N_("gaps: searches that found nobody (organisers)")),))
async def partners_command(ctx: Context, args: Args) -> Reply:
    """The member's searches, introductions and requests waiting for them; `gaps` for organisers."""
    word = args.text.strip().casefold()
    if word == "gaps":
        if ctx.role < Role.ORGANISER:
            return Reply(_("Only organisers can see where searches found nobody. Send /partners to see yours."))
        return await _gaps(ctx)
    if word:
        return Reply(_("Send /partners to see your searches and introductions (organisers: /partners gaps).")
                     if ctx.role >= Role.ORGANISER else
                     _("Send /partners to see your searches and introductions."))
    return await _overview(ctx)


async def _overview(ctx: Context) -> Reply:
    repo, me = ctx.repos.partners, ctx.member_id
    intros = await repo.for_member(me)
    searches = await repo.requests_for(me, limit=LIST_SEARCHES)
    arranged = await repo.arranged_by(me, limit=LIST_ARRANGED) if ctx.role >= Role.ORGANISER else []
    involved = {m for i in [*intros, *arranged] for m in (i.a_id, i.b_id) if m is not None and m != me}
    people = await ctx.repos.members.get_many(sorted(involved))
    used = await repo.searches_since(me, ctx.now - DAY)
    lines: list[Any] = [_("<b>Your partner searches and introductions</b>")]
    if await repo.matching(me):
        lines.append(_("Matching is on: you may be proposed to members looking for partners. Send /matching off to "
                       "pause it."))
    else:
        lines.append(_("Matching is paused: nobody is proposed you. Send /matching on to resume."))
    lines.append(_("Searches in the last 24 hours: {used} of {most}.", used=used,
                   most=ctx.network.partner_searches_per_day))
    rows: list[tuple[Button, ...]] = []

    waiting = [i for i in intros if i.status == "pending" and i.answer(i.side(me)) in ("pending", "not_now")
               and people.get(i.other(i.side(me))) is not None
               and not people[i.other(i.side(me))].blocked][:LIST_INCOMING]
    if waiting:
        lines += ["", _("<b>Waiting for your answer</b>")]
        for intro in waiting:
            other = people[intro.other(intro.side(me))]
            lines.append(_("• {name} ({kind}), suggested by an organiser", name=_name(other), kind=_kind(ctx, other))
                         if intro.organiser_id else
                         _("• {name} ({kind}) would like to be introduced to you", name=_name(other),
                           kind=_kind(ctx, other)))
            rows.append((await ctx.button(str(_("Answer {name}", name=_name(other))), "intro.show", IntroRef(intro.id)),))

    made = [i for i in intros if i.status == "introduced"][:LIST_INTRODUCED]
    hidden = await locked(ctx)  # a lockdown hides contact lines
    if made:
        lines += ["", _("<b>Your introductions</b>")]
        for intro in made:
            other = people.get(intro.other(intro.side(me)))
            if other is None:
                lines.append(_("• a member who has since left — introduced on {day}",
                               day=_day(ctx, intro.introduced_at or intro.created_at)))
                continue
            lines.append(_("• {name} ({kind}) — introduced on {day} — contact: {contact}", name=_name(other),
                           kind=_kind(ctx, other), day=_day(ctx, intro.introduced_at or intro.created_at),
                           contact=plain(N_("hidden during the lockdown")) if hidden else
                           plain(N_("no longer kept")) if _contact_expired(ctx, intro) else
                           other.contact or plain(N_("none in their profile"))))

    if searches:
        counts = await repo.request_counts([s.id for s in searches])
        lines += ["", _("<b>Your searches</b>")]
        for search in searches:
            subject = _subject(ctx, search.theme, search.region, search.language)
            tally = counts.get(search.id, {})
            if search.found == 0:
                state = _("nobody found")
            elif search.status in ("proposed", "closed") and not tally:
                state = _n("{n} proposed, nobody asked", "{n} proposed, nobody asked", search.found)
            else:
                state = _("{introduced} introduced · {waiting} waiting · {unavailable} not available",
                          introduced=tally.get("introduced", 0), waiting=tally.get("pending", 0),
                          unavailable=tally.get("lapsed", 0))
            lines.append(_("• {day}: {subject} — {state}", day=_day(ctx, search.created_at), subject=subject,
                           state=state))

    if arranged:
        lines += ["", _("<b>Introductions you suggested</b>")]
        for intro in arranged:
            state = {"introduced": _("introduced"), "lapsed": _("not made")}.get(intro.status, _("waiting"))
            lines.append(_("• {day}: {a} and {b} — {state}", day=_day(ctx, intro.created_at),
                           a=_name(people.get(intro.a_id)), b=_name(people.get(intro.b_id)), state=state))
    if not (waiting or made or searches or arranged):
        lines += ["", _("No searches or introductions yet. Send /partner to look for partners.")]
    return Reply(join_lines(*lines), buttons=tuple(rows))


async def _gaps(ctx: Context) -> Reply:
    counts, latest = await ctx.repos.partners.gaps(ctx.now - GAP_DAYS * DAY)
    if not counts:
        return Reply(_n("No partner search found nobody in the last {n} day.",
                        "No partner search found nobody in the last {n} days.", GAP_DAYS))
    lines: list[Any] = [
        _("<b>Where the network has gaps</b>"),
        _n("Searches in the last {n} day that found nobody, or nobody who accepted in time:",
           "Searches in the last {n} days that found nobody, or nobody who accepted in time:", GAP_DAYS)]
    for theme, region, n in counts[:20]:
        lines.append(_("• {subject}: {n}", subject=_subject(ctx, theme, region), n=n))
    people = await ctx.repos.members.get_many(sorted({r.member_id for r in latest}))
    lines += ["", _("<b>The latest</b>")]
    for search in latest:
        person = people.get(search.member_id)
        lines.append(_("• {day}: {name} (#{id}) — {subject}", day=_day(ctx, search.created_at), name=_name(person),
                       id=search.member_id, subject=_subject(ctx, search.theme, search.region, search.language)))
        if search.note:
            lines.append(_("  <i>{note}</i>", note=search.note))
    lines += ["", _("Introduce two members yourself with {command}: both are asked, and contacts are passed on only "
                    "if both accept.", command="/introduce <member> <member> [note]")]
    return Reply(join_lines(*lines))


@router.command("matching", Role.MEMBER, N_("pause or resume being proposed as a partner"),
                usage=N_("/matching [on|off]"), order=52,
                params=(Param("state", N_("on, or off to pause being proposed as a partner")),))
async def matching_command(ctx: Context, args: Args) -> Reply:
    """Pause or resume being proposed to members who search for partners."""
    word = args.text.strip().casefold()
    if word in ("off", "pause", "stop"):
        await ctx.repos.partners.set_matching(ctx.member_id, False, ctx.now)
        return Reply(_("Matching is paused: you will not be proposed to anyone looking for partners. Requests already "
                       "sent to you stay open. Send /matching on to resume."))
    if word in ("on", "resume", "start"):
        await ctx.repos.partners.set_matching(ctx.member_id, True, ctx.now)
        return Reply(_("Matching is on: you may be proposed to members looking for partners, and introduced if you "
                       "both agree."))
    if word:
        return Reply(_("Send /matching off to pause being proposed as a partner, /matching on to resume."))
    if await ctx.repos.partners.matching(ctx.member_id):
        return Reply(_("Matching is on: you may be proposed to members looking for partners. Send /matching off to "
                       "pause it."))
    return Reply(_("Matching is paused: nobody is proposed you. Send /matching on to resume."))


def _contact_expired(ctx: Context, intro) -> bool:
    """An introduction's contact lines are shown for `[retention] contact_days` after it was made."""
    made = intro.introduced_at or intro.created_at
    return ctx.now - made >= ctx.network.retention.contact_days * 86400
