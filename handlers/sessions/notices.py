"""Saving, cancelling and importing sessions, and telling their followers what changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from handlers.agenda_files import (
    Draft,
)
from handlers.core import Services
from handlers.events import Outgoing, Reply
from handlers.i18n import _, join_lines, language, pick_language
from handlers.sessions.showing import _sync, _where, place, span, zone_for
from storage.sessions import Session, SessionRepository, new_uid


@dataclass(frozen=True)
class Saved:
    """What storing a session did."""

    session_id: int
    created: bool
    time_changed: bool = False
    place_changed: bool = False
    other_changed: bool = False
    cancelled: bool = False
    reinstated: bool = False
    told: int = 0

    @property
    def changed(self) -> bool:
        return self.created or self.time_changed or self.place_changed or self.other_changed or self.cancelled \
            or self.reinstated


def _change_text(network, old: Session, new: dict[str, Any], zone: str, *, cancelled: bool, reinstated: bool,
                 time_changed: bool, place_changed: bool) -> Markup:
    title = new.get("title") or old.title
    if cancelled:
        return join_lines(_("❌ <b>Cancelled:</b> #{id} {title}", id=old.id, title=title),
                          _("It was planned for {span}.", span=span(old.starts_at, old.ends_at, zone)))
    lines: list[Any] = [_("🔔 <b>Back on:</b> #{id} {title}", id=old.id, title=title) if reinstated else
                        _("🔔 <b>Session changed:</b> #{id} {title}", id=old.id, title=title)]
    lines.append(_("<b>When:</b> {span}", span=span(new["starts_at"], new["ends_at"], zone)))
    if time_changed and not reinstated:
        lines.append(_("<i>Before: {span}</i>", span=span(old.starts_at, old.ends_at, zone)))
    lines.append(_where(new))
    if place_changed and not reinstated:
        before = place(old)
        lines.append(_("<i>Before: {where}</i>", where=before) if before else _("<i>No place was given before.</i>"))
    lines.append(_("<i>Send /unsubscribe {id} to hear no more about it.</i>", id=old.id))
    return join_lines(*lines)


async def _notices(services: Services, old: Session, values: dict[str, Any], recipients: list[int], *,
                   cancelled: bool, reinstated: bool, time_changed: bool, place_changed: bool) -> list[Outgoing]:
    members = await services.repos.members.get_many(recipients)
    out = []
    for member in members.values():
        if member.blocked:
            continue
        with language(pick_language(member.languages, services.network.default_language)):
            text = _change_text(services.network, old, values, zone_for(member, old.zone), cancelled=cancelled,
                                reinstated=reinstated, time_changed=time_changed, place_changed=place_changed)
        out.append(Outgoing(member.id, Reply(text), "session_change", None))
    return out


async def save_session(services: Services, values: dict[str, Any], *, session_id: int | None = None,
                       uid: str | None = None, status: str = "scheduled", actor: int | None = None,
                       now: int) -> Saved:
    """Create or update a session (and its themes) and rebuild its subscribers' schedule; subscribers of a
    session still to come are told at once when its time or place changes, or it is cancelled or back on, in
    the same transaction. `values` must already be checked."""
    repos = services.repos
    old = await repos.sessions.get(session_id) if session_id is not None else None
    sync = _sync(services)
    if old is None:
        async with repos.db.transaction() as conn:
            new_id = await SessionRepository.create_in(conn, values, uid=uid or new_uid(), created_by=actor,
                                                       now=now, status=status)
            earliest = await SessionRepository.resync_in(conn, new_id, now=now, **sync)
        if earliest is not None:
            services.scheduled(earliest)
        return Saved(new_id, True)
    # An agenda file says nothing of places or sign-ups: what was set in chat stays.
    values = {"places": old.places, "signups_close_at": old.signups_close_at, "interpretation": old.interpretation,
              "asks_access": old.asks_access, **values}
    time_changed = (old.starts_at, old.ends_at) != (values["starts_at"], values["ends_at"])
    place_changed = (old.venue or None, old.link or None) != (values.get("venue") or None, values.get("link") or None)
    other_changed = any((getattr(old, f) or None) != (values.get(f) or None)
                        for f in ("title", "zone", "moderator", "speakers", "description", "places",
                                  "signups_close_at", "interpretation", "asks_access")) or \
        sorted(old.themes) != sorted(values.get("themes") or [])
    cancelling = status == "cancelled" and not old.cancelled
    reinstated = status == "scheduled" and old.cancelled
    # Followers hear of a change whenever the session was or is still to come: one moved into the past (an agenda
    # imported again without the --on day it was held on) has left their agenda as surely as a cancelled one.
    to_come = old.ends_at > now or (not cancelling and values["ends_at"] > now)
    tell = to_come and (cancelling or reinstated or (not old.cancelled and (time_changed or place_changed)))
    recipients = await repos.sessions.subscribers(old.id) if tell else []
    outgoing = await _notices(services, old, values, recipients, cancelled=cancelling, reinstated=reinstated,
                              time_changed=time_changed, place_changed=place_changed) if recipients else []
    async with repos.db.transaction() as conn:
        await SessionRepository.update_in(conn, old.id, values, now=now, status=status,
                                          bump=time_changed or place_changed or reinstated or cancelling)
        earliest = await SessionRepository.resync_in(conn, old.id, now=now, **sync)
        await services.delivery.deliver_in(conn, outgoing, now)
    if outgoing:
        services.delivery.wake()
    if earliest is not None and not cancelling:
        services.scheduled(earliest)
    return Saved(old.id, False, time_changed, place_changed, other_changed, cancelling, reinstated, len(outgoing))


async def cancel_session(services: Services, session: Session, now: int) -> Saved | None:
    """Cancel a session and tell its subscribers; None if it already was cancelled."""
    if session.cancelled:
        return None
    return await save_session(services, session.values(), session_id=session.id, status="cancelled", now=now)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    told: int = 0
    past: int = 0
    moved_to_past: int = 0  # sessions that were still to come and are over at the time the file gives them


async def import_drafts(services: Services, drafts: list[Draft], now: int) -> ImportResult:
    """Store sessions read from a file: new uids are created, known ones updated (their subscribers told of a
    change of time or place, or a cancellation)."""
    result = ImportResult()
    for draft in drafts:
        existing = await services.repos.sessions.by_uid(draft.uid)
        if draft.values["ends_at"] <= now:
            result.past += 1
            if existing is not None and existing.ends_at > now:
                result.moved_to_past += 1
        saved = await save_session(services, draft.values, session_id=existing.id if existing else None,
                                   uid=draft.uid, status=draft.status, now=now)
        if saved.created:
            result.created += 1
        elif saved.changed:
            result.updated += 1
        else:
            result.unchanged += 1
        result.told += saved.told
    return result
