"""A stolen database gives away no contact: contact lines, notes meant for one person, what waits in the outbox,
drafts and account ids are sealed or hashed with a key the database does not hold (storage/sealing.py).

The network here is built through the bot, with the real outbox, on the console. Its members' account ids are long
and distinctive, so that finding one by chance in sealed text is out of the question; contact lines and notes hold
spaces, which sealed text never does.
"""

from __future__ import annotations

import os
import sqlite3

import pytest

from bot.cli import main
from storage import Repositories, SqliteDatabase
from storage.database import DatabaseError, key_file
from storage.sealing import Keyring
from tests.test_outbox import FakePlatform, World, world  # noqa: F401  (the fixture)
from tests.test_partners import _ask, _set
from tests.test_secrets import _everything_stored
from tests.test_forget_withdraws import _press_on_delivered

ACCOUNTS = {"bob": "acct-7301945588", "lina": "acct-7302846617", "carla": "acct-7303759022"}
CONTACTS = {who: f"Signal +41 79 {n} 11 {who.upper()}" for n, who in enumerate(ACCOUNTS, start=500)}
NOTES = ("Bob private note for Lina only", "Bob second note never sent")
ACCESS_NEED = "Carla uses a wheelchair and needs the ramp"


@pytest.fixture
def console(world: World) -> FakePlatform:  # noqa: F811
    platform = FakePlatform("console", world.time)
    world.outbox.register(platform)
    return platform


async def _network_with_secrets(world: World, console: FakePlatform) -> dict[str, int]:  # noqa: F811
    """Bob, Lina and Carla join with their contact lines; Bob asks for Lina with a note, and she accepts (each is
    sent the other's contact line, still waiting in the outbox); Bob starts a second search with another note and
    leaves it at the question."""
    bot = world.bot
    await bot.join("admin", name="Amina")
    ids = {}
    for who, account in ACCOUNTS.items():
        code = (await bot.text("admin", "/invite")).split("Invite code: ")[1].split()[0]
        await bot.join(account, code=code, name=who.capitalize(), contact=CONTACTS[who])
        ids[who] = await _set(bot, account, themes=("detention",), regions=("western-europe",), languages=("en",),
                              kind="journalist-or-media")
    await _ask(bot, ACCOUNTS["bob"], "Lina", note=NOTES[0])
    await world.outbox.flush()
    assert "How to reach Bob" in await _press_on_delivered(world, console, ACCOUNTS["lina"], "Accept")
    # Carla goes to a session that asks about access needs, and tells hers.
    await bot.text("admin", "/newsession Clinic start:25 November 2026 14:00 end:15:00 access:yes")
    number = int((await bot.press_text("admin", "Create")).split("Session #")[1].split()[0])
    assert "Do you have access needs" in await bot.text(ACCOUNTS["carla"], f"/rsvp {number}")
    assert "Thank you" in await bot.text(ACCOUNTS["carla"], ACCESS_NEED)
    assert "Tap the people" in await bot.text(ACCOUNTS["bob"], f"/partner theme:Detention note:{NOTES[1]}")
    return ids


async def test_the_database_file_alone_gives_away_no_contact_line_note_or_account(world, console, db_path):
    ids = await _network_with_secrets(world, console)
    repos = world.repos
    # With the key, everything is there: the contact lines waiting to go out, the notes, the accounts.
    pending = [r for r in await repos.db.fetch_all("SELECT body FROM outbox WHERE state = 'pending'")]
    assert any(CONTACTS["lina"] in repos.db.keyring.open(r["body"]) for r in pending)
    assert (await repos.members.by_identity("console", ACCOUNTS["carla"])).contact == CONTACTS["carla"]
    assert {r.note for r in await repos.partners.requests_for(ids["bob"])} == set(NOTES)
    assert NOTES[1] in str((await repos.conversations.get(ids["bob"])).data)
    assert (await repos.signups.for_member(ids["carla"]))[0]["answers"] == {"access": ACCESS_NEED}
    await repos.db.close()

    stored = _everything_stored(db_path)  # every table, and the raw bytes of the file and its write-ahead log
    secrets = [*CONTACTS.values(), *NOTES, ACCESS_NEED, *ACCOUNTS.values(),
               *(f"console:{a}" for a in ACCOUNTS.values())]
    assert [s for s in secrets if s in stored] == []
    assert "Bob" in stored  # what is not sealed (a pseudonym) is found: the search works


async def test_the_key_file_is_the_owners_only_and_the_database_without_it_is_refused(db_path):
    async with SqliteDatabase(db_path) as db:
        await Repositories.over(db).members.create("console", ACCOUNTS["bob"], now=1)
    assert key_file(db_path).stat().st_mode & 0o777 == 0o600
    secret = key_file(db_path).read_text()
    os.rename(key_file(db_path), f"{db_path}.elsewhere")
    with pytest.raises(DatabaseError, match="is missing"):
        await SqliteDatabase(db_path).open()
    assert not key_file(db_path).exists()  # no new key was made for a database sealed with another
    with pytest.raises(DatabaseError, match="sealed with another secret key"):
        await SqliteDatabase(db_path, secret_key=Keyring.new_secret()).open()
    async with SqliteDatabase(db_path, secret_key=secret.strip()) as db:  # the key, given by the settings
        assert await Repositories.over(db).members.by_identity("console", ACCOUNTS["bob"]) is not None


def test_a_secret_key_too_short_is_a_configuration_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SOLIDARITY__SECRET_KEY", "short")
    assert main(["migrate", "--db", str(tmp_path / "x.db")]) == 2
    assert "secret_key" in capsys.readouterr().err
    assert not (tmp_path / "x.db").exists()


def test_the_key_can_come_from_a_file_and_new_key_prints_one(tmp_path, capsys, monkeypatch):
    assert main(["new-key"]) == 0
    secret = capsys.readouterr().out.strip()
    assert len(secret) >= 43 and secret != Keyring.new_secret()
    (tmp_path / "key").write_text(secret + "\n")
    monkeypatch.setenv("SOLIDARITY__SECRET_KEY_FILE", str(tmp_path / "key"))
    assert main(["migrate", "--db", str(tmp_path / "x.db")]) == 0
    assert not key_file(tmp_path / "x.db").exists()  # the settings gave the key: none is written beside it
    fingerprint = sqlite3.connect(tmp_path / "x.db").execute(
        "SELECT value FROM meta WHERE key = 'key_fingerprint'").fetchone()[0]
    assert fingerprint == Keyring(secret).fingerprint and secret not in _everything_stored(tmp_path / "x.db")
