"""Counting normal and anomalous subsequences (Table I's X_n and X_a) by a stated rule.

The paper does not say how it cut subsequences. fedad's rule: each sequence is cut into
non-overlapping chunks of one natural period; a chunk is anomalous when any of its points is labelled.
The period is the lag of the highest autocorrelation peak within a plausible range (power demand: one
week, 672 steps; space shuttle: one valve cycle, ≈1000; ECG: one heartbeat, ≈210), or a fixed length
for run-to-failure data (engine: chunks of ``anomaly_last_k`` cycles aligned to the failure, so the
labelled end of life is exactly one chunk). A trailing remainder shorter than half a chunk is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fedad.data.series import SeriesDataset


def autocorrelation(x: np.ndarray, max_lag: int) -> np.ndarray:
    """Unnormalised autocorrelation of a 1-D series at lags 0 … max_lag (FFT-based, zero-padded, mean removed)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    x = x - x.mean()
    spec = np.fft.rfft(x, 2 * len(x))
    return np.fft.irfft(spec * np.conj(spec))[: max_lag + 1]


def estimate_period(x: np.ndarray, min_lag: int, max_lag: int) -> int:
    """Lag in [min_lag, max_lag] with the highest autocorrelation of a 1-D series (FFT-based)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    if not 1 <= min_lag < max_lag < len(x):
        raise ValueError(f"need 1 <= min_lag < max_lag < len(x); got {min_lag}, {max_lag}, {len(x)}")
    acf = autocorrelation(x, max_lag)
    return int(min_lag + np.argmax(acf[min_lag : max_lag + 1]))


def chunk_bounds(length: int, chunk: int, align: str = "start") -> list[tuple[int, int]]:
    """[start, end) of the non-overlapping chunks of a sequence (remainder < chunk/2 dropped)."""
    if chunk < 1:
        raise ValueError(f"chunk length must be >= 1, got {chunk}")
    full, rest = divmod(length, chunk)
    offset = rest if align == "end" else 0
    bounds = [(offset + i * chunk, offset + (i + 1) * chunk) for i in range(full)]
    if rest >= chunk / 2:
        bounds = [(0, rest), *bounds] if align == "end" else [*bounds, (full * chunk, length)]
    return bounds


@dataclass(frozen=True)
class SubsequenceRule:
    """How one data set is cut: a fixed chunk length, or an autocorrelation period search range."""

    fixed: int | None = None
    lag_range: tuple[int, int] | None = None
    align: str = "start"

    def chunk_length(self, ds: SeriesDataset) -> int:
        if self.fixed is not None:
            return self.fixed
        assert self.lag_range is not None
        longest = max(ds.sequences, key=len)
        return estimate_period(longest[:, 0], *self.lag_range)


DEFAULT_RULES = {
    "power_demand": SubsequenceRule(lag_range=(96 * 2, 96 * 10)),  # days 2..10: the weekly cycle
    "space_shuttle": SubsequenceRule(lag_range=(200, 2000)),  # one energise/de-energise cycle
    "ecg": SubsequenceRule(lag_range=(100, 400)),  # one beat at 250 Hz (40..150 bpm)
    "engine": SubsequenceRule(fixed=30, align="end"),
    "metropt3": SubsequenceRule(fixed=24 * 60),  # one day of 1-minute steps
}


@dataclass
class SubsequenceCounts:
    dataset: str
    dims: int
    n_sequences: int
    chunk_length: int
    normal: int
    anomalous: int


def count_subsequences(ds: SeriesDataset, rule: SubsequenceRule | None = None) -> SubsequenceCounts:
    """Apply a rule (the data set's default when None) and count normal / anomalous chunks."""
    rule = rule or DEFAULT_RULES[ds.name]
    length = rule.chunk_length(ds)
    normal = anomalous = 0
    for lab in ds.labels:
        for a, b in chunk_bounds(len(lab), length, rule.align):
            if lab[a:b].any():
                anomalous += 1
            else:
                normal += 1
    return SubsequenceCounts(ds.name, ds.dims, len(ds.sequences), length, normal, anomalous)
