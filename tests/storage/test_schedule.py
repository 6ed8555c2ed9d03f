"""ScheduleRepository: every due thing as a row with its moment; the scheduler reads the earliest ones."""

from __future__ import annotations

import pytest


async def test_due_things_come_earliest_first_up_to_a_limit(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    assert await backend.schedule.next_due() is None and await backend.schedule.count() == 0
    later = await backend.schedule.add("reminder", 1, ada.id, clock.later(minutes=10))
    soon = await backend.schedule.add("checkin", 7, bob.id, clock.later(minutes=5), "halfway")
    tie = await backend.schedule.add("nudge", 7, bob.id, clock.later(minutes=10))
    assert await backend.schedule.next_due() == clock.later(minutes=5)
    assert await backend.schedule.due(clock.now, limit=10) == []
    due = await backend.schedule.due(clock.later(minutes=10), limit=10)
    assert [d.id for d in due] == [soon, later, tie]  # by moment, then in the order they were added
    assert (due[0].kind, due[0].subject_id, due[0].member_id, due[0].detail, due[0].due_at) == (
        "checkin", 7, bob.id, "halfway", clock.later(minutes=5))
    assert [d.id for d in await backend.schedule.due(clock.later(minutes=10), limit=2)] == [soon, later]
    assert await backend.schedule.count() == 3


async def test_handled_rows_go_and_failed_ones_come_back_later(backend, clock, join):
    ada = await join("ada")
    first = await backend.schedule.add("reminder", 1, ada.id, clock.now)
    second = await backend.schedule.add("reminder", 2, ada.id, clock.now)
    async with backend.db.transaction() as conn:
        await backend.schedule.remove_in(conn, [first])
        await backend.schedule.postpone_in(conn, [second], clock.later(minutes=1))
    assert [(d.id, d.due_at) for d in await backend.schedule.due(clock.later(hours=1), limit=10)] == [
        (second, clock.later(minutes=1))]
    assert await backend.schedule.next_due() == clock.later(minutes=1)


async def test_a_row_removed_in_a_failed_transaction_is_still_due(backend, clock, join):
    ada = await join("ada")
    row = await backend.schedule.add("reminder", 1, ada.id, clock.now)
    with pytest.raises(RuntimeError):
        async with backend.db.transaction() as conn:
            await backend.schedule.remove_in(conn, [row])
            await backend.schedule.add_in(conn, "reminder", 1, ada.id, clock.later(days=1))
            raise RuntimeError("queuing its message failed")
    assert [d.id for d in await backend.schedule.due(clock.later(days=2), limit=10)] == [row]


async def test_what_is_scheduled_about_a_subject_can_be_listed_and_cancelled(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    await backend.schedule.add("checkin", 3, ada.id, clock.later(days=2))
    await backend.schedule.add("nudge", 3, ada.id, clock.later(days=1))
    await backend.schedule.add("checkin", 4, ada.id, clock.later(days=1))
    await backend.schedule.add("reminder", 3, bob.id, clock.later(days=1))  # another kind's subject number 3
    assert [(d.kind, d.due_at) for d in await backend.schedule.for_subject(("checkin", "nudge"), 3)] == [
        ("nudge", clock.later(days=1)), ("checkin", clock.later(days=2))]
    assert await backend.schedule.cancel(("checkin", "nudge"), 3) == 2
    assert await backend.schedule.for_subject(("checkin", "nudge"), 3) == []
    async with backend.db.transaction() as conn:
        await backend.schedule.cancel_in(conn, ("checkin",), 4)
    assert [d.kind for d in await backend.schedule.for_member(ada.id)] == []
    assert [d.kind for d in await backend.schedule.for_member(bob.id)] == ["reminder"]
    assert await backend.schedule.cancel(("checkin",), 99) == 0


async def test_erasing_a_member_takes_what_was_scheduled_for_them(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    await backend.schedule.add("reminder", 1, ada.id, clock.later(days=1))
    await backend.schedule.add("reminder", 2, bob.id, clock.later(days=2))
    async with backend.db.transaction() as conn:
        await backend.members.delete_in(conn, ada.id)
    assert await backend.schedule.for_member(ada.id) == []
    assert await backend.schedule.next_due() == clock.later(days=2) and await backend.schedule.count() == 1
