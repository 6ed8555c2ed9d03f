"""The due-item runner: what the scheduler calls when things fall due. Each due row is handed to the handler its
kind's router declared (`Router.due`), and what the handlers send and change is written in one transaction per
batch with the rows' removal, so a crash never leaves a half-handled item."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from handlers.core.context import Context
from handlers.core.router import Routes
from handlers.core.services import Services
from handlers.events import Outgoing
from handlers.i18n import language
from handlers.quiet import quiet_until
from storage.members import Member
from storage.schedule import DueItem, ScheduleRepository

log = logging.getLogger(__name__)

RETRY_DUE = 600  # a scheduled item whose handler failed is tried again this many seconds later
YIELD_EVERY = 50  # due items handled between two chances for other work to run


class AlreadyHandled(Exception):
    """A due row was gone when its handling was written: another process (one that believed for a moment that it
    kept time, see bot/cluster.py) handled it first."""


class DueRunner:
    """Runs what is due, for `Core.run_due`."""

    def __init__(self, services: Services, routes: Routes, member_context: Callable[[Member], Context],
                 language_of: Callable[[Context], str]) -> None:
        self.services = services
        self.routes = routes
        self.member_context = member_context
        self._language = language_of

    async def run(self, now: int | None = None, *, horizon: int | None = None, batch: int = 500) -> int:
        """Handle everything due by `now` (or by `horizon`, a little later): each due row becomes its message in the
        outbox, in one transaction per batch with the row's removal and the handler's changes. A message for a
        row not yet due waits in the outbox until its moment, so a burst due at one moment is prepared ahead and
        goes out on time. If the transaction fails, the batch is written again item by item, so one bad item is
        postponed (by RETRY_DUE) and holds up nothing else. Returns how many rows were handled."""
        services, repos = self.services, self.services.repos
        now = int(services.clock().timestamp()) if now is None else now
        until = max(now, horizon or now)
        handled = 0
        while items := await repos.schedule.due(until, batch):
            members = await repos.members.get_many(sorted({i.member_id for i in items}))
            works = []
            for n, item in enumerate(await self._load_subjects(items), start=1):
                works.append(await self._work(item, members.get(item.member_id), now))
                if n % YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # handlers rarely wait on anything: let the loop breathe
            try:
                await self._commit(works, now)
            except Exception as exc:
                if not isinstance(exc, AlreadyHandled):
                    log.exception("writing a batch of due items failed; writing them one by one")
                for work in works:
                    try:
                        await self._commit([work], now)
                    except AlreadyHandled:
                        pass  # another process handled it meanwhile: it wrote its message, this one writes nothing
                    except Exception:
                        log.exception("a scheduled %s could not be written; trying again in %d s",
                                      work.item.kind, RETRY_DUE)
                        await self._commit([_DueWork(work.item, postponed=True)], now)
            handled += len(items)
            if any(w.outgoing or w.changes for w in works):  # a change may queue messages too (a broadcast's page)
                services.delivery.wake()
            if any(w.postponed for w in works):
                services.scheduled(now + RETRY_DUE)
        return handled

    async def _work(self, item: DueItem, member: Member | None, now: int) -> _DueWork:
        """Run one due item's handler: what it sends and changes, not yet written."""
        handler = self.routes.due_handlers.get(item.kind)
        if member is None or handler is None:
            return _DueWork(item)  # its member was erased, or a kind this version no longer has: nothing to send
        ctx = self.member_context(member)
        spoken = self._language(ctx)
        with language(spoken):
            try:
                fire = await handler(ctx, item)
            except Exception:
                log.exception("a scheduled %s failed; trying again in %d s", item.kind, RETRY_DUE)
                return _DueWork(item, postponed=True)
        work = _DueWork(item, buttons=ctx.take_buttons())
        if fire is not None:
            work.changes = list(fire.changes)
            if fire.reply is not None:
                moment = max(now, item.due_at)
                not_before = quiet_until(member.timezone, member.quiet_start, member.quiet_end, moment) \
                    if fire.quiet else None
                if item.due_at > now:  # prepared ahead: it goes at its moment, not before
                    not_before = max(not_before or item.due_at, item.due_at)
                reply = fire.reply if fire.reply.language else replace(fire.reply, language=spoken)
                work.outgoing = [Outgoing(member.id, reply, fire.kind, not_before, about=fire.about,
                                          ready_at=moment if fire.quiet else None, subject_id=item.subject_id)]
        return work

    async def _commit(self, works: list[_DueWork], now: int) -> None:
        """Write what due items did, and remove (or postpone) their rows, in one transaction."""
        repos = self.services.repos
        async with repos.db.transaction() as conn:
            await repos.buttons.store_sets_in(conn, [b for w in works for b in w.buttons])
            for work in works:
                for change in work.changes:
                    await change(conn)
            await self.services.delivery.deliver_in(conn, [o for w in works for o in w.outgoing], now)
            await ScheduleRepository.postpone_in(conn, [w.item.id for w in works if w.postponed], now + RETRY_DUE)
            done = [w.item.id for w in works if not w.postponed]
            if await ScheduleRepository.remove_in(conn, done) < len(done):
                raise AlreadyHandled  # the whole transaction is undone: nothing is queued twice


    async def _load_subjects(self, items: list[DueItem]) -> list[DueItem]:
        """Give each item its subject, a kind at a time, where its kind has a loader."""
        by_kind: dict[str, list[int]] = {}
        for item in items:
            if item.kind in self.routes.due_loaders:
                by_kind.setdefault(item.kind, []).append(item.subject_id)
        if not by_kind:
            return items
        loaded = {kind: await self.routes.due_loaders[kind](self.services.repos, sorted(set(ids)))
                  for kind, ids in by_kind.items()}
        return [replace(item, subject=loaded[item.kind].get(item.subject_id)) if item.kind in loaded else item
                for item in items]



@dataclass
class _DueWork:
    """What one due item's handler produced, waiting to be written with the rest of its batch."""

    item: DueItem
    postponed: bool = False
    buttons: list[tuple[str, str, list, int]] = field(default_factory=list)
    changes: list[Any] = field(default_factory=list)
    outgoing: list[Outgoing] = field(default_factory=list)

