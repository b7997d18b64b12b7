"""What `bankflow pipelines …` does: generate a story, train and register a model, evaluate
the serving model on any PaySim-schema file, promote a version."""

from __future__ import annotations

import csv
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import asyncpg
import pyarrow as pa
import pyarrow.parquet as pq

from actors.documents import document_store
from actors.fraud.registry import ModelRecord, ModelRegistry
from actors.settings import Settings
from models.fraud.check import Verdict
from models.fraud.features import FEATURE_NAMES
from models.fraud.rules import Rule
from pipelines.synthetic import START_MS, Record, StoryConfig, generate
from pipelines.training import build_dataset, evaluate, serialize, split_by_time, train

Progress = Callable[[str], None]
HOUR_MS: Final = 3_600_000
# PaySim's transaction types as BankFlow's movement kinds.
_PAYSIM_KINDS: Final = {
    "TRANSFER": "TRANSFER",
    "PAYMENT": "PAYMENT",
    "CASH_OUT": "WITHDRAWAL",
    "DEBIT": "WITHDRAWAL",
    "CASH_IN": "DEPOSIT",
}


def write_story(path: Path, config: StoryConfig, progress: Progress) -> int:
    started = time.monotonic()
    records = generate(config)
    pq.write_table(pa.Table.from_pylist([record.as_row() for record in records]), path)
    frauds = sum(record.is_fraud for record in records)
    progress(
        f"generated {len(records):,} transactions ({frauds:,} fraud, {frauds / len(records):.2%}) "
        f"for {config.customers:,} customers over {config.days} days in {time.monotonic() - started:.1f} s → {path}"
    )
    return len(records)


def read_story(path: Path) -> list[Record]:
    return [Record(**row) for row in pq.read_table(path).to_pylist()]


def read_paysim(path: Path) -> list[Record]:
    """A CSV in the public PaySim column schema, as BankFlow records (amounts parsed as decimals)."""
    records = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            records.append(
                Record(
                    at_ms=START_MS + int(row["step"]) * HOUR_MS,
                    kind=_PAYSIM_KINDS.get(row["type"], row["type"]),
                    account=row["nameOrig"],
                    counterparty=row["nameDest"] or None,
                    amount_minor=int(Decimal(row["amount"]) * 100),
                    balance_before_minor=int(Decimal(row["oldbalanceOrg"]) * 100),
                    is_fraud=row["isFraud"] == "1",
                    pattern="paysim" if row["isFraud"] == "1" else None,
                )
            )
    return records


async def _rules(pool: asyncpg.Pool) -> list[Rule]:
    rows = await pool.fetch("SELECT * FROM fraud_rules WHERE active")
    return [
        Rule(row["rule_id"], row["name"], json.loads(row["condition"]), Verdict(row["action"]), row["priority"])
        for row in rows
    ]


def _registry(pool: asyncpg.Pool, settings: Settings) -> ModelRegistry:
    return ModelRegistry(pool, document_store(settings.document_store_url))


async def train_and_register(settings: Settings, data: Path, progress: Progress) -> ModelRecord:
    records = read_story(data)
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        rules = await _rules(pool)
        progress(f"building features for {len(records):,} transactions (the scorer's own feature code)…")
        dataset = build_dataset(records, rules, lambda done, total: progress(f"  features {done:,}/{total:,}"))
        train_mask, holdout_mask = split_by_time(dataset)
        progress(f"training on {int(train_mask.sum()):,}, holding out the latest {int(holdout_mask.sum()):,}…")
        model = train(dataset, train_mask)
        figures = evaluate(model, dataset, holdout_mask).as_json()
        progress(
            f"holdout: AUC-PR {figures['auc_pr']:.3f}, recall at 1% FPR {figures['recall_at_1pct_fpr']:.3f}; "
            f"rules alone: AUC-PR {figures['rules_auc_pr']:.3f}, recall {figures['rules_recall_at_1pct_fpr']:.3f}"
        )
        for pattern, recall in figures["recall_by_pattern"].items():
            progress(f"  {pattern:<18} recall at 1% FPR {recall:.3f}")
        version = datetime.now(UTC).strftime("fraud-%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
        window = {
            "from_ms": int(dataset.at_ms.min()),
            "to_ms": int(dataset.at_ms.max()),
            "transactions": len(records),
            "source": str(data),
        }
        record = await _registry(pool, settings).register(
            version, serialize(model), list(FEATURE_NAMES), figures, window
        )
        progress(f"registered {version} (promote it with `bankflow pipelines promote {version}`)")
        return record
    finally:
        await pool.close()


async def evaluate_serving(settings: Settings, data: Path, progress: Progress) -> dict[str, Any]:
    """The serving model (or a named one) on a labelled PaySim-schema CSV or a generated Parquet file."""
    records = read_paysim(data) if data.suffix.lower() == ".csv" else read_story(data)
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        registry = _registry(pool, settings)
        serving = await registry.serving()
        if serving is None:
            raise RuntimeError("no model is serving: train one and promote it first")
        loaded = await registry.load(serving)
        dataset = build_dataset(records, await _rules(pool))
        everything = dataset.at_ms >= 0
        figures = evaluate(loaded["model"], dataset, everything).as_json()
        progress(
            f"{serving.version} on {data.name}: AUC-PR {figures['auc_pr']:.3f}, recall at 1% FPR "
            f"{figures['recall_at_1pct_fpr']:.3f} ({figures['positives']:,} fraud among "
            f"{figures['positives'] + figures['negatives']:,}); rules alone AUC-PR {figures['rules_auc_pr']:.3f}"
        )
        return figures
    finally:
        await pool.close()


async def promote(settings: Settings, version: str, force: bool, progress: Progress) -> ModelRecord:
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        record = await _registry(pool, settings).promote(version, force=force)
    finally:
        await pool.close()
    progress(f"{version} is serving (AUC-PR {record.metrics.get('auc_pr')}); Fraud replicas load it within seconds")
    return record
