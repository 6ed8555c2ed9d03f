"""The profile: every part can be changed later; bad answers are refused without storing anything."""

from __future__ import annotations

from handlers.events import Press
from tests.conftest import build_bot, make_network, plain


async def test_profile_shows_every_part(bot):
    await bot.join("admin", name="Amina")
    text = await bot.text("admin", "/profile")
    for expected in ("Name: Amina", "Organisation: —", "Kind of actor: Journalist or media",
                     "Themes: Access to health", "Regions: Western Europe", "Languages: English",
                     "Time zone: Europe/Paris, now 10:00", "Signal: +33", "Role: admin"):
        assert expected in text
    assert bot.labels("admin") == ["Name", "Organisation", "Kind of actor", "Themes", "Regions", "Languages",
                                   "Time zone", "Contact for partners", "Quiet hours"]
    assert "Quiet hours: 22:00–08:00 your time" in text


async def test_change_name(bot):
    await bot.join("admin", name="Amina")
    await bot.say("admin", "/profile")
    await bot.press("admin", "Name")
    text = await bot.text("admin", "  Amina   K.  ")
    assert "Name: Amina K." in text
    assert (await bot.member("admin")).display_name == "Amina K."


async def test_overlong_or_empty_name_is_refused_and_old_name_kept(bot):
    await bot.join("admin", name="Amina")
    await bot.say("admin", "/profile")
    await bot.press("admin", "Name")
    assert "the most is 64" in await bot.text("admin", "A" * 65)
    assert "Please type some text" in await bot.text("admin", "\u202e\u0007  ")
    assert (await bot.member("admin")).display_name == "Amina"


async def test_direction_override_characters_are_removed_from_names(bot):
    await bot.join("admin", name="Amina")
    await bot.say("admin", "/profile")
    await bot.press("admin", "Name")
    await bot.say("admin", "\u202eanimA أمينة")
    assert (await bot.member("admin")).display_name == "animA أمينة"


async def test_toggling_themes_edits_the_message_in_place_and_saves_on_done(bot):
    await bot.join("admin")
    await bot.say("admin", "/profile")
    await bot.press("admin", "Themes")
    replies = await bot.press("admin", "Detention")
    assert replies[0].edit
    assert "✓ Detention" in bot.labels("admin")
    assert "✓ Access to health" in bot.labels("admin")
    await bot.press("admin", "Access to health")
    assert (await bot.member("admin")).themes == ("access-to-health",)  # nothing saved before Done
    await bot.press("admin", "Done")
    assert (await bot.member("admin")).themes == ("detention",)


async def test_done_with_nothing_chosen_is_refused(bot):
    await bot.join("admin")
    await bot.say("admin", "/profile")
    await bot.press("admin", "Themes")
    await bot.press("admin", "Access to health")
    text = await bot.press_text("admin", "Done")
    assert "at least one theme" in text
    assert (await bot.member("admin")).themes == ("access-to-health",)


async def test_typed_city_becomes_a_free_region(bot):
    await bot.join("admin")
    await bot.say("admin", "/profile")
    await bot.press("admin", "Regions")
    text = await bot.text("admin", "Lyon")
    assert "Added Lyon" in text
    assert "✓ Lyon" in bot.labels("admin")
    await bot.press("admin", "Done")
    regions = (await bot.member("admin")).regions
    assert [(r.name, r.free) for r in regions] == [("western-europe", False), ("Lyon", True)]
    assert "Regions: Western Europe; Lyon" in await bot.text("admin", "/profile")


async def test_typed_languages_are_added_and_unknown_ones_named(bot):
    await bot.join("admin")
    await bot.say("admin", "/profile")
    await bot.press("admin", "Languages")
    text = await bot.text("admin", "French, Klingonese")
    assert "Added French" in text
    assert "Klingonese" in text
    await bot.press("admin", "Done")
    assert (await bot.member("admin")).languages == ("en", "fr")


async def test_time_zone_from_a_city_name(bot):
    await bot.join("admin")
    await bot.say("admin", "/profile")
    await bot.press("admin", "Time zone")
    text = await bot.text("admin", "Nairobi")
    assert "Africa/Nairobi" in text
    assert (await bot.member("admin")).timezone == "Africa/Nairobi"


async def test_ambiguous_place_offers_time_zones_to_pick(bot):
    await bot.join("admin")
    await bot.say("admin", "/profile")
    await bot.press("admin", "Time zone")
    await bot.say("admin", "Mexico")
    assert len(bot.labels("admin")) > 1
    choice = bot.labels("admin")[0].split(" ")[0]
    await bot.press("admin", choice)
    assert (await bot.member("admin")).timezone == choice


async def test_unknown_place_is_explained_and_zone_kept(bot):
    await bot.join("admin")
    await bot.say("admin", "/profile")
    await bot.press("admin", "Time zone")
    assert "couldn't find a time zone" in await bot.text("admin", "Qwxyzzyville")
    assert (await bot.member("admin")).timezone == "Europe/Paris"


async def test_remove_contact_and_cancel_edit(bot):
    await bot.join("admin")
    await bot.say("admin", "/profile")
    await bot.press("admin", "Contact")
    await bot.press("admin", "Remove it")
    assert (await bot.member("admin")).contact is None
    await bot.press("admin", "Organisation")
    text = await bot.press_text("admin", "Cancel")
    assert "Nothing was changed" in text


async def test_button_of_an_answered_question_changes_nothing(bot):
    await bot.say("admin", "/start")
    await bot.press("admin", "I understand")
    await bot.say("admin", "Amina")
    await bot.press("admin", "Skip")
    kind_question = bot.last["admin"]
    await bot.press("admin", "Journalist")
    bot.last["admin"] = kind_question
    text = await bot.press_text("admin", "Faith leader")
    assert "already been answered" in text
    assert (await bot.member("admin")).actor_kind == "journalist-or-media"


async def test_typing_instead_of_pressing_a_kind_is_explained(bot):
    await bot.say("admin", "/start")
    await bot.press("admin", "I understand")
    await bot.say("admin", "Amina")
    await bot.press("admin", "Skip")
    assert "choose one of the buttons" in await bot.text("admin", "journalist")


async def test_cancel_during_setup_keeps_answers_and_profile_resumes(bot):
    await bot.say("admin", "/start")
    await bot.press("admin", "I understand")
    await bot.say("admin", "Amina")
    assert "paused" in await bot.text("admin", "/cancel")
    assert "answer commands" in await bot.text("admin", "random words")
    text = plain(await bot.say("admin", "/profile"))
    assert "Step 2 of 8" in text and "Which organisation" in text  # where the member stopped
    assert (await bot.member("admin")).display_name == "Amina"


async def test_setup_resumes_at_the_first_question_left_unanswered(bot):
    await bot.say("admin", "/start")
    await bot.press("admin", "I understand")
    await bot.say("admin", "Amina")
    await bot.say("admin", "/cancel")  # at step 2, the organisation
    text = plain(await bot.say("admin", "/start"))
    assert "Step 2 of 8" in text and "Which organisation" in text
    await bot.press("admin", "Skip")
    await bot.press("admin", "Journalist")
    await bot.say("admin", "/cancel")  # at step 4: the skipped organisation is not asked again
    text = plain(await bot.say("admin", "/start"))
    assert "Step 4 of 8" in text and "Which themes" in text


async def test_ticking_never_moves_a_choice(bot):
    await bot.join("admin")
    await bot.say("admin", "/profile")
    await bot.press("admin", "Languages")
    before = [label.removeprefix("✓ ") for label in bot.labels("admin")]
    assert before[:4] == ["English", "French", "Spanish", "Arabic"]
    await bot.press("admin", "Arabic")
    await bot.press("admin", "English")  # unticked: it stays where it was
    after = bot.labels("admin")
    assert after[:4] == ["English", "French", "Spanish", "✓ Arabic"]
    assert [label.removeprefix("✓ ") for label in after[:-2]] == before[:-2]
    await bot.say("admin", "Wolof")  # typed: added at the end
    assert bot.labels("admin")[-3:] == ["✓ Wolof", "Done (2 chosen)", "Cancel"]
    await bot.press("admin", "Done")
    assert (await bot.member("admin")).languages == ("ar", "wo")

    await bot.say("admin", "/language en")  # Arabic first: the bot now writes in Arabic; back to English
    await bot.say("admin", "/profile")
    await bot.press("admin", "Regions")
    await bot.say("admin", "Lyon")
    await bot.say("admin", "Dakar")
    await bot.press("admin", "Lyon")  # unticked: still offered, in its place
    assert bot.labels("admin")[-4:] == ["Lyon", "✓ Dakar", "Done (2 chosen)", "Cancel"]


async def test_a_long_list_of_themes_is_paged_and_ticks_survive_turning_pages(db_path):
    themes = [f"Theme {i:03d}" for i in range(1, 61)]  # 60 themes: more than one message can carry
    bot, db = await build_bot(db_path, make_network(themes=themes))
    try:
        await bot.say("admin", "/start")
        await bot.press("admin", "I understand")
        await bot.say("admin", "Amina")
        await bot.press("admin", "Skip")
        replies = await bot.press("admin", "Journalist")
        assert "Page 1 of 3" in plain(replies)
        toggles = [b for b in bot.last["admin"].button_list() if b.selected is not None]
        assert len(toggles) == 24 and toggles[0].label == "Theme 001"
        assert "More ›" in bot.labels("admin") and not any("Previous" in b for b in bot.labels("admin"))
        await bot.press("admin", "Theme 002")
        replies = await bot.press("admin", "More")
        assert replies[0].edit and "Page 2 of 3" in plain(replies)
        await bot.press("admin", "Theme 030")
        await bot.press("admin", "More")
        assert [b.label for b in bot.last["admin"].button_list() if b.selected is not None][-1] == "Theme 060"
        await bot.press("admin", "Previous")
        await bot.press("admin", "Previous")
        assert "✓ Theme 002" in bot.labels("admin")  # still ticked after turning pages
        assert "Done (2 chosen)" in bot.labels("admin")
        await bot.press("admin", "Done")
        assert (await bot.member("admin")).themes == ("theme-002", "theme-030")
        # A page button from a question already answered changes nothing.
        stale = await bot.core.handle_press(Press(bot.person("admin"), toggles[0].token))
        assert "already been answered" in plain(stale)
    finally:
        await db.close()


async def test_timezone_command_sets_the_zone_from_a_city_or_offers_candidates(bot):
    await bot.join("admin", name="Amina")
    text = await bot.text("admin", "/timezone Nairobi")
    assert "Time zone set to Africa/Nairobi" in text and "Time zone: Africa/Nairobi" in text
    assert (await bot.member("admin")).timezone == "Africa/Nairobi"
    text = await bot.text("admin", "/timezone Nowhere-at-all-xyz")
    assert "couldn't find a time zone" in text
    assert (await bot.member("admin")).timezone == "Africa/Nairobi"  # unchanged
    text = await bot.text("admin", "/timezone")
    assert "What is your time zone?" in text and "Cancel" in bot.labels("admin")
    await bot.say("admin", "Europe/Lisbon")
    assert (await bot.member("admin")).timezone == "Europe/Lisbon"


async def test_quiet_hours_are_changed_in_the_profile_and_bad_hours_are_refused(bot):
    await bot.join("admin", name="Amina")
    await bot.say("admin", "/profile")
    await bot.press("admin", "Quiet hours")
    assert "two times such as 22:00-08:00" in await bot.text("admin", "25:00-07:00")
    assert "the same" in await bot.text("admin", "07:00-07:00")
    assert (await bot.member("admin")).quiet_start is None  # nothing changed
    text = await bot.text("admin", "23:30 - 7h15")
    assert "Quiet hours: 23:30–07:15 your time" in text
    member = await bot.member("admin")
    assert (member.quiet_start, member.quiet_end) == (23 * 60 + 30, 7 * 60 + 15)
    await bot.press("admin", "Quiet hours")
    assert "Quiet hours: none" in plain(await bot.press("admin", "No quiet hours"))
    await bot.press("admin", "Quiet hours")
    await bot.press("admin", "Default")
    assert (await bot.member("admin")).quiet_start is None
