"""How a practice reads: in full (/practice N), in one line (/practices, /review), and who shared it."""

from __future__ import annotations

from markupsafe import Markup

from handlers.commitments.choices import region_label
from handlers.core import Context
from handlers.events import Button, Reply
from handlers.i18n import N_, _, _n, join_lines, plain
from handlers.practices.common import (
    NOTES_SHOWN,
    STATUS_LABELS,
    VISIBILITY_LABELS,
    PracticeRef,
    is_organiser,
)
from storage.practices import Practice

def where(ctx: Context, practice: Practice) -> str | None:
    """The region from the network's list, or the place the author typed."""
    if practice.region:
        return region_label(ctx, practice.region)
    return practice.place


def themes(ctx: Context, practice: Practice) -> str:
    labels = [choice.label for choice in (ctx.network.theme(t) for t in practice.themes) if choice]
    return ", ".join(labels)


async def who(ctx: Context, practice: Practice) -> Markup:
    """Who shared it, as the reader may know: the author's name and kind, or "a member in …" when the author stays
    anonymous (organisers always see the name, and that members do not)."""
    kind = ctx.network.actor_kind(practice.actor_kind or "")
    author = await ctx.repos.members.get(practice.author_id) if practice.author_id else None
    place = where(ctx, practice)
    anonymous = _("a member in {place}", place=place) if place else _("a member")
    if author is None:
        return anonymous
    name = author.display_name or plain(N_("(no name yet)"))
    if practice.anonymous and (is_organiser(ctx) or ctx.member_id == author.id):
        return _("{name}, shown to members as “{anonymous}”", name=name, anonymous=anonymous)
    if practice.anonymous:
        return anonymous
    return _("{name} ({kind})", name=name, kind=kind.label) if kind else Markup("{}").format(name)


def one_line(ctx: Context, practice: Practice) -> Markup:
    """'#12 Myth-busting cards — Southern Europe · Data · worked for 3'."""
    details: list[str | Markup] = [part for part in (where(ctx, practice), themes(ctx, practice)) if part]
    if practice.worked_count:
        details.append(_n("worked for {n} member", "worked for {n} members", practice.worked_count,
                          n=practice.worked_count))
    return _("<b>#{id}</b> {title}", id=practice.id, title=practice.title) + (
        Markup(" — ") + Markup(" · ").join(details) if details else Markup(""))


async def full(ctx: Context, practice: Practice) -> Markup:
    """Everything a practice says, what members said of it, and (to its author and organisers) where its review
    stands."""
    reports = await ctx.repos.practices.reports(practice.id, NOTES_SHOWN)
    trying, did = await ctx.repos.practices.tries(practice.id)
    kind = ctx.network.actor_kind(practice.actor_kind or "")
    facts = [await who(ctx, practice)]
    shown_kind = kind.label if kind and practice.anonymous else None  # with the name, it follows the name
    for part in (where(ctx, practice), themes(ctx, practice), shown_kind):
        if part:
            facts.append(Markup("{}").format(part))
    lines: list[Markup | None] = [
        _("<b>Practice #{id}: {title}</b>", id=practice.id, title=practice.title),
        Markup("<i>{}</i>").format(Markup(" · ").join(facts)),
        _("<b>What was done:</b> {text}", text=practice.what),
        _("<b>What worked:</b> {text}", text=practice.worked) if practice.worked else None,
        _("<b>What did not, and why:</b> {text}", text=practice.not_worked) if practice.not_worked else None,
        _("<b>What it needs:</b> {text}", text=practice.needs) if practice.needs else None,
        _("<b>To read more:</b> {link}", link=practice.link) if practice.link else None,
        _("<b>Visible to:</b> {who}", who=plain(VISIBILITY_LABELS[practice.visibility]))
        if practice.visibility != "network" else None,
    ]
    said = []
    if reports.worked:
        said.append(_n("worked for {n} member too", "worked for {n} members too", reports.worked, n=reports.worked))
    if reports.not_worked:
        said.append(_n("did not work for {n} member", "did not work for {n} members", reports.not_worked,
                       n=reports.not_worked))
    if trying or did:
        said.append(_("{trying} trying it, {did} did", trying=trying, did=did))
    if said:
        lines.append(Markup(" · ").join(said))
    for verdict, note in reports.notes:
        lines.append(_("✓ “{note}”", note=note) if verdict == "worked" else _("✗ “{note}”", note=note))
    if practice.status != "approved" and (is_organiser(ctx) or practice.author_id == ctx.member_id):
        lines.append(_("<i>State: {state}</i>", state=plain(STATUS_LABELS[practice.status])))
        if practice.review_note and practice.status in ("changes", "declined"):
            lines.append(_("<b>Organiser's note:</b> {note}", note=practice.review_note))
    if practice.status == "merged" and practice.merged_into:
        lines.append(_("It was merged into practice #{id}: /practice {id}", id=practice.merged_into))
    elif practice.status == "retired":
        lines.append(_("<i>Organisers retired it as outdated.</i>"))
    return join_lines(*lines)


async def practice_buttons(ctx: Context, practice: Practice) -> tuple[tuple[Button, ...], ...]:
    """What the reader can do with it: report, try, ask the author (a published practice, someone else's); change
    and send it again (its author, when changes were asked for); review it (organisers, while it waits)."""
    ref = PracticeRef(practice.id)
    rows: list[tuple[Button, ...]] = []
    if practice.status == "approved" and practice.author_id != ctx.member_id:
        rows.append((await ctx.button(str(_("Worked for us too")), "practice.worked", ref),
                     await ctx.button(str(_("Did not work for us")), "practice.not_worked", ref)))
        second = [await ctx.button(str(_("Try this")), "practice.try", ref)]
        if practice.author_id is not None:
            second.append(await ctx.button(str(_("Ask the author")), "practice.ask", ref))
        rows.append(tuple(second))
    if practice.status == "changes" and practice.author_id == ctx.member_id:
        rows.append((await ctx.button(str(_("Change it and send it again")), "practice.change", ref),))
    if practice.status == "pending" and is_organiser(ctx):
        rows.append((await ctx.button(str(_("Approve")), "practice.approve", ref, single_use=True),
                     await ctx.button(str(_("Ask for changes")), "practice.changes", ref),
                     await ctx.button(str(_("Decline")), "practice.decline", ref)))
    return tuple(rows)


async def shown(ctx: Context, practice: Practice, *, note: Markup | None = None, edit: bool = False) -> Reply:
    """The practice in full, with its buttons."""
    return Reply(join_lines(note, await full(ctx, practice)), buttons=await practice_buttons(ctx, practice),
                 edit=edit)
