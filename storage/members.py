"""Members: who they are on each platform, their role, and the profile they chose to give."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage.database import Database

PROFILE_FIELDS = ("display_name", "organisation", "actor_kind", "timezone", "contact")


@dataclass(frozen=True)
class Identity:
    """One account on one platform, belonging to a member."""

    platform: str
    external_id: str
    member_id: int
    linked_at: int
    unreachable_since: int | None = None

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.external_id}"


@dataclass(frozen=True)
class Region:
    """A region of the network's list, or a city or country the member typed (`free`)."""

    name: str
    free: bool


@dataclass(frozen=True)
class Member:
    """A member and their profile."""

    id: int
    role: str
    blocked: bool
    display_name: str | None
    organisation: str | None
    actor_kind: str | None
    timezone: str | None
    contact: str | None
    profile_complete: bool
    consented_at: int
    created_at: int
    updated_at: int
    themes: tuple[str, ...] = ()
    regions: tuple[Region, ...] = ()
    languages: tuple[str, ...] = ()
    # Set only by by_identity: the account this member was found through had been marked unreachable.
    identity_unreachable: bool = False


class MemberRepository:
    """Reads and writes members, their identities and their profile lists."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, platform: str, external_id: str, now: int) -> Member:
        """A new member with one identity, as they acknowledge the privacy notice."""
        async with self.db.transaction() as conn:
            member_id = await self.create_in(conn, platform, external_id, now)
        member = await self.get(member_id)
        assert member is not None
        return member

    @staticmethod
    async def create_in(conn: aiosqlite.Connection, platform: str, external_id: str, now: int) -> int:
        """Create within an open transaction; return the new id."""
        cur = await conn.execute(
            "INSERT INTO members (consented_at, created_at, updated_at) VALUES (?, ?, ?)", (now, now, now)
        )
        member_id = cur.lastrowid
        await conn.execute(
            "INSERT INTO identities (platform, external_id, member_id, linked_at) VALUES (?, ?, ?, ?)",
            (platform, external_id, member_id, now),
        )
        return int(member_id)

    async def get(self, member_id: int) -> Member | None:
        """The member with this id, with their themes, regions and languages."""
        async with self.db.transaction() as conn:
            return await self._load(conn, "SELECT * FROM members WHERE id = ?", (member_id,))

    async def by_identity(self, platform: str, external_id: str) -> Member | None:
        """The member behind an account, or None for a stranger."""
        async with self.db.transaction() as conn:
            return await self._load(
                conn,
                "SELECT m.*, i.unreachable_since AS identity_unreachable FROM members m "
                "JOIN identities i ON i.member_id = m.id WHERE i.platform = ? AND i.external_id = ?",
                (platform, external_id),
            )

    async def _load(self, conn: aiosqlite.Connection, sql: str, args: tuple) -> Member | None:
        async with conn.execute(sql, args) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        member_id = row["id"]
        async with conn.execute(
            "SELECT theme FROM member_themes WHERE member_id = ? ORDER BY theme", (member_id,)
        ) as cur:
            themes = tuple(r[0] for r in await cur.fetchall())
        async with conn.execute(
            "SELECT region, free FROM member_regions WHERE member_id = ? ORDER BY free, region", (member_id,)
        ) as cur:
            regions = tuple(Region(r[0], bool(r[1])) for r in await cur.fetchall())
        async with conn.execute(
            "SELECT language FROM member_languages WHERE member_id = ? ORDER BY position", (member_id,)
        ) as cur:
            languages = tuple(r[0] for r in await cur.fetchall())
        return Member(
            id=member_id,
            role=row["role"],
            blocked=bool(row["blocked"]),
            display_name=row["display_name"],
            organisation=row["organisation"],
            actor_kind=row["actor_kind"],
            timezone=row["timezone"],
            contact=row["contact"],
            profile_complete=bool(row["profile_complete"]),
            consented_at=row["consented_at"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            themes=themes,
            regions=regions,
            languages=languages,
            identity_unreachable="identity_unreachable" in row.keys() and row["identity_unreachable"] is not None,
        )

    async def identities(self, member_id: int) -> list[Identity]:
        """Every platform account of the member."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT platform, external_id, member_id, linked_at, unreachable_since FROM identities WHERE member_id = ? "
                "ORDER BY platform, external_id",
                (member_id,),
            ) as cur:
                return [Identity(*row) for row in await cur.fetchall()]

    async def set_reachable(self, platform: str, external_id: str, reachable: bool, now: int) -> None:
        """Mark an account unreachable (it refused a message) or reachable again (its owner wrote to the bot)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE identities SET unreachable_since = ? WHERE platform = ? AND external_id = ?",
                (None if reachable else now, platform, external_id),
            )

    async def with_role(self, role: str) -> list[Identity]:
        """The accounts of every member with this role."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT i.platform, i.external_id, i.member_id, i.linked_at, i.unreachable_since FROM identities i "
                "JOIN members m ON m.id = i.member_id WHERE m.role = ? ORDER BY i.member_id",
                (role,),
            ) as cur:
                return [Identity(*row) for row in await cur.fetchall()]

    async def set_field(self, member_id: int, field: str, value: str | None, now: int) -> None:
        """Change one profile field."""
        if field not in PROFILE_FIELDS:
            raise ValueError(f"not a profile field: {field}")
        async with self.db.transaction() as conn:
            await conn.execute(
                f"UPDATE members SET {field} = ?, updated_at = ? WHERE id = ?", (value, now, member_id)
            )

    async def set_themes(self, member_id: int, themes: list[str], now: int) -> None:
        """Replace the member's themes."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM member_themes WHERE member_id = ?", (member_id,))
            await conn.executemany(
                "INSERT INTO member_themes (member_id, theme) VALUES (?, ?)", [(member_id, t) for t in themes]
            )
            await conn.execute("UPDATE members SET updated_at = ? WHERE id = ?", (now, member_id))

    async def set_regions(self, member_id: int, regions: list[Region], now: int) -> None:
        """Replace the member's regions."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM member_regions WHERE member_id = ?", (member_id,))
            await conn.executemany(
                "INSERT INTO member_regions (member_id, region, free) VALUES (?, ?, ?)",
                [(member_id, r.name, int(r.free)) for r in regions],
            )
            await conn.execute("UPDATE members SET updated_at = ? WHERE id = ?", (now, member_id))

    async def set_languages(self, member_id: int, languages: list[str], now: int) -> None:
        """Replace the member's languages, keeping their order (the first is the preferred one)."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM member_languages WHERE member_id = ?", (member_id,))
            await conn.executemany(
                "INSERT INTO member_languages (member_id, language, position) VALUES (?, ?, ?)",
                [(member_id, lang, i) for i, lang in enumerate(languages)],
            )
            await conn.execute("UPDATE members SET updated_at = ? WHERE id = ?", (now, member_id))

    async def mark_complete(self, member_id: int, now: int) -> None:
        """The guided profile has been gone through once."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE members SET profile_complete = 1, updated_at = ? WHERE id = ?", (now, member_id)
            )

    @staticmethod
    async def set_role_in(conn: aiosqlite.Connection, member_id: int, role: str, now: int) -> None:
        """Make the member an organiser or a plain member, within an open transaction."""
        await conn.execute("UPDATE members SET role = ?, updated_at = ? WHERE id = ?", (role, now, member_id))

    @staticmethod
    async def set_blocked_in(conn: aiosqlite.Connection, member_id: int, blocked: bool, now: int) -> None:
        """Block or unblock the member, within an open transaction."""
        await conn.execute(
            "UPDATE members SET blocked = ?, updated_at = ? WHERE id = ?", (int(blocked), now, member_id)
        )

    async def find_by_name(self, name: str, limit: int = 20) -> list[Member]:
        """Members whose display name equals `name`, ignoring case."""
        return await self._search("display_name = ? COLLATE NOCASE", (name,), limit)

    async def search(self, text: str, limit: int = 20) -> list[Member]:
        """Members whose display name contains `text` (all members when empty), newest last."""
        if not text:
            return await self._search("1", (), limit)
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return await self._search("display_name LIKE ? ESCAPE '\\'", (f"%{escaped}%",), limit)

    async def _search(self, where: str, args: tuple, limit: int) -> list[Member]:
        async with self.db.transaction() as conn:
            async with conn.execute(f"SELECT id FROM members WHERE {where} ORDER BY id LIMIT ?", (*args, limit)) as cur:
                ids = [row[0] for row in await cur.fetchall()]
            members = [await self._load(conn, "SELECT * FROM members WHERE id = ?", (i,)) for i in ids]
        return [m for m in members if m is not None]

    async def count(self) -> int:
        """How many members the network has."""
        async with self.db.transaction() as conn:
            async with conn.execute("SELECT count(*) FROM members") as cur:
                return int((await cur.fetchone())[0])

    async def delete(self, member_id: int) -> None:
        """Erase the member; their identities, profile lists and conversation go with them (cascade)."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM members WHERE id = ?", (member_id,))
