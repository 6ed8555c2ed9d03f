"""The Telegram adapter: python-telegram-bot updates in, the core's replies out as Bot API calls.

It only translates. A text message becomes `Incoming`, a button press becomes `Press` (its callback_data is
the core's opaque token), and each `Reply` becomes sendMessage / editMessageText / sendDocument calls in HTML
parse mode, split at 4096 visible characters. Every button press is answered exactly once.

The application is started inside the event loop the program owns (no `run_polling()`), by long polling or, by
configuration, a webhook whose secret token python-telegram-bot checks on every request.

Direct replies and the outbox's messages go out at one pace, Telegram's `Pace` in the outbox (replies first), and
a direct reply is tried again until it gets through (`bot.delivery.send_reply`). `telegram_adapter` builds the
adapter as the bot runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hmac
import json
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
from aiohttp import web
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    CallbackQuery,
    InputFile,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatType, MessageLimit, ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot.cluster import Cluster
from bot.delivery import (
    MaybeSent,
    NotSent,
    Pace,
    Rejected,
    RetryLater,
    Unreachable,
    send_reply,
)
from bot.http import HttpServer
from bot.metrics import Metrics
from bot.platforms import TokenRejected
from bot.settings import TelegramSettings
from handlers.core import Core, Role, Routes
from handlers.events import Attachment, Button, Incoming, Person, Press, Reply
from handlers.formatting import split_markup
from handlers.i18n import N_, available_languages, language, pick_language, plain
from handlers.onboarding import resume_payload

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

PLATFORM = "telegram"
ALLOWED_UPDATES = ["message", "callback_query"]
MAX_TOAST = 200
HOLD_ACCOUNT = 60  # seconds at most an update holds its person's turn among several processes
MENU_CATCH_UP_PAUSE = 0.2  # seconds between two members' menus when catching up (see `catch_up_menus`)
DELETE_AT_ONCE = 100  # deleteMessages: "1-100 identifiers of messages to delete"


class PerPersonUpdateProcessor(BaseUpdateProcessor):
    """Updates run concurrently, except that one person's updates run in the order they arrived.

    A member answering questions quickly must not have their second answer overtake the first.

    Among several processes over one database (a webhook behind a load balancer, see bot/cluster.py), two more
    things are kept in the database: each update's number, so that one Telegram delivers twice (to this process
    or another) is answered once; and whose update is being handled, so that one person's updates are handled
    one at a time, whichever process receives them.
    """

    def __init__(self, max_concurrent_updates: int = 256, *, cluster: Cluster | None = None) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()
        self.cluster = cluster if cluster is not None and not cluster.alone else None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self.cluster is not None and isinstance(update, Update) \
                and not await self.cluster.repos.processes.first_time(PLATFORM, update.update_id):
            coroutine.close()  # type: ignore[attr-defined]  # handled already: never run
            return
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await coroutine
            return
        lock = self._locks.get(user.id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[user.id] = lock
        async with lock:
            if self.cluster is None:
                await coroutine
                return
            async with self._across_processes(f"{PLATFORM}:{user.id}"):
                await coroutine

    @contextlib.asynccontextmanager
    async def _across_processes(self, account: str) -> AsyncIterator[None]:
        """Hold the account in the database while its update is handled (another process waits its turn)."""
        assert self.cluster is not None
        processes, me = self.cluster.repos.processes, self.cluster.id
        while not await processes.hold_account(account, me, HOLD_ACCOUNT):
            await asyncio.sleep(0.02)
        try:
            yield
        finally:
            await processes.free_account(account, me)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _shown(chat_id: int | str, message_id: int) -> str:
    """Where a question was shown, as the core keeps it and `_replace` reads it back."""
    return f"{PLATFORM}:{chat_id}:{message_id}"


def keyboard(reply: Reply) -> dict[str, Any]:
    """The reply's buttons as the Bot API's `reply_markup` field, ready to pass as `api_kwargs`.

    `callback_data` is the core's opaque token, never trusted data. The keyboard is built in the Bot API's own
    JSON shape rather than as InlineKeyboardMarkup objects: building and serialising that object tree cost more
    than everything else in showing a profile, and the JSON is what goes on the wire either way (the spec check in
    the tests sees exactly this).
    """
    if not reply.buttons:
        return {}
    rows = [
        [{"text": b.label, "url": b.url} if b.url else {"text": b.label, "callback_data": b.token} for b in row]
        for row in reply.buttons
    ]
    return {"reply_markup": {"inline_keyboard": rows}}


def menu_for(routes: Routes, role: Role) -> list[BotCommand]:
    """The command menu for a role: what /help would list, with its one-line summaries."""
    return [BotCommand(spec.name, plain(spec.summary)[:256]) for spec in routes.commands_for(role)]


class TelegramAdapter:
    """One Telegram bot, serving the core."""

    platform = PLATFORM

    def __init__(self, core: Core, settings: TelegramSettings, *, request: BaseRequest | None = None,
                 get_updates_request: BaseRequest | None = None, cluster: Cluster | None = None,
                 metrics: Metrics | None = None, server: HttpServer | None = None) -> None:
        assert settings.token is not None
        self.core = core
        self.settings = settings
        self.metrics = metrics or Metrics()
        # Webhook mode: the server the webhook's path is added to (shared with /healthz and the others when they
        # are on the same address and port), else one of the adapter's own.
        self._server = server
        self._own_server: HttpServer | None = None
        self._webhook_path: str | None = None
        self.pace = Pace(None)  # unpaced until `Outbox.register` gives it Telegram's pace
        builder = ApplicationBuilder().token(settings.token.get_secret_value())
        if settings.base_url:
            base = settings.base_url.rstrip("/")
            builder = builder.base_url(base).base_file_url(base.rsplit("/", 1)[0] + "/file/bot")
        builder = builder.request(request or self._paced_request())
        if get_updates_request is not None:
            builder = builder.get_updates_request(get_updates_request)
        builder = builder.concurrent_updates(PerPersonUpdateProcessor(cluster=cluster))
        # No link previews: Telegram's servers would fetch every address the bot sends, a call link or a member's
        # calendar feed among them, which are secrets.
        builder = builder.defaults(Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True)))
        self.app: Application = builder.build()
        self.app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & ~filters.VIA_BOT, self._on_message))
        self.app.add_handler(CallbackQueryHandler(self._on_press))
        self.app.add_error_handler(self._on_error)
        core.services.role_listeners.append(self.refresh_menu)
        core.services.account_listeners.append(self.account_left)
        core.services.message_wipers[PLATFORM] = self.wipe
        core.services.links[PLATFORM] = self
        self._menus_catching_up: asyncio.Task[None] | None = None

    def _paced_request(self) -> HTTPXRequest:
        """The request object for every call but getUpdates: python-telegram-bot's own, as `ApplicationBuilder`
        would make it, whose requests tell the pace the moment they are written (httpcore's trace hook), so that
        the pace counts them where they leave (`Pace.leaving`)."""

        async def trace(event: str, info: object) -> None:
            if event.endswith(".send_request_headers.started"):
                await self.pace.leaving()

        async def traced(request: httpx.Request) -> None:
            request.extensions["trace"] = trace

        return HTTPXRequest(connection_pool_size=256, httpx_kwargs={"event_hooks": {"request": [traced]}})

    # --- lifecycle ---------------------------------------------------------------------------------------

    @property
    def username(self) -> str:
        return self.app.bot.username

    async def start(self) -> None:
        """Initialise (getMe), publish the command menus, and start receiving updates. A refused token raises
        TokenRejected; any other failure is raised as it is (call `stop`, then try again later)."""
        try:
            await self.app.initialize()
        except InvalidToken:
            raise TokenRejected(PLATFORM) from None  # its message quotes the token
        if self.app.bot.bot.can_read_all_group_messages:
            log.warning("Telegram privacy mode is off for this bot: it receives every group message. It needs "
                        "none of them; turn privacy mode on with @BotFather (/setprivacy).")
        await self.publish_menus()
        await self.app.start()
        updater = self.app.updater
        assert updater is not None
        if self.settings.mode == "webhook":
            await self._start_webhook()
        else:
            await updater.start_polling(allowed_updates=ALLOWED_UPDATES, timeout=30)
        log.info("Telegram adapter started as @%s (%s)", self.username, self.settings.mode)
        self._menus_catching_up = asyncio.create_task(self.catch_up_menus())

    async def _start_webhook(self) -> None:
        """Answer Telegram's calls on the webhook's path, then tell Telegram where to call."""
        assert self.settings.webhook_url and self.settings.secret_token
        server = self._server
        if server is None:
            server = self._own_server = HttpServer(self.settings.listen, self.settings.port)
        self._webhook_path = urlsplit(self.settings.webhook_url).path or "/"
        server.route(self._webhook_path, self._on_webhook)
        await server.start()
        await self.app.bot.set_webhook(self.settings.webhook_url, allowed_updates=ALLOWED_UPDATES,
                                       secret_token=self.settings.secret_token.get_secret_value())

    async def _on_webhook(self, request: web.Request) -> web.Response:
        """One update from Telegram: its secret checked (in constant time), then queued for the application. What
        it says is never logged. A request without the secret reads like a wrong address."""
        assert self.settings.secret_token is not None
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "").encode()
        if request.method != "POST" or not hmac.compare_digest(
                given, self.settings.secret_token.get_secret_value().encode()):
            return web.Response(status=403)
        if not self.app.running:
            return web.Response(status=503)  # stopping: Telegram sends it again later, to the next start
        try:
            update = Update.de_json(json.loads(await request.read()), self.app.bot)
        except Exception as exc:
            log.warning("a webhook call that is not an update was refused (%s)", type(exc).__name__)
            return web.Response(status=400)
        if update is not None:
            await self.app.update_queue.put(update)
        return web.Response(status=200)

    def is_connected(self) -> bool:
        """Whether updates are coming in (for /readyz)."""
        updater = self.app.updater
        polling = updater is not None and updater.running
        return self.app.running and (polling or self._webhook_path is not None)

    async def stop(self) -> None:
        """Stop receiving, finish the updates being handled, and close the connection pool."""
        if self._menus_catching_up is not None:
            self._menus_catching_up.cancel()
        if self._webhook_path is not None:
            # Calls from now on are refused with 503: Telegram keeps the update and calls again later.
            for server in (self._server, self._own_server):
                if server is not None:
                    server.unroute(self._webhook_path)
            self._webhook_path = None
        if self._own_server is not None:
            await self._own_server.stop()
            self._own_server = None
        updater = self.app.updater
        if updater is not None and updater.running:
            await updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        await self.app.bot.shutdown()  # the connection pool, also when a start failed before it was initialised

    # --- menus -------------------------------------------------------------------------------------------

    async def publish_menus(self) -> None:
        """The strangers' menu for everyone; the longer menus in organisers' and admins' own private chats
        (members' chats get theirs when they join, see `catch_up_menus` for those who joined before)."""
        default = self.core.services.network.default_language
        with language(default):
            await self.app.bot.set_my_commands(menu_for(self.core.routes, Role.STRANGER),
                                               scope=BotCommandScopeDefault())
        for code in available_languages():  # Telegram shows each person the one for their app's language
            if code != default:
                with language(code):
                    await self.app.bot.set_my_commands(menu_for(self.core.routes, Role.STRANGER),
                                                       scope=BotCommandScopeDefault(), language_code=code)
        for key in self.core.services.network.admins:
            platform, _, external = key.partition(":")
            if platform == PLATFORM and external.isdigit():
                member = await self.core.services.repos.members.by_identity(PLATFORM, external)
                await self._set_chat_menu(int(external), Role.ADMIN, member.languages if member else ())
        for identity in await self.core.services.repos.members.with_role("organiser"):
            if identity.platform == PLATFORM:
                await self.refresh_menu(identity.member_id)

    async def refresh_menu(self, member_id: int) -> None:
        """Give a member's Telegram chat the menu of their role now."""
        role = await self.core.role_of_member(member_id)
        member = await self.core.services.repos.members.get(member_id)
        for identity in await self.core.services.repos.members.identities(member_id):
            if identity.platform == PLATFORM:
                await self._set_chat_menu(int(identity.external_id), role, member.languages if member else ())

    async def account_left(self, person: Person) -> None:
        """An account unlinked or erased: its chat gets the default menu again, the strangers'."""
        if person.platform == PLATFORM:
            await self._set_chat_menu(int(person.external_id), Role.STRANGER)

    async def catch_up_menus(self) -> None:
        """Members who joined when the default menu was the members' one have no menu of their own: give each
        theirs, once, a few a second so that replies are not held up. Runs in the background after start; if it
        is interrupted, the next start begins again."""
        repos = self.core.services.repos
        try:
            if await repos.members.menus_caught_up(PLATFORM):
                return
            for member_id in await repos.members.ids_on(PLATFORM):
                await self.refresh_menu(member_id)
                await asyncio.sleep(MENU_CATCH_UP_PAUSE)
            await repos.members.set_menus_caught_up(PLATFORM)
        except Exception as exc:  # the type only: an error's message may quote a request
            log.warning("members' command menus not caught up (%s); the next start tries again", type(exc).__name__)

    async def _set_chat_menu(self, chat_id: int, role: Role, languages: tuple[str, ...] = ()) -> None:
        """A member's own menu, in the language the bot writes to them in (the strangers' menu for others)."""
        scope = BotCommandScopeChat(chat_id)
        try:
            if role >= Role.MEMBER:
                with language(pick_language(languages, self.core.services.network.default_language)):
                    await self.app.bot.set_my_commands(menu_for(self.core.routes, role), scope=scope)
            else:
                await self.app.bot.delete_my_commands(scope=scope)
        except (BadRequest, Forbidden) as exc:  # a chat the bot cannot reach yet (never started it)
            log.info("no command menu for a Telegram chat: %s", type(exc).__name__)

    # --- incoming ----------------------------------------------------------------------------------------

    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A message: to the core as Incoming; its replies back to the same chat."""
        message, user, chat = update.effective_message, update.effective_user, update.effective_chat
        if message is None or user is None or chat is None or user.is_bot:
            return
        private = chat.type == ChatType.PRIVATE
        if message.text is None and not private:
            return  # never react to group chatter
        person = Person(PLATFORM, str(user.id))
        with self.metrics.handling(PLATFORM):
            replies = await self.core.handle_message(Incoming(person, message.text or "", private,
                                                              locale=user.language_code))
            for reply in replies:
                if reply.replaces is not None:
                    await self._replace(reply)
                    continue
                await self._deliver(chat.id, reply, person=person)

    async def _on_press(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press: to the core as Press; answered once, then edits or new messages."""
        query = update.callback_query
        if query is None:
            return
        with self.metrics.handling(PLATFORM):
            await self._answer_press(query)

    async def _answer_press(self, query: CallbackQuery) -> None:
        """Answer a press once (with its toast, if any), then show its replies: edits where it can."""
        person = Person(PLATFORM, str(query.from_user.id))
        source = query.message if isinstance(query.message, Message) else None
        private = source is None or source.chat.type == ChatType.PRIVATE
        replies = await self.core.handle_press(Press(person, query.data or "", private,
                                                     locale=query.from_user.language_code))
        toast = next((r.toast for r in replies if r.toast), None)
        await self._reply(query.from_user.id, lambda: query.answer(text=toast[:MAX_TOAST] if toast else None))
        chat_id = source.chat.id if source is not None else query.from_user.id
        edited = False
        for reply in replies:
            if reply.toast_only:
                continue
            if reply.edit and source is not None and not edited:
                edited = await self._edit(source, reply)
                if edited:
                    if reply.question:
                        await self.core.question_shown(person, reply.question,
                                                       _shown(source.chat.id, source.message_id))
                    continue
            await self._deliver(chat_id, reply, person=person)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # The exception's type only: its message may quote what the person wrote.
        log.error("Telegram update failed: %s", type(context.error).__name__)

    # --- outgoing ----------------------------------------------------------------------------------------

    async def _edit(self, message: Message, reply: Reply) -> bool:
        """Replace a message's text and buttons; False when it cannot be edited (too old, too long, gone)."""
        pieces = split_markup(reply.text, MessageLimit.MAX_TEXT_LENGTH)
        if len(pieces) != 1 or reply.attachment is not None:
            return False
        try:
            await self._reply(message.chat_id, lambda: message.edit_text(
                str(pieces[0]), parse_mode=ParseMode.HTML, api_kwargs=keyboard(reply)))
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return True
            return False
        return True

    async def _replace(self, reply: Reply) -> None:
        """Show `reply` in the message it replaces (a question answered by typing: the answer, and no buttons),
        when that message is one of ours here; one too old to edit, or gone, stays as it was."""
        platform, _sep, where = (reply.replaces or "").partition(":")
        chat_id, _sep, message_id = where.partition(":")
        pieces = split_markup(reply.text, MessageLimit.MAX_TEXT_LENGTH)
        if platform != PLATFORM or not message_id.isdigit() or len(pieces) != 1:
            return
        try:
            await self._reply(chat_id, lambda: self.app.bot.edit_message_text(
                str(pieces[0]), chat_id=int(chat_id), message_id=int(message_id), parse_mode=ParseMode.HTML))
        except BadRequest as exc:  # too old to edit, deleted, or already showing this
            log.info("an answered question was not edited: %s", type(exc).__name__)

    async def _deliver(self, chat_id: int | str, reply: Reply, *, person: Person | None = None,
                       outbox: bool = False) -> None:
        """Send a reply into a chat: text in pieces (buttons under the last), then any file.

        Each request of a direct reply goes through `_reply`; one given up drops the rest of the reply. For the
        outbox (`outbox`) the first request has had its turn at the pace, the others take theirs here, and every
        failure is the outbox's to handle."""
        if reply.private_redirect and person is not None:
            reply = Reply(reply.text, buttons=((await self._private_chat_button(reply.redirect_command,
                                                                                 reply.language),),))
        pieces = split_markup(reply.text, MessageLimit.MAX_TEXT_LENGTH) if reply.text else []
        caption = None
        if reply.attachment is not None and len(pieces) == 1 and not reply.buttons and \
                len(split_markup(reply.text, MessageLimit.CAPTION_LENGTH)) == 1:
            caption, pieces = str(pieces[0]), []  # the text goes with the file, in one message
        shown: list[int] = []  # the message the buttons are under, once sent

        async def send_text(piece: str, last: bool) -> None:
            message_id = await self._send_text(chat_id, piece, keyboard(reply) if last else {})
            if last:
                shown.append(message_id)

        calls: list[Callable[[], Awaitable[object]]] = [
            functools.partial(send_text, str(piece), i == len(pieces) - 1) for i, piece in enumerate(pieces)]
        if reply.attachment is not None:
            calls.append(functools.partial(self._send_file, chat_id, reply.attachment, caption))
        try:
            for i, call in enumerate(calls):
                if not outbox:
                    if not await self._reply(chat_id, call):
                        return
                    continue
                if i:
                    await self.pace.acquire(str(chat_id))
                await _request(call)
            if reply.question and person is not None and shown:
                await self.core.question_shown(person, reply.question, _shown(chat_id, shown[0]))
        except Forbidden:
            if outbox:
                raise
            # Blocked by the user (or removed from the group): stop trying until they write again.
            if person is not None and str(chat_id) == person.external_id:
                await self.core.mark_unreachable(person)
            log.info("a Telegram chat refused a message (403)")

    async def _reply(self, chat_id: int | str, call: Callable[[], Awaitable[object]]) -> bool:
        """One request of a direct reply: its turn at the pace ahead of the outbox's messages, tried again until it
        gets through (`send_reply`); False when it was given up."""
        return await send_reply(self.pace, str(chat_id), lambda: _request(call), PLATFORM)

    async def _send_text(self, chat_id: int | str, text: str, markup: dict[str, Any]) -> int:
        """One sendMessage in HTML parse mode, through the Application's bot, so its defaults, request object and
        errors (Forbidden, RetryAfter, BadRequest, NetworkError) all apply. Returns the message's id."""
        message = await self.app.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, api_kwargs=markup or None)
        await self._sent(chat_id, message.message_id)
        return message.message_id

    async def _send_file(self, chat_id: int | str, attachment: Attachment, caption: str | None) -> None:
        """A picture as a photo (shown in the chat), anything else as a document; with its caption, if any."""
        file = InputFile(attachment.content, filename=attachment.filename)
        words: dict[str, Any] = {"caption": caption, "parse_mode": ParseMode.HTML} if caption else {}
        if attachment.mime.startswith("image/"):
            message = await self.app.bot.send_photo(chat_id, file, **words)
        else:
            message = await self.app.bot.send_document(chat_id, file, **words)
        await self._sent(chat_id, message.message_id)

    async def _sent(self, chat_id: int | str, message_id: int) -> None:
        """Keep where a message to a person went (a private chat: its id is theirs), for /panic to delete it:
        Telegram lets a bot delete what it sent for 48 hours, and gives it no way to list what it sent."""
        if int(chat_id) <= 0:
            return  # a group: not one person's
        services = self.core.services
        try:
            await services.repos.sent.record(PLATFORM, str(chat_id), str(message_id), int(services.clock().timestamp()))
        except Exception as exc:  # the message went; only /panic's reach is smaller
            log.warning("a sent message was not recorded (%s)", type(exc).__name__)

    async def wipe(self, person: Person, kept: list[str]) -> int:
        """/panic: delete what the bot sent into the person's private chat in the last 48 hours, a hundred
        messages a request (deleteMessages; those Telegram no longer lets it delete are skipped)."""
        ids, chat = [int(m) for m in kept], int(person.external_id)
        deleted = 0
        for start in range(0, len(ids), DELETE_AT_ONCE):
            batch = ids[start:start + DELETE_AT_ONCE]
            if await self._reply(chat, functools.partial(self.app.bot.delete_messages, chat, batch)):
                deleted += len(batch)
        return deleted

    async def _private_chat_button(self, command: str, written_in: str) -> Button:
        """A button that opens the private chat and, there, runs the command again (a /start payload); in the
        language of the reply it goes under."""
        payload = resume_payload(command, self.core.routes.commands)
        url = f"https://t.me/{self.username}" + (f"?start={payload}" if payload else "")
        with language(written_in or self.core.services.network.default_language):
            return Button(plain(N_("Open a private chat with me")), url=url)

    async def send(self, person: Person, reply: Reply) -> None:
        """Send a message the bot initiates (from the outbox) to a person's private chat; failures are told to
        the outbox in its own terms."""
        try:
            # A member's private chat, or an announcement group or channel (a negative id, or @name).
            chat = person.external_id if person.external_id.startswith("@") else int(person.external_id)
            await self._deliver(chat, reply, person=person, outbox=True)
        except Forbidden as exc:
            raise Unreachable() from exc
        except BadRequest as exc:  # the message itself was refused: sending it again would not help
            raise Rejected() from exc

    def invite_link(self, code: str) -> str | None:
        """t.me deep link that opens the bot with /start <code>."""
        return f"https://t.me/{self.username}?start={code}"

    def join_command(self, code: str) -> str:
        """What a newcomer sends here to join with a code."""
        return f"/start {code}"


def telegram_adapter(app: App, server: HttpServer | None = None) -> TelegramAdapter:
    """The Telegram adapter as the bot runs it (`solidarity-bot run`, and the broadcast benchmark). Registering it
    with the outbox gives it Telegram's one pace, which its direct replies share with the outbox's messages."""
    return TelegramAdapter(app.core, app.settings.telegram, cluster=app.cluster, metrics=app.metrics, server=server)


async def _request(call: Callable[[], Awaitable[object]]) -> None:
    """Make one Bot API request, its failures told in the delivery layer's terms: a 429 is RetryLater, a request
    that certainly did not reach Telegram NotSent, one that may have MaybeSent; a 403 and a 400 stay Forbidden and
    BadRequest."""
    try:
        await call()
    except RetryAfter as exc:
        raise RetryLater(_seconds(exc.retry_after)) from exc
    except BadRequest:
        raise
    except NetworkError as exc:  # TimedOut is one too
        raise (NotSent() if _not_sent(exc) else MaybeSent()) from exc


def _seconds(retry_after: object) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on the version."""
    if isinstance(retry_after, timedelta):
        return retry_after.total_seconds()
    return float(retry_after)  # type: ignore[arg-type]


def _not_sent(exc: NetworkError) -> bool:
    """Whether a failed request certainly did not reach Telegram: no connection was made, no connection was free,
    or Telegram answered with a server error. A read or write timeout may come after Telegram got the message."""
    cause = exc.__cause__
    if cause is None or isinstance(cause, TelegramError):
        # An error status from Telegram (or from a proxy in front of it, whose page is not JSON): it answered.
        return not isinstance(exc, TimedOut)
    return isinstance(cause, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
