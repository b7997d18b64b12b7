"""Concurrent single requests handled together (actors/gathering.py), in a plain event loop."""

from __future__ import annotations

import asyncio

import pytest

from actors.gathering import Gatherer


class _Doubler:
    def __init__(self, fail: bool = False, delay_s: float = 0.0) -> None:
        self.calls: list[list[int]] = []
        self._fail = fail
        self._delay_s = delay_s

    async def __call__(self, requests: list[int]) -> list[int]:
        self.calls.append(requests)
        await asyncio.sleep(self._delay_s)
        if self._fail:
            raise RuntimeError("scorer down")
        return [2 * request for request in requests]


async def test_concurrent_requests_go_in_one_call_and_each_gets_its_own_answer() -> None:
    handle = _Doubler()
    gatherer: Gatherer[int, int] = Gatherer(handle, max_size=64, wait_s=0.01)
    assert await asyncio.gather(*(gatherer.submit(n) for n in range(10))) == [2 * n for n in range(10)]
    assert handle.calls == [list(range(10))]


async def test_a_full_gathering_goes_at_once_and_the_rest_follow() -> None:
    handle = _Doubler()
    gatherer: Gatherer[int, int] = Gatherer(handle, max_size=4, wait_s=0.01)
    assert await asyncio.gather(*(gatherer.submit(n) for n in range(10))) == [2 * n for n in range(10)]
    assert [len(call) for call in handle.calls] == [4, 4, 2]


async def test_a_lone_request_goes_at_once_and_later_ones_wait_behind_a_running_call() -> None:
    handle = _Doubler(delay_s=0.05)
    gatherer: Gatherer[int, int] = Gatherer(handle, max_size=64, wait_s=10.0)  # a wait no test sits out
    assert await gatherer.submit(21) == 42  # nothing running: no wait
    first = asyncio.ensure_future(gatherer.submit(1))
    await asyncio.sleep(0.01)  # the first call is running now
    behind = [asyncio.ensure_future(gatherer.submit(n)) for n in (2, 3)]
    assert await first == 2
    assert not any(waiting.done() for waiting in behind), "they wait for the window behind a running call"
    for waiting in behind:
        waiting.cancel()
    assert handle.calls == [[21], [1]]


async def test_a_failure_reaches_every_request_of_its_call() -> None:
    gatherer: Gatherer[int, int] = Gatherer(_Doubler(fail=True), max_size=64, wait_s=0.01)
    outcomes = await asyncio.gather(*(gatherer.submit(n) for n in range(3)), return_exceptions=True)
    assert all(isinstance(outcome, RuntimeError) for outcome in outcomes)


async def test_a_request_that_gave_up_leaves_the_others_answered() -> None:
    gatherer: Gatherer[int, int] = Gatherer(_Doubler(delay_s=0.05), max_size=64, wait_s=0.05)
    impatient = asyncio.ensure_future(asyncio.wait_for(gatherer.submit(1), 0.001))
    patient = asyncio.ensure_future(gatherer.submit(2))
    with pytest.raises(TimeoutError):
        await impatient
    assert await patient == 4
