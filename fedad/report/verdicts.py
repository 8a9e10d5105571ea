"""How REPORT.md states a claim: one row per number the paper gives, the gap, a verdict and its cause.

Verdicts: **reproduced** — the paper's value lies inside the 95 % t-interval of our seeds' mean (a
single run, or seeds that all agree, must equal it), or a qualitative claim holds (a "best" claim only
when every paired 95 % interval excludes 0); **within tolerance** — |gap| ≤ the tolerance of its kind
(for a detection accuracy: a fifth of the anomalous share of the test part, at most 1.5 points);
**not reproduced** — otherwise; **undetermined** — the runs cannot decide (one seed where an interval
is needed); **indicative (k events)** — a detection verdict that rests on one or two test events,
whichever way it points; **not comparable** — the paper's number has no defined counterpart; **no
verdict** — the data cannot test the claim (no test anomaly). No claim is reproduced while a naive
reference (flag nothing, persistence, seasonal-naive, raw-value distance) scores at least as well.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from fedad.statistics import finite, mean_sd

TOLERANCE = {"accuracy": 1.5, "points": 2.0, "percent": 10.0, "ratio": 0.2}
ANOMALOUS_SHARE_TOLERANCE = 0.2  # a detection accuracy's tolerance: this share of 100 − flag-nothing accuracy
INDICATIVE_EVENTS = 2  # a detection verdict resting on this many test events or fewer is only indicative
TOLERANCE_TEXT = (
    "Verdicts: **reproduced** — the paper's value lies inside the 95 % t-interval of our seeds' mean (one run, "
    "or seeds that all agree, must equal it), or a qualitative claim holds (\"best\" only when every paired 95 % "
    "t-interval over seeds excludes 0; an interval of zero width, the same difference on every seed, is \"no "
    "spread\" and never counts); **within tolerance** — |gap| ≤ the tolerance of its kind: accuracy ±1.5 points "
    "(a detection accuracy: a fifth of the test part's anomalous share, at most 1.5 points — 1.37 on power "
    "demand, whose anomalous share is 6.9 points), accuracy margins ±2.0 points, percentage reductions ±10 "
    "points, ratios ±20 % relative; **not reproduced** — otherwise; **undetermined** — one seed where an "
    "interval is needed; **indicative (k events)** — a detection verdict resting on one or two test events, "
    "whichever way the seeds point (the seeds' verdict is given in the reason); **not comparable** / **no "
    "verdict** — no counterpart, or data that cannot test the claim. No claim counts as reproduced while a naive "
    "reference (flag nothing, persistence, seasonal-naive, raw-value distance) scores at least as well. Table I "
    "counts must match exactly. Causes are shown by a control run where one exists (see Controls); otherwise "
    "they are labelled *hypothesis*."
)


@dataclass
class Row:
    claim: str
    paper: str
    ours: str
    profile: str
    gap: str
    verdict: str
    reason: str = ""


def clean(values) -> np.ndarray:
    return finite(values)


fmt = mean_sd  # "m ± sd (n=k)" of a claim's seeds


def mean_interval(values, confidence: float = 0.95) -> tuple[float, float] | None:
    """The t-interval of the mean of ``values``; None for fewer than two finite values."""
    arr = clean(values)
    if arr.size < 2:
        return None
    half = float(stats.t.ppf(0.5 + confidence / 2, arr.size - 1)) * float(arr.std(ddof=1)) / math.sqrt(arr.size)
    return float(arr.mean()) - half, float(arr.mean()) + half


def verdict(values, target: float, tol: float, relative: bool = False) -> tuple[str, str]:
    """(gap text, verdict) of our seeds against the paper's value (module docstring)."""
    values = clean(values)
    if values.size == 0:
        return "n/a", "not reproduced"
    gap = values.mean() - target
    gap_text = f"{gap:+.2f}" + (f" ({gap / target:+.0%})" if relative else "")
    interval = mean_interval(values)
    if np.all(values == target) or (interval is not None and interval[0] < interval[1]
                                    and interval[0] <= target <= interval[1]):
        return gap_text, "reproduced"
    limit = tol * abs(target) if relative else tol
    return gap_text, "within tolerance" if abs(gap) <= limit else "not reproduced"


def accuracy_tolerance(trivial_accuracy: float | None) -> float:
    """A detection accuracy's tolerance in points: a fifth of the anomalous share (100 − flag nothing's
    accuracy), capped at the general 1.5; the general one where no trivial accuracy is known."""
    if trivial_accuracy is None or not math.isfinite(trivial_accuracy):
        return TOLERANCE["accuracy"]
    return min(TOLERANCE["accuracy"], ANOMALOUS_SHARE_TOLERANCE * (100.0 - trivial_accuracy))


def indicative(v: str, events: int | None) -> tuple[str, str]:
    """(verdict, note): a detection verdict on ≤ :data:`INDICATIVE_EVENTS` test events becomes
    "indicative (k events)", with what the seeds alone said kept in the note."""
    if events is None or events > INDICATIVE_EVENTS or v in ("not comparable", "no verdict"):
        return v, ""
    return f"indicative ({events} event{'s' if events != 1 else ''})", f"the seeds alone say: {v}"
