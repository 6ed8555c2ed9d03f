"""InviteRepository: invite codes, kept as hashes, that let strangers join a closed network a number of times."""

from __future__ import annotations

import pytest


async def test_a_code_works_in_any_case_and_spacing_until_it_expires(backend, clock, join):
    ada = await join("ada")
    code, invite = await backend.invites.create(ada.id, uses=3, expires_at=clock.later(days=7), now=clock.now)
    assert (invite.created_by, invite.uses_left, invite.expires_at, invite.created_at) == (
        ada.id, 3, clock.later(days=7), clock.now)
    spaced = f" {code[:5].lower()}-{code[5:]} "
    assert await backend.invites.find_valid(spaced, now=clock.now) == invite
    assert await backend.invites.find_valid(code, now=clock.later(days=7) - 1) == invite
    assert await backend.invites.find_valid(code, now=clock.later(days=7)) is None  # expired at that moment
    assert await backend.invites.find_valid("ABCDEFGHJK", now=clock.now) is None
    assert await backend.invites.find_valid("", now=clock.now) is None
    assert await backend.invites.find_valid("--", now=clock.now) is None
    other, _ = await backend.invites.create(ada.id, uses=1, expires_at=clock.later(days=1), now=clock.now)
    assert other != code


async def test_each_use_counts_and_a_used_up_code_no_longer_works(backend, clock, join):
    ada = await join("ada")
    code, invite = await backend.invites.create(ada.id, uses=2, expires_at=clock.later(days=1), now=clock.now)
    for left in (1, 0):
        async with backend.db.transaction() as conn:
            assert await backend.invites.consume_in(conn, invite.id, clock.now) == invite.id
        assert [i.uses_left for i in await backend.invites.created_by(ada.id)] == [left]
    assert await backend.invites.find_valid(code, now=clock.now) is None
    async with backend.db.transaction() as conn:
        assert await backend.invites.consume_in(conn, invite.id, clock.now) is None
    assert [i.uses_left for i in await backend.invites.created_by(ada.id)] == [0]  # never below nothing


async def test_an_expired_code_cannot_be_used_even_if_found_before(backend, clock, join):
    ada = await join("ada")
    code, invite = await backend.invites.create(ada.id, uses=5, expires_at=clock.later(minutes=1), now=clock.now)
    assert await backend.invites.find_valid(code, now=clock.now) is not None
    async with backend.db.transaction() as conn:
        assert await backend.invites.consume_in(conn, invite.id, clock.later(minutes=1)) is None


async def test_a_use_rolled_back_with_its_transaction_is_given_back(backend, clock, join):
    ada = await join("ada")
    code, invite = await backend.invites.create(ada.id, uses=1, expires_at=clock.later(days=1), now=clock.now)
    with pytest.raises(RuntimeError):
        async with backend.db.transaction() as conn:
            assert await backend.invites.consume_in(conn, invite.id, clock.now) == invite.id
            raise RuntimeError("joining failed")
    assert await backend.invites.find_valid(code, now=clock.now) == invite


async def test_the_live_codes_soonest_to_expire_first(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    _, late = await backend.invites.create(ada.id, uses=1, expires_at=clock.later(days=9), now=clock.now)
    _, soon = await backend.invites.create(bob.id, uses=1, expires_at=clock.later(days=2), now=clock.now)
    _, gone = await backend.invites.create(ada.id, uses=1, expires_at=clock.later(hours=1), now=clock.now)
    _, spent = await backend.invites.create(ada.id, uses=1, expires_at=clock.later(days=3), now=clock.now)
    async with backend.db.transaction() as conn:
        await backend.invites.consume_in(conn, spent.id, clock.now)
    assert [i.id for i in await backend.invites.live(clock.now)] == [gone.id, soon.id, late.id]
    assert [i.id for i in await backend.invites.live(clock.later(hours=1))] == [soon.id, late.id]
    assert [i.id for i in await backend.invites.live(clock.now, limit=1)] == [gone.id]
    assert [i.id for i in await backend.invites.created_by(ada.id)] == [late.id, gone.id, spent.id]


async def test_revoking_stops_a_code_once_and_is_audited(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    code, invite = await backend.invites.create(ada.id, uses=4, expires_at=clock.later(days=1), now=clock.now)
    assert await backend.invites.revoke(invite.id, bob.id, now=clock.now)
    assert await backend.invites.find_valid(code, now=clock.now) is None
    assert not await backend.invites.revoke(invite.id, bob.id, now=clock.now)  # it no longer worked
    assert not await backend.invites.revoke(invite.id + 1, bob.id, now=clock.now)
    _, expired = await backend.invites.create(ada.id, uses=4, expires_at=clock.later(seconds=1), now=clock.now)
    assert not await backend.invites.revoke(expired.id, bob.id, now=clock.later(seconds=1))
    entries = await backend.audit.involving(bob.id)
    assert [(e.action, e.actor_id, e.detail, e.at) for e in entries] == [
        ("invite.revoke", bob.id, f"invite={invite.id}", clock.now)]


async def test_an_organiser_who_leaves_takes_their_working_codes_with_them(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    first, _ = await backend.invites.create(ada.id, uses=2, expires_at=clock.later(days=1), now=clock.now)
    _, expired = await backend.invites.create(ada.id, uses=2, expires_at=clock.later(seconds=5), now=clock.now)
    theirs, _ = await backend.invites.create(bob.id, uses=2, expires_at=clock.later(days=1), now=clock.now)
    clock.advance(seconds=5)
    async with backend.db.transaction() as conn:
        assert await backend.invites.revoke_made_by_in(conn, ada.id, clock.now) == 1  # the expired one aside
    assert await backend.invites.find_valid(first, now=clock.now) is None
    assert await backend.invites.find_valid(theirs, now=clock.now) is not None
    async with backend.db.transaction() as conn:
        await backend.members.delete_in(conn, ada.id)
    assert await backend.invites.created_by(ada.id) == []
    assert [i.created_by for i in await backend.invites.live(clock.now)] == [bob.id]
