"""Invites an organiser made stop with their role, organisers list and revoke the codes that still work, blocked
members are told, names must show, and /members and /help say exactly what applies to whoever asks."""

from __future__ import annotations

import dataclasses

from handlers.events import Person, Press
from tests.conftest import plain
from tests.test_roles import _code, _network, audit_actions


async def _organiser(bot, who: str, name: str) -> int:
    """`who` joins and is made an organiser by the admin; their member number."""
    await bot.join(who, code=await _code(bot), name=name)
    member = await bot.member(who)
    await bot.text("admin", f"/promote #{member.id}")
    return member.id


async def _joins(bot, who: str, code: str) -> bool:
    """Whether a stranger's /start with this code is let in (offered the privacy notice to accept)."""
    replies = await bot.say(who, f"/start {code}")
    return any(b.label.startswith("I understand") for r in replies for b in r.button_list())


def _told(bot, member_id: int) -> list[str]:
    return [plain([reply]) for mid, reply in bot.recorder.sent if mid == member_id]


# --- invites and the organisers who made them ---------------------------------------------------------------------


async def test_codes_made_by_an_organiser_stop_when_they_are_demoted(bot):
    await bot.join("admin", name="Amina")
    await _organiser(bot, "bea", "Bea")
    first, second = await _code(bot, "bea", "5"), await _code(bot, "bea", "5")
    kept = await _code(bot, "admin", "5")
    answer = await bot.text("admin", "/demote Bea")
    assert "no longer an organiser" in answer
    assert "The 2 invite codes they made that still worked no longer work." in answer
    assert not await _joins(bot, "joe", first) and not await _joins(bot, "kim", second)
    assert "not valid any more" in await bot.text("joe", f"/start {first}")
    assert await _joins(bot, "lou", kept)  # the admin's code still works
    await bot.text("admin", "/promote Bea")
    assert not await _joins(bot, "max", first)  # promoted again: the old codes stay stopped


async def test_codes_made_by_an_organiser_stop_when_they_are_blocked_or_leave(bot):
    await bot.join("admin", name="Amina")
    await _organiser(bot, "bea", "Bea")
    await _organiser(bot, "cem", "Cem")
    bea_code, cem_code = await _code(bot, "bea", "1"), await _code(bot, "cem", "1")
    assert "The invite code they made that still worked no longer works." in await bot.text("admin", "/block Bea")
    assert not await _joins(bot, "joe", bea_code)
    await bot.say("cem", "/forget")
    await bot.press("cem", "Yes, erase")
    assert not await _joins(bot, "kim", cem_code)


async def test_organisers_list_the_codes_that_work_and_revoke_one_once(bot):
    await bot.join("admin", name="Amina")  # Europe/Paris
    await _organiser(bot, "bea", "Bea")  # with invite #1 (10 uses, 14 days)
    await _code(bot, "admin", "1 7")  # #2
    used = await _code(bot, "admin", "1 7")  # #3
    await bot.join("joe", code=used)  # used up: no longer listed
    leaked = await _code(bot, "bea", "3 2")  # #4
    listing = await bot.text("admin", "/invites")
    assert "#2 · made by #1 Amina on Monday 23 November 2026 · 1 use left · until Monday 30 November 2026, 10:00 " \
           "(Europe/Paris, UTC+01:00)" in listing
    assert "#4 · made by #2 Bea on Monday 23 November 2026 · 3 uses left · until Wednesday 25 November 2026, " \
           "10:00 (Europe/Paris" in listing
    assert "#1 · made by #1 Amina on Monday 23 November 2026 · 9 uses left" in listing
    assert "#3 ·" not in listing and leaked not in listing
    assert bot.labels("admin") == ["Revoke #4", "Revoke #2", "Revoke #1"]  # soonest to expire first
    revoke = [b for b in bot.last["admin"].button_list() if b.label == "Revoke #4"][0]
    assert "only organisers" in (await bot.text("joe", "/invites")).lower()
    other = plain(await bot.core.handle_press(Press(Person("console", "joe"), revoke.token)))
    assert "not meant for you" in other
    await bot.say("bea", "/invites")  # Bea sees it too, with her own button
    assert "Invite #4 is revoked" in await bot.press_text("admin", "Revoke #4")
    assert "already pressed" in plain(await bot.core.handle_press(Press(Person("console", "admin"), revoke.token)))
    assert "no longer works" in await bot.press_text("bea", "Revoke #4")  # too late: nothing changes
    assert not await _joins(bot, "kim", leaked)
    assert "#4 ·" not in await bot.text("admin", "/invites")
    assert (await audit_actions(bot)).count("invite.revoke") == 1


async def test_a_revoke_button_stops_working_for_an_organiser_who_was_demoted(bot):
    await bot.join("admin", name="Amina")
    await _organiser(bot, "bea", "Bea")
    await _code(bot, "admin", "2")  # #2 (#1 let Bea join)
    await bot.say("bea", "/invites")
    await bot.text("admin", "/demote Bea")
    assert "can no longer use this button" in await bot.press_text("bea", "Revoke #2")
    assert "#2 ·" in await bot.text("admin", "/invites")


async def test_the_invite_reply_counts_its_uses_and_gives_the_expiry_in_the_organisers_zone(bot):
    await bot.join("admin", name="Amina")  # Europe/Paris; it is 10:00 there
    once = await bot.text("admin", "/invite 1 7")
    assert "It works once, until Monday 30 November 2026, 10:00 (Europe/Paris, UTC+01:00)." in once
    assert "It works 3 times, until" in await bot.text("admin", "/invite 3 7")
    network = bot.core.services.network
    bot.core.services.network = dataclasses.replace(network, invite_default_uses=1, invite_default_days=1)
    assert "Without numbers: 1 use, 1 day." in await bot.text("admin", "/invite 1 2 3")


# --- blocking ----------------------------------------------------------------------------------------------------


async def test_a_blocked_member_is_told_in_neutral_words_and_so_is_one_unblocked(bot):
    bob, _carol = await _network(bot)
    answer = await bot.text("admin", "/block Bob")
    assert "They are told that their access is suspended, not by whom." in answer
    told = _told(bot, bob.id)
    assert len(told) == 1 and "Your access to Test Network is suspended by its organisers" in told[0]
    assert "/export" in told[0] and "Amina" not in told[0]
    assert "told that their access is restored" in await bot.text("admin", "/unblock Bob")
    told = _told(bot, bob.id)
    assert len(told) == 2 and "Your access to Test Network is restored" in told[1] and "Amina" not in told[1]


# --- names and /members --------------------------------------------------------------------------------------------


async def test_a_name_or_organisation_with_nothing_visible_is_refused(open_bot):
    bot = open_bot
    await bot.say("zed", "/start")
    await bot.press("zed", "I understand")
    for invisible in ("\u200b", "\u200b\u200d\u2060", "\u3164", "\u2800 \u115f", "\u0301"):
        assert "at least one visible character" in await bot.text("zed", invisible)
        assert (await bot.member("zed")).display_name is None
    assert "Which organisation" in await bot.text("zed", "Zed\u200b")  # something shows: accepted as typed
    assert "at least one visible character" in await bot.text("zed", "\u200b\u200c")  # the organisation
    await bot.join("admin", name="Amina")
    assert "#1 Zed" in await bot.text("admin", "/members")


async def test_a_name_stored_before_names_had_to_show_is_listed_as_no_visible_name(bot):
    await bot.join("admin", name="Amina")
    await bot.join("bob", code=await _code(bot), name="Bob")
    bob = await bot.member("bob")
    await bot.repos.members.set_field(bob.id, "display_name", "\u200b\u200b", 0)
    assert f"#{bob.id} (no visible name) — member" in await bot.text("admin", "/members")


async def test_members_matching_a_name_are_counted_as_such(bot):
    await _network(bot)
    for name in ("Pia", "Piano", "Ola"):
        await bot.join(name.lower(), code=await _code(bot), name=name)
    found = await bot.text("admin", "/members pia")
    assert "Members matching “pia”: 2 of 6" in found and "in all" not in found
    assert "Members (6 in all)" in await bot.text("admin", "/members")
    assert "Members matching “theme:Access to health”: 6 of 6" in \
        await bot.text("admin", "/members theme:Access to health")


# --- /help -----------------------------------------------------------------------------------------------------------


async def test_help_shows_each_person_only_the_options_they_may_use(bot):
    bob, _carol = await _network(bot)
    member = await bot.text("bob", "/help")
    assert "/commitments [number | network [theme:" in member and "network|all" not in member
    assert "/partners —" in member and "gaps" not in member
    assert "Organisers" not in await bot.text("bob", "/commitments everything")
    await bot.text("admin", f"/promote #{bob.id}")
    organiser = await bot.text("bob", "/help")
    assert "/commitments [number | network|all [theme:" in organiser and "/partners [gaps]" in organiser
    assert "/invites" in organiser
