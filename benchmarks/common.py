"""What several benchmarks share: a delivery port that sends nothing, running one measurement on each engine
(SQLite in a temporary folder; PostgreSQL on the server `SOLIDARITY_TEST_POSTGRESQL` names, else one started for
the run by tests/postgres.py), printing its lines as each engine finishes, and what writing rows straight into a
sealed database takes (storage/sealing.py): opening it with its key, the key itself, and identities rows."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import storage
from storage.database import Database, is_postgresql, key_file, sqlite_path
from storage.sealing import Keyring
from tests.postgres import SECRET_KEY

# The columns of an identities row as `identity` makes it.
IDENTITY_COLUMNS = "account, platform, address, member_id, linked_at"


def connect(where: str | Path) -> Database:
    """`storage.connect`, with the tests' secret key for a PostgreSQL database (which needs one); an SQLite file
    keeps its key beside it, made when the database is first opened."""
    return storage.connect(where, secret_key=SECRET_KEY if is_postgresql(where) else None)


def keyring_for(where: str | Path) -> Keyring:
    """The keyring the bot seals the database `where` with: for SQLite, from the key file beside it (there once
    the database has been opened through storage); for PostgreSQL, from the tests' secret key."""
    if is_postgresql(where):
        return Keyring(SECRET_KEY)
    return Keyring(key_file(sqlite_path(where)).read_text(encoding="utf-8").strip())


def identity(keyring: Keyring, platform: str, external_id: str, member_id: int, linked_at: int) -> tuple:
    """An identities row (`IDENTITY_COLUMNS`) as the bot writes it: the account as a keyed hash, its id sealed."""
    return (keyring.account(f"{platform}:{external_id}"), platform, keyring.seal(external_id), member_id, linked_at)


class Silent:
    """The delivery port, doing nothing: these benchmarks measure answering, not sending."""

    async def deliver(self, *args, **kwargs) -> None:
        pass

    async def deliver_in(self, *args, **kwargs) -> None:
        pass

    def wake(self) -> None:
        pass


async def on_each_engine(engines: str, file_name: str,
                         measure: Callable[[str, str], Awaitable[list[str]]]) -> None:
    """`measure(engine, where)` on each of the comma-separated `engines`, on a new, empty database each."""
    for engine in engines.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            if engine == "sqlite":
                lines = await measure(engine, str(Path(tmp) / file_name))
            else:
                from tests.postgres import create_database, drop_database

                where = await asyncio.to_thread(create_database, migrated=False)
                try:
                    lines = await measure(engine, where)
                finally:
                    await asyncio.to_thread(drop_database, where)
        print("\n".join(lines), flush=True)
