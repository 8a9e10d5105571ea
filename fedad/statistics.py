"""Seed statistics for REPORT.md: mean ± sd, and paired differences with a 95 % t-interval.

Runs of two settings with the same seeds are paired (same partition, same initial weights, same batch
order where the settings allow), so their difference per seed removes most of the seed-to-seed spread.
A claim "A beats B" is made only when the interval of A − B excludes 0. A deterministic setting (a
reference forecaster, the SVM) has one run; it pairs with every seed of the other setting.

Across series (the UCR archive): paired tests (Wilcoxon, sign test, exact McNemar), bootstrap intervals
over series or over whole sources, two one-sided tests of equivalence (TOST) and Holm's adjustment.
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
#
# Series made from one source (the same record with the same anomaly, or a shared anomaly interval; see
# fedad.data.ucr_archive.source_keys) are not independent. Every function below takes an optional
# ``clusters`` (one source key per series): tests then run on the per-source means of the paired
# differences, and intervals come from a bootstrap that resamples whole sources.


@dataclass(frozen=True)
class PairedTest:
    """A − B over series: mean difference with a 95 % bootstrap interval (over sources when given), and a
    test's p-value.

    ``wins``/``losses`` count series where A is better/worse (for hits: A hits and B misses, and the
    reverse — the discordant pairs McNemar's test reads); ``sources`` is how many independent units the
    test read (``n`` when no clusters were given).
    """

    mean: float
    low: float
    high: float
    p: float
    n: int
    wins: int
    losses: int
    test: str
    sources: int | None = None

    @property
    def significant(self) -> bool:
        """A differs from B at the 5 % level (and the interval agrees in sign). A zero-width interval of a
        continuous score (the same difference on every series, which points at a bug) never does; for the
        counting tests (hits, signs) every pair going one way is the strongest evidence, not a bug."""
        return self.significant_at(self.p)

    def significant_at(self, p: float) -> bool:
        """As :attr:`significant`, with ``p`` in place of the test's own (e.g. a Holm-adjusted one)."""
        spread = self.low < self.high or (self.test != "Wilcoxon" and self.low == self.high != 0)
        return self.n >= 2 and p < 0.05 and spread and (self.low > 0 or self.high < 0)

    def text(self, digits: int = 1) -> str:
        if self.n == 0:
            return "n/a"
        units = f" of {self.n}" if self.sources in (None, self.n) else f" of {self.n} series, {self.sources} sources"
        return (f"{self.mean:+.{digits}f} [{self.low:+.{digits}f}, {self.high:+.{digits}f}], {self.test} "
                f"p = {self.p:.3g} ({self.wins} better, {self.losses} worse{units})")


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


def cluster_bootstrap_mean(values, clusters=None, confidence: float = 0.95, resamples: int = 10_000,
                           seed: int = 0) -> tuple[float, float]:
    """Percentile interval of the mean over series when whole clusters (sources) are resampled with
    replacement; without ``clusters``, :func:`bootstrap_mean`. NaN values are dropped with their series."""
    if clusters is None:
        return bootstrap_mean(values, confidence, resamples, seed)
    arr = np.asarray([np.nan if v is None else v for v in values], dtype=float)
    keep = np.isfinite(arr)
    arr, labels = arr[keep], np.asarray(clusters, dtype=object)[keep]
    if arr.size == 0:
        return float("nan"), float("nan")
    _, member = np.unique(labels.astype(str), return_inverse=True)
    k = int(member.max()) + 1
    if k == 1 or np.all(arr == arr[0]):
        return float(arr.mean()), float(arr.mean())
    sums, counts = np.bincount(member, weights=arr, minlength=k), np.bincount(member, minlength=k).astype(float)
    draws = np.random.default_rng(seed).integers(0, k, size=(resamples, k))
    means = sums[draws].sum(axis=1) / counts[draws].sum(axis=1)
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def _units(diff: np.ndarray, clusters) -> np.ndarray:
    """The independent units a test reads: the differences themselves, or their mean per cluster."""
    if clusters is None:
        return diff
    _, member = np.unique(np.asarray(clusters, dtype=object).astype(str), return_inverse=True)
    return np.bincount(member, weights=diff) / np.bincount(member)


def _paired_arrays(a, b, clusters):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    labels = None if clusters is None else np.asarray(clusters, dtype=object)[keep]
    return a[keep] - b[keep], labels


def wilcoxon_paired(a, b, seed: int = 0, clusters=None) -> PairedTest:
    """Wilcoxon signed-rank test of a − b (paired per series; pairs where either is missing are dropped),
    on the per-source means when ``clusters`` are given."""
    diff, labels = _paired_arrays(a, b, clusters)
    n = int(diff.size)
    if n == 0:
        return PairedTest(float("nan"), float("nan"), float("nan"), float("nan"), 0, 0, 0, "Wilcoxon", 0)
    units = _units(diff, labels)
    low, high = cluster_bootstrap_mean(diff, labels, seed=seed)
    p = 1.0 if not np.any(units) else float(stats.wilcoxon(units, zero_method="wilcox").pvalue)
    return PairedTest(float(diff.mean()), low, high, p, n, int((diff > 0).sum()), int((diff < 0).sum()), "Wilcoxon",
                      int(units.size))


def sign_test(a, b, seed: int = 0, clusters=None) -> PairedTest:
    """Exact two-sided sign test of a − b: the share of positive among non-zero differences (per source when
    ``clusters`` are given) against ½. It assumes no symmetry of the differences, which Wilcoxon does."""
    diff, labels = _paired_arrays(a, b, clusters)
    n = int(diff.size)
    if n == 0:
        return PairedTest(float("nan"), float("nan"), float("nan"), float("nan"), 0, 0, 0, "sign test", 0)
    units = _units(diff, labels)
    up, down = int((units > 0).sum()), int((units < 0).sum())
    p = 1.0 if up + down == 0 else float(stats.binomtest(up, up + down, 0.5).pvalue)
    low, high = cluster_bootstrap_mean(diff, labels, seed=seed)
    return PairedTest(float(diff.mean()), low, high, p, n, int((diff > 0).sum()), int((diff < 0).sum()), "sign test",
                      int(units.size))


def mcnemar_exact(hits_a, hits_b, seed: int = 0, clusters=None) -> PairedTest:
    """Exact McNemar test on paired hits: a two-sided binomial test of the discordant pairs; the effect is
    the difference of hit rates in percentage points, with a bootstrap interval over series (sources).
    With ``clusters``, the sign test of the per-source mean hit differences (McNemar's test when every
    source holds one series)."""
    a, b = np.asarray(hits_a, dtype=bool), np.asarray(hits_b, dtype=bool)
    if clusters is not None:
        out = sign_test(100.0 * a, 100.0 * b, seed, clusters)
        name = "exact McNemar" if out.sources == out.n else "sign test over sources"
        return PairedTest(out.mean, out.low, out.high, out.p, out.n, out.wins, out.losses, name, out.sources)
    n = int(a.size)
    wins, losses = int((a & ~b).sum()), int((~a & b).sum())
    p = 1.0 if wins + losses == 0 else float(stats.binomtest(wins, wins + losses, 0.5).pvalue)
    diff = 100.0 * (a.astype(float) - b.astype(float))
    low, high = bootstrap_mean(diff, seed=seed)
    return PairedTest(float(diff.mean()) if n else float("nan"), low, high, p, n, wins, losses, "exact McNemar", n)


@dataclass(frozen=True)
class Equivalence:
    """Two one-sided tests (TOST) of a − b against ±``margin``: equivalent at the 5 % level when p < 0.05,
    i.e. when the 90 % t-interval of the mean difference over independent units lies inside the margins."""

    mean: float
    low: float  # the 90 % interval: TOST at 5 % is equivalent to it lying inside ±margin
    high: float
    p: float
    margin: float
    units: int

    @property
    def equivalent(self) -> bool:
        return self.units >= 2 and self.p < 0.05

    def text(self, digits: int = 1) -> str:
        if self.units == 0 or math.isnan(self.mean):
            return "n/a"
        return (f"{self.mean:+.{digits}f}, 90 % interval [{self.low:+.{digits}f}, {self.high:+.{digits}f}] against "
                f"±{self.margin:g}: TOST p = {self.p:.3g} ({self.units} sources)")


def tost_paired(a, b, margin: float, clusters=None) -> Equivalence:
    """TOST of the paired differences a − b (per-source means when ``clusters`` are given): one-sided
    t-tests of mean > −margin and of mean < +margin; p is the larger of the two."""
    if margin <= 0:
        raise ValueError(f"an equivalence margin must be > 0, got {margin}")
    diff, labels = _paired_arrays(a, b, clusters)
    units = _units(diff, labels) if diff.size else diff
    k = int(units.size)
    if k < 2:
        return Equivalence(float(units.mean()) if k else float("nan"), float("nan"), float("nan"), 1.0, margin, k)
    mean = float(units.mean())
    if np.all(units == units[0]):  # no spread: the interval is the point itself
        p = 0.0 if -margin < mean < margin else 1.0
        return Equivalence(mean, mean, mean, p, margin, k)
    lower = stats.ttest_1samp(units, -margin, alternative="greater").pvalue
    upper = stats.ttest_1samp(units, margin, alternative="less").pvalue
    half = float(stats.t.ppf(0.95, k - 1)) * float(units.std(ddof=1)) / math.sqrt(k)
    return Equivalence(mean, mean - half, mean + half, float(max(lower, upper)), margin, k)


def holm(pvalues) -> np.ndarray:
    """Holm's step-down adjustment of a family of p-values (controls the family-wise error rate): the i-th
    smallest is multiplied by (m − i + 1), then made non-decreasing in that order and capped at 1."""
    p = np.asarray(pvalues, dtype=float)
    order = np.argsort(p, kind="stable")
    scaled = p[order] * (p.size - np.arange(p.size))
    out = np.empty_like(p)
    out[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return out
