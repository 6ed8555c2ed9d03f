"""Members' calendar feeds: the secret address of each (`/agenda feed`), kept as a SHA-256 hash of its token.

The token is 256 random bits, shown to the member once inside their feed's address; only its hash is stored, so
the database alone gives no feed away, and a plain hash is enough: nothing can be guessed from it, and it needs no
key (a feed keeps working across a restore). A new token replaces the member's old one, which stops working at
once; erasing the member erases their feed (ON DELETE CASCADE).
"""

from __future__ import annotations

import hashlib
import secrets

from storage.database import Database

TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class FeedRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, member_id: int, now: int) -> str:
        """A new token for the member's feed (the old one stops working); the token itself, to show once."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO calendar_feeds (member_id, token_hash, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (member_id) DO UPDATE SET token_hash = excluded.token_hash, "
                "created_at = excluded.created_at", (member_id, token_hash(token), now))
        return token

    async def made_at(self, member_id: int) -> int | None:
        """When the member's feed was made, or None when they have none."""
        row = await self.db.fetch_one("SELECT created_at FROM calendar_feeds WHERE member_id = ?", (member_id,))
        return int(row[0]) if row else None

    async def member_of(self, token: str) -> int | None:
        """The member whose feed this token opens, if any."""
        row = await self.db.fetch_one("SELECT member_id FROM calendar_feeds WHERE token_hash = ?",
                                      (token_hash(token),))
        return int(row[0]) if row else None

    async def remove(self, member_id: int) -> bool:
        async with self.db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM calendar_feeds WHERE member_id = ?", (member_id,))
            return cursor.rowcount == 1
