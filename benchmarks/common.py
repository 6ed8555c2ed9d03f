"""What several benchmarks share: a delivery port that sends nothing, and running one measurement on each engine
(SQLite in a temporary folder; PostgreSQL on the server `SOLIDARITY_TEST_POSTGRESQL` names, else one started for
the run by tests/postgres.py), printing its lines as each engine finishes."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path


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
