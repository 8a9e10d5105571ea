"""Detection and forecasting metrics, from scikit-learn where it has them.

* Point level: every scored time point is one sample (accuracy — the paper's metric — precision,
  recall, F1, F_θ and the confusion counts).
* Event level: an *event* is a contiguous run of labelled points; it is detected when any of its points
  is flagged (event recall). A *flagged run* is a contiguous run of flagged points; it is true when it
  touches an event (event-wise precision = true flagged runs ÷ flagged runs).
* Threshold-free: average precision (PR-AUC) and ROC-AUC of the raw scores, so that a detector is judged
  apart from the one threshold it was given.
* Point-adjusted F1 (Xu et al., 2018): every point of an event counts as flagged when any one is. It
  inflates scores — a random detector that flags one point per long event gets full recall — so it is a
  labelled extra, never the metric.
* Subsequence level (Table I's chunks): a chunk is anomalous / flagged when any of its points is.

Runs never cross segments: ``sequence`` says which scored segment each point belongs to, and points
of one segment are consecutive in time.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    confusion_matrix,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

from fedad.data.events import event_runs
from fedad.data.subsequences import chunk_bounds
from fedad.detection.threshold import f_theta
from fedad.statistics import binomial_interval


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


def _segments(sequence: np.ndarray | None, n: int) -> list[np.ndarray]:
    """Row indices of each segment (all rows when ``sequence`` is None)."""
    if sequence is None:
        return [np.arange(n)]
    sequence = np.asarray(sequence)
    return [np.flatnonzero(sequence == s) for s in dict.fromkeys(sequence.tolist())]


def event_metrics(labels: np.ndarray, flags: np.ndarray, sequence: np.ndarray | None = None) -> dict:
    """Event recall with its exact binomial 95 % interval over events, event-wise precision of flagged runs,
    and the counts behind them (percent)."""
    labels, flags = np.asarray(labels, bool), np.asarray(flags, bool)
    events = detected = runs = true_runs = 0
    for rows in _segments(sequence, len(labels)):
        lab, flg = labels[rows], flags[rows]
        for a, b in event_runs(lab):
            events += 1
            detected += bool(flg[a:b].any())
        for a, b in event_runs(flg):
            runs += 1
            true_runs += bool(lab[a:b].any())
    low, high = binomial_interval(detected, events)
    return {
        "events": events,
        "detected_events": detected,
        "recall": 100.0 * detected / events if events else float("nan"),
        "recall_ci": [low, high],  # exact binomial 95 % interval over the test events
        "flagged_runs": runs,
        "true_flagged_runs": true_runs,
        "precision": 100.0 * true_runs / runs if runs else float("nan"),
    }


def point_adjusted(labels: np.ndarray, flags: np.ndarray, sequence: np.ndarray | None = None) -> np.ndarray:
    """Flags after point adjustment: all points of an event are flagged when any of them is."""
    labels, adjusted = np.asarray(labels, bool), np.asarray(flags, bool).copy()
    for rows in _segments(sequence, len(labels)):
        for a, b in event_runs(labels[rows]):
            if adjusted[rows[a:b]].any():
                adjusted[rows[a:b]] = True
    return adjusted


def point_adjusted_f1(labels: np.ndarray, flags: np.ndarray, sequence: np.ndarray | None = None) -> float:
    """F1 (percent) of point-adjusted flags — an inflated extra, see the module docstring."""
    labels = np.asarray(labels, bool)
    return 100.0 * f1_score(labels, point_adjusted(labels, flags, sequence), zero_division=np.nan)


def threshold_free_metrics(labels: np.ndarray, scores: np.ndarray) -> dict:
    """PR-AUC (average precision) and ROC-AUC of raw scores, percent; NaN when only one class exists.

    The base rate (anomalous share) is given with them: the PR-AUC of a detector that knows nothing.
    """
    labels, scores = np.asarray(labels, bool), np.asarray(scores, float)
    both = labels.any() and not labels.all()
    finite = np.nan_to_num(scores, nan=0.0, posinf=np.finfo(float).max)
    return {
        "pr_auc": 100.0 * average_precision_score(labels, finite) if both else float("nan"),
        "roc_auc": 100.0 * roc_auc_score(labels, finite) if both else float("nan"),
        "base_rate": 100.0 * float(labels.mean()) if len(labels) else float("nan"),
    }
