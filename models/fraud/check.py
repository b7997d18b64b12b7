"""The fraud check in the money path: what a scorer is asked, what it answers, and the
policy when it cannot answer in time. Pure."""

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
    counterparty: str | None = None  # a merchant or external account when there is no account id
    device_id: str | None = None
    ip: str | None = None
    balance_minor: int | None = None
    at_ms: int | None = None  # when it happens; the scorer's clock when None

    @property
    def payee(self) -> str | None:
        """Who receives the money, as one string (an account id, a merchant, an external account)."""
        if self.counterparty_account_id is not None:
            return str(self.counterparty_account_id)
        return self.counterparty


@dataclass(frozen=True)
class Assessment:
    verdict: Verdict
    score: int  # 0..100
    reasons: tuple[str, ...]

    def __post_init__(self) -> None:
        assert 0 <= self.score <= 100


class Scorer(Protocol):
    async def assess(self, request: ScoringRequest) -> Assessment: ...

    async def assess_many(self, requests: list[ScoringRequest]) -> list[Assessment]:
        """Many movements at once (a batch transfer): one call, not one per movement."""
        ...


def unavailable_policy(request: ScoringRequest, allow_under_units: int) -> Assessment:
    """When the scorer is slow or down: small movements go through, the rest wait for review.

    The bank never stops because of the model, and never lets a large amount through unseen.
    """
    if request.amount_minor < allow_under_units * 10 ** minor_units(request.currency):
        return Assessment(Verdict.ALLOW, 0, ("scoring_unavailable:allowed_below_threshold",))
    return Assessment(Verdict.REVIEW, 50, ("scoring_unavailable:held_for_review",))


def risk_level(score: int) -> str:
    if score >= 90:
        return "critical"
    if score >= 70:
        return "high"
    if score >= 30:
        return "medium"
    return "low"
