"""OutboxRepository: everything the bot sends on its own, one row per account and message, claimed, sent and
settled; its text dropped as soon as the outcome is known."""

from __future__ import annotations

import asyncio

import pytest

from storage.outbox import NewMessage, choose_accounts


def message(member, handle: str, at: int, *, kind: str = "notice", text: str = "hello", **extra) -> NewMessage:
    return NewMessage(member.id if member else None, "console", handle, kind, {"text": text}, at, **extra)


async def test_ready_messages_are_claimed_personal_first_then_oldest_first(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    await backend.outbox.add([
        message(ada, "ada", clock.later(seconds=2), text="bulk", broadcast_id=1),
        message(bob, "bob", clock.later(seconds=3), text="personal, later"),
        message(ada, "ada", clock.later(seconds=1), text="personal, sooner", fallback=True, about=(bob.id,)),
        message(bob, "bob", clock.later(hours=1), text="not yet"),
    ], now=clock.now)
    assert await backend.outbox.next_ready(("console",)) == clock.later(seconds=1)
    assert await backend.outbox.next_ready(("telegram",)) is None and await backend.outbox.next_ready(()) is None
    assert await backend.outbox.claim(clock.now, 10, ("console",)) == []
    claimed = await backend.outbox.claim(clock.later(seconds=3), 10, ("console",))
    assert [i.body["text"] for i in claimed] == ["personal, sooner", "personal, later", "bulk"]
    first = claimed[0]
    assert (first.member_id, first.platform, first.external_id, first.kind, first.not_before, first.fallback,
            first.attempts, first.created_at, first.broadcast_id, first.about) == (
        ada.id, "console", "ada", "notice", clock.later(seconds=1), True, 1, clock.now, None, (bob.id,))
    assert claimed[2].broadcast_id == 1
    assert await backend.outbox.claim(clock.later(seconds=3), 10, ("console",)) == []  # each is claimed once
    assert await backend.outbox.counts() == {"sending": 3, "pending": 1}


async def test_a_claim_takes_at_most_its_limit_and_only_its_platforms(backend, clock, join):
    ada = await join("ada")
    await backend.outbox.add([message(ada, "ada", clock.now, text=str(n)) for n in range(5)] + [
        NewMessage(ada.id, "telegram", "7", "notice", {"text": "tg"}, clock.now)], now=clock.now)
    assert [i.body["text"] for i in await backend.outbox.claim(clock.now, 2, ("console",))] == ["0", "1"]
    assert [i.body["text"] for i in await backend.outbox.claim(clock.now, 10, ("telegram",))] == ["tg"]
    assert await backend.outbox.claim(clock.now, 0, ("console",)) == []
    assert await backend.outbox.claim(clock.now, 5, ()) == []
    assert len(await backend.outbox.claim(clock.now, 10, ("console", "telegram"))) == 3


async def test_claims_made_at_the_same_moment_never_share_a_message(backend, clock, join):
    ada = await join("ada")
    await backend.outbox.add([message(ada, "ada", clock.now, text=str(n)) for n in range(30)], now=clock.now)
    batches = await asyncio.gather(*(backend.outbox.claim(clock.now, 7, ("console",)) for _ in range(6)))
    ids = [i.id for batch in batches for i in batch]
    assert len(ids) == len(set(ids)) == 30


async def test_settling_records_the_outcome_and_drops_the_text(backend, clock, join):
    ada = await join("ada")
    await backend.outbox.add([message(ada, "ada", clock.now, text="secret", about=(ada.id,))], now=clock.now)
    (item,) = await backend.outbox.claim(clock.now, 10, ("console",))
    with pytest.raises(ValueError):
        await backend.outbox.settle(item.id, "delivered", clock.now)
    await backend.outbox.settle(item.id, "failed", clock.later(seconds=1), reason="Forbidden")
    assert await backend.outbox.counts() == {"failed": 1}
    assert await backend.outbox.for_member(ada.id) == [{
        "kind": "notice", "state": "failed", "platform": "console", "not_before": clock.now,
        "created_at": clock.now, "done_at": clock.later(seconds=1)}]
    assert "secret" not in repr(await backend.outbox.for_member(ada.id))


async def test_a_message_put_back_is_claimed_again_from_its_new_moment(backend, clock, join):
    ada = await join("ada")
    await backend.outbox.add([message(ada, "ada", clock.now)], now=clock.now)
    (item,) = await backend.outbox.claim(clock.now, 10, ("console",))
    await backend.outbox.retry(item.id, clock.later(seconds=30))
    assert await backend.outbox.next_ready(("console",)) == clock.later(seconds=30)
    assert await backend.outbox.claim(clock.later(seconds=29), 10, ("console",)) == []
    (again,) = await backend.outbox.claim(clock.later(seconds=30), 10, ("console",))
    assert (again.id, again.attempts, again.body) == (item.id, 2, {"text": "hello"})


async def test_what_a_process_taken_for_dead_was_sending_goes_back_to_waiting(backend, clock, join):
    ada = await join("ada")
    await backend.outbox.add([message(ada, "ada", clock.now) for _ in range(3)], now=clock.now)
    await backend.processes.beat("gone")
    await backend.processes.beat("alive")
    first, second = await backend.outbox.claim(clock.now, 2, ("console",), by="gone")
    (third,) = await backend.outbox.claim(clock.now, 10, ("console",), by="alive")
    await backend.outbox.settle(first.id, "sent", clock.now)
    assert await backend.outbox.still_claimed(second.id, "gone")
    assert not await backend.outbox.still_claimed(second.id, "alive")  # not the process sending it

    assert await backend.processes.reap(9, all_but="alive") == (1, 1)
    assert await backend.processes.alive() == ["alive"]
    assert not await backend.outbox.still_claimed(second.id, "gone")  # the dead one would not send it now
    assert await backend.outbox.still_claimed(third.id, "alive")  # the living keep theirs
    (again,) = await backend.outbox.claim(clock.now, 10, ("console",), by="alive")
    assert (again.id, again.attempts) == (second.id, 2)


async def test_a_process_silent_past_the_expiry_is_taken_for_dead(backend, clock, join):
    await backend.processes.beat("quiet")
    assert await backend.processes.reap(60) == (0, 0)
    assert await backend.processes.reap(-1) == (1, 0)  # silent for longer than "-1 seconds": dead
    assert await backend.processes.alive() == []


async def test_a_role_is_held_by_one_process_until_it_is_dead_or_leaves(backend):
    for process in ("first", "second"):
        await backend.processes.beat(process)
    assert await backend.processes.take_role("clock", "first")
    assert not await backend.processes.take_role("clock", "second")
    assert await backend.processes.take_role("clock", "first")  # kept
    assert await backend.processes.holder("clock") == "first"
    await backend.processes.reap(9, all_but="second")
    assert await backend.processes.take_role("clock", "second")
    assert not await backend.processes.take_role("clock", "first")  # back from the dead: it does not take it back
    await backend.processes.leave("second")
    assert await backend.processes.take_role("clock", "first")


async def test_an_update_is_handled_once_and_an_account_by_one_process_at_a_time(backend):
    assert await backend.processes.first_time("telegram", 7)
    assert not await backend.processes.first_time("telegram", 7)
    assert await backend.processes.first_time("discord", 7)
    assert await backend.processes.hold_account("telegram:1", "first", 30)
    assert not await backend.processes.hold_account("telegram:1", "second", 30)
    assert await backend.processes.hold_account("telegram:2", "second", 30)
    await backend.processes.free_account("telegram:1", "second")  # not its to free
    assert not await backend.processes.hold_account("telegram:1", "second", 30)
    await backend.processes.free_account("telegram:1", "first")
    assert await backend.processes.hold_account("telegram:1", "second", 30)
    assert await backend.processes.hold_account("telegram:3", "first", -1)  # lapsed at once
    assert await backend.processes.hold_account("telegram:3", "second", 30)


async def test_outcomes_are_purged_after_a_while_and_waiting_messages_are_not(backend, clock, join):
    ada = await join("ada")
    await backend.outbox.add([message(ada, "ada", clock.now), message(ada, "ada", clock.later(days=30))],
                             now=clock.now)
    (item,) = await backend.outbox.claim(clock.now, 10, ("console",))
    await backend.outbox.settle(item.id, "sent", clock.now)
    assert await backend.outbox.purge(before=clock.now) == 0
    assert await backend.outbox.purge(before=clock.later(seconds=1)) == 1
    assert await backend.outbox.counts() == {"pending": 1}


async def test_messages_held_for_quiet_hours_can_be_moved(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    await backend.outbox.add([
        message(ada, "ada", clock.later(hours=8), ready_at=clock.now),  # held until the quiet hours end
        message(ada, "ada", clock.later(hours=1)),  # the member's own reminder: comes when they asked
        message(bob, "bob", clock.later(hours=8), ready_at=clock.now),
    ], now=clock.now)
    (held,) = await backend.outbox.held_for_quiet(ada.id)
    assert (held.ready_at, held.not_before) == (clock.now, clock.later(hours=8))
    assert await backend.outbox.reschedule([(held.id, clock.now)]) == 1  # quiet hours turned off
    assert await backend.outbox.reschedule([]) == 0
    assert [i.member_id for i in await backend.outbox.claim(clock.now, 10, ("console",))] == [ada.id]


async def test_a_message_tried_once_keeps_its_own_moment(backend, clock, join):
    ada = await join("ada")
    await backend.outbox.add([message(ada, "ada", clock.now, ready_at=clock.now)], now=clock.now)
    (item,) = await backend.outbox.claim(clock.now, 10, ("console",))
    await backend.outbox.retry(item.id, clock.later(minutes=5))
    assert await backend.outbox.held_for_quiet(ada.id) == []
    assert await backend.outbox.reschedule([(item.id, clock.now)]) == 0
    assert await backend.outbox.next_ready(("console",)) == clock.later(minutes=5)


async def test_messages_about_an_erased_member_are_withdrawn_with_them(backend, clock, join):
    ada, bob, cleo = await join("ada"), await join("bob"), await join("cleo")
    await backend.outbox.add([
        message(bob, "bob", clock.now, kind="intro", about=(ada.id,)),
        message(cleo, "cleo", clock.later(hours=1), kind="joint", about=(cleo.id, ada.id)),
        message(bob, "bob", clock.now, kind="unrelated", about=(cleo.id,)),
        message(ada, "ada", clock.now, kind="hers"),
    ], now=clock.now)
    assert len(await backend.outbox.claim(clock.now, 10, ("console",))) == 3  # being sent: withdrawn all the same
    async with backend.db.transaction() as conn:
        assert await backend.outbox.withdraw_about_in(conn, ada.id) == 2
        await backend.members.delete_in(conn, ada.id)
    assert await backend.outbox.for_member(ada.id) == []  # her own went with her member row
    assert [m["kind"] for m in await backend.outbox.for_member(bob.id)] == ["unrelated"]
    assert await backend.outbox.for_member(cleo.id) == []


async def test_withdrawn_in_a_failed_transaction_means_still_queued(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    await backend.outbox.add([message(bob, "bob", clock.now, about=(ada.id,))], now=clock.now)
    with pytest.raises(RuntimeError):
        async with backend.db.transaction() as conn:
            await backend.outbox.withdraw_about_in(conn, ada.id)
            await backend.outbox.add_in(conn, [message(bob, "bob", clock.now)], clock.now)
            raise RuntimeError("erasing failed")
    assert await backend.outbox.counts() == {"pending": 1}


async def test_messages_about_a_subject_can_be_withdrawn_for_everyone_or_one_member(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    await backend.outbox.add([
        message(ada, "ada", clock.later(hours=1), kind="session_reminder", subject_id=4),
        message(bob, "bob", clock.later(hours=1), kind="session_reminder", subject_id=4),
        message(bob, "bob", clock.later(hours=1), kind="session_reminder", subject_id=5),
        message(bob, "bob", clock.later(hours=1), kind="other", subject_id=4),
    ], now=clock.now)
    async with backend.db.transaction() as conn:
        assert await backend.outbox.withdraw_subject_in(conn, ("session_reminder",), 4, ada.id) == 1
    assert [m["kind"] for m in await backend.outbox.for_member(ada.id)] == []
    async with backend.db.transaction() as conn:
        assert await backend.outbox.withdraw_subject_in(conn, ("session_reminder",), 4) == 1
    assert [m["kind"] for m in await backend.outbox.for_member(bob.id)] == ["session_reminder", "other"]


async def test_a_message_to_an_account_without_a_member_can_be_queued(backend, clock):
    await backend.outbox.add([message(None, "stranger", clock.now, kind="menu")], now=clock.now)
    (item,) = await backend.outbox.claim(clock.now, 10, ("console",))
    assert (item.member_id, item.external_id) == (None, "stranger")


def test_which_accounts_a_message_goes_to():
    accounts = [("discord", "2"), ("telegram", "1")]
    assert choose_accounts("all", accounts) == (accounts, False)
    assert choose_accounts("telegram", accounts) == ([("telegram", "1")], True)
    assert choose_accounts("telegram", [("discord", "2")]) == ([("discord", "2")], False)  # unreachable there
    assert choose_accounts("all", []) == ([], False)


async def test_a_platforms_turns_are_spaced_for_every_process_and_a_pause_holds_them_all(backend):
    first = await backend.processes.pace_turn("telegram", 0.5)
    second = await backend.processes.pace_turn("telegram", 0.5)
    third = await backend.processes.pace_turn("telegram", 0.5)
    assert first <= 0.05  # the first turn after a quiet while comes at once
    assert 0.4 < second - first < 0.6 and 0.4 < third - second < 0.6
    assert await backend.processes.pace_turn("discord", 0.5) <= 0.05  # each platform has its own
    await backend.processes.pace_pause("telegram", 30)
    assert 29 < await backend.processes.pace_turn("telegram", 0.5) < 31  # a 429 asked everyone to wait
