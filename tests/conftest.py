"""Shared fixtures: a real SQLite file per test, a core with a settable clock, and people who talk to it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import network_from
from bot.settings import Settings
from handlers.capabilities import all_routers
from handlers.core import Core, Router, Services
from handlers.events import Incoming, Outgoing, Person, Press, Reply
from handlers.formatting import to_plain
from handlers.network import Network
from storage import Repositories, SqliteDatabase

THEMES = ["Access to health", "Detention", "Public perception and discourse", "Countering online hate speech"]
REGIONS = ["Western Europe", "Northern Africa", "Sub-Saharan Africa", "Global / online"]


class Clock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class Recorder:
    """The delivery port: remembers what the bot sent on its own, per member (and when it may go)."""

    sent: list[tuple[int, Reply]] = field(default_factory=list)
    queued: list[Outgoing] = field(default_factory=list)

    async def deliver(self, member_id: int, reply: Reply, *, kind: str = "notice",
                      not_before: int | None = None, about: tuple[int, ...] = (),
                      ready_at: int | None = None) -> None:
        self.sent.append((member_id, reply))
        self.queued.append(Outgoing(member_id, reply, kind, not_before, about=about, ready_at=ready_at))

    async def deliver_in(self, conn, messages: list[Outgoing], now: int) -> None:
        for message in messages:
            self.sent.append((message.member_id, message.reply))
            self.queued.append(message)

    def wake(self) -> None:
        pass


class Bot:
    """A core over a real database, and helpers to talk to it as people on the console."""

    def __init__(self, core: Core, repos: Repositories, clock: Clock, recorder: Recorder) -> None:
        self.core, self.repos, self.clock, self.recorder = core, repos, clock, recorder
        self.last: dict[str, Reply] = {}

    @staticmethod
    def person(who: str) -> Person:
        platform, _, external = who.partition(":") if ":" in who else ("console", "", who)
        return Person(platform, external)

    def _remember(self, who: str, replies: list[Reply]) -> list[Reply]:
        for reply in replies:
            if reply.buttons:
                self.last[who] = reply
        return replies

    async def say(self, who: str, text: str, *, private: bool = True) -> list[Reply]:
        """Send a message as `who` ('amina' on the console, or 'telegram:123')."""
        return self._remember(who, await self.core.handle_message(Incoming(self.person(who), text, private)))

    async def text(self, who: str, text: str, **kw) -> str:
        """Send a message and return every reply as one plain text."""
        return plain(await self.say(who, text, **kw))

    async def press(self, who: str, label: str, *, presser: str | None = None) -> list[Reply]:
        """Press the button whose label contains `label` on the latest message with buttons sent to `who`."""
        reply = self.last[who]
        matches = [b for b in reply.button_list() if label.lower() in b.label.lower()]
        assert matches, f"no button {label!r} in {[b.label for b in reply.button_list()]}"
        presser = presser or who
        return self._remember(presser, await self.core.handle_press(Press(self.person(presser), matches[0].token)))

    async def press_text(self, who: str, label: str, **kw) -> str:
        return plain(await self.press(who, label, **kw))

    def labels(self, who: str) -> list[str]:
        return [b.label for b in self.last[who].button_list()]

    async def member(self, who: str):
        person = self.person(who)
        return await self.repos.members.by_identity(person.platform, person.external_id)

    async def join(self, who: str, *, code: str = "", name: str | None = None,
                   contact: str = "Signal: +33 6 00 00 00 00") -> None:
        """Take `who` through the whole onboarding with ordinary answers."""
        await self.say(who, f"/start {code}".strip())
        await self.press(who, "I understand")
        await self.say(who, name or who.split(":")[-1].capitalize())
        await self.press(who, "Skip")  # organisation
        await self.press(who, "Journalist")
        await self.press(who, "Access to health")
        await self.press(who, "Done")
        await self.press(who, "Western Europe")
        await self.press(who, "Done")
        await self.press(who, "Done")  # English: the language the welcome was read in is already ticked
        await self.say(who, "Europe/Paris")
        await self.say(who, contact)
        member = await self.member(who)
        assert member is not None and member.profile_complete


def plain(replies: list[Reply]) -> str:
    return "\n".join(to_plain(r.text) for r in replies)


def make_network(*, themes: list[str] = THEMES, **overrides) -> Network:
    """The network the settings' defaults make, with these themes and the tests' regions, and `overrides` (fields
    of `Network`)."""
    base = network_from(Settings(network_name="Test Network", themes=list(themes), regions=list(REGIONS)))
    return dataclasses.replace(base, **{"admins": frozenset({"console:admin"}), **overrides})


async def build_bot(path: Path, network: Network | None = None, *, extra: tuple[Router, ...] = ()
                    ) -> tuple[Bot, Database]:
    """The bot's core over a new database at `path`, with every capability's router (and `extra` ones)."""
    db = SqliteDatabase(path)
    await db.open()
    repos = Repositories.over(db)
    clock = Clock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    recorder = Recorder()
    core = Core(Services(repos=repos, network=network or make_network(), delivery=recorder, clock=clock),
                [*all_routers(), *extra])
    return Bot(core, repos, clock, recorder), db


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "solidarity.db"


@pytest.fixture
async def bot(db_path: Path):
    instance, db = await build_bot(db_path)
    yield instance
    await db.close()


@pytest.fixture
async def open_bot(db_path: Path):
    instance, db = await build_bot(db_path, make_network(open_registration=True))
    yield instance
    await db.close()
