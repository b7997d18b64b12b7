"""The velocity store in Redis: each account's recent outgoing movements, its lifetime
count and sum, the counterparties it paid before, and who paid each destination lately.

Everything expires: movements after a day (and beyond MAX_VELOCITY_EVENTS per account),
fan-in after a day, the payee memory after a year. Reads and writes of a whole scoring batch
go in one pipeline each.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import redis.asyncio as aioredis

from actors.redis_client import repeat_once_if_disconnected
from models.fraud.features import DAY_MS, MAX_VELOCITY_EVENTS, Behaviour

PAYEE_MEMORY_S: Final = 366 * 24 * 3600
RECENT_TTL_S: Final = 2 * 24 * 3600


@dataclass(frozen=True)
class Observation:
    """One outgoing movement, as the store records it."""

    movement_id: str
    account: str
    counterparty: str | None
    amount_minor: int
    at_ms: int


def _keys(account: str) -> tuple[str, str, str]:
    return f"fraud:out:{account}", f"fraud:stats:{account}", f"fraud:payees:{account}"


class VelocityStore:
    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis

    async def behaviours(self, observations: Sequence[Observation], balances: Sequence[int | None]) -> list[Behaviour]:
        # Each account's movements are read once, from the earliest bound any of its
        # observations needs; each observation then takes its own day of them. A busy account
        # scored thousands of times in one batch would otherwise send its whole day each time.
        day_starts_ms: dict[str, int] = {}
        for seen in observations:
            day_start_ms = seen.at_ms - DAY_MS
            day_starts_ms[seen.account] = min(day_start_ms, day_starts_ms.get(seen.account, day_start_ms))
        accounts = list(day_starts_ms)

        async def read() -> list[object]:
            async with self._redis.pipeline(transaction=False) as pipe:
                for account in accounts:
                    # "(" makes the bound exclusive: a day means (at - 24 h, at], as in features.py.
                    pipe.zrangebyscore(_keys(account)[0], f"({day_starts_ms[account]}", "+inf", withscores=True)
                for seen in observations:
                    _, stats, payees = _keys(seen.account)
                    pipe.hmget(stats, "count", "sum")
                    pipe.hget(payees, seen.counterparty or "")
                    pipe.zcount(f"fraud:fanin:{seen.counterparty or ''}", f"({seen.at_ms - DAY_MS}", "+inf")
                replies: list[object] = await pipe.execute()
                return replies

        replies = await repeat_once_if_disconnected(read)
        recent_by_account: dict[str, tuple[tuple[tuple[int, int], ...], list[int]]] = {}
        for account, recent in zip(accounts, replies[: len(accounts)], strict=True):
            assert isinstance(recent, list)
            movements = tuple((int(score), int(member.split(b":")[1])) for member, score in recent)
            recent_by_account[account] = movements, [at_ms for at_ms, _ in movements]  # in time order
        per_observation = replies[len(accounts) :]
        behaviours = []
        for index, (seen, balance) in enumerate(zip(observations, balances, strict=True)):
            stats, first_seen, fan_in = per_observation[3 * index : 3 * index + 3]
            assert isinstance(stats, list)
            movements, times_ms = recent_by_account[seen.account]
            behaviours.append(
                Behaviour(
                    recent=movements[bisect.bisect_right(times_ms, seen.at_ms - DAY_MS) :],
                    lifetime_count=int(stats[0] or 0),
                    lifetime_sum_minor=int(stats[1] or 0),
                    counterparty_first_seen_ms=None if first_seen is None else int(first_seen),  # type: ignore[call-overload]
                    balance_minor=balance,
                    destination_payers_24h=int(fan_in),  # type: ignore[call-overload]
                )
            )
        return behaviours

    async def record(self, observations: Sequence[Observation]) -> None:
        async def write() -> None:
            async with self._redis.pipeline(transaction=False) as pipe:
                for seen in observations:
                    recent, stats, payees = _keys(seen.account)
                    pipe.zadd(recent, {f"{seen.movement_id}:{seen.amount_minor}": seen.at_ms})
                    pipe.zremrangebyscore(recent, "-inf", seen.at_ms - DAY_MS)
                    pipe.zremrangebyrank(recent, 0, -(MAX_VELOCITY_EVENTS + 1))
                    pipe.expire(recent, RECENT_TTL_S)
                    pipe.hincrby(stats, "count", 1)
                    pipe.hincrby(stats, "sum", seen.amount_minor)
                    if seen.counterparty:
                        pipe.hsetnx(payees, seen.counterparty, seen.at_ms)
                        pipe.expire(payees, PAYEE_MEMORY_S)
                        fan_in = f"fraud:fanin:{seen.counterparty}"
                        pipe.zadd(fan_in, {seen.account: seen.at_ms})
                        pipe.zremrangebyscore(fan_in, "-inf", seen.at_ms - DAY_MS)
                        pipe.expire(fan_in, RECENT_TTL_S)
                await pipe.execute()

        # Idempotent enough to repeat: a movement is one member; the lifetime count may count it twice.
        await repeat_once_if_disconnected(write)
