"""The core's front door: `Core` receives `Incoming` messages and `Press` button presses from any adapter, builds a
`Context`, checks role and block, and hands them to the handler a router declared for them."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from handlers.arguments import Args, number
from handlers.core.context import Context
from handlers.core.due import DueRunner
from handlers.core.router import Router, Routes
from handlers.core.services import Role, Services, role_of
from handlers.events import Incoming, Person, Press, Reply
from handlers.i18n import _, _n, current_language, from_locale, language, pick_language
from handlers.sanitise import readable
from storage.members import Member

log = logging.getLogger(__name__)

MAX_INPUT = 4096
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@\S+)?(?:\s+(.*))?$", re.DOTALL)


def parse_command(text: str) -> tuple[str, str] | None:
    """('promote', '#3') for '/promote #3' (also '/promote@SomeBot #3'); None for plain text."""
    match = _COMMAND.match(text.strip())
    if not match:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


class Core:
    """Answers messages and button presses from every platform, with the routers it was given."""

    def __init__(self, services: Services, routers: Iterable[Router]) -> None:
        self.services = services
        self.routes = Routes(routers)
        self._due = DueRunner(services, self.routes, self.member_context, self._language)

    async def context_for(self, person: Person, private: bool) -> Context:
        """Who is asking: their member row, role and admin status."""
        repos = self.services.repos
        member = await repos.members.by_identity(person.platform, person.external_id)
        if member is not None and member.identity_unreachable:
            # They wrote to us from this account, so it takes messages again.
            await repos.members.set_reachable(person.platform, person.external_id, True,
                                              int(self.services.clock().timestamp()))
        admins = self.services.network.admins
        is_admin = person.key in admins or (member is not None and any(a in admins for a in member.accounts))
        return Context(self.services, self.routes, person, member, role_of(member, is_admin), private, is_admin)

    def member_context(self, member: Member) -> Context:
        """A context for work the bot does on its own for a member (a reminder, a check-in)."""
        is_admin = any(a in self.services.network.admins for a in member.accounts)
        return Context(self.services, self.routes, Person("member", str(member.id)), member,
                       role_of(member, is_admin), True, is_admin)

    async def run_due(self, now: int | None = None, *, horizon: int | None = None, batch: int = 500) -> int:
        """Handle everything due by `now` (or by `horizon`, a little later); see `DueRunner`. Returns how many
        rows were handled."""
        return await self._due.run(now, horizon=horizon, batch=batch)

    async def role_of_member(self, member_id: int) -> Role:
        """A member's role now (admin when any of their accounts is named in the settings)."""
        member = await self.services.repos.members.get(member_id)
        if member is None:
            return Role.STRANGER
        return role_of(member, any(a in self.services.network.admins for a in member.accounts))

    async def question_shown(self, person: Person, nonce: str, shown: str) -> None:
        """An adapter showed a guided question (the reply's `question`) and says where, in its own terms: a typed
        answer then comes back with a reply that `replaces` it."""
        member = await self.services.repos.members.by_identity(person.platform, person.external_id)
        if member is not None:
            await self.services.repos.conversations.set_shown(member.id, nonce, shown)

    async def mark_unreachable(self, person: Person) -> None:
        """An adapter found that this account refuses messages (bot blocked, DMs closed)."""
        await self.services.repos.members.set_reachable(person.platform, person.external_id, False,
                                                        int(self.services.clock().timestamp()))

    def _language(self, ctx: Context, locale: str | None = None) -> str:
        """The member's first language the bot speaks; before they have chosen any (a stranger reading the
        welcome), the language their app is set to; else the network's."""
        if ctx.member is not None and ctx.member.languages:
            return pick_language(ctx.member.languages, self.services.network.default_language)
        return from_locale(locale) or pick_language((), self.services.network.default_language)

    async def handle_message(self, msg: Incoming) -> list[Reply]:
        """Answer a text message or command."""
        started = time.perf_counter()
        msg = replace(msg, text=readable(msg.text))
        ctx = await self.context_for(msg.person, msg.private)
        with language(self._language(ctx, msg.locale)):
            try:
                replies = _written_in(await self._dispatch_message(ctx, msg))
                await ctx.flush_buttons()
            except Exception:
                # Never log message text: only what kind of failure, and where.
                log.exception("handler failed for a message from a %s account", msg.person.platform)
                replies = [Reply(_("Something went wrong on our side, sorry. Please try again in a moment."))]
        log.debug("message handled in %.1f ms", (time.perf_counter() - started) * 1000)
        return replies

    async def _dispatch_message(self, ctx: Context, msg: Incoming) -> list[Reply]:
        text = msg.text
        length = len(text) + sum(len(str(v)) for v in (msg.values or {}).values()) + sum(map(len, msg.more))
        if length > MAX_INPUT:
            return [Reply(_n("That message is too long ({n} character). The most I can take is {max}.",
                             "That message is too long ({n} characters). The most I can take is {max}.", length,
                             max=MAX_INPUT))]
        parsed = parse_command(text)
        if parsed is None:
            if text.strip().startswith("/"):
                return [Reply(_("I don't know that command. Send /help to see what you can do."))]
            return await self._free_text(ctx, text, tuple(readable(t) for t in msg.more))
        name, args = parsed
        spec = self.routes.commands.get(name)
        if spec is None:
            return [Reply(_("I don't know /{name}. Send /help to see what you can do.", name=name))]
        if ctx.role < spec.role:
            return [self._not_allowed(ctx, spec.role)]
        if ctx.member is not None and ctx.member.blocked and not spec.when_blocked:
            return [_blocked_reply()]
        if spec.private and not msg.private:
            return [Reply(_("Let's continue in a private chat, where your details stay between us."),
                          private_redirect=True, redirect_command=name)]
        if msg.values is not None:
            given = Args.from_values({k: readable(str(v)) for k, v in msg.values.items()}, spec.params)
        else:
            given = Args.from_text(args, spec.params)
        return _as_list(await spec.handler(ctx, given))

    async def _free_text(self, ctx: Context, text: str, more: tuple[str, ...] = ()) -> list[Reply]:
        if ctx.member is None:
            return [Reply(_("Hello! Send /start to begin."))]
        if ctx.member.blocked:
            return [_blocked_reply()]
        if not ctx.private:
            return []  # never answer ordinary chatter in a group
        conversation = await ctx.conversation()
        flow = self.routes.flows.get(conversation.flow) if conversation else None
        if flow is not None:
            return await flow.take_texts(ctx, conversation, (text, *more))
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
        with language(self._language(ctx, press.locale)):
            try:
                replies = _written_in(await self._dispatch_press(ctx, press))
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
        spec = self.routes.actions.get(button.action) if button else None
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
        payload = None
        if spec.payload is not None:
            try:
                payload = spec.payload(**button.payload)
            except TypeError:  # made by an older version of the bot, with other fields
                return [_toast(_("This button has expired. Send /help to start again."))]
        if button.single_use and not await repos.buttons.spend(button.set_token, ctx.now):
            return [_toast(_("You already pressed this."))]
        return _as_list(await spec.handler(ctx, payload))


def _as_list(result: Reply | list[Reply] | None) -> list[Reply]:
    if result is None:
        return []
    return result if isinstance(result, list) else [result]


def _toast(text: Any) -> Reply:
    """A reply that only answers the press: the console prints it, Telegram shows it as a notice."""
    return Reply(text, toast=str(text), toast_only=True)


def _written_in(replies: list[Reply]) -> list[Reply]:
    """The replies, each saying the language it is written in (the one spoken now, unless it said another)."""
    return [r if r.language else replace(r, language=current_language()) for r in replies]


def _blocked_reply() -> Reply:
    return Reply(_("Your access to this network is suspended by its organisers. "
                   "You can still /export or /forget your data."))
