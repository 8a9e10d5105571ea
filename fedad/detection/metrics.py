"""Detection and forecasting metrics, from scikit-learn where it has them.

Point level: every scored time point is one sample. Subsequence level (reported separately, labelled
as such, never mixed into the point-level numbers): the chunks of Table I's rule; a chunk is anomalous
when any of its points is labelled and counts as flagged when any of its points is flagged.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_score, recall_score

from fedad.data.subsequences import chunk_bounds
from fedad.detection.threshold import f_theta


def rmse(y: np.ndarray, forecast: np.ndarray) -> float:
    """Eq. 17: sqrt(mean((y − ŷ)²)) over every forecast value."""
    return float(np.sqrt(np.mean((np.asarray(y, float) - np.asarray(forecast, float)) ** 2)))


def classification_metrics(labels: np.ndarray, flagged: np.ndarray, theta: float = 0.05) -> dict:
    """Accuracy, precision, recall, F1, F_θ (percent) and the confusion matrix [[TN, FP], [FN, TP]].

    Precision / recall with no flagged / no anomalous samples are reported as NaN (undefined), not 0.
    """
    labels, flagged = np.asarray(labels, bool), np.asarray(flagged, bool)
    precision = precision_score(labels, flagged, zero_division=np.nan)
    recall = recall_score(labels, flagged, zero_division=np.nan)
    return {
        "accuracy": 100 * accuracy_score(labels, flagged),
        "precision": 100 * precision,
        "recall": 100 * recall,
        "f1": 100 * f1_score(labels, flagged, zero_division=np.nan),
        "f_theta": 100 * f_theta(np.nan_to_num(precision), np.nan_to_num(recall), theta)
        if labels.any() and flagged.any() else float("nan"),
        "confusion": confusion_matrix(labels, flagged, labels=[False, True]).tolist(),
        "n": len(labels),
        "n_anomalous": int(labels.sum()),
        "n_flagged": int(flagged.sum()),
    }


def subsequence_metrics(point_labels: np.ndarray, point_flags: np.ndarray, sequence: np.ndarray,
                        position: np.ndarray, chunk: int, theta: float = 0.05) -> dict:
    """The subsequence-level variant: chunks of length ``chunk`` of each sequence's scored points."""
    chunk_labels, chunk_flags = [], []
    for s in np.unique(sequence):
        rows = np.flatnonzero(sequence == s)
        rows = rows[np.argsort(position[rows])]
        for a, b in chunk_bounds(len(rows), chunk):
            chunk_labels.append(point_labels[rows[a:b]].any())
            chunk_flags.append(point_flags[rows[a:b]].any())
    return {"chunk_length": chunk, **classification_metrics(np.array(chunk_labels), np.array(chunk_flags), theta)}
