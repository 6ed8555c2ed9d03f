"""One request's context: who is asking, with what role, and the helpers handlers use (buttons, notifications,
scheduling, the conversation they are in)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from markupsafe import Markup

from handlers.core.router import Routes
from handlers.core.services import Role, Services
from handlers.events import Button, Person, Reply
from handlers.i18n import current_language, language, pick_language
from handlers.network import Network
from handlers.quiet import quiet_until
from storage import Repositories
from storage.buttons import new_set_token
from storage.conversations import Conversation
from storage.members import Member

BUTTON_LIFETIME = 30 * 24 * 3600
STRANGER_BUTTON_LIFETIME = 24 * 3600


@dataclass
class Context:
    """One request: the services, who is asking, and what they may do."""

    services: Services
    routes: Routes
    person: Person
    member: Member | None
    role: Role
    private: bool = True
    is_configured_admin: bool = False
    _buttons: dict[str, tuple[str, list]] = field(default_factory=dict)

    @property
    def repos(self) -> Repositories:
        return self.services.repos

    @property
    def network(self) -> Network:
        return self.services.network

    @property
    def now(self) -> int:
        """Now, in whole seconds since the epoch."""
        return int(self.services.clock().timestamp())

    @property
    def now_dt(self) -> datetime:
        return self.services.clock()

    @property
    def reading_languages(self) -> tuple[str, ...]:
        """The languages to read what this person types in (dates, times): theirs, then English."""
        return tuple(dict.fromkeys([*(self.member.languages if self.member else ()), "en"]))

    @property
    def member_id(self) -> int:
        assert self.member is not None, "handler needs a member"
        return self.member.id

    async def button(self, label: str, action: str, payload: Any = None, *,
                     single_use: bool = False, for_member: int | None = None,
                     selected: bool | None = None) -> Button:
        """A button that runs `action` with `payload` (an instance of the dataclass the action declares) when
        pressed by the person it is shown to.

        Buttons are collected and stored together, one row per answer, when the request ends (or at
        `flush_buttons`, before a notification is delivered).
        """
        spec = self.routes.actions.get(action)
        if spec is None:
            raise ValueError(f"unknown action {action}")
        if spec.payload is None and payload is not None:
            raise TypeError(f"{action} buttons carry nothing")
        if spec.payload is not None and not isinstance(payload, spec.payload):
            raise TypeError(f"{action} buttons carry a {spec.payload.__name__}")
        stored = dict(vars(payload)) if payload is not None else {}  # flat dataclasses: their fields as they are
        if for_member is not None:
            who = f"member:{for_member}"
        elif self.member is not None:
            who = f"member:{self.member.id}"
        else:
            who = self.person.key
        pending = self._buttons.get(who)
        if pending is None:
            pending = self._buttons[who] = (new_set_token(), [])
        pending[1].append((action, stored, single_use))
        return Button(label=str(label), token=f"{pending[0]}.{len(pending[1]) - 1}", selected=selected)

    async def flush_buttons(self) -> None:
        """Store the buttons made so far (one row per audience)."""
        buttons, self._buttons = self._buttons, {}
        for who, (set_token, actions) in buttons.items():
            lifetime = BUTTON_LIFETIME if who.startswith("member:") else STRANGER_BUTTON_LIFETIME
            await self.repos.buttons.store_set(set_token, who, actions, self.now + lifetime)

    async def notify(self, member_id: int, reply: Reply, *, kind: str = "notice", quiet: bool = True,
                     about: tuple[int, ...] = ()) -> None:
        """Send a message on the bot's own initiative to a member, through the outbox. With `quiet` (the
        default: the member did not ask for it) it waits until the member's quiet hours end. `about` names the
        other members the message names or quotes: if one of them erases their data first, it does not go."""
        await self.flush_buttons()
        not_before = None
        if quiet:
            target = self.member if self.member is not None and self.member.id == member_id else \
                await self.repos.members.get(member_id)
            if target is not None:
                not_before = quiet_until(target.timezone, target.quiet_start, target.quiet_end, self.now)
        reply = reply if reply.language else replace(reply, language=current_language())
        await self.services.delivery.deliver(member_id, reply, kind=kind, not_before=not_before, about=about,
                                             ready_at=self.now if quiet else None)

    async def tell(self, member_id: int, write: Callable[[], Markup], *, kind: str = "notice", quiet: bool = True,
                   about: tuple[int, ...] = ()) -> None:
        """`notify` another member of something written for them: `write` is called in their own language (the
        one speaking now is the sender's). Nothing when there is no such member."""
        member = await self.repos.members.get(member_id)
        if member is None:
            return
        theirs = pick_language(member.languages, self.network.default_language)
        with language(theirs):
            text = write()
        await self.notify(member_id, Reply(text, language=theirs), kind=kind, quiet=quiet, about=about)

    async def schedule(self, kind: str, subject_id: int, due_at: int, *, member_id: int | None = None,
                       detail: str | None = None) -> None:
        """Make something fall due at `due_at` (the handler a router declared with `due(kind)` runs then)."""
        await self.repos.schedule.add(kind, subject_id, member_id if member_id is not None else self.member_id,
                                      due_at, detail)
        self.services.scheduled(due_at)

    def take_buttons(self) -> list[tuple[str, str, list, int]]:
        """The button sets made so far, as (set token, audience, actions, expires_at), to store in a caller's
        transaction (the due-item runner stores a whole batch's buttons at once)."""
        buttons, self._buttons = self._buttons, {}
        out = []
        for who, (set_token, actions) in buttons.items():
            lifetime = BUTTON_LIFETIME if who.startswith("member:") else STRANGER_BUTTON_LIFETIME
            out.append((set_token, who, actions, self.now + lifetime))
        return out

    async def conversation(self) -> Conversation | None:
        """Where the member is in a guided flow."""
        return await self.repos.conversations.get(self.member_id)

    async def refresh_member(self) -> Member:
        """Reload the member after a change."""
        member = await self.repos.members.get(self.member_id)
        assert member is not None
        self.member = member
        return member
