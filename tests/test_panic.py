"""/panic: one command and one button erase a member at once, as /forget does (pending messages about them
withdrawn too), unlink every account, delete the bot's recent messages to them where the platform allows (Telegram:
its own of the last 48 hours, checked against the pinned spec; Discord: its direct messages, on SimCord), and tell
the trusted contact they chose, one of the members they were introduced to."""

from __future__ import annotations

from markupsafe import Markup

from handlers.events import Reply
from handlers.formatting import to_plain
from tests.conftest import plain
from tests.test_data_rights import dump_database, member_references
from tests.test_discord_adapter import discord_session
from tests.test_forget_withdraws import _cast, _delivered, _press_on_delivered, console  # noqa: F401
from tests.test_outbox import World, world  # noqa: F401  (the fixture)
from tests.test_partners import _ask
from tests.test_telegram_adapter import ADMIN, BOB, tg  # noqa: F401  (the fixture)

HOURS = 3600


async def no_trace_of(bot, member_id: int, *traces: str) -> None:
    """No row refers to the member, and no row holds any of `traces`."""
    for table, column in await member_references(bot):
        row = await bot.repos.db.fetch_one(f"SELECT count(*) FROM {table} WHERE {column} = ?", (member_id,))
        assert row[0] == 0, f"{table}.{column} still refers to the member"
    everything = repr(await dump_database(bot))
    for trace in traces:
        assert trace not in everything, trace


async def test_panic_erases_at_once_withdraws_what_waits_and_tells_the_trusted_contact(world, console):  # noqa: F811
    bot, ids = world.bot, await _cast(world)
    # Bob and Lina were introduced (both accepted): Lina may be his trusted contact; Carla, a stranger to him,
    # is never offered.
    await _ask(bot, "bob", "Lina", note="BOB-SEARCH-NOTE")
    await world.outbox.flush()
    await _press_on_delivered(world, console, "lina", "Accept")
    await world.outbox.flush()
    chosen = await bot.text("bob", "/panic contact")
    assert "If you use /panic, nobody is told." in chosen
    assert [b.label for b in bot.last["bob"].button_list()] == ["Lina"]
    assert "Lina will be told" in await bot.press_text("bob", "Lina")
    await bot.text("lina", "/language fr")  # she is told in her language, not in his
    # Waiting in the outbox when he panics: his introduction request to Carla, with his note.
    await _ask(bot, "bob", "Carla", note="BOB-SECOND-NOTE")
    before = len(console.replies)
    asked = await bot.text("bob", "/panic")
    assert "Lina will be told that you did" in asked
    assert [b.label for b in bot.last["bob"].button_list()] == ["Erase me now", "Cancel"]
    replies = await bot.press("bob", "Erase me now")
    assert [r.toast_only for r in replies] == [True] and replies[0].toast == "Erased."  # nothing left on screen
    assert await bot.member("bob") is None
    await no_trace_of(bot, ids["bob"], "BOB-SECOND-NOTE", "BOB-SEARCH-NOTE", "Signal BOB-CONTACT")
    await world.outbox.flush()
    after = [(chat, to_plain(r.text)) for chat, r in console.replies[before:]]
    assert not any("BOB-SECOND-NOTE" in text for _chat, text in after)  # withdrawn, as /forget does
    told = [text for chat, text in after if chat == "lina"]
    assert len(told) == 1 and "Bob a utilisé la commande d'urgence" in told[0]
    assert not [text for chat, text in after if chat == "carla"]


async def test_panic_asks_once_and_cancel_or_a_second_press_changes_nothing(bot):
    await bot.join("admin", name="Amina")
    assert "Nobody will be told" in await bot.text("admin", "/panic")
    assert "Nothing was erased" in await bot.press_text("admin", "Cancel")
    assert await bot.member("admin") is not None
    await bot.say("admin", "/panic")
    buttons = bot.last["admin"]
    await bot.press("admin", "Erase me now")
    assert await bot.member("admin") is None
    bot.last["admin"] = buttons
    again = plain(await bot.press("admin", "Erase me now"))  # the same button again: it is spent
    assert "Erased" not in again
    assert "I don't understand" not in await bot.text("admin", "/start")  # a stranger again, welcomed


async def test_panic_contact_offers_only_introduced_members(bot):
    await bot.join("admin", name="Amina")
    replies = await bot.say("admin", "/panic contact")
    assert "You can choose someone you were introduced to through /partner." in plain(replies)
    assert [r.button_list() for r in replies] == [[]]
    assert "/panic contact" in await bot.text("admin", "/panic now please")  # not understood: how to use it


async def test_panic_on_telegram_deletes_the_bots_messages_of_the_last_48_hours(tg):  # noqa: F811
    await tg.join(ADMIN, "Amina")
    code = (await tg.say(ADMIN, "/invite"))[-1].split("Invite code: ")[1].split()[0]
    await tg.join(BOB, "Bob", code)
    old = {p["_message_id"] for p in tg.api.sent(BOB)}
    tg.bot.clock.advance(hours=49)  # what Bob got when he joined is too old to delete now
    await tg.say(BOB, "/help")
    await tg.say(BOB, "/panic")
    recent = {p["_message_id"] for p in tg.api.sent(BOB)} - old
    assert len(recent) >= 2  # /help's answer and the panic question
    before = len(tg.api.calls)
    await tg.press(BOB, "Erase me now")
    calls = tg.api.calls[before:]
    deletes = [p for m, p in calls if m == "deleteMessages"]
    assert deletes and all(int(p["chat_id"]) == BOB for p in deletes)
    assert {(BOB, m) for m in recent} == set(tg.api.deleted)  # every recent one, none of the old ones
    assert not [m for m, _p in calls if m in ("sendMessage", "editMessageText")]  # only a passing notice
    assert [p.get("text") for m, p in calls if m == "answerCallbackQuery"] == ["Erased."]
    assert await tg.bot.member(f"telegram:{BOB}") is None
    kept = await tg.bot.repos.db.fetch_one("SELECT count(*) FROM sent_messages WHERE chat_hash = ?",
                                           (tg.bot.repos.db.keyring.account(f"telegram:{BOB}"),))
    assert kept[0] == 0


async def test_panic_on_discord_deletes_the_bots_direct_messages(db_path):
    async with discord_session(db_path) as s:
        alice = s.person("alice")
        await s.onboard(alice, "Alice")
        member = await s.bot.repos.members.by_identity("discord", str(alice.id))
        from bot.delivery import Outbox

        delivery = Outbox(s.bot.repos, s.bot.clock)
        delivery.register(s.adapter)
        for text in ("<b>Session moved</b> to 10:00", "A reminder"):
            await delivery.deliver(member.id, Reply(Markup(text)))
        await delivery.flush()
        await s.env.settle()
        user = alice.actor.user
        assert len([m for m in user.dm_channel.history() if m.author.bot]) == 2
        await user.send_dm("/panic")
        await s.env.settle()
        panic = user.dm_channel.last_message
        assert "Erase yourself now?" in panic.content
        erase = next(c for row in panic.components for c in row.children if c.label == "Erase me now")
        await user.click(panic, custom_id=erase.custom_id)
        await s.env.settle()
        assert [m.content for m in user.dm_channel.history() if m.author.bot] == []
        assert await s.bot.repos.members.by_identity("discord", str(alice.id)) is None
