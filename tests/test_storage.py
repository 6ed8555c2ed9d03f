"""The database: migrations from every earlier version, refusal of a newer one, pragmas, repositories."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from storage import Database, Repositories
from storage.database import DatabaseError, latest_version, migrations
from storage.members import Region


def schema_of(path) -> set[tuple]:
    conn = sqlite3.connect(path)
    try:
        return set(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
    finally:
        conn.close()


async def test_empty_database_is_migrated_to_the_latest_version(db_path):
    async with Database(db_path) as db:
        assert await db.schema_version() == latest_version()
        async with db.transaction() as conn:
            async with conn.execute("PRAGMA foreign_keys") as cur:
                assert (await cur.fetchone())[0] == 1
            async with conn.execute("PRAGMA journal_mode") as cur:
                assert (await cur.fetchone())[0] == "wal"


@pytest.mark.parametrize("start", range(0, latest_version() + 1))
async def test_every_earlier_version_upgrades_to_the_same_schema(tmp_path, start):
    fresh, old = tmp_path / "fresh.db", tmp_path / "old.db"
    async with Database(fresh):
        pass
    db = Database(old)
    await db.open(up_to=start)
    assert await db.schema_version() == start
    await db.close()
    async with Database(old) as db:
        assert await db.schema_version() == latest_version()
    assert schema_of(old) == schema_of(fresh)


async def test_migrations_are_numbered_without_gaps():
    assert [m.version for m in migrations()] == list(range(1, latest_version() + 1))


async def test_database_from_a_newer_version_is_refused_with_a_clear_message(db_path):
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {latest_version() + 1}")
    conn.close()
    with pytest.raises(DatabaseError, match="newer release"):
        await Database(db_path).open()


async def test_member_profile_round_trip(db_path):
    async with Database(db_path) as db:
        repos = Repositories.over(db)
        member = await repos.members.create("telegram", "42", now=100)
        await repos.members.set_field(member.id, "display_name", "Ada", now=101)
        await repos.members.set_themes(member.id, ["data", "detention"], now=102)
        await repos.members.set_regions(member.id, [Region("oceania", False), Region("Lyon", True)], now=103)
        await repos.members.set_languages(member.id, ["fr", "en"], now=104)
        loaded = await repos.members.by_identity("telegram", "42")
        assert loaded.display_name == "Ada"
        assert loaded.themes == ("data", "detention")
        assert loaded.regions == (Region("oceania", False), Region("Lyon", True))
        assert loaded.languages == ("fr", "en")
        assert loaded.updated_at == 104
        with pytest.raises(ValueError):
            await repos.members.set_field(member.id, "role", "organiser", now=105)


async def test_search_treats_wildcards_literally(db_path):
    async with Database(db_path) as db:
        repos = Repositories.over(db)
        for i, name in enumerate(["100% Ana", "Bob_1", "Carla"]):
            m = await repos.members.create("console", f"p{i}", now=1)
            await repos.members.set_field(m.id, "display_name", name, now=1)
        assert [m.display_name for m in await repos.members.search("%")] == ["100% Ana"]
        assert [m.display_name for m in await repos.members.search("_")] == ["Bob_1"]


async def test_failed_transaction_leaves_nothing_behind(db_path):
    async with Database(db_path) as db:
        repos = Repositories.over(db)
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO members (consented_at, created_at, updated_at) VALUES (1, 1, 1)")
                raise RuntimeError("boom")
        assert await repos.members.count() == 0


async def test_invite_codes_are_stored_only_as_hashes(db_path):
    async with Database(db_path) as db:
        repos = Repositories.over(db)
        member = await repos.members.create("console", "a", now=1)
        code, _ = await repos.invites.create(member.id, uses=1, expires_at=1000, now=1)
        async with db.transaction() as conn:
            async with conn.execute("SELECT * FROM invites") as cur:
                assert code not in repr([tuple(r) for r in await cur.fetchall()])
        assert await repos.invites.find_valid(code.lower(), now=2) is not None
        assert await repos.invites.find_valid(code, now=1000) is None


async def test_expired_buttons_are_purged(db_path):
    async with Database(db_path) as db:
        repos = Repositories.over(db)
        token = await repos.buttons.issue("console:a", "x", {}, single_use=False, expires_at=50)
        assert await repos.buttons.resolve(token, now=49) is not None
        assert await repos.buttons.resolve(token, now=50) is None
        assert await repos.buttons.purge_expired(now=50) == 1


async def test_a_lone_write_during_another_transaction_is_not_swept_into_its_rollback(db_path):
    async with Database(db_path) as db:
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
    async with Database(db_path) as db:
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
    async with Database(db_path) as db:
        await db.execute(sql, ("taken", "0"))
        results = await asyncio.gather(
            *(db.insert_grouped(sql, (f"k{i}", str(i))) for i in range(200)),
            db.insert_grouped(sql, ("taken", "again")),  # violates the primary key
            return_exceptions=True,
        )
        failures = [r for r in results if isinstance(r, Exception)]
        assert len(failures) == 1 and isinstance(failures[0], sqlite3.IntegrityError)
        assert results.index(failures[0]) == 200
        row = await db.fetch_one("SELECT count(*) FROM meta WHERE key LIKE 'k%'")
        assert row[0] == 200
        assert (await db.fetch_one("SELECT value FROM meta WHERE key = 'taken'"))[0] == "0"


async def test_closing_waits_for_grouped_inserts_already_asked_for(db_path):
    db = Database(db_path)
    await db.open()
    writes = [asyncio.create_task(db.insert_grouped("INSERT INTO meta (key, value) VALUES (?, '1')", (f"c{i}",)))
              for i in range(50)]
    await asyncio.sleep(0)
    await db.close()
    await asyncio.gather(*writes)
    async with Database(db_path) as again:
        assert (await again.fetch_one("SELECT count(*) FROM meta WHERE key LIKE 'c%'"))[0] == 50


async def test_discord_dm_channel_is_kept_per_account(db_path):
    async with Database(db_path) as db:
        repos = Repositories.over(db)
        member = await repos.members.create("discord", "42", now=1)
        assert (await repos.members.identity("discord", "42")).dm_channel is None
        await repos.members.set_dm_channel("discord", "42", 1234567890123456789)
        assert (await repos.members.identities(member.id))[0].dm_channel == "1234567890123456789"
        assert (await repos.members.identity("discord", "42")).dm_channel == "1234567890123456789"
        assert await repos.members.dm_channel("discord", "42") == "1234567890123456789"
        await repos.members.set_dm_channel("discord", "42", None)
        assert (await repos.members.identity("discord", "42")).dm_channel is None
        assert await repos.members.identity("discord", "43") is None


async def test_joining_accounts_moves_them_and_erases_the_other_member_in_one_go(db_path):
    async with Database(db_path) as db:
        repos = Repositories.over(db)
        kept = await repos.members.create("telegram", "1", now=1)
        other = await repos.members.create("discord", "2", now=1)
        await repos.members.set_field(other.id, "display_name", "Gone-Name", now=1)
        code, record = await repos.links.create(kept.id, "telegram", now=10)
        rows = repr([tuple(r) for r in await db.fetch_all("SELECT * FROM link_codes")])
        assert code not in rows and record.code_hash in rows
        assert (await repos.links.find(code.lower())).state(now=11) == "valid"
        result = await repos.links.join(record.code_hash, kept_member_id=kept.id, platform="discord",
                                        external_id="2", replaced_member_id=other.id, forget_audiences=[], now=20)
        assert result == "linked"
        assert sorted((await repos.members.get(kept.id)).accounts) == ["discord:2", "telegram:1"]
        assert await repos.members.get(other.id) is None
        assert (await repos.links.find(code)).state(now=21) == "used"
        again = await repos.links.join(record.code_hash, kept_member_id=kept.id, platform="discord",
                                       external_id="3", replaced_member_id=None, forget_audiences=[], now=22)
        assert again == "code" and await repos.members.by_identity("discord", "3") is None
        entry = (await repos.audit.recent(1))[0]
        assert (entry.action, entry.actor_id) == ("member.link", kept.id)
        assert entry.detail == f"platforms=discord replaced={other.id}"


async def test_a_member_has_at_most_one_account_per_platform(db_path):
    async with Database(db_path) as db:
        repos = Repositories.over(db)
        kept = await repos.members.create("telegram", "1", now=1)
        _code, record = await repos.links.create(kept.id, "discord", now=10)  # issued on discord, entered on telegram
        result = await repos.links.join(record.code_hash, kept_member_id=kept.id, platform="telegram",
                                        external_id="9", replaced_member_id=None, forget_audiences=[], now=11)
        assert result == "platform"
        with pytest.raises(sqlite3.IntegrityError):
            await db.execute("INSERT INTO identities (platform, external_id, member_id, linked_at) "
                             "VALUES ('telegram', '9', ?, 1)", (kept.id,))
        assert await repos.links.unlink(kept.id, "telegram", forget_audiences=[], now=12) == "last"
        assert await repos.links.unlink(kept.id, "discord", forget_audiences=[], now=12) == "missing"
        assert (await repos.members.get(kept.id)).accounts == ("telegram:1",)


async def test_link_codes_expire_and_wrong_attempts_are_forgotten_after_an_hour(db_path):
    async with Database(db_path) as db:
        repos = Repositories.over(db)
        member = await repos.members.create("telegram", "1", now=1)
        code, record = await repos.links.create(member.id, "telegram", now=100)
        assert record.state(now=100 + 599) == "valid" and record.state(now=100 + 600) == "expired"
        assert await repos.links.record_wrong("discord:5", now=100) == 1
        assert await repos.links.record_wrong("discord:5", now=200) == 2
        assert await repos.links.wrong_attempts("discord:5", now=100 + 3600) == [200]
        await repos.links.purge(now=100 + 600 + 24 * 3600)
        assert await repos.links.find(code) is None
        assert await repos.links.wrong_attempts("discord:5", now=200 + 3600) == []
        assert (await db.fetch_one("SELECT count(*) FROM link_attempts"))[0] == 0


async def test_members_looked_up_at_the_same_moment_each_get_their_own_row(db_path):
    """Accounts asked for at once are answered by one shared query: each caller still gets exactly its own member
    (or None for a stranger), a caller asking twice gets it twice, and one caller giving up changes nothing."""
    async with Database(db_path) as db:
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
    async with Database(db_path) as db:
        broken = "SELECT key, value FROM no_such_table WHERE key IN (VALUES {keys})"
        results = await asyncio.gather(*(db.fetch_keyed(broken, (f"k{i}",)) for i in range(3)),
                                       return_exceptions=True)
        assert all(isinstance(r, sqlite3.OperationalError) for r in results)
        await db.execute("INSERT INTO meta (key, value) VALUES ('k1', 'one')")
        ok = "SELECT value, key FROM meta WHERE key IN (VALUES {keys})"
        first, second = await asyncio.gather(db.fetch_keyed(ok, ("k1",)), db.fetch_keyed(ok, ("k2",)))
        assert first["value"] == "one" and second is None


async def test_a_grouped_insert_whose_caller_gives_up_is_still_written_with_its_group(db_path):
    async with Database(db_path) as db:
        sql = "INSERT INTO meta (key, value) VALUES (?, ?)"
        writes = [asyncio.create_task(db.insert_grouped(sql, (f"g{i}", "1"))) for i in range(5)]
        await asyncio.sleep(0)
        writes[2].cancel()
        results = await asyncio.gather(*writes, return_exceptions=True)
        assert isinstance(results[2], asyncio.CancelledError) and results.count(None) == 4
        assert (await db.fetch_one("SELECT count(*) FROM meta WHERE key LIKE 'g%'"))[0] == 5


async def test_button_set_tokens_are_unguessable_short_and_sort_by_when_they_were_made(db_path):
    from storage.buttons import new_set_token

    tokens = {new_set_token(1_800_000_000) for _ in range(1000)}
    assert len(tokens) == 1000  # random part: no two alike
    assert all(len(f"{t}.99") <= 64 and t.isascii() and "." not in t for t in tokens)
    assert max(tokens) < new_set_token(1_800_000_001) and min(tokens) > new_set_token(1_799_999_999)
    async with Database(db_path) as db:
        repos = Repositories.over(db)
        token = await repos.buttons.issue("member:1", "profile.edit", {"field": "name"}, single_use=False,
                                          expires_at=2_000_000_000)
        found = await repos.buttons.resolve(token, 1_900_000_000)
        assert found is not None and found.payload == {"field": "name"}
