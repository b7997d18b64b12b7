"""When a trained fraud model may serve. Pure.

A model is judged on the figures of a world it never saw when it has them (`out_of_distribution`,
pipelines/population.py), else on its own history's holdout: tomorrow's fraud is not the fraud
it learnt. It must beat the rules alone there (a model that loses to them is worse than serving
none), and not fall below the serving model on the same footing. An operator or admin may force
a promotion past either (the audit trail says so)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

OUT_OF_DISTRIBUTION: Final = "out_of_distribution"


@dataclass(frozen=True)
class Standing:
    """The figures a promotion goes by, and where they were measured."""

    auc_pr: float
    rules_auc_pr: float
    measured_on: str  # "out of distribution" or "on the holdout"


def standing(metrics: Mapping[str, Any]) -> Standing:
    elsewhere = metrics.get(OUT_OF_DISTRIBUTION)
    if isinstance(elsewhere, Mapping) and "auc_pr" in elsewhere:
        return Standing(float(elsewhere["auc_pr"]), float(elsewhere.get("rules_auc_pr", 0.0)), "out of distribution")
    return Standing(float(metrics.get("auc_pr", 0.0)), float(metrics.get("rules_auc_pr", 0.0)), "on the holdout")


def promotion_refusal(
    version: str, metrics: Mapping[str, Any], serving_version: str | None, serving_metrics: Mapping[str, Any] | None
) -> str | None:
    """Why `version` may not serve instead of `serving_version` (None: nothing serves), or None."""
    candidate = standing(metrics)
    if candidate.auc_pr < candidate.rules_auc_pr:
        return (
            f"{version} loses to the rules alone {candidate.measured_on}: AUC-PR {candidate.auc_pr:.4f} against "
            f"the rules' {candidate.rules_auc_pr:.4f}; use --force to promote it anyway"
        )
    if serving_version is None or serving_metrics is None or serving_version == version:
        return None
    current = standing(serving_metrics)
    # Both on the same footing: a model with out-of-distribution figures beside one without is
    # compared on the holdout, the only figure they share.
    if candidate.measured_on != current.measured_on:
        candidate = standing({key: value for key, value in metrics.items() if key != OUT_OF_DISTRIBUTION})
        current = standing({key: value for key, value in serving_metrics.items() if key != OUT_OF_DISTRIBUTION})
    if candidate.auc_pr < current.auc_pr:
        return (
            f"{version} has AUC-PR {candidate.auc_pr:.4f} {candidate.measured_on}, below the serving "
            f"{serving_version}'s {current.auc_pr:.4f}; use --force to promote it anyway"
        )
    return None
