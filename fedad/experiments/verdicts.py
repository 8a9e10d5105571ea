"""How REPORT.md states a claim: one row per number the paper gives, the gap, a verdict and its cause.

Verdicts: **reproduced** — the paper's value lies inside the range of our seeds (min..max), or a
qualitative claim holds (a "best" claim only when every paired 95 % interval excludes 0); **within
tolerance** — |gap| ≤ the tolerance of its kind; **not reproduced** — otherwise; **undetermined** — the
runs cannot decide (one seed where an interval is needed); **not comparable** — the paper's number has
no defined counterpart; **no verdict** — the data cannot test the claim (no test anomaly). No claim is
reproduced while a naive reference (flag nothing, persistence, seasonal-naive) scores at least as well.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fedad.statistics import finite, mean_sd

TOLERANCE = {"accuracy": 1.5, "points": 2.0, "percent": 10.0, "ratio": 0.2}
TOLERANCE_TEXT = (
    "Verdicts: **reproduced** — the paper's value lies inside the range of our seeds (min..max), or a "
    "qualitative claim holds (\"best\" only when every paired 95 % t-interval over seeds excludes 0; an "
    "interval of zero width, the same difference on every seed, is \"no spread\" and never counts); "
    "**within tolerance** — |gap| ≤ the tolerance of its kind: accuracy ±1.5 points, accuracy margins ±2.0 "
    "points, percentage reductions ±10 points, ratios ±20 % relative; **not reproduced** — otherwise; "
    "**undetermined** — one seed where an interval is needed; **not comparable** / **no verdict** — no "
    "counterpart, or data that cannot test the claim. No claim counts as reproduced while a naive reference "
    "(flag nothing, persistence, seasonal-naive) scores at least as well. Table I counts must match exactly. "
    "Causes are shown by a control run where one exists (see Controls); otherwise they are labelled "
    "*hypothesis*."
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


def verdict(values, target: float, tol: float, relative: bool = False) -> tuple[str, str]:
    """(gap text, verdict) of our seeds against the paper's value."""
    values = clean(values)
    if values.size == 0:
        return "n/a", "not reproduced"
    gap = values.mean() - target
    gap_text = f"{gap:+.2f}" + (f" ({gap / target:+.0%})" if relative else "")
    if values.min() <= target <= values.max():
        return gap_text, "reproduced"
    limit = tol * abs(target) if relative else tol
    return gap_text, "within tolerance" if abs(gap) <= limit else "not reproduced"
