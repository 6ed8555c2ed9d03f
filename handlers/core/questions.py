"""Guided questions. A flow is declared once, as its steps; this engine runs it.

    flow = Flow(router, "commit", stale=N_("That question has already been answered or was cancelled."))

    @flow.step("due")
    async def due(ctx: Context, conversation: Conversation) -> Question:
        return Question(_("By when?"), more=((Choice("week", _("In a week")),),), typed=N_("Date"))

    @flow.picked("due")   # a button of the question was pressed
    async def due_picked(ctx: Context, answer: Answer) -> Reply: ...

    @flow.typed("due")    # the member typed an answer
    async def due_typed(ctx: Context, answer: Answer) -> Reply: ...

A step's handlers move the member on with `flow.ask(ctx, step, data)` (the next question), `flow.redraw` (the same
question in place, a toggle ticked) or `flow.end(ctx)`, and return what to show. The engine keeps where each member
is (the `conversations` row: flow, step, data, and a nonce that changes with every question), makes the buttons,
turns pages, refuses a press of a question already answered or cancelled, answers the Cancel button and /cancel,
and asks again where a member stopped. Once an answer moves the member on, the question is shown answered: its
message is edited to end with the answer, and loses its buttons.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from handlers.core.context import Context
from handlers.core.router import Router
from handlers.core.services import Role
from handlers.events import Button, Reply
from handlers.i18n import N_, _, join_lines, plain
from handlers.paging import page_of
from storage.conversations import Conversation

ANSWER_SHOWN = 200  # the longest answer repeated under its question; more ends in "…"


@dataclass(frozen=True)
class Choice:
    """An answer offered as a button: pressing it answers `value`. `ticked` makes it a toggle of a multiple
    choice (True when chosen); `once` makes a button that works a single time (Register, Send)."""

    value: str
    label: str
    ticked: bool | None = None
    once: bool = False


@dataclass(frozen=True)
class Question:
    """What a step asks. `choices` are shown `per_row` a row, `page_size` at a time with buttons to turn the
    pages; `more` are rows of other answers under them (Skip, In a week …); `typed` is a short label when a typed
    answer is welcome (a Discord form's field); `cancel` offers Cancel; `form` names the short texts the next
    steps will ask in a row, so that one form can take them all (Discord)."""

    text: Markup
    choices: tuple[Choice, ...] = ()
    more: tuple[tuple[Choice, ...], ...] = ()
    typed: str | None = None
    per_row: int = 2
    page_size: int = 20
    cancel: bool = True
    form: tuple[str, ...] = ()  # labels of the typed answers the next steps ask, which one form may take at once

    def find(self, value: str) -> Choice | None:
        """The choice that answers `value`, if the question still offers it."""
        offered = [*self.choices, *(c for row in self.more for c in row)]
        return next((c for c in offered if c.value == value), None)


@dataclass(frozen=True)
class Answer:
    """An answer to the question being asked: the conversation, and what was chosen (`value`) or typed."""

    conversation: Conversation
    value: str

    @property
    def data(self) -> dict[str, Any]:
        """What the flow gathered so far, without the page its question was on."""
        return {k: v for k, v in self.conversation.data.items() if k != "page"}

    @property
    def step(self) -> str:
        return self.conversation.step


# What the engine's buttons carry.
@dataclass(frozen=True)
class Picked:
    nonce: str
    step: str
    value: str


@dataclass(frozen=True)
class Paged:
    nonce: str
    step: str
    page: int


@dataclass(frozen=True)
class Cancelled:
    nonce: str
    step: str


def answered(data: dict[str, Any], **fields: str | tuple[str, Callable[[Any], Any]]) -> dict[str, Any]:
    """A flow's answers so far, under the names /export gives them: `due_at=("due", iso)` shows the answer kept as
    "due" through `iso`. One not given yet is left out (None is an answer: "no date")."""
    out = {}
    for name, kept in fields.items():
        key, shown = (kept, None) if isinstance(kept, str) else kept
        if key in data:
            out[name] = shown(data[key]) if shown else data[key]
    return out


Asker = Callable[[Context, Conversation], Awaitable[Question]]
Taker = Callable[[Context, Answer], Awaitable[Reply | list[Reply]]]
Ender = Callable[[Context, Conversation], Awaitable[Reply | list[Reply]]]


@dataclass
class Step:
    ask: Asker
    picked: Taker | None = None
    typed: Taker | None = None


@dataclass
class Flow:
    """One guided flow: its steps, what a stale press says, and what cancelling says and undoes."""

    router: Router
    name: str
    stale: str  # what a press of a question no longer asked says (marked N_)
    role: Role = Role.MEMBER
    cancelled: Ender | None = None  # after the conversation is cleared: what to say (default: nothing changed)
    # The member's own answers so far, for /export (see `answered`); what the flow keeps only to draw its
    # questions (a search's results, with other members' names) stays out.
    exported: Callable[[dict[str, Any]], dict[str, Any]] = lambda data: {}
    steps: dict[str, Step] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.router.flow(self)

    # --- declaring ------------------------------------------------------------------------------------------

    def step(self, name: str) -> Callable[[Asker], Asker]:
        """`async def ask(ctx, conversation) -> Question`: what the step asks."""

        def declare(ask: Asker) -> Asker:
            if name in self.steps:
                raise ValueError(f"step {name} of flow {self.name} declared twice")
            self.steps[name] = Step(ask)
            return ask

        return declare

    def when_cancelled(self, ender: Ender) -> Ender:
        """`async def said(ctx, conversation)`: what cancelling says (after the conversation is cleared), and
        anything it undoes."""
        self.cancelled = ender
        return ender

    def picked(self, *names: str) -> Callable[[Taker], Taker]:
        """`async def take(ctx, answer)`: a button of one of these steps' questions was pressed."""
        return self._taker("picked", names)

    def typed(self, *names: str) -> Callable[[Taker], Taker]:
        """`async def take(ctx, answer)`: text was typed while one of these steps' questions was asked."""
        return self._taker("typed", names)

    def _taker(self, kind: str, names: tuple[str, ...]) -> Callable[[Taker], Taker]:
        def declare(take: Taker) -> Taker:
            for name in names:
                if getattr(self.steps[name], kind) is not None:
                    raise ValueError(f"{kind} answers of step {name} of flow {self.name} declared twice")
                setattr(self.steps[name], kind, take)
            return take

        return declare

    def actions(self) -> list[tuple[str, type, Callable]]:
        """The engine's buttons, as (action, payload, handler), for the router."""
        return [("pick", Picked, self._pick_pressed), ("page", Paged, self._page_pressed),
                ("cancel", Cancelled, self._cancel_pressed)]

    # --- moving on ------------------------------------------------------------------------------------------

    async def ask(self, ctx: Context, step: str, data: dict[str, Any], *, note: Markup | None = None,
                  edit: bool = False) -> Reply:
        """Put the member at `step` and return its question. Asked again at the step they are at (an answer that
        was not understood), it is the same question: its buttons stay valid, and it is not shown answered."""
        if step not in self.steps:
            raise ValueError(f"flow {self.name} has no step {step}")
        now = await self.current(ctx)
        again = now.nonce if now is not None and now.step == step else None
        conversation = await ctx.repos.conversations.put(ctx.member_id, self.name, step, data, ctx.now,
                                                         keep_nonce=again)
        return await self.show(ctx, conversation, note=note, edit=edit)

    async def enter(self, ctx: Context, step: str, data: dict[str, Any]) -> Conversation:
        """Put the member at `step` without showing its question (the answer came with the command)."""
        if step not in self.steps:
            raise ValueError(f"flow {self.name} has no step {step}")
        return await ctx.repos.conversations.put(ctx.member_id, self.name, step, data, ctx.now)

    async def redraw(self, ctx: Context, conversation: Conversation, data: dict[str, Any], *,
                     note: Markup | None = None) -> Reply:
        """The same question again in its place, with `data` changed (a toggle ticked): its buttons stay valid."""
        conversation = await ctx.repos.conversations.put(ctx.member_id, self.name, conversation.step, data, ctx.now,
                                                         keep_nonce=conversation.nonce)
        return await self.show(ctx, conversation, note=note, edit=True)

    async def end(self, ctx: Context) -> None:
        """The flow is over: the member is in no question any more."""
        await ctx.repos.conversations.clear(ctx.member_id)

    async def current(self, ctx: Context) -> Conversation | None:
        """The member's conversation, if it is in this flow."""
        conversation = await ctx.conversation()
        return conversation if conversation is not None and conversation.flow == self.name else None

    async def resume(self, ctx: Context, *, note: Markup | None = None) -> Reply | None:
        """The question the member stopped at, asked again; None when they are not in this flow."""
        conversation = await self.current(ctx)
        if conversation is None or conversation.step not in self.steps:
            return None
        return await self.show(ctx, conversation, note=note)

    async def show(self, ctx: Context, conversation: Conversation, *, note: Markup | None = None,
                   edit: bool = False) -> Reply:
        """The question of the step the conversation is at, with its buttons."""
        step, nonce = conversation.step, conversation.nonce
        question = await self.steps[step].ask(ctx, conversation)

        async def choice(c: Choice) -> Button:
            label = ("✓ " + c.label) if c.ticked else c.label
            return await ctx.button(label, f"{self.name}:pick", Picked(nonce, step, c.value), single_use=c.once,
                                    selected=c.ticked)

        async def turn(label: Any, page: int) -> Button:
            return await ctx.button(str(label), f"{self.name}:page", Paged(nonce, step, page))

        rows, page_line = await page_of(question.choices, conversation.data.get("page", 0), question.page_size,
                                        choice, turn, per_row=question.per_row)
        for row in question.more:
            rows.append(tuple([await choice(c) for c in row]))
        if question.cancel:
            rows.append((await ctx.button(str(_("Cancel")), f"{self.name}:cancel", Cancelled(nonce, step)),))
        return Reply(join_lines(note, question.text, page_line), buttons=tuple(r for r in rows if r), edit=edit,
                     asks=plain(question.typed) if question.typed else None,
                     form=tuple(plain(label) for label in question.form) if question.typed else (), question=nonce)

    # --- answers --------------------------------------------------------------------------------------------

    async def take_text(self, ctx: Context, conversation: Conversation, text: str) -> list[Reply]:
        """Text the member typed while in this flow (the core hands it over)."""
        step = self.steps.get(conversation.step)
        if step is None:  # a step this version of the bot no longer has
            await self.end(ctx)
            return [Reply(_("That question is no longer asked. Send /help to see what you can do."))]
        if step.typed is None:
            return [Reply(_("Please choose one of the buttons above, or send /cancel to stop."))]
        question = await step.ask(ctx, conversation)
        replies = _as_list(await step.typed(ctx, Answer(conversation, text)))
        return await self._answered(ctx, conversation, question, text, replies, pressed=False)

    async def take_texts(self, ctx: Context, conversation: Conversation, texts: tuple[str, ...]) -> list[Reply]:
        """Several answers typed into one form: the first answers the question asked, each next one the question
        that follows, as long as the one before was taken. What the form answered is not asked again; an answer
        not taken (or an empty one) stops there, with what the bot says about it."""
        replies = await self.take_text(ctx, conversation, texts[0])
        for text in texts[1:]:
            now = await self.current(ctx)
            if not text.strip() or now is None or now.nonce == conversation.nonce:
                break
            answered = [r for r in replies if r.replaces is not None]
            conversation = now
            replies = [*answered, *await self.take_text(ctx, now, text)]
        return replies

    async def _pick_pressed(self, ctx: Context, press: Picked) -> list[Reply]:
        conversation = await self._pressed(ctx, press.nonce, press.step)
        step = self.steps.get(press.step)
        if conversation is None or step is None or step.picked is None:
            return [self._stale()]
        question = await step.ask(ctx, conversation)
        choice = question.find(press.value)
        if choice is None:
            return [Reply(_("That choice is no longer offered."), toast=plain(N_("No longer offered")),
                          toast_only=True)]
        replies = _as_list(await step.picked(ctx, Answer(conversation, press.value)))
        return await self._answered(ctx, conversation, question, choice.label, replies, pressed=True)

    async def _page_pressed(self, ctx: Context, press: Paged) -> Reply:
        conversation = await self._pressed(ctx, press.nonce, press.step)
        if conversation is None or press.step not in self.steps:
            return self._stale()
        return await self.redraw(ctx, conversation, {**conversation.data, "page": press.page})

    async def _cancel_pressed(self, ctx: Context, press: Cancelled) -> list[Reply]:
        conversation = await self._pressed(ctx, press.nonce, press.step)
        if conversation is None:
            return [self._stale()]
        return await self.cancel(ctx, conversation, pressed=True)

    async def cancel(self, ctx: Context, conversation: Conversation, *, pressed: bool = False) -> list[Reply]:
        """Leave the flow (the Cancel button, or /cancel): the question loses its buttons, and the flow says what
        cancelling kept or undid."""
        await self.end(ctx)
        replies = _as_list(await self.cancelled(ctx, conversation)) if self.cancelled else \
            [Reply(_("Cancelled. Nothing was changed."))]
        if pressed:
            return [Reply(replies[0].text, buttons=replies[0].buttons, edit=True), *replies[1:]]
        step = self.steps.get(conversation.step)
        if conversation.shown and step is not None:
            question = await step.ask(ctx, conversation)
            replies.insert(0, Reply(join_lines(question.text, _("<i>Cancelled.</i>")), replaces=conversation.shown))
        return replies

    async def _pressed(self, ctx: Context, nonce: str, step: str) -> Conversation | None:
        """The conversation, if the pressed button belongs to the question being asked now."""
        conversation = await self.current(ctx)
        if conversation is None or conversation.nonce != nonce or conversation.step != step:
            return None
        return conversation

    async def _answered(self, ctx: Context, conversation: Conversation, question: Question, answer: str,
                        replies: list[Reply], *, pressed: bool) -> list[Reply]:
        """Once an answer moves the member on, the question shows the answer and loses its buttons: the message
        pressed is edited, or the one the typed answer answers. A typed answer not understood is asked again below
        it, and the earlier copy loses its buttons (the new one has them). A handler that edits the pressed message
        itself is left to do so."""
        if pressed and any(r.edit for r in replies):
            return replies
        if not pressed and not conversation.shown:
            return replies  # nowhere known to show it (the console, or an adapter that could not say)
        now = await ctx.conversation()
        if now is not None and now.nonce == conversation.nonce:
            if not pressed and any(r.question == now.nonce for r in replies):
                return [Reply(question.text, replaces=conversation.shown), *replies]
            return replies
        shown = " ".join(answer.split())
        if len(shown) > ANSWER_SHOWN:
            shown = shown[:ANSWER_SHOWN - 1].rstrip() + "…"
        answered = Reply(join_lines(question.text, _("<b>→ {answer}</b>", answer=shown)), edit=pressed,
                         replaces=None if pressed else conversation.shown)
        return [answered, *replies]

    def _stale(self) -> Reply:
        return Reply(_(self.stale), toast=plain(N_("Already answered")), toast_only=True)


def _as_list(result: Reply | list[Reply] | None) -> list[Reply]:
    if result is None:
        return []
    return result if isinstance(result, list) else [result]
