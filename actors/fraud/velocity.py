"""The velocity store in Redis: each account's recent outgoing movements, its lifetime
count and sum, the counterparties it paid before, and who paid each destination lately.

Everything expires: movements after a day (and beyond MAX_VELOCITY_EVENTS per account),
fan-in after a day, the payee memory after a year. Reads and writes of a whole scoring batch
go in one pipeline each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import redis.asyncio as aioredis

from actors.redis_client import repeat_once_if_disconnected
from models.fraud.features import DAY_MS, MAX_VELOCITY_EVENTS, Behaviour, RecentMovements

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
        # One read per distinct key and bound, not per observation: a batch scores thousands of
        # movements of a few accounts at one instant. Each account's movements are read once, from
        # the earliest bound any of its observations needs; each observation then takes its own day.
        day_starts_ms: dict[str, int] = {}
        for seen in observations:
            day_start_ms = seen.at_ms - DAY_MS
            day_starts_ms[seen.account] = min(day_start_ms, day_starts_ms.get(seen.account, day_start_ms))
        accounts = list(day_starts_ms)
        payees = list(dict.fromkeys((seen.account, seen.counterparty or "") for seen in observations))
        fan_ins = list(dict.fromkeys((seen.counterparty or "", seen.at_ms - DAY_MS) for seen in observations))

        async def read() -> list[object]:
            async with self._redis.pipeline(transaction=False) as pipe:
                for account in accounts:
                    recent, stats, _ = _keys(account)
                    # "(" makes the bound exclusive: a day means (at - 24 h, at], as in features.py.
                    pipe.zrangebyscore(recent, f"({day_starts_ms[account]}", "+inf", withscores=True)
                    pipe.hmget(stats, "count", "sum")
                for account, counterparty in payees:
                    pipe.hget(_keys(account)[2], counterparty)
                for counterparty, day_start_ms in fan_ins:
                    pipe.zcount(f"fraud:fanin:{counterparty}", f"({day_start_ms}", "+inf")
                replies: list[object] = await pipe.execute()
                return replies

        replies = await repeat_once_if_disconnected(read)
        assert len(replies) == 2 * len(accounts) + len(payees) + len(fan_ins)
        recent_by_account: dict[str, tuple[RecentMovements, int, int]] = {}
        for index, account in enumerate(accounts):
            recent, stats = replies[2 * index], replies[2 * index + 1]
            assert isinstance(recent, list) and isinstance(stats, list)
            movements = RecentMovements.of((int(score), int(member.split(b":")[1])) for member, score in recent)
            recent_by_account[account] = movements, int(stats[0] or 0), int(stats[1] or 0)
        after_accounts = replies[2 * len(accounts) :]
        first_seen_ms = {
            pair: None if value is None else int(value)  # type: ignore[call-overload]
            for pair, value in zip(payees, after_accounts[: len(payees)], strict=True)
        }
        payers = {
            key: int(value)  # type: ignore[call-overload]
            for key, value in zip(fan_ins, after_accounts[len(payees) :], strict=True)
        }
        behaviours = []
        for seen, balance in zip(observations, balances, strict=True):
            movements, lifetime_count, lifetime_sum_minor = recent_by_account[seen.account]
            counterparty = seen.counterparty or ""
            behaviours.append(
                Behaviour(
                    recent=movements.after(seen.at_ms - DAY_MS),
                    lifetime_count=lifetime_count,
                    lifetime_sum_minor=lifetime_sum_minor,
                    counterparty_first_seen_ms=first_seen_ms[(seen.account, counterparty)],
                    balance_minor=balance,
                    destination_payers_24h=payers[(counterparty, seen.at_ms - DAY_MS)],
                )
            )
        return behaviours

    async def record(self, observations: Sequence[Observation]) -> None:
        """Each observation as if recorded one after another, in a few commands per key: the
        trims use the batch's latest time (a batch spans moments, not days)."""
        by_account: dict[str, list[Observation]] = {}
        first_paid_ms: dict[tuple[str, str], int] = {}
        last_paid_ms: dict[str, dict[str, int]] = {}
        for seen in observations:
            by_account.setdefault(seen.account, []).append(seen)
            if seen.counterparty:
                first_paid_ms.setdefault((seen.account, seen.counterparty), seen.at_ms)
                last_paid_ms.setdefault(seen.counterparty, {})[seen.account] = seen.at_ms

        async def write() -> None:
            async with self._redis.pipeline(transaction=False) as pipe:
                for account, seen_here in by_account.items():
                    recent, stats, _ = _keys(account)
                    latest_ms = max(seen.at_ms for seen in seen_here)
                    pipe.zadd(recent, {f"{seen.movement_id}:{seen.amount_minor}": seen.at_ms for seen in seen_here})
                    pipe.zremrangebyscore(recent, "-inf", latest_ms - DAY_MS)
                    pipe.zremrangebyrank(recent, 0, -(MAX_VELOCITY_EVENTS + 1))
                    pipe.expire(recent, RECENT_TTL_S)
                    pipe.hincrby(stats, "count", len(seen_here))
                    pipe.hincrby(stats, "sum", sum(seen.amount_minor for seen in seen_here))
                for (account, counterparty), at_ms in first_paid_ms.items():
                    payees = _keys(account)[2]
                    pipe.hsetnx(payees, counterparty, at_ms)
                    pipe.expire(payees, PAYEE_MEMORY_S)
                for counterparty, paid_ms in last_paid_ms.items():
                    fan_in = f"fraud:fanin:{counterparty}"
                    pipe.zadd(fan_in, paid_ms)
                    pipe.zremrangebyscore(fan_in, "-inf", max(paid_ms.values()) - DAY_MS)
                    pipe.expire(fan_in, RECENT_TTL_S)
                await pipe.execute()

        # Idempotent enough to repeat: a movement is one member; the lifetime count may count it twice.
        await repeat_once_if_disconnected(write)
