"""The clock of the bot: APScheduler wakes it when the next due thing falls due, and runs the periodic jobs.

One process keeps time (the `clock` role, bot/cluster.py); among several over one PostgreSQL database, another
takes over if it stops. The database is the only record of what is due (`storage/schedule.py`). APScheduler holds
exactly one timer for the earliest row, re-armed after each run and whenever something earlier is scheduled,
plus two periodic jobs: a sweep that catches anything a timer missed (and, among several processes, what the
others scheduled), and housekeeping. Jobs carry no state and nothing is pickled (the
job store is the in-memory one, holding these three jobs). `misfire_grace_time=None`: a job that runs late, for
instance after the machine slept, still runs; APScheduler 3's default of one second would drop it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.delivery import Outbox
from handlers.core import Core

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60
# Due rows are turned into outbox messages this many seconds ahead, each waiting in the outbox for its moment:
# 10,000 reminders set for 09:00 are ready before 09:00 and leave at the platform's pace, not behind their own
# preparation. A reminder cancelled in the last seconds before it is due may still arrive.
LOOKAHEAD = 10
HOUSEKEEPING_SECONDS = 3600
# Among several processes, the one keeping time looks for rows the others scheduled this often (seconds): within
# LOOKAHEAD, so that something scheduled elsewhere for a few seconds ahead is still prepared on time.
SHARED_SWEEP_SECONDS = 5
KEEP_UPDATES = 24 * 3600  # how long a handled update's number is kept, to answer it once if it comes again
CLOCK = "clock"  # the role of the one process that keeps time


class Scheduler:
    """Turns due rows into outbox messages at the right moment, and keeps the outbox moving."""

    def __init__(self, core: Core, outbox: Outbox) -> None:
        self.core = core
        self.outbox = outbox
        self.aps = AsyncIOScheduler(timezone=UTC, job_defaults={
            "misfire_grace_time": None, "coalesce": True, "max_instances": 1})
        self._armed_for: int | None = None
        self._running = asyncio.Lock()
        core.services.schedule_listeners.append(self.scheduled)
        # One process at a time keeps time (bot/cluster.py); the one that takes over starts with what is due.
        self.cluster = outbox.cluster
        self.cluster.want(CLOCK, on_gain=self._took_over)

    def _now(self) -> int:
        return int(self.core.services.clock().timestamp())

    async def start(self) -> None:
        """Send what fell due while the bot was down (marked late by its handler), then keep time."""
        await self.outbox.start()
        self.aps.start()
        sweep = SWEEP_SECONDS if self.cluster.alone else SHARED_SWEEP_SECONDS
        self.aps.add_job(self.run_due, IntervalTrigger(seconds=sweep), id="sweep", replace_existing=True)
        self.aps.add_job(self.housekeeping, IntervalTrigger(seconds=HOUSEKEEPING_SECONDS), id="housekeeping",
                         replace_existing=True, next_run_time=datetime.now(UTC) + timedelta(seconds=5))
        await self.run_due()

    def every(self, name: str, interval: timedelta, job: Callable[[], Awaitable[object]], *,
              first: datetime | None = None) -> None:
        """Run `job` every `interval` (from `first`, else one interval from now) in the process keeping time
        (scheduled backups); call after `start`."""

        async def in_the_clock_process() -> None:
            if self.cluster.holds(CLOCK):
                await job()

        every = IntervalTrigger(seconds=int(interval.total_seconds()))
        self.aps.add_job(in_the_clock_process, every, id=name, replace_existing=True,
                         next_run_time=first or datetime.now(UTC) + interval)

    async def stop(self) -> None:
        if self.aps.running:
            self.aps.shutdown(wait=False)
            await asyncio.sleep(0)  # it shuts down in a callback: let that run, so a second stop finds it stopped
        await self.outbox.stop()

    async def _took_over(self) -> None:
        if self.aps.running:
            await self.run_due()

    async def run_due(self) -> None:
        """Handle everything due now, then arm the timer for the next (in the process that keeps time)."""
        if not self.cluster.holds(CLOCK):
            return
        async with self._running:
            not_before = None
            try:
                now = self._now()
                await self.core.run_due(now, horizon=now + LOOKAHEAD)
            except Exception:
                log.exception("handling due items failed; the sweep will try again")
                not_before = self._now() + SWEEP_SECONDS  # not at once, over and over
            self._armed_for = None
            await self._arm(not_before)

    async def _arm(self, not_before: int | None = None) -> None:
        next_due = await self.core.services.repos.schedule.next_due()
        if next_due is None:
            return
        self._set_timer(max(next_due, not_before or next_due))

    def _set_timer(self, due_at: int) -> None:
        self._armed_for = due_at
        if not self.aps.running:
            return
        when = datetime.fromtimestamp(due_at - LOOKAHEAD, UTC)
        # The timer may be re-armed while the run it started is still going, for a moment already past (something
        # fell due meanwhile): a second instance waits for the first (`_running`) where one at most would be skipped.
        self.aps.add_job(self.run_due, DateTrigger(run_date=when, timezone=UTC), id="wake", replace_existing=True,
                         max_instances=2)

    def scheduled(self, due_at: int) -> None:
        """Something new falls due: move the timer earlier if it is the next thing."""
        if self._armed_for is None or due_at < self._armed_for:
            self._set_timer(due_at)

    def next_wake(self) -> datetime | None:
        """When the timer fires next (for tests): LOOKAHEAD seconds before the earliest due row."""
        job = self.aps.get_job("wake")
        return job.next_run_time if job else None

    async def housekeeping(self) -> None:
        """Purge what is no longer needed: finished broadcasts' text (their counts are kept), settled outbox rows,
        expired buttons, the record of handled updates, sent messages too old to delete, and what is past its
        retention period (in the process that keeps time)."""
        if not self.cluster.holds(CLOCK):
            return
        now = self._now()
        try:
            await self.core.services.repos.broadcasts.finish(now)
            await self.outbox.purge()
            await self.core.services.repos.buttons.purge_expired(now)
            await self.core.services.repos.processes.forget_updates(KEEP_UPDATES)
            await self.core.services.repos.sent.sweep(now)
            periods = self.core.services.network.retention
            await self.core.services.repos.retention.sweep(
                now, closed_commitments_days=periods.closed_commitments_days, requests_days=periods.requests_days,
                audit_days=periods.audit_days, conversations_days=periods.conversations_days,
                registration_answers_days=periods.registration_answers_days)
        except Exception:
            log.exception("housekeeping failed")
