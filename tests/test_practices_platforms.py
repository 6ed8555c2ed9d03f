"""The toolbox on Telegram and Discord: sharing a practice with the platform's own buttons, menus and forms, an
organiser's review, finding it and saying it worked, every call checked against the platform's pinned spec."""

from __future__ import annotations

from storage.practices import Draft
from tests.test_discord_adapter import discord_session
from tests.test_telegram_adapter import ADMIN, BOB, tg  # noqa: F401  (the fixture)


async def test_a_practice_is_shared_reviewed_found_and_endorsed_on_telegram(tg):  # noqa: F811
    await tg.join(ADMIN, "Amina")
    code = (await tg.say(ADMIN, "/invite"))[-1].split("Invite code: ")[1].split()[0]
    await tg.join(BOB, "Bob", code)
    await tg.say(BOB, "/practice Myth-busting <b>cards</b>")
    await tg.say(BOB, "Cards answering the ten commonest rumours, handed out at markets.")
    await tg.press(BOB, "Northern Africa")
    await tg.press(BOB, "Detention")
    await tg.press(BOB, "Done")
    await tg.press(BOB, "Skip")  # kind of actor
    for answer in ("Short answers with sources", "Too long at first", "A designer"):
        await tg.say(BOB, answer)
    await tg.say(BOB, "https://example.org/cards")
    await tg.press(BOB, "The network")
    await tg.press(BOB, "Show my name")
    sent = await tg.press(BOB, "Submit")
    assert any("practice #1 is sent for review" in t for t in sent)
    await tg.bot.core.services.delivery.flush()
    assert any("Practice #1 waits for review" in t for t in tg.api.texts(ADMIN))  # the organisers are told
    shown = await tg.say(ADMIN, "/practice 1")
    assert any("Myth-busting <b>cards</b>" in t for t in shown)  # shown as text, never as markup
    await tg.press(ADMIN, "Approve")
    await tg.bot.core.services.delivery.flush()
    assert any("Your practice #1 is published" in t for t in tg.api.texts(BOB))
    found = await tg.say(BOB, "/practices rumours theme:Detention")
    assert any("1 practice found" in t for t in found)
    reply = await tg.say(ADMIN, "/practices cards")
    assert any("Myth-busting" in t for t in reply)
    await tg.press(ADMIN, "Open #1")
    said = await tg.press(ADMIN, "Worked for us too")
    assert any("counts you among those it worked for" in t for t in said)
    await tg.say(ADMIN, "Worked in Tunis too")
    assert (await tg.bot.repos.practices.reports(1)).worked == 1


async def test_practices_are_found_and_opened_with_slash_commands_on_discord(db_path):
    async with discord_session(db_path) as s:
        bob = s.person("bob")
        await s.onboard(bob, "Bob")
        member = await s.bot.member(f"discord:{bob.id}")
        number = await s.bot.repos.practices.create(member.id, Draft("Community radio", "A weekly radio show.",
                                                                     themes=("detention",)), now=1_800_000_000)
        await s.bot.repos.practices.review(number, "approved", member.id, None, 1_800_000_000)
        carla = s.person("carla")
        await s.onboard(carla, "Carla")
        listed = await carla.slash("practices", words="radio", theme="Detention")
        assert "1 practice found" in listed and "Community radio" in listed
        opened = await carla.click("Open #1")
        assert "Community radio" in opened and "A weekly radio show." in opened
        said = await carla.click("Worked for us too")
        assert "counts you among those it worked for" in said
        await carla.click("Skip")
        assert (await s.bot.repos.practices.reports(number)).worked == 1
        shared = await carla.slash("practice", details="Street theatre")
        assert "What was done?" in shared
