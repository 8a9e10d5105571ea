"""Seed statistics for REPORT.md: mean ± sd, and paired differences with a 95 % t-interval.

Runs of two settings with the same seeds are paired (same partition, same initial weights, same batch
order where the settings allow), so their difference per seed removes most of the seed-to-seed spread.
A claim "A beats B" is made only when the interval of A − B excludes 0. A deterministic setting (a
reference forecaster, the SVM) has one run; it pairs with every seed of the other setting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Difference:
    """Mean of the paired differences a − b, its 95 % t-interval and the number of pairs."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def excludes_zero(self) -> bool:
        return self.n >= 2 and (self.low > 0 or self.high < 0)

    def text(self, digits: int = 2) -> str:
        if self.n == 0 or math.isnan(self.mean):
            return "n/a"
        if self.n < 2 or math.isnan(self.low):
            return f"{self.mean:+.{digits}f} (n={self.n}, no interval)"
        return f"{self.mean:+.{digits}f} [{self.low:+.{digits}f}, {self.high:+.{digits}f}] (n={self.n})"


def finite(values) -> np.ndarray:
    arr = np.asarray([np.nan if v is None else v for v in values], dtype=float)
    return arr[np.isfinite(arr)]


def mean_sd(values, digits: int = 2, suffix: str = "") -> str:
    """"m ± sd (n=k)", "m" for one value, "n/a" for none."""
    arr = finite(values)
    if arr.size == 0:
        return "n/a"
    if arr.size == 1:
        return f"{arr[0]:.{digits}f}{suffix}"
    return f"{arr.mean():.{digits}f} ± {arr.std(ddof=1):.{digits}f}{suffix} (n={arr.size})"


def paired_difference(a: dict, b: dict, confidence: float = 0.95, b_fixed: bool = False,
                      a_fixed: bool = False) -> Difference:
    """a − b over the seeds both have (dicts seed → value). A side marked ``fixed`` is deterministic (a
    reference forecaster, the SVM): its one run pairs with every seed of the other side. A learned model
    run with fewer seeds pairs only where the seeds match."""
    if a_fixed and len(a) == 1 and len(b) > 1:
        a = dict.fromkeys(b, next(iter(a.values())))
    if b_fixed and len(b) == 1 and len(a) > 1:
        b = dict.fromkeys(a, next(iter(b.values())))
    seeds = sorted(set(a) & set(b))
    diffs = finite([a[s] - b[s] if a[s] is not None and b[s] is not None else np.nan for s in seeds])
    n = diffs.size
    if n == 0:
        return Difference(float("nan"), float("nan"), float("nan"), 0)
    mean = float(diffs.mean())
    if n < 2:
        return Difference(mean, float("nan"), float("nan"), n)
    sd = float(diffs.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return Difference(mean, mean - half, mean + half, n)
