"""Members: who they are on each platform, their role, and the profile they chose to give."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from storage.database import Connection, Database, inserted_id
from storage.sealing import Keyring

PROFILE_FIELDS = ("display_name", "organisation", "actor_kind", "timezone", "contact")
# An account is found by `account`, a keyed hash of "platform:id"; its id (`address`) and Discord DM channel are
# sealed (storage/sealing.py).
_IDENTITY_COLUMNS = "platform, address, member_id, linked_at, unreachable_since, dm_channel"


@dataclass(frozen=True)
class Holding:
    """What a member asked of the messages the bot sends on its own: `away_until` (they wait until then; their own
    reminders too with `reminders`), `discreet` (a neutral first line)."""

    away_until: int | None
    reminders: bool
    discreet: bool


@dataclass(frozen=True)
class Identity:
    """One account on one platform, belonging to a member."""

    platform: str
    external_id: str
    member_id: int
    linked_at: int
    unreachable_since: int | None = None
    dm_channel: str | None = None  # Discord: the id of the direct-message channel with this account, once known

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
    accounts: tuple[str, ...] = ()  # "platform:id" of each linked account
    notify_on: str = "all"  # where notifications go: "all" accounts, or one platform's ("telegram", "discord")
    quiet_start: int | None = None  # quiet hours, minutes after local midnight; None: the default
    quiet_end: int | None = None
    # Set only by by_identity: the account this member was found through had been marked unreachable.
    identity_unreachable: bool = False


Reachable = tuple[str, list[tuple[str, str]]]  # (notify_on, [(platform, external id), …])
_REACHABLE = ("SELECT m.id, m.notify_on, i.platform, i.address FROM members m JOIN identities i "
              "ON i.member_id = m.id WHERE m.id IN ({marks}) AND i.unreachable_since IS NULL ORDER BY i.platform")


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    """Ids in chunks well under SQLite's limit on parameters."""
    return [ids[start:start + size] for start in range(0, len(ids), size)]


def _add_reachable(found: dict[int, Reachable], rows: Any, keyring: Keyring) -> None:
    for member_id, notify_on, platform, address in rows:
        found.setdefault(member_id, (notify_on, []))[1].append((platform, keyring.open(address)))


# One round trip: the member row with their lists and accounts folded in as JSON arrays, in each engine's words.
_SELECT = {
    "sqlite": (
        "SELECT m.*, "
        "(SELECT json_group_array(theme) FROM (SELECT theme FROM member_themes WHERE member_id = m.id "
        "ORDER BY theme)) AS themes_json, "
        "(SELECT json_group_array(json_array(region, free)) FROM (SELECT region, free FROM member_regions "
        "WHERE member_id = m.id ORDER BY free, region)) AS regions_json, "
        "(SELECT json_group_array(language) FROM (SELECT language FROM member_languages WHERE member_id = m.id "
        "ORDER BY position)) AS languages_json, "
        "(SELECT json_group_array(json_array(platform, address)) FROM identities WHERE member_id = m.id) "
        "AS accounts_json"
    ),
    "postgresql": (
        "SELECT m.*, "
        "(SELECT coalesce(json_agg(theme ORDER BY theme), '[]')::text FROM member_themes "
        "WHERE member_id = m.id) AS themes_json, "
        "(SELECT coalesce(json_agg(json_build_array(region, free) ORDER BY free, region), '[]')::text "
        "FROM member_regions WHERE member_id = m.id) AS regions_json, "
        "(SELECT coalesce(json_agg(language ORDER BY position), '[]')::text FROM member_languages "
        "WHERE member_id = m.id) AS languages_json, "
        "(SELECT coalesce(json_agg(json_build_array(platform, address)), '[]')::text FROM identities "
        "WHERE member_id = m.id) AS accounts_json"
    ),
}
# Looked up together with other accounts asking at the same moment (Database.fetch_keyed). SQLite's CROSS JOIN
# keeps the list of keys first, so each key is one index search; PostgreSQL plans the plain join that way itself.
_BY_IDENTITY = {
    dialect: (
        f"{select}, i.unreachable_since AS identity_unreachable, i.account "
        f"FROM (VALUES {{keys}}) AS k {join} identities i ON i.account = k.column1 "
        "JOIN members m ON m.id = i.member_id"
    )
    for dialect, select, join in (("sqlite", _SELECT["sqlite"], "CROSS JOIN"),
                                  ("postgresql", _SELECT["postgresql"], "JOIN"))
}
# A column equal to a parameter, ignoring case; and the operator for "contains", ignoring case.
_SAME_TEXT = {"sqlite": "{column} = ? COLLATE NOCASE", "postgresql": "lower({column}) = lower(?)"}
_CONTAINS = {"sqlite": "LIKE", "postgresql": "ILIKE"}


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

    async def create_in(self, conn: Connection, platform: str, external_id: str, now: int) -> int:
        """Create within an open transaction; return the new id."""
        member_id = await inserted_id(
            conn, "INSERT INTO members (consented_at, created_at, updated_at) VALUES (?, ?, ?)", (now, now, now)
        )
        await self.add_identity_in(conn, platform, external_id, member_id, now)
        return int(member_id)

    async def add_identity_in(self, conn: Connection, platform: str, external_id: str, member_id: int,
                              now: int) -> None:
        """Give the member an account, within an open transaction."""
        await conn.execute(
            "INSERT INTO identities (account, platform, address, member_id, linked_at) VALUES (?, ?, ?, ?, ?)",
            (self.account(platform, external_id), platform, self.db.keyring.seal(external_id), member_id, now),
        )

    def account(self, platform: str, external_id: str) -> str:
        """What stands for an account in the database (a keyed hash)."""
        return self.db.keyring.account(f"{platform}:{external_id}")

    async def member_ids_of(self, accounts: frozenset[str]) -> frozenset[int]:
        """The members who hold these accounts ("platform:id")."""
        if not accounts:
            return frozenset()
        hashes = sorted(self.db.keyring.account(key) for key in accounts)
        rows = await self.db.fetch_all(
            f"SELECT member_id FROM identities WHERE account IN ({','.join('?' * len(hashes))})", hashes)
        return frozenset(int(row[0]) for row in rows)

    def _identity(self, row: Any) -> Identity:
        platform, address, member_id, linked_at, unreachable_since, dm_channel = tuple(row)
        return Identity(platform, self.db.keyring.open(address), member_id, linked_at, unreachable_since,
                        self.db.keyring.open(dm_channel))

    def _member(self, row: Any) -> Member:
        return _member(row, self.db.keyring)

    async def get(self, member_id: int) -> Member | None:
        """The member with this id, with their themes, regions, languages and accounts."""
        row = await self.db.fetch_one(f"{self._select}, NULL AS identity_unreachable FROM members m WHERE m.id = ?",
                                      (member_id,))
        return self._member(row) if row else None

    async def by_identity(self, platform: str, external_id: str) -> Member | None:
        """The member behind an account, or None for a stranger."""
        row = await self.db.fetch_keyed(_BY_IDENTITY[self.db.dialect], (self.account(platform, external_id),))
        return self._member(row) if row else None

    @property
    def _select(self) -> str:
        return _SELECT[self.db.dialect]

    async def identities(self, member_id: int) -> list[Identity]:
        """Every platform account of the member."""
        rows = await self.db.fetch_all(
            f"SELECT {_IDENTITY_COLUMNS} FROM identities WHERE member_id = ? ORDER BY platform", (member_id,))
        return [self._identity(row) for row in rows]

    async def identity(self, platform: str, external_id: str) -> Identity | None:
        """One account, if it belongs to a member."""
        row = await self.db.fetch_one(
            f"SELECT {_IDENTITY_COLUMNS} FROM identities WHERE account = ?", (self.account(platform, external_id),))
        return self._identity(row) if row else None

    async def delivery_accounts(self, member_id: int) -> tuple[str, list[Identity]]:
        """Where the member wants notifications ("all" or a platform), and their accounts; ("all", []) if no
        such member."""
        rows = await self.db.fetch_all(
            "SELECT m.notify_on, i.platform, i.address, i.member_id, i.linked_at, i.unreachable_since, "
            "i.dm_channel FROM members m LEFT JOIN identities i ON i.member_id = m.id WHERE m.id = ? "
            "ORDER BY i.platform",
            (member_id,),
        )
        if not rows:
            return "all", []
        return rows[0][0], [self._identity(tuple(row)[1:]) for row in rows if row[1] is not None]

    async def set_dm_channel(self, platform: str, external_id: str, channel_id: str | int | None) -> None:
        """Remember (or, with None, forget) the direct-message channel of an account (Discord)."""
        await self.db.execute(
            "UPDATE identities SET dm_channel = ? WHERE account = ?",
            (None if channel_id is None else self.db.keyring.seal(str(channel_id)), self.account(platform, external_id)),
        )

    async def dm_channel(self, platform: str, external_id: str) -> str | None:
        """The direct-message channel remembered for an account (Discord), if any."""
        row = await self.db.fetch_one(
            "SELECT dm_channel FROM identities WHERE account = ?", (self.account(platform, external_id),))
        return self.db.keyring.open(row[0]) if row else None

    async def set_notify_on(self, member_id: int, where: str, now: int) -> None:
        """Send notifications to all the member's accounts ("all") or to one platform's."""
        if not where:
            raise ValueError("empty notification preference")
        await self.db.execute("UPDATE members SET notify_on = ?, updated_at = ? WHERE id = ?", (where, now, member_id))

    async def set_reachable(self, platform: str, external_id: str, reachable: bool, now: int) -> None:
        """Mark an account unreachable (it refused a message) or reachable again (its owner wrote to the bot)."""
        await self.db.execute(
            "UPDATE identities SET unreachable_since = ? WHERE account = ?",
            (None if reachable else now, self.account(platform, external_id)),
        )

    async def with_role(self, role: str) -> list[Identity]:
        """The accounts of every member with this role."""
        rows = await self.db.fetch_all(
            "SELECT i.platform, i.address, i.member_id, i.linked_at, i.unreachable_since, i.dm_channel "
            "FROM identities i JOIN members m ON m.id = i.member_id WHERE m.role = ? ORDER BY i.member_id",
            (role,),
        )
        return [self._identity(row) for row in rows]

    async def ids_on(self, platform: str) -> list[int]:
        """The members with an account on this platform, in the order they joined."""
        rows = await self.db.fetch_all(
            "SELECT DISTINCT member_id FROM identities WHERE platform = ? ORDER BY member_id", (platform,))
        return [row[0] for row in rows]

    async def menus_caught_up(self, platform: str) -> bool:
        """Whether every member's chat on this platform was given its command menu (see `set_menus_caught_up`)."""
        return await self.db.fetch_one("SELECT 1 FROM meta WHERE key = ?", (f"menus_caught_up:{platform}",)) \
            is not None

    async def set_menus_caught_up(self, platform: str) -> None:
        """Remember that every member's chat on this platform has its command menu: from now on each gets it as
        they join, so the platform never needs to go through them all again."""
        await self.db.execute("INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT DO NOTHING",
                              (f"menus_caught_up:{platform}",))

    async def set_field(self, member_id: int, field: str, value: str | None, now: int) -> None:
        """Change one profile field."""
        if field not in PROFILE_FIELDS:
            raise ValueError(f"not a profile field: {field}")
        if field == "contact":
            value = self.db.keyring.seal(value)
        await self.db.execute(f"UPDATE members SET {field} = ?, updated_at = ? WHERE id = ?", (value, now, member_id))

    async def panic_contact(self, member_id: int) -> int | None:
        """The member this one chose to be told if they use /panic (None: nobody)."""
        row = await self.db.fetch_one("SELECT panic_contact FROM members WHERE id = ?", (member_id,))
        return int(row[0]) if row and row[0] is not None else None

    async def set_panic_contact(self, member_id: int, contact_id: int | None, now: int) -> None:
        await self.db.execute("UPDATE members SET panic_contact = ?, updated_at = ? WHERE id = ?",
                              (contact_id, now, member_id))

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
            await self.set_languages_in(conn, member_id, languages, now)

    @staticmethod
    async def set_languages_in(conn: Connection, member_id: int, languages: list[str], now: int) -> None:
        """`set_languages` within an open transaction."""
        await conn.execute("DELETE FROM member_languages WHERE member_id = ?", (member_id,))
        await conn.executemany(
            "INSERT INTO member_languages (member_id, language, position) VALUES (?, ?, ?)",
            [(member_id, lang, i) for i, lang in enumerate(languages)],
        )
        await conn.execute("UPDATE members SET updated_at = ? WHERE id = ?", (now, member_id))

    async def set_quiet_hours(self, member_id: int, start: int | None, end: int | None, now: int) -> None:
        """Set quiet hours (minutes after local midnight), or None for both to go back to the default."""
        await self.db.execute("UPDATE members SET quiet_start = ?, quiet_end = ?, updated_at = ? WHERE id = ?",
                              (start, end, now, member_id))

    async def organiser_ids(self, *, besides: int) -> list[int]:
        """The organisers who are not blocked (admins named in the settings aside), but `besides`."""
        rows = await self.db.fetch_all(
            "SELECT id FROM members WHERE role = 'organiser' AND blocked = 0 AND id != ? ORDER BY id", (besides,))
        return [int(r[0]) for r in rows]

    async def reachable_accounts(self, member_ids: list[int]) -> dict[int, Reachable]:
        """Each member's notification choice and the accounts that take messages (see `reachable_accounts_in`)."""
        found: dict[int, Reachable] = {}
        for chunk in _chunks(member_ids):
            _add_reachable(found, await self.db.fetch_all(_REACHABLE.format(marks=",".join("?" * len(chunk))), chunk),
                           self.db.keyring)
        return found

    async def reachable_accounts_in(self, conn: Connection, member_ids: list[int]) -> dict[int, Reachable]:
        """Within an open transaction: for each member who has one, their notification choice (`notify_on`) and
        the (platform, external id) of each account not marked unreachable, by platform."""
        found: dict[int, Reachable] = {}
        for chunk in _chunks(member_ids):
            async with conn.execute(_REACHABLE.format(marks=",".join("?" * len(chunk))), chunk) as cursor:
                _add_reachable(found, await cursor.fetchall(), self.db.keyring)
        return found

    @staticmethod
    async def holding_in(conn: Connection, member_ids: list[int], now: int) -> dict[int, Holding]:
        """Within an open transaction: the members among these who are away now or want discreet notifications,
        with what that asks of the messages sent to them."""
        found: dict[int, Holding] = {}
        for chunk in _chunks(member_ids):
            async with conn.execute(
                    "SELECT id, away_until, away_reminders, discreet FROM members WHERE id IN "
                    f"({','.join('?' * len(chunk))}) AND (away_until > ? OR discreet = 1)", [*chunk, now]) as cursor:
                for member_id, until, reminders, discreet in await cursor.fetchall():
                    away = until is not None and int(until) > now
                    found[int(member_id)] = Holding(int(until) if away else None, away and bool(reminders),
                                                    bool(discreet))
        return found

    async def away(self, member_id: int, now: int) -> tuple[int, bool] | None:
        """Until when the member is away, and whether their own reminders wait too; None when they are not."""
        row = await self.db.fetch_one("SELECT away_until, away_reminders FROM members WHERE id = ? AND away_until > ?",
                                      (member_id, now))
        return (int(row[0]), bool(row[1])) if row else None

    async def set_away(self, member_id: int, until: int | None, reminders: bool, now: int) -> None:
        """Away until `until` (None: back now)."""
        await self.db.execute("UPDATE members SET away_until = ?, away_reminders = ?, updated_at = ? WHERE id = ?",
                              (until, int(reminders and until is not None), now, member_id))

    async def discreet(self, member_id: int) -> bool:
        row = await self.db.fetch_one("SELECT discreet FROM members WHERE id = ?", (member_id,))
        return bool(row and row[0])

    async def set_discreet(self, member_id: int, on: bool, now: int) -> None:
        await self.db.execute("UPDATE members SET discreet = ?, updated_at = ? WHERE id = ?",
                              (int(on), now, member_id))

    async def get_many(self, member_ids: list[int]) -> dict[int, Member]:
        """Several members in one query, by id (the missing ones are left out)."""
        if not member_ids:
            return {}
        marks = ",".join("?" * len(member_ids))
        rows = await self.db.fetch_all(
            f"{self._select}, NULL AS identity_unreachable FROM members m WHERE m.id IN ({marks})", member_ids)
        return {row["id"]: self._member(row) for row in rows}

    async def mark_complete(self, member_id: int, now: int) -> None:
        """The guided profile has been gone through once."""
        await self.db.execute("UPDATE members SET profile_complete = 1, updated_at = ? WHERE id = ?", (now, member_id))

    @staticmethod
    async def set_role_in(conn: Connection, member_id: int, role: str, now: int) -> None:
        """Make the member an organiser or a plain member, within an open transaction."""
        await conn.execute("UPDATE members SET role = ?, updated_at = ? WHERE id = ?", (role, now, member_id))

    @staticmethod
    async def set_blocked_in(conn: Connection, member_id: int, blocked: bool, now: int) -> None:
        """Block or unblock the member, within an open transaction."""
        await conn.execute(
            "UPDATE members SET blocked = ?, updated_at = ? WHERE id = ?", (int(blocked), now, member_id)
        )

    async def find_by_name(self, name: str, limit: int = 20) -> list[Member]:
        """Members whose display name equals `name`, ignoring case."""
        return await self._search(_SAME_TEXT[self.db.dialect].format(column="m.display_name"), (name,), limit)

    async def search(self, text: str, limit: int = 20, *, theme: str | None = None,
                     region: str | None = None) -> list[Member]:
        """Members whose display name contains `text` (all when empty), who work on `theme` and in `region`
        when given (a region is the network's id, or a place members typed, in any case); oldest first."""
        where, args = _matching(self.db.dialect, text, theme, region)
        return await self._search(where, args, limit)

    async def count_matching(self, text: str, *, theme: str | None = None, region: str | None = None) -> int:
        """How many members `search` would find with no limit."""
        where, args = _matching(self.db.dialect, text, theme, region)
        row = await self.db.fetch_one(f"SELECT count(*) FROM members m WHERE {where}", args)
        return int(row[0])

    async def _search(self, where: str, args: tuple, limit: int) -> list[Member]:
        rows = await self.db.fetch_all(
            f"{self._select}, NULL AS identity_unreachable FROM members m WHERE {where} ORDER BY m.id LIMIT ?",
            (*args, limit),
        )
        return [self._member(row) for row in rows]

    async def count(self) -> int:
        """How many members the network has."""
        row = await self.db.fetch_one("SELECT count(*) FROM members")
        return int(row[0])

    @staticmethod
    async def delete_in(conn: Connection, member_id: int) -> None:
        """Erase the member within an open transaction; every row referring to them goes too (cascade) or
        forgets them (SET NULL)."""
        await conn.execute("DELETE FROM members WHERE id = ?", (member_id,))


def _matching(dialect: str, text: str, theme: str | None, region: str | None) -> tuple[str, tuple]:
    """The condition (on `members m`) and its arguments that `search` and `count_matching` share."""
    where, args = ["TRUE"], []
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append(f"m.display_name {_CONTAINS[dialect]} ? ESCAPE '\\'")
        args.append(f"%{escaped}%")
    if theme:
        where.append("EXISTS (SELECT 1 FROM member_themes t WHERE t.member_id = m.id AND t.theme = ?)")
        args.append(theme)
    if region:
        same = _SAME_TEXT[dialect].format(column="r.region")
        where.append(f"EXISTS (SELECT 1 FROM member_regions r WHERE r.member_id = m.id "
                     f"AND (r.region = ? OR (r.free = 1 AND {same})))")
        args += [region, region]
    return " AND ".join(where), tuple(args)


def _member(row: Any, keyring: Keyring) -> Member:
    """A Member from a row of `_SELECT`, its sealed values opened."""
    return Member(
        id=row["id"],
        role=row["role"],
        blocked=bool(row["blocked"]),
        display_name=row["display_name"],
        organisation=row["organisation"],
        actor_kind=row["actor_kind"],
        timezone=row["timezone"],
        contact=keyring.open(row["contact"]),
        profile_complete=bool(row["profile_complete"]),
        consented_at=row["consented_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        themes=tuple(json.loads(row["themes_json"])),
        regions=tuple(Region(name, bool(free)) for name, free in json.loads(row["regions_json"])),
        languages=tuple(json.loads(row["languages_json"])),
        accounts=tuple(f"{platform}:{keyring.open(address)}" for platform, address in json.loads(row["accounts_json"])),
        notify_on=row["notify_on"],
        quiet_start=row["quiet_start"],
        quiet_end=row["quiet_end"],
        identity_unreachable=row["identity_unreachable"] is not None,
    )
