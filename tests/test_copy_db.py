"""`solidarity-bot copy-db FROM TO`: a network built through the bot on SQLite, moved to PostgreSQL and back,
arrives whole (every row of every table, sealed as it was, the id counters), and a target that is not empty
is refused without a change."""

from __future__ import annotations

import asyncio

import pytest

from storage.practices import Draft, Query

from bot.cli import main
from storage import Repositories, SqliteDatabase, connect
from storage.copying import tables_in_order
from storage.database import key_file
from tests.postgres import SECRET_KEY, create_database, drop_database


async def _code(bot) -> str:
    return (await bot.text("admin", "/invite")).split("Invite code: ")[1].split()[0]


async def _network(bot) -> None:
    """Members with profiles, a commitment, a reminder, a session with a follower, and an erased member."""
    await bot.join("admin", name="Amina")
    await bot.join("bob", code=await _code(bot), name="Bob <b>", contact="Signal: +1 555 0100")
    await bot.join("carla", code=await _code(bot), name="Carla")
    await bot.say("bob", "/commit Run a workshop on detention by 15 March theme:Detention")
    await bot.press("bob", "Skip")  # region
    await bot.press("bob", "The network")
    await bot.press("bob", "Register")
    await bot.say("bob", "/remind every day 9:00 call the lawyer")
    await bot.press("bob", "Set reminder")
    await bot.say("admin", "/newsession Legal clinic start:10 December 2026 18:00 end:19:30 zone:Geneva "
                           "venue:Community hall themes:Detention")
    await bot.press("admin", "Create")
    await bot.say("carla", "/subscribe 1")
    await bot.say("carla", "/profile")  # a set of buttons waiting
    bob = await bot.repos.members.by_identity("console", "bob")
    practice = await bot.repos.practices.create(bob.id, Draft("Myth-busting cards", "Cards against rumours",
                                                              themes=("Detention",)), now=1_800_000_000)
    await bot.repos.practices.review(practice, "approved", bob.id, None, 1_800_000_000)
    await bot.join("dora", code=await _code(bot), name="Dora")
    await bot.say("dora", "/forget")
    await bot.press("dora", "Yes, erase")  # the highest member number is now free, but must never be given again


def _rows(path, tables) -> dict[str, list[tuple]]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return {table: sorted(map(tuple, conn.execute(f"SELECT * FROM {table}")), key=repr) for table in tables}
    finally:
        conn.close()


async def _tables(where) -> list[str]:
    db = connect(where)
    await db.open()
    try:
        return await tables_in_order(db)
    finally:
        await db.close()


@pytest.fixture
def postgres_url():
    url = create_database(migrated=False)
    yield url
    drop_database(url)


async def test_a_network_moves_to_postgresql_and_back_whole(bot, db_path, tmp_path, postgres_url, capsys,
                                                            monkeypatch):
    await _network(bot)
    highest = (await bot.repos.db.fetch_one("SELECT seq FROM sqlite_sequence WHERE name = 'members'"))[0]
    assert (await bot.repos.db.fetch_one("SELECT max(id) FROM members"))[0] < highest  # dora's number is gone

    assert await asyncio.to_thread(main, ["copy-db", str(db_path), postgres_url]) == 0
    out = capsys.readouterr().out
    assert "every table's count matches" in out and "Signal" not in out and "Bob" not in out

    # FROM's key file sealed the PostgreSQL copy too: it is the key that opens it, from now on given by the settings.
    key = key_file(db_path).read_text().strip()
    back = tmp_path / "back.db"
    assert await asyncio.to_thread(main, ["copy-db", postgres_url, str(back)]) == 2
    assert "needs a secret key" in capsys.readouterr().err
    monkeypatch.setenv("SOLIDARITY__SECRET_KEY_FILE", str(key_file(db_path)))
    assert await asyncio.to_thread(main, ["copy-db", postgres_url, str(back)]) == 0
    tables = await _tables(db_path)
    original, returned = _rows(db_path, tables), _rows(back, tables)
    assert original == returned
    assert sum(len(rows) for rows in original.values()) > 40
    assert [table for table in ("members", "commitments", "reminders", "sessions", "session_subscriptions", "buttons",
                                "member_theme_regions", "schedule", "meta") if not original[table]] == []

    # On PostgreSQL: the same people, contact lines that open with the same key, and the next member number after
    # dora's.
    pg = connect(postgres_url, secret_key=key)
    await pg.open()
    try:
        repos = Repositories.over(pg)
        bob = await repos.members.by_identity("console", "bob")
        assert bob is not None and bob.display_name == "Bob <b>" and bob.contact == "Signal: +1 555 0100"
        newcomer = await repos.members.create("console", "erin", now=1_800_000_000)
        assert newcomer.id == highest + 1
        assert [f.practice.title for f in (await repos.practices.find(Query(words="rumours"), limit=5))[0]] == [
            "Myth-busting cards"]  # the search index was built on PostgreSQL's side
    finally:
        await pg.close()
    async with SqliteDatabase(back, secret_key=key) as db:
        newcomer = await Repositories.over(db).members.create("console", "erin", now=1_800_000_000)
        assert newcomer.id == highest + 1
        found, _total = await Repositories.over(db).practices.find(Query(words="cards"), limit=5)
        assert [f.practice.title for f in found] == ["Myth-busting cards"]  # and again on SQLite's


async def test_a_target_that_is_not_empty_is_refused_and_left_as_it_was(bot, db_path, postgres_url, capsys):
    await _network(bot)
    assert await asyncio.to_thread(main, ["copy-db", str(db_path), postgres_url]) == 0
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["copy-db", str(db_path), postgres_url]) == 2
    err = capsys.readouterr().err
    assert "is not empty (" in err and "members: 3" in err
    pg = connect(postgres_url, secret_key=key_file(db_path).read_text().strip())
    await pg.open()
    try:
        assert (await pg.fetch_one("SELECT count(*) FROM members"))[0] == 3
    finally:
        await pg.close()


def test_copying_a_database_onto_itself_is_refused(db_path, capsys):
    assert main(["copy-db", str(db_path), str(db_path)]) == 2
    assert "the same database" in capsys.readouterr().err


async def test_a_copy_to_a_new_sqlite_file_takes_its_key_along(bot, db_path, tmp_path, capsys):
    await _network(bot)
    copy = tmp_path / "copy.db"
    assert await asyncio.to_thread(main, ["copy-db", str(db_path), str(copy)]) == 0
    assert key_file(copy).read_text() == key_file(db_path).read_text()
    assert key_file(copy).stat().st_mode & 0o777 == 0o600
    async with SqliteDatabase(copy) as db:  # opened with the key file beside it, as any SQLite database
        bob = await Repositories.over(db).members.by_identity("console", "bob")
        assert bob is not None and bob.contact == "Signal: +1 555 0100"


async def test_a_copy_with_a_key_that_does_not_open_the_source_is_refused(bot, db_path, postgres_url, capsys,
                                                                         monkeypatch):
    await _network(bot)
    monkeypatch.setenv("SOLIDARITY__SECRET_KEY", SECRET_KEY)  # not the key db_path was sealed with
    assert await asyncio.to_thread(main, ["copy-db", str(db_path), postgres_url]) == 2
    assert "sealed with another secret key" in capsys.readouterr().err
    pg = connect(postgres_url, secret_key=SECRET_KEY)
    await pg.open(migrate=False)
    try:
        assert await pg.schema_version() == 0  # nothing was written there, not even a schema
    finally:
        await pg.close()
