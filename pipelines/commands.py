"""What `bankflow pipelines …` does: generate a story, train and register a model, evaluate
the serving model on any PaySim-schema file, promote a version."""

from __future__ import annotations

import csv
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import asyncpg
import pyarrow as pa
import pyarrow.parquet as pq
import ray

from actors.documents import document_store
from actors.fraud.registry import ModelRecord, ModelRegistry, RegistryError
from actors.fraud.rules_store import active_rules
from actors.settings import Settings
from models.audit import OPERATOR, AuditOrigin
from models.fraud.features import FEATURE_NAMES
from models.fraud.rules import Rule
from pipelines.history import Progress, read_database_history, read_parquet_history
from pipelines.paysim_figures import PAYSIM_KINDS
from pipelines.population import PopulationConfig, generate_population
from pipelines.records import Record
from pipelines.replay import ReplayReport, replay
from pipelines.synthetic import START_MS, StoryConfig, generate
from pipelines.training import Dataset, Trained, build_dataset, evaluate, fit_and_evaluate

HOUR_MS: Final = 3_600_000
TRAINING_CPUS: Final = 1
TRAINING_PROGRESS_S: Final = 5.0


def write_story(path: Path, config: StoryConfig | PopulationConfig, progress: Progress) -> int:
    """A generated world as Parquet: BankFlow's story, or the PaySim-calibrated population."""
    started = time.monotonic()
    if isinstance(config, StoryConfig):
        records, people = generate(config), f"{config.customers:,} customers"
    else:
        records, people = generate_population(config), f"{config.clients:,} clients (PaySim-calibrated)"
    pq.write_table(pa.Table.from_pylist([record.as_row() for record in records]), path)
    frauds = sum(record.is_fraud for record in records)
    progress(
        f"generated {len(records):,} transactions ({frauds:,} fraud, {frauds / len(records):.2%}) "
        f"for {people} over {config.days} days in {time.monotonic() - started:.1f} s → {path}"
    )
    return len(records)


def read_paysim(path: Path) -> list[Record]:
    """A CSV in the public PaySim column schema, as BankFlow records (amounts parsed as decimals)."""
    records = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            records.append(
                Record(
                    at_ms=START_MS + int(row["step"]) * HOUR_MS,
                    kind=PAYSIM_KINDS.get(row["type"], row["type"]),
                    account=row["nameOrig"],
                    counterparty=row["nameDest"] or None,
                    amount_minor=int(Decimal(row["amount"]) * 100),
                    balance_before_minor=int(Decimal(row["oldbalanceOrg"]) * 100),
                    is_fraud=row["isFraud"] == "1",
                    pattern="paysim" if row["isFraud"] == "1" else None,
                )
            )
    return records


def _registry(pool: asyncpg.Pool, settings: Settings) -> ModelRegistry:
    return ModelRegistry(pool, document_store(settings.document_store_url))


@dataclass(frozen=True)
class HistorySource:
    """Where training reads its labelled history: a story file, or the bank's own database."""

    path: Path | None = None
    days: int | None = None

    def describe(self) -> str:
        return str(self.path) if self.path is not None else f"postgres:last {self.days} days"

    def read(self, settings: Settings, progress: Progress) -> list[Record]:
        if self.path is not None:
            return read_parquet_history(self.path, progress)
        assert self.days is not None
        return read_database_history(settings.database_url, self.days, progress)


def _fit_on_cluster(dataset: Dataset, elsewhere: Dataset | None, version: str, progress: Progress) -> Trained:
    """Training runs as a Ray task (on a training worker of the cluster), watched from here."""
    started = time.monotonic()
    remote_fit = ray.remote(num_cpus=TRAINING_CPUS)(fit_and_evaluate)
    pending = remote_fit.remote(dataset, elsewhere, version)
    while True:
        ready, _ = ray.wait([pending], timeout=TRAINING_PROGRESS_S)
        if ready:
            trained: Trained = ray.get(pending)
            return trained
        progress(f"  training on the cluster… {time.monotonic() - started:.0f} s")


def _say_figures(progress: Progress, title: str, figures: dict[str, Any]) -> None:
    """One set's figures, and the recall of each fraud typology in it."""
    progress(
        f"{title}: AUC-PR {figures['auc_pr']:.3f}, recall at 1% FPR {figures['recall_at_1pct_fpr']:.3f}; "
        f"rules alone: AUC-PR {figures['rules_auc_pr']:.3f}, recall {figures['rules_recall_at_1pct_fpr']:.3f} "
        f"({figures['positives']:,} fraud among {figures['positives'] + figures['negatives']:,})"
    )
    for pattern, recall in figures["recall_by_pattern"].items():
        progress(f"  {pattern:<18} recall at 1% FPR {recall:.3f}")


def _world_elsewhere(config: PopulationConfig, rules: list[Rule], progress: Progress) -> Dataset:
    records = generate_population(config)
    progress(
        f"out of distribution: {len(records):,} movements of {config.clients:,} clients over {config.days} days "
        f"from the PaySim-calibrated population model (seed {config.seed}), features…"
    )
    return build_dataset(records, rules)


async def train_and_register(
    settings: Settings,
    source: HistorySource,
    progress: Progress,
    *,
    promote_if_better: bool = False,
    elsewhere: PopulationConfig | None = None,
) -> ModelRecord:
    """Train on `source`, judge on its latest share and, unless `elsewhere` is None, on a world
    from the other population model; register the version with both sets of figures."""
    records = source.read(settings, progress)
    if not records:
        raise RuntimeError(f"no transactions to train on in {source.describe()}")
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        rules = await active_rules(pool)
        progress(f"building features for {len(records):,} transactions (the scorer's own feature code)…")
        dataset = build_dataset(records, rules, lambda done, total: progress(f"  features {done:,}/{total:,}"))
        if not dataset.y.any() or dataset.y.all():
            raise RuntimeError("the history needs both fraud and legitimate movements to train on")
        other_world = None if elsewhere is None else _world_elsewhere(elsewhere, rules, progress)
        version = datetime.now(UTC).strftime("fraud-%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
        progress(f"training on the earliest 70% of {len(dataset.y):,} scored movements…")
        trained = _fit_on_cluster(dataset, other_world, version, progress)
        figures = trained.evaluation.as_json()
        _say_figures(progress, f"in distribution, the holdout ({trained.held_out:,} latest)", figures)
        if trained.elsewhere is not None and elsewhere is not None:
            figures["out_of_distribution"] = trained.elsewhere.as_json() | {
                "world": f"paysim-calibrated population: {elsewhere.clients} clients, {elsewhere.days} days, "
                f"seed {elsewhere.seed}"
            }
            _say_figures(progress, "out of distribution, a world it never saw", figures["out_of_distribution"])
        window = {
            "from_ms": int(dataset.at_ms.min()),
            "to_ms": int(dataset.at_ms.max()),
            "transactions": len(records),
            "source": source.describe(),
        }
        registry = _registry(pool, settings)
        record = await registry.register(
            version, trained.artifact, list(FEATURE_NAMES), figures, window, trained.report
        )
        progress(f"report: {', '.join(sorted(trained.report))} (GET /api/v1/fraud/models/{version}/report/NAME)")
        if not promote_if_better:
            progress(f"registered {version} (promote it with `bankflow pipelines promote {version}`)")
            return record
        try:
            record = await registry.promote(
                version, actor=OPERATOR, origin=AuditOrigin(user_agent="bankflow pipelines train")
            )
        except RegistryError as refusal:
            progress(f"registered {version}; the serving model stays: {refusal}")
            return record
        progress(f"registered and promoted {version}: Fraud replicas load it within seconds")
        return record
    finally:
        await pool.close()


async def replay_story(
    settings: Settings, data: Path, story: str | None, limit: int | None, progress: Progress
) -> ReplayReport:
    records = read_parquet_history(data, progress)[:limit]
    name = story or data.stem
    progress(f"replaying {len(records):,} movements of story {name!r} through LedgerClient…")
    report = await replay(settings.database_url, settings.account_shards, name, records, progress)
    refused = ", ".join(f"{reason} {count:,}" for reason, count in sorted(report.refused.items())) or "none"
    progress(
        f"replayed {report.movements:,} movements over {report.accounts:,} accounts: {report.completed:,} completed, "
        f"refused: {refused}; {report.labelled:,} fraud labels recorded"
    )
    return report


async def evaluate_serving(settings: Settings, data: Path, progress: Progress) -> dict[str, Any]:
    """The serving model (or a named one) on a labelled PaySim-schema CSV or a generated Parquet file."""
    records = read_paysim(data) if data.suffix.lower() == ".csv" else read_parquet_history(data, progress)
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        registry = _registry(pool, settings)
        serving = await registry.serving()
        if serving is None:
            raise RuntimeError("no model is serving: train one and promote it first")
        loaded = await registry.load(serving)
        dataset = build_dataset(records, await active_rules(pool))
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
        origin = AuditOrigin(user_agent="bankflow pipelines promote")
        record = await _registry(pool, settings).promote(version, force=force, actor=OPERATOR, origin=origin)
    finally:
        await pool.close()
    progress(f"{version} is serving (AUC-PR {record.metrics.get('auc_pr')}); Fraud replicas load it within seconds")
    return record
