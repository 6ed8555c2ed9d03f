"""The database the repositories write to: one `Database` interface, an SQLite and a PostgreSQL engine behind it.

`connect(where)` picks the engine: a `postgresql://` URL opens PostgreSQL (storage/postgresql.py), a path or an
`sqlite:///path` URL opens SQLite (storage/sqlite.py). The repositories see only what this module declares:

* `fetch_all` / `fetch_one`: committed rows of one query;
* `execute` / `execute_returning`: one write, committed on its own;
* `transaction()`: several statements that land together or not at all. Write transactions run one at a time on
  both engines (SQLite has one writer; PostgreSQL's take one advisory lock), so a transaction that reads and then
  writes never sees its rows changed by another in between, on one machine or across several processes;
* `insert_grouped` and `fetch_keyed`: many requests' small writes and keyed reads at one moment, as one statement.

Inside a transaction the statements go through a `Connection`: `await conn.execute(sql, args)` gives a cursor
(`rowcount`, `await fetchone()`, `await fetchall()`, or `async with` it), and `await conn.executemany(sql, rows)`.
SQL is written once with `?` (or `:name`) placeholders; PostgreSQL's engine translates them. Where the engines'
SQL differs (JSON arrays, case-insensitive comparison), a repository picks by `db.dialect`.

Migrations are numbered scripts per engine (storage/migrations/<engine>/NNNN_name.sql), recorded in the database
and applied at start; a database newer than the program is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from storage.sealing import Keyring

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# What insert_grouped can write as one multi-row statement, and at most how many rows a group takes (well under
# SQLite's 32,766 parameters and PostgreSQL's 65,535 for any table here).
_GROUPABLE = re.compile(r"^INSERT INTO \w+ \([\w, ]+\) VALUES \([^()]+\)$")
GROUP_ROWS = 500
ENGINES = ("sqlite", "postgresql")


class DatabaseError(Exception):
    """The database cannot be used (for example, it was written by a newer version of the bot)."""


class Row(Protocol):
    """A result row, read by position (`row[0]`) or by column name (`row["id"]`)."""

    def __getitem__(self, key: int | str) -> Any: ...
    def __iter__(self) -> Any: ...
    def __len__(self) -> int: ...
    def keys(self) -> list[str]: ...


class Cursor(Protocol):
    rowcount: int

    async def fetchone(self) -> Row | None: ...
    async def fetchall(self) -> Sequence[Row]: ...


class Snapshot(Protocol):
    """A consistent view of the database at one moment, for reading much (see `Database.snapshot`)."""

    def batches(self, sql: str, size: int) -> AsyncIterator[list[Row]]: ...
    async def fetch_all(self, sql: str, args: Sequence[Any] = ()) -> list[Row]: ...
    async def fetch_one(self, sql: str, args: Sequence[Any] = ()) -> Row | None: ...


class Connection(Protocol):
    """The statements of one transaction (see `Database.transaction`)."""

    def execute(self, sql: str, args: Sequence[Any] | dict[str, Any] = ()) -> Any:
        """Awaitable (a `Cursor`) and usable as `async with conn.execute(...) as cursor`."""

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any: ...


@dataclass(frozen=True)
class Migration:
    """One numbered SQL script; applying it brings the schema to `version`."""

    version: int
    name: str
    sql: str


def migrations(engine: str = "sqlite") -> list[Migration]:
    """All migrations of one engine shipped with the program, in order, without gaps. SQLite's start at 1;
    PostgreSQL's at 12, a baseline that builds the schema SQLite's first twelve build."""
    found = []
    for entry in (resources.files("storage.migrations") / engine).iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=found[0].version if found else 1):
        if migration.version != expected:
            raise DatabaseError(f"migration {engine}/{migration.name} is out of sequence (expected {expected:04d})")
    return found


def latest_version(engine: str = "sqlite") -> int:
    """The schema version this program writes (the same on every engine)."""
    return migrations(engine)[-1].version


async def run_data_step(version: int, conn: Connection, keyring: Keyring) -> None:
    """The data step of migration `version`, if it has one (storage/resealing.py), within its transaction."""
    from storage.resealing import STEPS

    if step := STEPS.get(version):
        await step(conn, keyring)


def keyring_from(secret_key: str) -> Keyring:
    try:
        return Keyring(secret_key)
    except ValueError as exc:
        raise DatabaseError(f"secret key: {exc}") from None


def is_postgresql(where: str | Path) -> bool:
    return str(where).startswith(("postgresql://", "postgres://"))


def connect(where: str | Path, *, secret_key: str | None = None) -> Database:
    """The database `where` names, not yet open: a `postgresql://user@host/db` URL, an `sqlite:///path` URL or a
    file path. `secret_key` seals what it holds (storage/sealing.py); SQLite without one uses a key file beside
    the database, PostgreSQL refuses to open without one."""
    if is_postgresql(where):
        from storage.postgresql import (
            PostgresDatabase,  # psycopg is loaded only by those who use it
        )

        return PostgresDatabase(str(where), secret_key=secret_key)
    from storage.sqlite import SqliteDatabase

    return SqliteDatabase(sqlite_path(where), secret_key=secret_key)


def sqlite_path(where: str | Path) -> str:
    """The file an SQLite `where` (a path or an `sqlite:///path` URL) names."""
    text = str(where)
    return text.removeprefix("sqlite://") if text.startswith("sqlite:///") else text


def key_file(path: str | Path) -> Path:
    """Where the secret key of the SQLite database at `path` is kept when the settings give none: beside it."""
    return Path(f"{path}.key")


def write_key_file(path: Path, secret: str) -> None:
    """A new key file holding `secret`, readable by its owner only; never overwrites one."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(secret + "\n")


def dialect_of(conn: Connection) -> str:
    """The engine a transaction's connection belongs to, for a statement written in each engine's words:
    PostgreSQL's connections say so; SQLite's are aiosqlite's own."""
    return getattr(conn, "dialect", "sqlite")


async def inserted_id(conn: Connection, sql: str, args: Sequence[Any] = ()) -> int:
    """Run `sql`, an INSERT, within a transaction; the new row's `id` (through RETURNING, which both engines
    read; the statement is read to its end, as SQLite wants before COMMIT)."""
    cursor = await conn.execute(f"{sql} RETURNING id", args)
    rows = await cursor.fetchall()
    return int(rows[0][0])


class Database:
    """An open database of one engine. Subclasses give the statements; this class groups many callers' small
    writes and keyed reads made at the same moment (`insert_grouped`, `fetch_keyed`)."""

    dialect: str  # "sqlite" or "postgresql"

    def __init__(self, secret_key: str | None = None) -> None:
        self._keyring = keyring_from(secret_key) if secret_key else None
        self._waiting: dict[str, list[tuple[tuple, asyncio.Future[None]]]] = {}
        self._writers: dict[str, asyncio.Task[None]] = {}
        # Keyed lookups waiting for their shared query (see fetch_keyed): sql -> key -> the callers' futures.
        self._lookups: dict[str, dict[tuple, list[asyncio.Future[Row | None]]]] = {}
        self._lookers: set[asyncio.Task[None]] = set()

    # What each engine provides.

    @property
    def name(self) -> str:
        """How the database is named to a person: the file, or the URL without its password."""
        raise NotImplementedError

    async def open(self, *, migrate: bool = True, up_to: int | None = None) -> None:
        """Connect and bring the schema up to date (or refuse a newer one)."""
        raise NotImplementedError

    async def _disconnect(self) -> None:
        raise NotImplementedError

    async def schema_version(self) -> int:
        """The version of the schema the open database holds (0: empty)."""
        raise NotImplementedError

    async def migrate(self, *, up_to: int | None = None) -> list[int]:
        """Apply every pending migration, each in its own transaction; return the versions applied."""
        raise NotImplementedError

    def transaction(self) -> contextlib.AbstractAsyncContextManager[Connection]:
        """Statements in one write transaction, committed on success and rolled back on error."""
        raise NotImplementedError

    async def fetch_all(self, sql: str, args: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        """Rows of one query: committed data only."""
        raise NotImplementedError

    async def execute(self, sql: str, args: Sequence[Any] | dict[str, Any] = (), *, serialised: bool = True) -> int:
        """One write statement, committed on its own; how many rows it changed. `serialised=False`: the
        statement touches only rows no transaction reads and then writes (a heartbeat, a pace's turn), so on
        PostgreSQL it need not wait for the other writes."""
        raise NotImplementedError

    async def execute_returning(self, sql: str, args: Sequence[Any] | dict[str, Any] = (), *,
                                serialised: bool = True) -> list[Row]:
        """One write statement with a RETURNING clause, committed on its own; the rows it returned."""
        raise NotImplementedError

    def snapshot(self) -> contextlib.AbstractAsyncContextManager[Snapshot]:
        """Read many rows as they all were at one moment, whatever is written meanwhile (`copy-db`)."""
        raise NotImplementedError

    async def checkpoint(self) -> None:
        """Make sure erased rows leave no copy behind in the engine's own files, where the engine can."""

    # Shared by every engine.

    @property
    def keyring(self) -> Keyring:
        """What seals and opens this database's private values, and hashes its account ids."""
        if self._keyring is None:
            raise DatabaseError("the database is not open")
        return self._keyring

    async def _check_key(self) -> None:
        """Close and refuse the database if it was sealed with another key than this one."""
        if await self.schema_version() < 1:
            return
        row = await self.fetch_one("SELECT value FROM meta WHERE key = 'key_fingerprint'")
        if row is not None and row[0] != self.keyring.fingerprint:
            await self.close()
            raise DatabaseError(
                f"{self.name} was sealed with another secret key: contact lines and accounts in it cannot be read "
                "with this one. Set secret_key (SOLIDARITY__SECRET_KEY_FILE) to the key it was made with.")

    async def _record_key(self) -> None:
        """Remember which key seals this database (its fingerprint, which gives nothing of the key away)."""
        if await self.schema_version() >= 1:
            await self.execute("INSERT INTO meta (key, value) VALUES ('key_fingerprint', ?) ON CONFLICT DO NOTHING",
                               (self.keyring.fingerprint,))

    async def _refuse_newer(self) -> None:
        """Close and refuse a database written by a newer release (its schema is past what this one knows)."""
        version, newest = await self.schema_version(), latest_version(self.dialect)
        if version > newest:
            await self.close()
            raise DatabaseError(
                f"{self.name} has schema version {version}, but this version of solidarity-bot knows only up to "
                f"{newest}: it was written by a newer release. Upgrade solidarity-bot, or use another database "
                "(--db).")

    async def close(self) -> None:
        """Close (idempotent), after the grouped inserts already asked for."""
        while self._writers or self._lookers:
            await asyncio.gather(*self._writers.values(), *self._lookers, return_exceptions=True)
        await self._disconnect()

    async def __aenter__(self) -> Database:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def fetch_one(self, sql: str, args: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        """The first row of one query, or None."""
        rows = await self.fetch_all(sql, args)
        return rows[0] if rows else None

    async def fetch_keyed(self, sql: str, key: tuple) -> Row | None:
        """The row for `key`, looked up in one query together with every caller asking `sql` at this moment.

        `sql` selects the key's columns last in each row and has `{keys}` where a list of keys goes, as in
        `… FROM (VALUES {keys}) AS k CROSS JOIN t ON t.a = k.column1 AND t.b = k.column2` (a join both engines
        answer with one index search per key; SQLite answered a row-value `(a, b) IN (VALUES …)` by scanning
        `t`). Many requests arriving at once (each needs its member) then cost one round trip instead of one
        each; a lone request waits one turn of the event loop.
        """
        loop = asyncio.get_running_loop()
        waiting = self._lookups.get(sql)
        if waiting is None:
            waiting = self._lookups[sql] = {}
            task = loop.create_task(self._look_up(sql, len(key)))
            self._lookers.add(task)
            task.add_done_callback(self._lookers.discard)
        found: asyncio.Future[Row | None] = loop.create_future()
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
        """A plain INSERT as one multi-row statement for the group (atomic on its own, and one round trip); any
        other statement once per row in one transaction. If that fails, each row on its
        own, so a bad row fails only its own caller."""
        try:
            if row:  # new rows only: nothing reads them and then writes in a transaction, so no need to queue
                await self.execute(f"{head} VALUES {', '.join([row] * len(group))}",
                                   [value for args, _ in group for value in args], serialised=False)
            else:
                async with self.transaction() as conn:
                    await conn.executemany(sql, [args for args, _ in group])
        except Exception:
            for args, done in group:
                try:
                    await self.execute(sql, args, serialised=not row)
                except Exception as exc:
                    _answer([done], error=exc)
                else:
                    _answer([done])
        else:
            _answer([done for _, done in group])


def _answer(futures: list[asyncio.Future[Any]], result: Any = None, *, error: BaseException | None = None) -> None:
    """Give each waiting caller its result (or the error), except callers that stopped waiting."""
    for future in futures:
        if not future.done():
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)
