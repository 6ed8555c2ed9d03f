"""The platform-neutral core: who is talking, what they may do, and which handler answers.

Capability modules (onboarding, profile, roles, invites, data rights, help) register their commands, button
actions and text steps on `REGISTRY` with decorators. `Core` receives `Incoming` messages and `Press` button
presses from any adapter, builds a `Context`, checks role and block, and returns the handler's replies.
Messages the bot sends on its own go through the `Delivery` port, which the delivery layer implements.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any, Protocol

from handlers.arguments import number
from handlers.events import Button, Incoming, Outgoing, Person, Press, Reply
from handlers.i18n import _, _n, language, pick_language
from handlers.network import Network
from handlers.quiet import quiet_until
from handlers.sanitise import readable
from storage import Repositories
from storage.buttons import new_set_token
from storage.conversations import Conversation
from storage.members import Member
from storage.schedule import DueItem, ScheduleRepository

log = logging.getLogger(__name__)

MAX_INPUT = 4096
BUTTON_LIFETIME = 30 * 24 * 3600
STRANGER_BUTTON_LIFETIME = 24 * 3600
RETRY_DUE = 600  # a scheduled item whose handler failed is tried again this many seconds later
YIELD_EVERY = 50  # due items handled between two chances for other work to run
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@\S+)?(?:\s+(.*))?$", re.DOTALL)


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
    # Each change is a function of the open connection, or a (sql, args) statement: statements with the same
    # SQL from a whole batch run as one executemany.
    changes: tuple[Callable[[Any], Awaitable[None]] | tuple[str, tuple], ...] = ()


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


Handler = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class CommandSpec:
    """A command: who may use it, what it is for, whether it needs a private chat. `usage_from` gives the usage
    for higher roles that may do more with it (organisers' `/commitments all`), as (least role, usage) pairs."""

    name: str
    role: Role
    summary: str
    handler: Handler
    usage: str = ""
    private: bool = True
    when_blocked: bool = False
    order: int = 100
    usage_from: tuple[tuple[Role, str], ...] = ()

    def usage_for(self, role: Role) -> str:
        """The usage someone with this role may make of the command (help shows nothing they cannot use)."""
        usage = self.usage
        for least, more in sorted(self.usage_from):
            if role >= least:
                usage = more
        return usage


@dataclass(frozen=True)
class ActionSpec:
    """What a button does: `role` is the least role the presser needs at the time of pressing."""

    name: str
    role: Role
    handler: Handler
    when_blocked: bool = False


class Registry:
    """Commands, button actions and text steps, registered by the capability modules."""

    def __init__(self) -> None:
        self.commands: dict[str, CommandSpec] = {}
        self.actions: dict[str, ActionSpec] = {}
        self.text_steps: dict[str, Handler] = {}
        self.due_handlers: dict[str, Handler] = {}
        self.due_loaders: dict[str, Callable[[Repositories, list[int]], Awaitable[dict[int, Any]]]] = {}

    def command(self, name: str, role: Role, summary: str, *, usage: str = "", private: bool = True,
                when_blocked: bool = False, order: int = 100, usage_from: dict[Role, str] | None = None
                ) -> Callable[[Handler], Handler]:
        """Register `async def handler(ctx, args: str)` as /name; `usage_from`: {least role: usage} for roles that
        may do more with it than `usage` says."""

        def register(handler: Handler) -> Handler:
            if name in self.commands:
                raise ValueError(f"command /{name} registered twice")
            self.commands[name] = CommandSpec(name, role, summary, handler, usage, private, when_blocked, order,
                                              tuple(sorted((usage_from or {}).items())))
            return handler

        return register

    def action(self, name: str, role: Role = Role.MEMBER, *, when_blocked: bool = False
               ) -> Callable[[Handler], Handler]:
        """Register `async def handler(ctx, payload: dict)` for buttons issued with this action name."""

        def register(handler: Handler) -> Handler:
            if name in self.actions:
                raise ValueError(f"action {name} registered twice")
            self.actions[name] = ActionSpec(name, role, handler, when_blocked)
            return handler

        return register

    def text_step(self, step: str) -> Callable[[Handler], Handler]:
        """Register `async def handler(ctx, conversation, text: str)` for free text while at `step`."""

        def register(handler: Handler) -> Handler:
            self.text_steps[step] = handler
            return handler

        return register

    def due(self, kind: str, *, load: Callable[[Repositories, list[int]], Awaitable[dict[int, Any]]] | None = None
            ) -> Callable[[Handler], Handler]:
        """Register `async def handler(ctx, item: DueItem) -> Fire | None` for scheduled rows of this kind.

        With `load(repos, subject_ids) -> {id: subject}`, the subjects of a whole batch are read in one query and
        handed over as `item.subject` (None when gone).
        """

        def register(handler: Handler) -> Handler:
            if kind in self.due_handlers:
                raise ValueError(f"due kind {kind} registered twice")
            self.due_handlers[kind] = handler
            if load is not None:
                self.due_loaders[kind] = load
            return handler

        return register

    def commands_for(self, role: Role, *, blocked: bool = False) -> list[CommandSpec]:
        """The commands someone with this role may use, in help order."""
        specs = [c for c in self.commands.values() if c.role <= role and (c.when_blocked or not blocked)]
        if role >= Role.MEMBER:
            # /start and /join are how strangers join; members have no use for them.
            specs = [c for c in specs if c.name not in ("start", "join")]
        return sorted(specs, key=lambda c: (c.role, c.order, c.name))


REGISTRY = Registry()


@dataclass
class Context:
    """One request: the services, who is asking, and what they may do."""

    services: Services
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
    def member_id(self) -> int:
        assert self.member is not None, "handler needs a member"
        return self.member.id

    async def button(self, label: str, action: str, payload: dict[str, Any] | None = None, *,
                     single_use: bool = False, for_member: int | None = None,
                     selected: bool | None = None) -> Button:
        """A button that runs `action` with `payload` when pressed by the person it is shown to.

        Buttons are collected and stored together, one row per answer, when the request ends (or at
        `flush_buttons`, before a notification is delivered).
        """
        if action not in REGISTRY.actions:
            raise ValueError(f"unknown action {action}")
        if for_member is not None:
            who = f"member:{for_member}"
        elif self.member is not None:
            who = f"member:{self.member.id}"
        else:
            who = self.person.key
        pending = self._buttons.get(who)
        if pending is None:
            pending = self._buttons[who] = (new_set_token(), [])
        pending[1].append((action, payload or {}, single_use))
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
        await self.services.delivery.deliver(member_id, reply, kind=kind, not_before=not_before, about=about,
                                             ready_at=self.now if quiet else None)

    async def turn_page(self, conversation: Conversation, page: Any) -> Conversation | None:
        """The same question on another page of its choices (the nonce is kept, so its buttons stay valid); None
        when `page` is not a number."""
        try:
            number = int(page)
        except (TypeError, ValueError):
            return None
        return await self.repos.conversations.put(self.member_id, conversation.flow, conversation.step,
                                                  {**conversation.data, "page": number}, self.now,
                                                  keep_nonce=conversation.nonce)

    async def schedule(self, kind: str, subject_id: int, due_at: int, *, member_id: int | None = None,
                       detail: str | None = None) -> None:
        """Make something fall due at `due_at` (a handler registered with `Registry.due(kind)` runs then)."""
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


def role_of(member: Member | None, is_admin: bool) -> Role:
    """The role of a person given their member row and whether config names them admin."""
    if member is None:
        return Role.STRANGER
    if is_admin:
        return Role.ADMIN
    return Role.ORGANISER if member.role == "organiser" else Role.MEMBER


def parse_command(text: str) -> tuple[str, str] | None:
    """('promote', '#3') for '/promote #3' (also '/promote@SomeBot #3'); None for plain text."""
    match = _COMMAND.match(text.strip())
    if not match:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


class Core:
    """Answers messages and button presses from every platform."""

    def __init__(self, services: Services, registry: Registry = REGISTRY) -> None:
        import handlers.capabilities  # noqa: F401  (registers every capability on the registry)

        self.services = services
        self.registry = registry

    async def context_for(self, person: Person, private: bool) -> Context:
        """Who is asking: their member row, role and admin status."""
        repos = self.services.repos
        member = await repos.members.by_identity(person.platform, person.external_id)
        if member is not None and member.identity_unreachable:
            # They wrote to us from this account, so it takes messages again.
            await repos.members.set_reachable(person.platform, person.external_id, True, int(self.services.clock().timestamp()))
        admins = self.services.network.admins
        is_admin = person.key in admins or (member is not None and any(a in admins for a in member.accounts))
        return Context(self.services, person, member, role_of(member, is_admin), private, is_admin)

    def member_context(self, member: Member) -> Context:
        """A context for work the bot does on its own for a member (a reminder, a check-in)."""
        is_admin = any(a in self.services.network.admins for a in member.accounts)
        return Context(self.services, Person("member", str(member.id)), member, role_of(member, is_admin), True,
                       is_admin)

    async def run_due(self, now: int | None = None, *, horizon: int | None = None, batch: int = 500) -> int:
        """Handle everything due by `now` (or by `horizon`, a little later): each due row becomes its message in the
        outbox, in one transaction per batch with the row's removal and the handler's changes. A message for a
        row not yet due waits in the outbox until its moment, so a burst due at one moment is prepared ahead and
        goes out on time. If the transaction fails, the batch is written again item by item, so one bad item is
        postponed (by RETRY_DUE) and holds up nothing else. Returns how many rows were handled."""
        services, repos = self.services, self.services.repos
        now = int(services.clock().timestamp()) if now is None else now
        until = max(now, horizon or now)
        handled = 0
        while items := await repos.schedule.due(until, batch):
            members = await repos.members.get_many(sorted({i.member_id for i in items}))
            works = []
            for n, item in enumerate(await self._load_subjects(items), start=1):
                works.append(await self._work(item, members.get(item.member_id), now))
                if n % YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # handlers rarely wait on anything: let the loop breathe
            try:
                await self._commit(works, now)
            except Exception:
                log.exception("writing a batch of due items failed; writing them one by one")
                for work in works:
                    try:
                        await self._commit([work], now)
                    except Exception:
                        log.exception("a scheduled %s could not be written; trying again in %d s",
                                      work.item.kind, RETRY_DUE)
                        await self._commit([_DueWork(work.item, postponed=True)], now)
            handled += len(items)
            if any(w.outgoing for w in works):
                services.delivery.wake()
            if any(w.postponed for w in works):
                services.scheduled(now + RETRY_DUE)
        return handled

    async def _work(self, item: DueItem, member: Member | None, now: int) -> _DueWork:
        """Run one due item's handler: what it sends and changes, not yet written."""
        handler = self.registry.due_handlers.get(item.kind)
        if member is None or handler is None:
            return _DueWork(item)  # its member was erased, or a kind this version no longer has: nothing to send
        ctx = self.member_context(member)
        with language(self._language(ctx)):
            try:
                fire = await handler(ctx, item)
            except Exception:
                log.exception("a scheduled %s failed; trying again in %d s", item.kind, RETRY_DUE)
                return _DueWork(item, postponed=True)
        work = _DueWork(item, buttons=ctx.take_buttons())
        if fire is not None:
            work.changes = list(fire.changes)
            if fire.reply is not None:
                moment = max(now, item.due_at)
                not_before = quiet_until(member.timezone, member.quiet_start, member.quiet_end, moment) \
                    if fire.quiet else None
                if item.due_at > now:  # prepared ahead: it goes at its moment, not before
                    not_before = max(not_before or item.due_at, item.due_at)
                work.outgoing = [Outgoing(member.id, fire.reply, fire.kind, not_before, about=fire.about,
                                          ready_at=moment if fire.quiet else None, subject_id=item.subject_id)]
        return work

    async def _commit(self, works: list[_DueWork], now: int) -> None:
        """Write what due items did, and remove (or postpone) their rows, in one transaction."""
        repos = self.services.repos
        buttons = [b for w in works for b in w.buttons]
        audiences = {who: await repos.buttons.audience(who) for _, who, _, _ in buttons}
        statements: dict[str, list[tuple]] = {}
        functions = []
        for work in works:
            for change in work.changes:
                if isinstance(change, tuple):
                    statements.setdefault(change[0], []).append(change[1])
                else:
                    functions.append(change)
        async with repos.db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO buttons (token, audience, actions, expires_at) VALUES (?, ?, ?, ?)",
                [(token, audiences[who], json.dumps(actions, separators=(",", ":")), expires)
                 for token, who, actions, expires in buttons])
            for sql, rows in statements.items():
                await conn.executemany(sql, rows)
            for change in functions:
                await change(conn)
            await self.services.delivery.deliver_in(conn, [o for w in works for o in w.outgoing], now)
            await conn.executemany("UPDATE schedule SET due_at = ? WHERE id = ?",
                                   [(now + RETRY_DUE, w.item.id) for w in works if w.postponed])
            await ScheduleRepository.remove_in(conn, [w.item.id for w in works if not w.postponed])

    async def _load_subjects(self, items: list[DueItem]) -> list[DueItem]:
        """Give each item its subject, a kind at a time, where its kind has a loader."""
        by_kind: dict[str, list[int]] = {}
        for item in items:
            if item.kind in self.registry.due_loaders:
                by_kind.setdefault(item.kind, []).append(item.subject_id)
        if not by_kind:
            return items
        loaded = {kind: await self.registry.due_loaders[kind](self.services.repos, sorted(set(ids)))
                  for kind, ids in by_kind.items()}
        return [replace(item, subject=loaded[item.kind].get(item.subject_id)) if item.kind in loaded else item
                for item in items]

    async def role_of_member(self, member_id: int) -> Role:
        """A member's role now (admin when any of their accounts is named in the settings)."""
        member = await self.services.repos.members.get(member_id)
        if member is None:
            return Role.STRANGER
        return role_of(member, any(a in self.services.network.admins for a in member.accounts))

    async def mark_unreachable(self, person: Person) -> None:
        """An adapter found that this account refuses messages (bot blocked, DMs closed)."""
        await self.services.repos.members.set_reachable(person.platform, person.external_id, False,
                                                        int(self.services.clock().timestamp()))

    def _language(self, ctx: Context) -> str:
        preferred = ctx.member.languages if ctx.member else ()
        return pick_language(preferred, self.services.network.default_language)

    async def handle_message(self, msg: Incoming) -> list[Reply]:
        """Answer a text message or command."""
        started = time.perf_counter()
        msg = replace(msg, text=readable(msg.text))
        ctx = await self.context_for(msg.person, msg.private)
        with language(self._language(ctx)):
            try:
                replies = await self._dispatch_message(ctx, msg)
                await ctx.flush_buttons()
            except Exception:
                # Never log message text: only what kind of failure, and where.
                log.exception("handler failed for a message from a %s account", msg.person.platform)
                replies = [Reply(_("Something went wrong on our side, sorry. Please try again in a moment."))]
        log.debug("message handled in %.1f ms", (time.perf_counter() - started) * 1000)
        return replies

    async def _dispatch_message(self, ctx: Context, msg: Incoming) -> list[Reply]:
        text = msg.text
        if len(text) > MAX_INPUT:
            return [Reply(_n("That message is too long ({n} character). The most I can take is {max}.",
                             "That message is too long ({n} characters). The most I can take is {max}.", len(text),
                             max=MAX_INPUT))]
        parsed = parse_command(text)
        if parsed is None:
            if text.strip().startswith("/"):
                return [Reply(_("I don't know that command. Send /help to see what you can do."))]
            return await self._free_text(ctx, text)
        name, args = parsed
        spec = self.registry.commands.get(name)
        if spec is None:
            return [Reply(_("I don't know /{name}. Send /help to see what you can do.", name=name))]
        if ctx.role < spec.role:
            return [self._not_allowed(ctx, spec.role)]
        if ctx.member is not None and ctx.member.blocked and not spec.when_blocked:
            return [_blocked_reply()]
        if spec.private and not msg.private:
            return [Reply(_("Let's continue in a private chat, where your details stay between us."),
                          private_redirect=True, redirect_command=name)]
        return _as_list(await spec.handler(ctx, args))

    async def _free_text(self, ctx: Context, text: str) -> list[Reply]:
        if ctx.member is None:
            return [Reply(_("Hello! Send /start to begin."))]
        if ctx.member.blocked:
            return [_blocked_reply()]
        if not ctx.private:
            return []  # never answer ordinary chatter in a group
        conversation = await ctx.conversation()
        if conversation is not None and conversation.step in self.registry.text_steps:
            return _as_list(await self.registry.text_steps[conversation.step](ctx, conversation, text))
        return [Reply(_("I answer commands. Send /help to see what you can do."))]

    def _not_allowed(self, ctx: Context, needed: Role) -> Reply:
        if ctx.role == Role.STRANGER:
            return Reply(_("You need to join first: send /start."))
        if needed == Role.ADMIN:
            return Reply(_("Only admins can do that."))
        return Reply(_("Only organisers can do that."))

    async def handle_press(self, press: Press) -> list[Reply]:
        """Answer a button press; a button that is unknown, expired, someone else's or spent changes nothing."""
        press = replace(press, token=readable(press.token))
        ctx = await self.context_for(press.person, press.private)
        with language(self._language(ctx)):
            try:
                replies = await self._dispatch_press(ctx, press)
                await ctx.flush_buttons()
                return replies
            except Exception:
                log.exception("handler failed for a button press from a %s account", press.person.platform)
                return [Reply(_("Something went wrong on our side, sorry. Please try again in a moment."),
                              toast=str(_("Something went wrong. Please try again.")))]

    async def _dispatch_press(self, ctx: Context, press: Press) -> list[Reply]:
        repos = self.services.repos
        set_token, _dot, index = press.token.partition(".")
        position = number(index, low=0)  # a forged token may end in anything
        button = await repos.buttons.resolve(f"{set_token}.{position}", ctx.now) if position is not None else None
        spec = self.registry.actions.get(button.action) if button else None
        if button is None or spec is None:
            return [_toast(_("This button has expired. Send /help to start again."))]
        allowed = {await repos.buttons.audience(press.person.key)}
        if ctx.member is not None:
            allowed.add(await repos.buttons.audience(f"member:{ctx.member.id}"))
        if button.audience not in allowed:
            return [_toast(_("This button is not meant for you."))]
        if ctx.role < spec.role:
            return [_toast(_("You can no longer use this button."))]
        if ctx.member is not None and ctx.member.blocked and not spec.when_blocked:
            return [_blocked_reply()]
        if button.single_use and not await repos.buttons.spend(button.set_token, ctx.now):
            return [_toast(_("You already pressed this."))]
        return _as_list(await spec.handler(ctx, button.payload))


@dataclass
class _DueWork:
    """What one due item's handler produced, waiting to be written with the rest of its batch."""

    item: DueItem
    postponed: bool = False
    buttons: list[tuple[str, str, list, int]] = field(default_factory=list)
    changes: list[Any] = field(default_factory=list)
    outgoing: list[Outgoing] = field(default_factory=list)


def _as_list(result: Reply | list[Reply] | None) -> list[Reply]:
    if result is None:
        return []
    return result if isinstance(result, list) else [result]


def _toast(text: Any) -> Reply:
    """A reply that only answers the press: the console prints it, Telegram shows it as a notice."""
    return Reply(text, toast=str(text), toast_only=True)


def _blocked_reply() -> Reply:
    return Reply(_("Your access to this network is suspended by its organisers. "
                   "You can still /export or /forget your data."))
