"""One labelled movement of a history, whoever wrote it: a generated world (pipelines/synthetic.py,
pipelines/population.py), a PaySim-schema file, or the bank's own database (pipelines/history.py).
Every record carries the balance before it, so features (models/fraud/features.py) can be
computed by replaying a history in time order."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Record:
    at_ms: int
    kind: str  # TRANSFER, PAYMENT, WITHDRAWAL, DEPOSIT
    account: str
    counterparty: str | None
    amount_minor: int
    balance_before_minor: int
    is_fraud: bool
    pattern: str | None  # the fraud's typology, None for a legitimate movement

    def as_row(self) -> dict[str, Any]:
        return asdict(self)
