"""A trained model's scores as probabilities (Platt scaling): a review or block threshold then
means the same share of fraud after a retrain, whatever the model or its class weights made of
the raw scores. The map is monotonic, so the ranking, and with it AUC-PR, is the model's own.
Pure (numpy); the fit is in pipelines/training.py."""

from __future__ import annotations

from typing import Any, Final

import numpy as np

# Raw probabilities are clipped this far from 0 and 1 before their logit is taken.
EPSILON: Final = 1e-6


def logit(probabilities: np.ndarray) -> np.ndarray:
    clipped = np.clip(probabilities, EPSILON, 1 - EPSILON)
    logits: np.ndarray = np.log(clipped / (1 - clipped))
    return logits


class PlattCalibrated:
    """`model`'s fraud probability p, served as sigmoid(slope · logit(p) + intercept)."""

    def __init__(self, model: Any, slope: float, intercept: float) -> None:
        assert slope > 0, "a calibration keeps the model's order: its slope is positive"
        self.model = model
        self.slope = slope
        self.intercept = intercept
        self.classes_ = getattr(model, "classes_", np.asarray([0, 1]))

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        raw = self.model.predict_proba(x)[:, 1]
        calibrated = 1 / (1 + np.exp(-(self.slope * logit(raw) + self.intercept)))
        return np.column_stack([1 - calibrated, calibrated])
