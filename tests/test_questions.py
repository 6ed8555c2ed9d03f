"""The engine of guided questions, as members meet it in /commit: an answered question shows its answer and loses
its buttons, a question asked again keeps its buttons, presses of a question already answered or of someone else
change nothing, Cancel and /cancel leave nothing half-way, and the buttons carry typed payloads."""

from __future__ import annotations

import pytest

from handlers.core import Role, Router, Routes
from handlers.core.questions import Flow, Picked
from tests.conftest import make_network, plain


async def _asked(bot, who: str, command: str) -> None:
    await bot.join(who, name=who.capitalize())
    await bot.say(who, command)


async def test_a_question_answered_with_a_button_shows_the_answer_and_loses_its_buttons(bot):
    await _asked(bot, "admin", "/commit Map the shelters")
    replies = await bot.press("admin", "In a week")
    answered, following = replies[0], replies[-1]
    assert answered.edit and not answered.buttons
    assert "By when will you do it?" in plain([answered]) and plain([answered]).endswith("→ In a week")
    assert "Which theme" in plain([following]) and following.buttons and not following.edit


async def test_a_typed_answer_replaces_the_question_where_the_platform_showed_it(bot):
    await _asked(bot, "admin", "/commit")
    [question] = await bot.say("admin", "/commit")
    assert question.question is not None and question.asks == "Your commitment"
    # The adapter sent it and says where (its own reference); the typed answer then comes back in its place.
    await bot.core.question_shown(bot.person("admin"), question.question, "console:admin:17")
    replies = await bot.say("admin", "Map the <b>shelters</b>")
    assert replies[0].replaces == "console:admin:17" and not replies[0].buttons
    assert plain([replies[0]]).endswith("→ Map the <b>shelters</b>")  # escaped, as typed
    assert "By when" in plain(replies[1:])


async def test_an_answer_not_understood_asks_the_same_question_whose_buttons_still_work(bot):
    await _asked(bot, "admin", "/commit Map the shelters by next Friday")
    [question] = [r for r in await bot.say("admin", "/commit Map the shelters by next Friday") if r.buttons]
    await bot.core.question_shown(bot.person("admin"), question.question, "console:admin:18")
    replies = await bot.say("admin", "Astrophysics")
    # Refused: the earlier copy loses its buttons but shows no answer, and the same question is asked below it.
    assert [r.replaces for r in replies] == ["console:admin:18", None]
    assert not replies[0].buttons and "→" not in plain([replies[0]])
    assert "None of the network's themes matches “Astrophysics”" in plain(replies[1:])
    assert replies[1].question == question.question
    bot.last["admin"] = question
    assert "Which region" in plain(await bot.press("admin", "Detention"))  # the first message's buttons work


async def test_presses_of_an_answered_question_or_of_someone_else_change_nothing(bot):
    await _asked(bot, "admin", "/commit Map the shelters")
    await bot.join("bob", name="Bob", code=(await bot.text("admin", "/invite 5")).split("Invite code: ")[1].split()[0])
    await bot.say("admin", "/commit Map the shelters")
    question = bot.last["admin"]
    assert "not meant for you" in await bot.press_text("admin", "In a week", presser="bob")
    await bot.press("admin", "In a week")
    bot.last["admin"] = question
    assert "already been answered" in await bot.press_text("admin", "In a month")
    conversation = await bot.repos.conversations.get((await bot.member("admin")).id)
    assert conversation.step == "theme"  # the stale press moved nothing


async def test_cancel_button_and_cancel_command_end_the_flow_and_say_what_was_kept(bot):
    await _asked(bot, "admin", "/commit Map the shelters")
    replies = await bot.press("admin", "Cancel")
    assert replies[0].edit and "Nothing was registered" in plain(replies)
    assert await bot.repos.conversations.get((await bot.member("admin")).id) is None
    [question] = [r for r in await bot.say("admin", "/commit Map the shelters") if r.buttons]
    await bot.core.question_shown(bot.person("admin"), question.question, "console:admin:19")
    replies = await bot.say("admin", "/cancel")
    assert replies[0].replaces == "console:admin:19" and plain([replies[0]]).endswith("Cancelled.")
    assert not replies[0].buttons and "Nothing was registered" in plain(replies[1:])
    assert "nothing to cancel" in await bot.text("admin", "/cancel")
    assert await bot.repos.commitments.for_member((await bot.member("admin")).id) == []


async def test_pages_of_choices_turn_in_place_and_keep_the_question(bot):
    await bot.join("admin", name="Amina")
    bot.core.services.network = make_network(themes=[f"Theme {i:02}" for i in range(45)])
    await bot.say("admin", "/commit Map the shelters by next Friday")
    assert "Page 1 of 3" in plain([bot.last["admin"]])
    turned = await bot.press("admin", "More ›")
    assert [r.edit for r in turned] == [True] and "Page 2 of 3" in plain(turned)
    assert "Theme 20" in bot.labels("admin") and "Theme 00" not in bot.labels("admin")
    assert "Which region" in plain(await bot.press("admin", "Theme 21"))


async def test_a_button_whose_payload_no_longer_fits_its_action_has_expired(bot):
    await _asked(bot, "admin", "/commit Map the shelters")
    member = await bot.member("admin")
    await bot.repos.buttons.store_set("old", f"member:{member.id}", [("commit:pick", {"n": "x", "s": "due"}, False)],
                                      bot.core.services.clock().timestamp() + 3600)
    from handlers.events import Press

    replies = await bot.core.handle_press(Press(bot.person("admin"), "old.0"))
    assert "expired" in plain(replies)


def test_a_flow_step_or_flow_declared_twice_is_an_error_at_start_up():
    router = Router("twice")
    flow = Flow(router, "ask", stale="Stale.")

    @flow.step("one")
    async def one(ctx, conversation): ...

    with pytest.raises(ValueError, match="declared twice"):
        flow.step("one")(one)
    other = Router("other")
    Flow(other, "ask", stale="Stale.", role=Role.ORGANISER)
    with pytest.raises(ValueError, match="declared by more than one router"):
        Routes([router, other])
    assert Picked("n", "one", "v") == Picked(nonce="n", step="one", value="v")


async def test_a_button_made_with_a_payload_its_action_does_not_declare_is_refused(bot):
    await bot.join("admin", name="Amina")
    ctx = bot.core.member_context(await bot.member("admin"))
    with pytest.raises(TypeError, match="carry a CommitmentRef"):
        await ctx.button("Done", "commitment.done", {"c": 1})
    with pytest.raises(TypeError, match="carry nothing"):
        await ctx.button("Keep", "data.keep", Picked("n", "s", "v"))


async def test_answers_typed_into_one_form_answer_the_questions_in_turn(bot):
    from handlers.events import Incoming

    await bot.join("admin", name="Amina")
    [question] = await bot.say("admin", "/commit")
    assert question.asks == "Your commitment" and question.form == ("By when (or leave empty)",)
    replies = await bot.core.handle_message(Incoming(bot.person("admin"), "Map the shelters", more=("next Friday",)))
    assert "By when:" in plain(replies) and "Which theme" in plain(replies)
    assert "What do you commit to" not in plain(replies) and "By when will you do it" not in plain(replies)
    await bot.say("admin", "/cancel")
    await bot.say("admin", "/commit")
    replies = await bot.core.handle_message(Incoming(bot.person("admin"), "Map the shelters", more=("yesterday",)))
    assert "By when will you do it" in plain(replies)  # not a date to come: asked on its own, saying why
    conversation = await bot.repos.conversations.get((await bot.member("admin")).id)
    assert conversation.step == "due" and conversation.data["what"] == "Map the shelters"
