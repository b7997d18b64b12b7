"""Training and evaluating the fraud model on a labelled history.

Features are computed by replaying the history in time order through BehaviourTracker and
models/fraud/features.py — the very code the online scorer runs — so training and serving
cannot drift apart. The holdout is the latest share of the history (by time): the model is
judged on a future it did not see; and, out of distribution, on the whole of a history from
another population model, a world it never saw. Figures: AUC-PR (average precision) and recall
at a 1% false-positive rate, for the model and for the rules alone, overall and per fraud
pattern (typology).
"""

from __future__ import annotations

import io
import pickle  # nosec B403 -- models are pickled by us and checked against their SHA-256 on load
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_curve

from models.fraud.calibration import PlattCalibrated, logit
from models.fraud.features import FEATURE_NAMES, Movement, features, vector
from models.fraud.rules import Rule, decide
from models.fraud.tracker import BehaviourTracker
from models.transactions import OUTGOING_KINDS
from pipelines.records import Record
from pipelines.report import Judged, model_report

HOLDOUT_SHARE: Final = 0.3
CALIBRATION_SHARE: Final = 0.2  # of the training window, its latest: where scores become probabilities
MIN_CALIBRATION_CLASS: Final = 10  # fraud and legitimate movements each, at least, to calibrate on
TARGET_FPR: Final = 0.01


@dataclass
class Dataset:
    x: np.ndarray
    y: np.ndarray
    at_ms: np.ndarray
    patterns: list[str | None]
    rule_scores: np.ndarray


@dataclass
class Evaluation:
    auc_pr: float
    recall_at_1pct_fpr: float
    rules_auc_pr: float
    rules_recall_at_1pct_fpr: float
    recall_by_pattern: dict[str, float] = field(default_factory=dict)
    positives: int = 0
    negatives: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "auc_pr": round(self.auc_pr, 4),
            "recall_at_1pct_fpr": round(self.recall_at_1pct_fpr, 4),
            "rules_auc_pr": round(self.rules_auc_pr, 4),
            "rules_recall_at_1pct_fpr": round(self.rules_recall_at_1pct_fpr, 4),
            "recall_by_pattern": {name: round(value, 4) for name, value in self.recall_by_pattern.items()},
            "positives": self.positives,
            "negatives": self.negatives,
        }


def build_dataset(
    records: Sequence[Record], rules: Sequence[Rule], progress: Callable[[int, int], None] | None = None
) -> Dataset:
    """Replay the history in time order: each outgoing movement's features before it happens."""
    tracker = BehaviourTracker()
    rows: list[list[float]] = []
    labels, times, patterns, rule_scores = [], [], [], []
    ordered = sorted(records, key=lambda record: record.at_ms)
    for index, record in enumerate(ordered):
        if progress is not None and index % 50_000 == 0:
            progress(index, len(ordered))
        if record.kind not in OUTGOING_KINDS:
            continue
        behaviour = tracker.behaviour(record.account, record.counterparty, record.at_ms, record.balance_before_minor)
        named = features(Movement(record.kind, record.amount_minor, record.at_ms, record.counterparty), behaviour)
        named["amount"] = record.amount_minor / 100
        rows.append(vector(named))
        rule_scores.append(decide(named, rules, [], None).score)
        labels.append(1 if record.is_fraud else 0)
        times.append(record.at_ms)
        patterns.append(record.pattern)
        tracker.record(record.account, record.counterparty, record.amount_minor, record.at_ms)
    return Dataset(
        np.asarray(rows, dtype=np.float64),
        np.asarray(labels, dtype=np.int8),
        np.asarray(times, dtype=np.int64),
        patterns,
        np.asarray(rule_scores, dtype=np.float64),
    )


def split_by_time(dataset: Dataset, holdout_share: float = HOLDOUT_SHARE) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks (train, holdout): the holdout is the latest `holdout_share` of the history."""
    cut = np.quantile(dataset.at_ms, 1 - holdout_share)
    return dataset.at_ms < cut, dataset.at_ms >= cut


def _booster(seed: int) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(
        max_iter=300, learning_rate=0.08, max_leaf_nodes=31, l2_regularization=1.0, class_weight="balanced",
        random_state=seed,
    )  # fmt: skip


def train(dataset: Dataset, mask: np.ndarray, seed: int = 0) -> PlattCalibrated:
    """The booster fitted on the earlier part of `mask` (by time), its scores calibrated into
    probabilities on the latest CALIBRATION_SHARE of it; on the whole of it when that part holds
    too few of either class to calibrate on (the map is then the identity)."""
    cut = np.quantile(dataset.at_ms[mask], 1 - CALIBRATION_SHARE)
    fit_mask, calibration_mask = mask & (dataset.at_ms < cut), mask & (dataset.at_ms >= cut)
    calibration_labels = dataset.y[calibration_mask]
    if min(int(calibration_labels.sum()), int((calibration_labels == 0).sum())) < MIN_CALIBRATION_CLASS:
        model = _booster(seed).fit(dataset.x[mask], dataset.y[mask])
        return PlattCalibrated(model, 1.0, 0.0)
    model = _booster(seed).fit(dataset.x[fit_mask], dataset.y[fit_mask])
    raw = logit(model.predict_proba(dataset.x[calibration_mask])[:, 1]).reshape(-1, 1)
    platt = LogisticRegression(C=1e6).fit(raw, calibration_labels)
    slope, intercept = float(platt.coef_[0][0]), float(platt.intercept_[0])
    if slope <= 0:  # the booster ranks the calibration slice no better than chance: keep its scores
        return PlattCalibrated(model, 1.0, 0.0)
    return PlattCalibrated(model, slope, intercept)


def _threshold_at_fpr(negative_scores: np.ndarray, fpr: float) -> float:
    """The score above which at most `fpr` of the negatives fall."""
    return float(np.quantile(negative_scores, 1 - fpr)) if len(negative_scores) else 0.0


def _recall_at_fpr(labels: np.ndarray, scores: np.ndarray, fpr: float) -> float:
    positives = labels == 1
    if not positives.any():
        return 0.0
    false_rates, true_rates, _ = roc_curve(labels, scores)
    return float(np.interp(fpr, false_rates, true_rates))


def evaluate(model: Any, dataset: Dataset, mask: np.ndarray) -> Evaluation:
    labels = dataset.y[mask]
    scores = model.predict_proba(dataset.x[mask])[:, 1]
    rule_scores = dataset.rule_scores[mask]
    patterns = [pattern for pattern, keep in zip(dataset.patterns, mask, strict=True) if keep]
    threshold = _threshold_at_fpr(scores[labels == 0], TARGET_FPR)
    by_pattern = {}
    for name in sorted({p for p in patterns if p is not None}):
        inside = np.asarray([p == name for p in patterns])
        by_pattern[name] = float((scores[inside] > threshold).mean())
    return Evaluation(
        auc_pr=float(average_precision_score(labels, scores)) if labels.any() else 0.0,
        recall_at_1pct_fpr=_recall_at_fpr(labels, scores, TARGET_FPR),
        rules_auc_pr=float(average_precision_score(labels, rule_scores)) if labels.any() else 0.0,
        rules_recall_at_1pct_fpr=_recall_at_fpr(labels, rule_scores, TARGET_FPR),
        recall_by_pattern=by_pattern,
        positives=int(labels.sum()),
        negatives=int((labels == 0).sum()),
    )


@dataclass(frozen=True)
class Trained:
    artifact: bytes
    evaluation: Evaluation
    trained_on: int
    held_out: int
    elsewhere: Evaluation | None = None  # on a world the model never saw (pipelines/population.py)
    report: dict[str, bytes] = field(default_factory=dict)  # PNG files by name (pipelines/report.py)


def _judged(name: str, model: Any, dataset: Dataset, mask: np.ndarray) -> Judged:
    return Judged(name, dataset.y[mask], model.predict_proba(dataset.x[mask])[:, 1], dataset.rule_scores[mask])


def fit_and_evaluate(dataset: Dataset, elsewhere: Dataset | None, version: str) -> Trained:
    """Train on all but the latest share of the history, judge on that share, and on the whole
    of `elsewhere` when given: a labelled history from another population model. The report's
    curves are drawn here, beside the data."""
    train_mask, holdout_mask = split_by_time(dataset)
    model = train(dataset, train_mask)
    judged = [_judged("holdout", model, dataset, holdout_mask)]
    judged_elsewhere = None
    if elsewhere is not None:
        judged_elsewhere = evaluate(model, elsewhere, elsewhere.at_ms >= 0)
        judged.append(_judged("out of distribution", model, elsewhere, elsewhere.at_ms >= 0))
    return Trained(
        serialize(model),
        evaluate(model, dataset, holdout_mask),
        int(train_mask.sum()),
        int(holdout_mask.sum()),
        judged_elsewhere,
        model_report(version, judged),
    )


def serialize(model: Any) -> bytes:
    buffer = io.BytesIO()
    pickle.dump({"features": list(FEATURE_NAMES), "model": model}, buffer)
    return buffer.getvalue()
