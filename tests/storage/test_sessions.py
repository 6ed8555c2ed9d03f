"""SessionRepository: the agenda, who follows which session (directly or through a theme), and what falls due
about each session for each follower, kept in step with every change."""

from __future__ import annotations

import pytest

from storage.outbox import NewMessage
from storage.sessions import FOLLOWUP, KINDS, REMINDER, subscriber_ids

SYNC = {"default_lead": 15, "followup_after": 600}  # reminded 15 minutes before; asked 10 minutes after the end


def session_values(clock, title: str = "Opening", *, starts_in_hours: int = 24, hours: int = 2,
                   themes: tuple[str, ...] = ()) -> dict:
    start = clock.later(hours=starts_in_hours)
    return {"title": title, "starts_at": start, "ends_at": start + 3600 * hours, "zone": "Europe/Geneva",
            "venue": "Salle du Môle", "link": None, "moderator": "Ada", "speakers": None, "description": "…",
            "places": None, "signups_close_at": None, "interpretation": "fr,ar", "asks_access": 1,
            "themes": list(themes)}


async def new_session(backend, clock, title: str = "Opening", *, uid: str | None = None, created_by=None,
                      **values) -> int:
    async with backend.db.transaction() as conn:
        return await backend.sessions.create_in(conn, session_values(clock, title, **values), uid=uid or title,
                                                created_by=created_by, now=clock.now)


async def due_for(backend, member_id: int) -> list[tuple[str, int]]:
    return [(d.kind, d.due_at) for d in await backend.schedule.for_member(member_id)]


async def test_a_session_reads_back_as_it_was_written(backend, clock, join):
    ada = await join("ada")
    number = await new_session(backend, clock, uid="agenda-1", created_by=ada.id, themes=("data", "detention",
                                                                                             "data"))
    session = await backend.sessions.get(number)
    assert session.values() == {**session_values(clock), "themes": ["data", "detention"]}
    assert (session.uid, session.status, session.created_by, session.created_at, session.sequence) == (
        "agenda-1", "scheduled", ada.id, clock.now, 0)
    assert await backend.sessions.by_uid("agenda-1") == session
    assert await backend.sessions.by_uid("agenda-2") is None and await backend.sessions.get(number + 1) is None
    assert await backend.sessions.get_many([number, number + 1]) == {number: session}


async def test_a_uid_names_one_session(backend, engine, clock):
    await new_session(backend, clock, uid="same")
    with pytest.raises(engine.refused):
        await new_session(backend, clock, "Other", uid="same")
    assert await backend.sessions.count_upcoming(clock.now) == 1


async def test_changes_and_cancelling(backend, clock):
    number = await new_session(backend, clock, themes=("data",))
    changed = session_values(clock, "Opening plenary", starts_in_hours=48, themes=("health",))
    async with backend.db.transaction() as conn:
        await backend.sessions.update_in(conn, number, changed, now=clock.advance(minutes=1), bump=True)
    session = await backend.sessions.get(number)
    assert session.values() == changed and session.sequence == 1 and session.updated_at == clock.now
    async with backend.db.transaction() as conn:
        await backend.sessions.update_in(conn, number, {**changed, "venue": None}, now=clock.now)
    assert (await backend.sessions.get(number)).sequence == 1  # not counted unless asked
    async with backend.db.transaction() as conn:
        assert await backend.sessions.cancel_in(conn, number, clock.now)
        assert not await backend.sessions.cancel_in(conn, number, clock.now)
    cancelled = await backend.sessions.get(number)
    assert cancelled.cancelled and cancelled.sequence == 2
    async with backend.db.transaction() as conn:
        await backend.sessions.update_in(conn, number, changed, now=clock.now, status="scheduled", bump=True)
    assert not (await backend.sessions.get(number)).cancelled


async def test_the_agenda_soonest_first(backend, clock, join):
    ada = await join("ada")
    later = await new_session(backend, clock, "Later", starts_in_hours=48, themes=("data",))
    sooner = await new_session(backend, clock, "Sooner", starts_in_hours=2)
    await new_session(backend, clock, "Past", starts_in_hours=-5)
    under_way = await new_session(backend, clock, "Under way", starts_in_hours=-1)
    cancelled = await new_session(backend, clock, "Cancelled", starts_in_hours=3)
    async with backend.db.transaction() as conn:
        await backend.sessions.cancel_in(conn, cancelled, clock.now)
    assert [s.id for s in await backend.sessions.upcoming(clock.now)] == [under_way, sooner, later]
    assert [s.id for s in await backend.sessions.upcoming(clock.now, include_cancelled=True)] == [
        under_way, sooner, cancelled, later]
    assert [s.id for s in await backend.sessions.upcoming(clock.now, limit=1, offset=1)] == [sooner]
    assert [s.id for s in await backend.sessions.upcoming(clock.now, theme="data")] == [later]
    assert await backend.sessions.count_upcoming(clock.now) == 3
    assert await backend.sessions.count_upcoming(clock.now, theme="data") == 1
    assert await backend.sessions.upcoming_titles(clock.now, limit=2) == {under_way: "Under way", sooner: "Sooner"}
    await backend.sessions.subscribe(later, ada.id, clock.now, **SYNC)
    assert [s.id for s in await backend.sessions.upcoming(clock.now, member_id=ada.id)] == [later]


async def test_following_a_session_schedules_its_reminder_and_follow_up(backend, clock, join):
    ada = await join("ada")
    number = await new_session(backend, clock)
    session = await backend.sessions.get(number)
    earliest = await backend.sessions.subscribe(number, ada.id, clock.now, **SYNC)
    assert earliest == session.starts_at - 15 * 60
    assert await due_for(backend, ada.id) == [(REMINDER, session.starts_at - 900), (FOLLOWUP, session.ends_at + 600)]
    assert await backend.sessions.is_subscribed(number, ada.id)
    assert await backend.sessions.subscribers(number) == [ada.id]
    assert await backend.sessions.count_subscribers(number) == 1
    await backend.sessions.subscribe(number, ada.id, clock.now, **SYNC)  # twice is once
    assert len(await due_for(backend, ada.id)) == 2
    await backend.sessions.unsubscribe(number, ada.id, clock.now, **SYNC)
    assert not await backend.sessions.is_subscribed(number, ada.id) and await due_for(backend, ada.id) == []


async def test_a_theme_brings_its_sessions_those_added_later_too(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    first = await new_session(backend, clock, "First", themes=("data",))
    new, earliest = await backend.sessions.subscribe_theme(ada.id, "data", clock.now, **SYNC)
    assert new and earliest == (await backend.sessions.get(first)).starts_at - 900
    assert (await backend.sessions.subscribe_theme(ada.id, "data", clock.now, **SYNC))[0] is False
    second = await new_session(backend, clock, "Second", starts_in_hours=30, themes=("data",))
    async with backend.db.transaction() as conn:
        await backend.sessions.resync_in(conn, second, now=clock.now, **SYNC)
        assert await subscriber_ids(conn, second) == [ada.id]
    assert await backend.sessions.is_subscribed(second, ada.id) and not await backend.sessions.is_subscribed(
        second, bob.id)
    assert len(await due_for(backend, ada.id)) == 4
    assert await backend.sessions.themes_of(ada.id) == ["data"]

    await backend.sessions.unsubscribe(first, ada.id, clock.now, **SYNC)  # one session of the theme: an opt-out
    assert not await backend.sessions.is_subscribed(first, ada.id)
    assert await backend.sessions.is_subscribed(second, ada.id)
    await backend.sessions.subscribe(first, ada.id, clock.now, **SYNC)  # and back
    assert await backend.sessions.is_subscribed(first, ada.id)

    await backend.sessions.subscribe(second, ada.id, clock.now, **SYNC)  # also directly: stays after the theme
    assert await backend.sessions.unsubscribe_theme(ada.id, "data", clock.now, **SYNC)
    assert not await backend.sessions.unsubscribe_theme(ada.id, "data", clock.now, **SYNC)
    assert await backend.sessions.themes_of(ada.id) == []
    assert await backend.sessions.is_subscribed(first, ada.id) and await backend.sessions.is_subscribed(second, ada.id)
    third = await new_session(backend, clock, "Third", themes=("data",))
    assert not await backend.sessions.is_subscribed(third, ada.id)


async def test_a_blocked_member_follows_nothing(backend, clock, join):
    ada = await join("ada")
    number = await new_session(backend, clock)
    await backend.sessions.subscribe(number, ada.id, clock.now, **SYNC)
    async with backend.db.transaction() as conn:
        await backend.members.set_blocked_in(conn, ada.id, True, clock.now)
    assert await backend.sessions.subscribers(number) == []


async def test_the_members_own_reminder_lead_moves_their_reminders(backend, clock, join):
    ada = await join("ada")
    number = await new_session(backend, clock)
    starts_at = (await backend.sessions.get(number)).starts_at
    await backend.sessions.subscribe(number, ada.id, clock.now, **SYNC)
    assert await backend.sessions.lead(ada.id) is None
    assert await backend.sessions.set_lead(ada.id, 60, clock.now, **SYNC) == starts_at - 3600
    assert await backend.sessions.lead(ada.id) == 60
    assert await due_for(backend, ada.id) == [(REMINDER, starts_at - 3600), (FOLLOWUP, starts_at + 7200 + 600)]
    await backend.sessions.set_lead(ada.id, None, clock.now, **SYNC)
    assert await backend.sessions.lead(ada.id) is None
    assert (await due_for(backend, ada.id))[0] == (REMINDER, starts_at - 900)


async def test_a_reminder_already_past_is_not_scheduled(backend, clock, join):
    ada = await join("ada")
    number = await new_session(backend, clock, starts_in_hours=0)  # starts now: too late to remind
    assert await backend.sessions.subscribe(number, ada.id, clock.now, **SYNC) == clock.later(hours=2, minutes=10)
    assert await due_for(backend, ada.id) == [(FOLLOWUP, clock.later(hours=2, minutes=10))]
    over = await new_session(backend, clock, "Over", starts_in_hours=-3)
    assert await backend.sessions.subscribe(over, ada.id, clock.now, **SYNC) is None


async def test_moving_a_session_moves_its_followers_rows_and_cancelling_drops_them(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    number = await new_session(backend, clock)
    for member in (ada, bob):
        await backend.sessions.subscribe(number, member.id, clock.now, **SYNC)
    moved = session_values(clock, starts_in_hours=72)
    async with backend.db.transaction() as conn:
        await backend.sessions.update_in(conn, number, moved, now=clock.now, bump=True)
        assert await backend.sessions.resync_in(conn, number, now=clock.now, **SYNC) == moved["starts_at"] - 900
    assert await due_for(backend, bob.id) == [(REMINDER, moved["starts_at"] - 900), (FOLLOWUP, moved["ends_at"] + 600)]
    async with backend.db.transaction() as conn:
        await backend.sessions.cancel_in(conn, number, clock.now)
    assert await due_for(backend, ada.id) == [] and await due_for(backend, bob.id) == []
    assert await backend.schedule.for_subject(KINDS, number) == []


async def test_what_is_waiting_in_the_outbox_goes_when_a_follower_stops_or_the_session_is_cancelled(
        backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    number = await new_session(backend, clock)
    for member in (ada, bob):
        await backend.sessions.subscribe(number, member.id, clock.now, **SYNC)
    await backend.outbox.add([NewMessage(member.id, "console", handle, REMINDER, {"text": "soon"},
                                         clock.later(hours=1), subject_id=number)
                              for member, handle in ((ada, "ada"), (bob, "bob"))], now=clock.now)
    await backend.sessions.unsubscribe(number, ada.id, clock.now, **SYNC)
    assert [(i.member_id, i.kind) for i in await backend.outbox.claim(clock.later(days=9), 10, ("console",))] == [
        (bob.id, REMINDER)]


async def test_a_cancelled_sessions_waiting_messages_are_withdrawn_when_resynced(backend, clock, join):
    ada = await join("ada")
    number = await new_session(backend, clock)
    await backend.sessions.subscribe(number, ada.id, clock.now, **SYNC)
    await backend.outbox.add([NewMessage(ada.id, "console", "ada", FOLLOWUP, {}, clock.later(hours=1),
                                         subject_id=number)], now=clock.now)
    async with backend.db.transaction() as conn:
        await backend.sessions.cancel_in(conn, number, clock.now)
        assert await backend.sessions.resync_in(conn, number, now=clock.now, **SYNC) is None
    assert await backend.outbox.claim(clock.later(days=9), 10, ("console",)) == []


async def test_attendance_and_the_commitments_a_session_led_to(backend, clock, join):
    ada = await join("ada")
    number = await new_session(backend, clock, starts_in_hours=-3)
    assert await backend.sessions.attendance(number, ada.id) is None
    await backend.sessions.record_attendance(number, ada.id, False, clock.now)
    await backend.sessions.record_attendance(number, ada.id, True, clock.now)  # the latest answer counts
    assert await backend.sessions.attendance(number, ada.id) is True
    commitment = await backend.commitments.create(ada.id, "follow-up", due_at=None, theme=None, region=None,
                                                  visibility="network", now=clock.now)
    assert await backend.sessions.commitment_session(commitment) is None
    await backend.sessions.link_commitment(commitment, number)
    await backend.sessions.link_commitment(commitment, number)
    assert await backend.sessions.commitment_session(commitment) == number


async def test_export_and_erasure(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    number = await new_session(backend, clock, created_by=ada.id, themes=("data",))
    await backend.sessions.subscribe(number, ada.id, clock.now, **SYNC)
    await backend.sessions.subscribe_theme(ada.id, "data", clock.now, **SYNC)
    await backend.sessions.set_lead(ada.id, 30, clock.now, **SYNC)
    await backend.sessions.record_attendance(number, ada.id, True, clock.now)
    commitment = await backend.commitments.create(ada.id, "x", due_at=None, theme=None, region=None,
                                                  visibility="network", now=clock.now)
    await backend.sessions.link_commitment(commitment, number)
    exported = await backend.sessions.export(ada.id)
    assert exported == {
        "sessions": [{"session_number": number, "title": "Opening", "subscribed_at": clock.now}],
        "themes": [{"theme": "data", "subscribed_at": clock.now}],
        "unsubscribed_sessions_of_your_themes": [],
        "reminder_minutes_before": 30,
        "attendance": [{"session_number": number, "title": "Opening", "attended": True, "answered_at": clock.now}],
        "commitments_from_sessions": [{"commitment_number": commitment, "session_number": number}],
        "sessions_you_created": [{"session_number": number, "title": "Opening", "created_at": clock.now}],
    }
    assert (await backend.sessions.export(bob.id))["sessions"] == []
    async with backend.db.transaction() as conn:
        await backend.members.delete_in(conn, ada.id)
    assert await backend.sessions.subscribers(number) == [] and await backend.sessions.themes_of(ada.id) == []
    assert await backend.sessions.lead(ada.id) is None and await backend.sessions.attendance(number, ada.id) is None
    assert (await backend.sessions.get(number)).created_by is None  # the session stays on the agenda
    assert await backend.sessions.export(ada.id) == {**{k: [] for k in exported}, "reminder_minutes_before": None}
