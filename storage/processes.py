"""The processes running over one database, the roles one of them at a time holds, and what keeps one person's
updates in order and each update answered once, whichever process receives it (see bot/cluster.py).

Moments here are the database's own clock (whole seconds), so that processes on machines whose clocks differ
agree on who is alive.
"""

from __future__ import annotations

from storage.database import Database

# The database's clock, in whole seconds since the epoch, and with its fractions.
NOW = {"sqlite": "CAST(strftime('%s', 'now') AS INTEGER)",
       "postgresql": "CAST(extract(epoch FROM clock_timestamp()) AS BIGINT)"}
EXACT_NOW = {"sqlite": "((julianday('now') - 2440587.5) * 86400.0)",
             "postgresql": "extract(epoch FROM clock_timestamp())::float8"}
LATEST = {"sqlite": "max", "postgresql": "greatest"}


class ProcessRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    @property
    def _now(self) -> str:
        return NOW[self.db.dialect]

    async def beat(self, process_id: str) -> None:
        """The process is alive (registered on its first beat, and again if it was taken for dead)."""
        await self.db.execute(
            f"INSERT INTO processes (id, started_at, seen_at) VALUES (?, {self._now}, {self._now}) "
            f"ON CONFLICT (id) DO UPDATE SET seen_at = {self._now}", (process_id,), serialised=False)

    async def reap(self, expiry: int, *, all_but: str | None = None) -> tuple[int, int]:
        """Processes silent for more than `expiry` seconds (or, with `all_but`, every process but that one) are
        taken for dead: the messages they were sending go back to waiting (each is sent at most once more), and
        they are forgotten (the roles they held become free). Returns (processes, messages)."""
        if all_but is not None:
            condition, args = "id != ?", (all_but,)
        else:
            condition, args = f"seen_at < {self._now} - ?", (expiry,)
            if not await self.db.fetch_all(f"SELECT id FROM processes WHERE {condition}", args):
                return 0, 0  # the usual case: everyone is alive, and nothing needs the write lock
        async with self.db.transaction() as conn:
            async with conn.execute(f"SELECT id FROM processes WHERE {condition}", args) as cursor:
                dead = [row[0] for row in await cursor.fetchall()]
            await conn.executemany("DELETE FROM processes WHERE id = ?", [(process_id,) for process_id in dead])
            # What the dead were sending, and anything claimed before claims were recorded (a database from before
            # several processes): nobody alive sends it.
            cursor = await conn.execute(
                "UPDATE outbox SET state = 'pending', claimed_by = NULL WHERE state = 'sending' "
                "AND (claimed_by IS NULL OR claimed_by NOT IN (SELECT id FROM processes))")
            messages = cursor.rowcount
        return len(dead), messages

    async def leave(self, process_id: str) -> None:
        """The process stops: its roles are free at once, and what it was still sending goes back to waiting."""
        async with self.db.transaction() as conn:
            await conn.execute("UPDATE outbox SET state = 'pending', claimed_by = NULL WHERE state = 'sending' "
                               "AND claimed_by = ?", (process_id,))
            await conn.execute("DELETE FROM roles WHERE holder = ?", (process_id,))
            await conn.execute("DELETE FROM processes WHERE id = ?", (process_id,))

    async def take_role(self, role: str, process_id: str) -> bool:
        """Hold `role` if nobody alive holds it (or keep it); whether this process holds it now."""
        held = await self.db.fetch_one(
            "SELECT holder = ?, holder IN (SELECT id FROM processes) FROM roles WHERE name = ?", (process_id, role))
        if held is not None and (held[0] or held[1]):
            return bool(held[0])  # the usual case, at every beat: no write is needed to know
        async with self.db.transaction() as conn:
            await conn.execute(
                f"INSERT INTO roles (name, holder, since) VALUES (?, ?, {self._now}) "
                "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, since = excluded.since "
                "WHERE roles.holder != excluded.holder "
                "AND roles.holder NOT IN (SELECT id FROM processes)", (role, process_id))
            async with conn.execute("SELECT holder FROM roles WHERE name = ?", (role,)) as cursor:
                row = await cursor.fetchone()
        return row is not None and row[0] == process_id

    async def holder(self, role: str) -> str | None:
        row = await self.db.fetch_one("SELECT holder FROM roles WHERE name = ?", (role,))
        return row[0] if row else None

    async def alive(self) -> list[str]:
        return [row[0] for row in await self.db.fetch_all("SELECT id FROM processes ORDER BY started_at, id")]

    async def first_time(self, platform: str, update_id: int) -> bool:
        """Record an update as handled; False if it already was (by this process or another)."""
        rows = await self.db.execute_returning(
            f"INSERT INTO handled_updates (platform, update_id, at) VALUES (?, ?, {self._now}) "
            "ON CONFLICT DO NOTHING RETURNING update_id", (platform, update_id), serialised=False)
        return bool(rows)

    async def forget_updates(self, older_than: int) -> int:
        """Drop the record of updates handled more than `older_than` seconds ago."""
        return await self.db.execute(f"DELETE FROM handled_updates WHERE at < {self._now} - ?", (older_than,))

    async def hold_account(self, account: str, process_id: str, seconds: int) -> bool:
        """Mark an account's update as being handled by this process for at most `seconds`; False if another
        handling of it is under way (and has not lapsed). The account ("platform:id") is kept as a keyed hash."""
        account = self.db.keyring.account(account)
        rows = await self.db.execute_returning(
            f"INSERT INTO busy_accounts (account, holder, until) VALUES (?, ?, {self._now} + ?) "
            "ON CONFLICT (account) DO UPDATE SET holder = excluded.holder, until = excluded.until "
            f"WHERE busy_accounts.until < {self._now} RETURNING holder", (account, process_id, seconds),
            serialised=False)
        return bool(rows)

    async def free_account(self, account: str, process_id: str) -> None:
        await self.db.execute("DELETE FROM busy_accounts WHERE account = ? AND holder = ?",
                              (self.db.keyring.account(account), process_id), serialised=False)

    async def pace_turn(self, platform: str, interval: float) -> float:
        """Reserve the platform's next turn among every process, `interval` seconds after the last one reserved
        (now, if that is past; after a pause, if one is on); how many seconds from now it comes."""
        now, latest = EXACT_NOW[self.db.dialect], LATEST[self.db.dialect]
        await self.db.execute("INSERT INTO paces (platform) VALUES (?) ON CONFLICT DO NOTHING", (platform,),
                              serialised=False)
        rows = await self.db.execute_returning(
            f"UPDATE paces SET next_at = {latest}(next_at + ?, {now}, paused_until) WHERE platform = ? "
            f"RETURNING next_at - {now}", (interval, platform), serialised=False)
        return float(rows[0][0])

    async def pace_pause(self, platform: str, seconds: float) -> None:
        """The platform asked to wait (429): no process's turn comes before `seconds` from now."""
        now, latest = EXACT_NOW[self.db.dialect], LATEST[self.db.dialect]
        await self.db.execute(
            f"UPDATE paces SET paused_until = {latest}(paused_until, {now} + ?) WHERE platform = ?",
            (seconds, platform), serialised=False)
