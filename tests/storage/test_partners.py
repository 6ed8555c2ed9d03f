"""PartnerRepository: partner searches, whom they propose, introductions with consent on both sides, and blocks."""

from __future__ import annotations

import pytest

from storage.members import Region
from storage.partners import INTRO_KINDS


@pytest.fixture
def profile(backend, clock, join):
    """A member with a complete profile: themes, regions (the network's) and languages."""

    async def make(handle: str, themes=(), regions=(), languages=("en",)):
        member = await join(handle, handle.capitalize())
        await backend.members.set_themes(member.id, list(themes), now=clock.now)
        await backend.members.set_regions(member.id, [Region(r, False) for r in regions], now=clock.now)
        await backend.members.set_languages(member.id, list(languages), now=clock.now)
        await backend.members.mark_complete(member.id, now=clock.now)
        return await backend.members.get(member.id)

    return make


async def found(backend, me, **search) -> list[int]:
    search = {"theme": None, "region": None, "language": None, "languages": (), "pivot": 0.0} | search
    return [c.member_id for c in await backend.partners.candidates(me.id, **search)]


async def test_a_search_finds_who_works_on_the_theme_in_the_region_first(backend, profile):
    me = await profile("me", ["data"], ["africa"])
    both = await profile("both", ["data"], ["africa"], ["fr", "en"])
    theme_only = await profile("theme", ["data"], ["europe"])
    region_only = await profile("region", ["health"], ["africa"])
    await profile("neither", ["health"], ["europe"])
    candidates = await backend.partners.candidates(me.id, theme="data", region="africa", language=None,
                                                   languages=("fr",), pivot=0.0)
    assert candidates[0].member_id == both.id and (candidates[0].theme, candidates[0].region) == (True, True)
    assert candidates[0].languages == ("fr",) and candidates[0].strength == 2
    assert {c.member_id: (c.theme, c.region) for c in candidates[1:]} == {
        theme_only.id: (True, False), region_only.id: (False, True)}
    assert await found(backend, me, theme="data", region="africa", wanted=1) == [both.id]  # enough match both
    assert sorted(await found(backend, me, theme="data")) == sorted([both.id, theme_only.id])
    assert await found(backend, me, region="africa", language="fr") == [both.id]
    assert sorted(await found(backend, me, region="africa", pivot=0.99)) == sorted([both.id, region_only.id])
    assert len(await found(backend, me, theme="data", region="africa", limit=1)) == 1
    with pytest.raises(ValueError):
        await found(backend, me)


async def test_who_is_never_proposed(backend, clock, profile, join):
    me = await profile("me", ["data"])
    paused = await profile("paused", ["data"])
    await backend.partners.set_matching(paused.id, False, now=clock.now)
    blocked = await profile("blocked", ["data"])
    async with backend.db.transaction() as conn:
        await backend.members.set_blocked_in(conn, blocked.id, True, clock.now)
    unfinished = await join("unfinished")
    await backend.members.set_themes(unfinished.id, ["data"], now=clock.now)
    ok = await profile("ok", ["data"])
    assert await found(backend, me, theme="data") == [ok.id]
    assert await backend.partners.eligible(me.id, [paused.id, blocked.id, unfinished.id, ok.id, me.id]) == {ok.id}
    assert await backend.partners.eligible(me.id, []) == set()
    assert not await backend.partners.matching(paused.id) and await backend.partners.matching(ok.id)
    assert not await backend.partners.matching(ok.id + 100)


async def test_those_asked_to_meet_once_are_never_proposed_again(backend, clock, profile):
    me, other = await profile("me", ["data"]), await profile("other", ["data"])
    request = await backend.partners.create_request(me.id, theme="data", region=None, language=None, note="",
                                                    proposals=[(other.id, {"theme": "data"})], now=clock.now)
    await backend.partners.send(request, me.id, [(other.id, {}, True)], note="", now=clock.now,
                                expires_at=clock.later(days=7))
    assert await found(backend, me, theme="data") == []
    assert await found(backend, other, theme="data") == []  # either way round
    assert not await backend.partners.may_meet(other.id, me.id)


async def test_a_search_is_recorded_with_its_proposals_and_an_earlier_one_is_let_go(backend, clock, profile):
    me, a, b = await profile("me"), await profile("a"), await profile("b")
    first = await backend.partners.create_request(me.id, theme="data", region=None, language=None, note="n",
                                                  proposals=[(a.id, {"x": 1})], now=clock.now)
    second = await backend.partners.create_request(me.id, theme=None, region="africa", language="fr",
                                                   note="co-run a workshop",
                                                   proposals=[(b.id, {"why": "region"}), (a.id, {})],
                                                   now=clock.advance(minutes=1))
    assert (await backend.partners.request(first)).status == "closed"
    assert await backend.partners.proposals(first) == []
    loaded = await backend.partners.request(second)
    assert (loaded.member_id, loaded.theme, loaded.region, loaded.language, loaded.note, loaded.found,
            loaded.status) == (me.id, None, "africa", "fr", "co-run a workshop", 2, "proposed")
    assert [(p.position, p.member_id, p.reason) for p in await backend.partners.proposals(second)] == [
        (0, b.id, {"why": "region"}), (1, a.id, {})]
    nobody = await backend.partners.create_request(me.id, theme="x", region=None, language=None, note="",
                                                   proposals=[], now=clock.now)
    assert (await backend.partners.request(nobody)).status == "unmatched"
    assert await backend.partners.searches_since(me.id, clock.later(seconds=-61)) == 3
    assert await backend.partners.searches_since(me.id, clock.later(seconds=-1)) == 2
    assert [r.id for r in await backend.partners.requests_for(me.id)] == [nobody, second, first]
    assert await backend.partners.request(nobody + 1) is None


async def test_a_search_recorded_in_a_failed_transaction_leaves_nothing(backend, clock, profile):
    me = await profile("me")
    with pytest.raises(RuntimeError):
        async with backend.db.transaction() as conn:
            await backend.partners.create_request_in(conn, me.id, theme="x", region=None, language=None, note="",
                                                     proposals=[], now=clock.now)
            raise RuntimeError("failed")
    assert await backend.partners.requests_for(me.id) == []


async def test_closing_a_search_before_picking(backend, clock, profile):
    me, a = await profile("me"), await profile("a")
    request = await backend.partners.create_request(me.id, theme="x", region=None, language=None, note="",
                                                    proposals=[(a.id, {})], now=clock.now)
    assert not await backend.partners.close_request(request, a.id, now=clock.now)  # not theirs
    assert await backend.partners.close_request(request, me.id, now=clock.now)
    assert not await backend.partners.close_request(request, me.id, now=clock.now)
    assert await backend.partners.proposals(request) == []
    assert await backend.partners.send(request, me.id, [(a.id, {}, True)], note="", now=clock.now,
                                       expires_at=clock.later(days=7)) is None


async def test_an_introduction_is_made_when_both_accept(backend, clock, profile):
    me, a, b = await profile("me"), await profile("a"), await profile("b")
    request = await backend.partners.create_request(me.id, theme="data", region="africa", language=None,
                                                    note="hi", proposals=[(a.id, {}), (b.id, {})], now=clock.now)
    intro_a, intro_b = await backend.partners.send(request, me.id, [(a.id, {"theme": "data"}, True),
                                                                    (b.id, {}, False)],
                                                   note="hi", now=clock.now, expires_at=clock.later(days=7))
    assert await backend.partners.send(request, me.id, [], note="", now=clock.now, expires_at=0) is None  # once
    assert (await backend.partners.request(request)).status == "sent"
    intro = await backend.partners.introduction(intro_a)
    assert (intro.a_id, intro.b_id, intro.a_answer, intro.b_answer, intro.status, intro.reason, intro.note,
            intro.theme, intro.region, intro.expires_at) == (me.id, a.id, "accepted", "pending", "pending",
                                                             {"theme": "data"}, "hi", "data", "africa",
                                                             clock.later(days=7))
    assert (intro.side(me.id), intro.side(a.id), intro.side(b.id), intro.other("b")) == ("a", "b", None, me.id)
    withheld = await backend.partners.introduction(intro_b)
    assert withheld.b_answer == "withheld"  # one who may not be asked lapses like any other
    assert [(d.kind, d.member_id) for d in await backend.schedule.for_subject(INTRO_KINDS, intro_a)] == [
        ("intro.expire", me.id)]

    made = await backend.partners.answer(intro_a, "b", "accepted", now=clock.advance(hours=1),
                                         follow_up_at=clock.later(days=7))
    assert (made.status, made.introduced_at, made.b_answer) == ("introduced", clock.now, "accepted")
    assert (await backend.partners.request(request)).status == "matched"
    assert sorted((d.kind, d.member_id, d.due_at) for d in await backend.schedule.for_subject(INTRO_KINDS, intro_a)
                  ) == sorted([("intro.follow_up", me.id, clock.later(days=7)),
                               ("intro.follow_up", a.id, clock.later(days=7))])
    assert await backend.partners.answer(intro_a, "b", "declined", now=clock.now) is None  # settled already
    assert await backend.partners.answer(intro_b, "b", "accepted", now=clock.now) is None  # never asked
    assert await backend.partners.request_counts([request]) == {request: {"introduced": 1, "pending": 1}}
    with pytest.raises(ValueError):
        await backend.partners.answer(intro_a, "c", "accepted", now=clock.now)


async def test_not_now_asks_again_later_and_moves_the_lapse(backend, clock, profile):
    me, a = await profile("me"), await profile("a")
    request = await backend.partners.create_request(me.id, theme="x", region=None, language=None, note="",
                                                    proposals=[(a.id, {})], now=clock.now)
    (intro,) = await backend.partners.send(request, me.id, [(a.id, {}, True)], note="", now=clock.now,
                                           expires_at=clock.later(days=7))
    answered = await backend.partners.answer(intro, "b", "not_now", now=clock.now, ask_again_at=clock.later(days=3),
                                             expires_at=clock.later(days=10))
    assert answered.b_answer == "not_now" and answered.expires_at == clock.later(days=10)
    assert sorted((d.kind, d.due_at) for d in await backend.schedule.for_subject(INTRO_KINDS, intro)) == [
        ("intro.ask", clock.later(days=3)), ("intro.expire", clock.later(days=10))]
    async with backend.db.transaction() as conn:
        await backend.partners.asked_again_in(conn, intro, "b", clock.now)
    assert (await backend.partners.introduction(intro)).asked_again("b")
    with pytest.raises(ValueError):
        async with backend.db.transaction() as conn:
            await backend.partners.asked_again_in(conn, intro, "x", clock.now)
    assert (await backend.partners.answer(intro, "b", "accepted", now=clock.now)).status == "introduced"


async def test_declining_with_a_block_keeps_the_two_apart(backend, clock, profile):
    me, a = await profile("me", ["data"]), await profile("a", ["data"])
    other = await profile("other", ["data"])
    request = await backend.partners.create_request(me.id, theme="data", region=None, language=None, note="",
                                                    proposals=[(a.id, {})], now=clock.now)
    (intro,) = await backend.partners.send(request, me.id, [(a.id, {}, True)], note="", now=clock.now,
                                           expires_at=clock.later(days=7))
    assert (await backend.partners.answer(intro, "b", "declined", now=clock.now, block=True)).b_answer == "declined"
    assert await backend.partners.blocked_by(a.id) == [(me.id, clock.now)]
    assert await backend.partners.blocked_by(me.id) == []
    assert a.id not in await backend.partners.eligible(me.id, [a.id])
    assert await backend.partners.may_meet(me.id, other.id)
    await backend.partners.set_matching(me.id, False, now=clock.now)
    assert not await backend.partners.may_meet(me.id, other.id)  # one who paused is not introduced either


async def test_a_lapsed_introduction_leaves_the_search_unmatched_when_none_is_left(backend, clock, profile):
    me, a, b = await profile("me", ["data"]), await profile("a"), await profile("b")
    request = await backend.partners.create_request(me.id, theme="data", region="africa", language=None,
                                                    note="", proposals=[(a.id, {}), (b.id, {})], now=clock.now)
    first, second = await backend.partners.send(request, me.id, [(a.id, {}, True), (b.id, {}, True)], note="",
                                                now=clock.now, expires_at=clock.later(days=7))
    async with backend.db.transaction() as conn:
        await backend.partners.lapse_in(conn, first, clock.now)
    assert (await backend.partners.introduction(first)).status == "lapsed"
    assert (await backend.partners.request(request)).status == "sent"  # the other may still be made
    with pytest.raises(RuntimeError):
        async with backend.db.transaction() as conn:
            await backend.partners.lapse_in(conn, second, clock.now)
            raise RuntimeError("telling the searcher failed")
    assert (await backend.partners.introduction(second)).status == "pending"
    async with backend.db.transaction() as conn:
        await backend.partners.lapse_in(conn, second, clock.now)
    assert (await backend.partners.request(request)).status == "unmatched"
    counts, latest = await backend.partners.gaps(since=clock.later(days=-90))
    assert counts == [("data", "africa", 1)] and [r.id for r in latest] == [request]
    assert await backend.partners.gaps(since=clock.now) == ([], [])


async def test_an_organisers_introduction_and_its_follow_up(backend, clock, profile):
    organiser, a, b = await profile("org"), await profile("a"), await profile("b")
    assert await backend.partners.may_meet(a.id, b.id)
    intro = await backend.partners.arrange(organiser.id, a.id, b.id, note="should meet", send=True, now=clock.now,
                                           expires_at=clock.later(days=7))
    loaded = await backend.partners.introduction(intro)
    assert (loaded.organiser_id, loaded.a_answer, loaded.b_answer, loaded.status, loaded.request_id) == (
        organiser.id, "pending", "pending", "pending", None)
    assert sorted(d.member_id for d in await backend.schedule.for_subject(("intro.expire",), intro)) == sorted(
        [a.id, b.id, organiser.id])
    assert not await backend.partners.may_meet(a.id, b.id)
    await backend.partners.answer(intro, "a", "accepted", now=clock.now)
    await backend.partners.answer(intro, "b", "accepted", now=clock.now, follow_up_at=clock.later(days=7))
    assert not await backend.partners.set_follow_up(intro + 1, "a", "yes", now=clock.now)
    assert await backend.partners.set_follow_up(intro, "a", "not_yet", now=clock.now, again_at=clock.later(days=14))
    assert await backend.partners.set_follow_up(intro, "b", "yes", now=clock.now)
    loaded = await backend.partners.introduction(intro)
    assert (loaded.follow_up("a"), loaded.follow_up("b")) == ("not_yet", "yes")
    assert (clock.later(days=14), a.id, "again") in [
        (d.due_at, d.member_id, d.detail) for d in await backend.schedule.for_subject(("intro.follow_up",), intro)]
    with pytest.raises(ValueError):
        await backend.partners.set_follow_up(intro, "a", "maybe", now=clock.now)
    assert [i.id for i in await backend.partners.arranged_by(organiser.id)] == [intro]
    assert [i.id for i in await backend.partners.for_member(a.id)] == [intro]
    assert set(await backend.partners.introductions_many([intro, intro + 1])) == {intro}
    assert await backend.partners.introductions_many([]) == {}

    unsent = await backend.partners.arrange(organiser.id, a.id, b.id, note="", send=False, now=clock.now,
                                            expires_at=clock.later(days=7))
    assert (await backend.partners.introduction(unsent)).status == "void"
    assert [i.id for i in await backend.partners.for_member(a.id)] == [intro]  # never one withheld from them
    assert await backend.partners.answer(unsent, "a", "accepted", now=clock.now) is None


async def test_erasure_takes_their_notes_and_leaves_the_others_waiting(backend, clock, profile):
    me, a, b = await profile("me"), await profile("a"), await profile("b")
    request = await backend.partners.create_request(me.id, theme="x", region=None, language=None,
                                                    note="my private note", proposals=[(a.id, {})], now=clock.now)
    (intro,) = await backend.partners.send(request, me.id, [(a.id, {"why": "x"}, True)], note="my private note",
                                           now=clock.now, expires_at=clock.later(days=7))
    asked_of_her = await backend.partners.arrange(b.id, a.id, me.id, note="org note", send=True, now=clock.now,
                                                  expires_at=clock.later(days=7))
    async with backend.db.transaction() as conn:
        await backend.partners.forget_in(conn, me.id)
        await backend.members.delete_in(conn, me.id)
    kept = await backend.partners.introduction(intro)
    assert (kept.a_id, kept.note, kept.reason, kept.status, kept.request_id) == (None, "", {}, "pending", None)
    assert await backend.partners.requests_for(me.id) == [] and await backend.partners.request(request) is None
    other = await backend.partners.introduction(asked_of_her)
    assert (other.b_id, other.b_answer, other.note) == (None, "gone", "org note")  # the organiser's words stay
    assert await backend.partners.answer(asked_of_her, "a", "accepted", now=clock.now) is None  # cannot be made
