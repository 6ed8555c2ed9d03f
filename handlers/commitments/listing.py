"""/commitments: one's own with their buttons (Done, Progress, New date, Drop), and everyone's for organisers."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from markupsafe import Markup

from handlers import when
from handlers.arguments import Param, number
from handlers.commitments.choices import region_label, theme_label
from handlers.commitments.common import (
    CHECKIN_NOTE_LABELS,
    CHOICE_PAGE,
    LIST_PAGE,
    NOTES_SHOWN,
    ORGANISER_LIMIT,
    STATUS_LABELS,
    VISIBILITY_LABELS,
    CommitmentRef,
    Filters,
    ListPage,
    router,
)
from handlers.commitments.dates import _zone, due_text
from handlers.core import Args, Context, Role
from handlers.events import Button, Reply
from handlers.i18n import N_, _, _n, current_language, join_lines, plain
from handlers.paging import page_of
from handlers.sanitise import clean_line
from storage.commitments import Commitment, Note
from storage.members import Member


async def _own(ctx: Context, commitment_id: int | str, *, must_be_open: bool = True) -> Commitment | Reply:
    """The member's commitment with this number (from a button, or as typed); else a reply saying why it cannot
    be changed. Someone else's commitment gets the same reply as one that does not exist, so that nobody learns
    which numbers belong to others' private commitments."""
    wanted = commitment_id if isinstance(commitment_id, int) else number(str(commitment_id))
    commitment = await ctx.repos.commitments.get(wanted) if wanted is not None else None
    if commitment is None or commitment.member_id != ctx.member_id:
        shown = commitment_id if isinstance(commitment_id, int) else clean_line(str(commitment_id), 20).text[:20]
        return Reply(_("You have no commitment #{id}. Send /commitments to see yours.", id=shown))
    if must_be_open and commitment.status != "open":
        return Reply(_("Commitment #{id} is already done.", id=commitment.id) if commitment.status == "done" else
                     _("Commitment #{id} was dropped.", id=commitment.id))
    return commitment


def _line(ctx: Context, commitment: Commitment, zone: str, *, owner: bool, partner: str | None = None,
          latest: Note | None = None) -> Markup:
    tags: list[Markup | str] = [plain(STATUS_LABELS[commitment.status])]
    if partner is not None:
        tags.append(_("together with {name}", name=partner))
    if commitment.status == "open":
        tags.append(due_text(commitment.due_at, zone))
        if commitment.overdue(ctx.now):
            tags.append(plain(N_("overdue")))
        if commitment.help_wanted:
            tags.append(plain(N_("needs help")))
        if commitment.stale:
            tags.append(plain(N_("check-ins unanswered")))
    if commitment.theme:
        tags.append(theme_label(ctx, commitment.theme))
    if commitment.region:
        tags.append(region_label(ctx, commitment.region))
    if owner:
        tags.append(_("visible to: {who}", who=plain(VISIBILITY_LABELS[commitment.visibility])))
    elif commitment.visibility == "organisers":
        tags.append(plain(N_("organisers only")))
    joined = Markup(" · ").join(tags)
    title = _("<b>#{id}</b> {what}", id=commitment.id, what=commitment.what)
    last = _("<i>Latest note:</i> {note}", note=_note_text(latest, zone)) if latest is not None else None
    if owner:
        return join_lines(title, _("<i>{tags}</i>", tags=joined), last)
    return join_lines(title, _("<i>{name} (#{member}) · {tags}</i>", member=commitment.member_id, tags=joined,
                               name=commitment.member_name or plain(N_("(no name yet)"))), last)


def _note_text(note: Note, zone: str) -> Markup:
    """A note as one line: its day, and what it says (a progress note, a new date and its reason, or the answer
    to a check-in)."""
    day = when.describe_day(note.created_at, zone, locale=current_language())
    if note.kind == "reschedule":
        return _("{day}: new date, because: {reason}", day=day, reason=note.text) if note.text else \
            _("{day}: new date", day=day)
    if note.kind == "checkin":
        label = CHECKIN_NOTE_LABELS.get(note.text)
        return _("{day}: check-in answered: {answer}", day=day, answer=plain(label) if label else note.text)
    return _("{day}: {note}", day=day, note=note.text)


async def my_commitments(ctx: Context, page: int = 0, *, edit: bool = False) -> Reply:
    """The member's commitments, open ones first, a page at a time, with buttons for each open one."""
    everything = await ctx.repos.commitments.for_member(ctx.member_id)
    if not everything:
        return Reply(_("You have no commitments yet. Send /commit to register one."), edit=edit)
    zone = _zone(ctx)
    pages = -(-len(everything) // LIST_PAGE)
    page = min(max(page, 0), pages - 1)
    shown = everything[page * LIST_PAGE:(page + 1) * LIST_PAGE]
    open_count = sum(1 for c in everything if c.status == "open")
    lines: list[Any] = [_("<b>Your commitments</b> ({open} open, {total} in all)", open=open_count,
                          total=len(everything))]
    rows: list[tuple[Button, ...]] = []
    partners = await ctx.repos.members.get_many(sorted({c.joint_with for c in shown if c.joint_with}))
    latest = await ctx.repos.commitments.latest_notes([c.id for c in shown])
    for commitment in shown:
        lines += ["", _line(ctx, commitment, zone, owner=True, partner=_together(commitment, partners),
                            latest=latest.get(commitment.id))]
        if commitment.status == "open":
            rows.append(await _own_buttons(ctx, commitment))
    if pages > 1:
        lines += ["", _("<i>Page {page} of {pages}.</i>", page=page + 1, pages=pages)]
        turn = []
        if page > 0:
            turn.append(await ctx.button(str(_("‹ Previous")), "commitment.page", ListPage(page - 1)))
        if page + 1 < pages:
            turn.append(await ctx.button(str(_("More ›")), "commitment.page", ListPage(page + 1)))
        rows.append(tuple(turn))
    lines += ["", _("<i>Send /commitments and a number to see one with all its notes. Dates in your time zone, "
                    "{zone}.</i>", zone=zone)]
    return Reply(join_lines(*lines), buttons=tuple(rows), edit=edit)


def _together(commitment: Commitment, partners: dict[int, Member]) -> str | None:
    """Whom a joint commitment is kept with, as its member sees it."""
    partner = partners.get(commitment.joint_with) if commitment.joint_with else None
    if partner is not None:
        return partner.display_name or plain(N_("(no name yet)"))
    return plain(N_("a former member")) if commitment.partner_left else None


async def _own_buttons(ctx: Context, commitment: Commitment) -> tuple[Button, ...]:
    payload = CommitmentRef(commitment.id)
    return (
        await ctx.button(str(_("Done #{id}", id=commitment.id)), "commitment.done", payload),
        await ctx.button(str(_("Progress #{id}", id=commitment.id)), "commitment.note", payload),
        await ctx.button(str(_("New date #{id}", id=commitment.id)), "commitment.newdate", payload),
        await ctx.button(str(_("Drop #{id}", id=commitment.id)), "commitment.drop", payload),
    )


async def _detail(ctx: Context, commitment_id: int) -> Reply:
    """One commitment in full, with its notes: for its member, and for organisers unless it is private. Other
    members see one shared with the network, without its notes; anything else reads as not there."""
    commitment = await ctx.repos.commitments.get(commitment_id)
    own = commitment is not None and commitment.member_id == ctx.member_id
    organiser = commitment is not None and ctx.role >= Role.ORGANISER and commitment.visibility != "private"
    if commitment is None or not (own or organiser or commitment.visibility == "network"):
        return Reply(_("There is no commitment #{id}. Send /commitments to see yours.", id=commitment_id))
    zone = _zone(ctx)
    if own:
        partners = await ctx.repos.members.get_many([commitment.joint_with] if commitment.joint_with else [])
        lines: list[Any] = [_line(ctx, commitment, zone, owner=True, partner=_together(commitment, partners))]
    else:
        member = await ctx.repos.members.get(commitment.member_id)
        named = replace(commitment, member_name=member.display_name if member else None)
        lines = [_line(ctx, named, zone, owner=False)]
    if own or organiser:
        notes = await ctx.repos.commitments.notes(commitment.id)
        lines += ["", _("<b>Notes</b>")]
        if not notes:
            lines.append(_("No notes yet."))
        if len(notes) > NOTES_SHOWN:
            lines.append(_n("… {n} earlier note (all are in /export for its member).",
                            "… {n} earlier notes (all are in /export for its member).", len(notes) - NOTES_SHOWN,
                            n=len(notes) - NOTES_SHOWN))
        lines += [_note_text(note, zone) for note in notes[-NOTES_SHOWN:]]
    lines += ["", _("<i>Dates in your time zone, {zone}.</i>", zone=zone)]
    rows = (await _own_buttons(ctx, commitment),) if own and commitment.status == "open" else ()
    return Reply(join_lines(*lines), buttons=rows)


@router.command("commitments", Role.MEMBER, N_("see your commitments and mark them done"),
                usage=N_("/commitments [number | network [theme:…] [region:…] [status:open|done|dropped] "
                         "[overdue]]"),
                usage_from={Role.ORGANISER: N_("/commitments [number | network|all [theme:…] [region:…] "
                                               "[status:open|done|dropped] [overdue]]")}, order=41,
                params=(Param("which", N_("a number; network: those shared with everyone; all: everyone's (organisers)")),
                        Param("theme", N_("only this theme"), named=True, suggest="theme"),
                        Param("region", N_("only this region"), named=True, suggest="region"),
                        Param("status", N_("only those open, done or dropped"), named=True)))
async def commitments_command(ctx: Context, args: Args) -> Reply:
    """The member's own commitments; a number: that one with its notes; `network`: those shared with the
    network; `all`: everyone's, for organisers."""
    first, _sep, rest = args.text.strip().partition(" ")
    if not first:
        return await my_commitments(ctx)
    wanted = number(first.removeprefix("#"))
    if wanted is not None and not rest.strip():
        return await _detail(ctx, wanted)
    rest, named, overdue = _overdue(rest, args.values)
    if first.casefold() == "network":
        return await _everyone(ctx, rest, named, overdue, network_only=True)
    if first.casefold() != "all":
        if ctx.role < Role.ORGANISER:
            return Reply(_("Send /commitments to see yours, /commitments and a number to see one with its notes, "
                           "/commitments network for those shared with the network, with theme:…, region:…, "
                           "status:open, done or dropped, and overdue to narrow it down."))
        return Reply(_("Send /commitments to see yours, /commitments and a number to see one with its notes, "
                       "/commitments network for those shared with the network. Organisers: /commitments all, "
                       "with theme:…, region:…, status:open, done or dropped, and overdue to narrow it down."))
    if ctx.role < Role.ORGANISER:
        return Reply(_("Only organisers can see everyone's commitments. Send /commitments to see yours."))
    return await _everyone(ctx, rest, named, overdue)


def _overdue(text: str, named: dict[str, str]) -> tuple[str, dict[str, str], bool]:
    """The word "overdue" may come anywhere, after a named filter too ("theme:Detention overdue"): it is taken
    out of the free words and off the end of each filter."""
    overdue = False
    words = []
    for word in text.split():
        if word.casefold() == "overdue":
            overdue = True
        else:
            words.append(word)
    filters = {}
    for name, value in named.items():
        head, _space, last = value.rpartition(" ")
        if head and last.casefold() == "overdue":
            overdue, value = True, head
        filters[name] = value
    return " ".join(words), filters, overdue


async def _everyone(ctx: Context, text: str, named: dict[str, str], overdue: bool, *, network_only: bool = False,
                    page: Any = 0, edit: bool = False) -> Reply:
    if network_only and ctx.role < Role.ORGANISER and await ctx.repos.vouches.is_newcomer(ctx.member_id):
        return Reply(_n("Once {n} member has vouched for you, you will see the commitments shared with the network.",
                        "Once {n} members have vouched for you, you will see the commitments shared with the network.",
                        ctx.network.vouches))
    named = {name: value for name, value in named.items() if name in ("theme", "region", "status")}
    theme = region = None
    for kind in ("theme", "region"):
        if named.get(kind) and ctx.network.find(kind, named[kind]) is None:
            return await _offer_filter(ctx, kind, named, overdue, network_only=network_only, page=page, edit=edit)
    if named.get("theme"):
        theme = ctx.network.find("theme", named["theme"])
    if named.get("region"):
        region = ctx.network.find("region", named["region"])
    status = named.get("status", "").casefold() or None
    if status is not None and status not in STATUS_LABELS:
        return Reply(_("A status is open, done or dropped, not “{status}”.", status=named["status"][:20]))
    if text:
        return Reply(_("I don't understand “{text}”. Use /commitments all with theme:…, region:…, status:open, "
                       "done or dropped, and overdue.", text=text[:64]))
    now = ctx.now
    found, totals = await ctx.repos.commitments.for_organisers(
        now=now, theme=theme.id if theme else None, region=region.id if region else None, status=status,
        overdue=overdue, network_only=network_only, limit=ORGANISER_LIMIT + 1)
    zone = _zone(ctx)
    filters = [f for f in (
        _("theme: {theme}", theme=theme.label) if theme else None,
        _("region: {region}", region=region.label) if region else None,
        _("status: {status}", status=plain(STATUS_LABELS[status])) if status else None,
        _("overdue") if overdue else None) if f is not None]
    title = _("<b>Commitments shared with the network</b>") if network_only else _("<b>Everyone's commitments</b>")
    lines: list[Any] = [title if not filters else
                        _("{title} ({filters})", title=title, filters=Markup(", ").join(filters))]
    lines.append(_("Open {open} · done {done} · dropped {dropped} · overdue {overdue} · stale {stale} · "
                   "need help {help}", open=totals.open, done=totals.done, dropped=totals.dropped,
                   overdue=totals.overdue, stale=totals.stale, help=totals.help_wanted))
    if totals.private and not network_only:
        lines.append(_("… and {n} private, which only their members see (never listed nor filtered).",
                       n=totals.private))
    if not found:
        lines += ["", _("No commitment matches.")]
    shown = found[:ORGANISER_LIMIT]
    # Notes are for the organisers, who plan with them; members see what was shared, not its notes.
    latest = {} if network_only else await ctx.repos.commitments.latest_notes([c.id for c in shown])
    for commitment in shown:
        lines += ["", _line(ctx, commitment, zone, owner=False, latest=latest.get(commitment.id))]
    if len(found) > ORGANISER_LIMIT:
        lines += ["", _("Only the first {n} are shown; narrow it down with theme:, region:, status: or overdue.",
                        n=ORGANISER_LIMIT)]
    if not network_only:
        lines += ["", _("<i>Send /commitments and a number to see one with all its notes.</i>")]
    lines += ["", _("<i>Dates in your time zone, {zone}.</i>", zone=zone)]
    return Reply(join_lines(*lines), edit=edit)


async def _offer_filter(ctx: Context, kind: str, named: dict[str, str], overdue: bool, *, network_only: bool,
                        page: Any, edit: bool) -> Reply:
    """A theme or region the network does not have: say so, and offer the ones it has as buttons."""
    scope = "network" if network_only else "all"
    choices = ctx.network.themes if kind == "theme" else ctx.network.regions

    def filters(value: str) -> dict[str, str]:
        return {**named, kind: value}

    typed = named[kind]
    rows, page_line = await page_of(
        [(c.id, c.label) for c in choices], page, CHOICE_PAGE,
        lambda c: ctx.button(c[1], "commitment.filter", Filters(scope, filters(c[0]), overdue)),
        lambda label, p: ctx.button(str(label), "commitment.filter", Filters(scope, filters(typed), overdue, p)))
    text = _("The network has no theme “{theme}”. Choose one of its themes:", theme=typed[:64]) if kind == "theme" \
        else _("The network has no region “{region}”. Choose one of its regions:", region=typed[:64])
    return Reply(join_lines(text, page_line), buttons=tuple(rows), edit=edit)


@router.action("commitment.filter", payload=Filters)
async def filter_pressed(ctx: Context, press: Filters) -> Reply:
    """A theme or region chosen (or another page of them) after one the network does not have."""
    network_only = press.scope == "network"
    if not network_only and ctx.role < Role.ORGANISER:
        return Reply(_("Only organisers can see everyone's commitments. Send /commitments to see yours."))
    return await _everyone(ctx, "", press.filters, press.overdue, network_only=network_only, page=press.page,
                           edit=True)


@router.action("commitment.page", payload=ListPage)
async def list_page_pressed(ctx: Context, press: ListPage) -> Reply:
    """Another page of the member's commitments."""
    return await my_commitments(ctx, press.page, edit=True)


@router.action("commitment.done", payload=CommitmentRef)
async def done_pressed(ctx: Context, press: CommitmentRef) -> Reply:
    """Mark a commitment done."""
    return await _close(ctx, press.commitment, "done")


async def _close(ctx: Context, commitment_id: Any, status: str, *, note: str | None = None) -> Reply:
    commitment = await _own(ctx, commitment_id)
    if isinstance(commitment, Reply):
        return commitment
    if not await ctx.repos.commitments.set_status(commitment.id, ctx.member_id, status, ctx.now, note=note):
        return Reply(_("Commitment #{id} is no longer open.", id=commitment.id))
    if status == "done":
        return Reply(_("Well done! Commitment #{id} is marked done: {what}", id=commitment.id, what=commitment.what))
    return Reply(_("Commitment #{id} is dropped. Thank you for saying so; that helps others plan.",
                   id=commitment.id), edit=True)


@router.action("commitment.drop", payload=CommitmentRef)
async def drop_pressed(ctx: Context, press: CommitmentRef) -> Reply:
    """Ask before dropping a commitment."""
    commitment = await _own(ctx, press.commitment)
    if isinstance(commitment, Reply):
        return commitment
    return drop_question(await drop_buttons(ctx, commitment), commitment)


async def drop_buttons(ctx: Context, commitment: Commitment) -> tuple[tuple[Button, ...], ...]:
    payload = CommitmentRef(commitment.id)
    yes = await ctx.button(str(_("Yes, drop it")), "commitment.drop_yes", payload, single_use=True)
    no = await ctx.button(str(_("No, keep it")), "commitment.keep", payload, single_use=True)
    return ((yes, no),)


def drop_question(buttons: tuple[tuple[Button, ...], ...], commitment: Commitment) -> Reply:
    return Reply(join_lines(_("<b>Drop commitment #{id}?</b>", id=commitment.id), _("{what}", what=commitment.what),
                            _("It stays in your list as dropped, and the check-ins stop.")), buttons=buttons)


@router.action("commitment.drop_yes", payload=CommitmentRef)
async def drop_confirmed(ctx: Context, press: CommitmentRef) -> Reply:
    """Drop it."""
    return await _close(ctx, press.commitment, "dropped")


@router.action("commitment.keep", payload=CommitmentRef)
async def drop_cancelled(ctx: Context, press: CommitmentRef) -> Reply:
    """Keep it."""
    return Reply(_("Kept. Nothing was changed."), edit=True)
