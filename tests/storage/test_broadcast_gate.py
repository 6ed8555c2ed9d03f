"""BroadcastGate: what must no longer be sent, known in memory so a sender checks it the instant before each
request; on start it learns the mutes and cancelled broadcasts the database holds."""

from __future__ import annotations

import pytest

from storage import Repositories
from storage.broadcast_gate import BroadcastGate


async def test_after_a_restart_the_gate_knows_every_mute_and_cancelled_broadcast(backend, clock, join):
    ada, bob, cleo = await join("ada"), await join("bob"), await join("cleo")
    await backend.broadcasts.mute(ada.id, "", now=clock.now)
    await backend.broadcasts.mute(bob.id, "housing", now=clock.now)
    cancelled = await backend.broadcasts.create(cleo.id, "x", {}, urgent=False, channels=False, status="scheduled",
                                                send_at=clock.now, recipients=1, now=clock.now)
    on_housing = await backend.broadcasts.create(cleo.id, "y", {"themes": ["housing"]}, urgent=False, channels=False,
                                                 status="sending", send_at=clock.now, recipients=1, now=clock.now)
    await backend.broadcasts.cancel(cancelled, cleo.id, now=clock.now)

    restarted = Repositories.over(backend.db)  # a new process: a new gate over the same database
    gate = restarted.broadcasts.gate
    await gate.load(restarted)
    assert gate.stops(cleo.id, cancelled) == "cancelled"
    assert gate.stops(ada.id, on_housing) == "skipped"  # muted every broadcast
    assert gate.stops(bob.id, on_housing) is None  # until the gate knows what the broadcast is aimed at
    await gate.learn(restarted, on_housing)
    assert gate.stops(bob.id, on_housing) == "skipped"
    assert gate.stops(cleo.id, on_housing) is None
    await gate.learn(restarted, on_housing + 100)  # a broadcast that no longer exists stops nobody
    assert gate.stops(bob.id, on_housing + 100) is None


async def test_learning_a_broadcast_cancelled_since_start(backend, clock, join):
    ada = await join("ada")
    gate = BroadcastGate()
    await gate.load(backend)
    number = await backend.broadcasts.create(ada.id, "x", {}, urgent=False, channels=False, status="sending",
                                             send_at=clock.now, recipients=1, now=clock.now)
    await Repositories.over(backend.db).broadcasts.cancel(number, ada.id, now=clock.now)  # another gate saw it
    await gate.learn(backend, number)
    assert gate.stops(ada.id, number) == "cancelled"


def test_mutes_cancels_and_erasures_in_memory():
    gate = BroadcastGate()
    gate.know(7, ["housing"])
    gate.mute(1, "housing")
    assert gate.muted(1, "housing") and not gate.muted(1)
    assert gate.stops(1, 7) == "skipped" and gate.stops(1, 8) is None and gate.stops(None, 7) is None
    gate.unmute(1, "health")
    assert gate.stops(1, 7) == "skipped"
    gate.unmute(1)
    assert gate.stops(1, 7) is None
    gate.unmute(2)  # nobody to unmute is fine
    gate.cancel(7)
    assert gate.stops(None, 7) == "cancelled"
    gate.uncancel(7)
    assert gate.stops(None, 7) is None
    gate.erase(3)
    assert gate.withdrawn(3, ()) and gate.withdrawn(4, (5, 3)) and not gate.withdrawn(4, (5,))
    assert not gate.withdrawn(None, ())
    gate.unerase(3)
    assert not gate.withdrawn(3, ())


@pytest.mark.parametrize("fails_at", ["mute", "cancel"])
async def test_a_mute_or_cancel_that_fails_to_be_written_is_taken_back_from_the_gate(backend, clock, join,
                                                                                    monkeypatch, fails_at):
    ada = await join("ada")
    number = await backend.broadcasts.create(ada.id, "x", {}, urgent=False, channels=False, status="sending",
                                             send_at=clock.now, recipients=1, now=clock.now)

    def broken():
        raise RuntimeError("the database is gone")

    monkeypatch.setattr(backend.db, "transaction", broken)
    with pytest.raises(RuntimeError):
        if fails_at == "mute":
            await backend.broadcasts.mute(ada.id, "", now=clock.now)
        else:
            await backend.broadcasts.cancel(number, ada.id, now=clock.now)
    assert backend.broadcasts.gate.stops(ada.id, number) is None
