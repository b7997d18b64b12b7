"""Concurrent single requests handled together (actors/gathering.py), in a plain event loop."""

from __future__ import annotations

import asyncio

import pytest

from actors.gathering import Gatherer


class _Doubler:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[list[int]] = []
        self._fail = fail

    async def __call__(self, requests: list[int]) -> list[int]:
        self.calls.append(requests)
        await asyncio.sleep(0)
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


async def test_a_lone_request_is_answered_after_the_wait() -> None:
    handle = _Doubler()
    gatherer: Gatherer[int, int] = Gatherer(handle, max_size=64, wait_s=0)
    assert await gatherer.submit(21) == 42
    assert await gatherer.submit(5) == 10
    assert handle.calls == [[21], [5]]


async def test_a_failure_reaches_every_request_of_its_call() -> None:
    gatherer: Gatherer[int, int] = Gatherer(_Doubler(fail=True), max_size=64, wait_s=0.01)
    outcomes = await asyncio.gather(*(gatherer.submit(n) for n in range(3)), return_exceptions=True)
    assert all(isinstance(outcome, RuntimeError) for outcome in outcomes)


async def test_a_request_that_gave_up_leaves_the_others_answered() -> None:
    gatherer: Gatherer[int, int] = Gatherer(_Doubler(), max_size=64, wait_s=0.05)
    impatient = asyncio.ensure_future(asyncio.wait_for(gatherer.submit(1), 0.001))
    patient = asyncio.ensure_future(gatherer.submit(2))
    with pytest.raises(TimeoutError):
        await impatient
    assert await patient == 4
