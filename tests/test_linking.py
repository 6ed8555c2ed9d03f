"""One member across platforms: /link joins a Discord account to a Telegram member (or back), /unlink detaches one,
/notify chooses where notifications go, /join is /start with a code; bad input changes nothing."""

from __future__ import annotations

import json

from bot.delivery import NotSent, Outbox, Unreachable
from handlers.events import Person, Reply
from handlers.i18n import _
from storage.links import MAX_WRONG_ATTEMPTS
from tests.test_data_rights import dump_database

TG, DC = "telegram:7770001", "discord:8880002"


async def _invite(bot) -> str:
    return (await bot.text("admin", "/invite")).split("Invite code: ")[1].split()[0]


async def _link_code(bot, who: str) -> str:
    return (await bot.text(who, "/link")).split("Link code: ")[1].split()[0]


async def _linked(bot, *, name: str = "Amina") -> int:
    """TG joins (open network), and DC, a stranger, links to it; the member's id."""
    await bot.join(TG, name=name)
    code = await _link_code(bot, TG)
    await bot.say(DC, f"/link {code}")
    assert "Linked" in await bot.press_text(DC, "Yes, link")
    return (await bot.member(TG)).id


async def _state(bot) -> list:
    """What a user could notice: every member with their accounts and name."""
    members = await bot.repos.members.search("", limit=100)
    return sorted((m.id, m.display_name, tuple(sorted(m.accounts)), m.notify_on) for m in members)


# --- linking ---------------------------------------------------------------------------------------------


async def test_a_stranger_on_discord_links_to_a_telegram_member_after_confirming(open_bot):
    bot = open_bot
    await bot.join(TG, name="Amina")
    text = await bot.text(TG, "/link")
    assert "Link code:" in text and "within 10 minutes" in text and "works once" in text
    code = text.split("Link code: ")[1].split()[0]
    text = await bot.text(DC, f"/link {code}")
    assert "Link this Discord account to member #1 Amina?" in text
    assert bot.labels(DC) == ["Yes, link this account", "Cancel"]
    assert await bot.member(DC) is None  # nothing happens before the confirmation
    text = await bot.press_text(DC, "Yes, link")
    assert "Linked." in text and "#1 Amina" in text
    member = await bot.member(DC)
    assert member.id == (await bot.member(TG)).id
    assert sorted(member.accounts) == sorted([TG, DC])
    assert "Name: Amina" in await bot.text(DC, "/profile")
    # the member hears about it wherever their notifications go, in case it was not them
    notice = [str(r.text) for member_id, r in bot.recorder.sent if member_id == member.id][-1]
    assert "A Discord account was just linked" in notice and "/unlink discord" in notice
    audit = [e for e in await bot.repos.audit.recent() if e.action == "member.link"]
    assert audit[0].detail == "platforms=discord" and audit[0].actor_id == member.id


async def test_linking_works_the_other_way_and_with_codes_typed_loosely(open_bot):
    bot = open_bot
    await bot.join(DC, name="Dee")
    code = await _link_code(bot, DC)
    loose = f"{code[:5].lower()}-{code[5:].lower()}"
    assert "Link this Telegram account" in await bot.text(TG, f"/link {loose}")
    await bot.press(TG, "Yes, link")
    assert (await bot.member(TG)).display_name == "Dee"


async def test_a_member_with_its_own_profile_is_warned_that_it_is_erased_and_can_cancel(open_bot):
    bot = open_bot
    await bot.join(TG, name="Amina")
    await bot.join(DC, name="Second-Profile-Quux", contact="Wire: quux")
    kept, replaced = (await bot.member(TG)).id, (await bot.member(DC)).id
    code = await _link_code(bot, TG)
    text = await bot.text(DC, f"/link {code}")
    assert f"already has its own profile: #{replaced} Second-Profile-Quux" in text
    assert "erased for good" in text and f"profile of #{kept} Amina" in text
    before = await _state(bot)
    assert "Nothing was linked" in await bot.press_text(DC, "Cancel")
    assert await _state(bot) == before
    await bot.text(DC, f"/link {code}")
    text = await bot.press_text(DC, "Erase it and link")
    assert f"separate profile #{replaced} was erased" in text
    assert (await bot.member(DC)).id == kept
    assert await bot.repos.members.get(replaced) is None
    assert await bot.repos.members.count() == 1
    everything = repr(await dump_database(bot))
    assert "Second-Profile-Quux" not in everything and "quux" not in everything
    audit = next(e for e in await bot.repos.audit.recent() if e.action == "member.link")
    assert audit.detail == f"platforms=discord replaced={replaced}" and audit.subject_id is None


async def test_a_code_works_once(open_bot):
    bot = open_bot
    await bot.join(TG, name="Amina")
    code = await _link_code(bot, TG)
    await bot.say(DC, f"/link {code}")
    await bot.press(DC, "Yes, link")
    before = await _state(bot)
    assert "already been used" in await bot.text("discord:999", f"/link {code}")
    assert await bot.member("discord:999") is None
    assert await _state(bot) == before


async def test_a_new_code_replaces_the_previous_one(open_bot):
    bot = open_bot
    await bot.join(TG, name="Amina")
    first = await _link_code(bot, TG)
    await _link_code(bot, TG)
    assert "not valid" in await bot.text(DC, f"/link {first}")


async def test_an_expired_code_is_refused_when_entered_or_confirmed(open_bot):
    bot = open_bot
    await bot.join(TG, name="Amina")
    code = await _link_code(bot, TG)
    bot.clock.advance(minutes=11)
    before = await _state(bot)
    assert "expired" in await bot.text(DC, f"/link {code}")
    code = await _link_code(bot, TG)
    await bot.say(DC, f"/link {code}")
    bot.clock.advance(minutes=11)
    assert "expired" in await bot.press_text(DC, "Yes, link")
    assert await bot.member(DC) is None
    assert await _state(bot) == before


async def test_missing_malformed_and_wrong_codes_get_clear_answers(open_bot):
    bot = open_bot
    await bot.join(TG, name="Amina")
    text = await bot.text(DC, "/link")
    assert "send /link there" in text and "/join" in text
    assert "doesn't look like a link code" in await bot.text(DC, "/link hello")
    assert "doesn't look like a link code" in await bot.text(DC, "/link ABCD2345EF0")
    text = await bot.text(DC, "/link ABCD2345EF")
    assert "not valid" in text and f"{MAX_WRONG_ATTEMPTS - 1} more times" in text
    assert await bot.member(DC) is None
    assert await bot.repos.members.count() == 1


async def test_a_code_from_the_same_platform_is_refused(open_bot):
    bot = open_bot
    await bot.join(TG, name="Amina")
    code = await _link_code(bot, TG)
    before = await _state(bot)
    assert "made on Telegram" in await bot.text("telegram:555", f"/link {code}")
    assert "made on Telegram" in await bot.text(TG, f"/link {code}")
    assert await _state(bot) == before
    # still usable from another platform afterwards
    await bot.say(DC, f"/link {code}")
    assert "Linked" in await bot.press_text(DC, "Yes, link")


async def test_a_member_cannot_have_two_accounts_on_one_platform(open_bot):
    bot = open_bot
    await _linked(bot)
    code = await _link_code(bot, TG)
    before = await _state(bot)
    text = await bot.text("discord:4444", f"/link {code}")
    assert "already has a Discord account" in text and "/unlink discord" in text
    assert await _state(bot) == before
    # a Discord account that is a member of its own cannot bring a second Telegram account either
    await bot.join("telegram:6666", name="Other")
    before = await _state(bot)
    other_code = await _link_code(bot, "telegram:6666")
    text = await bot.text(DC, f"/link {other_code}")
    assert "This account's profile has a Telegram account" in text and "/unlink telegram here" in text
    assert "already linked to that profile" in await bot.text(DC, f"/link {code}")
    assert await _state(bot) == before


async def test_guessing_codes_is_limited_per_account(open_bot):
    bot = open_bot
    await bot.join(TG, name="Amina")
    for i in range(MAX_WRONG_ATTEMPTS):
        text = await bot.text(DC, "/link ABCD2345EF")
    assert "last try" in text
    code = await _link_code(bot, TG)
    text = await bot.text(DC, f"/link {code}")  # even the right code waits: a guess could be right too
    assert "Too many wrong link codes" in text and "60 minutes" in text
    assert "Link this Discord account" in await bot.text("discord:other", f"/link {code}")  # per account
    bot.clock.advance(minutes=61)
    code = await _link_code(bot, TG)
    assert "Link this Discord account" in await bot.text(DC, f"/link {code}")


async def test_confirm_pressed_twice_or_by_the_other_person(open_bot):
    bot = open_bot
    await bot.join(TG, name="Amina")
    code = await _link_code(bot, TG)
    await bot.say(DC, f"/link {code}")
    confirmation = bot.last[DC]
    bot.last[TG] = confirmation
    assert "not meant for you" in await bot.press_text(TG, "Yes, link")
    assert "not meant for you" in await bot.press_text(DC, "Yes, link", presser="discord:intruder")
    assert await bot.member(DC) is None and await bot.member("discord:intruder") is None
    await bot.press(DC, "Yes, link")
    before = await _state(bot)
    bot.last[DC] = confirmation
    text = await bot.press_text(DC, "Yes, link")
    assert "already pressed" in text
    assert await _state(bot) == before


async def test_a_second_confirmation_for_the_same_code_finds_it_used(open_bot):
    bot = open_bot
    await bot.join(TG, name="Amina")
    code = await _link_code(bot, TG)
    await bot.say(DC, f"/link {code}")
    await bot.say("discord:twin", f"/link {code}")
    await bot.press(DC, "Yes, link")
    assert "already been used" in await bot.press_text("discord:twin", "Yes, link")
    assert await bot.member("discord:twin") is None


async def test_blocked_members_can_neither_link_nor_be_linked_to(bot):
    await bot.join("admin", name="Admin")
    await bot.join(TG, code=await _invite(bot), name="Amina")
    code = await _link_code(bot, TG)
    await bot.say(DC, f"/link {code}")
    amina = await bot.member(TG)
    await bot.text("admin", f"/block #{amina.id}")
    assert "suspended" in await bot.text(TG, "/link")
    assert "suspended by the organisers" in await bot.press_text(DC, "Yes, link")
    assert "suspended by the organisers" in await bot.text("discord:other", f"/link {code}")
    assert await bot.member(DC) is None
    # a blocked member cannot escape the block by joining another member's profile
    await bot.text("admin", f"/unblock #{amina.id}")
    await bot.join(DC, code=await _invite(bot), name="Dee")
    dee = await bot.member(DC)
    await bot.text("admin", f"/block #{dee.id}")
    code = await _link_code(bot, TG)
    assert "suspended" in await bot.text(DC, f"/link {code}")
    assert (await bot.member(DC)).id == dee.id


async def test_the_code_is_stored_only_as_a_hash(open_bot):
    bot = open_bot
    await bot.join(TG, name="Amina")
    code = await _link_code(bot, TG)
    await bot.say(DC, f"/link {code}")  # the confirmation's button refers to the code too
    assert code not in repr(await dump_database(bot))


# --- unlinking -------------------------------------------------------------------------------------------


async def test_unlink_asks_first_and_leaves_a_stranger_behind(open_bot):
    bot = open_bot
    member_id = await _linked(bot)
    text = await bot.text(TG, "/unlink")
    assert "Usage: /unlink" in text and "Telegram, Discord" in text
    assert "You have no matrix account linked" in await bot.text(TG, "/unlink matrix")
    text = await bot.text(TG, "/unlink Discord")
    assert "Unlink your Discord account?" in text and "stranger" in text
    assert "Nothing was unlinked" in await bot.press_text(TG, "No, keep")
    assert (await bot.member(DC)).id == member_id
    await bot.say(TG, "/unlink discord")
    assert "Discord account is unlinked" in await bot.press_text(TG, "Yes, unlink")
    assert await bot.member(DC) is None
    assert "join first" in await bot.text(DC, "/profile")
    assert (await bot.member(TG)).accounts == (TG,)
    assert "Name: Amina" in await bot.text(TG, "/profile")
    audit = [e for e in await bot.repos.audit.recent() if e.action == "member.unlink"]
    assert audit[0].detail == "platform=discord"


async def test_the_last_account_cannot_be_unlinked(open_bot):
    bot = open_bot
    await bot.join(TG, name="Amina")
    text = await bot.text(TG, "/unlink telegram")
    assert "only one" in text and "/forget" in text
    assert "no Discord account" in await bot.text(TG, "/unlink discord")
    assert await bot.member(TG) is not None


async def test_an_account_can_unlink_itself_and_link_again(open_bot):
    bot = open_bot
    member_id = await _linked(bot)
    await bot.say(DC, "/unlink discord")
    await bot.press(DC, "Yes, unlink")
    assert await bot.member(DC) is None
    code = await _link_code(bot, TG)
    await bot.say(DC, f"/link {code}")
    await bot.press(DC, "Yes, link")
    assert (await bot.member(DC)).id == member_id


async def test_unlink_confirmed_twice_or_after_things_changed(open_bot):
    bot = open_bot
    await _linked(bot)
    await bot.say(TG, "/unlink discord")
    confirmation = bot.last[TG]
    await bot.say(DC, "/unlink telegram")
    await bot.press(DC, "Yes, unlink")
    bot.last[TG] = confirmation
    # telegram is no longer part of the member: the old button is not its to press
    assert "not meant for you" in await bot.press_text(TG, "Yes, unlink")
    assert (await bot.member(DC)).accounts == (DC,)


# --- notifications ---------------------------------------------------------------------------------------


async def test_notify_offers_linked_platforms_and_the_profile_shows_the_choice(open_bot):
    bot = open_bot
    await bot.join(TG, name="Amina")
    text = await bot.text(TG, "/notify")
    assert "Now: Telegram." in text and "/link" in text
    assert "Notifications: Telegram" in await bot.text(TG, "/profile")
    code = await _link_code(bot, TG)
    await bot.say(DC, f"/link {code}")
    await bot.press(DC, "Yes, link")
    text = await bot.text(TG, "/notify")
    assert "Now: all your accounts (Telegram, Discord)." in text
    assert bot.labels(TG) == ["Telegram", "Discord", "✓ All of them"]
    assert "Notifications will go to Discord only." in await bot.press_text(TG, "Discord")
    assert (await bot.member(TG)).notify_on == "discord"
    assert "Notifications: Discord only" in await bot.text(DC, "/profile")
    assert "Notifications will go to all your accounts" in await bot.text(DC, "/notify all")
    assert "You have no matrix account linked" in await bot.text(DC, "/notify matrix")
    assert (await bot.member(TG)).notify_on == "all"


async def test_unlinking_the_preferred_platform_sends_notifications_everywhere_again(open_bot):
    bot = open_bot
    await _linked(bot)
    await bot.text(TG, "/notify discord")
    await bot.say(TG, "/notify")
    stale = bot.last[TG]
    await bot.say(TG, "/unlink discord")
    assert "Notifications now go to Telegram." in await bot.press_text(TG, "Yes, unlink")
    assert (await bot.member(TG)).notify_on == "all"
    bot.last[TG] = stale
    assert "no Discord account linked" in await bot.press_text(TG, "Discord")
    assert (await bot.member(TG)).notify_on == "all"


class FakeAdapter:
    """A platform that records whom it sent to; it can be down, or refuse like a 403 (blocked, DMs closed)."""

    def __init__(self, platform: str, *, fail: bool = False, refuse: bool = False) -> None:
        self.platform, self.fail, self.refuse = platform, fail, refuse
        self.sent: list[str] = []

    async def send(self, person: Person, reply: Reply) -> None:
        if self.fail:
            raise NotSent()
        if self.refuse:
            raise Unreachable()
        self.sent.append(person.key)


async def test_delivery_follows_the_preference_and_falls_back_to_other_accounts(open_bot):
    bot = open_bot
    member_id = await _linked(bot)
    message = Reply(_("hello"))

    async def deliver(**discord_options) -> tuple[list[str], list[str]]:
        outbox = Outbox(bot.repos, bot.clock)
        telegram, discord = FakeAdapter("telegram"), FakeAdapter("discord", **discord_options)
        outbox.register(telegram)
        outbox.register(discord)
        await outbox.deliver(member_id, message)
        await outbox.flush()
        return telegram.sent, discord.sent

    assert await deliver() == ([TG], [DC])  # "all" by default
    await bot.text(TG, "/notify discord")
    assert await deliver() == ([], [DC])
    # Discord is down: the message waits in the outbox for Discord (it is not lost, and not sent twice).
    assert await deliver(fail=True) == ([], [])
    assert (await bot.repos.outbox.counts()).get("pending") == 1
    for waiting in await bot.repos.outbox.claim(2 ** 40, 10, ("discord",)):  # given up, so it is out of the way
        await bot.repos.outbox.settle(waiting.id, "failed", int(bot.clock().timestamp()))
    outbox = Outbox(bot.repos, bot.clock)
    telegram = FakeAdapter("telegram")
    outbox.register(telegram)  # Discord not running
    await outbox.deliver(member_id, message)
    await outbox.flush()
    assert telegram.sent == [TG]
    assert await deliver(refuse=True) == ([TG], [])  # refused now: the message still arrives
    assert (await bot.repos.members.identity("discord", DC.split(":")[1])).unreachable_since is not None
    assert await deliver() == ([TG], [])  # unreachable since: straight to the others
    await bot.say(DC, "/help")  # writing again makes the account reachable
    assert await deliver() == ([], [DC])


# --- /join, help, export, forget -------------------------------------------------------------------------


async def test_join_with_an_invite_code_is_the_same_as_start(bot):
    await bot.join("admin", name="Admin")
    code = await _invite(bot)
    text = await bot.text(DC, f"/join {code}")
    assert "Welcome to Test Network" in text
    await bot.press(DC, "I understand")
    assert await bot.member(DC) is not None
    assert "not valid any more" in await bot.text("discord:late", "/join ZZZZ2345ZZ")
    assert "doesn't look like an invite code" in await bot.text("discord:late", "/join !!!")
    assert "invite-only" in await bot.text("discord:late", "/join")
    assert await bot.member("discord:late") is None


async def test_help_lists_the_new_commands(open_bot):
    bot = open_bot
    stranger = await bot.text(DC, "/help")
    assert "/join <invite code>" in stranger and "/link [code]" in stranger and "/notify" not in stranger
    await bot.join(TG, name="Amina")
    member = await bot.text(TG, "/help")
    assert "/unlink <platform>" in member and "/notify" in member


async def test_export_includes_linked_accounts_and_the_notification_preference(open_bot):
    bot = open_bot
    await _linked(bot)
    await bot.text(TG, "/notify telegram")
    await bot.repos.members.set_dm_channel("discord", DC.split(":")[1], 123456789012345678)
    data = json.loads((await bot.say(DC, "/export"))[0].attachment.content)
    accounts = {(a["platform"], a["account_id"]) for a in data["accounts"]}
    assert accounts == {("telegram", "7770001"), ("discord", "8880002")}
    assert next(a for a in data["accounts"] if a["platform"] == "discord")["direct_message_channel"] == \
        "123456789012345678"
    assert data["notifications"] == {"send_to": "telegram"}
    assert data["link_codes"]["codes_you_asked_for"][0]["made_on"] == "telegram"
    assert data["link_codes"]["codes_you_asked_for"][0]["used_at"] is not None
    assert "code_hash" not in json.dumps(data)


async def test_forget_of_a_linked_member_leaves_nothing_on_either_platform(open_bot):
    bot = open_bot
    await bot.say(DC, "/link ABCD2345EF")  # a wrong code counted against the Discord account
    member_id = await _linked(bot, name="Linky-Unique-Name")
    await bot.text(TG, "/notify discord")
    await bot.repos.members.set_dm_channel("discord", "8880002", 99119911)
    await _link_code(bot, TG)  # an unused code
    await bot.say(DC, "/profile")
    await bot.press(DC, "Themes")  # a conversation and buttons
    await bot.say(DC, "/forget")
    assert "has been erased" in await bot.press_text(DC, "Yes, erase")
    everything = repr(await dump_database(bot))
    for trace in ("Linky-Unique-Name", "7770001", "8880002", "99119911"):
        assert trace not in everything
    keys = [await bot.repos.buttons.audience(k) for k in (f"member:{member_id}", TG, DC)]
    keys += [await bot.repos.links.account_key(k) for k in (TG, DC)]
    assert not any(k in everything for k in keys)
    for table in ("link_codes", "link_attempts", "identities", "members", "conversations"):
        assert (await bot.repos.db.fetch_one(f"SELECT count(*) FROM {table}"))[0] == 0, table
    for who in (TG, DC):
        assert await bot.member(who) is None
        assert "join first" in await bot.text(who, "/profile")
        assert "Welcome to Test Network" in await bot.text(who, "/start")
