"""What a feature no longer needs goes when its period ends (`[retention]`, handlers.network.Retention): done and
dropped commitments with their notes, partner searches with their notes and the introductions that were not made,
the notes of those that were, audit rows, guided questions left unanswered, and the answers to a session's
registration questions once it is over. The clock sweeps once in a while.
Buttons and link codes expire by their own lifetimes; sent messages kept for /panic go after 48 hours."""

from __future__ import annotations

from storage.database import Database

DAY = 86400


class RetentionRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def sweep(self, now: int, *, closed_commitments_days: int, requests_days: int, audit_days: int,
                    conversations_days: int, registration_answers_days: int) -> dict[str, int]:
        """Delete what is past its period; how many rows of each kind went."""
        gone: dict[str, int] = {}
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM commitments WHERE status IN ('done', 'dropped') AND closed_at <= ?",
                (now - closed_commitments_days * DAY,))
            gone["commitments"] = cursor.rowcount
            requests_before = now - requests_days * DAY
            cursor = await conn.execute(
                "DELETE FROM introductions WHERE status IN ('lapsed', 'void') AND created_at <= ?", (requests_before,))
            gone["introductions"] = cursor.rowcount
            await conn.execute("UPDATE introductions SET note = '' WHERE status = 'introduced' AND note != '' "
                               "AND created_at <= ?", (requests_before,))
            cursor = await conn.execute(
                "DELETE FROM partner_requests WHERE created_at <= ? AND NOT EXISTS (SELECT 1 FROM introductions i "
                "WHERE i.request_id = partner_requests.id AND i.status = 'pending')", (requests_before,))
            gone["partner_requests"] = cursor.rowcount
            cursor = await conn.execute("DELETE FROM audit WHERE at <= ?", (now - audit_days * DAY,))
            gone["audit"] = cursor.rowcount
            cursor = await conn.execute("DELETE FROM conversations WHERE updated_at <= ?",
                                        (now - conversations_days * DAY,))
            gone["conversations"] = cursor.rowcount
            cursor = await conn.execute(
                "UPDATE session_signups SET answers = NULL WHERE answers IS NOT NULL AND session_id IN "
                "(SELECT id FROM sessions WHERE ends_at <= ?)", (now - registration_answers_days * DAY,))
            gone["registration_answers"] = cursor.rowcount
        return gone
