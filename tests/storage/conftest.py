"""The repositories' contract: what every database engine the bot runs on must do, seen through the repositories'
public methods only.

Each test takes `backend`, a `Repositories` over an empty database at the latest schema, once per engine in
`ENGINES`. Running the bot on another engine means adding it there (one more `Engine`, one factory that opens a
fresh database of that engine and closes it afterwards) and making these tests pass. What is particular to one
engine (SQLite's pragmas, its migration scripts) is tested in tests/test_storage.py instead.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from storage import Repositories, SqliteDatabase
from storage.members import Member
from storage.postgresql import PostgresDatabase
from tests.postgres import SECRET_KEY, fresh_database

START = 1_800_000_000  # 15 January 2027, 08:00 UTC: the contract tests' first moment


@contextlib.asynccontextmanager
async def sqlite_repositories(folder: Path) -> AsyncIterator[Repositories]:
    """A new SQLite file in `folder`, migrated to the latest version."""
    db = SqliteDatabase(folder / "contract.db")
    await db.open()
    try:
        yield Repositories.over(db)
    finally:
        await db.close()


@contextlib.asynccontextmanager
async def postgresql_repositories(folder: Path) -> AsyncIterator[Repositories]:
    """A new database on the tests' PostgreSQL server (tests/postgres.py), migrated to the latest version."""
    async with fresh_database() as url:
        db = PostgresDatabase(url, secret_key=SECRET_KEY)
        await db.open()
        try:
            yield Repositories.over(db)
        finally:
            await db.close()


@dataclass(frozen=True)
class Engine:
    """A database engine the repositories run on: how to open a fresh one, and the error it raises when a write
    breaks a rule of the schema (a uniqueness, a check)."""

    name: str
    open: Callable[[Path], contextlib.AbstractAsyncContextManager[Repositories]]
    refused: type[Exception]


ENGINES = {engine.name: engine for engine in (
    Engine("sqlite", sqlite_repositories, sqlite3.IntegrityError),
    Engine("postgresql", postgresql_repositories, psycopg.errors.IntegrityError),
)}


@pytest.fixture(params=sorted(ENGINES))
def engine(request: pytest.FixtureRequest) -> Engine:
    return ENGINES[request.param]


@pytest.fixture
async def backend(engine: Engine, tmp_path: Path) -> AsyncIterator[Repositories]:
    """Every repository over a fresh, empty database of one engine."""
    async with engine.open(tmp_path) as repos:
        yield repos


class Clock:
    """Moments as the repositories take them (whole seconds since the epoch), moved on by hand."""

    def __init__(self, start: int = START) -> None:
        self.now = start

    def advance(self, *, seconds: int = 0, minutes: int = 0, hours: int = 0, days: int = 0) -> int:
        """Move on, and return the new moment."""
        self.now += seconds + 60 * minutes + 3600 * hours + 86400 * days
        return self.now

    def later(self, *, seconds: int = 0, minutes: int = 0, hours: int = 0, days: int = 0) -> int:
        """A moment after now, without moving."""
        return self.now + seconds + 60 * minutes + 3600 * hours + 86400 * days


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def join(backend: Repositories, clock: Clock) -> Callable[..., Awaitable[Member]]:
    """Make a member with one console account (and, when given, a display name)."""

    async def make(handle: str, name: str | None = None, *, platform: str = "console") -> Member:
        member = await backend.members.create(platform, handle, now=clock.now)
        if name is not None:
            await backend.members.set_field(member.id, "display_name", name, now=clock.now)
            member = await backend.members.get(member.id)
        return member

    return make
