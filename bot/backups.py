"""Scheduled backups (`[backup] every_hours`, `keep`, `directory`): a copy of the SQLite database every so many
hours, in the process keeping time, the newest `keep` kept (storage/backup.py takes and checks each).

The first copy after a start is due `every_hours` after the newest one in the directory (at once when there is
none), so a bot restarted more often than that still takes its copies.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.settings import BackupSettings
from handlers.core import Clock
from storage.backup import SCHEDULED_PREFIX, BackupError, rotate, scheduled_name, take

log = logging.getLogger(__name__)


class ScheduledBackups:
    def __init__(self, settings: BackupSettings, database: Path, clock: Clock) -> None:
        self.settings = settings
        self.database = database
        self.directory = Path(settings.directory)
        self.clock = clock

    @property
    def every(self) -> timedelta:
        return timedelta(hours=self.settings.every_hours)

    def first_at(self) -> datetime:
        """When the first copy after a start is due."""
        now = self.clock()
        newest = max((p.stat().st_mtime for p in self.directory.glob(f"{SCHEDULED_PREFIX}*") if p.is_file()),
                     default=None)
        if newest is None:
            return now
        return max(now, datetime.fromtimestamp(newest, UTC) + self.every)

    async def run(self) -> Path | None:
        """Take one copy and drop the oldest beyond `keep`; the copy's path (None when it failed, which is
        logged: a backup that fails must not stop the bot)."""
        passphrase = self.settings.passphrase.get_secret_value() if self.settings.passphrase else None
        target = self.directory / scheduled_name(self.clock(), encrypted=passphrase is not None)
        try:
            copy = await asyncio.to_thread(take, self.database, target, passphrase)
            removed = await asyncio.to_thread(rotate, self.directory, self.settings.keep)
        except BackupError as exc:
            log.error("the scheduled backup failed: %s", exc)
            return None
        except OSError as exc:
            log.error("the scheduled backup failed: %s (%s)", exc.strerror, exc.filename)
            return None
        log.info("backup taken: %s (%d bytes, %s); %d older removed", copy.path, copy.size,
                 "encrypted" if copy.encrypted else "not encrypted", len(removed))
        return copy.path
