"""Discord adapter: slash commands, buttons, multi-select menus and forms → the core; the core's replies → Discord.

It only translates. Slash commands are made from the commands the core's routers declare; every button, menu and form
carries an opaque token that the core resolves and checks against the person pressing. No privileged intents:
the bot reads direct messages sent to it (Discord gives bots those without the message-content intent) and
nothing in servers, so in a server every answer is ephemeral and typed answers go through a form (a modal).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import io
import logging
import re
from collections.abc import Awaitable, Iterator
from typing import Any

import aiohttp
import discord
from discord import app_commands

from bot.delivery import MaybeSent, NotSent, Rejected, RetryLater, Unreachable
from bot.metrics import Metrics
from bot.platforms import TokenRejected
from bot.settings import DiscordSettings
from handlers.arguments import Param
from handlers.core import Core, Role
from handlers.events import Attachment, Incoming, Person, Press, Reply
from handlers.formatting import split_markup, to_markdown
from handlers.i18n import N_, SOURCE_LANGUAGE, _, from_locale, language, plain
from handlers.network import Network
from handlers.suggest import suggestions

log = logging.getLogger(__name__)

PLATFORM = "discord"
MAX_CONTENT = 2000  # Discord's documented limit for message content
MAX_ROWS, MAX_PER_ROW, MAX_OPTIONS = 5, 5, 25
MAX_FIELDS = 5  # text fields in one form (a modal)
MAX_OPTION_TEXT = 6000  # the longest text a slash command's string option may take
DEFER_AFTER = 2.0  # seconds: Discord wants an answer within 3, so slower work is deferred first
FORM_TIMEOUT = 15 * 60  # a form left open longer than an interaction token lives is forgotten
FINISH_PATIENCE = 5.0  # seconds the updates being handled get to finish when the bot stops
WIPE_LIMIT = 1000  # /panic: the most recent direct messages it looks through for its own

_TOKEN = r"[A-Za-z0-9_-]{1,40}\.\d{1,3}"
# The bot never means to ping anyone: nothing in a message it sends notifies a user, a role, @everyone or @here,
# whatever the text contains (user text is escaped as well, so it shows as typed).
NO_MENTIONS = discord.AllowedMentions.none()


def discord_pieces(reply_text: Any) -> list[str]:
    """The reply as Discord Markdown in pieces of at most 2000 characters, cut at line boundaries."""
    if not reply_text:
        return []
    limit = MAX_CONTENT - 100
    out: list[str] = []
    pending = list(split_markup(reply_text, limit))
    while pending:
        piece = pending.pop(0)
        text = to_markdown(piece)
        if len(text) <= MAX_CONTENT:
            out.append(text)
            continue
        # Escaping made it longer than Discord allows: cut this piece smaller.
        limit = max(limit // 2, 50)
        pending[:0] = split_markup(piece, limit)
    return out


class CoreButton(discord.ui.DynamicItem[discord.ui.Button], template=rf"^sb:(?P<token>{_TOKEN})$"):
    """A button of the core: pressing it sends its token back to the core, also after a restart."""

    def __init__(self, token: str, label: str = "…") -> None:
        super().__init__(discord.ui.Button(label=label[:80], custom_id=f"sb:{token}",
                                           style=discord.ButtonStyle.secondary))
        self.token = token

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]) -> CoreButton:
        return cls(match["token"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _adapter(interaction).on_press(interaction, [self.token])


class CoreSelect(discord.ui.DynamicItem[discord.ui.Select], template=r"^sbs:(?P<first>[A-Za-z0-9_.-]{1,60})$"):
    """A run of the core's toggles as one multi-select menu; each changed option presses its toggle."""

    def __init__(self, first: str, options: list[discord.SelectOption] | None = None) -> None:
        options = options or [discord.SelectOption(label="…", value=first)]
        super().__init__(discord.ui.Select(custom_id=f"sbs:{first}", options=options, min_values=0,
                                           max_values=len(options)))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Select,
                             match: re.Match[str]) -> CoreSelect:
        return cls(match["first"], list(item.options) if item.options else None)

    async def callback(self, interaction: discord.Interaction) -> None:
        chosen = set(interaction.data.get("values", []) if interaction.data else [])
        before = _shown_selection(interaction, self.item.custom_id)
        if before is None:
            await _adapter(interaction).on_press(interaction, [])
            return
        offered, ticked = before
        changed = [value for value in offered if (value in chosen) != (value in ticked)]
        await _adapter(interaction).on_press(interaction, changed)


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button], template=r"^sb-ask:(?P<labels>.{1,92})$"):
    """Opens a form to type the answer the bot asked for (the bot cannot read messages in a server), with a field
    for each short answer the next questions will ask as well. The labels travel in the button's custom_id, so
    the form opens the same after a restart."""

    def __init__(self, labels: list[str], button_label: str = "Answer") -> None:
        labels = _form_labels(labels)
        super().__init__(discord.ui.Button(label=button_label[:80], custom_id="sb-ask:" + "|".join(labels),
                                           style=discord.ButtonStyle.primary))
        self.labels = labels

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str]) -> AnswerButton:
        return cls(match["labels"].split("|"))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(AnswerForm(_adapter(interaction), self.labels,
                                                         from_locale(str(interaction.locale))))


def _form_labels(labels: list[str]) -> list[str]:
    """At most five fields (a modal's limit), their labels cut so that all fit in one custom_id."""
    labels = [label.replace("|", " ").strip() or "…" for label in labels[:MAX_FIELDS]]
    room = (92 - len(labels) + 1) // len(labels)
    return [label[:min(room, 45)] for label in labels]


def described_option(param: Param, network: Network) -> app_commands.locale_str:
    """An option's description in the language spoken now, carrying its source text (and the network's default
    it names) for the translator."""
    values = {"default": getattr(network, param.default)} if param.default else {}
    text = plain(_(param.description, **values) if values else param.description)[:100]
    return app_commands.locale_str(text, source=param.description, **values)


class CatalogueTranslator(app_commands.Translator):
    """Command and option descriptions (and choice names) in each language the bot speaks and Discord offers;
    command and option names stay as they are. Discord has no Arabic locale, so Arabic readers see the
    network's language in the menus (the bot's messages are in Arabic all the same)."""

    def __init__(self, default_language: str) -> None:
        self.default_language = default_language

    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        if context.location in (app_commands.TranslationContextLocation.command_name,
                                app_commands.TranslationContextLocation.group_name,
                                app_commands.TranslationContextLocation.parameter_name):
            return None
        code = from_locale(locale.value)
        source = string.extras.get("source")
        if code is None or code == self.default_language or source is None:
            return None
        with language(code):
            values = {k: v for k, v in string.extras.items() if k != "source"}
            return plain(_(source, **values) if values else source)[:100] or None


class AnswerForm(discord.ui.Modal):
    """A text field for each answer asked; what is typed goes to the core as if it were direct messages, the
    answers after the first as `Incoming.more`."""

    def __init__(self, adapter: DiscordAdapter, labels: list[str], app_language: str | None = None) -> None:
        with language(app_language or adapter.core.services.network.default_language):
            title = plain(N_("Your answer"))
        super().__init__(title=title[:45], timeout=FORM_TIMEOUT, custom_id="sb-form")
        self.adapter = adapter
        single = len(labels) == 1
        self.answers: list[discord.ui.TextInput] = [
            discord.ui.TextInput(label=label, style=discord.TextStyle.paragraph if single else discord.TextStyle.short,
                                 max_length=4000, required=i == 0, custom_id=f"answer{i}" if i else "answer")
            for i, label in enumerate(labels)]
        for field in self.answers:
            self.add_item(field)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        first, *more = [field.value or "" for field in self.answers]
        await self.adapter.on_text(interaction, first, tuple(more))


def _adapter(interaction: discord.Interaction) -> DiscordAdapter:
    client = interaction.client
    adapter = getattr(client, "solidarity_adapter", None)
    assert isinstance(adapter, DiscordAdapter), "client was not built by DiscordAdapter"
    return adapter


def _shown_selection(interaction: discord.Interaction, custom_id: str) -> tuple[list[str], set[str]] | None:
    """The options of a menu as the message showed them, and which were ticked (Discord sends only the new
    choice; the message itself says what was chosen before)."""
    message = interaction.message
    if message is None:
        return None
    for row in message.components:
        for component in getattr(row, "children", []):
            if getattr(component, "custom_id", None) == custom_id and hasattr(component, "options"):
                offered = [o.value for o in component.options]
                return offered, {o.value for o in component.options if o.default}
    return None


def _components(reply: Reply) -> discord.ui.View | None:
    """The reply's buttons as Discord components: toggles become multi-select menus (25 options each), other
    buttons rows of at most five, and an "Answer" button opens a form when the reply waits for typed text."""
    buttons = [b for row in reply.buttons for b in row]
    toggles = [b for b in buttons if b.selected is not None and b.token]
    items: list[list[discord.ui.Item]] = []
    for start in range(0, len(toggles), MAX_OPTIONS):
        chunk = toggles[start:start + MAX_OPTIONS]
        options = [discord.SelectOption(label=_strip_tick(b.label)[:100], value=b.token, default=bool(b.selected))
                   for b in chunk]
        items.append([CoreSelect(chunk[0].token, options)])
    plain_buttons: list[discord.ui.Item] = []
    for b in buttons:
        if b.url:
            plain_buttons.append(discord.ui.Button(label=b.label[:80], url=b.url))
        elif b.token and b.selected is None:
            plain_buttons.append(CoreButton(b.token, b.label))
    if reply.asks:
        with language(reply.language or SOURCE_LANGUAGE):
            label = plain(N_("Type your answer"))
        plain_buttons.insert(0, AnswerButton([reply.asks, *reply.form], label))
    items += [plain_buttons[i:i + MAX_PER_ROW] for i in range(0, len(plain_buttons), MAX_PER_ROW)]
    if len(items) > MAX_ROWS:
        log.warning("a reply had more rows of buttons than Discord shows; the last were left off")
        items = items[:MAX_ROWS]
    view = discord.ui.View(timeout=None)
    for row, row_items in enumerate(items):
        for item in row_items:
            target = item.item if isinstance(item, discord.ui.DynamicItem) else item
            target.row = row
            view.add_item(item)
    return view if view.children else None


def _shown(channel_id: int, message_id: int) -> str:
    """Where a question was shown, as the core keeps it and `_where` reads it back."""
    return f"{PLATFORM}:{channel_id}:{message_id}"


def _file(attachment: Attachment) -> discord.File:
    return discord.File(io.BytesIO(attachment.content), filename=attachment.filename)


def _where(shown: str | None) -> tuple[int, int] | None:
    """(channel id, message id) of a message this adapter showed; None for another platform's."""
    platform, _sep, rest = (shown or "").partition(":")
    channel, _sep, message = rest.partition(":")
    if platform != PLATFORM or not channel.isdigit() or not message.isdigit():
        return None
    return int(channel), int(message)


def _strip_tick(label: str) -> str:
    return label.removeprefix("✓ ")


class _Solidarity:
    """What the bot's discord.py client adds to discord.py's: it knows its adapter (components find it through
    `interaction.client`), registers the dynamic buttons and the commands, and passes DMs on."""

    solidarity_adapter: DiscordAdapter | None = None

    def __init__(self, **options: Any) -> None:
        options.setdefault("allowed_mentions", NO_MENTIONS)
        super().__init__(**options)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(CoreButton, CoreSelect, AnswerButton)
        if self.solidarity_adapter is not None:
            await self.solidarity_adapter.prepare_commands()  # the tree, built now over the HTTP client that logged in

    async def on_message(self, message: discord.Message) -> None:
        if self.solidarity_adapter is not None:
            await self.solidarity_adapter.on_direct_message(message)


class SolidarityClient(_Solidarity, discord.Client):
    """One gateway connection."""


class ShardedSolidarityClient(_Solidarity, discord.AutoShardedClient):
    """Several gateway shards in this one process (`[discord] shards`); direct messages arrive on shard 0."""


def new_client(settings: DiscordSettings) -> discord.Client:
    """The bot's client: the gateway intents it needs and nothing more, sharded when the settings say so."""
    intents = discord.Intents.none()
    intents.guilds = True  # not privileged; lets discord.py know the servers it is in
    intents.dm_messages = True  # direct messages to the bot; no message content from servers
    if settings.shards:
        return ShardedSolidarityClient(intents=intents, shard_count=settings.shards)
    return SolidarityClient(intents=intents)


class DiscordAdapter:
    """The bot on Discord, over the shared core."""

    platform = PLATFORM

    def __init__(self, core: Core, settings: DiscordSettings, *, client: discord.Client | None = None,
                 metrics: Metrics | None = None) -> None:
        self.core = core
        self.settings = settings
        self.metrics = metrics or Metrics()
        self._in_flight: set[asyncio.Task[Any]] = set()  # the updates being handled
        self._stopping = False
        if client is None:
            client = new_client(settings)
        client.allowed_mentions = NO_MENTIONS
        self.client = client
        client.solidarity_adapter = self  # type: ignore[attr-defined]
        core.services.links[PLATFORM] = self
        core.services.message_wipers[PLATFORM] = self.wipe
        self._tree: app_commands.CommandTree | None = None
        self._dm_channels: dict[str, int] = {}

    @property
    def tree(self) -> app_commands.CommandTree:
        """The slash commands, made from the core's routes (built on first use: the tree keeps the client's
        HTTP client of that moment)."""
        if self._tree is None:
            self._tree = app_commands.CommandTree(self.client)
            self.client.tree = self._tree  # type: ignore[attr-defined]  (where tools look for a client's commands)
            self._tree.on_error = self._on_command_error  # type: ignore[method-assign]
            self._build_commands()
        return self._tree

    # --- commands -----------------------------------------------------------------------------------------

    def _build_commands(self) -> None:
        with language(self.core.services.network.default_language):
            for spec in sorted(self.core.routes.commands.values(), key=lambda c: (c.order, c.name)):
                summary = app_commands.locale_str(plain(spec.summary)[:100] or spec.name, source=spec.summary)
                self.tree.add_command(self._command(spec.name, summary, spec.role, spec.params))

    def _command(self, name: str, summary: app_commands.locale_str, role: Role,
                 params: tuple[Param, ...]) -> app_commands.Command:
        """A slash command with an option for each of the command's params, as the core declares them; what is
        chosen goes to the core as values, by name."""
        adapter = self

        async def callback(interaction: discord.Interaction, **values: Any) -> None:
            await adapter.on_command(interaction, name, {k: v for k, v in values.items() if v is not None})

        parameters = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                        annotation=discord.Interaction)]
        for param in params:
            kind: Any = app_commands.Range[int, param.low, param.high] if param.number else \
                app_commands.Range[str, 1, min(param.longest, MAX_OPTION_TEXT)]
            parameters.append(inspect.Parameter(
                param.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=kind,
                default=inspect.Parameter.empty if param.required else None))
        callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        callback.__name__ = name
        network = self.core.services.network
        described = app_commands.describe(**{p.name: described_option(p, network) for p in params})(callback)
        command = app_commands.Command(name=name, description=summary, callback=described)
        if role >= Role.ORGANISER:
            # Hidden in servers from people without Manage Server; the bot's own roles decide in any case.
            command.default_permissions = discord.Permissions(manage_guild=True)
        for param in params:
            if param.suggest:
                command.autocomplete(param.name)(self._completer(param.suggest))
        return command

    def _completer(self, kind: str):
        """Autocomplete for one kind of value; the core decides what this person may be offered."""
        adapter = self

        async def complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            pairs = await suggestions(adapter.core, adapter._person(interaction.user), kind, current, MAX_OPTIONS)
            return [app_commands.Choice(name=label[:100], value=value[:100]) for label, value in pairs]

        return complete

    async def _on_command_error(self, interaction: discord.Interaction, error: Exception) -> None:
        log.error("Discord command failed: %s", type(error).__name__)

    async def registration_payload(self) -> list[dict[str, Any]]:
        """What `sync-commands` sends: every slash command in Discord's JSON shape, with its translations."""
        translator = await self.prepare_commands()
        return [await command.get_translated_payload(self.tree, translator) for command in self.tree.get_commands()]

    async def prepare_commands(self) -> app_commands.Translator:
        if not isinstance(self.tree.translator, CatalogueTranslator):
            await self.tree.set_translator(CatalogueTranslator(self.core.services.network.default_language))
        assert self.tree.translator is not None
        return self.tree.translator

    async def sync_commands(self, guild_ids: list[int] | None = None) -> list[str]:
        """Register the commands globally, or in each listed server (there they appear at once)."""
        await self.prepare_commands()
        done = []
        if guild_ids:
            for guild_id in guild_ids:
                guild = discord.Object(id=guild_id)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
                done.append(f"server {guild_id}")
        else:
            await self.tree.sync()
            done.append("globally")
        return done

    # --- incoming -----------------------------------------------------------------------------------------

    @staticmethod
    def _person(user: discord.abc.User) -> Person:
        return Person(PLATFORM, str(user.id))

    async def on_command(self, interaction: discord.Interaction, name: str, values: dict[str, Any]) -> None:
        """A slash command: to the core as the command with its options' values, by name."""
        person = self._person(interaction.user)
        await self._remember_dm(interaction)
        work = self.core.handle_message(Incoming(person, f"/{name}", private=True, values=values,
                                                 locale=str(interaction.locale)))
        await self._answer(interaction, work, person, edit=False)

    async def on_press(self, interaction: discord.Interaction, tokens: list[str]) -> None:
        """Buttons (or the options of a menu that changed): each token to the core, in order."""
        person = self._person(interaction.user)

        async def presses() -> list[Reply]:
            replies: list[Reply] = []
            for token in tokens:
                replies = await self.core.handle_press(Press(person, token, private=True,
                                                             locale=str(interaction.locale)))
            return replies

        await self._answer(interaction, presses(), person, edit=True)

    async def on_text(self, interaction: discord.Interaction, text: str, more: tuple[str, ...] = ()) -> None:
        """What someone typed into an answer form (`more`: its further fields, in order)."""
        person = self._person(interaction.user)
        incoming = Incoming(person, text, private=True, more=more, locale=str(interaction.locale))
        await self._answer(interaction, self.core.handle_message(incoming), person, edit=False)

    async def on_direct_message(self, message: discord.Message) -> None:
        """A direct message to the bot (the only messages it reads): free text, or a command typed by hand."""
        if message.guild is not None or message.author.bot or self.client.user is None:
            return
        if message.author.id == self.client.user.id or self._stopping:
            return
        person = self._person(message.author)
        with self._handling():
            await self._learn_dm(person, message.channel.id)
            replies = await self.core.handle_message(Incoming(person, message.content or "", private=True))
            for reply in replies:
                if reply.replaces is not None:
                    await self._replace(reply)
                    continue
                await self._send_to(message.channel, reply, person)

    async def _remember_dm(self, interaction: discord.Interaction) -> None:
        channel = interaction.channel
        if interaction.guild is None and isinstance(channel, discord.DMChannel):
            await self._learn_dm(self._person(interaction.user), channel.id)

    # --- answering ----------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _handling(self) -> Iterator[None]:
        """One update being handled: counted and timed for /metrics, and waited for when the bot stops."""
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            with self.metrics.handling(PLATFORM):
                yield
        finally:
            self._in_flight.discard(task)  # type: ignore[arg-type]

    async def _answer(self, interaction: discord.Interaction, work: Awaitable[list[Reply]], person: Person,
                      *, edit: bool) -> None:
        """Run the core, deferring if it is slow, then answer: ephemeral in a server, plain in a DM. Once the bot
        is stopping, nothing new is taken."""
        if self._stopping:
            if inspect.iscoroutine(work):
                work.close()
            return
        with self._handling():
            await self._answer_now(interaction, work, person, edit=edit)

    async def _answer_now(self, interaction: discord.Interaction, work: Awaitable[list[Reply]], person: Person,
                          *, edit: bool) -> None:
        task = asyncio.ensure_future(work)
        ephemeral = interaction.guild is not None
        done, _pending = await asyncio.wait({task}, timeout=DEFER_AFTER)
        thinking = False  # deferred with "thinking…": the first message replaces that placeholder
        if not done:
            if edit:
                await interaction.response.defer()
            else:
                await interaction.response.defer(ephemeral=ephemeral, thinking=True)
                thinking = True
        try:
            replies = await task
        except Exception:
            log.exception("Discord interaction failed")
            replies = []
        shown = [r for r in replies if not r.toast_only]
        if not shown:
            toast = next((r.toast for r in replies if r.toast), None)
            if toast and not interaction.response.is_done():
                # A stale or refused press: said privately, and the message stays as it is.
                await interaction.response.send_message(toast[:MAX_CONTENT], ephemeral=True,
                                                        allowed_mentions=NO_MENTIONS)
            elif not interaction.response.is_done():
                await interaction.response.defer()
            return
        first = True
        for reply in shown:
            if reply.replaces is not None:
                await self._replace_from(interaction, reply)
                continue
            pieces = discord_pieces(reply.text) or ["…"]
            view = _components(reply)
            for i, piece in enumerate(pieces):
                last = i == len(pieces) - 1
                kwargs: dict[str, Any] = {"content": piece, "allowed_mentions": NO_MENTIONS}
                if last and view is not None:
                    kwargs["view"] = view
                if last and reply.attachment is not None:  # the file goes with the last piece of text
                    kwargs["file"] = _file(reply.attachment)
                message_id: int | None = None
                if first and edit and reply.edit and len(pieces) == 1 and reply.attachment is None:
                    if not interaction.response.is_done():
                        await interaction.response.edit_message(content=piece, view=view,
                                                                allowed_mentions=NO_MENTIONS)
                        message_id = interaction.message.id if interaction.message else None
                    else:
                        message_id = (await interaction.edit_original_response(
                            content=piece, view=view, allowed_mentions=NO_MENTIONS)).id
                elif first and thinking:
                    if "file" in kwargs:
                        kwargs["attachments"] = [kwargs.pop("file")]
                    message_id = (await interaction.edit_original_response(**kwargs)).id
                elif not interaction.response.is_done():
                    message_id = (await interaction.response.send_message(ephemeral=ephemeral, **kwargs)).message_id
                else:
                    message_id = (await interaction.followup.send(ephemeral=ephemeral, wait=True, **kwargs)).id
                first = False
                if last and reply.question and message_id is not None and interaction.channel_id is not None:
                    await self.core.question_shown(person, reply.question,
                                                   _shown(interaction.channel_id, message_id))

    async def _replace_from(self, interaction: discord.Interaction, reply: Reply) -> None:
        """A question answered in a form: the form was opened from the question's own message, which this
        interaction may edit (ephemeral in a server, too); anywhere else, as `_replace` can."""
        where = _where(reply.replaces)
        message = interaction.message
        if where is not None and message is not None and message.id == where[1] and \
                not interaction.response.is_done():
            pieces = discord_pieces(reply.text)
            if len(pieces) == 1:
                await interaction.response.edit_message(content=pieces[0], view=None, allowed_mentions=NO_MENTIONS)
                return
        await self._replace(reply)

    async def _replace(self, reply: Reply) -> None:
        """Show `reply` in the message it replaces (a question answered by typing, without its buttons), when
        that message is one of ours in a direct message; one that cannot be edited stays as it was."""
        where = _where(reply.replaces)
        pieces = discord_pieces(reply.text)
        if where is None or len(pieces) != 1:
            return
        channel = self.client.get_partial_messageable(where[0], type=discord.ChannelType.private)
        try:
            await channel.get_partial_message(where[1]).edit(content=pieces[0], view=None,
                                                             allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:  # an ephemeral message, or one deleted
            log.info("an answered question was not edited: %s", type(exc).__name__)

    async def _send_to(self, channel: discord.abc.Messageable, reply: Reply, person: Person | None, *,
                       refusals: bool = False) -> None:
        """Send a reply into a channel: text in pieces, buttons under the last, then any file. With `refusals`
        a 403 is raised for the caller (the outbox) instead of handled here."""
        pieces = discord_pieces(reply.text)
        view = _components(reply)
        try:
            for i, piece in enumerate(pieces):
                last = i == len(pieces) - 1
                kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
                if last and view is not None:
                    kwargs["view"] = view
                if last and reply.attachment is not None:  # the file goes with the last piece of text
                    kwargs["file"] = _file(reply.attachment)
                sent = await channel.send(piece, **kwargs)
                if last and reply.question and person is not None:
                    await self.core.question_shown(person, reply.question, _shown(sent.channel.id, sent.id))
            if not pieces and reply.attachment is not None:
                await channel.send(file=_file(reply.attachment), allowed_mentions=NO_MENTIONS)
        except discord.Forbidden:
            if refusals:
                raise
            if person is not None:
                await self.core.mark_unreachable(person)
            log.info("a Discord user does not take direct messages (403)")

    async def send(self, person: Person, reply: Reply) -> None:
        """A message the bot sends on its own (from the outbox): by DM, in one request when the DM channel is
        known, or into an announcement channel ('#' and its id). Failures are told to the outbox in its own
        terms."""
        try:
            if person.external_id.startswith("#"):  # an announcement channel named in the settings
                channel = self.client.get_partial_messageable(int(person.external_id[1:]))
                await self._send_to(channel, reply, person, refusals=True)
            else:
                await self._send_dm(person, reply)
        except (discord.Forbidden, discord.NotFound) as exc:
            raise Unreachable() from exc
        except discord.RateLimited as exc:  # only when a wait is longer than discord.py will sit through
            raise RetryLater(exc.retry_after) from exc
        except discord.HTTPException as exc:
            raise (NotSent() if exc.status >= 500 or exc.status == 429 else Rejected()) from exc
        except (aiohttp.ClientConnectorError, aiohttp.ClientConnectionResetError) as exc:
            raise NotSent() from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise MaybeSent() from exc

    async def _send_dm(self, person: Person, reply: Reply) -> None:
        channel_id = self._dm_channels.get(person.external_id)
        if channel_id is None:
            stored = await self.core.services.repos.members.dm_channel(PLATFORM, person.external_id)
            channel_id = int(stored) if stored else None
        if channel_id is None:
            user = self.client.get_user(int(person.external_id)) or await self.client.fetch_user(
                int(person.external_id))  # an account that no longer exists: NotFound, unreachable
            dm = await user.create_dm()
            channel_id = dm.id
            await self._learn_dm(person, channel_id)
        channel = self.client.get_partial_messageable(channel_id, type=discord.ChannelType.private)
        await self._send_to(channel, reply, person, refusals=True)

    async def _learn_dm(self, person: Person, channel_id: int) -> None:
        """Remember an account's DM channel, in memory and (for members) in the database, when it is new."""
        if self._dm_channels.get(person.external_id) == channel_id:
            return
        self._dm_channels[person.external_id] = channel_id
        await self.core.services.repos.members.set_dm_channel(PLATFORM, person.external_id, channel_id)

    async def wipe(self, person: Person, _kept: list[str]) -> int:
        """/panic: delete the bot's messages in its direct messages with the person, newest first, as far back as
        WIPE_LIMIT messages (Discord lets a bot read its DM history and delete its own messages there; what it
        said in a server was ephemeral, seen by the person alone, and is gone already)."""
        user = self.client.get_user(int(person.external_id)) or await self.client.fetch_user(int(person.external_id))
        channel = user.dm_channel or await user.create_dm()
        deleted = 0
        async for message in channel.history(limit=WIPE_LIMIT):
            if self.client.user is not None and message.author.id == self.client.user.id:
                await message.delete()
                deleted += 1
        self._dm_channels.pop(person.external_id, None)
        return deleted

    def invite_link(self, code: str) -> str | None:
        """Discord has no deep links into a bot; people use /join with the code."""
        return None

    def join_command(self, code: str) -> str:
        """What a newcomer types here to join with a code: the /join slash command with its code option."""
        return f"/join {self.core.routes.commands['join'].params[0].name}:{code}"

    # --- lifecycle ----------------------------------------------------------------------------------------

    async def login(self, token: str) -> None:
        """Log in (REST only); a refused token raises TokenRejected."""
        try:
            await self.client.login(token)
        except discord.LoginFailure:
            raise TokenRejected(PLATFORM) from None

    async def start(self, token: str) -> None:
        """Log in and connect in the running event loop (no client.run()); return once Discord says the bot is
        ready. A refused token raises TokenRejected; any other failure (no network, Discord down) is raised as it
        is: call `stop`, then try again later."""
        self._stopping = False
        if self.client.is_closed():
            # An earlier try was stopped, and a closed discord.py client cannot log in again: take a fresh one.
            self.client = new_client(self.settings)
            self.client.solidarity_adapter = self
            self._tree = None
        await self.login(token)
        self._runner = asyncio.create_task(self.client.connect(reconnect=True))
        ready = asyncio.create_task(self.client.wait_until_ready())
        try:
            await asyncio.wait({self._runner, ready}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            ready.cancel()
        if self._runner.done():  # the gateway could not be reached (or closed at once)
            raise self._runner.exception() or ConnectionError("the Discord gateway closed the connection")
        self._runner.add_done_callback(self._connection_ended)

    @staticmethod
    def _connection_ended(task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            # The type only: never the token or what anyone wrote.
            log.error("the Discord connection ended: %s", type(task.exception()).__name__)

    def is_connected(self) -> bool:
        """Whether the gateway connection is up (for /readyz)."""
        return self.client.is_ready() and not self.client.is_closed()

    async def stop(self) -> None:
        """Take nothing new, let the updates being handled finish (for `FINISH_PATIENCE` seconds at most), then
        close the connection (also after a start that failed half-way)."""
        self._stopping = True
        waiting = self._in_flight - {asyncio.current_task()}
        if waiting:
            await asyncio.wait(waiting, timeout=FINISH_PATIENCE)
        await self.client.close()
        runner = getattr(self, "_runner", None)
        if runner is not None and not runner.done():
            runner.cancel()
