"""Data steps: migrations that need the key, which SQL alone cannot do. Each runs in its migration's transaction,
right after its script, so a database is never left half sealed.

Version 20 (0020_sealed.sql) seals what a database written by an earlier release holds in the clear: contact
lines, notes meant for one person, message bodies and addresses in the outbox, conversation drafts; turns account
ids into keyed hashes; and moves the buttons' audience hashes from the key the database kept in `meta` (which a
thief had with the file) to the key it does not keep. Counts of wrong link codes and accounts busy in another
process are short-lived, and simply dropped.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable

from storage.buttons import AUDIENCE
from storage.database import Connection
from storage.sealing import Keyring

async def _rows(conn: Connection, sql: str) -> list:
    async with conn.execute(sql) as cursor:
        return list(await cursor.fetchall())


async def seal_existing(conn: Connection, keyring: Keyring) -> None:
    identities = await _rows(conn, "SELECT account, platform, address, dm_channel FROM identities")
    await conn.executemany(
        "UPDATE identities SET account = ?, address = ?, dm_channel = ? WHERE account = ?",
        [(keyring.account(plain), keyring.seal(address), keyring.seal(channel), plain)
         for plain, _platform, address, channel in identities])

    old = await _rows(conn, "SELECT value FROM meta WHERE key = 'audience_secret'")
    if old:
        secret = bytes.fromhex(old[0][0])
        people = [row[0] for row in identities]
        people += [f"member:{row[0]}" for row in await _rows(conn, "SELECT id FROM members")]
        await conn.executemany("UPDATE buttons SET audience = ? WHERE audience = ?", [
            (keyring.tag(AUDIENCE, who), hmac.new(secret, who.encode(), hashlib.sha256).hexdigest()[:32])
            for who in people])
        await conn.execute("DELETE FROM meta WHERE key = 'audience_secret'")
    await conn.execute("DELETE FROM link_attempts")
    await conn.execute("DELETE FROM busy_accounts")

    for table, key, columns in (
        ("members", "id", ("contact",)),
        ("partner_requests", "id", ("note",)),
        ("introductions", "id", ("note",)),
        ("outbox", "id", ("address", "body")),
        ("conversations", "member_id", ("data", "shown")),
    ):
        rows = await _rows(conn, f"SELECT {key}, {', '.join(columns)} FROM {table}")
        assignments = ", ".join(f"{column} = ?" for column in columns)
        await conn.executemany(f"UPDATE {table} SET {assignments} WHERE {key} = ?",
                               [(*(keyring.seal(value) for value in row[1:]), row[0]) for row in rows])

    chats = await _rows(conn, "SELECT DISTINCT platform, chat_hash FROM sent_messages")
    await conn.executemany("UPDATE sent_messages SET chat_hash = ? WHERE platform = ? AND chat_hash = ?",
                           [(keyring.account(f"{platform}:{chat}"), platform, chat) for platform, chat in chats])


STEPS: dict[int, Callable[[Connection, Keyring], Awaitable[None]]] = {20: seal_existing}
