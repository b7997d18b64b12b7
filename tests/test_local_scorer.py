"""The fraud check in the process that runs the movement (deployments/fraud/local_scorer.py):
concurrent movements scored in one call, and the stated policy when scoring fails or is late.
The service behind it is a stand-in here; the real one is exercised over HTTP."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from deployments.fraud.local_scorer import LocalScorer
from models.fraud.check import Assessment, ScoringRequest, Verdict

ALLOW_UNDER_UNITS = 100


class _Service:
    def __init__(self, delay_s: float = 0.0, fail: bool = False) -> None:
        self.calls: list[int] = []
        self._delay_s = delay_s
        self._fail = fail

    async def assess_many(self, requests: list[ScoringRequest]) -> list[Assessment]:
        self.calls.append(len(requests))
        await asyncio.sleep(self._delay_s)
        if self._fail:
            raise ConnectionError("redis down")
        return [Assessment(Verdict.ALLOW, 7, ("scored",)) for _ in requests]


def _request(amount_minor: int) -> ScoringRequest:
    return ScoringRequest(uuid.uuid4(), "TRANSFER", uuid.uuid4(), uuid.uuid4(), amount_minor, "USD", uuid.uuid4())


def _scorer(service: Any, timeout_ms: int = 1_000) -> LocalScorer:
    return LocalScorer(service, timeout_ms, ALLOW_UNDER_UNITS)


async def test_concurrent_movements_are_scored_in_one_call() -> None:
    service = _Service()
    scorer = _scorer(service)
    assessments = await asyncio.gather(*(scorer.assess(_request(100)) for _ in range(20)))
    assert {assessment.reasons for assessment in assessments} == {("scored",)}
    assert service.calls == [20]
    assert [a.reasons for a in await scorer.assess_many([_request(1) for _ in range(3)])] == [("scored",)] * 3


async def test_a_failing_or_late_scorer_leaves_the_policy_to_decide() -> None:
    small, large = _request(ALLOW_UNDER_UNITS * 100 - 1), _request(ALLOW_UNDER_UNITS * 100)
    for service in (_Service(fail=True), _Service(delay_s=1.0)):
        scorer = _scorer(service, timeout_ms=50)
        assert (await scorer.assess(small)).verdict is Verdict.ALLOW
        assert (await scorer.assess(large)).verdict is Verdict.REVIEW
        verdicts = [assessment.verdict for assessment in await scorer.assess_many([small, large])]
        assert verdicts == [Verdict.ALLOW, Verdict.REVIEW]
