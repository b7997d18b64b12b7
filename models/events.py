"""Domain events as BankFlow publishes them (CloudEvents 1.0 attributes, API.md › Events)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final

EVENT_TYPE_PREFIX: Final = "com.bankflow."


@dataclass(frozen=True, slots=True)
class DomainEvent:
    event_id: uuid.UUID  # stable: the same fact always has the same id, so consumers can de-duplicate
    event_type: str  # e.g. "transaction.completed" (published as com.bankflow.transaction.completed)
    topic: str
    source: str  # the service that emitted it, e.g. "bankflow/ledger"
    subject: str  # the aggregate id
    key: str  # the Kafka partition key: one key's events stay in order
    time_ms: int
    data: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        """The form kept in the outbox until the relay publishes it."""
        return {
            "id": str(self.event_id),
            "type": EVENT_TYPE_PREFIX + self.event_type,
            "source": self.source,
            "subject": self.subject,
            "key": self.key,
            "time_ms": self.time_ms,
            "data": self.data,
        }
