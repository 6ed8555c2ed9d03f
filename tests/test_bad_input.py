"""Inputs that once crashed a handler get a clear answer that changes nothing; every number people type is read
in one place (`handlers.arguments.number`), in any script's decimal digits, within range.

The world is test_fuzz's: members #1 admin (Amina), #2 bob, #3 carla (blocked), #4 dina (organiser); Bob's
commitments #4 and #5; sessions #1 (Bob follows it) and #2 (cancelled); broadcast #1.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.console import ConsoleAdapter
from handlers.arguments import MAX_NUMBER, number
from handlers.events import Press
from tests.conftest import plain
from tests.test_fuzz import World


@pytest.fixture
async def world(tmp_path: Path):
    built = await World.build(tmp_path)
    yield built
    await built.db.close()


def test_numbers_are_decimal_digits_of_any_script_and_nothing_else():
    for typed in ("12", "012", "١٢", "۱۲", "１２", "१२"):
        assert number(typed) == 12, typed
    for typed in ("", "²", "¹²", "①②", "½", "Ⅻ", "-12", "+12", "1_2", "1.2", "1,2", " 12", "12 ", "1e2", "0x1"):
        assert number(typed) is None, typed
    assert number(str(MAX_NUMBER)) == MAX_NUMBER
    assert number(str(MAX_NUMBER + 1)) is None  # past what SQLite stores: like no number at all
    assert number("9" * 5000) is None
    assert number("0") is None and number("0", low=0) == 0
    assert number("1440", high=1440) == 1440 and number("1441", high=1440) is None


async def test_a_partner_search_with_only_a_note_or_a_language_asks_for_a_theme_like_partner_alone(world):
    bot = world.bot
    plain_question = await bot.say("bob", "/partner")
    for command in ("/partner note:looking for a journalist", "/partner language:French"):
        replies = await bot.say("bob", command)
        assert [str(r.text) for r in replies] == [str(r.text) for r in plain_question]
        assert bot.labels("bob") == [b.label for b in plain_question[0].button_list()]
    await bot.say("bob", "/partner note:looking for a journalist")
    await bot.press("bob", "Access to health")
    found = await bot.press_text("bob", "Any region")
    assert "People who may partner with you" in found and "Your note: looking for a journalist" in found


@pytest.mark.parametrize(("who", "command", "answer"), [
    ("bob", "/remind every ² days call the town hall", "I couldn't read a time in that."),
    ("bob", "/subscriptions remind:²", "How many minutes before a session? A whole number from 1 to 1440"),
    ("bob", "/subscriptions remind:99999999999999999999", "How many minutes before a session?"),
    ("bob", "/progress ² Venue booked", "You have no commitment #². Send /commitments to see yours."),
    ("bob", "/progress 99999999999999999999 x", "You have no commitment #99999999999999999999."),
    ("bob", "/session ²", "There is no session #²."),
    ("bob", "/subscribe 9223372036854775808", "There is no session #9223372036854775808."),
    ("admin", "/broadcast status ²", "There is no broadcast #². /broadcast status lists the recent ones."),
    ("admin", "/broadcast cancel ¹", "There is no broadcast #¹."),
    ("admin", "/broadcast status 99999999999999999999", "There is no broadcast #99999999999999999999."),
    ("admin", "/editsession ² venue:Elsewhere", "There is no session #²."),
    ("admin", "/promote #99999999999999999999", "No member matches “#99999999999999999999”."),
    ("admin", "/invite ²", "The number of uses must be a whole number from 1 to 1000."),
])
async def test_digits_that_are_not_numbers_and_numbers_out_of_range_get_a_clear_answer(world, who, command, answer):
    # The broadcast has gone out: mark it so, as any /broadcast status does first.
    await world.bot.repos.broadcasts.finish(int(world.bot.clock().timestamp()))
    before = await _state(world)
    text = await world.bot.text(who, command)
    assert answer in text
    assert "Something went wrong" not in text
    assert await _state(world) == before


@pytest.mark.parametrize(("who", "command", "answer"), [
    ("bob", "/subscriptions remind:٣٠", "You will be reminded 30 minutes before each session you follow."),
    ("bob", "/remind every ٣ days call the town hall", "every 3 days at 09:00"),
    ("bob", "/progress ٤ Venue booked", "Noted on #4."),
    ("bob", "/session １", "#1 Radio workshop"),
    ("admin", "/broadcast status #١", "#1 ·"),
    ("admin", "/invite ٣ ٧", "It works 3 times"),
])
async def test_numbers_typed_in_other_scripts_count_at_their_value(world, who, command, answer):
    assert answer in await world.bot.text(who, command)


async def test_a_button_token_with_a_forged_index_is_an_expired_button(world):
    bot = world.bot
    await bot.say("bob", "/reminders")
    token = bot.last["bob"].button_list()[0].token
    for index in ("²", "99999999999999999999", "-1", ""):
        replies = await bot.core.handle_press(Press(bot.person("bob"), token.partition(".")[0] + "." + index))
        assert plain(replies) == "This button has expired. Send /help to start again."
    arabic = await bot.core.handle_press(Press(bot.person("bob"), token.partition(".")[0] + ".٠"))
    assert "is cancelled" in plain(arabic)  # the same button as ".0"


async def test_the_console_presses_only_buttons_that_are_there(world):
    out = io.StringIO()
    console = ConsoleAdapter(world.bot.core, out)
    await console.handle_line("/as bob")
    await console.handle_line("/reminders")
    for typed in ("²", "99999999999999999999", "0", "2", "-1"):
        await console.handle_line(f"/press {typed}")
        assert out.getvalue().rstrip().endswith("Usage: /press N — N from 1 to 1."), typed
    await console.handle_line("/press ١")
    assert "is cancelled. It will not fire again." in out.getvalue()


async def test_halves_of_surrogate_pairs_are_read_as_replacement_characters(world):
    bot = world.bot
    assert "No member matches" in await bot.text("admin", "/members \ud800")
    await bot.say("bob", "/progress 4")
    assert "Noted on #4" in await bot.text("bob", "Venue \udfff booked \ud83d\ude00")
    notes = await bot.repos.commitments.notes(4)
    assert [n.text for n in notes] == ["Venue \ufffd booked \U0001f600"]


async def _state(world: World) -> list:
    tables = ("commitments", "commitment_notes", "broadcasts", "invites", "members", "reminders", "sessions",
              "session_subscriptions", "session_settings", "schedule", "audit")
    return [list(map(tuple, await world.bot.repos.db.fetch_all(f"SELECT * FROM {table} ORDER BY 1")))
            for table in tables]
