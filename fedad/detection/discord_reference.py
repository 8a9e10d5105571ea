"""The matrix-profile discord (:func:`fedad.models.discord.discord_scores`) as a reference on a prepared
series of any number of sequences, scored on exactly the points the forecasters are scored on.

Each validation and test segment (with its context) is joined against the fit segments of the first
channel, subsequences one window long (the segments are joined end to end with a missing value between
them, which stumpy gives no subsequence across), and a point's score is its distance to the nearest fit
subsequence. The fit part is the reference for both parts so that validation and test scores are on one
footing and ς, read from the validation part, means the same on the test part.
"""

from __future__ import annotations

import numpy as np

from fedad.detection.errors import PointErrors
from fedad.detection.pipeline import PreparedSeries, score_metrics, scored_errors
from fedad.models.discord import discord_scores


def _scored_points(prep: PreparedSeries, part: str) -> PointErrors:
    """The points a forecaster's scores cover in ``part`` (the forecast itself does not matter here)."""
    return scored_errors(prep, part, np.zeros_like(prep.windows[part].y))


def discord_part_scores(prep: PreparedSeries, part: str) -> tuple[PointErrors, np.ndarray]:
    """(the scored points of ``part``, the discord score of each)."""
    m = prep.window
    pieces = [s[:, 0] for s in prep.split.fit.sequences if len(s) >= m]
    if not pieces:
        raise ValueError(f"{prep.name}: no fit segment is one window ({m} steps) long; the discord needs one")
    reference = np.concatenate([np.append(p.astype(np.float64), np.nan) for p in pieces])[:-1]
    points = _scored_points(prep, part)
    per_segment = []
    for seg in prep.part(part).sequences:
        if len(seg) < m:
            per_segment.append(np.full(len(seg), np.nan))
            continue
        per_segment.append(discord_scores(reference, seg[:, 0], m))
    scores = np.array([per_segment[s][p] for s, p in zip(points.sequence, points.position, strict=True)])
    return points, scores


def discord_metrics(prep: PreparedSeries, theta: float = 0.05) -> dict:
    """The discord's test metrics with ς by the headline rule on its validation scores
    (:func:`fedad.detection.pipeline.score_metrics`); points of a segment shorter than a window, which
    no subsequence covers, are left out and counted."""
    (val, val_scores), (test, test_scores) = (discord_part_scores(prep, p) for p in ("validation", "test"))
    ok_val, ok_test = np.isfinite(val_scores), np.isfinite(test_scores)

    def keep(pe: PointErrors, ok: np.ndarray) -> PointErrors:
        return PointErrors(pe.errors[ok], pe.labels[ok], pe.sequence[ok], pe.position[ok])

    out = score_metrics(prep, keep(val, ok_val), val_scores[ok_val], keep(test, ok_test), test_scores[ok_test], theta)
    out["subsequence_length"] = prep.window
    out["uncovered_test_points"] = int((~ok_test).sum())
    return out
