"""The composition root: settings in, an open database and a ready core out."""

from __future__ import annotations

import gc
from dataclasses import dataclass

from bot.delivery import Outbox
from bot.scheduler import Scheduler
from bot.settings import Settings
from handlers.core import Clock, Core, Services, system_clock
from handlers.network import Network
from storage import Database, Repositories


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

    async def start(self) -> None:
        """Start keeping time and sending (after the adapters are registered with `delivery`)."""
        await self.scheduler.start()
        # Everything loaded so far (libraries, settings, the adapters) lives as long as the process: kept out of
        # the garbage collector's full passes, which then take a few milliseconds instead of stalling the event
        # loop for a tenth of a second during a burst of sends.
        gc.freeze()

    async def close(self) -> None:
        await self.scheduler.stop()
        await self.db.close()


async def open_app(settings: Settings, clock: Clock = system_clock) -> App:
    """Open the database (migrating it) and build the core."""
    db = Database(settings.database)
    await db.open()
    repos = Repositories.over(db)
    await repos.buttons.purge_expired(int(clock().timestamp()))
    delivery = Outbox(repos, clock)
    core = Core(Services(repos=repos, network=network_from(settings), delivery=delivery, clock=clock))
    return App(settings, db, repos, delivery, core, Scheduler(core, delivery))
