"""BroadcastRepository: broadcasts, who their audience reaches, how they are moved along and what became of each
message; members' mutes. Every step an organiser takes is in the audit trail."""

from __future__ import annotations

import pytest

from storage.broadcasts import OPEN, audience_in, audience_page, clean_audience, reading_in
from storage.members import Region
from storage.outbox import NewMessage


async def new_broadcast(backend, clock, author, *, status: str = "sending", audience=None, recipients: int = 0,
                        body: str = "Meeting moved to Friday") -> int:
    return await backend.broadcasts.create(author.id, body, audience or {}, urgent=False, channels=False,
                                           status=status, send_at=clock.now, recipients=recipients, now=clock.now)


async def queue(backend, clock, broadcast_id: int, *members, at: int | None = None, **extra) -> None:
    await backend.outbox.add([NewMessage(m.id, "console", f"m{m.id}", "broadcast", {"text": "x"},
                                         clock.now if at is None else at, broadcast_id=broadcast_id, **extra)
                              for m in members], now=clock.now)


async def reached(backend, audience, **kw) -> list[int]:
    async with backend.db.transaction() as conn:
        return [r.member_id for r in await audience_in(conn, audience, **kw)]


async def test_a_broadcast_reads_back_and_its_creation_is_audited(backend, clock, join):
    ada = await join("ada")
    number = await backend.broadcasts.create(ada.id, "Hello <all>", {"themes": ["b", "a", "a"], "junk": [1]},
                                             urgent=True, channels=True, status="awaiting_approval",
                                             send_at=clock.later(hours=1), recipients=120, now=clock.now)
    broadcast = await backend.broadcasts.get(number)
    assert (broadcast.author_id, broadcast.body, broadcast.audience, broadcast.urgent, broadcast.channels,
            broadcast.status, broadcast.send_at, broadcast.recipients, broadcast.summary, broadcast.created_at,
            broadcast.approved_by, broadcast.cancel_reason) == (
        ada.id, "Hello <all>", {"themes": ["a", "b"]}, True, True, "awaiting_approval", clock.later(hours=1), 120,
        None, clock.now, None, None)
    assert await backend.broadcasts.get(number + 1) is None
    (entry,) = await backend.audit.involving(ada.id)
    assert (entry.action, entry.actor_id, entry.at) == ("broadcast_created", ada.id, clock.now)
    assert entry.detail == f"broadcast #{number}, 120 recipients, awaiting_approval"
    assert "Hello" not in entry.detail  # numbers only, never the text


async def test_recent_broadcasts_and_an_organisers_daily_count(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    first = await new_broadcast(backend, clock, ada)
    rejected = await new_broadcast(backend, clock, ada, status="awaiting_approval")
    async with backend.db.transaction() as conn:
        assert await backend.broadcasts.move_in(conn, rejected, ("awaiting_approval",), "rejected", clock.now)
    clock.advance(hours=1)
    last = await new_broadcast(backend, clock, bob)
    assert [b.id for b in await backend.broadcasts.recent()] == [last, rejected, first]
    assert [b.id for b in await backend.broadcasts.recent(limit=1)] == [last]
    assert await backend.broadcasts.count_since(ada.id, clock.later(hours=-1)) == 1  # a rejected one does not count
    assert await backend.broadcasts.count_since(ada.id, clock.later(seconds=-1)) == 0
    assert await backend.broadcasts.count_since(bob.id, clock.now) == 1


async def test_a_broadcast_moves_on_only_from_where_it_is(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    number = await new_broadcast(backend, clock, ada, status="awaiting_approval")
    async with backend.db.transaction() as conn:
        assert await backend.broadcasts.move_in(conn, number, ("awaiting_approval",), "scheduled", clock.now,
                                                approved_by=bob.id)
        assert not await backend.broadcasts.move_in(conn, number, ("awaiting_approval",), "rejected", clock.now,
                                                    recipients=42)
    loaded = await backend.broadcasts.get(number)
    assert (loaded.status, loaded.approved_by) == ("scheduled", bob.id)
    with pytest.raises(RuntimeError):
        async with backend.db.transaction() as conn:
            await backend.broadcasts.move_in(conn, number, OPEN, "sending", clock.now)
            raise RuntimeError("queuing its messages failed")
    assert (await backend.broadcasts.get(number)).status == "scheduled"


async def test_a_broadcast_is_queued_page_by_page_and_is_done_only_after_the_last(backend, clock, join):
    ada = await join("ada")
    number = await new_broadcast(backend, clock, ada, status="scheduled")
    async with backend.db.transaction() as conn:
        assert await backend.broadcasts.queuing_in(conn, number) is None  # not going yet
        assert await backend.broadcasts.move_in(conn, number, ("scheduled",), "sending", clock.now, queued_to=0,
                                                recipients=0)
        assert await backend.broadcasts.queuing_in(conn, number) == 0
        await backend.broadcasts.queued_page_in(conn, number, 1000, 7)
        assert await backend.broadcasts.queuing_in(conn, number) == 1000
    assert await backend.broadcasts.finish(clock.now) == []  # nothing waits in the outbox, but pages are left
    async with backend.db.transaction() as conn:
        await backend.broadcasts.queued_page_in(conn, number, None, 3)
        assert await backend.broadcasts.queuing_in(conn, number) is None
    assert (await backend.broadcasts.get(number)).recipients == 10
    assert await backend.broadcasts.finish(clock.now) == [number]


async def test_the_audience_is_read_a_page_of_members_at_a_time(backend, clock, join):
    people = [await join(f"p{n}") for n in range(7)]
    await backend.members.set_themes(people[5].id, ["housing"], now=clock.now)
    await backend.members.set_themes(people[2].id, ["housing"], now=clock.now)
    pages, after = [], 0
    async with backend.db.transaction() as conn:
        while after is not None:
            page, after = await audience_page(reading_in(conn), backend.db.dialect, {}, after=after, limit=3)
            pages.append([r.member_id for r in page])
        themed, last = await audience_page(reading_in(conn), backend.db.dialect, {"themes": ["housing"]}, limit=3)
    ids = [p.id for p in people]
    assert pages == [ids[0:3], ids[3:6], ids[6:7], []]
    assert ([r.member_id for r in themed], last) == ([ids[2]], ids[2])  # only the first three were looked at
    previewed = [(len(r), everyone) async for r, everyone in backend.broadcasts.audience_pages({})]
    assert sum(n for n, _ in previewed) == 7 and all(n == everyone for n, everyone in previewed)


async def test_the_audience_themes_or_themes_and_regions_or_regions(backend, clock, join):
    people = {name: await join(name) for name in ("ada", "bob", "cleo", "dan", "eve")}
    ids = {name: m.id for name, m in people.items()}
    await backend.members.set_themes(ids["ada"], ["housing"], now=clock.now)
    await backend.members.set_themes(ids["bob"], ["detention"], now=clock.now)
    await backend.members.set_themes(ids["cleo"], ["housing", "health"], now=clock.now)
    await backend.members.set_regions(ids["ada"], [Region("europe", False)], now=clock.now)
    await backend.members.set_regions(ids["bob"], [Region("europe", False)], now=clock.now)
    await backend.members.set_regions(ids["cleo"], [Region("africa", False)], now=clock.now)
    await backend.members.set_quiet_hours(ids["ada"], 1320, 480, now=clock.now)
    async with backend.db.transaction() as conn:
        await backend.members.set_blocked_in(conn, ids["eve"], True, clock.now)
    assert await reached(backend, {}) == [ids[n] for n in ("ada", "bob", "cleo", "dan")]  # never the blocked
    assert await reached(backend, {"themes": ["housing", "detention"], "regions": ["europe"]}) == [
        ids["ada"], ids["bob"]]
    assert await reached(backend, {"themes": ["health"]}) == [ids["cleo"]]
    assert await reached(backend, {"regions": ["africa", "europe"], "themes": ["nothing"]}) == []
    async with backend.db.transaction() as conn:
        (ada,) = await audience_in(conn, {"themes": ["housing"], "regions": ["europe"]})
    assert (ada.member_id, ada.quiet_start, ada.quiet_end, ada.timezone) == (ids["ada"], 1320, 480, None)
    assert clean_audience({"themes": ["b", "a", "b"], "regions": [], "other": ["x"]}) == {"themes": ["a", "b"]}


async def test_a_role_takes_in_everyone_who_holds_at_least_that_role(backend, clock, join):
    member, organiser, admin = await join("member"), await join("organiser"), await join("admin")
    async with backend.db.transaction() as conn:
        await backend.members.set_role_in(conn, organiser.id, "organiser", clock.now)
    admin_ids = await backend.members.member_ids_of(frozenset({"console:admin", "telegram:999"}))
    assert admin_ids == {admin.id}  # the accounts the settings name, found by their keyed hashes
    assert await reached(backend, {"roles": ["member"]}, admin_ids=admin_ids) == [member.id, organiser.id, admin.id]
    assert await reached(backend, {"roles": ["organiser"]}, admin_ids=admin_ids) == [organiser.id, admin.id]
    assert await reached(backend, {"roles": ["organiser"]}) == [organiser.id]
    assert await reached(backend, {"roles": ["nobody"]}) == []


async def test_the_audience_of_a_sessions_subscribers(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    async with backend.db.transaction() as conn:
        session = await backend.sessions.create_in(
            conn, {"title": "T", "starts_at": clock.later(days=1), "ends_at": clock.later(days=1, hours=1),
                   "zone": "UTC"}, uid="s", created_by=None, now=clock.now)
    await backend.sessions.subscribe(session, bob.id, clock.now, default_lead=15, followup_after=600)
    assert await reached(backend, {"sessions": [session]}) == [bob.id]
    assert ada.id not in await reached(backend, {"sessions": [session]})


async def test_mutes_leave_members_out_and_stop_what_waits_at_once(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    await backend.members.set_themes(ada.id, ["housing"], now=clock.now)
    await backend.members.set_themes(bob.id, ["housing"], now=clock.now)
    on_housing = await new_broadcast(backend, clock, bob, audience={"themes": ["housing"]})
    to_all = await new_broadcast(backend, clock, bob)
    await queue(backend, clock, on_housing, ada, at=clock.later(hours=1))
    await queue(backend, clock, to_all, ada, at=clock.later(hours=1))
    await queue(backend, clock, on_housing, bob)
    (claimed,) = await backend.outbox.claim(clock.now, 1, ("console",))  # a sender has Bob's, not yet sent
    assert await backend.outbox.still_claimed(claimed.id)
    assert await backend.broadcasts.mute(bob.id, "housing", now=clock.now) == 1
    assert not await backend.outbox.still_claimed(claimed.id)  # so the sender does not send it
    assert await backend.broadcasts.unmute(bob.id, None) == 1
    assert await backend.broadcasts.mute(ada.id, "housing", now=clock.now) == 1
    assert await backend.broadcasts.mute(ada.id, "housing", now=clock.now) == 0  # twice is once
    assert await backend.broadcasts.mutes(ada.id) == ["housing"]
    assert await backend.broadcasts.outcomes(on_housing) == {"console": {"skipped": 2}}
    assert await reached(backend, {"themes": ["housing"]}) == [bob.id]
    assert await reached(backend, {"themes": ["housing"]}, mutes=False) == [ada.id, bob.id]
    assert await reached(backend, {}) == [ada.id, bob.id]  # muting a theme leaves broadcasts to everyone
    assert await backend.broadcasts.mute(ada.id, "", now=clock.now) == 1
    assert await backend.broadcasts.mutes(ada.id) == ["", "housing"]
    assert await reached(backend, {}) == [bob.id]
    assert await backend.broadcasts.unmute(ada.id, "housing") == 1
    assert await backend.broadcasts.mutes(ada.id) == [""]
    assert await backend.broadcasts.unmute(ada.id, None) == 1
    assert await backend.broadcasts.mutes(ada.id) == [] and await reached(backend, {}) == [ada.id, bob.id]
    assert await backend.broadcasts.unmute(ada.id, None) == 0


async def test_cancelling_stops_what_is_not_yet_sent_once(backend, clock, join):
    ada, bob, cleo, dora = await join("ada"), await join("bob"), await join("cleo"), await join("dora")
    number = await new_broadcast(backend, clock, ada)
    await queue(backend, clock, number, bob, cleo, dora)
    sent, claimed = await backend.outbox.claim(clock.now, 2, ("console",))
    await backend.outbox.settle(sent.id, "sent", clock.now)
    await backend.schedule.add("broadcast", number, ada.id, clock.later(hours=1))
    assert await backend.broadcasts.cancel(number, bob.id, now=clock.now) == 2  # the one waiting, the one claimed
    assert not await backend.outbox.still_claimed(claimed.id)
    assert (await backend.broadcasts.get(number)).status == "cancelled"
    assert await backend.broadcasts.outcomes(number) == {"console": {"sent": 1, "cancelled": 2}}
    assert await backend.schedule.for_subject(("broadcast",), number) == []
    assert await backend.broadcasts.cancel(number, bob.id, now=clock.now) is None
    assert [(e.action, e.actor_id, e.detail) for e in await backend.audit.involving(bob.id)] == [
        ("broadcast_cancelled", bob.id, f"broadcast #{number}")]
    done = await new_broadcast(backend, clock, ada)
    await backend.broadcasts.finish(clock.now)
    assert await backend.broadcasts.cancel(done, bob.id, now=clock.now) is None
    assert (await backend.broadcasts.get(done)).status != "cancelled"  # a finished one is not marked cancelled


async def test_stopping_pending_messages_within_a_transaction(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    number = await new_broadcast(backend, clock, ada)
    await queue(backend, clock, number, ada, bob)
    async with backend.db.transaction() as conn:
        assert await backend.broadcasts.cancel_pending_in(conn, number, clock.now) == 2
    assert await backend.outbox.claim(clock.now, 10, ("console",)) == []


async def test_what_is_pending_says_why_it_waits(backend, clock, join):
    ada, bob, cleo, dan = await join("ada"), await join("bob"), await join("cleo"), await join("dan")
    number = await new_broadcast(backend, clock, ada)
    await queue(backend, clock, number, dan)
    (tried,) = await backend.outbox.claim(clock.now, 10, ("console",))
    await backend.outbox.retry(tried.id, clock.later(seconds=30))  # put back after a platform error
    await queue(backend, clock, number, ada)  # queued: goes at the platform's pace
    await queue(backend, clock, number, bob, at=clock.later(hours=8), ready_at=clock.now)  # quiet hours
    await queue(backend, clock, number, cleo, at=clock.later(hours=2))  # a later moment
    assert await backend.broadcasts.outcomes(number, clock.now) == {"console": {
        "pending": 1, "pending: quiet hours": 1, "pending: scheduled": 1, "pending: retrying": 1}}
    assert await backend.broadcasts.outcomes(number) == {"console": {"pending": 3, "pending: retrying": 1}}


async def test_a_finished_broadcast_keeps_its_counts_and_loses_its_text(backend, clock, join):
    ada, bob, cleo = await join("ada"), await join("bob"), await join("cleo")
    number = await new_broadcast(backend, clock, ada)
    await queue(backend, clock, number, bob, cleo)
    waiting = await new_broadcast(backend, clock, ada)
    await queue(backend, clock, waiting, bob, at=clock.later(hours=1))
    first, second = await backend.outbox.claim(clock.now, 10, ("console",))
    await backend.outbox.settle(first.id, "sent", clock.now)
    assert await backend.broadcasts.finish(clock.now) == []  # one is still being sent
    await backend.outbox.settle(second.id, "failed", clock.now, reason="Forbidden")
    assert await backend.broadcasts.finish(clock.now) == [number]
    done = await backend.broadcasts.get(number)
    assert (done.status, done.body) == ("done", None)
    assert done.summary == {"console": {"sent": 1, "failed: Forbidden": 1}}
    await backend.outbox.purge(before=clock.later(seconds=1))
    assert await backend.broadcasts.outcomes(number) == done.summary  # counts outlive the outbox rows
    assert (await backend.broadcasts.get(waiting)).status == "sending"


async def test_counts_are_kept_before_outcome_rows_are_purged(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    number = await new_broadcast(backend, clock, ada)
    await queue(backend, clock, number, bob)
    (item,) = await backend.outbox.claim(clock.now, 10, ("console",))
    await backend.outbox.settle(item.id, "unreachable", clock.now, reason="blocked the bot")
    await backend.broadcasts.summarise_before(clock.later(seconds=1))
    await backend.outbox.purge(before=clock.later(seconds=1))
    assert await backend.broadcasts.outcomes(number) == {"console": {"unreachable: blocked the bot": 1}}


async def test_when_the_author_leaves_their_open_broadcasts_stop_and_their_texts_go(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    sent = await new_broadcast(backend, clock, ada, body="old text")
    await queue(backend, clock, sent, bob)
    (item,) = await backend.outbox.claim(clock.now, 10, ("console",))
    await backend.outbox.settle(item.id, "sent", clock.now)
    await backend.broadcasts.finish(clock.now)
    open_one = await new_broadcast(backend, clock, ada, status="scheduled")
    await backend.schedule.add("broadcast", open_one, ada.id, clock.later(hours=1))
    sending = await new_broadcast(backend, clock, ada)
    await queue(backend, clock, sending, bob)
    await backend.outbox.claim(clock.now, 10, ("console",))  # being sent when the author leaves
    theirs = await new_broadcast(backend, clock, bob)
    async with backend.db.transaction() as conn:
        assert await backend.broadcasts.author_left_in(conn, ada.id, clock.now) == [open_one, sending]
        await backend.members.delete_in(conn, ada.id)
    for number in (open_one, sending):
        broadcast = await backend.broadcasts.get(number)
        assert (broadcast.status, broadcast.cancel_reason, broadcast.body, broadcast.author_id) == (
            "cancelled", "author_left", None, None)
    assert (await backend.broadcasts.get(sent)).body is None and (await backend.broadcasts.get(sent)).status == "done"
    assert await backend.broadcasts.outcomes(sending) == {"console": {"cancelled": 1}}
    assert await backend.schedule.for_subject(("broadcast",), open_one) == []
    assert (await backend.broadcasts.get(theirs)).body == "Meeting moved to Friday"
    assert [e.detail for e in await backend.audit.recent() if e.action == "broadcast_cancelled"] == [
        f"broadcast #{sending}: its author left", f"broadcast #{open_one}: its author left"]


async def test_export_holds_their_mutes_and_the_broadcasts_they_wrote(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    await backend.broadcasts.mute(ada.id, "", now=clock.now)
    await backend.broadcasts.mute(ada.id, "housing", now=clock.now)
    number = await new_broadcast(backend, clock, ada, audience={"regions": ["europe"]}, status="scheduled")
    assert await backend.broadcasts.export(ada.id) == {
        "muted": ["all broadcasts", "housing"],
        "broadcasts_written": [{"number": number, "text": "Meeting moved to Friday",
                                "audience": {"regions": ["europe"]}, "status": "scheduled", "send_at": clock.now,
                                "created_at": clock.now}]}
    assert await backend.broadcasts.export(bob.id) == {"muted": [], "broadcasts_written": []}
    async with backend.db.transaction() as conn:
        await backend.members.delete_in(conn, ada.id)
    assert await backend.broadcasts.mutes(ada.id) == []
