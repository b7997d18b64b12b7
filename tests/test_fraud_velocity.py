"""The Redis velocity store (online) and the in-memory tracker (training) tell the same
story about the same history: the same behaviour, hence the same features."""

from __future__ import annotations

import asyncio
import random
import uuid

from actors.fraud.velocity import Observation, VelocityStore
from actors.redis_client import connect_redis
from actors.settings import Settings
from models.fraud.features import DAY_MS, HOUR_MS, MINUTE_MS
from models.fraud.tracker import BehaviourTracker


def test_the_store_and_the_tracker_agree_on_every_movement(settings: Settings) -> None:
    rng = random.Random(5)
    accounts = [str(uuid.uuid4()) for _ in range(4)]
    payees = [str(uuid.uuid4()) for _ in range(5)]
    at_ms = 1_796_000_000_000
    history = []
    for _ in range(120):
        at_ms += rng.choice([1, 30_000, MINUTE_MS, 20 * MINUTE_MS, 3 * HOUR_MS, DAY_MS - 1, DAY_MS])
        history.append((rng.choice(accounts), rng.choice(payees), rng.randint(1, 50_000), at_ms))

    async def replay() -> None:
        redis = connect_redis(settings.redis_url)
        store = VelocityStore(redis)
        tracker = BehaviourTracker()
        try:
            for index, (account, payee, amount_minor, when_ms) in enumerate(history):
                seen = Observation(f"m{index}", account, payee, amount_minor, when_ms)
                (online,) = await store.behaviours([seen], [10_000])
                offline = tracker.behaviour(account, payee, when_ms, 10_000)
                assert sorted(online.recent) == sorted(offline.recent), index
                assert online == offline.__class__(**{**offline.__dict__, "recent": online.recent}), index
                await store.record([seen])
                tracker.record(account, payee, amount_minor, when_ms)
        finally:
            await redis.aclose()

    asyncio.run(replay())


def test_a_batch_sees_what_each_of_its_movements_would_see_alone(settings: Settings) -> None:
    """A batch reads each account's movements once; every observation still gets its own day."""
    rng = random.Random(9)
    accounts = [str(uuid.uuid4()) for _ in range(3)]
    start_ms = 1_796_000_000_000

    async def replay() -> None:
        redis = connect_redis(settings.redis_url)
        store = VelocityStore(redis)
        try:
            history = [
                Observation(f"h{n}", rng.choice(accounts), None, rng.randint(1, 9_000), start_ms + n * 20 * MINUTE_MS)
                for n in range(200)
            ]
            await store.record(history)
            end_ms = history[-1].at_ms
            batch = [
                Observation(f"b{n}", rng.choice(accounts), str(n % 4), 100, end_ms + rng.randint(-DAY_MS, DAY_MS))
                for n in range(40)
            ]
            together = await store.behaviours(batch, [5_000] * len(batch))
            alone = [(await store.behaviours([seen], [5_000]))[0] for seen in batch]
            assert together == alone
            assert any(len(behaviour.recent) > 10 for behaviour in together)
        finally:
            await redis.aclose()

    asyncio.run(replay())


def test_a_batch_records_what_its_movements_recorded_one_by_one_would(settings: Settings) -> None:
    """Recording groups a batch's writes per key; the behaviour read back is the same as after
    recording each movement alone (two copies of one history under different names)."""
    rng = random.Random(11)
    start_ms = 1_796_000_000_000
    plan = [
        (rng.randrange(3), rng.choice([None, 0, 1, 2]), rng.randint(1, 9_000), start_ms + rng.randint(0, HOUR_MS))
        for _ in range(150)
    ]

    def named(copy: str, account: int, counterparty: int | None, index: int, amount: int, at_ms: int) -> Observation:
        payee = None if counterparty is None else f"{copy}-payee-{counterparty}"
        return Observation(f"{copy}{index}", f"{copy}-account-{account}", payee, amount, at_ms)

    copies = {copy: uuid.uuid4().hex for copy in ("batch", "alone")}

    def history(copy: str) -> list[Observation]:
        return [named(copies[copy], *planned[:2], index, *planned[2:]) for index, planned in enumerate(plan)]

    async def replay() -> None:
        redis = connect_redis(settings.redis_url)
        store = VelocityStore(redis)
        try:
            await store.record(history("batch"))
            for seen in history("alone"):
                await store.record([seen])
            probe_ms = start_ms + HOUR_MS + 1
            for account in range(3):
                for counterparty in (None, 0, 1, 2):
                    read = {
                        copy: (
                            await store.behaviours([named(copies[copy], account, counterparty, 0, 1, probe_ms)], [1])
                        )[0]
                        for copy in copies
                    }
                    assert read["batch"] == read["alone"], (account, counterparty)
                    assert read["batch"].lifetime_count > 0
        finally:
            await redis.aclose()

    asyncio.run(replay())
