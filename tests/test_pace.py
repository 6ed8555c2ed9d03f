"""The pace of one platform: every request the bot sends there takes a turn, direct replies before the outbox's
messages, never more than the platform's limit in any second (with a margin), and none during a 429's pause.

Time is virtual (`VirtualTime` from the outbox tests): only sleeping makes it pass.
"""

from __future__ import annotations

import asyncio

import pytest

from bot import delivery
from bot.delivery import Pace
from tests.test_outbox import EPSILON, VirtualTime


class _Idle:
    def advance(self, seconds: float) -> None:
        """No wall clock to move."""


@pytest.fixture
def time(monkeypatch) -> VirtualTime:
    time = VirtualTime(_Idle())
    monkeypatch.setattr(delivery, "asyncio", time)
    return time


def time_of(offset: float) -> float:
    """A moment so many seconds after virtual time began."""
    return 1000.0 + offset


async def _take_turns(pace: Pace, time: VirtualTime,
                      requests: list[tuple[float, str, bool]]) -> list[tuple[str, float]]:
    """Each (moment, name, urgent) asks for a turn at that moment; the name and moment of each turn, in order."""
    went: list[tuple[str, float]] = []
    start = time.now

    async def one(moment: float, name: str, urgent: bool) -> None:
        if moment:
            await time.sleep(start + moment - time.now)
        await pace.acquire("42", urgent=urgent)
        went.append((name, time.now))

    await asyncio.gather(*(one(*request) for request in requests))
    return went


async def test_a_direct_reply_takes_the_next_turn_ahead_of_the_messages_already_waiting(time):
    pace = Pace(30, monotonic=time.monotonic)
    broadcast = [(0.0, f"b{i}", False) for i in range(60)]
    went = await _take_turns(pace, time, [*broadcast, (0.5, "reply", True)])
    order = [name for name, _ in went]
    moment = dict(went)["reply"]
    assert moment <= time_of(0.5) + 1 / 30 + EPSILON  # within one interval of asking
    assert order.index("reply") <= 17  # the 40-odd broadcast messages still waiting went after it
    assert [name for name in order if name != "reply"] == [f"b{i}" for i in range(60)]  # the others kept their order


async def test_during_a_pause_no_turn_is_given_not_even_to_a_direct_reply_and_then_they_go_at_the_pace(time):
    pace = Pace(30, monotonic=time.monotonic)
    pace.pause(5)
    went = await _take_turns(pace, time, [(0.0, f"b{i}", False) for i in range(20)] + [(1.0, "reply", True)])
    moments = [moment for _, moment in went]
    assert min(moments) >= time_of(5) - EPSILON
    assert went[0][0] == "reply"  # first once the pause is over
    assert min(b - a for a, b in zip(moments, moments[1:])) >= 1 / 30 - EPSILON  # not all at once


async def test_never_more_than_the_limit_in_a_second_and_the_margin_even_after_the_event_loop_stalls(time):
    """A stall makes several turns come due at once: they may go together, but any 31 requests in a row still span
    a second and the margin (room for the network to delay one request more than another)."""
    pace = Pace(30, margin=0.04, monotonic=time.monotonic)
    went: list[float] = []

    async def one() -> None:
        await pace.acquire("42")
        went.append(time.now)
        if len(went) in (10, 70):
            time.now += 0.2  # the event loop stalls for 200 ms

    await asyncio.gather(*(one() for _ in range(150)))
    assert min(went[i + 30] - went[i] for i in range(len(went) - 30)) >= 1.04 - EPSILON
    assert went[-1] - went[0] <= 149 * 1.04 / 30 + 2 * 0.2 + EPSILON  # no slower than the pace, stalls aside


async def test_an_unpaced_platform_sends_at_once_but_waits_out_a_pause(time):
    pace = Pace(None, monotonic=time.monotonic)
    assert [m for _, m in await _take_turns(pace, time, [(0.0, "a", False), (0.0, "b", True)])] == [time_of(0)] * 2
    pace.pause(3)
    assert min(m for _, m in await _take_turns(pace, time, [(0.0, "c", False), (0.0, "d", True)])) >= time_of(3)


async def test_counted_where_they_are_written_a_request_held_back_after_its_turn_cannot_crowd_a_second(time):
    """Between a turn and the write the event loop, or a busy machine, may hold one request back: at the turns the
    pace keeps the limit, but 31 writes in a row would span only 1.04 s minus that delay. Counted again at the write
    (`leaving`), any 31 writes in a row span a second and the margin."""
    pace = Pace(30, margin=0.04, monotonic=time.monotonic)
    turns: list[float] = []
    writes: list[float] = []

    async def one(number: int) -> None:
        await pace.acquire("42")
        turns.append(time.now)
        if number in (10, 75):
            await time.sleep(0.2)  # held back on its way to the network
        await pace.leaving()
        writes.append(time.now)

    await asyncio.gather(*(one(i) for i in range(150)))
    writes.sort()
    assert min(writes[i + 30] - writes[i] for i in range(len(writes) - 30)) >= 1.04 - EPSILON
    assert min(turns[i + 30] - turns[i] for i in range(len(turns) - 30)) >= 1.04 - EPSILON
    assert writes[-1] - writes[0] <= 149 * 1.04 / 30 + 2 * 0.2 + EPSILON  # held back no longer than the delays


async def test_a_request_whose_turn_came_just_before_a_429_is_not_written_until_its_pause_is_over(time):
    pace = Pace(30, monotonic=time.monotonic)
    await pace.acquire("42")
    pace.pause(3)  # another request's 429 came back between this one's turn and its write
    await pace.leaving()
    assert time.now >= time_of(3) - EPSILON
