"""The threshold ς that maximises F_θ (θ = 0.05) — chosen on training data only."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import precision_recall_curve


def f_theta(precision: np.ndarray | float, recall: np.ndarray | float, theta: float = 0.05):
    """F_θ = (1 + θ²)·P·R / (θ²·P + R); θ < 1 weighs precision above recall. 0 where P = R = 0."""
    p, r = np.asarray(precision, dtype=float), np.asarray(recall, dtype=float)
    denom = theta**2 * p + r
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(denom > 0, (1 + theta**2) * p * r / denom, 0.0)
    return out if out.ndim else float(out)


def select_threshold(train_scores: np.ndarray, train_labels: np.ndarray, theta: float = 0.05) -> tuple[float, float]:
    """ς = argmax over candidate thresholds of F_θ on the *training* scores and labels.

    The function takes training arrays only; nothing about the test part can reach it. Returns
    (ς, F_θ at ς). Without any anomalous training point F_θ is undefined; ς is then the largest
    training score (nothing in training would be flagged) and F_θ is NaN.
    """
    scores, labels = np.asarray(train_scores, float), np.asarray(train_labels, bool)
    if scores.shape != labels.shape:
        raise ValueError(f"scores {scores.shape} and labels {labels.shape} differ in shape")
    if not labels.any():
        return float(scores.max()), float("nan")
    precision, recall, thresholds = precision_recall_curve(labels, scores)
    f = f_theta(precision[:-1], recall[:-1], theta)
    best = int(np.nanargmax(f))
    return float(thresholds[best]), float(f[best])
