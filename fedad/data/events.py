"""Labelled anomaly *events*: the contiguous runs of anomalous points, and how many each part holds.

Point counts say how much of a part is anomalous; event counts say how many separate things a
detector could find there. A part with no event cannot test a detector (its accuracy only measures
how rarely a model flags anything), and a train + validation part with no event cannot tune one.
"""

from __future__ import annotations

import numpy as np


def event_runs(labels: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of every maximal run of True in a 1-D bool array, in order."""
    lab = np.asarray(labels, dtype=bool).ravel()
    if lab.size == 0:
        return []
    edges = np.flatnonzero(np.diff(np.concatenate([[False], lab, [False]]).astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def count_events(labels: list[np.ndarray]) -> dict:
    """Events, anomalous points and total points over a list of label arrays (one per segment)."""
    return {
        "events": int(sum(len(event_runs(lab)) for lab in labels)),
        "anomalous_points": int(sum(int(np.sum(lab)) for lab in labels)),
        "points": int(sum(len(lab) for lab in labels)),
    }
