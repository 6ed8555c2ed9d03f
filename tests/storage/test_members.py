"""MemberRepository: members, their accounts on each platform, their profile and who they are to the network."""

from __future__ import annotations

import pytest

from storage.members import Region


async def test_a_profile_reads_back_as_it_was_written(backend, clock, join):
    ada = await join("ada")
    assert (ada.role, ada.blocked, ada.profile_complete, ada.display_name) == ("member", False, False, None)
    assert ada.consented_at == ada.created_at == clock.now
    assert ada.accounts == ("console:ada",)
    for field, value in (("display_name", "Ada"), ("organisation", "Cimade"), ("actor_kind", "journalist"),
                         ("timezone", "Europe/Paris"), ("contact", "Signal: +33 6")):
        await backend.members.set_field(ada.id, field, value, now=clock.advance(seconds=1))
    await backend.members.set_themes(ada.id, ["detention", "data"], now=clock.now)
    await backend.members.set_regions(ada.id, [Region("oceania", False), Region("Lyon", True)], now=clock.now)
    await backend.members.set_languages(ada.id, ["fr", "en", "ar"], now=clock.now)
    await backend.members.set_quiet_hours(ada.id, 21 * 60, 7 * 60, now=clock.now)
    await backend.members.set_notify_on(ada.id, "telegram", now=clock.now)
    await backend.members.mark_complete(ada.id, now=clock.advance(seconds=1))
    loaded = await backend.members.get(ada.id)
    assert (loaded.display_name, loaded.organisation, loaded.actor_kind, loaded.timezone, loaded.contact) == (
        "Ada", "Cimade", "journalist", "Europe/Paris", "Signal: +33 6")
    assert loaded.themes == ("data", "detention")  # themes in order of name
    assert loaded.regions == (Region("oceania", False), Region("Lyon", True))  # the network's first, then typed
    assert loaded.languages == ("fr", "en", "ar")  # as the member ordered them: the first is preferred
    assert (loaded.quiet_start, loaded.quiet_end, loaded.notify_on) == (21 * 60, 7 * 60, "telegram")
    assert loaded.profile_complete and loaded.updated_at == clock.now and loaded.created_at == ada.created_at
    assert await backend.members.by_identity("console", "ada") == loaded


async def test_lists_are_replaced_as_a_whole(backend, clock, join):
    ada = await join("ada")
    await backend.members.set_themes(ada.id, ["a", "b"], now=clock.now)
    await backend.members.set_themes(ada.id, ["c"], now=clock.now)
    await backend.members.set_regions(ada.id, [Region("x", False)], now=clock.now)
    await backend.members.set_regions(ada.id, [], now=clock.now)
    await backend.members.set_languages(ada.id, ["en", "fr"], now=clock.now)
    await backend.members.set_languages(ada.id, ["fr", "en"], now=clock.now)
    loaded = await backend.members.get(ada.id)
    assert (loaded.themes, loaded.regions, loaded.languages) == (("c",), (), ("fr", "en"))


async def test_only_profile_fields_can_be_set_one_by_one(backend, clock, join):
    ada = await join("ada")
    with pytest.raises(ValueError):
        await backend.members.set_field(ada.id, "role", "organiser", now=clock.now)
    with pytest.raises(ValueError):
        await backend.members.set_notify_on(ada.id, "", now=clock.now)
    assert (await backend.members.get(ada.id)).role == "member"


async def test_an_account_belongs_to_one_member_at_most(backend, engine, clock, join):
    ada = await join("ada")
    with pytest.raises(engine.refused):
        await backend.members.create("console", "ada", now=clock.now)
    assert await backend.members.count() == 1
    assert (await backend.members.by_identity("console", "ada")).id == ada.id
    assert await backend.members.by_identity("console", "nobody") is None
    assert await backend.members.by_identity("telegram", "ada") is None  # the same id on another platform
    assert await backend.members.get(ada.id + 1) is None


async def test_accounts_and_their_delivery_details(backend, clock, join):
    ada = await join("42", platform="discord")
    assert [i.key for i in await backend.members.identities(ada.id)] == ["discord:42"]
    identity = await backend.members.identity("discord", "42")
    assert (identity.member_id, identity.linked_at, identity.unreachable_since, identity.dm_channel) == (
        ada.id, clock.now, None, None)
    await backend.members.set_dm_channel("discord", "42", 1234567890123456789)
    assert await backend.members.dm_channel("discord", "42") == "1234567890123456789"  # as text: ids exceed 2**53
    assert (await backend.members.identity("discord", "42")).dm_channel == "1234567890123456789"
    await backend.members.set_dm_channel("discord", "42", None)
    assert await backend.members.dm_channel("discord", "42") is None
    assert await backend.members.dm_channel("discord", "43") is None
    assert await backend.members.identity("discord", "43") is None

    await backend.members.set_reachable("discord", "42", False, now=clock.advance(minutes=1))
    assert (await backend.members.identity("discord", "42")).unreachable_since == clock.now
    assert (await backend.members.by_identity("discord", "42")).identity_unreachable
    assert await backend.members.reachable_accounts([ada.id]) == {}
    await backend.members.set_reachable("discord", "42", True, now=clock.advance(minutes=1))
    assert not (await backend.members.by_identity("discord", "42")).identity_unreachable
    assert await backend.members.reachable_accounts([ada.id]) == {ada.id: ("all", [("discord", "42")])}


async def test_where_notifications_go(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    await backend.members.set_notify_on(bob.id, "console", now=clock.now)
    assert await backend.members.delivery_accounts(ada.id) == ("all", await backend.members.identities(ada.id))
    preference, accounts = await backend.members.delivery_accounts(bob.id)
    assert preference == "console" and [a.key for a in accounts] == ["console:bob"]
    assert await backend.members.delivery_accounts(bob.id + 100) == ("all", [])
    many = list(range(bob.id + 1, bob.id + 1200)) + [ada.id, bob.id]  # more ids than one statement takes
    assert await backend.members.reachable_accounts(many) == {
        ada.id: ("all", [("console", "ada")]), bob.id: ("console", [("console", "bob")])}
    async with backend.db.transaction() as conn:
        assert await backend.members.reachable_accounts_in(conn, many) == await backend.members.reachable_accounts(many)


async def test_roles_and_blocks(backend, clock, join):
    ada, bob, cleo = await join("ada"), await join("bob"), await join("cleo", platform="telegram")
    async with backend.db.transaction() as conn:
        await backend.members.set_role_in(conn, bob.id, "organiser", clock.now)
        await backend.members.set_role_in(conn, cleo.id, "organiser", clock.now)
        await backend.members.set_blocked_in(conn, cleo.id, True, clock.now)
    assert (await backend.members.get(bob.id)).role == "organiser"
    assert (await backend.members.get(cleo.id)).blocked
    assert await backend.members.organiser_ids(besides=ada.id) == [bob.id]  # a blocked organiser is left out
    assert await backend.members.organiser_ids(besides=bob.id) == []
    assert [i.member_id for i in await backend.members.with_role("organiser")] == [bob.id, cleo.id]
    assert [i.member_id for i in await backend.members.with_role("member")] == [ada.id]
    async with backend.db.transaction() as conn:
        await backend.members.set_blocked_in(conn, cleo.id, False, clock.now)
    assert not (await backend.members.get(cleo.id)).blocked
    assert await backend.members.ids_on("console") == [ada.id, bob.id]
    assert await backend.members.ids_on("telegram") == [cleo.id]


async def test_a_rolled_back_transaction_changes_no_member(backend, clock, join):
    ada = await join("ada")
    with pytest.raises(RuntimeError):
        async with backend.db.transaction() as conn:
            await backend.members.create_in(conn, "console", "bob", clock.now)
            await backend.members.set_role_in(conn, ada.id, "organiser", clock.now)
            raise RuntimeError("the handler failed half-way")
    assert await backend.members.count() == 1
    assert await backend.members.by_identity("console", "bob") is None
    assert (await backend.members.get(ada.id)).role == "member"
    async with backend.db.transaction() as conn:
        bob_id = await backend.members.create_in(conn, "console", "bob", clock.now)
    assert (await backend.members.by_identity("console", "bob")).id == bob_id != ada.id


async def test_search_by_name_theme_and_region(backend, clock, join):
    names = ["Ana", "100% Ana", "Bob_1", "Bobby", "carla"]
    people = {name: await join(f"p{n}", name) for n, name in enumerate(names)}
    await backend.members.set_themes(people["Ana"].id, ["detention"], now=clock.now)
    await backend.members.set_themes(people["Bobby"].id, ["detention", "health"], now=clock.now)
    await backend.members.set_regions(people["Bobby"].id, [Region("Lyon", True)], now=clock.now)
    await backend.members.set_regions(people["Ana"].id, [Region("western-europe", False)], now=clock.now)

    async def found(text: str, **filters) -> list[str]:
        members = await backend.members.search(text, **filters)
        assert await backend.members.count_matching(text, **filters) == len(members)
        return [m.display_name for m in members]

    assert await found("") == names  # everyone, oldest first
    assert await found("ana") == ["Ana", "100% Ana"]  # any case, anywhere in the name
    assert await found("%") == ["100% Ana"] and await found("_") == ["Bob_1"]  # wildcards are plain characters
    assert await found("", theme="detention") == ["Ana", "Bobby"]
    assert await found("bob", theme="detention") == ["Bobby"]
    assert await found("", region="lyon") == ["Bobby"]  # a typed place, in any case
    assert await found("", region="Western-Europe") == []  # the network's regions by their exact id
    assert await found("", region="western-europe", theme="detention") == ["Ana"]
    assert [m.display_name for m in await backend.members.search("", limit=2)] == ["Ana", "100% Ana"]
    assert [m.display_name for m in await backend.members.find_by_name("CARLA")] == ["carla"]
    assert await backend.members.find_by_name("Ana ") == []  # the exact name only
    assert await backend.members.count() == 5


async def test_several_members_at_once(backend, join):
    ada, bob = await join("ada", "Ada"), await join("bob", "Bob")
    found = await backend.members.get_many([bob.id, ada.id, bob.id + 50])
    assert found == {ada.id: await backend.members.get(ada.id), bob.id: await backend.members.get(bob.id)}
    assert await backend.members.get_many([]) == {}


async def test_menus_are_caught_up_once_per_platform(backend):
    assert not await backend.members.menus_caught_up("telegram")
    await backend.members.set_menus_caught_up("telegram")
    await backend.members.set_menus_caught_up("telegram")  # twice is fine
    assert await backend.members.menus_caught_up("telegram")
    assert not await backend.members.menus_caught_up("discord")


async def test_erasing_a_member_takes_their_accounts_and_profile(backend, clock, join):
    ada, bob = await join("ada", "Ada"), await join("bob", "Bob")
    await backend.members.set_themes(ada.id, ["detention"], now=clock.now)
    await backend.members.set_regions(ada.id, [Region("Lyon", True)], now=clock.now)
    await backend.members.set_languages(ada.id, ["fr"], now=clock.now)
    async with backend.db.transaction() as conn:
        await backend.members.delete_in(conn, ada.id)
    assert await backend.members.get(ada.id) is None
    assert await backend.members.by_identity("console", "ada") is None
    assert await backend.members.identities(ada.id) == []
    assert await backend.members.search("", theme="detention") == []
    assert await backend.members.search("", region="Lyon") == []
    assert [m.id for m in await backend.members.search("")] == [bob.id]
    again = await join("ada")  # the account may join again, as a new member with a new number
    assert again.id > bob.id and again.display_name is None and again.themes == ()
