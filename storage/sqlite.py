"""The SQLite engine: the embedded default, one file, no server.

Two connections, each on its own aiosqlite thread. The writer takes every write; multi-statement writes go
through `transaction()`, which holds a lock for the whole BEGIN … COMMIT, and a lone `execute` takes that lock
only while a transaction is open (aiosqlite queues each statement on its thread the moment it is called, so a
lone statement issued when no transaction holds the lock always runs before any later BEGIN). The reader
(`query_only`) answers `fetch_all` and `fetch_one`: in WAL mode it sees every committed write and nothing
uncommitted, and it never waits for a transaction on the writer, so reads from concurrent updates are not held up
behind someone else's write. (Until the reader is open, while migrating, the writer answers.)

The schema version is SQLite's `PRAGMA user_version`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from storage.database import (
    Database,
    DatabaseError,
    Row,
    keyring_from,
    key_file,
    migrations,
    run_data_step,
    write_key_file,
)
from storage.sealing import Keyring

log = logging.getLogger(__name__)


class SqliteDatabase(Database):
    """An SQLite database file."""

    dialect = "sqlite"

    def __init__(self, path: Path | str, *, secret_key: str | None = None) -> None:
        super().__init__(secret_key)
        self.path = str(path)
        self._conn: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    @property
    def name(self) -> str:
        return self.path

    async def open(self, *, migrate: bool = True, up_to: int | None = None) -> None:
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
        await self._refuse_newer()
        if self._keyring is None:
            self._keyring = await self._key_from_file()
        await self._check_key()
        if migrate:
            await self.migrate(up_to=up_to)
        self._reader = await aiosqlite.connect(self.path, isolation_level=None)
        self._reader.row_factory = aiosqlite.Row
        for pragma in ("PRAGMA query_only = ON", "PRAGMA busy_timeout = 5000"):
            await self._reader.execute(pragma)

    @property
    def key_file(self) -> Path:
        """Where the secret key is kept when the settings give none: beside the database, readable by its owner
        only. It protects the database file alone (a copy, a stolen disk image of it without its folder); keep the
        key elsewhere (`secret_key`) to protect against the theft of the whole folder."""
        return key_file(self.path)

    async def _key_from_file(self) -> Keyring:
        """The key in the key file beside the database; a new one (and its file) for a database that has none yet.
        The database is closed before any error."""
        if self.path in ("", ":memory:"):
            return Keyring(Keyring.new_secret())
        try:
            try:
                return keyring_from(self.key_file.read_text(encoding="utf-8").strip())
            except FileNotFoundError:
                pass
            if await self.schema_version() >= 1 and await self.fetch_one(
                    "SELECT 1 FROM meta WHERE key = 'key_fingerprint'") is not None:
                raise DatabaseError(
                    f"{self.path} is sealed with a secret key, but {self.key_file} is missing and secret_key is not "
                    "set. Put the key file back beside the database, or set SOLIDARITY__SECRET_KEY_FILE to it.")
            secret = Keyring.new_secret()
            write_key_file(self.key_file, secret)
        except (OSError, UnicodeError, DatabaseError) as exc:
            await self.close()
            if isinstance(exc, DatabaseError):
                raise
            raise DatabaseError(f"cannot read or write the secret key in {self.key_file}: {exc}") from None
        log.info("made a new secret key in %s: keep a copy of it apart from the database's backups (without it, "
                 "what is sealed in them cannot be read)", self.key_file)
        return Keyring(secret)

    async def _disconnect(self) -> None:
        if self._reader is not None:
            await self._reader.close()
            self._reader = None
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise DatabaseError("the database is not open")
        return self._conn

    async def schema_version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0])

    async def migrate(self, *, up_to: int | None = None) -> list[int]:
        applied = []
        async with self._lock:
            current = await self.schema_version()
            for migration in migrations(self.dialect):
                if migration.version <= current or (up_to is not None and migration.version > up_to):
                    continue
                log.info("applying migration %s", migration.name)
                # The script, its data step (storage/resealing.py) and the version bump land together or not at
                # all: the script opens the transaction, which stays open until the COMMIT below.
                try:
                    await self.conn.executescript(f"BEGIN IMMEDIATE;\n{migration.sql}")
                    await run_data_step(migration.version, self.conn, self.keyring)
                    await self.conn.execute(f"PRAGMA user_version = {migration.version}")
                    await self.conn.execute("COMMIT")
                except Exception:
                    if self.conn.in_transaction:
                        await self.conn.execute("ROLLBACK")
                    raise
                applied.append(migration.version)
        await self._record_key()
        if applied:
            await self.checkpoint()  # what a migration rewrote (sealed) leaves no copy in the write-ahead log
        return applied

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

    async def fetch_all(self, sql: str, args: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        """In one round trip to the reader's thread (the writer's, under its lock, while the database is being
        opened and migrated)."""
        if self._reader is not None:
            return list(await self._reader.execute_fetchall(sql, args))
        if self._lock.locked():
            async with self._lock:
                return list(await self.conn.execute_fetchall(sql, args))
        return list(await self.conn.execute_fetchall(sql, args))

    async def execute(self, sql: str, args: Sequence[Any] | dict[str, Any] = (), *, serialised: bool = True) -> int:
        """SQLite makes a lone statement atomic (and has one writer: `serialised` changes nothing)."""
        if self._lock.locked():
            async with self._lock:
                cursor = await self.conn.execute(sql, args)
        else:
            cursor = await self.conn.execute(sql, args)
        return cursor.rowcount

    async def execute_returning(self, sql: str, args: Sequence[Any] | dict[str, Any] = (), *,
                                serialised: bool = True) -> list[Row]:
        async with self._lock:
            return list(await self.conn.execute_fetchall(sql, args))

    @contextlib.asynccontextmanager
    async def snapshot(self) -> AsyncIterator[SqliteSnapshot]:
        """One read transaction on the reader: in WAL mode it sees the database as of its first read."""
        reader = self._reader or self.conn
        await reader.execute("BEGIN")
        try:
            yield SqliteSnapshot(reader)
        finally:
            await reader.execute("ROLLBACK")

    async def checkpoint(self) -> None:
        """Fold the write-ahead log into the main file and truncate it, so erased data leaves no copy behind."""
        async with self._lock, self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
            await cursor.fetchall()  # the pragma answers with a row; left unread, it would hold up the next COMMIT


class SqliteSnapshot:
    """Reads within the reader's open transaction."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def batches(self, sql: str, size: int) -> AsyncIterator[list[Row]]:
        async with self._conn.execute(sql) as cursor:
            while rows := list(await cursor.fetchmany(size)):
                yield rows

    async def fetch_all(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        return list(await self._conn.execute_fetchall(sql, args))

    async def fetch_one(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        rows = await self.fetch_all(sql, args)
        return rows[0] if rows else None
