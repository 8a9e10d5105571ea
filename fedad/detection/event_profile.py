"""The error profile through labelled events: does a forecaster keep erring for a whole event, or only at
its edges?

A short-horizon forecaster whose input window already holds an event's first steps can predict its new
level, so its errors would rise at the event's start and end only; a seasonal forecaster keeps erring
throughout. To see which, every scored point near an event is placed by its *relative position* (0 at
the event's first point, 1 after its last; a margin of a quarter of the event's length on each side) and
binned. Each bin holds the mean error magnitude (RMS of β_t over horizons, scaled units) and the mean
score percentile (the share of the validation part's normal scores below the point's score). The same
bins are filled from *normal* stretches at the same positions: the event's stretch moved by whole
periods (the same hours of the week on power demand), kept only where none of its points is labelled;
without a period the stretch moves by the event's own length.
"""

from __future__ import annotations

import numpy as np

from fedad.data.events import event_runs
from fedad.detection.errors import PointErrors

MARGIN = 0.25  # share of the event's length shown before and after it
BINS = 12  # over [−MARGIN, 1 + MARGIN]: 2 bins before, 8 inside, 2 after
MAX_SHIFTS = 8  # normal stretches tried on each side of an event


def _binned(rel: np.ndarray, values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    idx = np.digitize(rel, edges) - 1
    out = np.full(len(edges) - 1, np.nan)
    for b in range(len(out)):
        if (idx == b).any():
            out[b] = values[idx == b].mean()
    return out


def _nan_mean(rows: list[np.ndarray], size: int) -> np.ndarray:
    if not rows:
        return np.full(size, np.nan)
    stack = np.vstack(rows)
    with np.errstate(all="ignore"):
        counts = np.isfinite(stack).sum(0)
        return np.where(counts > 0, np.nansum(stack, 0) / np.maximum(counts, 1), np.nan)


def _listed(values: np.ndarray) -> list:
    return [None if not np.isfinite(v) else float(v) for v in values]


def event_profile(errors: PointErrors, scores: np.ndarray, reference_scores: np.ndarray,
                  shift: int | None = None) -> dict:
    """Binned error magnitude and score percentile through every labelled event of a part, and at the same
    positions of normal stretches (module docstring). ``reference_scores``: the validation part's normal
    scores (percentiles are read against them); ``shift``: the period in steps, or None."""
    magnitude = np.sqrt(np.mean(np.asarray(errors.errors, float) ** 2, axis=1))
    ref = np.sort(np.asarray(reference_scores, float))
    percentile = 100.0 * np.searchsorted(ref, np.asarray(scores, float), side="right") / max(len(ref), 1)
    edges = np.linspace(-MARGIN, 1 + MARGIN, BINS + 1)
    series = {"error": ([], []), "score_percentile": ([], [])}
    events = shifts = 0
    for s in np.unique(errors.sequence):
        rows = np.flatnonzero(errors.sequence == s)
        rows = rows[np.argsort(errors.position[rows])]
        pos, lab = errors.position[rows], errors.labels[rows]
        by_pos = {int(p): i for i, p in enumerate(pos)}
        for a, b in event_runs(lab):
            length = b - a
            margin = int(np.ceil(MARGIN * length))
            start = int(pos[a])
            wanted = np.arange(start - margin, start + length + margin)
            rel = (wanted - start + 0.5) / length
            own = np.array([by_pos.get(int(p), -1) for p in wanted])
            if (own < 0).all():
                continue
            events += 1
            keep = own >= 0
            for key, values in (("error", magnitude), ("score_percentile", percentile)):
                series[key][0].append(_binned(rel[keep], values[rows[own[keep]]], edges))
            step = shift or length
            for k in [j for i in range(1, MAX_SHIFTS + 1) for j in (-i, i)]:
                moved = np.array([by_pos.get(int(p + k * step), -1) for p in wanted])
                if (moved < 0).any() or lab[moved].any():
                    continue
                shifts += 1
                for key, values in (("error", magnitude), ("score_percentile", percentile)):
                    series[key][1].append(_binned(rel, values[rows[moved]], edges))
    out = {"bin_edges": [float(e) for e in edges], "events": events, "normal_stretches": shifts,
           "shift": int(shift) if shift else "event length"}
    for key, (inside, normal) in series.items():
        ev, no = _nan_mean(inside, BINS), _nan_mean(normal, BINS)
        out[key] = {"event": _listed(ev), "normal": _listed(no)}
    out["summary"] = {key: profile_summary(out, key) for key in series}
    return out


def profile_summary(profile: dict, key: str = "error") -> dict:
    """Mean of ``key`` over the event's edge bins (first and last eighth) and its interior bins, each divided
    by the normal stretches' value in the same bins: an edge-only forecaster has a large edge ratio and an
    interior ratio near 1."""
    edges = np.asarray(profile["bin_edges"])
    centre = (edges[:-1] + edges[1:]) / 2
    inside = (centre > 0) & (centre < 1)
    first, last = np.flatnonzero(inside)[[0, -1]]
    edge = np.zeros(len(centre), bool)
    edge[[first, last]] = True
    interior = inside & ~edge
    ev = np.array([np.nan if v is None else v for v in profile[key]["event"]], float)
    no = np.array([np.nan if v is None else v for v in profile[key]["normal"]], float)

    def ratio(mask: np.ndarray) -> float | None:
        a, b = np.nanmean(ev[mask]) if np.isfinite(ev[mask]).any() else np.nan, \
            np.nanmean(no[mask]) if np.isfinite(no[mask]).any() else np.nan
        return float(a / b) if np.isfinite(a) and np.isfinite(b) and b > 0 else None

    return {"edge_ratio": ratio(edge), "interior_ratio": ratio(interior)}
