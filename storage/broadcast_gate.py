"""What must no longer be sent, known in memory so the sender can check it the instant before each request.

A member's mute, an organiser's cancel and a member's erasure are put here before they are written to the
database, and taken back if that write fails; the sender checks each message here with nothing awaited between
the check and the request. So once a mute, a cancel or an erasure is committed, nothing it covers goes out, even
what a sender had already claimed. (One process runs every platform over the database, so this one gate sees
every sender.) An erased member's number stays here: numbers are never given to anyone else. What it knows on
start it reads through the broadcast repository.
"""

from __future__ import annotations

from typing import Any


class BroadcastGate:
    """Mutes (all broadcasts, or those aimed at a theme), cancelled broadcasts, and each broadcast's themes."""

    def __init__(self) -> None:
        self._muted: dict[int, set[str]] = {}  # member id -> muted themes; "" means every broadcast
        self._themes: dict[int, frozenset[str]] = {}  # broadcast id -> the themes it is aimed at
        self._cancelled: set[int] = set()
        self._erased: set[int] = set()  # members whose messages, and messages about whom, must not go

    async def load(self, repos: Any) -> None:
        """Read every mute and cancelled broadcast (on start)."""
        self._muted.clear()
        for member_id, theme in await repos.broadcasts.every_mute():
            self._muted.setdefault(member_id, set()).add(theme)
        self._cancelled = set(await repos.broadcasts.cancelled_ids())

    async def learn(self, repos: Any, broadcast_id: int) -> None:
        """Know a broadcast's themes (read once)."""
        if broadcast_id in self._themes:
            return
        broadcast = await repos.broadcasts.get(broadcast_id)
        if broadcast is None:
            self._themes[broadcast_id] = frozenset()
            return
        self.know(broadcast_id, broadcast.audience.get("themes", []))
        if broadcast.status == "cancelled":
            self._cancelled.add(broadcast_id)

    def know(self, broadcast_id: int, themes: list[str] | tuple[str, ...] | frozenset[str]) -> None:
        self._themes[broadcast_id] = frozenset(themes)

    def muted(self, member_id: int, theme: str = "") -> bool:
        return theme in self._muted.get(member_id, ())

    def mute(self, member_id: int, theme: str = "") -> None:
        self._muted.setdefault(member_id, set()).add(theme)

    def unmute(self, member_id: int, theme: str | None = None) -> None:
        """Take back one mute, or (theme None) every mute of the member."""
        muted = self._muted.get(member_id)
        if muted is None:
            return
        if theme is None:
            muted.clear()
        else:
            muted.discard(theme)
        if not muted:
            del self._muted[member_id]

    def cancel(self, broadcast_id: int) -> None:
        self._cancelled.add(broadcast_id)

    def uncancel(self, broadcast_id: int) -> None:
        self._cancelled.discard(broadcast_id)

    def erase(self, member_id: int) -> None:
        self._erased.add(member_id)

    def unerase(self, member_id: int) -> None:
        self._erased.discard(member_id)

    def withdrawn(self, member_id: int | None, about: tuple[int, ...]) -> bool:
        """Whether a message is to or about a member being erased."""
        return member_id in self._erased or any(m in self._erased for m in about)

    def stops(self, member_id: int | None, broadcast_id: int) -> str | None:
        """'cancelled', 'skipped' (the member muted it) or None (it may go)."""
        if broadcast_id in self._cancelled:
            return "cancelled"
        if member_id is None:
            return None
        muted = self._muted.get(member_id)
        if muted and ("" in muted or muted & self._themes.get(broadcast_id, frozenset())):
            return "skipped"
        return None
