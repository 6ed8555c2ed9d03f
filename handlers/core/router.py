"""Routers: each capability declares what it answers on its own `Router` (commands, button actions, its guided
questions' flows, kinds of due item, and its parts of /export and /forget). `Routes` merges the routers the
app hands to `Core`; a name declared twice is an error at start-up, never a silent overwrite.

    router = Router("reminders")

    @router.command("remind", Role.MEMBER, N_("set a reminder"), usage="<when> <what>",
                    params=(Param("when", N_("when: tomorrow 9:00")), Param("what", N_("what to remind you of"))))
    async def remind(ctx: Context, args: Args) -> Reply: ...

    @dataclass(frozen=True)
    class Snooze:             # what the button carries, typed
        reminder: int
        by: str

    @router.action("reminder.snooze", payload=Snooze)
    async def snooze(ctx: Context, press: Snooze) -> Reply: ...   # made with ctx.button(label, action, Snooze(…))
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from handlers.arguments import DETAILS, Param
from handlers.core.services import Role
from storage import Repositories

Handler = Callable[..., Awaitable[Any]]
Loader = Callable[[Repositories, list[int]], Awaitable[dict[int, Any]]]
Exporter = Callable[..., Awaitable[Any]]  # (ctx, member id) -> one part of the member's export
Eraser = Callable[[Any, int], Awaitable[None]]  # (open connection, member id), before the member row goes


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
    params: tuple[Param, ...] = ()

    def usage_for(self, role: Role) -> str:
        """The usage someone with this role may make of the command (help shows nothing they cannot use)."""
        usage = self.usage
        for least, more in sorted(self.usage_from):
            if role >= least:
                usage = more
        return usage


@dataclass(frozen=True)
class ActionSpec:
    """What a button does: `role` is the least role the presser needs at the time of pressing; `payload` is the
    frozen dataclass its buttons carry (the handler gets one back), or None for a button that carries nothing."""

    name: str
    role: Role
    handler: Handler
    when_blocked: bool = False
    payload: type | None = None


def _add(table: dict, key: Any, value: Any, what: str) -> None:
    if key in table:
        raise ValueError(f"{what} declared twice")
    table[key] = value


class Router:
    """One capability's commands, button actions, flows of guided questions, due kinds and data-rights parts."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.commands: dict[str, CommandSpec] = {}
        self.actions: dict[str, ActionSpec] = {}
        self.flows: dict[str, Any] = {}
        self.due_handlers: dict[str, Handler] = {}
        self.due_loaders: dict[str, Loader] = {}
        self.exporters: dict[str, Exporter] = {}
        self.erasers: list[Eraser] = []

    def command(self, name: str, role: Role, summary: str, *, usage: str = "", private: bool = True,
                when_blocked: bool = False, order: int = 100, usage_from: dict[Role, str] | None = None,
                params: tuple[Param, ...] | None = None) -> Callable[[Handler], Handler]:
        """`async def handler(ctx, args: Args)` answers /name; `usage_from`: {least role: usage} for roles that may
        do more with it than `usage` says; `params`: what it takes (a command with a usage and no params takes
        free words)."""
        if params is None:
            params = DETAILS if usage else ()
        if len({p.name for p in params}) != len(params):
            raise ValueError(f"a param of /{name} declared twice")

        def declare(handler: Handler) -> Handler:
            _add(self.commands, name, CommandSpec(name, role, summary, handler, usage, private, when_blocked, order,
                                                  tuple(sorted((usage_from or {}).items())), params),
                 f"command /{name}")
            return handler

        return declare

    def action(self, name: str, role: Role = Role.MEMBER, *, when_blocked: bool = False,
               payload: type | None = None) -> Callable[[Handler], Handler]:
        """`async def handler(ctx, press)` answers the buttons made with this action name; `payload` is the
        frozen dataclass they carry (the handler gets it back as it was made), or None for buttons that carry
        nothing (the handler gets None)."""

        def declare(handler: Handler) -> Handler:
            _add(self.actions, name, ActionSpec(name, role, handler, when_blocked, payload), f"button action {name}")
            return handler

        return declare

    def flow(self, flow: Any) -> None:
        """Run a guided flow (`handlers.core.questions.Flow`): its buttons are this router's actions ("commit:pick",
        apart from the capability's own "commitment.done"), and free text sent while a member is in it goes to it."""
        _add(self.flows, flow.name, flow, f"flow {flow.name}")
        for action, payload, handler in flow.actions():
            self.action(f"{flow.name}:{action}", flow.role, payload=payload)(handler)

    def due(self, kind: str, *, load: Loader | None = None) -> Callable[[Handler], Handler]:
        """`async def handler(ctx, item: DueItem) -> Fire | None` handles scheduled rows of this kind.

        With `load(repos, subject_ids) -> {id: subject}`, the subjects of a whole batch are read in one query and
        handed over as `item.subject` (None when gone).
        """

        def declare(handler: Handler) -> Handler:
            _add(self.due_handlers, kind, handler, f"due kind {kind}")
            if load is not None:
                self.due_loaders[kind] = load
            return handler

        return declare

    def export(self, key: str) -> Callable[[Exporter], Exporter]:
        """`async def part(ctx, member_id)` returns this capability's part of a member's /export, under `key`."""

        def declare(part: Exporter) -> Exporter:
            _add(self.exporters, key, part, f"export part {key}")
            return part

        return declare

    def erase(self, eraser: Eraser) -> Eraser:
        """`async def eraser(conn, member_id)` runs in the /forget transaction, before the member row goes: it
        clears what the member wrote into records others keep."""
        self.erasers.append(eraser)
        return eraser


class Routes:
    """Every router the app runs, merged: what `Core` dispatches on, and what /help and the adapters list."""

    def __init__(self, routers: Iterable[Router]) -> None:
        self.routers = tuple(routers)
        self.commands: dict[str, CommandSpec] = {}
        self.actions: dict[str, ActionSpec] = {}
        self.flows: dict[str, Any] = {}
        self.due_handlers: dict[str, Handler] = {}
        self.due_loaders: dict[str, Loader] = {}
        self.exporters: dict[str, Exporter] = {}
        self.erasers: list[Eraser] = []
        for router in self.routers:
            for table in ("commands", "actions", "flows", "due_handlers", "due_loaders", "exporters"):
                mine, theirs = getattr(self, table), getattr(router, table)
                if clash := mine.keys() & theirs.keys():
                    raise ValueError(f"{table} declared by more than one router: {sorted(map(str, clash))}")
                mine.update(theirs)
            self.erasers.extend(router.erasers)

    def commands_for(self, role: Role, *, blocked: bool = False) -> list[CommandSpec]:
        """The commands someone with this role may use, in help order."""
        specs = [c for c in self.commands.values() if c.role <= role and (c.when_blocked or not blocked)]
        if role >= Role.MEMBER:
            # /start and /join are how strangers join; members have no use for them.
            specs = [c for c in specs if c.name not in ("start", "join")]
        return sorted(specs, key=lambda c: (c.role, c.order, c.name))
