"""Joining: the privacy notice comes first, nothing is stored before consent, invites open a closed network."""

from __future__ import annotations

from handlers.i18n import available_languages
from handlers.languages import own_name
from tests.conftest import plain


async def table_counts(bot) -> dict[str, int]:
    counts = {}
    async with bot.repos.db.transaction() as conn:
        async with conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cur:
            tables = [r[0] for r in await cur.fetchall()]
        for table in tables:
            async with conn.execute(f"SELECT count(*) FROM {table}") as cur:
                counts[table] = (await cur.fetchone())[0]
    return counts


async def test_stranger_in_closed_network_is_told_it_is_invite_only_and_nothing_is_stored(bot):
    before = await table_counts(bot)
    text = await bot.text("joe", "/start")
    assert "invite-only" in text
    assert "/start" in text
    assert await table_counts(bot) == before
    assert await bot.member("joe") is None


async def test_admin_from_config_sees_privacy_notice_before_anything_is_stored(bot):
    replies = await bot.say("admin", "/start")
    text = plain(replies)
    assert "Welcome to Test Network" in text
    assert "not end-to-end encrypted" in text
    assert "/export" in text and "/forget" in text
    others = [own_name(code) for code in available_languages() if code != "en"]  # to read it in
    assert bot.labels("admin") == ["I understand — set up my profile", "Not now", *others]
    assert await bot.member("admin") is None
    counts = await table_counts(bot)
    assert counts["members"] == 0 and counts["identities"] == 0


async def test_not_now_stores_nothing(bot):
    await bot.say("admin", "/start")
    text = await bot.press_text("admin", "Not now")
    assert "nothing about you was stored" in text
    assert await bot.member("admin") is None


async def test_consent_creates_member_and_starts_guided_profile(bot):
    await bot.say("admin", "/start")
    text = await bot.press_text("admin", "I understand")
    assert "Step 1 of 8" in text
    member = await bot.member("admin")
    assert member is not None and not member.profile_complete


async def test_consent_button_pressed_twice_creates_one_member(bot):
    await bot.say("admin", "/start")
    reply = bot.last["admin"]
    await bot.press("admin", "I understand")
    bot.last["admin"] = reply
    text = await bot.press_text("admin", "I understand")
    assert "already pressed" in text
    assert (await bot.repos.members.count()) == 1


async def test_someone_else_cannot_press_my_consent_button(bot):
    await bot.say("admin", "/start")
    bot.last["mallory"] = bot.last["admin"]
    text = await bot.press_text("mallory", "I understand")
    assert "not meant for you" in text
    assert await bot.member("mallory") is None
    assert await bot.member("admin") is None


async def test_forged_or_unknown_button_token_changes_nothing(bot):
    from handlers.events import Person, Press

    replies = await bot.core.handle_press(Press(Person("console", "joe"), "forged-token-123"))
    assert "expired" in plain(replies)
    replies = await bot.core.handle_press(Press(Person("console", "joe"), "x" * 500))
    assert "expired" in plain(replies)
    assert await bot.repos.members.count() == 0


async def test_full_guided_profile(bot):
    await bot.join("admin", name="Amina")
    member = await bot.member("admin")
    assert member.display_name == "Amina"
    assert member.actor_kind == "journalist-or-media"
    assert member.themes == ("access-to-health",)
    assert [r.name for r in member.regions] == ["western-europe"]
    assert member.languages == ("en",)
    assert member.timezone == "Europe/Paris"
    assert member.contact == "Signal: +33 6 00 00 00 00"
    assert member.organisation is None


async def test_invite_code_lets_a_stranger_join_and_is_used_up(bot):
    await bot.join("admin")
    text = await bot.text("admin", "/invite 1 7")
    code = text.split("Invite code: ")[1].split()[0]
    assert len(code) == 10
    await bot.say("bob", f"/start {code}")
    await bot.press("bob", "I understand")
    assert await bot.member("bob") is not None
    text = await bot.text("carol", f"/start {code}")
    assert "not valid any more" in text
    assert await bot.member("carol") is None


async def test_an_invite_says_when_it_ends_in_the_organisers_own_time_zone(bot):
    await bot.join("admin")  # in Europe/Paris; the clock says 09:00 UTC, 10:00 in Paris
    text = await bot.text("admin", "/invite 3 7")
    code = text.split("Invite code: ")[1].split()[0]
    assert (f"It works 3 times, until Monday 30 November 2026, 10:00 (Europe/Paris, UTC+01:00). A new member sends "
            f"/start {code} to the bot.") in text
    await bot.say("admin", "/timezone America/Bogota")
    text = await bot.text("admin", "/invite 1 1")
    assert "It works once, until Tuesday 24 November 2026, 04:00 (America/Bogota, UTC-05:00)." in text


async def test_an_invite_code_given_the_way_discord_writes_it_works_anywhere(bot):
    await bot.join("admin")
    code = (await bot.text("admin", "/invite")).split("Invite code: ")[1].split()[0]
    assert "Welcome to Test Network" in await bot.text("bob", f"/join code:{code}")


async def test_invite_code_typed_in_lower_case_with_dashes_works(bot):
    await bot.join("admin")
    text = await bot.text("admin", "/invite")
    code = text.split("Invite code: ")[1].split()[0]
    messy = f"{code[:5].lower()}-{code[5:]}"
    text = await bot.text("bob", f"/start {messy}")
    assert "Welcome to Test Network" in text


async def test_expired_invite_is_refused(bot):
    await bot.join("admin")
    code = (await bot.text("admin", "/invite 5 1")).split("Invite code: ")[1].split()[0]
    bot.clock.advance(days=1, seconds=1)
    text = await bot.text("bob", f"/start {code}")
    assert "not valid any more" in text


async def test_invite_used_up_between_notice_and_consent(bot):
    await bot.join("admin")
    code = (await bot.text("admin", "/invite 1")).split("Invite code: ")[1].split()[0]
    await bot.say("bob", f"/start {code}")
    await bot.say("carol", f"/start {code}")
    await bot.press("bob", "I understand")
    text = await bot.press_text("carol", "I understand")
    assert "used up or expired" in text
    assert await bot.member("carol") is None


async def test_open_registration_needs_no_invite(open_bot):
    text = await open_bot.text("joe", "/start")
    assert "Welcome to Test Network" in text


async def test_start_again_resumes_unfinished_profile(bot):
    await bot.say("admin", "/start")
    await bot.press("admin", "I understand")
    await bot.say("admin", "Amina")
    text = await bot.text("admin", "/start")
    assert "finish your profile" in text
    assert "Step 2 of 8" in text


async def test_member_with_finished_profile_is_welcomed_back(bot):
    await bot.join("admin", name="Amina")
    text = await bot.text("admin", "/start")
    assert "Welcome back, Amina" in text


async def test_markup_in_a_name_is_shown_literally(bot):
    await bot.join("admin", name="<b>Boss</b> & co")
    replies = await bot.say("admin", "/profile")
    raw = "\n".join(str(r.text) for r in replies)
    assert "&lt;b&gt;Boss&lt;/b&gt; &amp; co" in raw
    assert "<b>Boss</b> & co" in plain(replies)
