"""ReminderRepository: reminders members set for themselves, each with its next moment in the schedule."""

from __future__ import annotations

import pytest


async def test_a_reminder_is_stored_with_its_first_moment(backend, clock, join):
    ada = await join("ada")
    one_off = await backend.reminders.create(ada.id, "call Bob", first_at=clock.later(hours=2), zone="Europe/Paris",
                                             now=clock.now)
    weekly = await backend.reminders.create(ada.id, "team call", first_at=clock.later(days=3), zone="Africa/Lagos",
                                            rule="FREQ=WEEKLY;BYDAY=MO", hour=9, minute=30,
                                            until_at=clock.later(days=60), now=clock.now)
    loaded = await backend.reminders.get(weekly)
    assert (loaded.member_id, loaded.what, loaded.rule, loaded.hour, loaded.minute, loaded.zone, loaded.until_at,
            loaded.status, loaded.created_at) == (ada.id, "team call", "FREQ=WEEKLY;BYDAY=MO", 9, 30,
                                                  "Africa/Lagos", clock.later(days=60), "active", clock.now)
    assert (await backend.reminders.get(one_off)).rule is None
    assert [(d.kind, d.subject_id, d.due_at) for d in await backend.schedule.for_member(ada.id)] == [
        ("reminder", one_off, clock.later(hours=2)), ("reminder", weekly, clock.later(days=3))]
    assert await backend.reminders.get(weekly + 1) is None
    assert set(await backend.reminders.get_many([one_off, weekly, weekly + 1])) == {one_off, weekly}
    assert await backend.reminders.get_many([]) == {}


async def test_the_members_reminders_to_come_soonest_first_snoozed_ones_included(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    late = await backend.reminders.create(ada.id, "late", first_at=clock.later(days=5), zone="UTC", now=clock.now)
    soon = await backend.reminders.create(ada.id, "soon", first_at=clock.later(days=1), zone="UTC", now=clock.now)
    snoozed = await backend.reminders.create(ada.id, "snoozed", first_at=clock.now, zone="UTC", now=clock.now)
    fired = await backend.reminders.create(ada.id, "fired", first_at=clock.now, zone="UTC", now=clock.now)
    await backend.reminders.create(bob.id, "not hers", first_at=clock.later(hours=1), zone="UTC", now=clock.now)
    async with backend.db.transaction() as conn:  # the two first fire; one is snoozed for three days
        for reminder_id in (snoozed, fired):
            await backend.schedule.cancel_in(conn, ("reminder",), reminder_id)
            await backend.reminders.set_status_in(conn, reminder_id, "fired")
        await backend.schedule.add_in(conn, "snooze", snoozed, ada.id, clock.later(days=3))
    active = await backend.reminders.active(ada.id)
    assert [(r.id, r.next_at, r.snoozed_until) for r in active] == [
        (soon, clock.later(days=1), None), (snoozed, None, clock.later(days=3)), (late, clock.later(days=5), None)]
    assert await backend.reminders.count_active(ada.id) == 2  # a fired one, snoozed, no longer counts
    assert [r.id for r in await backend.reminders.for_member(ada.id)] == [late, soon, snoozed, fired]


async def test_finishing_a_reminder_drops_what_is_scheduled_for_it(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    reminder = await backend.reminders.create(ada.id, "x", first_at=clock.later(days=1), zone="UTC", now=clock.now)
    await backend.schedule.add("snooze", reminder, ada.id, clock.later(hours=1))
    assert not await backend.reminders.finish(reminder, bob.id, "cancelled")  # not hers to cancel
    assert await backend.reminders.finish(reminder, ada.id, "cancelled")
    assert (await backend.reminders.get(reminder)).status == "cancelled"
    assert await backend.schedule.for_member(ada.id) == []
    assert await backend.reminders.active(ada.id) == []
    assert not await backend.reminders.finish(reminder, ada.id, "done")  # already finished
    assert (await backend.reminders.get(reminder)).status == "cancelled"


async def test_a_status_set_in_a_failed_transaction_stays_as_it_was(backend, clock, join):
    ada = await join("ada")
    reminder = await backend.reminders.create(ada.id, "x", first_at=clock.now, zone="UTC", now=clock.now)
    with pytest.raises(RuntimeError):
        async with backend.db.transaction() as conn:
            await backend.reminders.set_status_in(conn, reminder, "fired")
            raise RuntimeError("failed")
    assert (await backend.reminders.get(reminder)).status == "active"


async def test_erasing_a_member_takes_their_reminders(backend, clock, join):
    ada = await join("ada")
    reminder = await backend.reminders.create(ada.id, "x", first_at=clock.later(days=1), zone="UTC", now=clock.now)
    async with backend.db.transaction() as conn:
        await backend.members.delete_in(conn, ada.id)
    assert await backend.reminders.get(reminder) is None and await backend.reminders.for_member(ada.id) == []
    assert await backend.schedule.count() == 0
