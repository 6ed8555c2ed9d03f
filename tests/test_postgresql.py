"""The PostgreSQL engine itself, on a real server (tests/postgres.py): its migrations and their record, the same
schema as SQLite's, refusal of a newer database, writes that run one at a time across connections, and the
`--db postgresql://…` URL through the command line. What every engine's repositories must do is in
tests/storage/."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bot.cli import main
from storage import SqliteDatabase, connect
from storage.database import DatabaseError, latest_version, migrations
from storage.postgresql import PostgresDatabase
from tests.postgres import SECRET_KEY, create_database, drop_database


@pytest.fixture
def empty_url():
    """A new, empty database on the tests' server."""
    url = create_database(migrated=False)
    yield url
    drop_database(url)


async def test_an_empty_database_is_migrated_to_the_version_sqlite_reaches(empty_url):
    db = connect(empty_url, secret_key=SECRET_KEY)
    assert isinstance(db, PostgresDatabase)
    await db.open()
    try:
        assert await db.schema_version() == latest_version("postgresql") == latest_version("sqlite")
        recorded = await db.fetch_all("SELECT version, name FROM schema_migrations ORDER BY version")
        assert [(row[0], row[1]) for row in recorded] == [(m.version, m.name) for m in migrations("postgresql")]
        fingerprint = await db.fetch_one("SELECT value FROM meta WHERE key = 'key_fingerprint'")
        assert fingerprint is not None and fingerprint[0] == db.keyring.fingerprint
    finally:
        await db.close()


async def test_the_schema_has_the_same_tables_columns_and_indexes_as_sqlites(empty_url, tmp_path):
    async with SqliteDatabase(tmp_path / "same.db") as lite:
        tables = [row[0] for row in await lite.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        lite_columns = {(table, row[1]) for table in tables
                        for row in await lite.fetch_all(f"PRAGMA table_info({table})")}
        lite_indexes = {row[0] for row in await lite.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'")}
    async with PostgresDatabase(empty_url, secret_key=SECRET_KEY) as pg:
        pg_columns = {(row[0], row[1]) for row in await pg.fetch_all(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND table_name != 'schema_migrations'")}
        pg_indexes = {row[0] for row in await pg.fetch_all(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey' "
            "AND indexname NOT LIKE '%_key'")}
    # Full-text search is each engine's own: SQLite's FTS5 table (and the tables FTS5 keeps beside it), PostgreSQL's
    # tsvector column under a GIN index. Everything else is the same.
    lite_search = {(table, column) for table, column in lite_columns if table.startswith("practice_search")}
    assert pg_columns - {("practices", "search")} == lite_columns - lite_search
    assert {table for table, _column in lite_search} == {"practice_search", "practice_search_config",
                                                          "practice_search_content", "practice_search_data",
                                                          "practice_search_docsize", "practice_search_idx"}
    assert pg_indexes - {"practices_search"} == lite_indexes


async def test_two_processes_starting_together_migrate_once(empty_url):
    first, second = (PostgresDatabase(empty_url, secret_key=SECRET_KEY),
                     PostgresDatabase(empty_url, secret_key=SECRET_KEY))
    await asyncio.gather(first.open(), second.open())
    try:
        rows = await first.fetch_all("SELECT version FROM schema_migrations")
        assert [row[0] for row in rows] == [m.version for m in migrations("postgresql")]
        assert len(await first.fetch_all("SELECT value FROM meta WHERE key = 'key_fingerprint'")) == 1
    finally:
        await first.close()
        await second.close()


async def test_a_database_from_a_newer_version_is_refused_with_a_clear_message(empty_url):
    async with PostgresDatabase(empty_url, secret_key=SECRET_KEY) as db:
        await db.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future.sql', 0)",
                         (latest_version("postgresql") + 1,))
    with pytest.raises(DatabaseError, match="newer release"):
        await PostgresDatabase(empty_url, secret_key=SECRET_KEY).open()


async def test_a_server_that_cannot_be_reached_is_one_clear_error_without_the_password():
    db = PostgresDatabase("postgresql://bot:s3cret-word@127.0.0.1:1/solidarity", secret_key=SECRET_KEY)
    with pytest.raises(DatabaseError) as raised:
        await db.open()
    assert "cannot connect to postgresql://bot@127.0.0.1:1/solidarity" in str(raised.value)
    assert "s3cret-word" not in str(raised.value)


async def test_write_transactions_run_one_at_a_time_across_connections(empty_url):
    """Two processes (two pools) each read a counter and write it back plus one, 20 times at once: with writes
    one at a time, none is lost."""
    first, second = (PostgresDatabase(empty_url, secret_key=SECRET_KEY),
                     PostgresDatabase(empty_url, secret_key=SECRET_KEY))
    await first.open()
    await second.open()
    try:
        await first.execute("INSERT INTO meta (key, value) VALUES ('counter', '0')")

        async def bump(db: PostgresDatabase) -> None:
            async with db.transaction() as conn:
                async with conn.execute("SELECT value FROM meta WHERE key = 'counter'") as cursor:
                    value = int((await cursor.fetchone())[0])
                await asyncio.sleep(0.001)
                await conn.execute("UPDATE meta SET value = ? WHERE key = 'counter'", (str(value + 1),))

        await asyncio.gather(*(bump(db) for _ in range(20) for db in (first, second)))
        assert (await first.fetch_one("SELECT value FROM meta WHERE key = 'counter'"))[0] == "40"
    finally:
        await first.close()
        await second.close()


async def test_a_failed_transaction_leaves_nothing_and_a_lone_write_is_kept(empty_url):
    async with PostgresDatabase(empty_url, secret_key=SECRET_KEY) as db:
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO meta (key, value) VALUES ('rolled-back', '1')")
                raise RuntimeError("boom")
        assert await db.execute("INSERT INTO meta (key, value) VALUES ('kept', '50%')") == 1
        keys = {row["key"]: row["value"] for row in await db.fetch_all("SELECT key, value FROM meta")}
        assert keys.get("kept") == "50%" and "rolled-back" not in keys


def test_migrate_on_the_command_line_takes_a_postgresql_url(empty_url, capsys, monkeypatch):
    assert main(["migrate", "--db", empty_url]) == 2  # a PostgreSQL database is never opened without its key
    assert "needs a secret key" in capsys.readouterr().err
    monkeypatch.setenv("SOLIDARITY__SECRET_KEY", SECRET_KEY)
    assert main(["migrate", "--db", empty_url]) == 0
    out = capsys.readouterr().out
    assert f"from version 0 to {latest_version('postgresql')}" in out
    assert main(["migrate", "--db", empty_url]) == 0
    assert f"up to date (version {latest_version('postgresql')}" in capsys.readouterr().out


def test_an_sqlite_url_names_a_file(tmp_path, capsys):
    path = tmp_path / "by-url.db"
    assert main(["migrate", "--db", f"sqlite:///{path}"]) == 0
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == latest_version("sqlite")
