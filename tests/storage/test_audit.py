"""AuditRepository: the trail of privileged actions (ids and numbers only, never anyone's text), on its own or
within the transaction of the action it records."""

from __future__ import annotations

import pytest


async def test_entries_read_back_newest_first(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    await backend.audit.record("invite.create", actor_id=ada.id, detail="invite=1 uses=3", now=clock.now)
    await backend.audit.record("member.promote", actor_id=ada.id, subject_id=bob.id, now=clock.advance(seconds=1))
    await backend.audit.record("broadcast_cancelled", actor_id=None, detail="broadcast #4", now=clock.now)
    entries = await backend.audit.recent()
    assert [(e.action, e.actor_id, e.subject_id, e.detail, e.at) for e in entries] == [
        ("broadcast_cancelled", None, None, "broadcast #4", clock.now),
        ("member.promote", ada.id, bob.id, "", clock.now),
        ("invite.create", ada.id, None, "invite=1 uses=3", clock.later(seconds=-1))]
    assert [e.action for e in await backend.audit.recent(limit=1)] == ["broadcast_cancelled"]


async def test_what_involves_a_member_as_actor_or_subject(backend, clock, join):
    ada, bob, cleo = await join("ada"), await join("bob"), await join("cleo")
    await backend.audit.record("member.block", actor_id=ada.id, subject_id=bob.id, now=clock.now)
    await backend.audit.record("member.promote", actor_id=bob.id, subject_id=cleo.id, now=clock.now)
    await backend.audit.record("member.join", actor_id=cleo.id, now=clock.now)
    # Oldest first.
    assert [e.action for e in await backend.audit.involving(bob.id)] == ["member.block", "member.promote"]
    assert [e.action for e in await backend.audit.involving(ada.id)] == ["member.block"]
    assert await backend.audit.involving(cleo.id + 1) == []


async def test_an_entry_recorded_in_a_transaction_commits_or_rolls_back_with_it(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    with pytest.raises(RuntimeError):
        async with backend.db.transaction() as conn:
            await backend.members.set_role_in(conn, bob.id, "organiser", clock.now)
            await backend.audit.record_in(conn, "member.promote", actor_id=ada.id, subject_id=bob.id, now=clock.now)
            raise RuntimeError("the promotion failed")
    assert await backend.audit.recent() == [] and (await backend.members.get(bob.id)).role == "member"
    async with backend.db.transaction() as conn:
        await backend.members.set_role_in(conn, bob.id, "organiser", clock.now)
        await backend.audit.record_in(conn, "member.promote", actor_id=ada.id, subject_id=bob.id, now=clock.now)
    assert [(e.action, e.actor_id, e.subject_id) for e in await backend.audit.recent()] == [
        ("member.promote", ada.id, bob.id)]


async def test_entries_stay_when_a_member_is_erased_but_no_longer_point_at_them(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    await backend.audit.record("member.block", actor_id=ada.id, subject_id=bob.id, now=clock.now)
    await backend.audit.record("member.join", actor_id=bob.id, now=clock.now)
    async with backend.db.transaction() as conn:
        await backend.members.delete_in(conn, bob.id)
    assert await backend.audit.involving(bob.id) == []
    assert [(e.action, e.actor_id, e.subject_id) for e in await backend.audit.recent()] == [
        ("member.join", None, None), ("member.block", ada.id, None)]
