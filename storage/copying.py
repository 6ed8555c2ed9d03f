"""`solidarity-bot copy-db FROM TO`: a whole network moved from one database to another (SQLite to PostgreSQL, or
back), verified by counting.

- Both databases are opened and migrated to this program's version; the source is read in one consistent
  snapshot, so a bot still running on it cannot tear the copy (stopping it first is still wise: what it writes
  after the snapshot is not copied).
- Both are opened with the same secret key (storage/sealing.py): sealed values and keyed hashes are copied as
  they are, so they must open and match on the target. The target must be empty: no row in any table but the key
  fingerprint a new database records.
- Tables are copied parents first (by their foreign keys), a batch of rows at a time, all in one transaction on
  the target: a copy that fails leaves the target as empty as it was.
- Rows that triggers make (`member_theme_regions`, from members' themes and regions) are made again by the
  target's own triggers rather than copied, and counted like the rest.
- Each table's id counter goes along, so a number given out before (to a member since erased, say) is not given
  to someone else on the new engine either.
- Full-text search is each engine's own (SQLite's FTS5 tables, PostgreSQL's `search` column): it is not copied
  but built again on the target from the rows copied (`PracticeRepository.reindex_in`).
- Before committing, every table's row count on the target is checked against the source's.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from storage.database import Connection, Database, DatabaseError, dialect_of
from storage.practices import PracticeRepository

BATCH = 1000
# Filled by the target's triggers from the rows copied before it.
DERIVED = frozenset({"member_theme_regions"})
# Each engine's full-text index, built again on the target (SQLite's FTS5 table and the tables it keeps beside it;
# PostgreSQL's tsvector column).
SEARCH_TABLE = "practice_search"
SEARCH_COLUMNS = {"practices": {"search"}}

_TABLES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    "postgresql": "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                  "AND table_type = 'BASE TABLE' AND table_name != 'schema_migrations' ORDER BY table_name",
}
_PARENTS = {  # (table, the table one of its foreign keys points at)
    "postgresql": "SELECT tc.table_name, ccu.table_name FROM information_schema.table_constraints tc "
                  "JOIN information_schema.constraint_column_usage ccu "
                  "ON ccu.constraint_schema = tc.constraint_schema AND ccu.constraint_name = tc.constraint_name "
                  "WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()",
}
# The tables whose `id` the engine gives out, and the highest it has given (what AUTOINCREMENT or an identity's
# sequence remembers, which may be above the highest id still in the table).
_COUNTERS = {
    "sqlite": "SELECT name, seq FROM sqlite_sequence",
    "postgresql": "SELECT c.table_name, coalesce(pg_sequence_last_value(pg_get_serial_sequence(c.table_name, "
                  "'id')::regclass), 0) FROM information_schema.columns c WHERE c.table_schema = current_schema() "
                  "AND c.column_name = 'id' AND c.is_identity = 'YES'",
}


@dataclass(frozen=True)
class Copied:
    """What was copied: rows per table, and how long it took."""

    rows: dict[str, int]
    seconds: float


class NotEmpty(DatabaseError):
    """The target already holds data."""


async def tables_in_order(db: Database) -> list[str]:
    """Every table of the schema, each after the tables its foreign keys point at."""
    names = [row[0] for row in await db.fetch_all(_TABLES[db.dialect]) if not row[0].startswith(SEARCH_TABLE)]
    parents: dict[str, set[str]] = {name: set() for name in names}
    if db.dialect == "sqlite":
        for name in names:
            parents[name] |= {row[2] for row in await db.fetch_all(f"PRAGMA foreign_key_list({name})")}
    else:
        for child, parent in await db.fetch_all(_PARENTS[db.dialect]):
            parents[child].add(parent)
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [name for name in names if name not in ordered and parents[name] - {name} <= set(ordered)]
        if not ready:
            raise DatabaseError("the schema's foreign keys go round in a circle; cannot order the copy")
        ordered += ready
    return ordered


async def counts(db: Database, tables: list[str]) -> dict[str, int]:
    return {table: int((await db.fetch_one(f"SELECT count(*) FROM {table}"))[0]) for table in tables}


async def _count_in(conn: Connection, table: str) -> int:
    async with conn.execute(f"SELECT count(*) FROM {table}") as cursor:
        return int((await cursor.fetchone())[0])


async def _set_counters_in(conn: Connection, counters: dict[str, int]) -> None:
    for table, highest in counters.items():
        if highest <= 0:
            continue
        if dialect_of(conn) == "sqlite":
            cursor = await conn.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", (highest, table))
            if cursor.rowcount == 0:  # no row copied into that table, so SQLite has no counter for it yet
                await conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, highest))
        else:
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), greatest(?, (SELECT coalesce(max(id), 0) "
                f"FROM {table})))", (highest,))


async def copy_database(source: Database, target: Database) -> Copied:
    """Copy every row of `source` into the empty `target` (both open); see the module's description."""
    started = time.monotonic()
    if await source.schema_version() != await target.schema_version():
        raise DatabaseError(f"{source.name} and {target.name} are at different schema versions")
    tables = await tables_in_order(source)
    if set(tables) != set(await tables_in_order(target)):
        raise DatabaseError(f"{source.name} and {target.name} do not have the same tables")
    if source.keyring.fingerprint != target.keyring.fingerprint:
        raise DatabaseError(f"{source.name} and {target.name} are opened with different secret keys: what one seals "
                            "the other could not open")
    held = {table: n for table, n in (await counts(target, tables)).items() if n and table != "meta"}
    settings = (await target.fetch_one("SELECT count(*) FROM meta WHERE key != 'key_fingerprint'"))[0]
    if held or settings:
        what = ", ".join(f"{table}: {n}" for table, n in sorted(held.items())) or "settings in meta"
        raise NotEmpty(f"{target.name} is not empty ({what}); copy-db fills only a new, empty database")

    copied: dict[str, int] = {}
    async with source.snapshot() as reading, target.transaction() as conn:
        await conn.execute("DELETE FROM meta")  # the key's fingerprint, which the source's copy replaces
        for table in tables:
            if table in DERIVED:
                continue
            copied[table] = 0
            async for rows in reading.batches(f"SELECT * FROM {table}", BATCH):
                columns = [c for c in rows[0].keys() if c not in SEARCH_COLUMNS.get(table, ())]
                await conn.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                    [tuple(row[c] for c in columns) for row in rows])
                copied[table] += len(rows)
        source_counts = {table: int((await reading.fetch_one(f"SELECT count(*) FROM {table}"))[0])
                         for table in tables}
        counters = {str(row[0]): int(row[1] or 0)
                    for row in await reading.fetch_all(_COUNTERS[source.dialect])}
        await _set_counters_in(conn, counters)
        await PracticeRepository.reindex_in(conn)
        for table in tables:
            found = await _count_in(conn, table)
            if found != source_counts[table]:
                raise DatabaseError(f"{table}: {source_counts[table]} rows in {source.name} but {found} copied; "
                                    f"nothing was kept in {target.name}")
            copied[table] = found
    return Copied(copied, time.monotonic() - started)


@contextlib.asynccontextmanager
async def opened(where: str, connect: Callable[[str], Database]) -> AsyncIterator[Database]:
    db = connect(where)
    await db.open()
    try:
        yield db
    finally:
        await db.close()
