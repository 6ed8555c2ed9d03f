"""Button tokens: the short opaque ids that buttons carry instead of any trusted data.

A platform sends back only the token. Every button shown in one answer belongs to one *set*, stored as one row
(so an answer with eight buttons costs one write, not eight); button n of set S carries the token "S.n".
What the button does and who may press it are looked up here. The audience is stored as a keyed hash, so a
button shown to someone who has not joined yet does not keep their platform account id in the database (its key is
not in the database either: storage/sealing.py). It is
indexed (migration 0014), so erasure, unlinking and export find a person's sets without reading the whole table,
at the cost of one more write at a random place of the index for every answer with buttons (measured in the
ingest benchmarks).
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from storage.database import Connection, Database

SET_BYTES = 12  # random bytes: 16 url-safe characters
# A set token is the second it was made (hex, so tokens sort by time) and SET_BYTES random bytes: 24 characters, and
# with ".n" far below Telegram's 64 bytes and Discord's 100. The buttons table is keyed by the token; keys that
# sort by time are added at the end of its B-tree, where purely random ones went anywhere in it (with 200,000
# sets stored, 33 µs against 73 µs per insert). The moment tells nothing to anyone: the token goes only to the
# person who sees the buttons, who knows when they got them, and it never identifies them.


def new_set_token(now: float | None = None) -> str:
    """A fresh id for a set of buttons: unguessable (96 random bits), and later ones sort after earlier ones."""
    return f"{int(time.time() if now is None else now):08x}{secrets.token_urlsafe(SET_BYTES)}"


@dataclass(frozen=True)
class ButtonToken:
    """What one button does when pressed, and for whom."""

    token: str
    set_token: str
    audience: str
    action: str
    payload: dict[str, Any] = field(default_factory=dict)
    single_use: bool = False
    used_at: int | None = None
    expires_at: int = 0


AUDIENCE = "audience"  # the purpose of the audience hashes (storage/sealing.py's Keyring.tag)


class ButtonRepository:
    """Stores, resolves and spends button sets."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def audience(self, who: str) -> str:
        """The keyed hash standing for a person ("telegram:123") or a member ("member:7")."""
        return self.db.keyring.tag(AUDIENCE, who)

    async def store_set(self, set_token: str, who: str, actions: list[tuple[str, dict[str, Any], bool]],
                        expires_at: int) -> None:
        """Store the buttons of one answer: (action, payload, single_use) for buttons 0, 1, 2 …"""
        await self.db.insert_grouped(
            "INSERT INTO buttons (token, audience, actions, expires_at) VALUES (?, ?, ?, ?)",
            (set_token, await self.audience(who), json.dumps(actions, separators=(",", ":")), expires_at),
        )

    async def store_sets_in(self, conn: Connection,
                            sets: list[tuple[str, str, list[tuple[str, dict[str, Any], bool]], int]]) -> None:
        """Store several answers' buttons within an open transaction: (set token, who, actions, expires_at)."""
        await conn.executemany(
            "INSERT INTO buttons (token, audience, actions, expires_at) VALUES (?, ?, ?, ?)",
            [(set_token, await self.audience(who), json.dumps(actions, separators=(",", ":")), expires_at)
             for set_token, who, actions, expires_at in sets])

    async def issue(self, who: str, action: str, payload: dict[str, Any], *, single_use: bool,
                    expires_at: int) -> str:
        """Store a set of one button and return its token."""
        set_token = new_set_token()
        await self.store_set(set_token, who, [(action, payload, single_use)], expires_at)
        return f"{set_token}.0"

    async def resolve(self, token: str, now: int) -> ButtonToken | None:
        """The button behind a token, or None when unknown, malformed or expired."""
        set_token, dot, index = token.partition(".")
        if not dot or not (index.isascii() and index.isdigit()) or len(token) > 64:
            return None
        row = await self.db.fetch_one(
            "SELECT audience, actions, used_at, expires_at FROM buttons WHERE token = ? AND expires_at > ?",
            (set_token, now),
        )
        if row is None:
            return None
        actions = json.loads(row["actions"])
        if int(index) >= len(actions):
            return None
        action, payload, single_use = actions[int(index)]
        return ButtonToken(token, set_token, row["audience"], action, payload, bool(single_use), row["used_at"],
                           row["expires_at"])

    async def spend(self, set_token: str, now: int) -> bool:
        """Mark a set's single-use buttons used; False if one already was (a second press, or its twin)."""
        count = await self.db.execute(
            "UPDATE buttons SET used_at = ? WHERE token = ? AND used_at IS NULL", (now, set_token)
        )
        return count == 1

    @staticmethod
    async def forget_audiences_in(conn: Connection, audiences: list[str]) -> None:
        """Delete every button shown to these people, within an open transaction.

        One statement for all of them, through the index on audience.
        """
        if audiences:
            marks = ",".join("?" * len(audiences))
            await conn.execute(f"DELETE FROM buttons WHERE audience IN ({marks})", audiences)

    async def purge_expired(self, now: int) -> int:
        """Delete expired sets; how many went."""
        count = await self.db.execute("DELETE FROM buttons WHERE expires_at <= ?", (now,))
        return count

    async def count_for(self, audiences: list[str]) -> int:
        """How many button sets these people hold (for export)."""
        if not audiences:
            return 0
        marks = ",".join("?" * len(audiences))
        row = await self.db.fetch_one(f"SELECT count(*) FROM buttons WHERE audience IN ({marks})", audiences)
        return int(row[0])
