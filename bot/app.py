"""The composition root: settings in, an open database and a ready core out."""

from __future__ import annotations

import asyncio
import gc
import logging
from dataclasses import dataclass
from pathlib import Path

from bot.backups import ScheduledBackups
from bot.cluster import Cluster
from bot.delivery import Outbox
from bot.metrics import Metrics
from bot.scheduler import Scheduler
from bot.settings import Settings
from handlers import languages, timezones
from handlers.capabilities import all_routers
from handlers.core import Clock, Core, Services, system_clock
from handlers.i18n import available_languages, translations_for
from handlers.network import Network, Retention
from handlers.when import parse_moment
from storage import Database, Repositories, connect
from storage.sqlite import SqliteDatabase

log = logging.getLogger(__name__)

# Allocations between two young-generation collections (Python's default is 700).
GC_YOUNG_THRESHOLD = 100_000


def tune_garbage_collector() -> None:
    """Once the bot has started: keep what is loaded out of the collector's full passes, and collect less often.

    Everything loaded so far (libraries, settings, the adapters) lives as long as the process, so `gc.freeze()`
    takes it out of the full passes, which then take milliseconds instead of stalling the event loop for a tenth
    of a second during a burst of sends. During a burst of updates (a restart's backlog, many members at once)
    thousands of requests wait half-way through, each holding its objects, and every collection walks those that
    are young again. 20,000 /profile updates at once (benchmarks/telegram_ingest.py): with Python's default
    threshold of 700, 3.5 s in 28 full passes; with 10,000, about 0.8 s in 130 young, 12 middle and 1-2 full
    passes; with 100,000, 0.15 s in 6 young passes and no other. A collection now and then walks at most 100,000
    young objects (about 25 ms). The price is that cyclic garbage (objects referring to each other, which only
    the collector frees) waits longer to be freed.
    """
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)


def network_from(settings: Settings) -> Network:
    """The core's view of the settings."""
    return Network.build(
        settings.network_name,
        list(settings.themes),
        list(settings.regions),
        admins=frozenset(settings.admins),
        open_registration=settings.open_registration,
        default_language=settings.default_language,
        invite_default_uses=settings.invites.default_uses,
        invite_default_days=settings.invites.default_days,
        partner_follow_up_days=settings.partners.follow_up_days,
        partner_searches_per_day=settings.partners.searches_per_day,
        session_reminder_minutes=settings.sessions.reminder_minutes,
        session_follow_up_minutes=settings.sessions.follow_up_minutes,
        broadcast_approval_above=settings.broadcasts.approval_above,
        broadcast_daily_quota=settings.broadcasts.daily_quota,
        announcement_channels=settings.broadcasts.channels(),
        report_fewer_than=settings.reports.fewer_than,
        retention=Retention(**settings.retention.model_dump()),
        vouches=settings.membership.vouches,
        feed_url=settings.http.feed_url(),
    )


@dataclass
class App:
    """Everything one running bot shares across its adapters."""

    settings: Settings
    db: Database
    repos: Repositories
    delivery: Outbox
    core: Core
    scheduler: Scheduler
    cluster: Cluster
    metrics: Metrics

    async def start(self) -> None:
        """Start keeping time and sending (after the adapters are registered with `delivery`), and the scheduled
        backups if the settings ask for them."""
        await self.scheduler.start()
        backup = self.settings.backup
        if backup.every_hours:
            if isinstance(self.db, SqliteDatabase):
                backups = ScheduledBackups(backup, Path(self.db.path), self.core.services.clock)
                self.scheduler.every("backup", backups.every, backups.run, first=backups.first_at())
            else:
                log.warning("[backup] every_hours is for an SQLite database; back PostgreSQL up with pg_dump "
                            "(see the README)")
        tune_garbage_collector()

    async def close(self) -> None:
        await self.scheduler.stop()
        await self.cluster.stop()
        await self.db.close()


def prepare_lookups() -> None:
    """Load now what a member's first request would otherwise wait for: the tables of language names and of
    places (about two seconds together), every catalogue, and dateparser's reading of each language."""
    languages.prepare()
    timezones.prepare()
    for code in available_languages():
        translations_for(code)
        parse_moment("2030-01-01 09:00", "UTC", 0, languages=(code,))


async def open_app(settings: Settings, clock: Clock = system_clock) -> App:
    """Open the database (migrating it), build the core, and load the lookup tables."""
    await asyncio.to_thread(prepare_lookups)
    db = connect(settings.database, secret_key=settings.secret_key_text())
    await db.open()
    repos = Repositories.over(db)
    await repos.buttons.purge_expired(int(clock().timestamp()))
    # An SQLite file serves one process; a PostgreSQL database may be shared by several (bot/cluster.py).
    cluster = Cluster(repos, alone=db.dialect == "sqlite")
    metrics = Metrics()
    delivery = Outbox(repos, clock, cluster=cluster, metrics=metrics)
    core = Core(Services(repos=repos, network=network_from(settings), delivery=delivery, clock=clock),
                all_routers())
    return App(settings, db, repos, delivery, core, Scheduler(core, delivery), cluster, metrics)
