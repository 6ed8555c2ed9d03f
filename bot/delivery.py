"""Delivering what the bot sends on its own (not a direct reply) to every account of a member.

Adapters register here by platform. The core calls `deliver(member_id, reply)` through its `Delivery` port.
"""

from __future__ import annotations

import logging
from typing import Protocol

from handlers.events import Person, Reply
from storage.members import MemberRepository

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
        """Send to each of the member's accounts on a platform that is running."""
        for identity in await self.members.identities(member_id):
            adapter = self.adapters.get(identity.platform)
            if adapter is None or identity.unreachable_since is not None:
                continue
            try:
                await adapter.send(Person(identity.platform, identity.external_id), reply)
            except Exception as exc:  # one unreachable account must not stop the others
                log.warning("delivery to a %s account failed: %s", identity.platform, type(exc).__name__)
