"""Delivering what the bot sends on its own (not a direct reply) to every account of a member.

Adapters register here by platform. The core calls `deliver(member_id, reply)` through its `Delivery` port.
"""

from __future__ import annotations

import logging
from typing import Protocol

from handlers.events import Person, Reply
from storage.members import Identity, MemberRepository

log = logging.getLogger(__name__)


class Adapter(Protocol):
    """What the delivery layer needs from a platform adapter."""

    platform: str

    async def send(self, person: Person, reply: Reply) -> None:
        """Send one message to one account."""


class DirectDelivery:
    """Sends at once through the registered adapters."""

    def __init__(self, members: MemberRepository) -> None:
        self.members = members
        self.adapters: dict[str, Adapter] = {}

    def register(self, adapter: Adapter) -> None:
        """Make a platform reachable."""
        self.adapters[adapter.platform] = adapter

    async def deliver(self, member_id: int, reply: Reply) -> None:
        """Send where the member wants notifications: every account, or their account on one platform.

        An account that refuses messages, or whose platform is not running, is skipped. When the preferred
        platform cannot be reached that way (or refuses this message), the member's other accounts get it instead.
        """
        preference, identities = await self.members.delivery_accounts(member_id)
        usable = [i for i in identities if i.unreachable_since is None and i.platform in self.adapters]
        if preference == "all":
            await self._send(usable, reply)
            return
        preferred = [i for i in usable if i.platform == preference]
        if preferred and await self._send(preferred, reply) and await self._still_reachable(preferred):
            return
        await self._send([i for i in usable if i.platform != preference], reply)

    async def _send(self, identities: list[Identity], reply: Reply) -> int:
        """Send to each account; how many took it without an error."""
        sent = 0
        for identity in identities:
            try:
                await self.adapters[identity.platform].send(Person(identity.platform, identity.external_id), reply)
            except Exception as exc:  # one unreachable account must not stop the others
                log.warning("delivery to a %s account failed: %s", identity.platform, type(exc).__name__)
            else:
                sent += 1
        return sent

    async def _still_reachable(self, identities: list[Identity]) -> bool:
        """Whether any of these accounts is still reachable (an adapter marks one that refused the message)."""
        for identity in identities:
            now = await self.members.identity(identity.platform, identity.external_id)
            if now is not None and now.unreachable_since is None:
                return True
        return False
