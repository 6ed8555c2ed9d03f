"""What the bot counts for /metrics (Prometheus' text format, through prometheus-client).

Counters and histograms are kept as things happen (updates handled, messages sent); the figures read from the
database (the outbox, the clock, broadcasts) are read when /metrics is asked for (`read_database`). No label
carries a member, an account, a chat or any text: the only labels are the platform and a reason from a fixed list.
Each app has its own registry, so two bots in one process (the tests) count apart.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from storage import Repositories

CONTENT_TYPE = CONTENT_TYPE_LATEST
# Why a message was not delivered (the outbox's outcomes), the only values of the `reason` label.
FAILURES = ("unreachable", "uncertain", "rejected", "gave_up")


class Metrics:
    """The bot's figures, one registry per app."""

    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        self.updates = Counter("solidarity_updates", "Updates handled: messages, commands and button presses",
                               ["platform"], registry=registry)
        self.reply_seconds = Histogram(
            "solidarity_reply_seconds", "From an update's arrival to its last reply sent", ["platform"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30), registry=registry)
        self.sent = Counter("solidarity_messages_sent", "Messages the outbox sent", ["platform"], registry=registry)
        self.failed = Counter("solidarity_messages_failed", "Messages the outbox could not deliver, by reason",
                              ["platform", "reason"], registry=registry)
        self.rate_limited = Counter("solidarity_rate_limited", "Times a platform asked the bot to wait (429)",
                                    ["platform"], registry=registry)
        self.outbox_waiting = Gauge("solidarity_outbox_messages", "Messages in the outbox not sent yet",
                                    registry=registry)
        self.outbox_oldest = Gauge("solidarity_outbox_oldest_due_seconds",
                                   "How long the oldest message due to go has waited", registry=registry)
        self.due_items = Gauge("solidarity_due_items", "Scheduled items whose moment has come, not handled yet",
                               registry=registry)
        self.scheduled_items = Gauge("solidarity_scheduled_items", "Items scheduled (reminders, check-ins, "
                                     "session reminders, broadcasts) in all", registry=registry)
        self.clock_lag = Gauge("solidarity_clock_lag_seconds", "How late the oldest due item is", registry=registry)
        self.broadcasts_sending = Gauge("solidarity_broadcasts_sending", "Broadcasts on their way",
                                        registry=registry)

    @contextlib.contextmanager
    def handling(self, platform: str) -> Iterator[None]:
        """Count one update and time it, from its arrival to its last reply sent (also when it fails)."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.updates.labels(platform).inc()
            self.reply_seconds.labels(platform).observe(time.perf_counter() - started)

    async def read_database(self, repos: Repositories, now: int) -> None:
        """Set the figures that live in the database."""
        backlog = await repos.outbox.backlog(now, await repos.lockdown.held())
        self.outbox_waiting.set(backlog.waiting)
        self.outbox_oldest.set(backlog.oldest_due_seconds)
        lag = await repos.schedule.lag(now)
        self.due_items.set(lag.due)
        self.scheduled_items.set(lag.scheduled)
        self.clock_lag.set(lag.seconds)
        self.broadcasts_sending.set(await repos.broadcasts.sending_count())

    def exposition(self) -> bytes:
        """The text /metrics answers with."""
        return generate_latest(self.registry)
