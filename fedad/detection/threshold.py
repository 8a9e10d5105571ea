"""The threshold ς that maximises F_θ (θ = 0.05), chosen out of sample on the validation part.

Rules (the one used is recorded in every result):

* ``validation`` (default): ς maximises F_θ on the validation part's scores and labels; when the best
  threshold's validation precision is below ``min_precision`` (0.5), ς = +∞, i.e. *flag nothing* — an
  honest outcome, not an error; when the validation part holds no labelled point, ς is the
  ``fallback_percentile`` (99.5th) of the validation scores, computed from scores only.
* ``in_sample`` (the paper's rule): ς maximises F_θ on the training part the model was fitted on.

Beside them, :func:`false_alarm_threshold` sets ς from the validation part's *normal* scores alone, so
that at most a stated share of them (the false-alarm rate, e.g. 1 %) is flagged. It does not depend on how
many anomalies the validation part holds, which max F_θ does: with few labelled points it behaves like
"maximise precision" at the validation part's prevalence, not the test part's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.metrics import precision_recall_curve

THRESHOLD_RULES = ("validation", "in_sample")


def f_theta(precision: np.ndarray | float, recall: np.ndarray | float, theta: float = 0.05):
    """F_θ = (1 + θ²)·P·R / (θ²·P + R); θ < 1 weighs precision above recall. 0 where P = R = 0."""
    p, r = np.asarray(precision, dtype=float), np.asarray(recall, dtype=float)
    denom = theta**2 * p + r
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(denom > 0, (1 + theta**2) * p * r / denom, 0.0)
    return out if out.ndim else float(out)


@dataclass
class ThresholdChoice:
    """ς and how it was chosen: the rule, and F_θ / precision / recall (percent, on the part that chose
    it) where its labels define them."""

    value: float
    rule: str
    f_theta: float = float("nan")
    precision: float = float("nan")
    recall: float = float("nan")

    @property
    def flags_nothing(self) -> bool:
        return bool(np.isinf(self.value))

    def to_dict(self) -> dict:
        return asdict(self)


def choose_threshold(scores: np.ndarray, labels: np.ndarray, theta: float = 0.05, min_precision: float = 0.5,
                     fallback_percentile: float = 99.5, rule: str = "validation") -> ThresholdChoice:
    """ς from one part's scores and labels (see the module docstring for the rules)."""
    if rule not in THRESHOLD_RULES:
        raise ValueError(f"threshold rule must be one of {THRESHOLD_RULES}, got {rule!r}")
    scores, labels = np.asarray(scores, float), np.asarray(labels, bool)
    if scores.shape != labels.shape:
        raise ValueError(f"scores {scores.shape} and labels {labels.shape} differ in shape")
    if not labels.any():
        value = float(np.percentile(scores, fallback_percentile))
        return ThresholdChoice(value, f"{rule}: no labelled point; {fallback_percentile}th percentile of the scores")
    precision, recall, thresholds = precision_recall_curve(labels, scores)
    f = f_theta(precision[:-1], recall[:-1], theta)
    best = int(np.nanargmax(f))
    if rule == "validation" and precision[best] < min_precision:
        return ThresholdChoice(float("inf"), f"{rule}: flag nothing (best F_θ threshold has precision "
                               f"{100 * precision[best]:.1f} % < {100 * min_precision:.0f} %)",
                               0.0, 100 * float(precision[best]), 0.0)
    return ThresholdChoice(float(thresholds[best]), f"{rule}: max F_θ (θ = {theta})", 100 * float(f[best]),
                           100 * float(precision[best]), 100 * float(recall[best]))


def false_alarm_threshold(normal_scores: np.ndarray, rate: float = 0.01) -> ThresholdChoice:
    """ς that flags at most ``rate`` of ``normal_scores`` (flags are ``score ≥ ς``), from normal points only.

    ς is the smallest value above the ⌈(1 − rate)·n⌉-th smallest score, so ties never push the validation
    false-alarm rate over ``rate``; ``precision`` and ``recall`` stay undefined (no labels are read)."""
    if not 0 <= rate < 1:
        raise ValueError(f"the false-alarm rate must be in [0, 1), got {rate}")
    scores = np.sort(np.asarray(normal_scores, dtype=float))
    if scores.size == 0:
        raise ValueError("a false-alarm threshold needs at least one normal validation score")
    keep = scores.size - int(np.floor(rate * scores.size))  # how many normal scores stay below ς
    value = float(np.nextafter(scores[keep - 1], np.inf))
    return ThresholdChoice(value, f"validation: false-alarm rate ≤ {100 * rate:g} % of normal points")
