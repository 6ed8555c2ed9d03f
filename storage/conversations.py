"""Where each member stands in a guided flow: which question the bot is waiting for them to answer."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from storage.database import Connection, Database

# A new nonce is a new question, not yet shown anywhere; the same nonce (a page turned, a toggle ticked) keeps
# where it is shown.
_PUT = ("INSERT INTO conversations (member_id, flow, step, data, nonce, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (member_id) DO UPDATE SET flow = excluded.flow, step = excluded.step, data = excluded.data, "
        "shown = CASE WHEN conversations.nonce = excluded.nonce THEN conversations.shown END, "
        "nonce = excluded.nonce, updated_at = excluded.updated_at")


@dataclass(frozen=True)
class Conversation:
    """A member's place in a flow. `nonce` changes at every step, so buttons from an older step can be told apart;
    `shown` is where the platform showed the question (its adapter's reference), once it says so."""

    member_id: int
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    nonce: str = ""
    updated_at: int = 0
    shown: str | None = None


class ConversationRepository:
    """Reads and writes conversations."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, member_id: int) -> Conversation | None:
        """The member's current conversation, if any."""
        row = await self.db.fetch_one(
            "SELECT member_id, flow, step, data, nonce, updated_at, shown FROM conversations WHERE member_id = ?",
            (member_id,),
        )
        if row is None:
            return None
        keyring = self.db.keyring
        return Conversation(row[0], row[1], row[2], json.loads(keyring.open(row[3])), row[4], row[5],
                            keyring.open(row[6]))

    async def put(self, member_id: int, flow: str, step: str, data: dict[str, Any], now: int,
                  *, keep_nonce: str | None = None) -> Conversation:
        """Move the member to a step (a new nonce unless `keep_nonce` is given)."""
        nonce = keep_nonce or secrets.token_hex(4)
        await self.db.execute(_PUT, (member_id, flow, step, self._sealed(data), nonce, now))
        if keep_nonce:
            return await self.get(member_id) or Conversation(member_id, flow, step, data, nonce, now)
        return Conversation(member_id, flow, step, data, nonce, now)

    async def put_in(self, conn: Connection, member_id: int, flow: str, step: str, data: dict[str, Any],
                     now: int) -> Conversation:
        """The same as `put` (with a new nonce), within an open transaction."""
        nonce = secrets.token_hex(4)
        await conn.execute(_PUT, (member_id, flow, step, self._sealed(data), nonce, now))
        return Conversation(member_id, flow, step, data, nonce, now)

    def _sealed(self, data: dict[str, Any]) -> str:
        """A draft as stored: sealed, since it may hold a contact line or a note being written."""
        return self.db.keyring.seal(json.dumps(data, separators=(",", ":")))

    async def set_shown(self, member_id: int, nonce: str, shown: str) -> None:
        """Where the question with this nonce was shown; nothing when the member has moved on since."""
        await self.db.execute("UPDATE conversations SET shown = ? WHERE member_id = ? AND nonce = ?",
                              (self.db.keyring.seal(shown), member_id, nonce))

    async def clear(self, member_id: int) -> None:
        """End the member's conversation."""
        await self.db.execute("DELETE FROM conversations WHERE member_id = ?", (member_id,))
