"""FeedRepository on both engines: a feed's token opens its member's feed and nothing else, only its hash is
stored, a new token replaces the old one, and the feed goes when it is ended or the member is erased. Registration
answers on both engines: sealed, kept only while going."""

from __future__ import annotations

from storage.feeds import token_hash
from storage.members import MemberRepository
from tests.storage.test_sessions import session_values


async def test_a_token_opens_one_feed_and_a_new_one_replaces_it(backend, clock, join):
    ada, bob = await join("ada"), await join("bob")
    first = await backend.feeds.create(ada.id, clock.now)
    bobs = await backend.feeds.create(bob.id, clock.now)
    assert len(first) >= 40 and first != bobs
    assert await backend.feeds.member_of(first) == ada.id and await backend.feeds.member_of(bobs) == bob.id
    assert await backend.feeds.member_of("made-up-token") is None
    stored = [row[0] for row in await backend.db.fetch_all("SELECT token_hash FROM calendar_feeds ORDER BY 1")]
    assert stored == sorted([token_hash(first), token_hash(bobs)])  # the hashes, never the tokens

    clock.now += 60
    second = await backend.feeds.create(ada.id, clock.now)
    assert await backend.feeds.member_of(first) is None and await backend.feeds.member_of(second) == ada.id
    assert await backend.feeds.made_at(ada.id) == clock.now

    assert await backend.feeds.remove(ada.id) is True and await backend.feeds.remove(ada.id) is False
    assert await backend.feeds.member_of(second) is None and await backend.feeds.made_at(ada.id) is None
    async with backend.db.transaction() as conn:
        await MemberRepository.delete_in(conn, bob.id)
    assert await backend.feeds.member_of(bobs) is None


async def test_registration_answers_are_sealed_and_kept_only_while_going(backend, clock, join):
    ada = await join("ada")
    async with backend.db.transaction() as conn:
        session = await backend.sessions.create_in(conn, session_values(clock), uid="answers", created_by=None,
                                                   now=clock.now)
    answers = {"interpretation": "ar", "access": "Step-free entrance"}
    assert await backend.signups.set_answers(session, ada.id, answers) is False  # not going: nothing kept
    await backend.signups.answer(session, ada.id, going=True, places=None, now=clock.now, offer_until=clock.now)
    assert await backend.signups.set_answers(session, ada.id, answers) is True
    assert (await backend.signups.get(session, ada.id)).answers == answers
    (raw,) = await backend.db.fetch_all("SELECT answers FROM session_signups")
    assert "Step-free" not in raw[0] and '"ar"' not in raw[0]
    assert await backend.signups.going_answers(session) == [(ada.id, "going", answers)]
    await backend.signups.answer(session, ada.id, going=False, places=None, now=clock.now, offer_until=clock.now)
    assert (await backend.signups.get(session, ada.id)).answers == {}
    assert await backend.db.fetch_all("SELECT answers FROM session_signups WHERE answers IS NOT NULL") == []


async def test_answers_are_padded_to_one_size_and_go_after_the_session(backend, clock, join):
    ada, bob, cleo = await join("ada"), await join("bob"), await join("cleo")
    async with backend.db.transaction() as conn:
        session = await backend.sessions.create_in(conn, session_values(clock), uid="padded", created_by=None,
                                                   now=clock.now)
    for member in (ada, bob, cleo):
        await backend.signups.answer(session, member.id, going=True, places=None, now=clock.now,
                                     offer_until=clock.now)
    await backend.signups.set_answers(session, ada.id, {})
    await backend.signups.set_answers(session, bob.id, {"interpretation": "ar"})
    await backend.signups.set_answers(session, cleo.id, {"interpretation": "zh", "access": "无障碍" * 100})
    sealed = [row[0] for row in await backend.db.fetch_all("SELECT answers FROM session_signups")]
    assert len(sealed) == 3 and len(set(map(len, sealed))) == 1  # nothing told by the length
    assert (await backend.signups.get(session, cleo.id)).answers["access"] == "无障碍" * 100

    # The organiser stops offering Arabic: Bob's answer goes, Cleo's stays.
    await backend.signups.forget_unasked(session, {"interpretation", "access"}, {"zh"})
    assert (await backend.signups.get(session, bob.id)).answers == {}
    assert (await backend.signups.get(session, cleo.id)).answers["interpretation"] == "zh"

    ends_at = (await backend.sessions.get(session)).ends_at
    periods = {"closed_commitments_days": 365, "requests_days": 180, "audit_days": 730, "conversations_days": 30,
               "registration_answers_days": 7}
    await backend.retention.sweep(ends_at + 6 * 86400, **periods)
    assert (await backend.signups.get(session, cleo.id)).answers != {}
    gone = await backend.retention.sweep(ends_at + 7 * 86400, **periods)
    assert gone["registration_answers"] == 3
    assert await backend.db.fetch_all("SELECT answers FROM session_signups WHERE answers IS NOT NULL") == []
    assert (await backend.signups.get(session, cleo.id)).status == "going"  # the sign-up itself stays
