"""Scores of one detector on one UCR archive series, from its per-point test scores.

Positions are 0-based, the anomaly ``[begin, end)`` (see :mod:`fedad.data.ucr_archive` for the conversion).

* **UCR score** (a hit per series; the archive's score is the share of hits). The detector's location
  is its highest test score (:func:`peak_location`). Two rules are in use:

  - ``kdd``: the KDD Cup 2021 rule, a hit when the location lies in ``[begin − 100, end + 100]`` in the
    archive's 1-based inclusive positions, i.e. ``begin − 100 ≤ loc ≤ end − 1 + 100`` here;
  - ``length``: the tolerance ``max(anomaly length, 100)`` on each side instead of 100 (used by later
    work so that a long anomaly is not found only by its centre).

* **PR-AUC and ROC-AUC** of the raw scores over every test point (threshold-free), with the base rate,
  the PR-AUC of a detector that knows nothing.
* **Point metrics at ς**, where ς is a stated quantile of the detector's *validation* scores (no label
  exists before the test part, so no prevalence can enter ς): precision, recall, F1, and whether any
  point of the anomaly is flagged.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import precision_recall_fscore_support

from fedad.detection.metrics import threshold_free_metrics

RULES = {"kdd": "KDD Cup 2021: ±100 points", "length": "±max(anomaly length, 100) points"}
KDD_TOLERANCE = 100


def peak_location(scores: np.ndarray) -> int:
    """The position of the highest score; a run of tied maxima (one coarse step repeated over its points)
    counts by its centre, so averaging does not shift the location to the step's first point."""
    scores = np.asarray(scores, dtype=float)
    if scores.size == 0 or not np.isfinite(scores).any():
        raise ValueError("no finite score to locate")
    top = np.nanmax(np.where(np.isfinite(scores), scores, -np.inf))
    first = int(np.argmax(scores == top))
    last = first
    while last + 1 < scores.size and scores[last + 1] == top:
        last += 1
    return (first + last) // 2


def tolerance(rule: str, begin: int, end: int) -> int:
    """Points allowed on each side of the anomaly by a UCR-score rule."""
    if rule == "kdd":
        return KDD_TOLERANCE
    if rule == "length":
        return max(end - begin, KDD_TOLERANCE)
    raise ValueError(f"unknown UCR-score rule {rule!r}; known: {sorted(RULES)}")


def ucr_hit(location: int, begin: int, end: int, rule: str = "kdd") -> bool:
    """Whether a location counts as finding the anomaly ``[begin, end)`` under a rule (module docstring)."""
    tol = tolerance(rule, begin, end)
    return begin - tol <= location <= end - 1 + tol


def series_scores(test_scores: np.ndarray, test_offset: int, begin: int, end: int, validation_scores: np.ndarray,
                  quantile: float) -> dict:
    """Every score of one detector on one series.

    ``test_scores`` holds one score per test point, the first at series position ``test_offset``;
    ``validation_scores`` are the detector's scores on the validation block, whose ``quantile`` is ς.
    """
    if not 0.0 < quantile < 1.0:
        raise ValueError(f"quantile must be in (0, 1), got {quantile}")
    test_scores = np.asarray(test_scores, dtype=float)
    labels = np.zeros(test_scores.size, dtype=bool)
    labels[begin - test_offset : end - test_offset] = True
    location = test_offset + peak_location(test_scores)
    threshold = float(np.quantile(np.asarray(validation_scores, dtype=float), quantile))
    flags = test_scores >= threshold
    precision, recall, f1, _ = precision_recall_fscore_support(labels, flags, average="binary", zero_division=0)
    return {
        "location": int(location),
        **{f"hit_{rule}": bool(ucr_hit(location, begin, end, rule)) for rule in RULES},
        **threshold_free_metrics(labels, test_scores),
        "threshold": threshold,
        "threshold_quantile": quantile,
        "point": {"precision": 100 * float(precision), "recall": 100 * float(recall), "f1": 100 * float(f1),
                  "flagged_share": 100 * float(flags.mean()), "anomaly_flagged": bool(flags[labels].any())},
    }
