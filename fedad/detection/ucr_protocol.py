"""A UCR archive series through the detection protocol of Figs. 5–6 (:mod:`fedad.detection.pipeline`).

* **Window.** The dominant period of the training part: the lag of the highest autocorrelation *peak*
  (a local maximum, so that a smooth series does not simply return the shortest lag) in
  ``[min_lag, min(max_lag, train_end // 4)]``. Where the period exceeds ``window_cap`` steps, the series
  is averaged over blocks of ``factor = ceil(period / window_cap)`` points first
  (:func:`fedad.data.resample.resample_mean`) and the window is the
  period in coarse steps. A series with no peak gets ``window_cap`` steps at factor 1, said in the rule.
* **Parts.** fit = the training part without its tail; validation = the last ``validation_fraction``
  of the training part (the archive labels nothing there: it is normal by construction), used for early
  stopping and for μ, Σ and ς; test = everything after the training part, read once.
* Scaling (min–max on the fit part), windows and error vectors are the pipeline's own.

Scores come back to the original points by :func:`to_points`, so that every metric is computed on the
archive's own positions, whatever the factor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.signal import find_peaks

from fedad.data.protocol import SeriesProtocol, check_window
from fedad.data.resample import resample_mean
from fedad.data.series import SeriesDataset
from fedad.data.splits import split_at
from fedad.data.subsequences import autocorrelation
from fedad.data.ucr_archive import UcrSeries
from fedad.detection.pipeline import PreparedSeries, prepare_split


@dataclass(frozen=True)
class UcrSettings:
    """The protocol's stated numbers (configs may change them; every result records them)."""

    window_cap: int = 100
    min_lag: int = 8
    max_lag: int = 2000
    validation_fraction: float = 0.2
    horizon: int = 4


@dataclass
class PreparedUcr:
    """A series ready for the detectors: the pipeline's parts at the coarse step, and the way back."""

    series: UcrSeries
    prep: PreparedSeries
    factor: int
    period_points: int | None  # the period in original points (None: no peak)
    coarse_train_end: int

    def describe(self) -> dict:
        return {"ucr_id": self.series.meta.id, "name": self.series.meta.name, "family": self.series.meta.family,
                "filename": self.series.meta.filename,
                "n_points": len(self.series.values), "train_end": self.series.meta.train_end,
                "anomaly": [self.series.meta.begin, self.series.meta.end], "factor": self.factor,
                "period_points": self.period_points, "window": self.prep.window, "window_rule": self.prep.window_rule,
                "validation_blocks": self.prep.split.blocks,
                **{f"{p}_windows": len(w) for p, w in self.prep.windows.items()}}


def dominant_period(x: np.ndarray, min_lag: int, max_lag: int) -> int | None:
    """The lag of the highest autocorrelation peak in [min_lag, max_lag], or None when there is none."""
    max_lag = min(max_lag, len(x) // 4)
    if max_lag <= min_lag or not np.any(np.asarray(x, dtype=np.float64) - np.mean(x)):
        return None
    acf = autocorrelation(x, max_lag + 1)  # one lag more, so that a peak at max_lag has a right neighbour
    peaks, _ = find_peaks(acf)
    peaks = peaks[(peaks >= min_lag) & (peaks <= max_lag) & (acf[peaks] > 0)]
    if peaks.size == 0:
        return None
    return int(peaks[np.argmax(acf[peaks])])


def prepare_ucr(series: UcrSeries, settings: UcrSettings = UcrSettings()) -> PreparedUcr:
    """Window, coarse step and the three parts of one archive series (module docstring)."""
    meta = series.meta
    period = dominant_period(series.values[: meta.train_end], settings.min_lag, settings.max_lag)
    if period is None:
        factor, window = 1, settings.window_cap
        rule = (f"no autocorrelation peak in lags {settings.min_lag}..{settings.max_lag}: "
                f"window = the cap, {window} steps")
    else:
        factor = max(1, math.ceil(period / settings.window_cap))
        window = max(2 * settings.horizon, round(period / factor))
        rule = (f"dominant period by autocorrelation peak, lags {settings.min_lag}..{settings.max_lag}: {period} "
                f"points; " + (f"means of {factor} points (cap {settings.window_cap} steps), window {window} steps"
                               if factor > 1 else f"window {window} steps"))
    ds = resample_mean(SeriesDataset(f"ucr_{meta.id:03d}", [series.values[:, None]], [series.labels()],
                                     [f"{meta.id:03d}_{meta.name}"], ["value"], "UCR anomaly archive"), factor)
    ds.sequences = [s.astype(np.float32) for s in ds.sequences]
    train_end = meta.train_end // factor  # coarse steps made only of training points
    fit_end = train_end - max(round(settings.validation_fraction * train_end), window + settings.horizon)
    split = split_at(ds, fit_end, train_end, window + settings.horizon - 1)
    check_window(split, window, settings.horizon, ds.name)
    protocol = SeriesProtocol(ds.name, "ucr", resample=factor, validation_rule="tail", window=window,
                              why="UCR archive: tail of the anomaly-free training part as validation")
    prep = prepare_split(protocol, split, window, settings.horizon, window if period else None, rule)
    return PreparedUcr(series, prep, factor, period, train_end)


def to_points(prepared: PreparedUcr, position: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Scores of the test part's scored coarse steps → one score per original test point.

    ``position`` is each score's step inside the test segment (context included, as the pipeline's
    :class:`~fedad.detection.errors.PointErrors` give it). An original point takes its coarse step's score;
    points no score reaches (the last steps, and a remainder dropped by averaging) take the lowest score,
    so that they never win the argmax and rank last for the AUCs.
    """
    test = prepared.prep.split.test
    context = test.context[0]
    steps = len(test.sequences[0]) - context
    coarse = np.full(steps, np.nan)
    own = np.asarray(position) - context
    keep = (own >= 0) & (own < steps)
    coarse[own[keep]] = np.asarray(scores, dtype=float)[keep]
    lowest = np.nanmin(coarse) if np.isfinite(coarse).any() else 0.0
    coarse = np.where(np.isfinite(coarse), coarse, lowest)
    meta, f = prepared.series.meta, prepared.factor
    origin = prepared.coarse_train_end * f  # the first original point of the first test step
    points = np.full(len(prepared.series.values) - meta.train_end, lowest)
    idx = (np.arange(meta.train_end, len(prepared.series.values)) - origin) // f
    inside = idx < steps
    points[inside] = coarse[idx[inside]]
    return points
