"""The SQLite database: one aiosqlite connection, safe pragmas, numbered migrations.

Two connections, each on its own aiosqlite thread. The writer takes every write; multi-statement writes go
through `Database.transaction()`, which holds a lock for the whole BEGIN … COMMIT, and a lone `execute` takes
that lock only while a transaction is open (aiosqlite queues each statement on its thread the moment it is
called, so a lone statement issued when no transaction holds the lock always runs before any later BEGIN).
The reader (`query_only`) answers `fetch_all` and `fetch_one`: in WAL mode it sees every committed write and
nothing uncommitted, and it never waits for a transaction on the writer, so reads from concurrent updates are
not held up behind someone else's write. (Until the reader is open, while migrating, the writer answers.)

Small inserts that many concurrent requests make (a reply's buttons, later outbox rows) can go through
`insert_grouped`, which gathers the rows issued in the same moment into one multi-row INSERT (one statement,
atomic on its own, one round trip to the writer's thread) or, for an UPDATE, one transaction: one commit for
many callers instead of one each, and each caller still returns only once its row is committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# What insert_grouped can write as one multi-row statement, and at most how many rows a group takes (well under
# SQLite's 32,766 parameters for any table here).
_GROUPABLE = re.compile(r"^INSERT INTO \w+ \([\w, ]+\) VALUES \([^()]+\)$")
GROUP_ROWS = 500


class DatabaseError(Exception):
    """The database cannot be used (for example, it was written by a newer version of the bot)."""


@dataclass(frozen=True)
class Migration:
    """One numbered SQL script; applying it brings the schema to `version`."""

    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """All migrations shipped with the program, in order; numbers must run 1, 2, 3 … without gaps."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise DatabaseError(f"migration {migration.name} is out of sequence (expected {expected:04d})")
    return found


def latest_version() -> int:
    """The schema version this program writes."""
    return len(migrations())


class Database:
    """An open SQLite database file."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._conn: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._waiting: dict[str, list[tuple[tuple, asyncio.Future[None]]]] = {}
        self._writers: dict[str, asyncio.Task[None]] = {}
        # Keyed lookups waiting for their shared query (see fetch_keyed): sql -> key -> the callers' futures.
        self._lookups: dict[str, dict[tuple, list[asyncio.Future[aiosqlite.Row | None]]]] = {}
        self._lookers: set[asyncio.Task[None]] = set()

    async def open(self, *, migrate: bool = True, up_to: int | None = None) -> None:
        """Connect, set pragmas and bring the schema up to date (or refuse a newer one)."""
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = await aiosqlite.connect(self.path, isolation_level=None)
        self._conn.row_factory = aiosqlite.Row
        for pragma in (
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = NORMAL",
            "PRAGMA foreign_keys = ON",
            "PRAGMA busy_timeout = 5000",
            # Erased members' data is overwritten on disk, not left in free pages.
            "PRAGMA secure_delete = ON",
        ):
            await self._conn.execute(pragma)
        version = await self.schema_version()
        newest = latest_version()
        if version > newest:
            await self.close()
            raise DatabaseError(
                f"{self.path} has schema version {version}, but this version of solidarity-bot knows only up to "
                f"{newest}: it was written by a newer release. Upgrade solidarity-bot, or use another --db file."
            )
        if migrate:
            await self.migrate(up_to=up_to)
        self._reader = await aiosqlite.connect(self.path, isolation_level=None)
        self._reader.row_factory = aiosqlite.Row
        for pragma in ("PRAGMA query_only = ON", "PRAGMA busy_timeout = 5000"):
            await self._reader.execute(pragma)

    async def close(self) -> None:
        """Close the connection (idempotent), after the grouped inserts already asked for."""
        while self._writers or self._lookers:
            await asyncio.gather(*self._writers.values(), *self._lookers, return_exceptions=True)
        if self._reader is not None:
            await self._reader.close()
            self._reader = None
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def __aenter__(self) -> Database:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise DatabaseError("the database is not open")
        return self._conn

    async def schema_version(self) -> int:
        """The PRAGMA user_version of the open file."""
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0])

    async def migrate(self, *, up_to: int | None = None) -> list[int]:
        """Apply every pending migration (each in its own transaction); return the versions applied."""
        applied = []
        async with self._lock:
            current = await self.schema_version()
            for migration in migrations():
                if migration.version <= current or (up_to is not None and migration.version > up_to):
                    continue
                log.info("applying migration %s", migration.name)
                # executescript commits anything pending first; the script carries its own BEGIN/COMMIT so the
                # schema change and the version bump land together or not at all.
                try:
                    await self.conn.executescript(
                        f"BEGIN IMMEDIATE;\n{migration.sql}\nPRAGMA user_version = {migration.version};\nCOMMIT;"
                    )
                except Exception:
                    if self.conn.in_transaction:
                        await self.conn.execute("ROLLBACK")
                    raise
                applied.append(migration.version)
        if applied or up_to is None:
            await self._ensure_secret()
        return applied

    async def _ensure_secret(self) -> None:
        if await self.schema_version() < 1:
            return
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('audience_secret', ?)", (secrets.token_hex(32),)
            )

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run statements in one IMMEDIATE transaction, committed on success and rolled back on error."""
        async with self._lock:
            conn = self.conn
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")

    async def fetch_all(self, sql: str, args: tuple | list = ()) -> list[aiosqlite.Row]:
        """Rows of one query, in one round trip to the reader's thread: committed data only (the writer's, under
        its lock, while the database is being opened and migrated)."""
        if self._reader is not None:
            return list(await self._reader.execute_fetchall(sql, args))
        if self._lock.locked():
            async with self._lock:
                return list(await self.conn.execute_fetchall(sql, args))
        return list(await self.conn.execute_fetchall(sql, args))

    async def fetch_one(self, sql: str, args: tuple | list = ()) -> aiosqlite.Row | None:
        """The first row of one query, or None."""
        rows = await self.fetch_all(sql, args)
        return rows[0] if rows else None

    async def fetch_keyed(self, sql: str, key: tuple) -> aiosqlite.Row | None:
        """The row for `key`, looked up in one query together with every caller asking `sql` at this moment.

        `sql` selects the key's columns last in each row and has `{keys}` where a list of keys goes, as in
        `… FROM (VALUES {keys}) AS k CROSS JOIN t ON t.a = k.column1 AND t.b = k.column2` (a join SQLite answers
        with one index search per key; a row-value `(a, b) IN (VALUES …)` was answered by scanning `t`). Many
        requests arriving at once (each needs its member) then cost one round trip to the reader's thread instead
        of one each; a lone request waits one turn of the event loop.
        """
        loop = asyncio.get_running_loop()
        waiting = self._lookups.get(sql)
        if waiting is None:
            waiting = self._lookups[sql] = {}
            task = loop.create_task(self._look_up(sql, len(key)))
            self._lookers.add(task)
            task.add_done_callback(self._lookers.discard)
        found: asyncio.Future[aiosqlite.Row | None] = loop.create_future()
        waiting.setdefault(key, []).append(found)
        return await found

    async def _look_up(self, sql: str, width: int) -> None:
        waiting = self._lookups.pop(sql)  # callers from now on start the next query
        keys = list(waiting)
        row_marks = "(" + ", ".join(["?"] * width) + ")"
        for start in range(0, len(keys), GROUP_ROWS):
            chunk = keys[start:start + GROUP_ROWS]
            try:
                rows = await self.fetch_all(sql.format(keys=", ".join([row_marks] * len(chunk))),
                                            [value for key in chunk for value in key])
            except Exception as exc:
                for key in chunk:
                    _answer(waiting[key], error=exc)
                continue
            by_key = {tuple(row)[-width:]: row for row in rows}
            for key in chunk:
                _answer(waiting[key], by_key.get(key))

    async def execute(self, sql: str, args: tuple | list = ()) -> tuple[int, int | None]:
        """One statement, committed on its own (SQLite makes a lone statement atomic); (rowcount, lastrowid)."""
        if self._lock.locked():
            async with self._lock:
                cursor = await self.conn.execute(sql, args)
        else:
            cursor = await self.conn.execute(sql, args)
        return cursor.rowcount, cursor.lastrowid

    async def insert_grouped(self, sql: str, args: tuple) -> None:
        """Run one INSERT or UPDATE, committed together with the same statement of other callers waiting now.

        Returns once the row is committed. If the group fails, its rows are retried one by one, so a bad row fails
        only its own caller.
        """
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(sql, []).append((args, done))
        if sql not in self._writers:
            self._writers[sql] = asyncio.create_task(self._write_groups(sql))
        await done  # a caller that gives up cancels only its wait: the row is still written with its group

    async def _write_groups(self, sql: str) -> None:
        try:
            head, _, row = sql.rpartition(" VALUES ") if _GROUPABLE.match(sql) else ("", "", "")
            while waiting := self._waiting.pop(sql, None):
                for start in range(0, len(waiting), GROUP_ROWS):
                    await self._write_group(sql, head, row, waiting[start:start + GROUP_ROWS])
        finally:
            del self._writers[sql]
            # Rows left waiting only if this writer itself was cancelled.
            closed = DatabaseError("the database closed before the row was written")
            _answer([done for _, done in self._waiting.pop(sql, [])], error=closed)

    async def _write_group(self, sql: str, head: str, row: str,
                           group: list[tuple[tuple, asyncio.Future[None]]]) -> None:
        """A plain INSERT as one multi-row statement for the group (atomic on its own, and one round trip to the
        writer's thread); any other statement once per row in one transaction. If that fails, each row on its
        own, so a bad row fails only its own caller."""
        try:
            if row:
                await self.execute(f"{head} VALUES {', '.join([row] * len(group))}",
                                   [value for args, _ in group for value in args])
            else:
                async with self.transaction() as conn:
                    await conn.executemany(sql, [args for args, _ in group])
        except Exception:
            for args, done in group:
                try:
                    await self.execute(sql, args)
                except Exception as exc:
                    _answer([done], error=exc)
                else:
                    _answer([done])
        else:
            _answer([done for _, done in group])

    async def checkpoint(self) -> None:
        """Fold the write-ahead log into the main file and truncate it, so erased data leaves no copy behind."""
        async with self._lock, self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
            await cursor.fetchall()  # the pragma answers with a row; left unread, it would hold up the next COMMIT


def _answer(futures: list[asyncio.Future[Any]], result: Any = None, *, error: BaseException | None = None) -> None:
    """Give each waiting caller its result (or the error), except callers that stopped waiting."""
    for future in futures:
        if not future.done():
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)
