"""The real python-telegram-bot Application, driven with updates and answered by an in-process Bot API.

Every call the bot makes is checked against the pinned Bot API spec; any violation fails the test that made it.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from telegram import Update

from bot.delivery import Outbox
from bot.settings import TelegramSettings
from bot.telegram_adapter import TelegramAdapter
from tests.conftest import build_bot, make_network
from tests.telegram_fake import BOT_USERNAME, FakeBotApi, RecordingRequest

ADMIN = 1001
BOB = 2002
CAROL = 3003
GROUP = -100500


class TelegramHarness:
    """A Telegram bot over a real database, with people who send updates."""

    def __init__(self, adapter: TelegramAdapter, api: FakeBotApi, bot) -> None:
        self.adapter, self.api, self.bot = adapter, api, bot

    async def feed(self, update: dict) -> None:
        await self.adapter.app.process_update(Update.de_json(update, self.adapter.app.bot))
        outbox = self.bot.core.services.delivery
        if isinstance(outbox, Outbox):
            await outbox.flush()  # what the update queued (a notice to someone else) goes out now

    async def say(self, user: int, text: str, *, chat: int | None = None) -> list[str]:
        before = len(self.api.calls)
        await self.feed(self.api.message_update(user, text, chat_id=chat))
        return self._texts_since(before)

    async def press(self, user: int, label: str, *, chat: int | None = None, presser: int | None = None,
                    data: str | None = None) -> list[str]:
        chat = chat if chat is not None else user
        message_id, buttons = self.api.last_keyboard(chat)
        if data is None:
            matches = [b for b in buttons if label.lower() in b["text"].lower()]
            assert matches, f"no button {label!r} in {[b['text'] for b in buttons]}"
            data = matches[0]["callback_data"]
        before = len(self.api.calls)
        await self.feed(self.api.press_update(presser or user, data, message_id=message_id, chat_id=chat))
        return self._texts_since(before)

    def _texts_since(self, index: int) -> list[str]:
        from tests.telegram_fake import visible_text

        out = []
        for method, params in self.api.calls[index:]:
            if method in ("sendMessage", "editMessageText"):
                out.append(visible_text(params["text"], params.get("parse_mode"))[0])
            elif method == "answerCallbackQuery" and params.get("text"):
                out.append("toast: " + params["text"])
        return out

    def calls_since(self, index: int) -> list[str]:
        return [m for m, _ in self.api.calls[index:]]

    async def join(self, user: int, name: str, code: str = "") -> None:
        if await self.bot.member(f"telegram:{user}") is None:
            await self.say(user, f"/start {code}".strip())
            await self.press(user, "I understand")
        else:
            await self.say(user, "/profile")
        await self.say(user, name)
        await self.press(user, "Skip")
        await self.press(user, "Faith leader")
        await self.press(user, "Detention")
        await self.press(user, "Done")
        await self.press(user, "Northern Africa")
        await self.press(user, "Done")
        await self.press(user, "French")
        await self.press(user, "Done")
        await self.say(user, "Tunis")
        await self.press(user, "Skip")


def make_adapter(bot, api: FakeBotApi, settings: TelegramSettings | None = None) -> TelegramAdapter:
    """A Telegram adapter whose every Bot API call is answered by `api`."""
    request = RecordingRequest(api)
    return TelegramAdapter(bot.core, settings or TelegramSettings(token="123456:TEST-TOKEN"), request=request,
                           get_updates_request=request)


@pytest.fixture
async def tg(db_path):
    bot, db = await build_bot(db_path, make_network(admins=frozenset({f"telegram:{ADMIN}"})))
    api = FakeBotApi()
    adapter = make_adapter(bot, api)
    delivery = Outbox(bot.repos, bot.clock)
    delivery.register(adapter)
    bot.core.services.delivery = delivery
    await adapter.app.initialize()
    await adapter.publish_menus()
    harness = TelegramHarness(adapter, api, bot)
    yield harness
    await adapter.app.shutdown()
    await db.close()
    assert not api.violations, "calls that break the Bot API spec:\n" + "\n".join(api.violations)


async def test_onboarding_through_telegram_with_inline_keyboards(tg):
    texts = await tg.say(ADMIN, "/start")
    assert "Welcome to Test Network." in texts[0]
    _, buttons = tg.api.last_keyboard(ADMIN)
    assert [b["text"] for b in buttons][:2] == ["I understand — set up my profile", "Not now"]
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)
    await tg.join(ADMIN, "Amina")
    member = await tg.bot.member(f"telegram:{ADMIN}")
    assert member.profile_complete and member.timezone == "Africa/Tunis" and member.actor_kind == "faith-leader"


async def test_toggle_buttons_edit_their_message_in_place_and_every_press_is_answered(tg):
    await tg.join(ADMIN, "Amina")
    await tg.say(ADMIN, "/profile")
    await tg.press(ADMIN, "Themes")
    before = len(tg.api.calls)
    await tg.press(ADMIN, "Access to health")
    calls = tg.calls_since(before)
    assert calls == ["answerCallbackQuery", "editMessageText"]
    _, buttons = tg.api.last_keyboard(ADMIN)
    assert "✓ Access to health" in [b["text"] for b in buttons]
    presses = sum(1 for m, _ in tg.api.calls if m == "answerCallbackQuery")
    assert presses == len(tg.api.answered) and presses > 10


async def test_button_pressed_by_someone_else_or_forged_gets_a_short_answer_and_changes_nothing(tg):
    await tg.say(ADMIN, "/start")
    texts = await tg.press(ADMIN, "I understand", presser=BOB)
    assert texts == ["toast: This button is not meant for you."]
    assert await tg.bot.member(f"telegram:{BOB}") is None and await tg.bot.member(f"telegram:{ADMIN}") is None
    texts = await tg.press(ADMIN, "", data="forged-data")
    assert texts == ["toast: This button has expired. Send /help to start again."]


async def test_button_pressed_twice(tg):
    await tg.say(ADMIN, "/start")
    message_id, buttons = tg.api.last_keyboard(ADMIN)
    await tg.press(ADMIN, "I understand")
    await tg.feed(tg.api.press_update(ADMIN, buttons[0]["callback_data"], message_id=message_id))
    assert tg.api.calls[-1][0] == "answerCallbackQuery"
    assert tg.api.calls[-1][1]["text"] == "You already pressed this."
    assert (await tg.bot.repos.members.count()) == 1


async def test_markup_and_very_long_text_in_names_are_escaped_and_limited(tg):
    await tg.say(ADMIN, "/start")
    await tg.press(ADMIN, "I understand")
    texts = await tg.say(ADMIN, "<script>alert(1)</script> & <b>" + "x" * 5000)
    assert "too long (5031 characters)" in texts[0]
    texts = await tg.say(ADMIN, "<b>" + "x" * 100)
    assert "the most is 64" in texts[0]
    await tg.say(ADMIN, "/cancel")
    await tg.join(ADMIN, "<i>Amina</i> & co")
    texts = await tg.say(ADMIN, "/profile")
    raw = [p["text"] for m, p in tg.api.calls if m == "sendMessage"][-1]
    assert "&lt;i&gt;Amina&lt;/i&gt; &amp; co" in raw
    assert "<i>Amina</i> & co" in texts[-1]


async def test_export_arrives_as_a_document(tg):
    await tg.join(ADMIN, "Amina")
    before = len(tg.api.calls)
    await tg.say(ADMIN, "/export")
    documents = [p for m, p in tg.api.calls[before:] if m == "sendDocument"]
    assert len(documents) == 1 and documents[0]["_filename"].endswith(".json")


async def test_forget_with_a_confirm_button(tg):
    await tg.join(ADMIN, "Amina")
    await tg.say(ADMIN, "/forget")
    texts = await tg.press(ADMIN, "Yes, erase")
    assert any("has been erased" in t for t in texts)
    assert await tg.bot.member(f"telegram:{ADMIN}") is None


async def test_private_commands_in_a_group_answer_with_a_button_to_a_private_chat(tg):
    await tg.join(ADMIN, "Amina")
    before = len(tg.api.calls)
    await tg.say(ADMIN, f"/profile@{BOT_USERNAME}", chat=GROUP)
    sent = [p for m, p in tg.api.calls[before:] if m == "sendMessage"]
    assert len(sent) == 1 and int(sent[0]["chat_id"]) == GROUP
    assert "Amina" not in sent[0]["text"]
    button = sent[0]["reply_markup"]["inline_keyboard"][0][0]
    assert button["url"].startswith(f"https://t.me/{BOT_USERNAME}")
    before = len(tg.api.calls)
    await tg.say(ADMIN, "nice weather", chat=GROUP)
    assert tg.calls_since(before) == []


def _private_chat_link(tg, before: int) -> str:
    sent = [p for m, p in tg.api.calls[before:] if m == "sendMessage" and int(p["chat_id"]) == GROUP]
    return sent[-1]["reply_markup"]["inline_keyboard"][0][0]["url"]


async def test_the_private_chat_button_runs_the_command_sent_in_the_group_without_typing_it_again(tg):
    await tg.join(ADMIN, "Amina")
    before = len(tg.api.calls)
    await tg.say(ADMIN, f"/profile@{BOT_USERNAME}", chat=GROUP)
    link = _private_chat_link(tg, before)
    assert link == f"https://t.me/{BOT_USERNAME}?start=_profile"
    payload = link.split("?start=")[1]
    assert len(payload) <= 64 and all(c.isalnum() or c in "_-" for c in payload)  # Telegram's deep-link rules
    # Pressing Start in the private chat sends /start with the payload: the profile comes, nothing to type again.
    texts = await tg.say(ADMIN, f"/start {payload}")
    assert "Your profile" in texts[0] and "Amina" in texts[0]
    # What followed the command never goes into the link: it may be private, and the link is visible to all.
    before = len(tg.api.calls)
    await tg.say(ADMIN, "/commit Meet the mayor of Tunis by Friday", chat=GROUP)
    assert _private_chat_link(tg, before) == f"https://t.me/{BOT_USERNAME}?start=_commit"
    assert "What do you commit to doing?" in (await tg.say(ADMIN, "/start _commit"))[0]
    # An invite code sent in a group is not carried either: the button opens the private chat, nothing more.
    code = (await tg.say(ADMIN, "/invite"))[0].split("Invite code: ")[1].split()[0]
    before = len(tg.api.calls)
    await tg.say(BOB, f"/join {code}", chat=GROUP)
    assert _private_chat_link(tg, before) == f"https://t.me/{BOT_USERNAME}"


async def test_a_start_payload_is_never_taken_for_an_invite_code_nor_an_invite_code_for_a_payload(tg):
    await tg.join(ADMIN, "Amina")
    # A stranger opening a member's link is welcomed as at a plain /start: nothing is run, nothing stored.
    texts = await tg.say(BOB, "/start _profile")
    assert "invite-only" in texts[0] and await tg.bot.member(f"telegram:{BOB}") is None
    assert "not valid" not in texts[0]
    # A payload naming no command is a plain /start too.
    assert "Welcome back, Amina" in (await tg.say(ADMIN, "/start _nosuchthing"))[0]
    code = (await tg.say(ADMIN, "/invite"))[0].split("Invite code: ")[1].split()[0]
    assert "Welcome to Test Network." in (await tg.say(BOB, f"/start {code}"))[0]


async def test_invite_has_a_deep_link_that_starts_the_bot_with_the_code(tg):
    await tg.join(ADMIN, "Amina")
    texts = await tg.say(ADMIN, "/invite 1 2")
    code = texts[0].split("Invite code: ")[1].split()[0]
    assert f"https://t.me/{BOT_USERNAME}?start={code}" in texts[0]
    texts = await tg.say(BOB, f"/start {code}")  # what Telegram sends when the link is opened
    assert "Welcome to Test Network." in texts[0]


async def test_strangers_see_only_their_commands_and_each_member_gets_the_menu_of_their_role(tg):
    assert tg.api.menu() == ["start", "help", "join", "link", "language"]  # the default menu: what a stranger can use
    assert "promote" in tg.api.menu(ADMIN)
    await tg.join(ADMIN, "Amina")
    code = (await tg.say(ADMIN, "/invite"))[0].split("Invite code: ")[1].split()[0]
    await tg.join(BOB, "Bob", code)
    members_menu = tg.api.menu(BOB)  # given when Bob joined
    assert {"profile", "timezone", "commit", "commitments", "remind", "reminders", "export", "forget"} <= set(
        members_menu)
    assert not {"start", "join", "invite", "members", "block", "promote"} & set(members_menu)
    bob = await tg.bot.member(f"telegram:{BOB}")
    await tg.say(ADMIN, f"/promote #{bob.id}")
    assert "invite" in tg.api.menu(BOB) and "promote" not in tg.api.menu(BOB)
    assert any("You are now an organiser" in t for t in tg.api.texts(BOB))
    await tg.say(ADMIN, f"/demote #{bob.id}")
    assert tg.api.menu(BOB) == members_menu
    # Someone who erases their data leaves no member's or organiser's menu behind: their chat shows the default.
    await tg.say(ADMIN, f"/promote #{bob.id}")
    assert "invite" in tg.api.menu(BOB)
    await tg.say(BOB, "/forget")
    await tg.press(BOB, "Yes, erase")
    assert tg.api.menu(BOB) == []


async def test_members_who_joined_before_members_had_their_own_menu_get_it_once(tg, monkeypatch):
    import bot.telegram_adapter

    monkeypatch.setattr(bot.telegram_adapter, "MENU_CATCH_UP_PAUSE", 0)
    # Members from an earlier release: joined when the default menu was the members' one, so no menu of their own.
    for account in (BOB, CAROL):
        await tg.bot.repos.members.create("telegram", str(account), tg.bot.clock().timestamp().__int__())
    assert tg.api.menu(BOB) == [] and tg.api.menu(CAROL) == []
    await tg.adapter.catch_up_menus()
    assert "profile" in tg.api.menu(BOB) and "profile" in tg.api.menu(CAROL)
    before = len(tg.api.calls)
    await tg.adapter.catch_up_menus()  # the next start: nothing to do
    assert tg.calls_since(before) == []


async def test_a_blocked_bot_marks_the_person_unreachable_until_they_write_again(tg):
    await tg.join(ADMIN, "Amina")
    code = (await tg.say(ADMIN, "/invite"))[0].split("Invite code: ")[1].split()[0]
    await tg.join(BOB, "Bob", code)
    bob = await tg.bot.member(f"telegram:{BOB}")
    tg.api.forbidden_chats.add(BOB)
    await tg.say(ADMIN, f"/promote #{bob.id}")  # the notification meets a 403
    identities = await tg.bot.repos.members.identities(bob.id)
    assert identities[0].unreachable_since is not None
    tg.api.forbidden_chats.discard(BOB)
    await tg.say(BOB, "/help")
    assert (await tg.bot.repos.members.identities(bob.id))[0].unreachable_since is None


async def test_a_reply_over_4096_characters_is_split_at_line_boundaries(tg):
    from handlers.events import Button, Person, Reply
    from handlers.i18n import _, join_lines

    lines = [_("line {i}: {text}", i=i, text="<&> " * 20) for i in range(120)]
    reply = Reply(join_lines(*lines), buttons=((Button("Open", url="https://example.org"),),))
    before = len(tg.api.calls)
    await tg.adapter.send(Person("telegram", str(ADMIN)), reply)
    sent = [p for m, p in tg.api.calls[before:] if m == "sendMessage"]
    assert len(sent) == 3  # 120 lines of about 90 characters; the spec check holds each to 4096
    assert [("reply_markup" in p) for p in sent] == [False, False, True]
    shown = "\n".join(tg.api.texts(ADMIN)[-3:])
    assert all(f"line {i}: " in shown for i in range(120))
    assert all(t.split("\n")[0].startswith("line ") for t in tg.api.texts(ADMIN)[-3:])


async def test_group_privacy_warning_when_bot_can_read_all_group_messages(db_path, caplog):
    bot, db = await build_bot(db_path)
    api = FakeBotApi(can_read_all_group_messages=True)
    adapter = make_adapter(bot, api)
    adapter.app.updater.start_polling = _no_polling
    with caplog.at_level(logging.WARNING):
        await adapter.start()
    await adapter.stop()
    await db.close()
    assert "privacy mode is off" in caplog.text
    assert not api.violations


async def _no_polling(**kwargs):
    return None


async def test_webhook_mode_checks_the_secret_token_on_every_request(db_path):
    import httpx

    bot, db = await build_bot(db_path, make_network(open_registration=True))
    api = FakeBotApi()
    port = _free_port()
    adapter = make_adapter(bot, api, TelegramSettings(
        token="1:T", mode="webhook", webhook_url="https://bot.example.org/tg/hook", listen="127.0.0.1", port=port,
        secret_token="s3cret-token"))
    await adapter.start()
    try:
        assert api.webhook["url"] == "https://bot.example.org/tg/hook"
        assert api.webhook["secret_token"] == "s3cret-token"
        update = api.message_update(BOB, "/help")
        async with httpx.AsyncClient() as client:
            url = f"http://127.0.0.1:{port}/tg/hook"
            refused = await client.post(url, json=update)
            wrong = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
            accepted = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"})
        assert refused.status_code == 403 and wrong.status_code == 403
        assert accepted.status_code == 200
        for _ in range(100):
            if api.texts(BOB):
                break
            await asyncio.sleep(0.02)
        assert len(api.texts(BOB)) == 1 and "/start" in api.texts(BOB)[0]
    finally:
        await adapter.stop()
        await db.close()
    assert not api.violations


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_one_persons_quick_answers_are_handled_in_the_order_sent(tg):
    await tg.say(ADMIN, "/start")
    await tg.press(ADMIN, "I understand")
    app = tg.adapter.app
    first = Update.de_json(tg.api.message_update(ADMIN, "First answer"), app.bot)
    second = Update.de_json(tg.api.message_update(ADMIN, "Second answer"), app.bot)
    async with app.update_processor:
        await asyncio.gather(app.update_processor.process_update(first, app.process_update(first)),
                             app.update_processor.process_update(second, app.process_update(second)))
    member = await tg.bot.member(f"telegram:{ADMIN}")
    assert member.display_name == "First answer"  # the name question took the first message …
    assert member.organisation == "Second answer"  # … and the organisation question the second


async def test_an_answered_question_shows_its_answer_and_its_keyboard_goes(tg):
    """The question a member answered stays in the chat with the answer under it and no buttons, whether it was
    answered by typing or with a button; an answer not understood leaves it as it was."""
    await tg.join(ADMIN, "Amina")
    await tg.say(ADMIN, "/commit")
    asked, _buttons = tg.api.last_keyboard(ADMIN)
    await tg.say(ADMIN, "Map the <b>shelters</b> in Tunis")
    question = tg.api.messages[asked]
    assert question["text"].startswith("What do you commit to doing?")
    assert question["text"].endswith("→ Map the <b>shelters</b> in Tunis") and not question.get("reply_markup")
    due, _buttons = tg.api.last_keyboard(ADMIN)
    assert due != asked
    await tg.press(ADMIN, "In a week")
    assert tg.api.messages[due]["text"].endswith("→ In a week") and not tg.api.messages[due].get("reply_markup")
    theme, _buttons = tg.api.last_keyboard(ADMIN)
    await tg.say(ADMIN, "Astrophysics")  # not a theme: asked again below, and only the new copy has buttons
    again, _buttons = tg.api.last_keyboard(ADMIN)
    assert again != theme and "→" not in tg.api.messages[theme]["text"]
    assert not tg.api.messages[theme].get("reply_markup") and tg.api.messages[again].get("reply_markup")
    await tg.say(ADMIN, "/cancel")
    assert tg.api.messages[again]["text"].endswith("Cancelled.") and not tg.api.messages[again].get("reply_markup")
