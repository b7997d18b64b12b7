"""The fraud check in the money path: what a scorer is asked and what it answers, and the
rule-based default scorer (an amount threshold) used until a model is deployed. Pure."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from models.money import minor_units


class Verdict(StrEnum):
    ALLOW = "allow"
    REVIEW = "review"  # funds held as a pending transfer until an analyst decides
    BLOCK = "block"  # the transaction fails with fraud_blocked


@dataclass(frozen=True)
class ScoringRequest:
    transaction_id: uuid.UUID
    kind: str
    account_id: uuid.UUID
    counterparty_account_id: uuid.UUID | None
    amount_minor: int
    currency: str
    user_id: uuid.UUID


@dataclass(frozen=True)
class Assessment:
    verdict: Verdict
    score: int  # 0..100
    reasons: tuple[str, ...]

    def __post_init__(self) -> None:
        assert 0 <= self.score <= 100


class Scorer(Protocol):
    async def assess(self, request: ScoringRequest) -> Assessment: ...


@dataclass(frozen=True)
class AmountThresholdScorer:
    """Review at or above one amount, block at or above another (in major units of any currency)."""

    review_units: int
    block_units: int

    async def assess(self, request: ScoringRequest) -> Assessment:
        return self.assess_now(request)

    def assess_now(self, request: ScoringRequest) -> Assessment:
        scale = 10 ** minor_units(request.currency)
        if request.amount_minor >= self.block_units * scale:
            return Assessment(Verdict.BLOCK, 100, ("amount_at_or_above_block_threshold",))
        if request.amount_minor >= self.review_units * scale:
            return Assessment(Verdict.REVIEW, 70, ("amount_at_or_above_review_threshold",))
        return Assessment(Verdict.ALLOW, 0, ())
