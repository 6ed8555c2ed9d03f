"""The SQLite database itself: migrations from every earlier version, refusal of a newer one, pragmas, its
connections and transactions. What every engine's repositories must do is in tests/storage/."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from storage import Repositories, SqliteDatabase
from storage.database import DatabaseError, latest_version, migrations


def schema_of(path) -> set[tuple]:
    conn = sqlite3.connect(path)
    try:
        return set(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
    finally:
        conn.close()


async def test_empty_database_is_migrated_to_the_latest_version(db_path):
    async with SqliteDatabase(db_path) as db:
        assert await db.schema_version() == latest_version()
        async with db.transaction() as conn:
            async with conn.execute("PRAGMA foreign_keys") as cur:
                assert (await cur.fetchone())[0] == 1
            async with conn.execute("PRAGMA journal_mode") as cur:
                assert (await cur.fetchone())[0] == "wal"


@pytest.mark.parametrize("start", range(0, latest_version() + 1))
async def test_every_earlier_version_upgrades_to_the_same_schema(tmp_path, start):
    fresh, old = tmp_path / "fresh.db", tmp_path / "old.db"
    async with SqliteDatabase(fresh):
        pass
    db = SqliteDatabase(old)
    await db.open(up_to=start)
    assert await db.schema_version() == start
    await db.close()
    async with SqliteDatabase(old) as db:
        assert await db.schema_version() == latest_version()
    assert schema_of(old) == schema_of(fresh)


async def test_migrations_are_numbered_without_gaps():
    assert [m.version for m in migrations()] == list(range(1, latest_version() + 1))


async def test_database_from_a_newer_version_is_refused_with_a_clear_message(db_path):
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {latest_version() + 1}")
    conn.close()
    with pytest.raises(DatabaseError, match="newer release"):
        await SqliteDatabase(db_path).open()


async def test_a_lone_write_during_another_transaction_is_not_swept_into_its_rollback(db_path):
    async with SqliteDatabase(db_path) as db:
        inside = asyncio.Event()

        async def failing_transaction() -> None:
            with pytest.raises(RuntimeError):
                async with db.transaction() as conn:
                    await conn.execute("INSERT INTO meta (key, value) VALUES ('rolled-back', '1')")
                    inside.set()
                    await asyncio.sleep(0.05)
                    raise RuntimeError("boom")

        task = asyncio.create_task(failing_transaction())
        await inside.wait()
        await db.execute("INSERT INTO meta (key, value) VALUES ('kept', '2')")
        await task
        keys = {row[0] for row in await db.fetch_all("SELECT key FROM meta")}
        assert "kept" in keys and "rolled-back" not in keys


async def test_a_read_during_an_open_transaction_sees_only_committed_rows_and_does_not_wait(db_path):
    async with SqliteDatabase(db_path) as db:
        inside, release = asyncio.Event(), asyncio.Event()

        async def slow_transaction() -> None:
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO meta (key, value) VALUES ('pending', '1')")
                inside.set()
                await release.wait()

        task = asyncio.create_task(slow_transaction())
        await inside.wait()
        # The read answers while the transaction is still open, and without its uncommitted row.
        rows = await asyncio.wait_for(db.fetch_all("SELECT key FROM meta WHERE key = 'pending'"), timeout=5)
        assert rows == []
        release.set()
        await task
        assert await db.fetch_one("SELECT key FROM meta WHERE key = 'pending'") is not None


async def test_grouped_inserts_all_land_and_a_bad_row_fails_only_its_own_caller(db_path):
    sql = "INSERT INTO meta (key, value) VALUES (?, ?)"
    async with SqliteDatabase(db_path) as db:
        await db.execute(sql, ("taken", "0"))
        results = await asyncio.gather(
            *(db.insert_grouped(sql, (f"grouped{i}", str(i))) for i in range(200)),
            db.insert_grouped(sql, ("taken", "again")),  # violates the primary key
            return_exceptions=True,
        )
        failures = [r for r in results if isinstance(r, Exception)]
        assert len(failures) == 1 and isinstance(failures[0], sqlite3.IntegrityError)
        assert results.index(failures[0]) == 200
        row = await db.fetch_one("SELECT count(*) FROM meta WHERE key LIKE 'grouped%'")
        assert row[0] == 200
        assert (await db.fetch_one("SELECT value FROM meta WHERE key = 'taken'"))[0] == "0"


async def test_closing_waits_for_grouped_inserts_already_asked_for(db_path):
    db = SqliteDatabase(db_path)
    await db.open()
    writes = [asyncio.create_task(db.insert_grouped("INSERT INTO meta (key, value) VALUES (?, '1')", (f"c{i}",)))
              for i in range(50)]
    await asyncio.sleep(0)
    await db.close()
    await asyncio.gather(*writes)
    async with SqliteDatabase(db_path) as again:
        assert (await again.fetch_one("SELECT count(*) FROM meta WHERE key LIKE 'c%'"))[0] == 50


async def test_the_schema_refuses_a_second_account_of_one_member_on_one_platform(db_path):
    """Linking checks this first (see tests/storage/test_links.py); the schema holds it even for a write that
    would not."""
    async with SqliteDatabase(db_path) as db:
        kept = await Repositories.over(db).members.create("telegram", "1", now=1)
        with pytest.raises(sqlite3.IntegrityError):
            await db.execute("INSERT INTO identities (account, platform, address, member_id, linked_at) "
                             "VALUES ('another', 'telegram', '9', ?, 1)", (kept.id,))


async def test_members_looked_up_at_the_same_moment_each_get_their_own_row(db_path):
    """Accounts asked for at once are answered by one shared query: each caller still gets exactly its own member
    (or None for a stranger), a caller asking twice gets it twice, and one caller giving up changes nothing."""
    async with SqliteDatabase(db_path) as db:
        repos = Repositories.over(db)
        ids = {}
        for n in range(1, 601):  # more than one query's worth of keys
            platform = "telegram" if n % 2 else "discord"
            ids[(platform, str(n))] = (await repos.members.create(platform, str(n), now=1)).id
        await repos.members.set_field(ids[("telegram", "7")], "display_name", "Sev<en>", 2)
        asked = [*ids, ("telegram", "7"), ("discord", "7"), ("telegram", "999999"), ("whatsapp", "1")]
        impatient = asyncio.create_task(repos.members.by_identity("telegram", "9"))
        answers = asyncio.gather(*(repos.members.by_identity(*key) for key in asked))
        await asyncio.sleep(0)
        impatient.cancel()
        found = await answers
        for key, member in zip(asked, found):
            if key in ids:
                assert member is not None and member.id == ids[key] and f"{key[0]}:{key[1]}" in member.accounts
            else:
                assert member is None, key
        assert found[asked.index(("telegram", "7"))].display_name == "Sev<en>"
        assert found[-4] == found[asked.index(("telegram", "7"))]
        assert (await repos.members.by_identity("telegram", "9")).id == ids[("telegram", "9")]


async def test_a_failing_shared_lookup_fails_each_of_its_callers_and_the_next_one_works(db_path):
    async with SqliteDatabase(db_path) as db:
        broken = "SELECT key, value FROM no_such_table WHERE key IN (VALUES {keys})"
        results = await asyncio.gather(*(db.fetch_keyed(broken, (f"k{i}",)) for i in range(3)),
                                       return_exceptions=True)
        assert all(isinstance(r, sqlite3.OperationalError) for r in results)
        await db.execute("INSERT INTO meta (key, value) VALUES ('k1', 'one')")
        ok = "SELECT value, key FROM meta WHERE key IN (VALUES {keys})"
        first, second = await asyncio.gather(db.fetch_keyed(ok, ("k1",)), db.fetch_keyed(ok, ("k2",)))
        assert first["value"] == "one" and second is None


async def test_a_grouped_insert_whose_caller_gives_up_is_still_written_with_its_group(db_path):
    async with SqliteDatabase(db_path) as db:
        sql = "INSERT INTO meta (key, value) VALUES (?, ?)"
        writes = [asyncio.create_task(db.insert_grouped(sql, (f"g{i}", "1"))) for i in range(5)]
        await asyncio.sleep(0)
        writes[2].cancel()
        results = await asyncio.gather(*writes, return_exceptions=True)
        assert isinstance(results[2], asyncio.CancelledError) and results.count(None) == 4
        assert (await db.fetch_one("SELECT count(*) FROM meta WHERE key LIKE 'g%'"))[0] == 5