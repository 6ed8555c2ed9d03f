"""Invite codes: how a stranger joins a closed network."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from storage.audit import AuditRepository
from storage.database import Connection, Database

# No 0/O, 1/I/L: codes get read aloud and copied by hand.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def new_code() -> str:
    """A fresh random invite code (about 50 bits)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """The code as people may type it: any case, with spaces or dashes."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


@dataclass(frozen=True)
class Invite:
    """An invite; the code itself is never stored."""

    id: int
    created_by: int | None
    uses_left: int
    expires_at: int
    created_at: int


class InviteRepository:
    """Creates, checks and consumes invites."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, created_by: int, uses: int, expires_at: int, now: int) -> tuple[str, Invite]:
        """A new invite and its code (shown once, to its creator)."""
        code = new_code()
        rows = await self.db.execute_returning(
            "INSERT INTO invites (code_hash, created_by, uses_left, expires_at, created_at) VALUES (?, ?, ?, ?, ?) "
            "RETURNING id", (_hash(code), created_by, uses, expires_at, now),
        )
        return code, Invite(int(rows[0][0]), created_by, uses, expires_at, now)

    async def find_valid(self, code: str, now: int) -> Invite | None:
        """The invite behind a code if it still has uses and has not expired."""
        if not normalise_code(code):
            return None
        row = await self.db.fetch_one(
            "SELECT id, created_by, uses_left, expires_at, created_at FROM invites "
            "WHERE code_hash = ? AND uses_left > 0 AND expires_at > ?",
            (_hash(code), now),
        )
        return Invite(*row) if row else None

    @staticmethod
    async def consume_in(conn: Connection, invite_id: int, now: int) -> int | None:
        """Use up one use of a valid invite (found by its code with `find_valid`) within an open transaction; its
        id, or None if it is not valid any more."""
        cur = await conn.execute(
            "UPDATE invites SET uses_left = uses_left - 1 WHERE id = ? AND uses_left > 0 AND expires_at > ? "
            "RETURNING id",
            (invite_id, now),
        )
        row = await cur.fetchone()
        return int(row[0]) if row else None

    @staticmethod
    async def maker_in(conn: Connection, invite_id: int) -> int | None:
        """Who made an invite (None once they left), within an open transaction."""
        async with conn.execute("SELECT created_by FROM invites WHERE id = ?", (invite_id,)) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else None

    async def created_by(self, member_id: int) -> list[Invite]:
        """The invites a member made."""
        rows = await self.db.fetch_all(
            "SELECT id, created_by, uses_left, expires_at, created_at FROM invites WHERE created_by = ? ORDER BY id",
            (member_id,),
        )
        return [Invite(*row) for row in rows]

    async def live(self, now: int, limit: int = 50) -> list[Invite]:
        """Invites that still work (uses left, not expired), soonest to expire first."""
        rows = await self.db.fetch_all(
            "SELECT id, created_by, uses_left, expires_at, created_at FROM invites "
            "WHERE uses_left > 0 AND expires_at > ? ORDER BY expires_at, id LIMIT ?",
            (now, limit),
        )
        return [Invite(*row) for row in rows]

    async def revoke(self, invite_id: int, actor_id: int, now: int) -> bool:
        """Stop an invite that still works (its code no longer lets anyone join), with its audit entry; False if
        it no longer worked (revoked, used up or expired already)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE invites SET uses_left = 0 WHERE id = ? AND uses_left > 0 AND expires_at > ?", (invite_id, now))
            if cursor.rowcount != 1:
                return False
            await AuditRepository.record_in(conn, "invite.revoke", actor_id=actor_id, detail=f"invite={invite_id}",
                                            now=now)
        return True

    @staticmethod
    async def revoke_made_by_in(conn: Connection, member_id: int, now: int = 0) -> int:
        """Within an open transaction: every invite the member made that still works stops working (they are no
        longer an organiser, are blocked, or are leaving). Returns how many of them had not expired by `now`."""
        cursor = await conn.execute(
            "UPDATE invites SET uses_left = 0 WHERE created_by = ? AND uses_left > 0 AND expires_at > ?",
            (member_id, now))
        return cursor.rowcount
