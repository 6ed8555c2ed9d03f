"""CommitmentRepository: commitments, their notes, and the check-ins scheduled about them, kept in step."""

from __future__ import annotations

import pytest

from storage.commitments import KINDS


async def scheduled(backend, commitment_id: int) -> list[tuple[str, int, str | None]]:
    return [(d.kind, d.due_at, d.detail) for d in await backend.schedule.for_subject(KINDS, commitment_id)]


async def test_a_commitment_is_stored_with_its_check_ins(backend, clock, join):
    ada = await join("ada")
    number = await backend.commitments.create(
        ada.id, "workshop in Lyon", due_at=clock.later(days=30), theme="data", region="western-europe",
        visibility="organisers", now=clock.now,
        checkins=[(clock.later(days=15), "halfway"), (clock.later(days=30), "due")])
    loaded = await backend.commitments.get(number)
    assert (loaded.member_id, loaded.what, loaded.due_at, loaded.theme, loaded.region, loaded.visibility,
            loaded.status, loaded.checkin_pending, loaded.stale, loaded.help_wanted, loaded.created_at,
            loaded.closed_at, loaded.joint_with, loaded.partner_left) == (
        ada.id, "workshop in Lyon", clock.later(days=30), "data", "western-europe", "organisers", "open", False,
        False, False, clock.now, None, None, False)
    assert await scheduled(backend, number) == [("checkin", clock.later(days=15), "halfway"),
                                                ("checkin", clock.later(days=30), "due")]
    undated = await backend.commitments.create(ada.id, "someday", due_at=None, theme=None, region=None,
                                               visibility="private", now=clock.now)
    assert (await backend.commitments.get(undated)).due_at is None and await scheduled(backend, undated) == []
    assert await backend.commitments.get(undated + 1) is None
    assert await backend.commitments.count_open(ada.id) == 2


async def test_a_members_list_open_by_date_undated_last_then_finished_latest_first(backend, clock, join):
    ada = await join("ada")

    async def commit(what: str, due_in_days: int | None) -> int:
        due = None if due_in_days is None else clock.later(days=due_in_days)
        return await backend.commitments.create(ada.id, what, due_at=due, theme=None, region=None,
                                                visibility="network", now=clock.now)

    undated, late, soon, done_first, done_last = (await commit("undated", None), await commit("late", 9),
                                                  await commit("soon", 2), await commit("a", 1), await commit("b", 1))
    await backend.commitments.set_status(done_first, ada.id, "done", now=clock.advance(hours=1))
    await backend.commitments.set_status(done_last, ada.id, "dropped", now=clock.advance(hours=1))
    assert [c.id for c in await backend.commitments.for_member(ada.id)] == [soon, late, undated, done_last,
                                                                             done_first]


async def test_closing_drops_its_check_ins_and_happens_once(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    number = await backend.commitments.create(ada.id, "x", due_at=clock.later(days=3), theme=None, region=None,
                                              visibility="network", now=clock.now,
                                              checkins=[(clock.later(days=3), "due")])
    with pytest.raises(ValueError):
        await backend.commitments.set_status(number, ada.id, "open", now=clock.now)
    assert not await backend.commitments.set_status(number, bob.id, "done", now=clock.now)  # not his
    assert await backend.commitments.set_status(number, ada.id, "done", now=clock.advance(hours=1), note="done!")
    loaded = await backend.commitments.get(number)
    assert (loaded.status, loaded.closed_at) == ("done", clock.now)
    assert await scheduled(backend, number) == []
    assert [(n.kind, n.text) for n in await backend.commitments.notes(number)] == [("checkin", "done!")]
    assert not await backend.commitments.set_status(number, ada.id, "dropped", now=clock.now)
    assert not await backend.commitments.add_note(number, ada.id, "progress", "more", now=clock.now)
    assert await backend.commitments.set_due(number, ada.id, clock.later(days=9), now=clock.now) is None
    assert (await backend.commitments.get(number)).status == "done"
    assert await backend.commitments.count_open(ada.id) == 0


async def test_a_new_date_replaces_the_check_ins_and_its_reason_can_come_later(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    number = await backend.commitments.create(ada.id, "x", due_at=clock.later(days=3), theme=None, region=None,
                                              visibility="network", now=clock.now,
                                              checkins=[(clock.later(days=3), "due")])
    async with backend.db.transaction() as conn:
        await backend.commitments.mark_checkin_pending_in(conn, number, clock.now)
        await backend.commitments.mark_stale_in(conn, number, clock.now)
    assert (await backend.commitments.get(number)).stale
    note = await backend.commitments.set_due(number, ada.id, clock.later(days=10), now=clock.now,
                                             checkins=[(clock.later(days=10), "due")])
    loaded = await backend.commitments.get(number)
    assert (loaded.due_at, loaded.checkin_pending, loaded.stale) == (clock.later(days=10), False, False)
    assert await scheduled(backend, number) == [("checkin", clock.later(days=10), "due")]
    assert not await backend.commitments.set_reason(note, bob.id, "his reason")
    assert await backend.commitments.set_reason(note, ada.id, "the venue moved")
    assert [(n.id, n.kind, n.text) for n in await backend.commitments.notes(number)] == [
        (note, "reschedule", "the venue moved")]
    assert await backend.commitments.set_due(number, bob.id, None, now=clock.now) is None


async def test_notes_and_the_latest_one_in_words(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    first = await backend.commitments.create(ada.id, "x", due_at=None, theme=None, region=None,
                                             visibility="network", now=clock.now)
    second = await backend.commitments.create(ada.id, "y", due_at=None, theme=None, region=None,
                                              visibility="network", now=clock.now)
    assert await backend.commitments.add_note(first, ada.id, "progress", "venue booked", now=clock.advance(hours=1))
    assert not await backend.commitments.add_note(first, bob.id, "progress", "not his", now=clock.now)
    with pytest.raises(ValueError):
        await backend.commitments.add_note(first, ada.id, "gossip", "x", now=clock.now)
    await backend.commitments.answer_checkin(first, ada.id, "on track", now=clock.advance(hours=1))
    await backend.commitments.set_due(second, ada.id, None, now=clock.now)  # a new date, no reason given
    notes = await backend.commitments.notes(first)
    assert [(n.kind, n.text, n.created_at) for n in notes] == [("progress", "venue booked", clock.later(hours=-1)),
                                                               ("checkin", "on track", clock.now)]
    latest = await backend.commitments.latest_notes([first, second, second + 1])
    assert {k: v.text for k, v in latest.items()} == {first: "venue booked"}  # not a check-in's answer, nor empty
    assert {k: [n.text for n in v] for k, v in (await backend.commitments.notes_for_member(ada.id)).items()} == {
        first: ["venue booked", "on track"], second: [""]}
    assert await backend.commitments.notes_for_member(bob.id) == {}


async def test_answering_a_check_in(backend, clock, join):
    ada = await join("ada")
    number = await backend.commitments.create(ada.id, "x", due_at=clock.now, theme=None, region=None,
                                              visibility="network", now=clock.now, checkins=[(clock.now, "due")])
    async with backend.db.transaction() as conn:
        await backend.commitments.mark_checkin_pending_in(conn, number, clock.now)
        await backend.schedule.cancel_in(conn, ("checkin",), number)
        await backend.schedule.add_in(conn, "nudge", number, ada.id, clock.later(days=2))
    assert (await backend.commitments.get(number)).checkin_pending
    assert await backend.commitments.answer_checkin(number, ada.id, "need help", now=clock.now, help_wanted=True,
                                                    again_at=clock.later(days=7))
    loaded = await backend.commitments.get(number)
    assert (loaded.checkin_pending, loaded.stale, loaded.help_wanted) == (False, False, True)
    assert await scheduled(backend, number) == [("checkin", clock.later(days=7), "overdue")]  # the nudge went
    await backend.commitments.answer_checkin(number, ada.id, "on track", now=clock.now)
    assert (await backend.commitments.get(number)).help_wanted  # kept unless the answer says otherwise
    await backend.commitments.answer_checkin(number, ada.id, "fine now", now=clock.now, help_wanted=False)
    assert not (await backend.commitments.get(number)).help_wanted
    await backend.commitments.set_status(number, ada.id, "done", now=clock.now)
    assert not await backend.commitments.answer_checkin(number, ada.id, "late answer", now=clock.now)
    async with backend.db.transaction() as conn:  # a finished commitment is never marked pending or stale
        await backend.commitments.mark_checkin_pending_in(conn, number, clock.now)
        await backend.commitments.mark_stale_in(conn, number, clock.now)
    assert not (await backend.commitments.get(number)).checkin_pending


async def test_a_commitment_goes_stale_only_while_its_check_in_waits(backend, clock, join):
    ada = await join("ada")
    number = await backend.commitments.create(ada.id, "x", due_at=clock.now, theme=None, region=None,
                                              visibility="network", now=clock.now)
    async with backend.db.transaction() as conn:
        await backend.commitments.mark_stale_in(conn, number, clock.now)
    assert not (await backend.commitments.get(number)).stale  # nobody was asked
    with pytest.raises(RuntimeError):
        async with backend.db.transaction() as conn:
            await backend.commitments.mark_checkin_pending_in(conn, number, clock.now)
            raise RuntimeError("queuing the check-in failed")
    assert not (await backend.commitments.get(number)).checkin_pending
    async with backend.db.transaction() as conn:
        await backend.commitments.mark_checkin_pending_in(conn, number, clock.now)
        await backend.commitments.mark_stale_in(conn, number, clock.now)
    assert (await backend.commitments.get(number)).stale
    await backend.commitments.add_note(number, ada.id, "progress", "moving", now=clock.now)  # counts as an answer
    loaded = await backend.commitments.get(number)
    assert not loaded.stale and not loaded.checkin_pending


async def test_what_organisers_and_members_see_of_everyones(backend, clock, join):
    ada, bob = await join("ada", "Ada"), await join("bob", "Bob")

    async def commit(member, visibility: str, theme: str | None, due_in_days: int | None = 5) -> int:
        due = None if due_in_days is None else clock.later(days=due_in_days)
        return await backend.commitments.create(member.id, "x", due_at=due, theme=theme, region="africa",
                                                visibility=visibility, now=clock.now)

    shared = await commit(ada, "network", "data")
    for_organisers = await commit(bob, "organisers", "data", due_in_days=-1)  # overdue
    await commit(bob, "private", "data")
    other_theme = await commit(ada, "network", "health", due_in_days=None)
    closed = await commit(bob, "network", "data")
    await backend.commitments.set_status(closed, bob.id, "dropped", now=clock.now)
    listed, totals = await backend.commitments.for_organisers(now=clock.now)
    assert [c.id for c in listed] == [for_organisers, shared, other_theme, closed]
    assert [c.member_name for c in listed] == ["Bob", "Ada", "Ada", "Bob"]
    assert (totals.open, totals.done, totals.dropped, totals.overdue, totals.private) == (3, 0, 1, 1, 1)
    listed, totals = await backend.commitments.for_organisers(now=clock.now, theme="health")
    assert [c.id for c in listed] == [other_theme]
    assert (totals.open, totals.private) == (1, 1)  # private ones counted in the whole network, never filtered
    assert [c.id for c in (await backend.commitments.for_organisers(now=clock.now, overdue=True))[0]] == [
        for_organisers]
    assert [c.id for c in (await backend.commitments.for_organisers(now=clock.now, status="dropped"))[0]] == [closed]
    assert [c.id for c in (await backend.commitments.for_organisers(now=clock.now, region="europe"))[0]] == []
    members_see, _ = await backend.commitments.for_organisers(now=clock.now, network_only=True)
    assert [c.id for c in members_see] == [shared, other_theme, closed]
    assert [c.id for c in (await backend.commitments.for_organisers(now=clock.now, limit=1))[0]] == [for_organisers]


async def test_the_totals_count_stale_and_help_wanted(backend, clock, join):
    ada = await join("ada")
    number = await backend.commitments.create(ada.id, "x", due_at=clock.later(days=1), theme=None, region=None,
                                              visibility="network", now=clock.now)
    await backend.commitments.answer_checkin(number, ada.id, "help", now=clock.now, help_wanted=True)
    async with backend.db.transaction() as conn:
        await backend.commitments.mark_checkin_pending_in(conn, number, clock.now)
        await backend.commitments.mark_stale_in(conn, number, clock.now)
    _, totals = await backend.commitments.for_organisers(now=clock.now)
    assert (totals.open, totals.stale, totals.help_wanted, totals.overdue) == (1, 1, 1, 0)


async def test_a_joint_commitment_is_one_row_each_naming_the_other(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    mine, theirs = await backend.commitments.create_joint(
        (ada.id, bob.id), "joint workshop", due_at=clock.later(days=20), theme="data", region=None,
        visibility="network", now=clock.now, checkins=([(clock.later(days=20), "due")], []))
    assert ((await backend.commitments.get(mine)).member_id, (await backend.commitments.get(mine)).joint_with) == (
        ada.id, bob.id)
    assert ((await backend.commitments.get(theirs)).member_id,
            (await backend.commitments.get(theirs)).joint_with) == (bob.id, ada.id)
    assert len(await scheduled(backend, mine)) == 1 and await scheduled(backend, theirs) == []
    await backend.commitments.set_status(theirs, bob.id, "done", now=clock.now)  # each finishes their own part
    assert (await backend.commitments.get(mine)).status == "open"


async def test_erasing_a_member_takes_their_commitments_and_leaves_their_partners(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    mine, theirs = await backend.commitments.create_joint(
        (ada.id, bob.id), "joint", due_at=clock.later(days=20), theme=None, region=None, visibility="network",
        now=clock.now, checkins=([(clock.later(days=20), "due")], [(clock.later(days=20), "due")]))
    await backend.commitments.add_note(mine, ada.id, "progress", "her words", now=clock.now)
    async with backend.db.transaction() as conn:
        await backend.commitments.partner_left_in(conn, ada.id)
        await backend.members.delete_in(conn, ada.id)
    assert await backend.commitments.get(mine) is None and await backend.commitments.notes(mine) == []
    assert await backend.commitments.for_member(ada.id) == [] and await scheduled(backend, mine) == []
    kept = await backend.commitments.get(theirs)
    assert (kept.member_id, kept.joint_with, kept.partner_left, kept.status) == (bob.id, None, True, "open")
    assert len(await scheduled(backend, theirs)) == 1
