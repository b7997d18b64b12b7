"""Concurrent single requests handled together, at most `max_size` in one call. What
@serve.batch does inside a Serve replica, for code that runs in any event loop (a replica, an
actor, a benchmark's own process).

A request waits for others to join it (up to `wait_s`) only while an earlier call is still
running: at low load nothing is gained by waiting and each request goes at the next turn of
the loop (with whatever arrived in the same turn); at high load requests pile up behind the
running call and go together."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Request = TypeVar("Request")
Result = TypeVar("Result")


class Gatherer(Generic[Request, Result]):
    def __init__(
        self,
        handle_many: Callable[[list[Request]], Awaitable[Sequence[Result]]],
        max_size: int,
        wait_s: float,
    ) -> None:
        assert max_size >= 1 and wait_s >= 0
        self._handle_many = handle_many
        self._max_size = max_size
        self._wait_s = wait_s
        self._waiting: list[tuple[Request, asyncio.Future[Result]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._running: set[asyncio.Task[None]] = set()  # kept referenced until done

    async def submit(self, request: Request) -> Result:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Result] = loop.create_future()
        self._waiting.append((request, answer))
        if len(self._waiting) >= self._max_size:
            self._flush()
        elif self._timer is None:
            wait_s = self._wait_s if self._running else 0.0
            self._timer = loop.call_later(wait_s, self._flush)
        return await answer

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        gathered, self._waiting = self._waiting, []
        if gathered:
            task = asyncio.get_running_loop().create_task(self._run(gathered))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _run(self, gathered: list[tuple[Request, asyncio.Future[Result]]]) -> None:
        try:
            results = await self._handle_many([request for request, _ in gathered])
            assert len(results) == len(gathered), "one result per request"
        except asyncio.CancelledError:
            for _, answer in gathered:
                answer.cancel()
            raise
        except Exception as error:  # noqa: BLE001 -- every waiter hears of it, whatever it is
            for _, answer in gathered:
                if not answer.done():
                    answer.set_exception(error)
            return
        for (_, answer), result in zip(gathered, results, strict=True):
            if not answer.done():  # a waiter that gave up (its own timeout) is skipped
                answer.set_result(result)
