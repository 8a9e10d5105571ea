"""Scores of one detector on one UCR archive series, from its per-point test scores.

Positions are 0-based, the anomaly ``[begin, end)`` (see :mod:`fedad.data.ucr_archive` for the conversion).

* **UCR score** (a hit per series; the archive's score is the share of hits). The detector's location
  is its highest test score (:func:`peak_location`). Two rules are in use:

  - ``kdd``: the KDD Cup 2021 rule, a hit when the location lies in ``[begin − 100, end + 100]`` in the
    archive's 1-based inclusive positions, i.e. ``begin − 100 ≤ loc ≤ end − 1 + 100`` here;
  - ``length``: the tolerance ``max(anomaly length, 100)`` on each side instead of 100 (used by later
    work so that a long anomaly is not found only by its centre).

* **PR-AUC and ROC-AUC** of the raw scores over every test point (threshold-free), with the base rate,
  the PR-AUC of a detector that knows nothing (:func:`fedad.detection.metrics.threshold_free_metrics`);
  **VUS-PR and VUS-ROC**, their range-aware versions (:mod:`fedad.detection.vus`).
* **Point metrics at ς** (:func:`fedad.detection.metrics.classification_metrics`, as in Figs. 5–6): ς is
  chosen by the caller from the detector's *validation* scores with the main pipeline's false-alarm rule
  (no label exists before the test part, so no prevalence can enter ς); whether any point of the anomaly
  is flagged is kept beside them.
* **Location error**: the highest score's position minus the anomaly's first and last point, so that a
  miss says whether a detector points early, late, or nowhere near.
"""

from __future__ import annotations

import numpy as np

from fedad.detection.metrics import classification_metrics, threshold_free_metrics
from fedad.detection.vus import vus_metrics

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


def series_scores(test_scores: np.ndarray, test_offset: int, begin: int, end: int, threshold: float,
                  vus_window: int) -> dict:
    """Every score of one detector on one series.

    ``test_scores`` holds one score per test point, the first at series position ``test_offset``;
    ``threshold`` is ς, fixed from validation scores before the test part is read; ``vus_window`` is the
    VUS buffer (:func:`fedad.detection.vus.sliding_window` of the training part).
    """
    test_scores = np.asarray(test_scores, dtype=float)
    if not begin >= test_offset or not end <= test_offset + test_scores.size:
        raise ValueError(f"the anomaly [{begin}, {end}) must lie in the test part [{test_offset}, "
                         f"{test_offset + test_scores.size})")
    labels = np.zeros(test_scores.size, dtype=bool)
    labels[begin - test_offset : end - test_offset] = True
    location = test_offset + peak_location(test_scores)
    flags = test_scores >= threshold
    return {
        "location": int(location),
        "location_error": {"from_begin": int(location - begin), "from_end": int(location - (end - 1))},
        **{f"hit_{rule}": bool(ucr_hit(location, begin, end, rule)) for rule in RULES},
        **threshold_free_metrics(labels, test_scores),
        **vus_metrics(labels, test_scores, vus_window),
        "threshold": float(threshold),
        "point": {**classification_metrics(labels, flags), "flagged_share": 100 * float(flags.mean()),
                  "anomaly_flagged": bool(flags[labels].any())},
    }
