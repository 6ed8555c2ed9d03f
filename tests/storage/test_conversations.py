"""ConversationRepository: which question of which guided flow the bot waits for each member to answer."""

from __future__ import annotations

import pytest


async def test_a_member_is_at_one_step_at_a_time(backend, clock, join):
    ada = await join("ada")
    assert await backend.conversations.get(ada.id) is None
    first = await backend.conversations.put(ada.id, "profile", "name", {"answers": {"a": [1, "é"]}}, now=clock.now)
    assert await backend.conversations.get(ada.id) == first
    assert (first.flow, first.step, first.data, first.updated_at) == (
        "profile", "name", {"answers": {"a": [1, "é"]}}, clock.now)
    second = await backend.conversations.put(ada.id, "commit", "what", {}, now=clock.advance(seconds=5))
    assert await backend.conversations.get(ada.id) == second
    assert second.nonce and second.nonce != first.nonce  # buttons of the earlier step can be told apart
    kept = await backend.conversations.put(ada.id, "commit", "when", {"what": "x"}, now=clock.now,
                                           keep_nonce=second.nonce)
    assert kept.nonce == second.nonce and (await backend.conversations.get(ada.id)).step == "when"
    await backend.conversations.clear(ada.id)
    assert await backend.conversations.get(ada.id) is None
    await backend.conversations.clear(ada.id)  # nothing to clear is fine


async def test_each_member_has_their_own(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    await backend.conversations.put(ada.id, "profile", "name", {}, now=clock.now)
    await backend.conversations.put(bob.id, "commit", "what", {}, now=clock.now)
    await backend.conversations.clear(ada.id)
    assert (await backend.conversations.get(bob.id)).flow == "commit"


async def test_a_step_put_in_a_transaction_lands_with_it_or_not_at_all(backend, clock, join):
    ada = await join("ada")
    before = await backend.conversations.put(ada.id, "profile", "name", {}, now=clock.now)
    with pytest.raises(RuntimeError):
        async with backend.db.transaction() as conn:
            await backend.conversations.put_in(conn, ada.id, "commit", "what", {}, clock.now)
            raise RuntimeError("failed")
    assert await backend.conversations.get(ada.id) == before
    async with backend.db.transaction() as conn:
        after = await backend.conversations.put_in(conn, ada.id, "checkin", "reason", {"c": 3}, clock.now)
    assert await backend.conversations.get(ada.id) == after and after.nonce != before.nonce


async def test_erasing_a_member_ends_their_conversation(backend, clock, join):
    ada = await join("ada")
    await backend.conversations.put(ada.id, "profile", "contact", {"name": "Ada"}, now=clock.now)
    async with backend.db.transaction() as conn:
        await backend.members.delete_in(conn, ada.id)
    assert await backend.conversations.get(ada.id) is None
