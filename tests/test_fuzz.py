"""Fuzzing: every command the routers declare, as every role, with generated arguments; button presses (the
person's own, forged, someone else's, pressed twice); free text; time passing. No input may crash a handler.

The core answers a handler's exception with "Something went wrong on our side" and logs it at ERROR
(`handlers.core`). Here any ERROR record fails the example: its exception is raised again, so that Hypothesis
tells different bugs apart by where they were raised and shrinks each to its smallest input. Every reply must
also have something to show.

Each role fuzzes its own world: a network with an admin, an organiser, a member, a blocked member and a
stranger, and commitments, sessions, a broadcast, a reminder, a search and an introduction between them, over a
real SQLite file, the real outbox and the tests' clock. Every example starts from a copy of that file, so what one
example changes (a /forget, a /block …) does not leak into the next, and a failure replays. Next to the generated
examples, a sweep sends every command each kind of bad value in each of its slots.

The suite runs a modest, derandomized number of examples; `python benchmarks/fuzz.py` runs the same fuzzing for
longer, at random, and reports every distinct failure instead of stopping at the first.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import shutil
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import hypothesis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.console import ConsoleAdapter
from bot.delivery import Outbox
from handlers.capabilities import all_routers
from handlers.core import Role, Routes
from handlers.events import Button, Press, Reply
from handlers.formatting import to_plain
from tests.conftest import REGIONS, THEMES, Bot, build_bot, make_network

ROLES = ("stranger", "member", "blocked", "organiser", "admin")
ROLE_LEVELS = {"stranger": Role.STRANGER, "member": Role.MEMBER, "blocked": Role.MEMBER,
               "organiser": Role.ORGANISER, "admin": Role.ADMIN}
WHO = {"stranger": "stranger", "member": "bob", "blocked": "carla", "organiser": "dina", "admin": "admin"}
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parent.parent
CI_EXAMPLES = 200  # per role, in the suite


# --- what is typed -------------------------------------------------------------------------------------------

# Option names and words the commands' usage lines show (theme:, remind:, status, cancel, mine …), read from the
# routers so that a new command or option is fuzzed without a change here.
def _options_of(usage: str) -> list[str]:
    return sorted(set(re.findall(r"(\w+):", usage)))


def _words_of(usage: str) -> list[str]:
    return sorted(set(re.findall(r"(?<![</\w:])([a-z]{2,})(?![\w:>])", usage)))


ROUTES = Routes(all_routers())  # every command the bot has, as the core merges them
_USAGES = {name: " ".join([str(spec.usage), *(str(usage) for _role, usage in spec.usage_from)])
           for name, spec in ROUTES.commands.items()}
_OPTIONS = sorted({o for usage in _USAGES.values() for o in _options_of(usage)})
_WORDS = sorted({w for usage in _USAGES.values() for w in _words_of(usage)})

_DIGIT_SCRIPTS = ("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "０１２３４５６７８９", "०१२३४५६७८९",
                  "₀₁₂₃₄₅₆₇₈₉", "⓪①②③④⑤⑥⑦⑧⑨", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗")


def _in_script(n: int, script: str) -> str:
    text = str(n)
    return text.translate(str.maketrans("0123456789", script))


numbers = st.one_of(
    st.integers(-1, 12).map(str),  # the numbers of things in the world, and just past them
    st.sampled_from(["9223372036854775807", "9223372036854775808", "-9223372036854775809", "00", "007", "1e9",
                     "1_000", "+3", "３", "٣", "²", "¹", "½", "Ⅻ", "inf", "nan", "0x10", "1.5", "1,5", "#", "##3"]),
    st.builds(_in_script, st.one_of(st.integers(0, 40), st.integers(0, 10**25)), st.sampled_from(_DIGIT_SCRIPTS)),
    st.integers(-(10**30), 10**30).map(str),
)
markup = st.sampled_from(["<b>", "</b>", "<b>bold</b>", "&", "&amp;", "&lt;", "<script>alert(1)</script>",
                          "<a href='https://x'>x</a>", "<i", "<<>>", "<code>", "]]>", "\\", '"', "'"])
formats = st.sampled_from(["{0}", "{}", "{name}", "{n}", "{id}", "{0.__class__}", "{n!r}", "%s", "%d", "%(n)s",
                           "%", "{", "}", "{{", "$name", "${x}"])
controls = st.sampled_from(["\x00", "\u202e", "\u2066", "\u200b", "\ufeff", "\n", "\r\n", "\t", " ", "\x1b[31m",
                            "\u0301", "\U0001f600", "👩🏽‍⚕️", "\ud800", "\udfff"])
dates = st.sampled_from(["31 December 9999", "9999-12-31 23:59", "1 January 0001", "10000-01-01", "year 10000",
                         "in 99999999 years", "in 99999999999999999999 days", "every 99999 days", "every ² days",
                         "every ٣ days", "every 0 days", "every -1 days", "tomorrow 25:61", "24:00", "0:00",
                         "29 February 2027", "every 31st", "every 31 February", "until 1 June 1900",
                         "in 2 hours", "tomorrow 9:00", "every Monday 9:00", "yesterday", "now", "by 15 March",
                         "1970-01-01", "-1", "every first Thursday 18:30 until 1 June", "in 1e308 seconds"])
known = st.sampled_from(["#1", "#2", "#3", "#4", "#5", "#6", "#99", "Bob", "Amina", "Carla", "Dina", "console:bob",
                         "telegram:1", "discord:2", "console:", "on", "off", "all", "gaps", "status", "cancel",
                         "network", "mine", "ics", "overdue", "default", "reset", "Geneva", "Europe/Paris",
                         "Mars/Olympus", "https://meet.example.org/x", "javascript:alert(1)", "French", "wo",
                         *THEMES, *REGIONS, *_WORDS])
words = st.one_of(numbers, numbers, dates, known, markup, formats, controls, st.text(st.characters(), max_size=12))


def arguments_for(options: list[str], own_words: list[str]) -> st.SearchStrategy[str]:
    """What may follow a command: nothing; one value; one of its own words and a value ("status ²"); one of its
    own options ("remind:²"); a value and some text ("² Venue booked"); a longer mix of words and anyone's
    options; any text; something huge."""
    def option(names: list[str]) -> st.SearchStrategy[str]:
        return st.builds(lambda name, value: f"{name}:{value}", st.sampled_from(names), words)

    own = st.sampled_from(own_words) if own_words else words
    return st.one_of(
        st.just(""),
        words,
        st.builds(lambda first, second: f"{first} {second}", own, words),
        option(options) if options else words,
        st.builds(lambda first, rest: f"{first} {rest}", words, st.text(st.characters(), max_size=30)),
        st.lists(st.one_of(own, words, option(options + _OPTIONS)), min_size=1, max_size=8).map(" ".join),
        st.text(st.characters(), max_size=80),
        st.builds(lambda piece, n: piece * n, st.sampled_from(["x", "1", "é", "<b>", "{0}", "\x00", "theme:a "]),
                  st.integers(500, 5000)),
    )


arguments = arguments_for([], [])


def _command(name: str) -> st.SearchStrategy[Command]:
    usage = _USAGES[name]
    return st.builds(Command, st.just(name), arguments_for(_options_of(usage), _words_of(usage)),
                     st.sampled_from([True, True, True, False]))


@dataclass(frozen=True)
class Command:
    name: str
    args: str
    private: bool = True

    def text(self) -> str:
        return f"/{self.name} {self.args}" if self.args else f"/{self.name}"


@dataclass(frozen=True)
class Text:
    text: str
    private: bool = True


@dataclass(frozen=True)
class Push:
    """A button press: `kind` is own, twice, other (someone else's), index (a real set with a forged index)
    or forged (any text)."""

    kind: str
    pick: int
    forged: str = ""


@dataclass(frozen=True)
class Wait:
    seconds: int


texts = st.builds(Text, arguments, st.sampled_from([True, True, True, False]))
presses = st.builds(Push, st.sampled_from(["own", "own", "own", "twice", "other", "index", "forged"]),
                    st.integers(0, 40), st.one_of(numbers, st.text(st.characters(), max_size=70)))
waits = st.builds(Wait, st.sampled_from([1, 60, 600, 3600, 86400, 3 * 86400, 8 * 86400, 40 * 86400]))


def programs(role: str) -> st.SearchStrategy[list]:
    """Up to six steps: mostly commands the role may use (as /help lists them), sometimes any other, free text,
    button presses, time passing."""
    level = ROLE_LEVELS[role]
    usable = sorted(spec.name for spec in ROUTES.commands_for(level, blocked=role == "blocked"))
    step = st.one_of(st.sampled_from(usable).flatmap(_command), st.sampled_from(usable).flatmap(_command),
                     st.sampled_from(sorted(ROUTES.commands)).flatmap(_command), texts, presses, presses, waits)
    return st.lists(step, min_size=1, max_size=6)


# --- the world -------------------------------------------------------------------------------------------------


class Failures(logging.Handler):
    """Every ERROR record logged while fuzzing."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def raise_first(self) -> None:
        records, self.records = self.records, []
        for record in records:
            if record.exc_info and record.exc_info[1] is not None:
                raise record.exc_info[1]
        if records:
            raise AssertionError(f"logged at ERROR: {records[0].getMessage()}")


async def _commit(bot: Bot, who: str, text: str, visibility: str) -> None:
    await bot.say(who, f"/commit {text} theme:Detention region:Western Europe")
    await bot.press(who, visibility)
    assert "Registered" in await bot.press_text(who, "Register")


async def _populate(bot: Bot) -> None:
    """An admin, an organiser, a member, a blocked member, and something of each kind between them."""
    await bot.join("admin", name="Amina")
    code = (await bot.text("admin", "/invite 10 7")).split("Invite code: ")[1].split()[0]
    for who in ("bob", "carla", "dina"):
        await bot.join(who, code=code, name=who.capitalize())
    ids = {who: (await bot.member(who)).id for who in ("admin", "bob", "carla", "dina")}
    assert "now an organiser" in await bot.text("admin", f"/promote #{ids['dina']}")
    for who, visibility in (("admin", "The network"), ("admin", "Organisers only"), ("admin", "Just me"),
                            ("bob", "Just me"), ("bob", "The network"), ("dina", "Organisers only")):
        await _commit(bot, who, f"Run a workshop ({visibility}) by 15 March 2027", visibility)
    for title in ("Radio workshop", "Closing circle"):
        await bot.say("admin", f"/newsession {title} start:25 November 2026 14:00 end:15:30 zone:Geneva "
                               "venue:Maison des associations themes:Detention")
        assert "is on the agenda" in await bot.press_text("admin", "Create")
    await bot.say("admin", "/cancelsession 2")
    await bot.press("admin", "Yes, cancel it")
    await bot.say("bob", "/subscribe 1")
    await bot.say("admin", "/broadcast The vigil moved to 18:00")
    await bot.press("admin", "Send to")
    await bot.say("bob", "/remind in 2 hours call the town hall")
    await bot.press("bob", "Set reminder")
    await bot.say("admin", f"/introduce #{ids['bob']} #{ids['dina']} You both work on detention")
    await bot.say("bob", "/partner theme:Detention")
    assert "blocked" in await bot.text("admin", f"/block #{ids['carla']}")


async def _open(path: Path) -> tuple[Bot, object]:
    """A core over the file at `path`, with the real outbox and a console to send to: what the bot sends on its
    own is queued, and sent (printed to nowhere) when time passes."""
    bot, db = await build_bot(path, make_network())
    bot.clock.now = START
    outbox = Outbox(bot.repos, bot.clock)
    outbox.register(ConsoleAdapter(bot.core, io.StringIO()))
    bot.core.services.delivery = outbox
    return bot, db


def _console(bot: Bot) -> ConsoleAdapter:
    """The console the outbox sends to: it keeps the buttons of each person's latest message."""
    return bot.core.services.delivery.adapters["console"]


@dataclass
class World:
    """One role's fuzzing ground: the bot, the copy of its file each example starts from, the buttons each
    person was shown while it was built (in a reply, and in messages the bot sent on its own), and what was
    tried."""

    path: Path
    copy: Path
    bot: Bot
    db: object
    shown: dict[str, Reply]
    sent: dict[str, list[Button]]
    tried: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("examples", "steps", "commands", "texts", "presses", "waits"), 0))

    @classmethod
    async def build(cls, folder: Path) -> World:
        path, copy = folder / "fuzz.db", folder / "fuzz-start.db"
        bot, db = await _open(path)
        await _populate(bot)
        await bot.core.services.delivery.flush()
        await db.close()
        shutil.copy(path, copy)
        world = cls(path, copy, bot, db, dict(bot.last), dict(_console(bot).buttons))
        await world.reset()
        return world

    async def reset(self) -> None:
        """Back to the world as it was built, with a core that remembers nothing either: every example starts
        from the same state, so a failure found is a failure replayed."""
        await self.db.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        shutil.copy(self.copy, self.path)
        self.bot, self.db = await _open(self.path)
        self.bot.last.update(self.shown)
        _console(self.bot).buttons.update(self.sent)

    async def run(self, who: str, program: list, *, fresh: bool = True) -> None:
        """Run one example's steps as `who` (in the world as it was built, when `fresh`), checking every reply
        can be shown."""
        if fresh:
            await self.reset()
        bot = self.bot
        self.tried["examples"] += 1
        self.tried["steps"] += len(program)
        for step in program:
            if isinstance(step, Command):
                self.tried["commands"] += 1
                _check(await bot.say(who, step.text(), private=step.private))
            elif isinstance(step, Text):
                self.tried["texts"] += 1
                _check(await bot.say(who, step.text, private=step.private))
            elif isinstance(step, Push):
                self.tried["presses"] += 1
                for token in self._tokens(who, step):
                    _check(bot._remember(who, await bot.core.handle_press(Press(bot.person(who), token))))
            else:
                self.tried["waits"] += 1
                bot.clock.advance(seconds=step.seconds)
                await bot.core.run_due()
                await bot.core.services.delivery.flush()

    def _tokens(self, who: str, push: Push) -> list[str]:
        """The tokens a press step presses, in order."""
        def buttons_of(person: str) -> list[str]:
            reply = self.bot.last.get(person)
            buttons = [*(reply.button_list() if reply else ()), *_console(self.bot).buttons.get(person, ())]
            return [b.token for b in buttons if b.token]

        if push.kind == "forged":
            return [push.forged]
        if push.kind == "other":
            people = sorted({*self.bot.last, *_console(self.bot).buttons} - {who})
            others = [token for person in people for token in buttons_of(person)]
            return [others[push.pick % len(others)]] if others else []
        own = buttons_of(who)
        if not own:
            return []
        token = own[push.pick % len(own)]
        if push.kind == "index":
            return [token.partition(".")[0] + "." + push.forged]
        return [token, token] if push.kind == "twice" else [token]


def _check(replies: list[Reply]) -> None:
    """Every reply can be shown: it has text (or only answers a press) that renders to plain text."""
    for reply in replies:
        shown = to_plain(reply.text)
        assert reply.toast_only or shown.strip(), f"an empty reply: {reply!r}"


@dataclass
class Found:
    """Failures told apart by their exception and the place in the bot's code that raised it: how often each
    happened, and the shortest program that caused it."""

    seen: dict[tuple[str, str], tuple[int, list, BaseException]] = field(default_factory=dict)

    def add(self, error: BaseException, program: list) -> None:
        key = (type(error).__name__, _raised_at(error))
        count, shortest, its_error = self.seen.get(key, (0, program, error))
        if len(repr(program)) < len(repr(shortest)):
            shortest, its_error = program, error
        self.seen[key] = (count + 1, shortest, its_error)


def _raised_at(error: BaseException) -> str:
    """Where in the bot's code an exception came from: its last frame in handlers/ or bot/, and its last frame in
    the bot's code at all when that is elsewhere ('handlers/roles.py:37 → storage/database.py:197')."""
    places = []
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename).resolve()
        if path.is_relative_to(ROOT) and path.relative_to(ROOT).parts[0] in ("handlers", "bot", "storage"):
            places.append(f"{path.relative_to(ROOT)}:{frame.lineno}")
    if not places:
        return "outside the bot's code"
    outer = [p for p in places if not p.startswith("storage")]
    return places[-1] if not outer or outer[-1] == places[-1] else f"{outer[-1]} → {places[-1]}"


def fuzz(role: str, folder: Path, *, examples: int, seed: int | None = None, found: Found | None = None
         ) -> dict[str, int]:
    """Run `examples` generated programs as the person holding `role`; how many steps of each kind were tried.

    Without a `seed` the examples are derandomized (the same on every run). Without `found`, the first failure
    is raised (after Hypothesis shrank it to its smallest program), as the original exception; with it, every
    failure is recorded there and fuzzing goes on."""
    failures = Failures()
    root = logging.getLogger()
    root.addHandler(failures)
    try:
        with asyncio.Runner() as runner:
            world = runner.run(World.build(folder))
            failures.raise_first()  # building the world must not fail either

            @hypothesis.seed(seed)
            @settings(max_examples=examples, derandomize=seed is None, database=None, deadline=None,
                      suppress_health_check=list(HealthCheck), print_blob=True)
            @given(program=programs(role))
            def one(program: list) -> None:
                try:
                    try:
                        runner.run(world.run(WHO[role], program))
                    finally:
                        failures.raise_first()
                except Exception as error:
                    if found is None:
                        raise
                    failures.records.clear()
                    found.add(error, program)

            try:
                one()
            finally:
                runner.run(world.db.close())
            return world.tried
    finally:
        root.removeHandler(failures)


@pytest.mark.parametrize("role", ROLES)
def test_no_input_crashes_a_handler(role: str, tmp_path: Path) -> None:
    tried = fuzz(role, tmp_path, examples=CI_EXAMPLES)
    assert tried["examples"] >= CI_EXAMPLES


# --- every command, every slot, every kind of bad value ----------------------------------------------------------

# One of each kind of value that has crashed, or could crash, a handler: digits that are not numbers to `int`,
# numbers past SQLite's range, markup, format strings, control characters, halves of surrogate pairs, far dates.
BAD_VALUES = ("", "0", "-1", "²", "¹⁵", "٣", "３", "۱۲", "①", "½", "9223372036854775808", "99999999999999999999",
              "<b>x</b> & y", "{0} {name} %s", "\x00", "\u202e", "\ud800", "x" * 5000, "31 December 9999",
              "in 99999999999999999999 days", "every ² days", "every ٣ days")


def sweep() -> list[Command]:
    """Each command with each bad value alone, after each of its own words ("status ²"), in each of its own
    options ("remind:²"), and before a note ("² Venue booked")."""
    cases = []
    for name, usage in sorted(_USAGES.items()):
        for value in BAD_VALUES:
            forms = [value, f"{value} a note", *(f"{word} {value}" for word in _words_of(usage)),
                     *(f"{option}:{value}" for option in _options_of(usage))]
            cases += [Command(name, form) for form in dict.fromkeys(forms)]
    return cases


def sweep_as(role: str, folder: Path, found: Found | None = None) -> int:
    """Send every case of the sweep as the person holding `role`, one after the other in one world; how many.
    Raises the first failure, or (with `found`) records every one."""
    failures = Failures()
    logging.getLogger().addHandler(failures)
    cases = sweep()
    try:
        with asyncio.Runner() as runner:
            world = runner.run(World.build(folder))
            try:
                for case in cases:
                    try:
                        try:
                            runner.run(world.run(WHO[role], [case], fresh=False))
                        finally:
                            failures.raise_first()
                    except Exception as error:
                        if found is None:
                            raise
                        found.add(error, [case])
            finally:
                runner.run(world.db.close())
    finally:
        logging.getLogger().removeHandler(failures)
    return len(cases)


@pytest.mark.parametrize("role", ["member", "admin"])
def test_every_command_takes_every_kind_of_bad_value(role: str, tmp_path: Path) -> None:
    assert sweep_as(role, tmp_path) > 1000


# --- the console's own commands --------------------------------------------------------------------------------


def _does_not_sleep(arg: str) -> bool:
    try:
        return not 0 < float(arg) <= 24 * 3600
    except ValueError:
        return True


console_lines = st.one_of(
    st.builds(lambda a: f"/press {a}", st.one_of(numbers, words)),
    st.builds(lambda a: f"/as {a}", st.one_of(words, st.sampled_from(["bob", "admin", "x" * 65, "a b"]))),
    st.builds(lambda a: f"/sleep {a}", st.one_of(numbers, words).filter(_does_not_sleep)),
    arguments,
    st.sampled_from(sorted(ROUTES.commands)).flatmap(_command).map(Command.text),
)


def test_no_console_line_crashes_the_console(tmp_path: Path) -> None:
    """The console's own commands too: each bad value after /press, /as and /sleep, then generated lines, each
    time as someone new who has just been shown the privacy notice's buttons."""
    failures = Failures()
    logging.getLogger().addHandler(failures)
    try:
        with asyncio.Runner() as runner:
            bot, db = runner.run(build_bot(tmp_path / "console.db", make_network(open_registration=True)))
            console = ConsoleAdapter(bot.core, io.StringIO())
            visitors = iter(range(10**6))

            def run(lines: list[str]) -> None:
                for line in [f"/as visitor{next(visitors)}", "/start", *lines]:
                    try:
                        assert runner.run(console.handle_line(line)) in (True, False)
                    finally:
                        failures.raise_first()

            @settings(max_examples=150, derandomize=True, database=None, deadline=None,
                      suppress_health_check=list(HealthCheck))
            @given(lines=st.lists(console_lines, min_size=1, max_size=4))
            def one(lines: list[str]) -> None:
                run(lines)

            try:
                for value in BAD_VALUES:
                    run([f"/press {value}", f"/as {value}"] + ([f"/sleep {value}"] if _does_not_sleep(value) else []))
                one()
            finally:
                runner.run(db.close())
    finally:
        logging.getLogger().removeHandler(failures)
