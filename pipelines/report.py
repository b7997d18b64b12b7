"""A trained model's report, as PNG files kept beside it in the registry: its precision-recall
curves (the holdout, and out of distribution when it was judged there), each beside the rules
alone's, and the histogram of its scores for fraud and for legitimate movements."""

from __future__ import annotations

import io
from typing import Final

import numpy as np
from matplotlib.figure import Figure
from sklearn.metrics import average_precision_score, precision_recall_curve

PR_CURVE: Final = "pr-curve.png"
SCORE_HISTOGRAM: Final = "score-histogram.png"
REPORT_FILES: Final = (PR_CURVE, SCORE_HISTOGRAM)
FIGURE_INCHES: Final = (7.0, 4.5)
DPI: Final = 110
HISTOGRAM_BINS: Final = 50


class Judged:
    """One set's labels, the model's scores and the rules' scores on it."""

    def __init__(self, name: str, labels: np.ndarray, scores: np.ndarray, rule_scores: np.ndarray) -> None:
        assert len(labels) == len(scores) == len(rule_scores)
        self.name = name
        self.labels = labels
        self.scores = scores
        self.rule_scores = rule_scores


def _png(figure: Figure) -> bytes:
    """A figure drawn straight to PNG (matplotlib's Agg canvas): no pyplot, no display, no state."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return buffer.getvalue()


def _pr_curves(sets: list[Judged], version: str) -> bytes:
    figure = Figure(figsize=FIGURE_INCHES)
    axes = figure.subplots()
    for colour, judged in zip(("tab:blue", "tab:orange"), sets, strict=False):
        if not judged.labels.any():
            continue
        for scores, who, style in ((judged.scores, "model", "-"), (judged.rule_scores, "rules alone", "--")):
            precision, recall, _ = precision_recall_curve(judged.labels, scores)
            auc_pr = average_precision_score(judged.labels, scores)
            label = f"{who}, {judged.name} (AUC-PR {auc_pr:.3f})"
            axes.plot(recall, precision, color=colour, linestyle=style, label=label)
    axes.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02), title=f"{version}: precision and recall")
    axes.grid(alpha=0.3)
    axes.legend(loc="lower left", fontsize="small")
    return _png(figure)


def _histogram(judged: Judged, version: str) -> bytes:
    figure = Figure(figsize=FIGURE_INCHES)
    axes = figure.subplots()
    bins = [index / HISTOGRAM_BINS for index in range(HISTOGRAM_BINS + 1)]
    fraud, legitimate = judged.scores[judged.labels == 1], judged.scores[judged.labels == 0]
    axes.hist(legitimate, bins=bins, alpha=0.6, color="tab:blue", label=f"legitimate ({len(legitimate):,})")
    axes.hist(fraud, bins=bins, alpha=0.8, color="tab:red", label=f"fraud ({len(fraud):,})")
    axes.set_yscale("log")
    axes.set(xlabel="score (probability of fraud)", ylabel="movements", title=f"{version}: scores, {judged.name}")
    axes.legend(fontsize="small")
    return _png(figure)


def model_report(version: str, sets: list[Judged]) -> dict[str, bytes]:
    """The report's files by name; the histogram is of the first set (the holdout)."""
    assert sets, "a report of at least one set"
    return {PR_CURVE: _pr_curves(sets, version), SCORE_HISTOGRAM: _histogram(sets[0], version)}
