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
    def no_spread(self) -> bool:
        """Every pair differs by the same amount: the interval has zero width and says nothing."""
        return self.n >= 2 and self.low == self.high

    @property
    def excludes_zero(self) -> bool:
        """The 95 % interval excludes 0; an interval of zero width is never taken as significant."""
        return self.n >= 2 and not self.no_spread and (self.low > 0 or self.high < 0)

    def text(self, digits: int = 2) -> str:
        if self.n == 0 or math.isnan(self.mean):
            return "n/a"
        if self.n < 2 or math.isnan(self.low):
            return f"{self.mean:+.{digits}f} (n={self.n}, no interval)"
        if self.no_spread:
            return f"{self.mean:+.{digits}f} (n={self.n}, no spread)"
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


def binomial_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper–Pearson) interval of a proportion k/n, in percent; (nan, nan) when n = 0. For event
    recall: with 1 or 2 test events it spans most of 0–100 %, which is what one event can tell."""
    if n == 0:
        return float("nan"), float("nan")
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="exact")
    return 100 * float(ci.low), 100 * float(ci.high)


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


def segment_bootstrap(labels, flags, segments, confidence: float = 0.95, resamples: int = 2000,
                      seed: int = 0) -> dict:
    """Percentile intervals (in %) of test accuracy and F1 when whole segments of the test part are
    resampled with replacement: uncertainty over *which stretches and events* the test part happened to
    hold, which seeds cannot show. ``segments`` gives each point's segment id (a period-long chunk)."""
    labels, flags = np.asarray(labels, dtype=bool), np.asarray(flags, dtype=bool)
    _, seg = np.unique(np.asarray(segments), return_inverse=True)
    k = int(seg.max()) + 1 if seg.size else 0
    if k < 2:
        return {"segments": k, "resamples": 0, "accuracy_low": None, "accuracy_high": None,
                "f1_low": None, "f1_high": None}
    counts = np.stack([np.bincount(seg, weights=(labels & flags), minlength=k),  # true positives
                       np.bincount(seg, weights=(~labels & flags), minlength=k),  # false positives
                       np.bincount(seg, weights=(labels & ~flags), minlength=k),  # false negatives
                       np.bincount(seg, minlength=k).astype(float)], axis=1)
    draws = np.random.default_rng(seed).integers(0, k, size=(resamples, k))
    tp, fp, fn, n = counts[draws].sum(axis=1).T
    accuracy = 100 * (n - fp - fn) / n
    denominator = 2 * tp + fp + fn
    f1 = np.where(denominator > 0, 100 * 2 * tp / np.maximum(denominator, 1), 0.0)
    tail = 100 * (1 - confidence) / 2
    lo_a, hi_a = np.percentile(accuracy, [tail, 100 - tail])
    lo_f, hi_f = np.percentile(f1, [tail, 100 - tail])
    return {"segments": k, "resamples": resamples, "accuracy_low": float(lo_a), "accuracy_high": float(hi_a),
            "f1_low": float(lo_f), "f1_high": float(hi_f)}


# -- across series (the UCR archive): each series is one paired observation of two detectors --------------


@dataclass(frozen=True)
class PairedTest:
    """A − B over series: mean difference with a 95 % bootstrap interval over series, and a test's p-value.

    ``wins``/``losses`` count series where A is better/worse (for hits: A hits and B misses, and the
    reverse — the discordant pairs McNemar's test reads).
    """

    mean: float
    low: float
    high: float
    p: float
    n: int
    wins: int
    losses: int
    test: str

    @property
    def significant(self) -> bool:
        """A differs from B at the 5 % level (and the interval agrees in sign; a zero-width interval never
        does)."""
        return self.n >= 2 and self.p < 0.05 and self.low < self.high and (self.low > 0 or self.high < 0)

    def text(self, digits: int = 1) -> str:
        if self.n == 0:
            return "n/a"
        return (f"{self.mean:+.{digits}f} [{self.low:+.{digits}f}, {self.high:+.{digits}f}], {self.test} "
                f"p = {self.p:.3g} ({self.wins} better, {self.losses} worse of {self.n})")


def bootstrap_mean(values, confidence: float = 0.95, resamples: int = 10_000, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean over observations (series); (mean, mean) when all agree."""
    arr = finite(values)
    if arr.size == 0:
        return float("nan"), float("nan")
    if arr.size == 1 or np.all(arr == arr[0]):
        return float(arr[0]), float(arr[0])
    res = stats.bootstrap((arr,), np.mean, confidence_level=confidence, n_resamples=resamples, method="percentile",
                          random_state=np.random.default_rng(seed))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def wilcoxon_paired(a, b, seed: int = 0) -> PairedTest:
    """Wilcoxon signed-rank test of a − b (paired per series; pairs where either is missing are dropped)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    diff = a[keep] - b[keep]
    n = int(diff.size)
    if n == 0:
        return PairedTest(float("nan"), float("nan"), float("nan"), float("nan"), 0, 0, 0, "Wilcoxon")
    low, high = bootstrap_mean(diff, seed=seed)
    p = 1.0 if not np.any(diff) else float(stats.wilcoxon(diff, zero_method="wilcox").pvalue)
    return PairedTest(float(diff.mean()), low, high, p, n, int((diff > 0).sum()), int((diff < 0).sum()), "Wilcoxon")


def mcnemar_exact(hits_a, hits_b, seed: int = 0) -> PairedTest:
    """Exact McNemar test on paired hits: a two-sided binomial test of the discordant pairs; the effect is
    the difference of hit rates in percentage points, with a bootstrap interval over series."""
    a, b = np.asarray(hits_a, dtype=bool), np.asarray(hits_b, dtype=bool)
    n = int(a.size)
    wins, losses = int((a & ~b).sum()), int((~a & b).sum())
    p = 1.0 if wins + losses == 0 else float(stats.binomtest(wins, wins + losses, 0.5).pvalue)
    diff = 100.0 * (a.astype(float) - b.astype(float))
    low, high = bootstrap_mean(diff, seed=seed)
    return PairedTest(float(diff.mean()) if n else float("nan"), low, high, p, n, wins, losses, "exact McNemar")
