"""Both real adapters over one core and one database: Telegram answered by the in-process Bot API, Discord by
SimCord, one outbox for what the bot sends on its own. Every call on each platform is checked against its spec
when the session ends."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import simcord

from bot.delivery import Outbox
from bot.discord_adapter import DiscordAdapter
from bot.settings import DiscordSettings
from tests.conftest import Bot, build_bot, make_network
from tests.discord_spec import SPEC
from tests.telegram_fake import FakeBotApi
from tests.test_discord_adapter import DiscordSession
from tests.test_telegram_adapter import TelegramHarness, make_adapter


@dataclass
class BothPlatforms:
    bot: Bot
    outbox: Outbox
    api: FakeBotApi  # the Telegram side's Bot API
    tg: TelegramHarness
    discord: DiscordSession
    env: object  # SimCord's environment

    async def deliver(self) -> None:
        """Send what is queued, and let Discord settle."""
        await self.outbox.flush()
        await self.env.settle()


@contextlib.asynccontextmanager
async def both_platforms(db_path: Path) -> AsyncIterator[BothPlatforms]:
    bot, db = await build_bot(db_path, make_network(admins=frozenset(), open_registration=True))
    api = FakeBotApi()
    telegram = make_adapter(bot, api)
    discord_adapter = DiscordAdapter(bot.core, DiscordSettings())
    outbox = Outbox(bot.repos, bot.clock)
    outbox.register(telegram)
    outbox.register(discord_adapter)
    bot.core.services.delivery = outbox
    await telegram.app.initialize()
    try:
        async with simcord.run(discord_adapter.client) as env:
            await discord_adapter.sync_commands()
            yield BothPlatforms(bot, outbox, api, TelegramHarness(telegram, api, bot),
                                DiscordSession(discord_adapter, env, bot), env)
            SPEC.check_all(env.http_requests)
    finally:
        await telegram.app.shutdown()
        await db.close()
    assert not api.violations, "calls that break the Bot API spec:\n" + "\n".join(api.violations)
