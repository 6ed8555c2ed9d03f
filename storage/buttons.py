"""Button tokens: the short opaque ids that buttons carry instead of any trusted data.

A platform sends back only the token; the action, its arguments and who may press it are looked up here.
The audience is stored as a keyed hash, so a button shown to someone who has not joined yet does not keep
their platform account id in the database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from storage.database import Database

TOKEN_BYTES = 12  # 16 url-safe characters: fits Telegram's 64 bytes and Discord's 100 characters with room to spare


@dataclass(frozen=True)
class ButtonToken:
    """What a button does when pressed, and for whom."""

    token: str
    audience: str
    action: str
    payload: dict[str, Any] = field(default_factory=dict)
    single_use: bool = False
    used_at: int | None = None
    expires_at: int = 0


class ButtonRepository:
    """Issues, resolves and spends button tokens."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._secret: bytes | None = None

    async def audience(self, who: str) -> str:
        """The keyed hash standing for a person ("telegram:123") or a member ("member:7")."""
        if self._secret is None:
            async with self.db.transaction() as conn:
                async with conn.execute("SELECT value FROM meta WHERE key = 'audience_secret'") as cur:
                    row = await cur.fetchone()
            self._secret = bytes.fromhex(row[0])
        return hmac.new(self._secret, who.encode(), hashlib.sha256).hexdigest()[:32]

    async def issue(self, who: str, action: str, payload: dict[str, Any], *, single_use: bool,
                    expires_at: int) -> str:
        """Store a new token for `who` and return it."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        audience = await self.audience(who)
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO buttons (token, audience, action, payload, single_use, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (token, audience, action, json.dumps(payload, separators=(",", ":")), int(single_use), expires_at),
            )
        return token

    async def resolve(self, token: str, now: int) -> ButtonToken | None:
        """The button behind a token, or None when unknown or expired."""
        if not token or len(token) > 64:
            return None
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT token, audience, action, payload, single_use, used_at, expires_at FROM buttons "
                "WHERE token = ? AND expires_at > ?",
                (token, now),
            ) as cur:
                row = await cur.fetchone()
        if row is None:
            return None
        return ButtonToken(row[0], row[1], row[2], json.loads(row[3]), bool(row[4]), row[5], row[6])

    async def spend(self, token: str, now: int) -> bool:
        """Mark a single-use token used; False if it already was (a second press)."""
        async with self.db.transaction() as conn:
            cur = await conn.execute(
                "UPDATE buttons SET used_at = ? WHERE token = ? AND used_at IS NULL", (now, token)
            )
            return cur.rowcount == 1

    async def forget_audiences(self, audiences: list[str]) -> None:
        """Delete every token shown to these people."""
        async with self.db.transaction() as conn:
            await conn.executemany("DELETE FROM buttons WHERE audience = ?", [(a,) for a in audiences])

    async def purge_expired(self, now: int) -> int:
        """Delete expired tokens; how many went."""
        async with self.db.transaction() as conn:
            cur = await conn.execute("DELETE FROM buttons WHERE expires_at <= ?", (now,))
            return cur.rowcount

    async def count_for(self, audiences: list[str]) -> int:
        """How many tokens these people hold (for export)."""
        async with self.db.transaction() as conn:
            marks = ",".join("?" * len(audiences))
            async with conn.execute(f"SELECT count(*) FROM buttons WHERE audience IN ({marks})", audiences) as cur:
                return int((await cur.fetchone())[0])
