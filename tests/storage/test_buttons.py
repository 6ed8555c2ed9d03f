"""ButtonRepository: the short opaque tokens buttons carry, what each does, for whom, until when."""

from __future__ import annotations

import pytest

from storage.buttons import new_set_token


async def test_a_set_of_buttons_resolves_button_by_button(backend, clock):
    set_token = new_set_token(clock.now)
    await backend.buttons.store_set(set_token, "telegram:7", [
        ("profile.edit", {"field": "name"}, False), ("data.forget", {}, True)], expires_at=clock.later(days=1))
    first = await backend.buttons.resolve(f"{set_token}.0", now=clock.now)
    second = await backend.buttons.resolve(f"{set_token}.1", now=clock.now)
    assert (first.action, first.payload, first.single_use, first.set_token) == (
        "profile.edit", {"field": "name"}, False, set_token)
    assert (second.action, second.payload, second.single_use, second.used_at) == ("data.forget", {}, True, None)
    assert first.audience == second.audience == await backend.buttons.audience("telegram:7")
    assert first.expires_at == clock.later(days=1)
    for token in (f"{set_token}.2", set_token, f"{set_token}.", f"{set_token}.x", f"{set_token}.-1",
                  f"{set_token}.٣", f"{new_set_token(clock.now)}.0", "", "." * 70):
        assert await backend.buttons.resolve(token, now=clock.now) is None, token


async def test_the_audience_is_a_keyed_hash_of_the_person(backend):
    audience = await backend.buttons.audience("telegram:7")
    assert audience == await backend.buttons.audience("telegram:7")
    assert audience != await backend.buttons.audience("telegram:8")
    assert "telegram" not in audience and len(audience) == 32


async def test_a_single_use_set_is_spent_once(backend, clock):
    token = await backend.buttons.issue("member:1", "data.forget", {}, single_use=True, expires_at=clock.later(hours=1))
    set_token = token.partition(".")[0]
    assert await backend.buttons.spend(set_token, now=clock.now)
    assert not await backend.buttons.spend(set_token, now=clock.later(seconds=1))  # a second press, or its twin
    assert (await backend.buttons.resolve(token, now=clock.now)).used_at == clock.now
    assert not await backend.buttons.spend(new_set_token(clock.now), now=clock.now)


async def test_expired_buttons_stop_working_and_are_purged(backend, clock):
    token = await backend.buttons.issue("console:a", "x", {}, single_use=False, expires_at=clock.later(seconds=50))
    kept = await backend.buttons.issue("console:a", "y", {}, single_use=False, expires_at=clock.later(seconds=51))
    assert await backend.buttons.resolve(token, now=clock.later(seconds=49)) is not None
    assert await backend.buttons.resolve(token, now=clock.later(seconds=50)) is None
    assert await backend.buttons.purge_expired(now=clock.later(seconds=50)) == 1
    assert await backend.buttons.resolve(kept, now=clock.later(seconds=50)) is not None
    assert await backend.buttons.count_for([await backend.buttons.audience("console:a")]) == 1


async def test_what_someone_was_shown_can_be_counted_and_forgotten(backend, clock):
    ada, bob = await backend.buttons.audience("console:ada"), await backend.buttons.audience("console:bob")
    async with backend.db.transaction() as conn:
        await backend.buttons.store_sets_in(conn, [
            (new_set_token(clock.now), "console:ada", [("a", {}, False)], clock.later(days=1)),
            (new_set_token(clock.now), "console:ada", [("b", {}, False), ("c", {}, True)], clock.later(days=1)),
            (new_set_token(clock.now), "console:bob", [("d", {}, False)], clock.later(days=1))])
    kept = await backend.buttons.issue("console:bob", "e", {}, single_use=False, expires_at=clock.later(days=1))
    assert await backend.buttons.count_for([ada]) == 2
    assert await backend.buttons.count_for([ada, bob]) == 4
    assert await backend.buttons.count_for([]) == 0
    async with backend.db.transaction() as conn:
        await backend.buttons.forget_audiences_in(conn, [ada])
        await backend.buttons.forget_audiences_in(conn, [])
    assert await backend.buttons.count_for([ada]) == 0
    assert await backend.buttons.count_for([bob]) == 2
    assert await backend.buttons.resolve(kept, now=clock.now) is not None


async def test_buttons_stored_in_a_rolled_back_transaction_do_not_exist(backend, clock):
    set_token = new_set_token(clock.now)
    with pytest.raises(RuntimeError):
        async with backend.db.transaction() as conn:
            await backend.buttons.store_sets_in(conn, [(set_token, "console:a", [("a", {}, False)],
                                                        clock.later(days=1))])
            raise RuntimeError("the answer was never sent")
    assert await backend.buttons.resolve(f"{set_token}.0", now=clock.now) is None


async def test_set_tokens_are_unguessable_short_and_sort_by_when_they_were_made(backend, clock):
    tokens = {new_set_token(clock.now) for _ in range(1000)}
    assert len(tokens) == 1000  # random part: no two alike
    assert all(len(f"{t}.99") <= 64 and t.isascii() and "." not in t for t in tokens)
    assert max(tokens) < new_set_token(clock.now + 1) and min(tokens) > new_set_token(clock.now - 1)
    token = await backend.buttons.issue("member:1", "profile.edit", {"field": "name"}, single_use=False,
                                        expires_at=clock.later(days=1))
    found = await backend.buttons.resolve(token, clock.now)
    assert found is not None and found.payload == {"field": "name"}
