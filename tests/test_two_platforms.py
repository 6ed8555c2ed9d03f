"""One person on Telegram and Discord at once: both real adapters over one core and one database.

Telegram is answered by the in-process Bot API, Discord by SimCord; every call on each is checked against its
platform's pinned spec.
"""

from __future__ import annotations

from markupsafe import Markup

from handlers.events import Reply
from tests.two_platforms import both_platforms

AMINA_TG = 4242


async def test_one_member_across_telegram_and_discord_from_joining_to_erasure(db_path):
    async with both_platforms(db_path) as both:
        bot, tg, api, s, env, delivery = both.bot, both.tg, both.api, both.discord, both.env, both.outbox
        amina_dc = s.person("amina")

        # She joins on Telegram, then joins her Discord account to the same profile.
        await tg.join(AMINA_TG, "Amina")
        code = (await tg.say(AMINA_TG, "/link"))[-1].split("Link code: ")[1].split()[0]
        await amina_dc.slash("link", code=code)
        await amina_dc.click("Yes, link this account")
        member = await bot.member(f"telegram:{AMINA_TG}")
        assert set(member.accounts) == {f"telegram:{AMINA_TG}", f"discord:{amina_dc.id}"}

        # A change made on Discord is what Telegram shows.
        await amina_dc.slash("timezone", place="Africa/Tunis")
        shown = await tg.say(AMINA_TG, "/profile")
        assert any("Time zone: Africa/Tunis" in t for t in shown)

        # A notification reaches both accounts; then she asks for Discord only.
        await delivery.deliver(member.id, Reply(Markup("<b>Session moved</b> to 10:00")))
        await delivery.flush()
        await env.settle()
        assert "Session moved to 10:00" in api.texts(AMINA_TG)[-1]
        dm = amina_dc.actor.user.dm_channel
        assert dm.last_message.content.startswith("**Session moved** to 10")
        await tg.say(AMINA_TG, "/notify discord")
        telegram_before = len(api.texts(AMINA_TG))
        await delivery.deliver(member.id, Reply(Markup("Second notice")))
        await delivery.flush()
        await env.settle()
        assert dm.last_message.content == "Second notice"
        assert len(api.texts(AMINA_TG)) == telegram_before

        # Erasing from Discord leaves nothing on either platform.
        await amina_dc.slash("forget")
        await amina_dc.click("Yes, erase")
        assert await bot.repos.members.get(member.id) is None
        assert await bot.member(f"telegram:{AMINA_TG}") is None
        assert await bot.repos.members.by_identity("discord", str(amina_dc.id)) is None
        assert await bot.repos.members.dm_channel("discord", str(amina_dc.id)) is None
        assert "/start" in " ".join(await tg.say(AMINA_TG, "/profile"))
