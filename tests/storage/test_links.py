"""LinkRepository: one-time codes that join a member's accounts on several platforms, and the count of wrong ones."""

from __future__ import annotations

import pytest

from storage.links import ATTEMPT_WINDOW, CODE_LIFETIME, KEEP_SPENT, code_hash, well_formed


async def test_a_code_is_valid_for_ten_minutes_and_a_new_one_replaces_it(backend, clock, join):
    ada = await join("1", platform="telegram")
    code, record = await backend.links.create(ada.id, "telegram", now=clock.now)
    assert well_formed(code) and well_formed(f"{code[:4].lower()} {code[4:]}")
    assert (record.member_id, record.platform, record.created_at, record.expires_at, record.used_at) == (
        ada.id, "telegram", clock.now, clock.now + CODE_LIFETIME, None)
    assert await backend.links.find(code.lower()) == record
    assert await backend.links.by_hash(code_hash(code)) == record
    assert record.state(now=clock.later(seconds=CODE_LIFETIME - 1)) == "valid"
    assert record.state(now=clock.later(seconds=CODE_LIFETIME)) == "expired"
    newer, _ = await backend.links.create(ada.id, "telegram", now=clock.advance(minutes=1))
    assert await backend.links.find(code) is None  # an unused earlier code stops working
    assert [c.code_hash for c in await backend.links.for_member(ada.id)] == [code_hash(newer)]
    assert await backend.links.find("ABCDEFGHJK") is None


async def test_joining_an_account_of_a_stranger(backend, clock, join):
    ada = await join("1", platform="telegram")
    code, record = await backend.links.create(ada.id, "telegram", now=clock.now)
    result = await backend.links.join(record.code_hash, kept_member_id=ada.id, platform="discord", external_id="2",
                                      replaced_member_id=None, forget_audiences=[], now=clock.advance(minutes=1))
    assert result == "linked"
    assert sorted((await backend.members.get(ada.id)).accounts) == ["discord:2", "telegram:1"]
    assert (await backend.members.by_identity("discord", "2")).id == ada.id
    assert (await backend.links.find(code)).state(now=clock.now) == "used"
    assert (await backend.links.find(code)).used_at == clock.now
    entry = (await backend.audit.recent(1))[0]
    assert (entry.action, entry.actor_id, entry.detail) == ("member.link", ada.id, "platforms=discord")


async def test_joining_accounts_moves_them_and_erases_the_other_member_in_one_go(backend, clock, join):
    kept = await join("1", platform="telegram")
    other = await join("2", "Gone-Name", platform="discord")
    audience = await backend.buttons.audience("discord:2")
    token = await backend.buttons.issue("discord:2", "profile.edit", {}, single_use=False,
                                        expires_at=clock.later(days=1))
    code, record = await backend.links.create(kept.id, "telegram", now=clock.now)
    result = await backend.links.join(record.code_hash, kept_member_id=kept.id, platform="discord", external_id="2",
                                      replaced_member_id=other.id, forget_audiences=[audience], now=clock.now)
    assert result == "linked"
    assert sorted((await backend.members.get(kept.id)).accounts) == ["discord:2", "telegram:1"]
    assert await backend.members.get(other.id) is None
    assert await backend.members.find_by_name("Gone-Name") == []
    assert await backend.buttons.resolve(token, now=clock.now) is None  # what was shown to the other member went
    again = await backend.links.join(record.code_hash, kept_member_id=kept.id, platform="discord", external_id="3",
                                     replaced_member_id=None, forget_audiences=[], now=clock.now)
    assert again == "code" and await backend.members.by_identity("discord", "3") is None
    entry = (await backend.audit.recent(1))[0]
    assert (entry.action, entry.actor_id) == ("member.link", kept.id)
    assert entry.detail == f"platforms=discord replaced={other.id}"


async def test_what_stops_a_join_changes_nothing(backend, clock, join):
    kept = await join("1", platform="telegram")
    owner = await join("2", platform="discord")
    code, record = await backend.links.create(kept.id, "telegram", now=clock.now)

    async def joining(**changes) -> str:
        args = dict(kept_member_id=kept.id, platform="discord", external_id="2", replaced_member_id=owner.id,
                    forget_audiences=[], now=clock.now) | changes
        return await backend.links.join(record.code_hash, **args)

    assert await joining(replaced_member_id=None) == "changed"  # the account has an owner the caller did not expect
    assert await joining(external_id="9") == "changed"
    assert await joining(platform="telegram", external_id="9", replaced_member_id=None) == "platform"
    assert await joining(kept_member_id=owner.id) == "code"  # not the code's member
    assert await joining(now=clock.later(seconds=CODE_LIFETIME)) == "code"
    async with backend.db.transaction() as conn:
        await backend.members.set_blocked_in(conn, kept.id, True, clock.now)
    assert await joining() == "blocked"
    assert (await backend.links.find(code)).state(clock.now) == "valid"
    assert (await backend.members.get(kept.id)).accounts == ("telegram:1",)
    assert (await backend.members.get(owner.id)).accounts == ("discord:2",)
    assert await backend.audit.recent() == []


async def test_a_member_has_at_most_one_account_per_platform(backend, clock, join):
    kept = await join("1", platform="telegram")
    _code, record = await backend.links.create(kept.id, "discord", now=clock.now)  # issued on discord
    result = await backend.links.join(record.code_hash, kept_member_id=kept.id, platform="telegram",
                                      external_id="9", replaced_member_id=None, forget_audiences=[], now=clock.now)
    assert result == "platform"
    assert await backend.links.unlink(kept.id, "telegram", forget_audiences=[], now=clock.now) == "last"
    assert await backend.links.unlink(kept.id, "discord", forget_audiences=[], now=clock.now) == "missing"
    assert (await backend.members.get(kept.id)).accounts == ("telegram:1",)


async def test_unlinking_leaves_the_account_a_strangers_and_notifications_on_the_rest(backend, clock, join):
    ada = await join("1", platform="telegram")
    _code, record = await backend.links.create(ada.id, "telegram", now=clock.now)
    await backend.links.join(record.code_hash, kept_member_id=ada.id, platform="discord", external_id="2",
                             replaced_member_id=None, forget_audiences=[], now=clock.now)
    await backend.members.set_notify_on(ada.id, "discord", now=clock.now)
    token = await backend.buttons.issue("discord:2", "profile.edit", {}, single_use=False,
                                        expires_at=clock.later(days=1))
    assert await backend.links.unlink(ada.id, "discord", forget_audiences=[await backend.buttons.audience("discord:2")],
                                      now=clock.advance(minutes=1)) == "unlinked"
    assert await backend.members.by_identity("discord", "2") is None
    loaded = await backend.members.get(ada.id)
    assert loaded.accounts == ("telegram:1",) and loaded.notify_on == "all"
    assert await backend.buttons.resolve(token, now=clock.now) is None
    entry = (await backend.audit.recent(1))[0]
    assert (entry.action, entry.actor_id, entry.detail) == ("member.unlink", ada.id, "platform=discord")


async def test_wrong_codes_are_counted_per_account_for_an_hour(backend, clock):
    start = clock.now
    assert await backend.links.record_wrong("discord:5", now=start) == 1
    assert await backend.links.record_wrong("discord:5", now=start + 100) == 2
    assert await backend.links.record_wrong("telegram:5", now=start + 100) == 1
    assert await backend.links.wrong_attempts("discord:5", now=start + 100) == [start, start + 100]
    assert await backend.links.wrong_attempts("discord:5", now=start + ATTEMPT_WINDOW) == [start + 100]
    assert await backend.links.record_wrong("discord:5", now=start + ATTEMPT_WINDOW) == 2
    assert await backend.links.account_key("discord:5") == await backend.links.account_key("discord:5")
    assert await backend.links.account_key("discord:5") != await backend.links.account_key("telegram:5")
    assert "discord:5" not in await backend.links.account_key("discord:5")
    async with backend.db.transaction() as conn:
        await backend.links.forget_accounts_in(conn, [await backend.links.account_key("discord:5")])
    assert await backend.links.wrong_attempts("discord:5", now=start + ATTEMPT_WINDOW) == []
    assert await backend.links.wrong_attempts("telegram:5", now=start + 100) == [start + 100]


async def test_spent_codes_and_old_attempts_are_purged(backend, clock, join):
    ada = await join("1", platform="telegram")
    code, record = await backend.links.create(ada.id, "telegram", now=clock.now)
    await backend.links.record_wrong("discord:5", now=clock.now)
    await backend.links.purge(now=record.expires_at + KEEP_SPENT - 1)
    assert await backend.links.find(code) is not None  # kept a day, so a late try gets a clear answer
    await backend.links.purge(now=record.expires_at + KEEP_SPENT)
    assert await backend.links.find(code) is None and await backend.links.for_member(ada.id) == []
    assert await backend.links.wrong_attempts("discord:5", now=clock.now) == []


async def test_erasing_a_member_takes_their_codes(backend, clock, join):
    ada = await join("1", platform="telegram")
    code, _ = await backend.links.create(ada.id, "telegram", now=clock.now)
    async with backend.db.transaction() as conn:
        await backend.members.delete_in(conn, ada.id)
    assert await backend.links.find(code) is None and await backend.links.for_member(ada.id) == []


@pytest.mark.parametrize("text, expected", [("ABCDEFGHJK", True), ("abcde-fghjk", True), ("ABCDEFGHJ", False),
                                            ("ABCDEFGHJ0", False), ("ABCDEFGHJKL", False)])
def test_what_could_be_a_code(text, expected):
    assert well_formed(text) is expected
