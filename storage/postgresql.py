"""The PostgreSQL engine: for a network that outgrows one machine, or must survive the loss of one.

psycopg 3 with its connection pool. Reads take any connection of the pool and see committed data, as SQLite's
reader does. Every write, a transaction or a lone statement, first takes one transaction-scoped advisory lock
(`WRITE_LOCK`; a lone statement marked `serialised=False`, which touches only rows no transaction reads and then
writes, goes without it), so writes run one at a time as they do on SQLite, now across every process sharing the database:
a transaction that reads and then writes never sees its rows changed in between, without each repository having
to reason about PostgreSQL's isolation levels. Within one process, transactions queue on an asyncio lock before
they take a connection, so waiting writers do not hold the pool's connections away from readers.

The repositories' SQL is written with `?` and `:name` placeholders; `_translate` turns them into psycopg's
`%s` and `%(name)s` outside quoted text, and every literal `%` into `%%`. Flags are 0/1 integers on both engines,
so a Python bool is sent as an integer. Rows read by position or by name, like sqlite3.Row.

The schema version is the highest `version` in the `schema_migrations` table.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import re
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.adapt import Dumper
from psycopg_pool import AsyncConnectionPool

from storage.database import Database, DatabaseError, migrations, run_data_step

log = logging.getLogger(__name__)

# The advisory lock every write takes (any fixed 64-bit number; this one spells "Solidarity writes").
WRITE_LOCK = 0x501D_A217
# The advisory lock a process takes while it migrates, so that two processes started together migrate once.
MIGRATE_LOCK = 0x501D_A218

_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|::|\?|:(\w+)|%")


@functools.lru_cache(maxsize=2048)
def _translate(sql: str) -> str:
    """SQLite-style placeholders to psycopg's, leaving quoted text and `::` casts alone (psycopg reads every `%`
    as its own, in quoted text too, so each is doubled)."""

    def swap(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "?":
            return "%s"
        if match.group(1):
            return f"%({match.group(1)})s"
        return token.replace("%", "%%")

    return _TOKENS.sub(swap, sql)


def _arguments(args: Sequence[Any] | dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
    return args if isinstance(args, dict) else tuple(args)


class PgRow(tuple):
    """One result row, read by position or by column name."""

    names: dict[str, int]

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self.names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self.names)


def _rows(cursor: Any) -> Any:
    names = {column.name: i for i, column in enumerate(cursor.description or ())}

    def make(values: Sequence[Any]) -> PgRow:
        row = PgRow(values)
        row.names = names
        return row

    return make


class _BoolAsInteger(Dumper):
    """Flags are 0/1 integers in the schema, as on SQLite."""

    oid = psycopg.adapters.types["int8"].oid

    def dump(self, obj: bool) -> bytes:
        return b"1" if obj else b"0"


class _Statement:
    """`await conn.execute(...)` gives the cursor; `async with conn.execute(...) as cursor` closes it after."""

    def __init__(self, conn: psycopg.AsyncConnection, sql: str, args: Any) -> None:
        self._conn, self._sql, self._args = conn, sql, args
        self._cursor: psycopg.AsyncCursor | None = None

    async def _run(self) -> psycopg.AsyncCursor:
        return await self._conn.execute(_translate(self._sql), self._args)

    def __await__(self) -> Any:
        return self._run().__await__()

    async def __aenter__(self) -> psycopg.AsyncCursor:
        self._cursor = await self._run()
        return self._cursor

    async def __aexit__(self, *exc: object) -> None:
        if self._cursor is not None:
            await self._cursor.close()


class PgConnection:
    """The statements of one write transaction."""

    dialect = "postgresql"

    def __init__(self, conn: psycopg.AsyncConnection) -> None:
        self._conn = conn

    def execute(self, sql: str, args: Sequence[Any] | dict[str, Any] = ()) -> _Statement:
        return _Statement(self._conn, sql, _arguments(args))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> psycopg.AsyncCursor:
        """The statement once per row; the cursor's `rowcount` is the rows changed by all of them."""
        cursor = self._conn.cursor()
        await cursor.executemany(_translate(sql), [tuple(row) for row in rows])
        return cursor


class PgSnapshot:
    """Reads within one open REPEATABLE READ transaction; `batches` through a server-side cursor, so a big
    table is never held whole in memory."""

    def __init__(self, conn: psycopg.AsyncConnection) -> None:
        self._conn = conn
        self._cursors = itertools.count()

    async def batches(self, sql: str, size: int) -> AsyncIterator[list[Any]]:
        async with self._conn.cursor(name=f"batches_{next(self._cursors)}") as cursor:
            await cursor.execute(_translate(sql), ())
            while rows := await cursor.fetchmany(size):
                yield rows

    async def fetch_all(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        cursor = await self._conn.execute(_translate(sql), tuple(args))
        return await cursor.fetchall()

    async def fetch_one(self, sql: str, args: Sequence[Any] = ()) -> Any:
        rows = await self.fetch_all(sql, args)
        return rows[0] if rows else None


class PostgresDatabase(Database):
    """A PostgreSQL database, named by a `postgresql://user:password@host:port/dbname` URL."""

    dialect = "postgresql"

    def __init__(self, url: str, *, pool_size: int = 10, secret_key: str | None = None) -> None:
        super().__init__(secret_key)
        self.url = url
        self._pool_size = pool_size
        self._pool: AsyncConnectionPool | None = None
        self._writes = asyncio.Lock()

    @property
    def name(self) -> str:
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        netloc = f"{parts.username}@{host}" if parts.username else host
        if parts.port:
            netloc += f":{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))

    @property
    def pool(self) -> AsyncConnectionPool:
        if self._pool is None:
            raise DatabaseError("the database is not open")
        return self._pool

    async def open(self, *, migrate: bool = True, up_to: int | None = None) -> None:
        if self._keyring is None:
            raise DatabaseError(
                "a PostgreSQL database needs a secret key, kept outside it, to seal contact lines and accounts: set "
                "SOLIDARITY__SECRET_KEY_FILE (or secret_key). `solidarity-bot new-key` makes one.")

        async def configure(conn: psycopg.AsyncConnection) -> None:
            conn.adapters.register_dumper(bool, _BoolAsInteger)

        self._pool = AsyncConnectionPool(
            self.url, min_size=1, max_size=self._pool_size, open=False, configure=configure,
            kwargs={"autocommit": True, "row_factory": _rows}, name="solidarity-bot")
        try:
            await self._pool.open(wait=True, timeout=15)
        except Exception as exc:
            await self._pool.close()
            self._pool = None
            raise DatabaseError(f"cannot connect to {self.name}: {type(exc).__name__}. Is PostgreSQL running, and "
                                "may this user connect to that database?") from None
        await self._refuse_newer()
        await self._check_key()
        if migrate:
            await self.migrate(up_to=up_to)

    async def _disconnect(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def schema_version(self) -> int:
        row = await self.fetch_one("SELECT to_regclass('schema_migrations') IS NOT NULL")
        if not row or not row[0]:
            return 0
        row = await self.fetch_one("SELECT coalesce(max(version), 0) FROM schema_migrations")
        return int(row[0]) if row else 0

    async def migrate(self, *, up_to: int | None = None) -> list[int]:
        applied = []
        for migration in migrations(self.dialect):
            if up_to is not None and migration.version > up_to:
                break
            async with self.pool.connection() as conn, conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATE_LOCK,))
                await conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
                                   "name TEXT NOT NULL, applied_at BIGINT NOT NULL)")
                cursor = await conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations")
                current = (await cursor.fetchone())[0]
                if migration.version <= current:
                    continue
                log.info("applying migration %s", migration.name)
                await conn.execute(migration.sql)  # no parameters: psycopg sends the script as it is
                await run_data_step(migration.version, PgConnection(conn), self.keyring)
                await conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (%s, %s, %s)",
                                   (migration.version, migration.name, int(time.time())))
                applied.append(migration.version)
        await self._record_key()
        return applied

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgConnection]:
        async with self._writes, self.pool.connection() as conn:
            # BEGIN and the lock in one round trip (a script without parameters goes as one simple query).
            await conn.execute(f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})")
            try:
                yield PgConnection(conn)
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")

    @contextlib.asynccontextmanager
    async def snapshot(self) -> AsyncIterator[PgSnapshot]:
        """A REPEATABLE READ, READ ONLY transaction: every read sees the database as of its first."""
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield PgSnapshot(conn)

    async def fetch_all(self, sql: str, args: Sequence[Any] | dict[str, Any] = ()) -> list[Any]:
        async with self.pool.connection() as conn:
            cursor = await conn.execute(_translate(sql), _arguments(args))
            return await cursor.fetchall() if cursor.description else []

    async def execute(self, sql: str, args: Sequence[Any] | dict[str, Any] = (), *, serialised: bool = True) -> int:
        async with self._writing(serialised) as conn:
            return (await conn.execute(sql, args)).rowcount

    async def execute_returning(self, sql: str, args: Sequence[Any] | dict[str, Any] = (), *,
                                serialised: bool = True) -> list[Any]:
        async with self._writing(serialised) as conn:
            return await (await conn.execute(sql, args)).fetchall()

    @contextlib.asynccontextmanager
    async def _writing(self, serialised: bool) -> AsyncIterator[PgConnection]:
        """Where a lone write runs: in a transaction holding the write lock, or (`serialised` False) on its own."""
        if serialised:
            async with self.transaction() as conn:
                yield conn
        else:
            async with self.pool.connection() as conn:
                yield PgConnection(conn)
