"""From a series to detection results: split, scale, window, then score forecasts and threshold them.

``prepare_series`` does the data side once per (data set, window, horizon); ``detect`` turns a model's
forecasts of the train and test windows into Eq. 10 scores, a threshold ς chosen on the training part
and the test metrics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from fedad.data.registry import SPLIT_MODE
from fedad.data.series import SeriesDataset
from fedad.data.subsequences import DEFAULT_RULES
from fedad.data.windows import SeriesPart, Windows, fit_scaler, scale_part, split_series, windows_of
from fedad.detection.errors import point_errors, window_errors
from fedad.detection.metrics import classification_metrics, rmse, subsequence_metrics
from fedad.detection.scores import GaussianErrorModel
from fedad.detection.threshold import select_threshold
from fedad.training.tasks import ForecastTask


@dataclass
class PreparedSeries:
    """A data set split 7:3, min–max scaled on the training part, cut into stride-1 windows."""

    name: str
    train: SeriesPart
    test: SeriesPart
    train_windows: Windows
    test_windows: Windows
    window: int
    horizon: int
    chunk: int
    split_mode: str

    def task(self) -> ForecastTask:
        t = torch.from_numpy
        return ForecastTask(t(self.train_windows.x), t(self.train_windows.y), t(self.test_windows.x),
                            t(self.test_windows.y), name=self.name)


def prepare_series(ds: SeriesDataset, window: int, horizon: int, train_fraction: float = 0.7,
                   split_mode: str | None = None) -> PreparedSeries:
    """Split (the data set's default mode unless given), scale on train only, make windows."""
    mode = split_mode or SPLIT_MODE.get(ds.name, "time")
    train, test = split_series(ds, train_fraction, mode)
    scaler = fit_scaler(train)
    train, test = scale_part(train, scaler), scale_part(test, scaler)
    rule = DEFAULT_RULES.get(ds.name)
    chunk = rule.chunk_length(ds) if rule else 10 * window
    return PreparedSeries(ds.name, train, test, windows_of(train, window, horizon), windows_of(test, window, horizon),
                          window, horizon, chunk, mode)


def detect(prep: PreparedSeries, train_forecast: np.ndarray, test_forecast: np.ndarray, theta: float = 0.05,
           fit_on: str = "normal") -> dict:
    """Scores, ς on the training part, and point- and subsequence-level test metrics.

    ``fit_on="normal"`` fits μ, Σ on the training points labelled normal (the error distribution of
    normal behaviour); ``"all"`` on every training point.
    """
    tr, te = prep.train_windows, prep.test_windows
    train_pe = point_errors(window_errors(tr.y, train_forecast), tr.sequence, tr.start, prep.train.labels, prep.window)
    test_pe = point_errors(window_errors(te.y, test_forecast), te.sequence, te.start, prep.test.labels, prep.window)
    fit_rows = ~train_pe.labels if fit_on == "normal" and (~train_pe.labels).sum() > 1 else slice(None)
    gaussian = GaussianErrorModel.fit(train_pe.errors[fit_rows])
    train_scores, test_scores = gaussian.score(train_pe.errors), gaussian.score(test_pe.errors)
    threshold, train_f = select_threshold(train_scores, train_pe.labels, theta)
    flags = test_scores >= threshold
    return {
        "rmse": rmse(te.y, test_forecast),
        "train_rmse": rmse(tr.y, train_forecast),
        "threshold": threshold,
        "threshold_train_percentile": float(100 * np.mean(train_scores < threshold)),
        "train_f_theta": 100 * train_f,
        "point": classification_metrics(test_pe.labels, flags, theta),
        "subsequence": subsequence_metrics(test_pe.labels, flags, test_pe.sequence, test_pe.position, prep.chunk, theta),
        "test_anomalous_fraction": float(test_pe.labels.mean()),
        "trivial_accuracy": 100 * float(1 - test_pe.labels.mean()),
    }
