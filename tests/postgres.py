"""A real PostgreSQL server for the tests, and a new empty database on it for each test that asks.

Where the server comes from:
* `SOLIDARITY_TEST_POSTGRESQL`, a URL of a server on which the tests may create and drop databases (`.ci/run`
  starts a throw-away one from the machine's own PostgreSQL packages and sets it);
* otherwise pgserver (a test dependency) starts one from the PostgreSQL it carries, in a temporary directory,
  for this test run only, so the README's test command needs nothing installed beside the project.

If neither gives a server, the tests that need one fail with the reason: they never pass by skipping.

Each database is a copy of a template migrated once per run (`CREATE DATABASE … TEMPLATE`, a file copy on the
server), so a test pays neither for a new cluster nor for the migrations; it is dropped after the test.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import psycopg

ENVIRONMENT = "SOLIDARITY_TEST_POSTGRESQL"
TEMPLATE = "solidarity_template"
# The secret key the tests' PostgreSQL databases are sealed with (a PostgreSQL database needs one: see
# storage/sealing.py); every copy of the template shares it.
SECRET_KEY = "tests-only-secret-key-0123456789-abcdefghijkl"


def with_database(url: str, name: str) -> str:
    """`url` naming the database `name` instead."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@functools.cache
def server() -> str:
    """The URL of a server the tests may create databases on, started once per run if need be."""
    if url := os.environ.get(ENVIRONMENT):
        return url
    try:
        import pgserver
    except ImportError as exc:  # pragma: no cover - the test extra carries it
        raise RuntimeError(f"no PostgreSQL for the tests: set {ENVIRONMENT} or install the test extra") from exc
    folder = tempfile.mkdtemp(prefix="solidarity-pg-")
    started = pgserver.get_server(folder, cleanup_mode="stop")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    atexit.register(started.cleanup)
    return started.get_uri()


def _admin() -> psycopg.Connection:
    return psycopg.connect(server(), autocommit=True)


@functools.cache
def template() -> str:
    """The name of a database migrated to the latest schema, made once per run, to copy for each test."""
    from storage.postgresql import PostgresDatabase

    with _admin() as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {TEMPLATE}")

    async def migrate() -> None:
        db = PostgresDatabase(with_database(server(), TEMPLATE), secret_key=SECRET_KEY)
        await db.open()
        await db.close()

    asyncio.run(migrate())  # called outside the tests' event loop: see fresh_database
    return TEMPLATE


def create_database(*, migrated: bool = True) -> str:
    """A new database (a copy of the migrated template, or empty); its URL. Blocking: call it in a thread."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    with _admin() as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {template() if migrated else 'template0'}")
    return with_database(server(), name)


def drop_database(url: str) -> None:
    name = urlsplit(url).path.strip("/")
    with _admin() as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextlib.asynccontextmanager
async def fresh_database(*, migrated: bool = True) -> AsyncIterator[str]:
    """The URL of a new database for one test, dropped afterwards."""
    url = await asyncio.to_thread(create_database, migrated=migrated)
    try:
        yield url
    finally:
        await asyncio.to_thread(drop_database, url)
