"""Link codes: how one person joins their accounts on several platforms into one member (/link, /unlink).

A member asks for a code on one platform and enters it on another. Only the code's SHA-256 hash is stored (as
for invites); a code works once, for ten minutes, and only for an account on another platform. Wrong codes are
counted per account, as a keyed hash (strangers enter codes too), so that codes cannot be guessed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from storage.audit import AuditRepository
from storage.buttons import ButtonRepository
from storage.database import Connection, Database
from storage.invites import _ALPHABET, CODE_LENGTH, new_code, normalise_code
from storage.members import MemberRepository
from storage.partners import PartnerRepository

CODE_LIFETIME = 10 * 60
ATTEMPT_WINDOW = 3600
MAX_WRONG_ATTEMPTS = 5
KEEP_SPENT = 24 * 3600  # expired and used codes stay this long, so a late or second try gets a clear answer


def well_formed(text: str) -> bool:
    """Whether `text` could be a code (any case, spaces and dashes allowed)."""
    code = normalise_code(text)
    return len(code) == CODE_LENGTH and all(ch in _ALPHABET for ch in code)


def code_hash(code: str) -> str:
    """What is stored instead of the code."""
    return hashlib.sha256(("link:" + normalise_code(code)).encode()).hexdigest()


@dataclass(frozen=True)
class LinkCode:
    """A code a member asked for; the code itself is never stored."""

    code_hash: str
    member_id: int
    platform: str  # where it was issued: it must be entered on another platform
    created_at: int
    expires_at: int
    used_at: int | None = None

    def state(self, now: int) -> str:
        """'valid', 'used' or 'expired'."""
        if self.used_at is not None:
            return "used"
        return "valid" if now < self.expires_at else "expired"


_CODE_COLUMNS = "code_hash, member_id, platform, created_at, expires_at, used_at"


class LinkRepository:
    """Issues and checks link codes, counts wrong ones, and joins or separates accounts."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._members = MemberRepository(db)

    # --- codes ---------------------------------------------------------------------------------------------

    async def create(self, member_id: int, platform: str, now: int) -> tuple[str, LinkCode]:
        """A new code for the member (shown once; any earlier unused code of theirs stops working)."""
        code = new_code()
        record = LinkCode(code_hash(code), member_id, platform, now, now + CODE_LIFETIME)
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM link_codes WHERE member_id = ? AND used_at IS NULL", (member_id,))
            await self._purge_in(conn, now)
            await conn.execute(
                f"INSERT INTO link_codes ({_CODE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                (record.code_hash, member_id, platform, now, record.expires_at, None),
            )
        return code, record

    async def find(self, code: str) -> LinkCode | None:
        """The code as typed, in whatever state (None if no such code was issued, or it was purged)."""
        return await self.by_hash(code_hash(code))

    async def by_hash(self, hashed: str) -> LinkCode | None:
        """The code with this hash."""
        row = await self.db.fetch_one(f"SELECT {_CODE_COLUMNS} FROM link_codes WHERE code_hash = ?", (hashed,))
        return LinkCode(*row) if row else None

    async def for_member(self, member_id: int) -> list[LinkCode]:
        """The codes a member asked for that are still kept (for export)."""
        rows = await self.db.fetch_all(
            f"SELECT {_CODE_COLUMNS} FROM link_codes WHERE member_id = ? ORDER BY created_at", (member_id,)
        )
        return [LinkCode(*row) for row in rows]

    async def purge(self, now: int) -> None:
        """Drop codes spent or expired long enough ago, and wrong attempts older than the window."""
        async with self.db.transaction() as conn:
            await self._purge_in(conn, now)

    @staticmethod
    async def _purge_in(conn: Connection, now: int) -> None:
        await conn.execute("DELETE FROM link_codes WHERE expires_at <= ?", (now - KEEP_SPENT,))
        await conn.execute("DELETE FROM link_attempts WHERE at <= ?", (now - ATTEMPT_WINDOW,))

    # --- guessing limits -----------------------------------------------------------------------------------

    async def account_key(self, person_key: str) -> str:
        """The keyed hash that stands for an account ("telegram:123") in the attempt count."""
        return self.db.keyring.tag("link attempts", person_key)

    async def wrong_attempts(self, person_key: str, now: int) -> list[int]:
        """When this account entered a wrong code within the last hour, oldest first."""
        rows = await self.db.fetch_all(
            "SELECT at FROM link_attempts WHERE account = ? AND at > ? ORDER BY at",
            (await self.account_key(person_key), now - ATTEMPT_WINDOW),
        )
        return [row[0] for row in rows]

    async def record_wrong(self, person_key: str, now: int) -> int:
        """Count a wrong code; how many this account entered within the last hour, this one included."""
        key = await self.account_key(person_key)
        async with self.db.transaction() as conn:
            await self._purge_in(conn, now)
            await conn.execute("INSERT INTO link_attempts (account, at) VALUES (?, ?)", (key, now))
            async with conn.execute("SELECT count(*) FROM link_attempts WHERE account = ? AND at > ?",
                                    (key, now - ATTEMPT_WINDOW)) as cur:
                return int((await cur.fetchone())[0])

    @staticmethod
    async def forget_accounts_in(conn: Connection, account_keys: list[str]) -> None:
        """Delete the attempt counts of these accounts (keys from `account_key`), within an open transaction."""
        await conn.executemany("DELETE FROM link_attempts WHERE account = ?", [(k,) for k in account_keys])

    # --- joining and separating accounts -------------------------------------------------------------------

    async def join(self, hashed: str, *, kept_member_id: int, platform: str, external_id: str,
                   replaced_member_id: int | None, forget_audiences: list[str], now: int) -> str:
        """Use the code and make the account (platform, external_id) part of the member who issued it.

        If the account belonged to another member (`replaced_member_id`), every account of that member moves
        to the kept one and that member is deleted, with everything that refers to it (`forget_audiences`: the
        keyed hashes of its buttons). One transaction, with an audit row of ids only. Returns 'linked', or why
        nothing changed: 'code' (not valid any more), 'changed' (the account's owner is not the one expected),
        'platform' (the kept member already has an account on one of those platforms), 'blocked'.
        """
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT l.platform, m.blocked FROM link_codes l JOIN members m ON m.id = l.member_id "
                "WHERE l.code_hash = ? AND l.member_id = ? AND l.used_at IS NULL AND l.expires_at > ?",
                (hashed, kept_member_id, now),
            ) as cur:
                code = await cur.fetchone()
            if code is None:
                return "code"
            if code[1]:
                return "blocked"
            async with conn.execute("SELECT member_id FROM identities WHERE account = ?",
                                    (self._members.account(platform, external_id),)) as cur:
                owner = await cur.fetchone()
            if (owner[0] if owner else None) != replaced_member_id:
                return "changed"
            moving = {platform}
            if replaced_member_id is not None:
                async with conn.execute("SELECT platform FROM identities WHERE member_id = ?",
                                        (replaced_member_id,)) as cur:
                    moving = {row[0] for row in await cur.fetchall()}
            async with conn.execute("SELECT platform FROM identities WHERE member_id = ?",
                                    (kept_member_id,)) as cur:
                kept = {row[0] for row in await cur.fetchall()}
            if moving & kept or code[0] in moving:
                return "platform"
            await conn.execute("UPDATE link_codes SET used_at = ? WHERE code_hash = ?", (now, hashed))
            if replaced_member_id is None:
                await self._members.add_identity_in(conn, platform, external_id, kept_member_id, now)
            else:
                await conn.execute("UPDATE identities SET member_id = ?, linked_at = ? WHERE member_id = ?",
                                   (kept_member_id, now, replaced_member_id))
                await ButtonRepository.forget_audiences_in(conn, forget_audiences)
                await PartnerRepository.forget_in(conn, replaced_member_id)
                await MemberRepository.delete_in(conn, replaced_member_id)
            await conn.execute("UPDATE members SET updated_at = ? WHERE id = ?", (now, kept_member_id))
            detail = "platforms=" + ",".join(sorted(moving))
            if replaced_member_id is not None:
                detail += f" replaced={replaced_member_id}"
            await AuditRepository.record_in(conn, "member.link", actor_id=kept_member_id, detail=detail, now=now)
        return "linked"

    async def unlink(self, member_id: int, platform: str, *, forget_audiences: list[str], now: int) -> str:
        """Detach the member's account on `platform` (it becomes a stranger's), in one transaction with an audit
        row; buttons shown to it (`forget_audiences`) go too. Returns 'unlinked', or 'missing' (no account
        there) or 'last' (it is their only account) and changes nothing."""
        async with self.db.transaction() as conn:
            async with conn.execute("SELECT platform FROM identities WHERE member_id = ?", (member_id,)) as cur:
                platforms = [row[0] for row in await cur.fetchall()]
            if platform not in platforms:
                return "missing"
            if all(p == platform for p in platforms):
                return "last"
            await conn.execute("DELETE FROM identities WHERE member_id = ? AND platform = ?", (member_id, platform))
            await ButtonRepository.forget_audiences_in(conn, forget_audiences)
            await conn.execute(
                "UPDATE members SET notify_on = CASE WHEN notify_on = ? THEN 'all' ELSE notify_on END, "
                "updated_at = ? WHERE id = ?",
                (platform, now, member_id),
            )
            await AuditRepository.record_in(conn, "member.unlink", actor_id=member_id, detail=f"platform={platform}",
                                            now=now)
        return "unlinked"
