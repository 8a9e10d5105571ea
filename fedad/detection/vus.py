"""Range-aware threshold-free scores of one series: VUS-PR and VUS-ROC (Paparrizos et al., VLDB 2022), from
the authors' own package ``vus`` (PyPI), never re-implemented here.

VUS averages range-based PR and ROC curves over buffers of 0 … ``sliding_window`` points around each
labelled anomaly, so a detector that peaks beside an anomaly, or over a bump one period wide, earns part
of the credit that point-wise PR-AUC denies it. The package's authors recommend the buffer as the series'
period found by their own autocorrelation rule (:func:`sliding_window`, their ``find_length``: 125 points
when no period in 3 … 300 is found); it reads the anomaly-free training part only.
"""

from __future__ import annotations

import numpy as np


def sliding_window(training_values: np.ndarray) -> int:
    """The VUS buffer the package's authors recommend: ``vus.utils.slidingWindows.find_length`` of the data."""
    from vus.utils.slidingWindows import find_length  # imported here: it pulls statsmodels, seconds to load

    return int(find_length(np.asarray(training_values, dtype=float).ravel()))


def vus_metrics(labels: np.ndarray, scores: np.ndarray, window: int) -> dict:
    """VUS-PR and VUS-ROC in percent (NaN when only one class exists) and the buffer they used."""
    from vus.metrics import get_metrics

    labels, scores = np.asarray(labels, dtype=bool), np.asarray(scores, dtype=float)
    if window < 0:
        raise ValueError(f"the VUS sliding window must be >= 0 points, got {window}")
    if not labels.any() or labels.all():
        return {"vus_pr": float("nan"), "vus_roc": float("nan"), "vus_window": int(window)}
    finite = np.nan_to_num(scores, nan=np.nanmin(scores) if np.isfinite(scores).any() else 0.0,
                           posinf=np.finfo(float).max, neginf=-np.finfo(float).max)
    out = get_metrics(finite, labels.astype(int), metric="vus", slidingWindow=int(window))
    return {"vus_pr": 100.0 * float(out["VUS_PR"]), "vus_roc": 100.0 * float(out["VUS_ROC"]),
            "vus_window": int(window)}
