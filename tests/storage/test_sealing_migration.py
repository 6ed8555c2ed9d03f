"""A database written before sealing (schema 19) is sealed as it is migrated (0020 and its data step,
storage/resealing.py), on both engines: afterwards nothing of what it held in the clear is left in any table, and
the bot finds and reads everything as before: the member behind an account, their contact line, the notes, the
message waiting in the outbox with where it goes, the draft, the buttons already shown, the messages /panic would
delete."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import Repositories, SqliteDatabase
from storage.database import Database
from storage.postgresql import PostgresDatabase
from tests.postgres import SECRET_KEY, fresh_database

NOW = 1_800_000_000
OLD_SECRET = "ab" * 32  # the audience secret databases used to keep in meta
TELEGRAM, DISCORD, CHANNEL = "5550001111", "5550002222", "99887766"
CLEAR = ("Signal +41 OLD-CONTACT", "old note for one person", "How to reach you: OLD-CONTACT",
         "draft OLD-DRAFT-CONTACT", TELEGRAM, DISCORD, CHANNEL, OLD_SECRET)


def _old_hash(who: str) -> str:
    return hmac.new(bytes.fromhex(OLD_SECRET), who.encode(), hashlib.sha256).hexdigest()[:32]


OLD_ROWS = [
    ("INSERT INTO meta (key, value) VALUES ('audience_secret', ?)", (OLD_SECRET,)),
    ("INSERT INTO members (id, display_name, contact, consented_at, created_at, updated_at) "
     "VALUES (1, 'Ada', 'Signal +41 OLD-CONTACT', ?, ?, ?), (2, 'Ben', NULL, ?, ?, ?)", (NOW,) * 6),
    ("INSERT INTO identities (platform, external_id, member_id, linked_at) VALUES ('telegram', ?, 1, ?)",
     (TELEGRAM, NOW)),
    ("INSERT INTO identities (platform, external_id, member_id, linked_at, dm_channel) "
     "VALUES ('discord', ?, 2, ?, ?)", (DISCORD, NOW, CHANNEL)),
    ("INSERT INTO partner_requests (id, member_id, note, created_at, updated_at) "
     "VALUES (1, 1, 'old note for one person', ?, ?)", (NOW, NOW)),
    ("INSERT INTO introductions (id, request_id, a_id, b_id, note, expires_at, created_at, updated_at) "
     "VALUES (1, 1, 1, 2, 'old note for one person', ?, ?, ?)", (NOW + 86_400, NOW, NOW)),
    ("INSERT INTO outbox (member_id, platform, external_id, kind, body, not_before, created_at) "
     "VALUES (1, 'telegram', ?, 'introduction', ?, ?, ?)",
     (TELEGRAM, json.dumps({"text": "How to reach you: OLD-CONTACT"}), NOW, NOW)),
    ("INSERT INTO conversations (member_id, flow, step, data, nonce, updated_at, shown) "
     "VALUES (1, 'profile', 'contact', ?, 'n1', ?, ?)",
     (json.dumps({"draft": "draft OLD-DRAFT-CONTACT"}), NOW, f"telegram:{TELEGRAM}:42")),
    ("INSERT INTO buttons (token, audience, actions, expires_at) VALUES ('old', ?, ?, ?)",
     (_old_hash(f"telegram:{TELEGRAM}"), json.dumps([["profile.show", {}, False]]), NOW + 3600)),
    ("INSERT INTO sent_messages (platform, chat, message_id, sent_at) VALUES ('telegram', ?, '42', ?)",
     (TELEGRAM, NOW)),
    ("INSERT INTO link_attempts (account, at) VALUES (?, ?)", (_old_hash(f"telegram:{TELEGRAM}"), NOW)),
]


@contextlib.asynccontextmanager
async def _sqlite(folder: Path) -> AsyncIterator[tuple[Database, Database]]:
    yield SqliteDatabase(folder / "old.db"), SqliteDatabase(folder / "old.db")


@contextlib.asynccontextmanager
async def _postgresql(folder: Path) -> AsyncIterator[tuple[Database, Database]]:
    async with fresh_database(migrated=False) as url:
        yield PostgresDatabase(url, secret_key=SECRET_KEY), PostgresDatabase(url, secret_key=SECRET_KEY)


async def _everything(db: Database) -> str:
    """Every cell of every table, as text."""
    if db.dialect == "sqlite":
        tables = [r[0] for r in await db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")]
        cells = [str(v) for t in tables for row in await db.fetch_all(f'SELECT * FROM "{t}"') for v in row]
    else:
        tables = [r[0] for r in await db.fetch_all(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")]
        cells = [str(row[0]) for t in tables for row in await db.fetch_all(f'SELECT t::text FROM "{t}" t')]
    return "\n".join(cells)


@pytest.mark.parametrize("engine", [_sqlite, _postgresql], ids=["sqlite", "postgresql"])
async def test_a_database_written_in_the_clear_is_sealed_as_it_is_migrated(engine, tmp_path):
    async with engine(tmp_path) as (old, new):
        await old.open(up_to=19)
        async with old.transaction() as conn:
            for sql, args in OLD_ROWS:
                await conn.execute(sql, args)
            if old.dialect == "postgresql":  # rows were given their numbers: the next ones follow them
                for table in ("members", "partner_requests", "introductions"):
                    await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 10)")
        before = await _everything(old)
        assert [text for text in CLEAR if text not in before] == []  # the test starts from what it says
        await old.close()

        await new.open()
        try:
            stored = await _everything(new)
            assert [text for text in CLEAR if text in stored] == []
            repos = Repositories.over(new)
            ada = await repos.members.by_identity("telegram", TELEGRAM)
            assert ada is not None and ada.contact == "Signal +41 OLD-CONTACT"
            assert ada.accounts == (f"telegram:{TELEGRAM}",)
            assert (await repos.members.dm_channel("discord", DISCORD)) == CHANNEL
            assert (await repos.partners.requests_for(1))[0].note == "old note for one person"
            assert (await repos.partners.for_member(1))[0].note == "old note for one person"
            (waiting,) = await repos.outbox.claim(NOW, 10, ("telegram",))
            assert (waiting.external_id, waiting.body) == (TELEGRAM, {"text": "How to reach you: OLD-CONTACT"})
            draft = await repos.conversations.get(1)
            assert draft.data == {"draft": "draft OLD-DRAFT-CONTACT"} and draft.shown == f"telegram:{TELEGRAM}:42"
            button = await repos.buttons.resolve("old.0", NOW)
            assert button is not None and button.audience == await repos.buttons.audience(f"telegram:{TELEGRAM}")
            assert await repos.sent.recent("telegram", TELEGRAM, NOW) == ["42"]

            # What is written from now on is sealed as it is written.
            cleo = await repos.members.create("telegram", "5550003333", NOW)
            await repos.members.set_field(cleo.id, "contact", "Threema NEW-CONTACT-LINE", NOW)
            await repos.partners.create_request(cleo.id, theme=None, region=None, language=None,
                                                note="new note for one person", proposals=[], now=NOW)
            await repos.conversations.put(cleo.id, "profile", "contact", {"draft": "NEW-DRAFT-LINE"}, NOW)
            await repos.sent.record("telegram", "5550003333", "43", NOW)
            stored = await _everything(new)
            assert [text for text in ("5550003333", "NEW-CONTACT-LINE", "new note for one person", "NEW-DRAFT-LINE")
                    if text in stored] == []
            assert (await repos.members.by_identity("telegram", "5550003333")).contact == "Threema NEW-CONTACT-LINE"
        finally:
            await new.close()
