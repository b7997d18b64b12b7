"""A whole multi-shard ledger in one process, without Ray or I/O: the domain model driven
the way the shards drive it (decide → apply to an overlay → merge; sagas step by step).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from models.ledger.commands import Command, CreditStep, RefundStep, idempotency_id
from models.ledger.decide import Decision, decide
from models.ledger.entries import JournalEntry, Posting, apply_entry
from models.ledger.routing import shard_of
from models.ledger.state import Account, LedgerState, Overlay
from models.ledger.types import TransferStatus
from models.ledger.view import DailyLimits, ShardView


@dataclass
class SimShard:
    index: int
    state: LedgerState = field(default_factory=LedgerState)
    journal: list[tuple[JournalEntry, list[Posting]]] = field(default_factory=list)


@dataclass
class SimLedger:
    shard_count: int
    now_ms: int = 1_000_000
    shards: list[SimShard] = field(default_factory=list)
    results: dict[uuid.UUID, Decision] = field(default_factory=dict)
    limits: DailyLimits = field(default_factory=DailyLimits)

    def __post_init__(self) -> None:
        self.shards = [SimShard(index) for index in range(self.shard_count)]

    def shard_for(self, account_id: uuid.UUID) -> SimShard:
        return self.shards[shard_of(account_id, self.shard_count)]

    def _run_on_shard(self, command: Command) -> Decision:
        shard = self.shard_for(command.routing_account_id)
        overlay = Overlay(shard.state)
        decision = decide(ShardView(overlay, shard.index, self.shard_count, self.now_ms, self.limits), command)
        for entry in decision.entries:
            shard.journal.append((entry, apply_entry(overlay, entry)))
        overlay.merge()
        return decision

    def execute(self, command: Command) -> Decision:
        """Run a command to its end, including a cross-shard saga; idempotent by id."""
        key = idempotency_id(command)
        if key in self.results:
            return self.results[key]
        decision = self._run_on_shard(command)
        if decision.next_step is not None:
            decision = self._finish_saga(decision, decision.next_step, command)
        self.results[key] = decision
        return decision

    def _finish_saga(self, first: Decision, step: CreditStep, command: Command) -> Decision:
        credited = self._run_on_shard(step)
        if credited.accepted:
            return Decision(entries=first.entries, status=TransferStatus.COMPLETED)
        assert credited.reason is not None
        source = command.routing_account_id
        refunded = self._run_on_shard(
            RefundStep(
                step.transfer_id, source, step.amount_minor, step.currency, credited.reason.value, step.counted_day
            )
        )
        assert refunded.accepted, "a refund always succeeds"
        return Decision(entries=first.entries, status=TransferStatus.FAILED, reason=credited.reason)

    def account(self, account_id: uuid.UUID) -> Account | None:
        return self.shard_for(account_id).state.account(account_id)

    def all_accounts(self) -> dict[uuid.UUID, Account]:
        merged: dict[uuid.UUID, Account] = {}
        for shard in self.shards:
            merged.update(shard.state.accounts)
        return merged
