"""Reference forecasters: no training, the same scoring and threshold code as the learned models.

A learned detector is only worth its training when it beats these (and "flag nothing"):

* :class:`Persistence` — every future point equals the last observed one, x̂_{n+h} = x_n;
* :class:`SeasonalNaive` — every future point equals the value one period earlier,
  x̂_{n+h} = x_{n+h−P}, with P the period of the window rule (power demand: last week's value), or
  each record's own period where a data set holds several (ECG);
* :class:`RawValue` — no forecast at all: it "predicts" zeros, so the error vector is the (scaled)
  target values themselves and Eq. 10 becomes a Mahalanobis distance of raw values from the
  validation part's values.
"""

from __future__ import annotations

import numpy as np


class Persistence:
    """fit(x, y) is a no-op; predict(x [M, n, D]) → [M, T, D] repeating the last input point."""

    trainable = False

    def __init__(self, dims: int, horizon: int, window: int | None = None, **_):
        self.dims, self.horizon = dims, horizon

    def fit(self, x: np.ndarray, y: np.ndarray) -> Persistence:
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.repeat(x[:, -1:, :], self.horizon, axis=1).astype(np.float32)


class SeasonalNaive:
    """predict(x [M, n, D]) → [M, T, D] with x̂_{n+h} = x_{n+h−P}; needs P ≤ n and P ≥ T."""

    trainable = False

    def __init__(self, dims: int, horizon: int, window: int, period: int | None = None, **_):
        if period is None:
            raise ValueError("seasonal-naive needs a period; this data set has none (use persistence)")
        if not horizon <= period <= window:
            raise ValueError(f"seasonal-naive needs horizon {horizon} <= period {period} <= window {window}")
        self.dims, self.horizon, self.window, self.period = dims, horizon, window, period

    def fit(self, x: np.ndarray, y: np.ndarray) -> SeasonalNaive:
        return self

    def predict(self, x: np.ndarray, periods: np.ndarray | None = None) -> np.ndarray:
        """``periods`` [M] gives each window its own record's period (ECG: seven records, seven periods);
        by default every window uses the constructor's period."""
        if periods is None:
            start = x.shape[1] - self.period
            return np.ascontiguousarray(x[:, start : start + self.horizon, :]).astype(np.float32)
        periods = np.asarray(periods, dtype=np.int64)
        if len(periods) != len(x) or periods.min(initial=self.horizon) < self.horizon or \
                periods.max(initial=0) > x.shape[1]:
            raise ValueError(f"seasonal-naive needs one period per window in [{self.horizon}, {x.shape[1]}]; "
                             f"got {len(periods)} periods for {len(x)} windows")
        idx = x.shape[1] - periods[:, None] + np.arange(self.horizon)[None, :]
        return np.ascontiguousarray(x[np.arange(len(x))[:, None], idx, :]).astype(np.float32)


class RawValue:
    """predict(x [M, n, D]) → zeros [M, T, D]: the detector then scores the raw values (module docstring)."""

    trainable = False

    def __init__(self, dims: int, horizon: int, window: int | None = None, **_):
        self.dims, self.horizon = dims, horizon

    def fit(self, x: np.ndarray, y: np.ndarray) -> RawValue:
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.zeros((x.shape[0], self.horizon, x.shape[2]), dtype=np.float32)
