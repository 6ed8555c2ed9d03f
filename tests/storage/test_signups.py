"""SignupRepository on both engines: places taken exactly once however many press Going at the same moment, the
waiting list kept in the order the answers were written, and a place given back offered to exactly one person,
who has until a deadline to take it before it passes on."""

from __future__ import annotations

import asyncio
import itertools

from storage.signups import GOING, NOT_GOING, OFFER, OFFERED, WAITING, Counts, Signup
from tests.storage.test_sessions import session_values

UIDS = itertools.count(1)


async def _session(backend, clock, places: int | None) -> int:
    async with backend.db.transaction() as conn:
        return await backend.sessions.create_in(conn, {**session_values(clock), "places": places},
                                                uid=f"session-{next(UIDS)}", created_by=None, now=clock.now)


async def test_a_hundred_members_going_at_once_for_forty_places(backend, clock, join):
    session = await _session(backend, clock, 40)
    members = [(await join(f"m{n}")).id for n in range(100)]
    deadline = clock.later(hours=12)
    answers = await asyncio.gather(*(backend.signups.answer(session, m, going=True, places=40, now=clock.now,
                                                            offer_until=deadline) for m in members))
    assert await backend.signups.counts(session) == Counts(going=40, waiting=60)
    # In the order the presses were written (one transaction at a time, in the order they asked), and each
    # told their own place.
    assert await backend.signups.members(session, GOING) == members[:40]
    assert await backend.signups.members(session, WAITING) == members[40:]
    assert [a.signup.position for a in answers[40:]] == list(range(1, 61))

    # One going member gives their place back: exactly the first waiting is offered it, until the deadline.
    done = await backend.signups.answer(session, members[3], going=False, places=40, now=clock.now,
                                        offer_until=deadline)
    assert done.signup.status == NOT_GOING and done.offered == (members[40],)
    assert await backend.signups.counts(session) == Counts(going=39, offered=1, waiting=59, not_going=1)
    assert (await backend.signups.get(session, members[41])).position == 1
    assert [(d.kind, d.subject_id, d.due_at) for d in await backend.schedule.for_member(members[40])] == [
        (OFFER, session, deadline)]

    # Not taken by the deadline, the offer passes to the next; taken in time, the place is theirs.
    assert await backend.signups.lapse(session, members[40], places=40, now=deadline - 1,
                                       offer_until=deadline) == (False, ())  # not yet
    later = clock.later(hours=24)
    assert await backend.signups.lapse(session, members[40], places=40, now=deadline,
                                       offer_until=later) == (True, (members[41],))
    assert (await backend.signups.get(session, members[40])).status == NOT_GOING
    taken = await backend.signups.answer(session, members[41], going=True, places=40, now=deadline,
                                         offer_until=later)
    assert taken.signup.status == GOING and taken.offered == ()
    assert await backend.signups.lapse(session, members[41], places=40, now=later, offer_until=later) == (False, ())
    assert await backend.signups.counts(session) == Counts(going=40, waiting=58, not_going=2)


async def test_going_again_after_not_going_goes_to_the_end_of_the_list(backend, clock, join):
    session = await _session(backend, clock, 1)
    ada, bob, cleo = [(await join(name)).id for name in ("ada", "bob", "cleo")]
    for member in (ada, bob, cleo):
        await backend.signups.answer(session, member, going=True, places=1, now=clock.now, offer_until=clock.now)
    await backend.signups.answer(session, bob, going=False, places=1, now=clock.now, offer_until=clock.now)
    again = await backend.signups.answer(session, bob, going=True, places=1, now=clock.now, offer_until=clock.now)
    assert again.signup == Signup(WAITING, 2, None)
    assert await backend.signups.members(session, WAITING) == [cleo, bob]


async def test_more_places_go_to_those_waiting_and_no_limit_takes_everyone(backend, clock, join):
    session = await _session(backend, clock, 1)
    ids = [(await join(f"m{n}")).id for n in range(4)]
    for member in ids:
        await backend.signups.answer(session, member, going=True, places=1, now=clock.now, offer_until=clock.now)
    assert await backend.signups.places_changed(session, 3, clock.now, clock.later(hours=1)) == (ids[1], ids[2])
    assert await backend.signups.members(session, OFFERED) == [ids[1], ids[2]]
    unlimited = await backend.signups.places_changed(session, None, clock.now, clock.later(hours=1))
    assert unlimited == (ids[3],)

    open_to_all = await _session(backend, clock, None)
    for member in ids:
        await backend.signups.answer(open_to_all, member, going=True, places=None, now=clock.now,
                                     offer_until=clock.now)
    assert await backend.signups.counts(open_to_all) == Counts(going=4)
