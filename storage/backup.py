"""Backups of an SQLite database, and restoring one.

- `take`: a consistent copy of the database, also while the bot runs and writes, through SQLite's online backup
  API (one step: in WAL mode it reads one snapshot while writers go on), checked with `PRAGMA integrity_check`,
  then, when a passphrase is given, encrypted in the age format (pyrage; scrypt derives the key from the
  passphrase), so that the standard `age` tool decrypts it too, without this program. The copy is written beside
  its final name, readable by its owner only, and renamed into place: a backup file is always whole.
- `restore`: the backup is decrypted (it is age's when it starts with age's header), then checked before anything
  is replaced: SQLite's integrity check, the bot's tables, a schema version this release knows, and the secret key
  it was sealed with (storage/sealing.py: the key is never in a backup) being the one the bot will open it with.
  It then replaces
  the database's content through the same backup API, so SQLite's journal stays consistent. A database that a
  running bot is using (a sign of life within the last seconds) is refused.
- `rotate`: the scheduled copies in a directory, the newest `keep` kept.

A backup holds everything the database held at that moment, erased members included: keep few, keep them where
only the people who run the bot can read them, and encrypt those that leave the machine.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyrage

from storage.database import latest_version

AGE_HEADER = b"age-encryption.org/v1"
SQLITE_HEADER = b"SQLite format 3\x00"
SCHEDULED_PREFIX = "solidarity-"  # scheduled copies are named solidarity-YYYYMMDD-HHMMSS.db (.db.age encrypted)
LIVE_WITHIN = 10  # seconds: a bot process seen this recently is taken to be running


class BackupError(Exception):
    """A backup or a restore could not be done; `str()` is one line saying why and what to do."""


@dataclass(frozen=True)
class Copy:
    """A backup taken or restored: where, how big, its schema version, and its members."""

    path: Path
    size: int
    schema_version: int
    members: int
    encrypted: bool


@contextlib.contextmanager
def _private_file_beside(target: Path) -> Iterator[Path]:
    """A new empty file in `target`'s directory, readable by its owner only, removed unless renamed."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(handle)  # mkstemp makes it 0600
    path = Path(name)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def _check(path: Path) -> tuple[int, int]:
    """A database file fit to restore or keep: (schema version, members). Raises BackupError saying why not."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            verdict = conn.execute("PRAGMA integrity_check").fetchall()
            if verdict != [("ok",)]:
                raise BackupError(f"the backup is damaged (SQLite's integrity check: {verdict[0][0][:200]})")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'members'").fetchone():
                raise BackupError("the backup is an SQLite database, but not a Solidarity Bot one")
            members = conn.execute("SELECT count(*) FROM members").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"the backup is not a readable SQLite database ({exc})") from None
    newest = latest_version("sqlite")
    if version > newest:
        raise BackupError(f"the backup has schema version {version}, but this release knows only up to {newest}: "
                          "restore it with the release that made it, or a newer one")
    return version, members


def take(database: Path, target: Path, passphrase: str | None = None) -> Copy:
    """Back `database` up into `target` (encrypted when a passphrase is given); the copy is checked first."""
    if not database.is_file():
        raise BackupError(f"{database}: no such database file")
    if target.exists() and target.is_dir():
        raise BackupError(f"{target} is a directory: name the backup file")
    target.parent.mkdir(parents=True, exist_ok=True)
    with _private_file_beside(target) as part:
        try:
            with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as source, \
                    contextlib.closing(sqlite3.connect(part)) as copy:
                source.backup(copy)  # all pages in one step: one consistent snapshot
                # A file of its own, with no journal beside it (the live database's WAL mode is not copied).
                copy.execute("PRAGMA journal_mode = DELETE")
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{database}: cannot be read as an SQLite database ({exc})") from None
        version, members = _check(part)
        if passphrase:
            part.write_bytes(pyrage.passphrase.encrypt(part.read_bytes(), passphrase))
        part.replace(target)
    return Copy(target, target.stat().st_size, version, members, bool(passphrase))


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(len(AGE_HEADER)) == AGE_HEADER


def inspect(backup: Path, passphrase: str | None = None) -> Copy:
    """Decrypt (if need be) and check a backup without restoring it."""
    with _opened(backup, passphrase) as plain:
        version, members = _check(plain)
    return Copy(backup, backup.stat().st_size, version, members, is_encrypted(backup))


@contextlib.contextmanager
def _opened(backup: Path, passphrase: str | None) -> Iterator[Path]:
    """The backup as a plain SQLite file (decrypted into a private file beside it when it is encrypted)."""
    if not backup.is_file():
        raise BackupError(f"{backup}: no such file")
    if not is_encrypted(backup):
        yield backup
        return
    if not passphrase:
        raise BackupError(f"{backup} is encrypted: give its passphrase (SOLIDARITY__BACKUP__PASSPHRASE_FILE or "
                          "SOLIDARITY__BACKUP__PASSPHRASE)")
    try:
        content = pyrage.passphrase.decrypt(backup.read_bytes(), passphrase)
    except pyrage.DecryptError:
        raise BackupError(f"{backup} could not be decrypted: wrong passphrase, or a damaged file") from None
    with _private_file_beside(backup) as plain:
        plain.write_bytes(content)
        yield plain


def in_use(database: Path) -> bool:
    """Whether a bot process has said it is alive in this database within the last LIVE_WITHIN seconds."""
    if not database.is_file():
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as conn:
            row = conn.execute("SELECT count(*) FROM processes WHERE seen_at >= ?",
                               (int(time.time()) - LIVE_WITHIN,)).fetchone()
    except sqlite3.DatabaseError:  # no processes table (an old schema) or not a database: nobody runs on it
        return False
    return bool(row and row[0])


def check_key(backup: Path, passphrase: str | None, key: str | None, database: Path) -> None:
    """Refuse a backup sealed with another key than `key`, the fingerprint of the key the bot will open `database`
    with (None: it has none yet)."""
    with _opened(backup, passphrase) as plain:
        _check_key(plain, key, database)


def _check_key(plain: Path, key: str | None, database: Path) -> None:
    with contextlib.closing(sqlite3.connect(f"file:{plain}?mode=ro", uri=True)) as conn:
        row = conn.execute("SELECT value FROM meta WHERE key = 'key_fingerprint'").fetchone()
    if row is None or row[0] == key:  # a backup from before sealing holds nothing sealed
        return
    if key is None:
        raise BackupError(f"the backup is sealed with a secret key, and there is none for {database}: put the key "
                          f"file it was made with beside it ({database}.key), or set SOLIDARITY__SECRET_KEY_FILE")
    raise BackupError("the backup is sealed with another secret key than the one the bot would open it with: set "
                      "SOLIDARITY__SECRET_KEY_FILE to the key it was made with; nothing was changed")


def restore(backup: Path, database: Path, passphrase: str | None = None, *, key: str | None = None) -> Copy:
    """Replace `database`'s content with the backup's, once the backup is checked (`key`: see `check_key`);
    refused while a bot runs."""
    with _opened(backup, passphrase) as plain:
        version, members = _check(plain)
        _check_key(plain, key, database)
        if in_use(database):
            raise BackupError(f"{database} is in use by a running bot: stop it first, then restore")
        database.parent.mkdir(parents=True, exist_ok=True)
        if not database.exists():
            with _private_file_beside(database) as empty:
                empty.replace(database)  # created readable by its owner only
        try:
            with contextlib.closing(sqlite3.connect(f"file:{plain}?mode=ro", uri=True)) as source, \
                    contextlib.closing(sqlite3.connect(database)) as live:
                source.backup(live)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{database}: could not be written ({exc}); it is unchanged") from None
    return Copy(database, database.stat().st_size, version, members, is_encrypted(backup))


def scheduled_name(now: datetime, encrypted: bool) -> str:
    return f"{SCHEDULED_PREFIX}{now.astimezone(UTC):%Y%m%d-%H%M%S}.db" + (".age" if encrypted else "")


def rotate(directory: Path, keep: int) -> list[Path]:
    """Delete the scheduled copies in `directory` but the newest `keep`; the deleted ones."""
    copies = sorted(p for p in directory.glob(f"{SCHEDULED_PREFIX}*.db*")
                    if p.name.endswith((".db", ".db.age")) and p.is_file())
    old = copies[:-keep] if keep else copies
    for path in old:
        path.unlink(missing_ok=True)
    return old
