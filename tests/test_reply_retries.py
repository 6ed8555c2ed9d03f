"""A direct reply on Telegram (the answer to a command or a button press) gets through Telegram's bad moments like
the outbox's messages do, never twice, and at the same one pace as them.

The real Telegram adapter runs against the in-process Bot API (every call checked against the pinned spec), with an
outbox over a real database. Time is virtual (`VirtualTime` from the outbox tests): a retry_after or a back-off
takes no real time, and each request is stamped with the virtual moment it reached Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from dataclasses import dataclass

import pytest
from markupsafe import Markup
from telegram import Update

from bot import delivery
from bot.delivery import REPLY_PATIENCE, Outbox, Pace
from bot.settings import Settings, TelegramSettings
from bot.telegram_adapter import TelegramAdapter
from handlers.events import Reply
from tests.conftest import Bot, build_bot, make_network
from tests.telegram_fake import FakeBotApi, RecordingRequest
from tests.telegram_server import BotApiServer, LimitedBotApiServer
from tests.test_outbox import EPSILON, VirtualTime, add_member, most_in_any_window

BOB = 2002
HELP = "/help"


class StampedRequest(RecordingRequest):
    """Answered by the in-process Bot API; remembers the virtual moment each call reached it."""

    def __init__(self, api: FakeBotApi, time: VirtualTime) -> None:
        super().__init__(api)
        self.time = time
        self.moments: list[tuple[str, float]] = []  # (method, moment)

    async def do_request(self, url: str, method: str, request_data=None, **timeouts):
        self.moments.append((url.rsplit("/", 1)[-1], self.time.now))
        return await super().do_request(url, method, request_data)


@dataclass
class Telegram:
    bot: Bot
    api: FakeBotApi
    request: StampedRequest
    adapter: TelegramAdapter
    outbox: Outbox
    time: VirtualTime

    async def say(self, user: int, text: str) -> None:
        """A person writes to the bot, and the bot answers (the call returns once the answer is sent or given up)."""
        update = Update.de_json(self.api.message_update(user, text), self.adapter.app.bot)
        await self.adapter.app.process_update(update)

    def sends(self) -> list[float]:
        """The moment each sendMessage reached Telegram."""
        return [moment for method, moment in self.request.moments if method == "sendMessage"]


@pytest.fixture
async def telegram(db_path, monkeypatch):
    bot, db = await build_bot(db_path, make_network(open_registration=True))
    time = VirtualTime(bot.clock)
    time.watch(db)
    monkeypatch.setattr(delivery, "asyncio", time)
    api = FakeBotApi()
    request = StampedRequest(api, time)
    adapter = TelegramAdapter(bot.core, TelegramSettings(token="123456:TEST-TOKEN"), request=request,
                              get_updates_request=request)
    outbox = Outbox(bot.repos, bot.clock, paces={"telegram": Pace(30, per_group=20, monotonic=time.monotonic)})
    outbox.register(adapter)
    bot.core.services.delivery = outbox
    await adapter.app.initialize()
    yield Telegram(bot, api, request, adapter, outbox, time)
    await adapter.app.shutdown()
    await db.close()
    assert not api.violations, "calls that break the Bot API spec:\n" + "\n".join(api.violations)


@pytest.mark.parametrize("fault", ["502", "502 page from a proxy", "connection refused"])
async def test_a_reply_that_did_not_get_through_is_sent_again_and_arrives_once(telegram, fault):
    if fault == "connection refused":
        telegram.api.refuse_connection("sendMessage")
    else:
        telegram.api.fail("sendMessage", 502, "Bad Gateway", html=fault != "502")
    await telegram.say(BOB, HELP)
    assert len(telegram.api.delivered(BOB)) == 1
    first, second = telegram.sends()
    assert second - first >= 1 - EPSILON  # after a wait


async def test_a_reply_refused_with_429_again_and_again_waits_each_retry_after_and_arrives(telegram):
    for _ in range(4):  # more than python-telegram-bot's rate limiter used to sit through
        telegram.api.fail("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
    await telegram.say(BOB, HELP)
    assert len(telegram.api.delivered(BOB)) == 1
    sends = telegram.sends()
    assert len(sends) == 5 and min(b - a for a, b in zip(sends, sends[1:])) >= 3 - EPSILON


async def test_a_reply_whose_answer_never_came_after_it_left_is_not_sent_twice(telegram, caplog):
    telegram.api.answer_late("sendMessage")  # Telegram got it; its answer is lost on the way back
    with caplog.at_level(logging.WARNING):
        await telegram.say(BOB, HELP)
    telegram.bot.clock.advance(days=1)
    await telegram.outbox.flush()
    assert len(telegram.api.delivered(BOB)) == 1 and len(telegram.sends()) == 1
    assert "may not have arrived" in caplog.text


async def test_a_reply_that_never_gets_through_is_given_up_after_a_while_and_logged_without_its_text(telegram, caplog):
    telegram.api.fail("sendMessage", 502, "Bad Gateway", times=1000)
    started = telegram.time.now
    with caplog.at_level(logging.INFO):
        await telegram.say(BOB, HELP)
    sends = telegram.sends()
    assert telegram.api.delivered(BOB) == [] and 3 < len(sends) < 12  # growing waits, not a flood of attempts
    assert sends[-1] - started <= REPLY_PATIENCE
    assert "telegram reply was lost" in caplog.text
    assert "help" not in caplog.text.lower().replace(HELP, "")  # the reply's text is not in the log


async def test_while_telegram_asks_to_wait_every_request_waits_replies_and_outbox_alike(telegram):
    member = await add_member(telegram.bot.repos, int(telegram.bot.clock().timestamp()), telegram="7001")
    await telegram.outbox.deliver(member, Reply(Markup("Session moved to 10:00")))
    telegram.api.fail("sendMessage", 429, "Too Many Requests: retry after 10", retry_after=10)
    # Whichever goes first meets the 429; the other must wait it out too.
    await asyncio.gather(telegram.outbox.send_ready(), telegram.say(BOB, HELP))
    refused, *after = telegram.sends()
    assert after and min(after) >= refused + 10 - EPSILON
    assert len(telegram.api.delivered(BOB)) == 1


async def test_a_429_on_a_reply_holds_back_the_outbox_too(telegram):
    members = [await add_member(telegram.bot.repos, int(telegram.bot.clock().timestamp()), telegram=str(7000 + i))
               for i in range(3)]
    telegram.api.fail("sendMessage", 429, "Too Many Requests: retry after 10", retry_after=10)
    await telegram.say(BOB, HELP)  # refused, waits 10 s, then arrives
    reply_at = telegram.sends()[-1]
    for member in members:
        await telegram.outbox.deliver(member, Reply(Markup("Notice")))
    refused = telegram.sends()[0]
    assert reply_at >= refused + 10 - EPSILON
    await telegram.outbox.flush()
    assert all(len(telegram.api.delivered(7000 + i)) == 1 for i in range(3))


async def test_replies_take_turns_at_the_one_pace_with_the_outbox_so_no_second_holds_more_than_30(telegram):
    now = int(telegram.bot.clock().timestamp())
    members = [await add_member(telegram.bot.repos, now, telegram=str(8000 + i)) for i in range(90)]
    for member in members:
        await telegram.outbox.deliver(member, Reply(Markup("The assembly moves to the town hall.")))

    async def members_write() -> None:
        for i in range(5):
            await telegram.time.sleep(0.3)
            await telegram.say(BOB + i, HELP)

    await asyncio.gather(telegram.outbox.flush(), members_write())
    assert all(len(telegram.api.delivered(BOB + i)) == 1 for i in range(5))
    assert len(telegram.sends()) == 95 and most_in_any_window(telegram.sends(), 1.0) <= 30


# --- the bot the broadcast benchmark measures is the one `run` builds --------------------------------------------


class _Built(Exception):
    """Raised by the recording factory: `run` need not go further."""


async def test_run_and_the_broadcast_benchmark_build_the_telegram_adapter_with_one_factory(tmp_path, monkeypatch):
    import bot.telegram_adapter as module
    from benchmarks import broadcast as benchmark
    from bot import cli

    real = module.telegram_adapter
    assert cli.telegram_adapter is real and benchmark.telegram_adapter is real  # the one factory, in both
    built: list[tuple[str, TelegramAdapter, object]] = []

    def recording(app, server=None):
        adapter = real(app, server)
        built.append(("run" if not built else "benchmark", adapter, app))
        if len(built) == 1:
            raise _Built()
        return adapter

    monkeypatch.setattr(cli, "telegram_adapter", recording)
    monkeypatch.setattr(benchmark, "telegram_adapter", recording)
    server = LimitedBotApiServer(benchmark.TOKEN, round_trip=0.0, rate_limited=0.0, blocked=0.0)
    await server.start()
    threshold = gc.get_threshold()
    try:
        settings = Settings(database=tmp_path / "run.db", telegram=TelegramSettings(token=benchmark.TOKEN,
                                                                                     base_url=server.base_url))
        with contextlib.suppress(_Built):
            await cli._run(settings)
        (tmp_path / "bench").mkdir()
        result = await benchmark.broadcast(tmp_path / "bench", 3, f"http://127.0.0.1:{server.port}")
    finally:
        gc.unfreeze()  # what `App.start` did to the garbage collector, for the tests after this one
        gc.set_threshold(*threshold)
        await server.stop()
    assert [who for who, _, _ in built] == ["run", "benchmark"]
    assert result["counts"] == {"sent": 3} and not result["violations"]
    _, adapter, app = built[1]
    assert adapter.pace is app.delivery.paces["telegram"]  # replies and the outbox share one pace …
    assert adapter.app.bot.rate_limiter is None  # … and it is the only one


async def test_the_adapter_as_the_bot_runs_it_counts_each_request_at_the_pace_the_moment_it_is_written(db_path):
    """Built with no request object of the caller's (as `solidarity-bot run` builds it), every call but getUpdates
    tells the pace when it is written (`Pace.leaving`), before Telegram has it: the limit holds where requests leave,
    not only where they took their turn."""
    bot, db = await build_bot(db_path, make_network(open_registration=True))
    server = BotApiServer("123456:TEST-TOKEN")
    await server.start()
    adapter = TelegramAdapter(bot.core, TelegramSettings(token="123456:TEST-TOKEN", base_url=server.base_url))
    outbox = Outbox(bot.repos, bot.clock)
    outbox.register(adapter)
    bot.core.services.delivery = outbox
    leaving = adapter.pace.leaving
    seen_by_telegram: list[list[str]] = []  # at each write, the calls Telegram had already received

    async def spy() -> None:
        seen_by_telegram.append([method for method, _ in server.api.calls])
        await leaving()

    adapter.pace.leaving = spy  # type: ignore[method-assign]
    try:
        await adapter.app.initialize()
        update = Update.de_json(server.api.message_update(BOB, HELP), adapter.app.bot)
        await adapter.app.process_update(update)
    finally:
        await adapter.app.shutdown()
        await server.stop()
        await db.close()
    calls = [method for method, _ in server.api.calls]
    assert calls == ["getMe", "sendMessage"]
    assert seen_by_telegram == [[], ["getMe"]]  # one write each, counted before it reached Telegram
