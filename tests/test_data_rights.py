"""Export and erase: a member gets everything the bot holds about them, and after /forget no row refers to them."""

from __future__ import annotations

import json

from tests.conftest import plain


async def _code(bot) -> str:
    return (await bot.text("admin", "/invite")).split("Invite code: ")[1].split()[0]


async def tables(bot) -> list[str]:
    return [r[0] for r in await bot.repos.db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")]


async def dump_database(bot) -> list[tuple[str, tuple]]:
    """Every row of every table, as (table, values)."""
    return [(table, tuple(r)) for table in await tables(bot)
            for r in await bot.repos.db.fetch_all(f"SELECT * FROM {table}")]


async def member_references(bot) -> list[tuple[str, str]]:
    """Every (table, column) that points at members.id, from the schema's foreign keys."""
    return [(table, fk["from"]) for table in await tables(bot)
            for fk in await bot.repos.db.fetch_all(f"PRAGMA foreign_key_list({table})") if fk["table"] == "members"]


async def test_the_export_file_is_named_after_the_members_own_date(bot):
    await bot.join("admin", name="Amina")
    await bot.say("admin", "/timezone Pacific/Auckland")
    bot.clock.advance(hours=3)  # 12:00 UTC on 23 November: already 01:00 on the 24th in Auckland
    replies = await bot.say("admin", "/export")
    assert replies[0].attachment.filename == "solidarity-export-20261124.json"


async def test_export_holds_the_whole_profile_as_json(bot):
    await bot.join("admin", name="Amina")
    await bot.text("admin", "/invite 3 5")
    replies = await bot.say("admin", "/export")
    attachment = replies[0].attachment
    assert attachment.filename.startswith("solidarity-export-") and attachment.filename.endswith(".json")
    data = json.loads(attachment.content)
    assert data["profile"]["display_name"] == "Amina"
    assert data["profile"]["contact_for_partners"] == "Signal: +33 6 00 00 00 00"
    assert data["profile"]["themes"] == ["access-to-health"]
    assert data["accounts"] == [{"platform": "console", "account_id": "admin",
                                 "linked_at": data["accounts"][0]["linked_at"]}]
    assert data["invites_created"][0]["uses_left"] == 3
    assert {"at", "action", "by_you", "about_you"} <= set(data["audit_trail"][0])


async def test_export_does_not_reveal_which_organiser_acted_on_me(bot):
    await bot.join("admin", name="Amina")
    await bot.join("bob", code=await _code(bot), name="Bob")
    bob = await bot.member("bob")
    await bot.text("admin", f"/block #{bob.id}")
    data = json.loads((await bot.say("bob", "/export"))[0].attachment.content)
    block = [e for e in data["audit_trail"] if e["action"] == "member.block"][0]
    assert block == {"at": block["at"], "action": "member.block", "by_you": False, "about_you": True}
    assert "Amina" not in json.dumps(data)


async def test_export_counts_the_button_sets_shown_to_me_and_no_one_else(bot):
    await bot.join("admin", name="Amina")
    await bot.join("bob", code=await _code(bot), name="Bob")
    before = json.loads((await bot.say("bob", "/export"))[0].attachment.content)["buttons_waiting"]
    await bot.say("bob", "/profile")  # one set of buttons for bob
    await bot.say("admin", "/profile")  # and one for someone else
    after = json.loads((await bot.say("bob", "/export"))[0].attachment.content)["buttons_waiting"]
    assert after == before + 1


async def test_forget_asks_first_and_keeps_everything_on_no(bot):
    await bot.join("admin", name="Amina")
    text = await bot.text("admin", "/forget")
    assert "cannot be undone" in text
    assert "Nothing was erased" in await bot.press_text("admin", "No, keep")
    assert await bot.member("admin") is not None


async def test_after_forget_no_row_refers_to_the_member(bot):
    await bot.join("admin", name="Amina")
    await bot.join("bob", code=await _code(bot), name="Bobby Unique", contact="Threema: BOBUNIQUE")
    bob = await bot.member("bob")
    await bot.text("admin", f"/promote #{bob.id}")
    await bot.text("bob", "/invite 2 3")
    await bot.text("admin", f"/demote #{bob.id}")
    await bot.say("bob", "/profile")
    await bot.press("bob", "Themes")  # leaves a conversation and buttons behind
    await bot.say("bob", "/forget")
    text = await bot.press_text("bob", "Yes, erase")
    assert "has been erased" in text
    assert await bot.member("bob") is None
    references = await member_references(bot)
    assert ("identities", "member_id") in references and ("audit", "subject_id") in references
    for table, column in references:
        row = await bot.repos.db.fetch_one(f"SELECT count(*) FROM {table} WHERE {column} = ?", (bob.id,))
        assert row[0] == 0, f"{table}.{column} still refers to the member"
    everything = repr(await dump_database(bot))
    for trace in ("Bobby Unique", "BOBUNIQUE", "'bob'"):
        assert trace not in everything
    audience_hashes = {await bot.repos.buttons.audience(k) for k in (f"member:{bob.id}", "console:bob")}
    assert not any(h in everything for h in audience_hashes)
    # the network still works for others and the audit trail keeps what organisers did, anonymised
    actions = [(e.action, e.subject_id) for e in await bot.repos.audit.recent(50)]
    assert ("member.promote", None) in actions


async def test_erased_data_is_not_left_in_the_database_file(bot, db_path):
    await bot.join("admin", name="Amina")
    await bot.say("admin", "/profile")
    await bot.press("admin", "Name")
    await bot.say("admin", "Zanzibar-Quokka-Name")
    await bot.say("admin", "/forget")
    await bot.press("admin", "Yes, erase")
    raw = db_path.read_bytes() + (db_path.with_name(db_path.name + "-wal").read_bytes()
                                  if db_path.with_name(db_path.name + "-wal").exists() else b"")
    assert b"Zanzibar-Quokka-Name" not in raw


async def test_forget_button_pressed_twice_or_by_someone_else(bot):
    await bot.join("admin", name="Amina")
    await bot.join("bob", code=await _code(bot), name="Bob")
    await bot.say("bob", "/forget")
    bot.last["admin"] = bot.last["bob"]
    assert "not meant for you" in await bot.press_text("admin", "Yes, erase")
    assert await bot.member("bob") is not None
    forget_message = bot.last["bob"]
    await bot.press("bob", "Yes, erase")
    bot.last["bob"] = forget_message
    text = await bot.press_text("bob", "Yes, erase")
    assert "expired" in text or "already" in text
    assert await bot.member("admin") is not None


async def test_a_forgotten_member_can_rejoin_as_new(open_bot):
    await open_bot.join("joe", name="Joe")
    first = await open_bot.member("joe")
    await open_bot.say("joe", "/forget")
    await open_bot.press("joe", "Yes, erase")
    text = plain(await open_bot.say("joe", "/start"))
    assert "Welcome to Test Network" in text
    await open_bot.join("joe", name="Joe again")
    assert (await open_bot.member("joe")).id != first.id


async def test_export_holds_the_conversations_answers_as_data_and_nothing_about_others(bot):
    await bot.join("admin", name="Amina")
    await bot.join("bob", code=await _code(bot), name="Bob")
    await bot.join("carla", code=await _code(bot), name="Carla")
    text = await bot.text("bob", "/partner theme:Access to health region:Western Europe note:Fact-checking")
    assert "Amina" in text and "Carla" in text  # the pick screen waiting for Bob names them
    await bot.press("bob", "Carla")
    data = json.loads((await bot.say("bob", "/export"))[0].attachment.content)
    conversation = data["conversation"]
    assert (conversation["flow"], conversation["step"]) == ("partner", "pick")
    assert conversation["answers_so_far"] == {"search_number": conversation["answers_so_far"]["search_number"],
                                              "people_ticked": 1}
    shown = json.dumps(conversation, ensure_ascii=False)
    assert "Amina" not in shown and "Carla" not in shown and "<" not in shown

    await bot.say("bob", "/commit Run a workshop by 15 March theme:Detention")
    conversation = json.loads((await bot.say("bob", "/export"))[0].attachment.content)["conversation"]
    assert conversation["step"] == "region"
    assert conversation["answers_so_far"] == {"what": "Run a workshop", "due_at": "2027-03-15T09:00:00+00:00",
                                              "theme": "detention"}
