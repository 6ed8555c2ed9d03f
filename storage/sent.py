"""Where the bot's messages to a member went, on a platform whose bots cannot read a chat's history (Telegram):
kept for the 48 hours the platform lets a bot delete its messages, so that /panic can delete them. The chat is
kept as a keyed hash (storage/sealing.py): /panic knows the chat it looks for."""

from __future__ import annotations

from storage.database import Connection, Database

DELETABLE_FOR = 48 * 3600  # Telegram: "a message can only be deleted if it was sent less than 48 hours ago"


class SentMessageRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _chat(self, platform: str, chat: str) -> str:
        return self.db.keyring.account(f"{platform}:{chat}")

    async def record(self, platform: str, chat: str, message_id: str, now: int) -> None:
        await self.db.execute("INSERT INTO sent_messages (platform, chat_hash, message_id, sent_at) VALUES (?, ?, ?, ?) "
                              "ON CONFLICT DO NOTHING", (platform, self._chat(platform, chat), message_id, now))

    async def recent(self, platform: str, chat: str, now: int) -> list[str]:
        """The messages sent into a chat that may still be deleted, oldest first."""
        rows = await self.db.fetch_all(
            "SELECT message_id FROM sent_messages WHERE platform = ? AND chat_hash = ? AND sent_at > ? "
            "ORDER BY sent_at, message_id", (platform, self._chat(platform, chat), now - DELETABLE_FOR))
        return [row[0] for row in rows]

    async def forget_chats_in(self, conn: Connection, chats: list[tuple[str, str]]) -> None:
        """Drop what is kept of the messages sent into these (platform, chat) (a member erased)."""
        for platform, chat in chats:
            await conn.execute("DELETE FROM sent_messages WHERE platform = ? AND chat_hash = ?",
                               (platform, self._chat(platform, chat)))

    async def sweep(self, now: int) -> int:
        """Drop what is too old to delete any more; how many rows went."""
        return await self.db.execute("DELETE FROM sent_messages WHERE sent_at <= ?", (now - DELETABLE_FOR,))
