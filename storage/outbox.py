"""The outbox: everything the bot sends on its own, one row per account and message, until its outcome is known.

A row is `pending` (with a `not_before` moment), then `sending` once a sender claims it, then `sent`,
`unreachable` (the account refuses the bot), `uncertain` (the request may have arrived but no answer came: it
is not sent again, so nobody gets a message twice), `failed`, `skipped` (a broadcast the member muted before it
went) or `cancelled` (a broadcast stopped by an organiser). Personal messages (priority 0) are claimed before
bulk ones (broadcasts, priority 1), so a big broadcast never holds up someone's reminder for long. The message body is emptied as soon as the
outcome is known, and outcome rows are purged after a while: the outbox is not an archive of what people were
told. Rows left `sending` by a crash go back to `pending` on start, so each is sent at most once more.

A message may name other members or carry text they wrote (an introduction request, a joint commitment notice):
the code that queues it says which (`about`), and erasing one of them withdraws it before it goes
(`withdraw_about_in`). Like the body, `about` is dropped once the outcome is known.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from storage.database import Connection, Database, dialect_of

OUTCOMES = ("sent", "unreachable", "uncertain", "failed", "skipped", "cancelled")
PERSONAL, BULK = 0, 1  # priorities
_COLUMNS = ("id, member_id, platform, address, kind, body, not_before, fallback, attempts, created_at, "
            "broadcast_id, about")


@dataclass(frozen=True)
class OutboxItem:
    """A message claimed for sending to one account."""

    id: int
    member_id: int | None
    platform: str
    external_id: str
    kind: str
    body: dict[str, Any]
    not_before: int
    fallback: bool
    attempts: int
    created_at: int
    broadcast_id: int | None = None
    about: tuple[int, ...] = ()  # the other members it names or quotes


@dataclass(frozen=True)
class NewMessage:
    """A row to queue: `fallback` says the member's other accounts get it if this one refuses it; `about` lists
    the other members it names or whose text it carries (erasing one of them withdraws it)."""

    member_id: int | None
    platform: str
    external_id: str
    kind: str
    body: dict[str, Any]
    not_before: int
    fallback: bool = False
    broadcast_id: int | None = None
    about: tuple[int, ...] = ()
    ready_at: int | None = None  # waits for quiet hours: when it was ready, quiet hours aside
    subject_id: int | None = None  # made by a due row: what the row was about (a session)


@dataclass(frozen=True)
class Held:
    """A message waiting for a member's quiet hours to end: when it was ready, and when it may go now."""

    id: int
    ready_at: int
    not_before: int


@dataclass(frozen=True)
class Backlog:
    """What waits in the outbox: messages not sent yet, how long the oldest due one has waited, and how long ago
    the last message was settled (sent or given up), in seconds (None: none in the week kept)."""

    waiting: int
    oldest_due_seconds: int
    since_last_settled: int | None


def _about(members: tuple[int, ...]) -> str | None:
    return json.dumps(sorted(set(members))) if members else None


def choose_accounts(preference: str, usable: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], bool]:
    """Which of a member's reachable accounts (platform, id) a message goes to, as they chose with /notify
    ('all' or one platform, falling back to all when that one is not reachable); and whether the member has
    other accounts to fall back on if those refuse."""
    preferred = [a for a in usable if a[0] == preference]
    targets = usable if preference == "all" or not preferred else preferred
    return targets, len(targets) < len(usable)


# A claim passes over rows another transaction has locked (PostgreSQL); SQLite has one writer at a time anyway.
_SKIP_LOCKED = {"sqlite": "", "postgresql": " FOR UPDATE SKIP LOCKED"}
# An outbox row's `about` (a JSON list of member numbers) names the member given as the parameter.
_NAMES_MEMBER = {"sqlite": "EXISTS (SELECT 1 FROM json_each(outbox.about) WHERE value = ?)",
                 "postgresql": "outbox.about::jsonb @> jsonb_build_array(?::bigint)"}


class OutboxRepository:
    """Queues, claims and settles messages."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add_in(self, conn: Connection, messages: list[NewMessage], now: int) -> None:
        """Queue messages within an open transaction: where each goes and what it says sealed
        (storage/sealing.py)."""
        keyring = self.db.keyring
        bodies: dict[int, str] = {}  # a broadcast's thousands of rows share one body object: seal it once

        def sealed(body: dict[str, Any]) -> str:
            text = bodies.get(id(body))
            if text is None:
                text = bodies[id(body)] = keyring.seal(json.dumps(body, separators=(",", ":")))
            return text

        await conn.executemany(
            "INSERT INTO outbox (member_id, platform, address, kind, body, not_before, fallback, created_at, "
            "broadcast_id, priority, about, ready_at, subject_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(m.member_id, m.platform, keyring.seal(m.external_id), m.kind, sealed(m.body), m.not_before,
              int(m.fallback), now, m.broadcast_id, PERSONAL if m.broadcast_id is None else BULK, _about(m.about), m.ready_at,
              m.subject_id) for m in messages])

    async def add(self, messages: list[NewMessage], now: int) -> None:
        """Queue messages in one transaction."""
        if messages:
            async with self.db.transaction() as conn:
                await self.add_in(conn, messages, now)

    async def claim(self, now: int, limit: int, platforms: tuple[str, ...], *,
                    by: str | None = None, held: tuple[str, ...] = ()) -> list[OutboxItem]:
        """Mark up to `limit` ready messages for these platforms as being sent by process `by`, and return them:
        personal ones first, then bulk, each oldest first; messages of the `held` kinds wait (broadcasts during a
        lockdown). (On PostgreSQL, rows another transaction holds are passed over, not waited for.)"""
        if not platforms or limit < 1:
            return []
        rows: list[Any] = []
        held_out = f" AND kind NOT IN ({', '.join('?' * len(held))})" if held else ""
        async with self.db.transaction() as conn:
            for priority in (PERSONAL, BULK):
                for platform in platforms:
                    if len(rows) >= limit:
                        break
                    async with conn.execute(
                        "UPDATE outbox SET state = 'sending', attempts = attempts + 1, claimed_by = ? WHERE id IN ("
                        "SELECT id FROM outbox WHERE state = 'pending' AND platform = ? AND priority = ? "
                        f"AND not_before <= ?{held_out} ORDER BY not_before, id LIMIT ?"
                        f"{_SKIP_LOCKED[self.db.dialect]}) RETURNING {_COLUMNS}",
                        (by, platform, priority, now, *held, limit - len(rows)),
                    ) as cursor:
                        rows += await cursor.fetchall()
        keyring = self.db.keyring
        items = [OutboxItem(r[0], r[1], r[2], keyring.open(r[3]), r[4], json.loads(keyring.open(r[5]) or "{}"), r[6],
                            bool(r[7]), r[8], r[9], r[10], tuple(json.loads(r[11] or "[]"))) for r in rows]
        bulk = {r[0] for r in rows if r[10] is not None}
        items.sort(key=lambda i: (i.id in bulk, i.not_before, i.id))
        return items

    async def settle(self, item_id: int, outcome: str, now: int, reason: str | None = None) -> None:
        """Record a message's outcome (with a short reason when it was not sent) and drop its body and whom it was
        about; committed together with the other outcomes of the same moment, before this returns."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome}")
        await self.db.insert_grouped(
            "UPDATE outbox SET state = ?, body = NULL, about = NULL, done_at = ?, reason = ? WHERE id = ?",
            (outcome, now, reason, item_id))

    @staticmethod
    async def withdraw_about_in(conn: Connection, member_id: int) -> int:
        """Within the transaction that erases a member: every message not yet sent that names them or carries their
        text is withdrawn, as if it had never been queued (a sender that already claimed one finds it gone before
        sending). Their own messages go with their member row. Returns how many."""
        cursor = await conn.execute(
            "DELETE FROM outbox WHERE about IS NOT NULL AND state IN ('pending', 'sending') "
            f"AND {_NAMES_MEMBER[dialect_of(conn)]}", (member_id,))
        return cursor.rowcount

    async def held_for_quiet(self, member_id: int) -> list[Held]:
        """The member's messages still waiting that follow their quiet hours (never tried yet: a message
        waiting to be tried again after a platform error keeps its own moment)."""
        rows = await self.db.fetch_all(
            "SELECT id, ready_at, not_before FROM outbox WHERE member_id = ? AND state = 'pending' "
            "AND attempts = 0 AND ready_at IS NOT NULL ORDER BY id", (member_id,))
        return [Held(int(r[0]), int(r[1]), int(r[2])) for r in rows]

    async def release_held(self, member_id: int, now: int) -> int:
        """A member back from being away: what waited for their return (never tried, not waiting for quiet hours)
        may go now; how many."""
        return await self.db.execute(
            "UPDATE outbox SET not_before = ? WHERE member_id = ? AND state = 'pending' AND attempts = 0 "
            "AND ready_at IS NULL AND not_before > ?", (now, member_id, now))

    async def reschedule(self, moves: list[tuple[int, int]]) -> int:
        """Give waiting messages a new moment, [(id, not_before)], those still untried; how many moved."""
        if not moves:
            return 0
        async with self.db.transaction() as conn:
            cursor = await conn.executemany(
                "UPDATE outbox SET not_before = ? WHERE id = ? AND state = 'pending' AND attempts = 0",
                [(not_before, item_id) for item_id, not_before in moves])
            return cursor.rowcount

    @staticmethod
    async def withdraw_subject_in(conn: Connection, kinds: tuple[str, ...], subject_id: int,
                                  member_id: int | None = None) -> int:
        """Within an open transaction: messages of these kinds about this subject (a session that was cancelled,
        or, with `member_id`, that this member stopped following) still waiting go, as if never queued. Returns
        how many."""
        marks = ",".join("?" * len(kinds))
        who = "" if member_id is None else " AND member_id = ?"
        cursor = await conn.execute(
            f"DELETE FROM outbox WHERE state = 'pending' AND kind IN ({marks}) AND subject_id = ?{who}",
            (*kinds, subject_id, *(() if member_id is None else (member_id,))))
        return cursor.rowcount

    async def still_claimed(self, item_id: int, by: str | None = None) -> bool:
        """Whether a message a sender (process `by`) claimed may still go: nothing settled or withdrew it since (a
        mute, a cancel, an erasure, made by this process or another over the same database), and no other process
        took it over (after taking this one for dead)."""
        row = await self.db.fetch_one("SELECT claimed_by FROM outbox WHERE id = ? AND state = 'sending'", (item_id,))
        return row is not None and (by is None or row[0] == by)

    async def retry(self, item_id: int, not_before: int) -> None:
        """Put a claimed message back, to be sent again from `not_before` (it was certainly not delivered)."""
        await self.db.insert_grouped("UPDATE outbox SET state = 'pending', not_before = ? WHERE id = ?",
                                     (not_before, item_id))


    async def next_ready(self, platforms: tuple[str, ...]) -> int | None:
        """When the earliest pending message for these platforms may go."""
        if not platforms:
            return None
        marks = ",".join("?" * len(platforms))
        row = await self.db.fetch_one(
            f"SELECT min(not_before) FROM outbox WHERE state = 'pending' AND platform IN ({marks})", platforms)
        return int(row[0]) if row and row[0] is not None else None

    async def purge(self, before: int) -> int:
        """Delete outcome rows settled before `before`; how many went."""
        count = await self.db.execute("DELETE FROM outbox WHERE done_at IS NOT NULL AND done_at < ?", (before,))
        return count

    async def counts(self) -> dict[str, int]:
        """How many rows are in each state."""
        rows = await self.db.fetch_all("SELECT state, count(*) FROM outbox GROUP BY state")
        return {row[0]: int(row[1]) for row in rows}

    async def backlog(self, now: int, held: tuple[str, ...] = ()) -> Backlog:
        """How the outbox keeps up at `now` (for /readyz and /metrics); messages of the `held` kinds are waiting
        on purpose (a lockdown), not late."""
        # Each part reads one of the outbox's partial indexes (waiting, being sent, settled).
        held_out = f" AND kind NOT IN ({', '.join('?' * len(held))})" if held else ""
        row = await self.db.fetch_one(
            "SELECT (SELECT count(*) FROM outbox WHERE state = 'pending') "
            "+ (SELECT count(*) FROM outbox WHERE state = 'sending'), "
            f"(SELECT min(not_before) FROM outbox WHERE state = 'pending' AND not_before <= ?{held_out}), "
            "(SELECT max(done_at) FROM outbox WHERE done_at IS NOT NULL)", (now, *held))
        waiting, oldest, settled = (int(row[0]), row[1], row[2]) if row else (0, None, None)
        return Backlog(waiting, max(0, now - int(oldest)) if oldest is not None else 0,
                       max(0, now - int(settled)) if settled is not None else None)

    async def for_member(self, member_id: int) -> list[dict[str, Any]]:
        """The member's queued and recent messages (kind, state, when), for export."""
        rows = await self.db.fetch_all(
            "SELECT kind, state, platform, not_before, created_at, done_at FROM outbox WHERE member_id = ? "
            "ORDER BY id", (member_id,))
        return [dict(row) for row in rows]
