"""What every handler may use: the roles, the clock, the services (storage, network, the outbox port), and what a
due item does (`Fire`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any, Protocol

from handlers.events import Outgoing, Person, Reply
from handlers.network import Network
from storage import Repositories
from storage.members import Member

log = logging.getLogger(__name__)


class Role(IntEnum):
    """What someone may do; each role may do everything the lower ones may."""

    STRANGER = 0
    MEMBER = 1
    ORGANISER = 2
    ADMIN = 3


Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


class Delivery(Protocol):
    """The port through which the core sends messages on its own (not as a direct reply): the outbox."""

    async def deliver(self, member_id: int, reply: Reply, *, kind: str = "notice",
                      not_before: int | None = None, about: tuple[int, ...] = (),
                      ready_at: int | None = None) -> None:
        """Queue `reply` for the member's accounts (as they chose with /notify), and have it sent; `about`: the
        other members it names or quotes (erasing one of them withdraws it); `ready_at`: set when it waits for
        the member's quiet hours (a change of quiet hours reschedules it from that moment)."""

    async def deliver_in(self, conn: Any, messages: list[Outgoing], now: int) -> None:
        """Queue messages within an open transaction (sent once it commits and `wake` is called)."""

    def wake(self) -> None:
        """Something was queued: send what is ready."""

    def running(self) -> tuple[str, ...]:
        """The platforms messages can go to now."""

    async def post_in(self, conn: Any, channels: list[tuple[str, str]], reply: Reply, *, kind: str, now: int,
                      broadcast_id: int | None = None) -> int:
        """Queue one message into each of these group chats or channels (platform, id) whose platform runs."""


@dataclass(frozen=True)
class Fire:
    """What a due thing does: a message for its member (or None), whether it waits for quiet hours to end, and
    changes to make in the same transaction that queues it and removes the due row (`changes`: functions of the
    open connection), so a crash never leaves a half-handled item."""

    reply: Reply | None = None
    quiet: bool = False
    kind: str = "notice"
    about: tuple[int, ...] = ()  # the other members the message names or quotes (see `Outgoing`)
    changes: tuple[Callable[[Any], Awaitable[None]], ...] = ()  # repository calls on the open connection


class DeepLinks(Protocol):
    """Per-platform links and wording, e.g. Telegram's t.me/<bot>?start=<code>."""

    def invite_link(self, code: str) -> str | None:
        """A link that starts the bot with an invite code, if the platform has one."""

    def join_command(self, code: str) -> str:
        """What a newcomer types on this platform to join with a code ("/start CODE", "/join code:CODE")."""


@dataclass
class Services:
    """The long-lived things every handler may use."""

    repos: Repositories
    network: Network
    delivery: Delivery
    clock: Clock = system_clock
    links: dict[str, DeepLinks] = field(default_factory=dict)
    role_listeners: list[Callable[[int], Awaitable[None]]] = field(default_factory=list)
    # Told the due moment of every newly scheduled thing (the scheduler re-arms its timer when it is earlier).
    schedule_listeners: list[Callable[[int], None]] = field(default_factory=list)
    account_listeners: list[Callable[[Person], Awaitable[None]]] = field(default_factory=list)
    # Per platform: delete the messages the bot sent an account (given the ids kept of them, where the platform
    # cannot list them); how many went.
    message_wipers: dict[str, Callable[[Person, list[str]], Awaitable[int]]] = field(default_factory=dict)

    def scheduled(self, due_at: int) -> None:
        """Tell the scheduler something now falls due at `due_at`."""
        for listener in self.schedule_listeners:
            listener(due_at)

    async def role_changed(self, member_id: int) -> None:
        """Tell the adapters a member's role changed (Telegram refreshes that member's command menu)."""
        for listener in self.role_listeners:
            try:
                await listener(member_id)
            except Exception:
                log.exception("a role listener failed")

    async def accounts_left(self, people: list[Person]) -> None:
        """Tell the adapters these accounts no longer belong to a member (unlinked or erased): Telegram takes
        back a chat's organiser menu, so nothing in that chat still shows what the account was."""
        for person in people:
            for listener in self.account_listeners:
                try:
                    await listener(person)
                except Exception:
                    log.exception("an account listener failed")

    async def wipe_messages(self, person: Person, kept: list[str]) -> int:
        """Delete what the bot sent this account that its platform still lets it delete (/panic); how many
        messages went. A platform that fails is logged, never raised: the member is already erased."""
        wiper = self.message_wipers.get(person.platform)
        if wiper is None:
            return 0
        try:
            return await wiper(person, kept)
        except Exception as exc:
            log.warning("deleting a member's messages failed on %s (%s)", person.platform, type(exc).__name__)
            return 0


def role_of(member: Member | None, is_admin: bool) -> Role:
    """The role of a person given their member row and whether config names them admin."""
    if member is None:
        return Role.STRANGER
    if is_admin:
        return Role.ADMIN
    return Role.ORGANISER if member.role == "organiser" else Role.MEMBER

