"""`solidarity-bot backup` and `restore`, and the scheduled copies of `[backup]`.

- A backup taken while the bot writes holds every row committed before it began, and restores into a database
  that passes SQLite's integrity check.
- With a passphrase the backup is encrypted (age's format): nothing in it is readable, the wrong passphrase
  restores nothing, the right one restores everything.
- A restore checks before it replaces anything: a damaged file, another program's database, a newer schema, a
  database a running bot uses, or no confirmation leave the database as it was.
- Scheduled copies are taken in the running bot, the newest `keep` kept.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import open_app
from bot.backups import ScheduledBackups
from bot.settings import BackupSettings, Settings
from storage import Repositories, connect
from storage.backup import AGE_HEADER
from storage.database import key_file, latest_version

ROOT = Path(__file__).resolve().parent.parent
PASSPHRASE = "plenty of words for a passphrase"


def cli(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SOLIDARITY")}
    environment.update(PYTHONPATH=str(ROOT), **(env or {}))
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=environment,
                          input=stdin, timeout=120)


async def _network(path: Path, members: int = 3) -> None:
    """A migrated database with a few members, named."""
    db = connect(path)
    await db.open()
    repos = Repositories.over(db)
    for n in range(members):
        member = await repos.members.create("telegram", str(1000 + n), now=1_700_000_000)
        await repos.members.set_field(member.id, "display_name", f"Member number {n}", now=1_700_000_000)
    await db.close()


def _rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def _names(path: Path) -> set[str]:
    return {row[0] for row in _rows(path, "SELECT display_name FROM members")}


def test_a_backup_taken_while_the_bot_writes_holds_every_row_committed_before_it(tmp_path):
    database, backup, restored = tmp_path / "bot.db", tmp_path / "copies" / "bot-backup.db", tmp_path / "new.db"
    asyncio.run(_network(database, members=1))
    committed: list[int] = []
    stop = threading.Event()

    def write() -> None:  # another connection, committing a row at a time, as the bot does
        with sqlite3.connect(database, timeout=30) as conn:
            n = 0
            while not stop.is_set():
                n += 1
                conn.execute("INSERT INTO members (display_name, consented_at, created_at, updated_at) "
                             "VALUES (?, ?, ?, ?)", (f"Writer {n}", n, n, n))
                conn.commit()
                committed.append(n)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(committed) < 200:
            time.sleep(0.01)
        before = len(committed)  # every one of these was committed before the backup began
        taken = cli("backup", str(backup), "--db", str(database))
        while len(committed) < before + 200:  # and the writes went on meanwhile
            time.sleep(0.01)
    finally:
        stop.set()
        writer.join()
    assert taken.returncode == 0, taken.stderr
    assert "not encrypted" in taken.stdout and str(backup) in taken.stdout
    assert f"The secret key is not in it: keep a copy of {key_file(database)}" in taken.stdout
    assert oct(backup.stat().st_mode & 0o777) == "0o600"  # its owner's only
    assert key_file(database).read_text().strip() not in backup.read_text(errors="replace")
    # Restored elsewhere, the database needs its key there too.
    keyless = cli("restore", str(backup), "--db", str(restored), "--yes")
    assert keyless.returncode == 1 and f"put the key file it was made with beside it ({restored}.key)" in keyless.stderr
    assert not restored.exists()
    shutil.copy(key_file(database), key_file(restored))
    done = cli("restore", str(backup), "--db", str(restored), "--yes")
    assert done.returncode == 0, done.stderr
    assert _rows(restored, "PRAGMA integrity_check") == [("ok",)]
    names = _names(restored)
    assert {f"Writer {n}" for n in range(1, before + 1)} <= names and "Member number 0" in names
    assert _rows(restored, "PRAGMA user_version") == [(latest_version("sqlite"),)]


def test_an_encrypted_backup_is_unreadable_and_restores_only_with_its_passphrase(tmp_path):
    database, backup, target = tmp_path / "bot.db", tmp_path / "bot.db.age", tmp_path / "target.db"
    asyncio.run(_network(database))
    shutil.copy(key_file(database), key_file(target))  # both sealed with one key (see the next test for another)
    asyncio.run(_network(target, members=1))
    secret = tmp_path / "passphrase"
    secret.write_text(PASSPHRASE + "\n")
    taken = cli("backup", str(backup), "--db", str(database), env={"SOLIDARITY__BACKUP__PASSPHRASE_FILE": str(secret)})
    assert taken.returncode == 0, taken.stderr
    assert "encrypted with backup.passphrase" in taken.stdout
    content = backup.read_bytes()
    assert content.startswith(AGE_HEADER) and b"Member number" not in content and b"SQLite format" not in content

    wrong = cli("restore", str(backup), "--db", str(target), "--yes",
                env={"SOLIDARITY__BACKUP__PASSPHRASE": "not the passphrase at all"})
    assert wrong.returncode == 1 and "wrong passphrase" in wrong.stderr
    assert PASSPHRASE not in wrong.stderr + wrong.stdout
    none = cli("restore", str(backup), "--db", str(target), "--yes")
    assert none.returncode == 1 and "is encrypted" in none.stderr
    assert _names(target) == {"Member number 0"}  # unchanged

    right = cli("restore", str(backup), "--db", str(target), "--yes",
                env={"SOLIDARITY__BACKUP__PASSPHRASE_FILE": str(secret)})
    assert right.returncode == 0, right.stderr
    assert _names(target) == {"Member number 0", "Member number 1", "Member number 2"}
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]  # no decrypted copy left behind


def test_a_restore_checks_the_backup_and_the_database_before_it_replaces_anything(tmp_path):
    database, backup, foreign = tmp_path / "bot.db", tmp_path / "backup.db", tmp_path / "foreign.db"
    asyncio.run(_network(database, members=1))
    shutil.copy(key_file(database), key_file(backup))
    asyncio.run(_network(backup, members=2))
    asyncio.run(_network(foreign, members=2))  # sealed with a key of its own

    def refused(path: Path, *more: str, stdin: str | None = None) -> str:
        result = cli("restore", str(path), "--db", str(database), *more, stdin=stdin)
        assert result.returncode != 0, result.stdout
        assert _names(database) == {"Member number 0"}  # nothing replaced
        return result.stderr

    assert "add --yes" in refused(backup, stdin="")  # no terminal to ask: a confirmation is needed
    assert "sealed with another secret key" in refused(foreign, "--yes")

    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(backup.read_bytes()[:5000] + b"\0" * 4000 + backup.read_bytes()[9000:])
    assert "damaged" in refused(damaged, "--yes") or "not a readable" in refused(damaged, "--yes")

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    assert "not a Solidarity Bot one" in refused(other, "--yes")

    newer = tmp_path / "newer.db"
    newer.write_bytes(backup.read_bytes())
    with sqlite3.connect(newer) as conn:
        conn.execute(f"PRAGMA user_version = {latest_version('sqlite') + 1}")
    assert "knows only up to" in refused(newer, "--yes")

    with sqlite3.connect(database) as conn:  # a bot is running on it: it said so a moment ago
        conn.execute("INSERT INTO processes (id, started_at, seen_at) VALUES ('running', ?, ?)",
                     (int(time.time()), int(time.time())))
    assert "stop it first" in refused(backup, "--yes")


def test_backing_up_postgresql_points_to_pg_dump(tmp_path):
    result = cli("backup", str(tmp_path / "x.db"), "--db", "postgresql://bot@127.0.0.1:9/solidarity")
    assert result.returncode == 2 and "pg_dump" in result.stderr
    assert not (tmp_path / "x.db").exists()


async def test_scheduled_copies_are_taken_by_the_running_bot_and_the_newest_kept(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    now = [datetime(2026, 12, 1, 3, 0, tzinfo=UTC)]
    settings = Settings(database=str(tmp_path / "bot.db"),
                        backup=BackupSettings(every_hours=6, keep=2, directory="copies", passphrase=PASSPHRASE))
    app = await open_app(settings, lambda: now[0])
    try:
        await app.start()
        job = app.scheduler.aps.get_job("backup")
        assert job is not None  # the first copy is due at once: there is none yet
        assert job.next_run_time <= datetime.now(UTC) + timedelta(seconds=1)
        backups = ScheduledBackups(settings.backup, tmp_path / "bot.db", lambda: now[0])
        for _ in range(3):
            await backups.run()
            now[0] += timedelta(hours=6)
    finally:
        await app.close()
    copies = sorted(p.name for p in (tmp_path / "copies").iterdir())
    assert copies == ["solidarity-20261201-090000.db.age", "solidarity-20261201-150000.db.age"]
    # After a restart, the next copy is due six hours after the newest, not at once.
    later = ScheduledBackups(settings.backup, tmp_path / "bot.db", lambda: datetime.now(UTC))
    newest = max(p.stat().st_mtime for p in (tmp_path / "copies").iterdir())
    assert later.first_at() == datetime.fromtimestamp(newest, UTC) + timedelta(hours=6)


@pytest.mark.parametrize("passphrase", ["short", "   "])
def test_a_passphrase_too_short_is_refused_naming_the_setting(tmp_path, passphrase):
    result = cli("backup", str(tmp_path / "x.db"), "--db", str(tmp_path / "bot.db"),
                 env={"SOLIDARITY__BACKUP__PASSPHRASE": passphrase})
    if passphrase.strip():
        assert result.returncode == 2 and "backup.passphrase" in result.stderr and passphrase not in result.stderr
    else:  # blank is unset: not encrypted, and no database here to back up
        assert result.returncode == 1 and "no such database file" in result.stderr
