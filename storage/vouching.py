"""Vouching in a closed network: who brought whom in, who vouched for whom, newcomers, and branches of the invite
tree (a member and everyone brought in after them, through them)."""

from __future__ import annotations

from dataclasses import dataclass

from storage.audit import AuditRepository
from storage.database import Connection, Database
from storage.invites import InviteRepository
from storage.members import MemberRepository

# A member and everyone their invites brought in, and theirs, down the tree.
_BRANCH = ("WITH RECURSIVE branch(id) AS (SELECT ? UNION SELECT m.id FROM members m JOIN branch b "
           "ON m.invited_by = b.id) SELECT id FROM branch")


@dataclass(frozen=True)
class TreeNode:
    member_id: int
    name: str | None
    invited_by: int | None
    newcomer: bool
    blocked: bool
    vouches: int


class VouchRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    async def joined_in(conn: Connection, member_id: int, invited_by: int | None, newcomer: bool) -> None:
        """Record, as the member joins, who brought them in and whether they start as a newcomer."""
        await conn.execute("UPDATE members SET invited_by = ?, newcomer = ? WHERE id = ?",
                           (invited_by, int(newcomer), member_id))

    async def is_newcomer(self, member_id: int) -> bool:
        row = await self.db.fetch_one("SELECT newcomer FROM members WHERE id = ?", (member_id,))
        return bool(row and row[0])

    async def newcomers_named(self, text: str) -> list[int]:
        """Newcomers (not blocked) whose number or exact display name is `text`."""
        rows = await self.db.fetch_all(
            "SELECT id FROM members WHERE newcomer = 1 AND blocked = 0 AND (CAST(id AS TEXT) = ? "
            "OR lower(display_name) = lower(?)) ORDER BY id", (text.removeprefix("#"), text))
        return [int(r[0]) for r in rows]

    async def vouch(self, member_id: int, voucher_id: int, needed: int, now: int) -> tuple[int, bool] | None:
        """Record a vouch (None: already given); how many the newcomer has now, and whether that made them a full
        member (audited)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute("INSERT INTO vouches (member_id, voucher_id, at) VALUES (?, ?, ?) "
                                        "ON CONFLICT DO NOTHING", (member_id, voucher_id, now))
            if not cursor.rowcount:
                return None
            async with conn.execute("SELECT count(*) FROM vouches WHERE member_id = ?", (member_id,)) as counted:
                count = int((await counted.fetchone())[0])
            full = False
            if count >= needed:
                cursor = await conn.execute("UPDATE members SET newcomer = 0, updated_at = ? WHERE id = ? "
                                            "AND newcomer = 1", (now, member_id))
                full = bool(cursor.rowcount)
                if full:
                    await AuditRepository.record_in(conn, "member.vouched_in", actor_id=voucher_id,
                                                    subject_id=member_id, detail=f"vouches={count}", now=now)
            return count, full

    async def vouches_for(self, member_id: int) -> int:
        row = await self.db.fetch_one("SELECT count(*) FROM vouches WHERE member_id = ?", (member_id,))
        return int(row[0]) if row else 0

    async def tree(self, limit: int) -> list[TreeNode]:
        """Every member with who brought them in (the tree's edges), in member order."""
        rows = await self.db.fetch_all(
            "SELECT m.id, m.display_name, m.invited_by, m.newcomer, m.blocked, "
            "(SELECT count(*) FROM vouches v WHERE v.member_id = m.id) FROM members m ORDER BY m.id LIMIT ?",
            (limit,))
        return [TreeNode(int(r[0]), r[1], r[2], bool(r[3]), bool(r[4]), int(r[5])) for r in rows]

    async def branch(self, member_id: int) -> list[int]:
        """The member and everyone brought in through them, down the tree."""
        return sorted(int(r[0]) for r in await self.db.fetch_all(_BRANCH, (member_id,)))

    async def block_branch(self, member_ids: list[int], by: int, now: int) -> int:
        """Block these members (a branch, counted and confirmed) as /block does, each audited and their invite codes
        stopped; how many were not blocked already."""
        async with self.db.transaction() as conn:
            blocked = 0
            for member_id in member_ids:
                async with conn.execute("SELECT blocked FROM members WHERE id = ?", (member_id,)) as cursor:
                    row = await cursor.fetchone()
                if row is None or row[0]:
                    continue
                await MemberRepository.set_blocked_in(conn, member_id, True, now)
                await InviteRepository.revoke_made_by_in(conn, member_id, now)
                await AuditRepository.record_in(conn, "member.block", actor_id=by, subject_id=member_id,
                                                detail="branch", now=now)
                blocked += 1
            return blocked

    async def export(self, member_id: int) -> dict:
        row = await self.db.fetch_one("SELECT invited_by, newcomer FROM members WHERE id = ?", (member_id,))
        given = await self.db.fetch_all("SELECT member_id FROM vouches WHERE voucher_id = ?", (member_id,))
        return {"brought_in_by_member_number": row[0] if row else None, "newcomer": bool(row and row[1]),
                "vouches_received": await self.vouches_for(member_id),
                "vouched_for_member_numbers": sorted(int(r[0]) for r in given)}
