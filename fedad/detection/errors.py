"""Error vectors β (Eq. 10's input) from T-step forecasts, one vector per time point.

Window j forecasts points j+n … j+n+T−1, so point t is forecast T times (horizon h by window t−n−h).
Its error vector is β_t = (|x_t − x̂_t^{(h)}|)_{h=0..T−1} over all channels (length T·D), following
Malhotra et al. (2015). Points with all T forecasts are n+T−1 ≤ t ≤ L−T; the rest of a sequence is not
scored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class PointErrors:
    """Error vectors of the scored points of every sequence, concatenated."""

    errors: np.ndarray  # [P, T*D]
    labels: np.ndarray  # [P] bool
    sequence: np.ndarray  # [P] source sequence index
    position: np.ndarray  # [P] index of the point inside its sequence


def window_errors(y: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    """|y − ŷ| per window, horizon and channel: [M, T, D]."""
    if y.shape != forecast.shape:
        raise ValueError(f"targets {y.shape} and forecasts {forecast.shape} differ in shape")
    return np.abs(y - forecast)


def point_errors(abs_err: np.ndarray, sequence: np.ndarray, start: np.ndarray, point_labels: list[np.ndarray],
                 n: int) -> PointErrors:
    """Rearrange window errors [M, T, D] (stride-1 windows) into per-point error vectors."""
    horizon = abs_err.shape[1]
    out_e, out_l, out_s, out_p = [], [], [], []
    for s in np.unique(sequence):
        rows = np.flatnonzero(sequence == s)
        rows = rows[np.argsort(start[rows])]
        if not np.array_equal(start[rows], np.arange(len(rows))):
            raise ValueError("point_errors needs stride-1 windows covering each sequence from its start")
        e = abs_err[rows]  # [M_s, T, D]
        k = len(rows) - horizon + 1  # points with all T forecasts
        if k < 1:
            continue
        vec = np.concatenate([e[horizon - 1 - h : horizon - 1 - h + k, h] for h in range(horizon)], axis=1)
        pos = np.arange(k) + n + horizon - 1
        out_e.append(vec)
        out_l.append(point_labels[s][pos])
        out_s.append(np.full(k, s))
        out_p.append(pos)
    if not out_e:
        raise ValueError("no sequence is long enough to score any point")
    return PointErrors(np.concatenate(out_e), np.concatenate(out_l), np.concatenate(out_s), np.concatenate(out_p))
