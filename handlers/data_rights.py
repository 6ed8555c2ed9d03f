"""Data rights: /export sends a member everything the bot holds about them; /forget erases it.

Each capability adds its own parts with `@router.export(key)`; their tables reference members with ON DELETE
CASCADE (or SET NULL where a shared record must stay), so erasing the member row erases the rest. Where a shared
record holds text the member wrote, a `@router.erase` function clears it in the transaction that erases the
member.

The same transaction reaches what was about to go out: messages waiting in the outbox for others that name the
member or carry their text are withdrawn, and their broadcasts not yet finished are cancelled, also what a sender
had already claimed: each sender reads its message's row again just before sending, and finds it gone or settled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from handlers import localtime
from handlers.core import Args, Context, Role, Router
from handlers.events import Attachment, Person, Reply
from handlers.i18n import N_, _, _n, join_lines
from storage.broadcasts import BroadcastRepository
from storage.buttons import ButtonRepository
from storage.commitments import CommitmentRepository
from storage.links import LinkRepository
from storage.members import MemberRepository
from storage.outbox import OutboxRepository
from storage.practices import PracticeRepository

router = Router("data_rights")

def iso(ts: int | None) -> str | None:
    """A stored time as an ISO 8601 string in UTC."""
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


@router.export("how_long_kept")
async def _kept(ctx: Context, member_id: int) -> dict:
    """What the bot keeps how long (the network's [retention] settings), so the export says it too."""
    periods = ctx.network.retention
    return {"profile_and_what_you_wrote": "until you erase it (/forget, /panic)",
            "introductions_contact_lines_shown_days": periods.contact_days,
            "done_and_dropped_commitments_days": periods.closed_commitments_days,
            "partner_searches_and_unmade_introductions_days": periods.requests_days,
            "audit_rows_days": periods.audit_days,
            "unanswered_questions_days": periods.conversations_days,
            "registration_answers_days_after_the_session": periods.registration_answers_days,
            "messages_kept_for_panic_hours": 48}


@router.export("profile")
async def _profile(ctx: Context, member_id: int) -> dict:
    member = await ctx.repos.members.get(member_id)
    assert member is not None
    return {
        "member_number": member.id,
        "role": member.role,
        "blocked": member.blocked,
        "display_name": member.display_name,
        "organisation": member.organisation,
        "actor_kind": member.actor_kind,
        "themes": list(member.themes),
        "regions": [{"name": r.name, "typed_by_you": r.free} for r in member.regions],
        "languages": list(member.languages),
        "timezone": member.timezone,
        "contact_for_partners": member.contact,
        "profile_complete": member.profile_complete,
        "privacy_notice_accepted_at": iso(member.consented_at),
        "created_at": iso(member.created_at),
        "updated_at": iso(member.updated_at),
    }


@router.export("accounts")
async def _accounts(ctx: Context, member_id: int) -> list:
    return [{"platform": i.platform, "account_id": i.external_id, "linked_at": iso(i.linked_at),
             **({"direct_message_channel": i.dm_channel} if i.dm_channel else {})}
            for i in await ctx.repos.members.identities(member_id)]


@router.export("conversation")
async def _conversation(ctx: Context, member_id: int) -> dict | None:
    # What the member was answering, with their own answers as plain values. A conversation also keeps what the
    # bot needs to draw its questions (a search's results with other members' names, as formatted text): that
    # is not the member's data, and stays out.
    conversation = await ctx.repos.conversations.get(member_id)
    if conversation is None:
        return None
    flow = ctx.routes.flows.get(conversation.flow)
    return {"flow": conversation.flow, "step": conversation.step,
            "answers_so_far": flow.exported(conversation.data) if flow is not None else {},
            "updated_at": iso(conversation.updated_at)}


@router.export("invites_created")
async def _invites(ctx: Context, member_id: int) -> list:
    return [{"invite_number": i.id, "uses_left": i.uses_left, "expires_at": iso(i.expires_at),
             "created_at": iso(i.created_at)} for i in await ctx.repos.invites.created_by(member_id)]


@router.export("audit_trail")
async def _audit(ctx: Context, member_id: int) -> list:
    # Who acted on a member is not theirs to know (it could expose an organiser to retaliation): only their own
    # part in each entry is exported.
    return [{"at": iso(e.at), "action": e.action, "by_you": e.actor_id == member_id,
             "about_you": e.subject_id == member_id} for e in await ctx.repos.audit.involving(member_id)]


@router.export("commitments")
async def _commitments(ctx: Context, member_id: int) -> list:
    notes = await ctx.repos.commitments.notes_for_member(member_id)
    return [{"commitment_number": c.id, "what": c.what, "due_at": iso(c.due_at), "theme": c.theme,
             "region": c.region, "visible_to": c.visibility, "status": c.status,
             "waiting_for_your_check_in_answer": c.checkin_pending, "check_ins_unanswered": c.stale,
             "asked_for_help": c.help_wanted, "created_at": iso(c.created_at), "updated_at": iso(c.updated_at),
             "closed_at": iso(c.closed_at),
             "notes": [{"kind": n.kind, "text": n.text, "at": iso(n.created_at)} for n in notes.get(c.id, [])]}
            for c in await ctx.repos.commitments.for_member(member_id)]


@router.export("reminders")
async def _reminders(ctx: Context, member_id: int) -> list:
    return [{"reminder_number": r.id, "what": r.what, "repeats": r.rule, "at_local_time":
             f"{r.hour:02d}:{r.minute:02d}" if r.rule else None, "time_zone": r.zone, "until": iso(r.until_at),
             "status": r.status, "created_at": iso(r.created_at)}
            for r in await ctx.repos.reminders.for_member(member_id)]


@router.export("scheduled")
async def _scheduled(ctx: Context, member_id: int) -> list:
    # Check-ins, nudges and reminder times still to come.
    return [{"what": item.kind, "about_number": item.subject_id, "due_at": iso(item.due_at)}
            for item in await ctx.repos.schedule.for_member(member_id)]


@router.export("messages_queued_or_recent")
async def _outbox(ctx: Context, member_id: int) -> list:
    # What the bot sent on its own or is about to send: kinds and outcomes only (the text is not kept once sent).
    return [{"kind": row["kind"], "state": row["state"], "platform": row["platform"],
             "not_before": iso(row["not_before"]), "settled_at": iso(row["done_at"])}
            for row in await ctx.repos.outbox.for_member(member_id)]


@router.export("buttons_waiting")
async def _buttons(ctx: Context, member_id: int) -> int:
    return await ctx.repos.buttons.count_for(await _audiences(ctx, member_id))


async def _audiences(ctx: Context, member_id: int) -> list[str]:
    keys = [f"member:{member_id}"] + [i.key for i in await ctx.repos.members.identities(member_id)]
    return [await ctx.repos.buttons.audience(k) for k in keys]


async def export_member(ctx: Context, member_id: int) -> dict:
    """Everything the bot holds about a member, as plain JSON-ready data."""
    data: dict[str, Any] = {"exported_at": iso(ctx.now), "network": ctx.network.name}
    for key, part in ctx.routes.exporters.items():
        data[key] = await part(ctx, member_id)
    return data


@router.command("export", Role.MEMBER, N_("get everything the bot holds about you, as a file"),
                when_blocked=True, order=80)
async def export(ctx: Context, args: Args) -> Reply:
    """Send the member their data as JSON."""
    data = await export_member(ctx, ctx.member_id)
    content = json.dumps(data, ensure_ascii=False, indent=2).encode()
    stamp = localtime.wall(ctx.now, ctx.member.timezone if ctx.member else None).strftime("%Y%m%d")
    return Reply(
        _("Here is everything the bot holds about you. Keep the file somewhere safe: it contains your profile "
          "and your contact details."),
        attachment=Attachment(f"solidarity-export-{stamp}.json", content),
    )


@router.command("forget", Role.MEMBER, N_("erase everything the bot holds about you"), when_blocked=True,
                order=81)
async def forget(ctx: Context, args: Args) -> Reply:
    """Ask for confirmation before erasing (and, for a member who shared practices, whether to leave them)."""
    shared = await ctx.repos.practices.by_author(ctx.member_id)
    yes = await ctx.button(str(_("Yes, erase everything")), "data.forget", Erase(keep_practices=False),
                           single_use=True)
    rows = [(yes,)]
    if shared:
        rows.append((await ctx.button(str(_("Yes, but leave my practices, anonymous")), "data.forget",
                                      Erase(keep_practices=True), single_use=True),))
    rows.append((await ctx.button(str(_("No, keep my data")), "data.keep", single_use=True),))
    closed = not ctx.network.open_registration
    return Reply(join_lines(
        _("<b>Erase everything the bot holds about you?</b>"),
        _("Your profile, your linked accounts and everything attached to them will be deleted for good. "
          "This cannot be undone. You may want to /export first."),
        _n("You shared {n} practice in the toolbox. You may erase it too, or leave it for others to learn from, "
           "with nothing that could lead back to you.",
           "You shared {n} practices in the toolbox. You may erase them too, or leave them for others to learn from, "
           "with nothing that could lead back to you.", len(shared)) if shared else None,
        _("To come back later you would join as a new member, with a new invite code.") if closed else None,
    ), buttons=tuple(rows))


@dataclass(frozen=True)
class Erase:
    """Erase everything; `keep_practices`: leave the practices the member shared, anonymous and no longer theirs."""

    keep_practices: bool


@router.action("data.forget", Role.MEMBER, when_blocked=True, payload=Erase)
async def forget_confirmed(ctx: Context, press: Erase) -> Reply:
    """Erase the member and every row that refers to them."""
    await erase_member(ctx, keep_practices=press.keep_practices)
    return Reply(_("Done. Everything the bot held about you has been erased. Take care."), edit=True)


async def erase_member(ctx: Context, *, keep_practices: bool) -> list[Person]:
    """Erase the member asking and every row that refers to them, in one transaction, with what was about to go
    out about them; their accounts are let go. The accounts they had."""
    member_id = ctx.member_id
    audiences = await _audiences(ctx, member_id)
    identities = await ctx.repos.members.identities(member_id)
    attempts = [await ctx.repos.links.account_key(i.key) for i in identities]
    async with ctx.repos.db.transaction() as conn:
        await ButtonRepository.forget_audiences_in(conn, audiences)
        await LinkRepository.forget_accounts_in(conn, attempts)
        await OutboxRepository.withdraw_about_in(conn, member_id)
        await BroadcastRepository.author_left_in(conn, member_id, ctx.now)
        await CommitmentRepository.partner_left_in(conn, member_id)
        await ctx.repos.sent.forget_chats_in(conn, [(i.platform, i.external_id) for i in identities])
        if keep_practices:
            await PracticeRepository.anonymise_in(conn, member_id)
        for erase in ctx.routes.erasers:
            await erase(conn, member_id)
        # Audit rows stay (they record what organisers did) but lose every reference to the erased member.
        await MemberRepository.delete_in(conn, member_id)
    await ctx.repos.db.checkpoint()
    ctx.services.scheduled(ctx.now)  # what an eraser made due at once (a place given back) is done now
    ctx.member = None
    accounts = [Person(i.platform, i.external_id) for i in identities]
    await ctx.services.accounts_left(accounts)
    return accounts


@router.action("data.keep", Role.MEMBER, when_blocked=True)
async def forget_cancelled(ctx: Context, _press: None) -> Reply:
    """Keep the data."""
    return Reply(_("Nothing was erased."), edit=True)
