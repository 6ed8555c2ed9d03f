"""Roles, invites and blocking: admins make organisers, organisers invite and block, every act is audited."""

from __future__ import annotations

from storage.members import Region


async def _code(bot, who="admin", args="") -> str:
    return (await bot.text(who, f"/invite {args}".strip())).split("Invite code: ")[1].split()[0]


async def _network(bot):
    await bot.join("admin", name="Amina")
    await bot.join("bob", code=await _code(bot), name="Bob")
    await bot.join("carol", code=await _code(bot), name="Carol")
    return await bot.member("bob"), await bot.member("carol")


async def audit_actions(bot) -> list[str]:
    return [e.action for e in reversed(await bot.repos.audit.recent(100))]


async def test_admin_promotes_member_who_is_told_and_can_then_invite(bot):
    bob, _ = await _network(bot)
    assert "Only organisers" in await bot.text("bob", "/invite")
    text = await bot.text("admin", f"/promote #{bob.id}")
    assert f"#{bob.id} Bob is now an organiser" in text
    assert any(mid == bob.id and "now an organiser" in str(r.text) for mid, r in bot.recorder.sent)
    assert "Invite code" in await bot.text("bob", "/invite")
    assert "member.promote" in await audit_actions(bot)


async def test_the_member_acted_on_is_told_in_their_own_language(bot):
    bob, carol = await _network(bot)
    await bot.text("bob", "/language es")
    await bot.text("carol", "/language fr")
    assert "is now an organiser" in await bot.text("admin", f"/promote #{bob.id}")  # the admin's own language
    await bot.text("admin", f"/block #{carol.id}")
    told = {mid: (str(r.text), r.language) for mid, r in bot.recorder.sent if mid in (bob.id, carol.id)}
    assert told[bob.id][0].startswith("Ahora usted forma parte del equipo organizador") and told[bob.id][1] == "es"
    assert told[carol.id][1] == "fr" and "Send /help" not in told[carol.id][0]


async def test_promote_by_exact_name_and_demote(bot):
    bob, _ = await _network(bot)
    await bot.text("admin", "/promote bob")
    assert (await bot.member("bob")).role == "organiser"
    text = await bot.text("admin", "/demote Bob")
    assert "no longer an organiser" in text
    assert (await bot.member("bob")).role == "member"
    assert (await audit_actions(bot))[-2:] == ["member.promote", "member.demote"]


async def test_promote_without_argument_or_unknown_member_explains_and_changes_nothing(bot):
    await _network(bot)
    before = await audit_actions(bot)
    assert "Usage: /promote" in await bot.text("admin", "/promote")
    assert "No member matches" in await bot.text("admin", "/promote #999")
    assert "No member matches" in await bot.text("admin", "/promote Nobody")
    assert await audit_actions(bot) == before


async def test_promoting_twice_says_so_and_audits_once(bot):
    bob, _ = await _network(bot)
    await bot.text("admin", f"/promote #{bob.id}")
    assert "already an organiser" in await bot.text("admin", f"/promote #{bob.id}")
    assert (await audit_actions(bot)).count("member.promote") == 1


async def test_members_cannot_promote_and_organisers_cannot_either(bot):
    bob, carol = await _network(bot)
    assert "Only admins" in await bot.text("bob", f"/promote #{carol.id}")
    await bot.text("admin", f"/promote #{bob.id}")
    assert "Only admins" in await bot.text("bob", f"/promote #{carol.id}")
    assert (await bot.member("carol")).role == "member"


async def test_admin_cannot_be_demoted(bot):
    await _network(bot)
    admin = await bot.member("admin")
    assert "admins are set in the configuration" in await bot.text("admin", f"/demote #{admin.id}")


async def test_ambiguous_name_asks_for_the_number(bot):
    await bot.join("admin", name="Amina")
    await bot.join("bob", code=await _code(bot), name="Sam")
    await bot.join("carol", code=await _code(bot), name="Sam")
    text = await bot.text("admin", "/promote Sam")
    assert "Several members are called Sam" in text
    assert (await bot.member("bob")).role == "member" and (await bot.member("carol")).role == "member"


async def test_organiser_blocks_member_who_can_then_only_export_or_forget(bot):
    bob, carol = await _network(bot)
    await bot.text("admin", f"/promote #{bob.id}")
    text = await bot.text("bob", f"/block #{carol.id}")
    assert "is blocked" in text
    assert "suspended" in await bot.text("carol", "/profile")
    assert "suspended" in await bot.text("carol", "hello")
    replies = await bot.say("carol", "/export")
    assert replies[0].attachment is not None
    assert "Erase everything" in await bot.text("carol", "/forget")
    help_text = await bot.text("carol", "/help")
    assert "/export" in help_text and "/profile" not in help_text
    assert "member.block" in await audit_actions(bot)
    await bot.text("bob", f"/unblock #{carol.id}")
    assert "Your profile" in await bot.text("carol", "/profile")


async def test_organiser_cannot_block_another_organiser_or_an_admin_or_themself(bot):
    bob, carol = await _network(bot)
    await bot.text("admin", f"/promote #{bob.id}")
    await bot.text("admin", f"/promote #{carol.id}")
    admin = await bot.member("admin")
    assert "higher role" in await bot.text("bob", f"/block #{carol.id}")
    assert "higher role" in await bot.text("bob", f"/block #{admin.id}")
    assert "yourself" in await bot.text("bob", f"/block #{bob.id}")
    assert not (await bot.member("carol")).blocked


async def test_blocked_member_cannot_use_old_buttons(bot):
    bob, carol = await _network(bot)
    await bot.say("carol", "/profile")
    await bot.text("admin", f"/block #{carol.id}")
    assert "suspended" in await bot.press_text("carol", "Name")


async def test_invite_arguments_are_checked(bot):
    await bot.join("admin")
    for uses in ("five", "0", "²", "-3", "1_000", "99999999999999999999"):
        assert "uses must be a whole number from 1 to 1000" in await bot.text("admin", f"/invite {uses}")
    assert "days must be a whole number from 1 to 365" in await bot.text("admin", "/invite 3 400")
    assert "Usage: /invite" in await bot.text("admin", "/invite 1 2 3")
    assert "invite.create" not in await audit_actions(bot)


async def test_members_list_shows_numbers_roles_and_blocks(bot):
    bob, carol = await _network(bot)
    await bot.text("admin", f"/block #{carol.id}")
    text = await bot.text("admin", "/members")
    assert f"#{bob.id} Bob — member" in text
    assert f"#{carol.id} Carol — member, blocked" in text
    assert "admin" in text
    assert "Bob" in await bot.text("admin", "/members bo")
    assert "Carol" not in await bot.text("admin", "/members bo")
    assert "Only organisers" in await bot.text("bob", "/members")


async def test_members_can_be_found_by_theme_and_region(bot):
    bob, carol = await _network(bot)
    await bot.repos.members.set_themes(carol.id, ["detention"], 0)
    await bot.repos.members.set_regions(bob.id, [Region("Lyon", True)], 0)
    text = await bot.text("admin", "/members theme:Detention")
    assert "Carol" in text and "Bob" not in text and "Amina" not in text
    text = await bot.text("admin", "/members theme:access to health region:Western Europe")
    assert "Amina" in text and "Carol" not in text and "Bob" not in text
    assert "Bob" in await bot.text("admin", "/members region:lyon")
    assert "No member matches" in await bot.text("admin", "/members car theme:access-to-health region:lyon")
    text = await bot.text("admin", "/members theme:Cooking")
    assert "no theme “Cooking”" in text and "Detention" in text


async def test_suggestions_while_typing_follow_the_roles(bot):
    from handlers.suggest import suggestions

    bob, _ = await _network(bot)
    core, admin, member, stranger = bot.core, bot.person("admin"), bot.person("bob"), bot.person("joe")
    assert ("Detention", "detention") in await suggestions(core, member, "theme", "det")
    assert [label for label, _ in await suggestions(core, member, "region", "africa")] == [
        "Northern Africa", "Sub-Saharan Africa"]
    assert await suggestions(core, stranger, "theme", "") == []  # strangers learn nothing about the network
    assert ("Africa/Nairobi", "Africa/Nairobi") in await suggestions(core, stranger, "timezone", "nairobi")
    assert await suggestions(core, member, "member", "Ca") == []  # only organisers may look members up
    assert ("Carol (#3)", "#3") in await suggestions(core, admin, "member", "Ca")


async def test_help_lists_commands_by_role(bot):
    bob, _ = await _network(bot)
    stranger = await bot.text("joe", "/help")
    assert "/start" in stranger and "/join" in stranger and "/profile" not in stranger
    member = await bot.text("bob", "/help")
    assert "/start" not in member and "/join" not in member  # nothing to join any more
    assert "/profile" in member and "/export" in member and "/invite" not in member and "/promote" not in member
    await bot.text("admin", f"/promote #{bob.id}")
    organiser = await bot.text("bob", "/help")
    assert "/invite" in organiser and "/block" in organiser and "/promote" not in organiser
    admin = await bot.text("admin", "/help")
    assert "/promote" in admin and "/demote" in admin


async def test_private_commands_in_a_group_redirect_to_a_private_chat(bot):
    await bot.join("admin")
    replies = await bot.say("admin", "/profile", private=False)
    assert replies[0].private_redirect
    assert "private chat" in str(replies[0].text)
    assert not (await bot.say("admin", "just chatting", private=False))


async def test_unknown_commands_and_overlong_messages_get_a_clear_answer(bot):
    await bot.join("admin")
    assert "I don't know /frobnicate" in await bot.text("admin", "/frobnicate")
    text = await bot.text("admin", "x" * 10_000)
    assert "too long (10000 characters)" in text
    assert "/help" in await bot.text("admin", "hello there")
