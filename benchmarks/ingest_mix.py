"""Telegram ingest on a mix close to real traffic, beside bare python-telegram-bot, and what each optimisation earns.

Where `telegram_ingest.py` replays one command (/profile), this one has members do what members do, each waiting
for the bot's answer before the next step, many members at once (256 updates in flight, as the bot runs):

- 30% register a commitment: /commit, type what, press "In a week", a theme, Skip, "The network", Register;
- 25% look around: /commitments, /agenda, press "Follow #…", /help;
- 20% set a reminder: /remind tomorrow 9:00 …, press "Set reminder", /reminders;
- 15% change their profile: /profile, press "Themes", tick one, press Done;
- 10% look for a partner: /partner theme:… region:…, tick the first person found, press Send.

So the stream holds typed answers, button presses, list commands and commands that write, over SQLite with
100,000 members (the same seed as `telegram_ingest.py`) and a few sessions on the agenda. Each run takes members
no run took before, so every run meets the same state.

In each round, in turn: bare python-telegram-bot (the same updates, replayed: "ok" to every message, and every
press answered and its message edited), the bot as it is, then the bot without each optimisation named in
`--without` (one run each):

- `grouped-writes`: `Database.insert_grouped` commits each row on its own;
- `keyed-reads`: `Database.fetch_keyed` asks for each member on its own, rather than in one query for the
  requests of the same moment;
- `gc-tuning`: the garbage collector as Python sets it up (`bot.app.tune_garbage_collector` not applied);
- `i18n-shortcuts`: every message filled with `Markup.format` and made anew each time, instead of `str.format_map`
  over escaped values and a cache of the messages without values (`handlers.i18n`).

(The profile summary filled as one template assembled from the labels earned less than 10% here and was taken
out; the README's benchmark section gives the figures.)

Prints, per round, the updates per second of each, the ratio of the bot to bare, and of the bot without an
optimisation to the bot with it; then the medians, and each kind of step's latency (p50/p99) with one update at
a time. An optimisation earns its place when the bot without it is at least 10% slower (ratio ≤ 0.91).

    python benchmarks/ingest_mix.py [--members-per-run 1500] [--rounds 3] [--without grouped-writes,gc-tuning]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from markupsafe import Markup  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import (  # noqa: E402
    ApplicationBuilder,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest  # noqa: E402

from benchmarks.telegram_ingest import BOT_USER, CONCURRENCY, seed  # noqa: E402
from bot.app import network_from, tune_garbage_collector  # noqa: E402
from bot.delivery import Outbox  # noqa: E402
from bot.settings import Settings, TelegramSettings  # noqa: E402
from bot.telegram_adapter import TelegramAdapter  # noqa: E402
from handlers import i18n  # noqa: E402
from handlers.capabilities import all_routers  # noqa: E402
from handlers.core import Core, Services  # noqa: E402
from handlers.sessions.notices import save_session  # noqa: E402
from storage import Repositories, SqliteDatabase  # noqa: E402

MEMBERS = 100_000
FIRST_USER = 100_000  # member n's Telegram account is FIRST_USER + n (as seeded)
OPTIMISATIONS = ("grouped-writes", "keyed-reads", "gc-tuning", "i18n-shortcuts")


class KeyboardRequest(BaseRequest):
    """Answers every call at once, like a Bot API with no latency, and keeps the last keyboard shown in each chat
    (what a member sees, to press)."""

    def __init__(self) -> None:
        self.message_id = 0
        self.keyboards: dict[int, tuple[int, list[dict]]] = {}

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(self, url, method, request_data=None, read_timeout=None, write_timeout=None,
                         connect_timeout=None, pool_timeout=None):
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        if name == "getMe":
            result: Any = BOT_USER
        elif name in ("sendMessage", "editMessageText"):
            chat = int(params.get("chat_id", 1))
            if name == "sendMessage":
                self.message_id += 1
            message_id = int(params.get("message_id", self.message_id))
            markup = params.get("reply_markup")
            if isinstance(markup, str):
                markup = json.loads(markup)
            if markup and markup.get("inline_keyboard"):
                self.keyboards[chat] = (message_id, [b for row in markup["inline_keyboard"] for b in row])
            result = {"message_id": message_id, "date": 0, "text": "x", "chat": {"id": chat, "type": "private"}}
        else:
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()


class Member:
    """One member's side of the conversation: what they send, and the buttons they were last shown."""

    def __init__(self, user: int, send: Callable[[dict, str], Awaitable[None]], request: KeyboardRequest) -> None:
        self.user, self.send, self.request = user, send, request

    def _base(self) -> dict:
        return {"id": self.user, "is_bot": False, "first_name": "M"}

    async def say(self, text: str, kind: str) -> None:
        message = {"message_id": 1, "date": 0, "chat": {"id": self.user, "type": "private"}, "from": self._base(),
                   "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        await self.send({"update_id": 0, "message": message}, kind)

    async def press(self, label: str) -> bool:
        """Press the first button whose label holds `label`; False when there is none."""
        message_id, buttons = self.request.keyboards.get(self.user, (0, []))
        found = next((b for b in buttons if label in b.get("text", "") and "callback_data" in b), None)
        if found is None:
            return False
        await self.send({"update_id": 0, "callback_query": {
            "id": "1", "from": self._base(), "chat_instance": "c", "data": found["callback_data"],
            "message": {"message_id": message_id, "date": 0, "chat": {"id": self.user, "type": "private"},
                        "text": "x"}}}, "button press")
        return True


async def commit(m: Member) -> None:
    await m.say("/commit", "command that writes")
    await m.say("Run a workshop on countering hate speech for local journalists", "typed answer")
    await m.press("In a week")
    await m.press("Detention") or await m.press("Skip")
    await m.press("Skip")
    await m.press("The network")
    await m.press("Register")


async def look_around(m: Member) -> None:
    await m.say("/commitments", "list command")
    await m.say("/agenda", "list command")
    await m.press("Follow #")
    await m.say("/help", "list command")


async def remind(m: Member) -> None:
    await m.say("/remind tomorrow 9:00 call the town hall about the shelter", "command that writes")
    await m.press("Set reminder")
    await m.say("/reminders", "list command")


async def edit_profile(m: Member) -> None:
    await m.say("/profile", "list command")
    await m.press("Themes")
    await m.press("Access to health")
    await m.press("Done")


async def find_partner(m: Member) -> None:
    await m.say("/partner theme:Detention region:Western Europe", "command that writes")
    if await m.press("1. "):
        await m.press("Send")


SCRIPTS = ((commit, 30), (look_around, 25), (remind, 20), (edit_profile, 15), (find_partner, 10))


def script_for(n: int) -> Callable[[Member], Awaitable[None]]:
    """Member n's session, so that every run has the same mix in the same proportions."""
    slot = n % 100
    for script, share in SCRIPTS:
        if slot < share:
            return script
        slot -= share
    raise AssertionError


class Bot:
    """The bot as the benchmark runs it: its Telegram adapter over the seeded database."""

    def __init__(self, adapter: TelegramAdapter, request: KeyboardRequest, db: Database) -> None:
        self.adapter, self.request, self.db = adapter, request, db
        self.recorded: list[dict] = []

    async def run(self, members: range, *, record: bool = False) -> tuple[int, float]:
        """Every member's session, side by side; (updates, seconds)."""
        app, processor = self.adapter.app, self.adapter.app.update_processor
        count = 0

        async def send(raw: dict, kind: str) -> None:
            nonlocal count
            count += 1
            raw = {**raw, "update_id": count}
            if record:
                self.recorded.append(raw)
            update = Update.de_json(raw, app.bot)
            await processor.process_update(update, app.process_update(update))

        started = time.perf_counter()
        async with processor:
            await asyncio.gather(*(script_for(n)(Member(FIRST_USER + n, send, self.request)) for n in members))
        return count, time.perf_counter() - started

    async def latencies(self, members: range) -> dict[str, list[float]]:
        """Each kind of step's time with one update at a time."""
        app, found = self.adapter.app, {}

        async def send(raw: dict, kind: str) -> None:
            update = Update.de_json({**raw, "update_id": 1}, app.bot)
            started = time.perf_counter()
            await app.process_update(update)
            found.setdefault(kind, []).append(time.perf_counter() - started)

        for n in members:
            await script_for(n)(Member(FIRST_USER + n, send, self.request))
        return found


async def open_bot(path: Path) -> Bot:
    db = SqliteDatabase(path)
    await db.open()
    await seed(db, MEMBERS)
    repos = Repositories.over(db)
    network = network_from(Settings(network_name="Bench"))
    core = Core(Services(repos=repos, network=network, delivery=Outbox(repos)), all_routers())
    now = int(time.time())
    for day in range(1, 11):
        await save_session(core.services, {"title": f"Network call {day}", "starts_at": now + day * 86400,
                                           "ends_at": now + day * 86400 + 3600, "zone": "Europe/Paris",
                                           "themes": ["detention"]}, now=now)
    request = KeyboardRequest()
    adapter = TelegramAdapter(core, TelegramSettings(token="1:BENCH"), request=request, get_updates_request=request)
    await adapter.app.initialize()
    return Bot(adapter, request, db)


async def bare_app(request: KeyboardRequest):
    app = (ApplicationBuilder().token("1:BARE").request(request).get_updates_request(request)
           .concurrent_updates(CONCURRENCY).build())

    async def message(update: Update, context) -> None:
        await update.effective_message.reply_text("ok")

    async def press(update: Update, context) -> None:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text("ok")

    app.add_handler(MessageHandler(filters.ALL, message))
    app.add_handler(CallbackQueryHandler(press))
    await app.initialize()
    return app


async def replay(app, recorded: list[dict]) -> float:
    processor = app.update_processor
    started = time.perf_counter()
    async with processor:
        tasks = []
        for raw in recorded:
            update = Update.de_json(raw, app.bot)
            tasks.append(asyncio.create_task(processor.process_update(update, app.process_update(update))))
        await asyncio.gather(*tasks)
    return time.perf_counter() - started


class _NoCache(dict):
    """A cache that keeps nothing."""

    def get(self, key: Any, default: Any = None) -> Any:
        return default

    def __setitem__(self, key: Any, value: Any) -> None:
        pass


class Without:
    """The bot with one optimisation taken out, for one run."""

    def __init__(self, bot: Bot, name: str) -> None:
        self.bot, self.name = bot, name
        self.undo: list[Callable[[], None]] = []

    def __enter__(self) -> None:
        db = self.bot.db
        if self.name == "grouped-writes":
            async def one_by_one(sql: str, args: tuple) -> None:
                await db.execute(sql, args)
            self._patch(db, "insert_grouped", one_by_one)
        elif self.name == "keyed-reads":
            async def each_alone(sql: str, key: tuple) -> Any:
                return await db.fetch_one(sql.format(keys="(" + ", ".join("?" * len(key)) + ")"), list(key))
            self._patch(db, "fetch_keyed", each_alone)
        elif self.name == "i18n-shortcuts":
            self._patch(i18n, "_fill", lambda template, values: Markup(template).format(**values))
            self._patch(i18n, "_constant", _NoCache())
        elif self.name == "gc-tuning":
            gc.unfreeze()
            gc.set_threshold(700, 10, 10)
            self.undo.append(tune_garbage_collector)

    def _patch(self, owner: Any, name: str, value: Any) -> None:
        had, old = name in vars(owner), vars(owner).get(name)
        setattr(owner, name, value)
        self.undo.append(lambda: setattr(owner, name, old) if had else delattr(owner, name))

    def __exit__(self, *exc: object) -> None:
        for undo in reversed(self.undo):
            undo()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members-per-run", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--without", default=",".join(OPTIMISATIONS),
                        help="optimisations to measure by taking each out for a run (comma-separated)")
    args = parser.parse_args()
    without = [w for w in args.without.split(",") if w]
    unknown = set(without) - set(OPTIMISATIONS)
    if unknown:
        parser.error(f"unknown optimisations: {', '.join(sorted(unknown))}; known: {', '.join(OPTIMISATIONS)}")
    per_run = args.members_per_run
    tune_garbage_collector()
    with tempfile.TemporaryDirectory() as tmp:
        bot = await open_bot(Path(tmp) / "bench.db")
        bare = await bare_app(KeyboardRequest())
        start = 1
        warm = range(start, start + per_run)
        count, _seconds = await bot.run(warm, record=True)  # warms caches, and records what bare replays
        start += per_run
        latency = await bot.latencies(range(start, start + 200))
        start += 200
        rounds: list[dict[str, float]] = []
        for _round in range(args.rounds):
            rates = {"bare": len(bot.recorded) / await replay(bare, bot.recorded)}
            for variant in ["bot", *without]:
                members = range(start, start + per_run)
                start += per_run
                if variant == "bot":
                    updates, seconds = await bot.run(members)
                else:
                    with Without(bot, variant):
                        updates, seconds = await bot.run(members)
                rates[variant] = updates / seconds
            rounds.append(rates)
        await bare.shutdown()
        await bot.adapter.app.shutdown()
        made = {table: (await bot.db.fetch_one(f"SELECT count(*) FROM {table}"))[0]  # noqa: S608 (fixed names)
                for table in ("commitments", "reminders", "session_subscriptions", "introductions")}
        await bot.db.close()
    print(f"members in database          {MEMBERS:>8,}")
    print(f"updates per run              {count:>8,}  ({per_run:,} members' sessions, {args.rounds} rounds)")
    print("made by all the runs         " + ", ".join(f"{n:,} {table.replace('_', ' ')}" for table, n in made.items()))
    header = "round      bare      bot   bot/bare" + "".join(f"   without {w} (÷ bot)" for w in without)
    print(header)
    for n, rates in enumerate(rounds, start=1):
        row = f"{n:>5} {rates['bare']:>9,.0f} {rates['bot']:>8,.0f} {rates['bot'] / rates['bare']:>10.3f}"
        for w in without:
            row += f"   {rates[w]:>9,.0f} ({rates[w] / rates['bot']:.3f})".ljust(len(f"   without {w} (÷ bot)"))
        print(row)
    print(f"median bot/bare              {statistics.median(r['bot'] / r['bare'] for r in rounds):>8.3f}")
    for w in without:
        ratio = statistics.median(r[w] / r["bot"] for r in rounds)
        verdict = "earns its place (≥ 10%)" if ratio <= 0.91 else "earns less than 10%"
        print(f"median without {w:<17} {ratio:>6.3f} of the bot's rate: {verdict}")
    print("latency, one update at a time   p50 ms   p99 ms   steps")
    for kind, values in sorted(latency.items()):
        ms = sorted(v * 1000 for v in values)
        print(f"  {kind:<28} {statistics.median(ms):>8.2f} {ms[max(0, int(len(ms) * 0.99) - 1)]:>8.2f} {len(ms):>7}")


if __name__ == "__main__":
    asyncio.run(main())
