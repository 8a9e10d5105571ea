"""What several of REPORT.md's detection sections read from the detect results frame: a model's values per
seed, the references that score at least as well, data sets and models in the paper's order, whether runs
converged, a model's name in the tables, and a frame as a markdown table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from fedad.models import LABELS, NOT_FORECASTS, REFERENCES
from fedad.results.tables import DATASET_ORDER, PAPER_VARIANT, ordered_models


def _main_variant(model: str) -> str:
    """The variant that stands for a model in the paper's setting."""
    return PAPER_VARIANT.get(model, "reference" if model in REFERENCES else "centralised")


def seeds_of(frame: pd.DataFrame, dataset: str, model: str, metric: str, variant: str | None = None) -> dict:
    """{seed: value} of one (data set, model, variant); the paper's setting when ``variant`` is None."""
    variant = variant or _main_variant(model)
    rows = frame[(frame.dataset == dataset) & (frame.model == model)]
    if "variant" in rows:
        rows = rows[rows.variant == variant]
    return {int(s): (None if pd.isna(v) else float(v)) for s, v in zip(rows.seed, rows[metric], strict=True)}


def flag_nothing(frame: pd.DataFrame, dataset: str, metric: str) -> dict:
    """The "flag nothing" reference's value of a point / event metric, from any run of the data set."""
    key = "flag_nothing." + metric
    rows = frame[frame.dataset == dataset]
    if key not in rows or rows[key].dropna().empty:
        return {}
    return {0: float(rows[key].dropna().iloc[0])}


def mean_of(d: dict) -> float:
    """The mean of a {seed: value} dict's finite values (NaN when it has none)."""
    vals = [v for v in d.values() if v is not None and math.isfinite(v)]
    return float(np.mean(vals)) if vals else float("nan")


def first_value(rows: pd.DataFrame, key: str):
    """The first recorded value of a column (None where no row has one)."""
    if key not in rows:
        return None
    vals = rows[key].dropna()
    return vals.iloc[0] if len(vals) else None


def references_at_least(frame: pd.DataFrame, dataset: str, value: float, metric: str, higher: bool = True) -> list:
    """Names of the references that score at least as well as ``value`` on ``metric``: the reference
    forecasters, "flag nothing" for point and event metrics, and the base rate (a random ranking) for PR-AUC."""
    out = []
    candidates = {m: seeds_of(frame, dataset, m, metric) for m in REFERENCES
                  if not (metric == "rmse" and m in NOT_FORECASTS)}
    if metric.startswith(("point.", "event.")):
        candidates["flag_nothing"] = flag_nothing(frame, dataset, metric)
    if metric == "threshold_free.pr_auc":
        base = first_value(frame[frame.dataset == dataset], "threshold_free.base_rate")
        candidates["base rate (random ranking)"] = {0: base} if base is not None else {}
    for name, vals in candidates.items():
        ref = mean_of(vals)
        if math.isfinite(ref) and math.isfinite(value) and (ref >= value if higher else ref <= value):
            out.append(f"{LABELS.get(name, name)} {ref:.3g}")
    return out


def markdown_table(frame: pd.DataFrame) -> str:
    """A section's table in markdown, "—" where a cell is missing."""
    return frame.astype(object).where(frame.notna(), "—").to_markdown(index=False) if len(frame) else "(no runs)"


def datasets_of(frame: pd.DataFrame) -> list[str]:
    """Data sets in the paper's order (unknown ones after)."""
    present = list(dict.fromkeys(frame.dataset))
    return [d for d in DATASET_ORDER if d in present] + [d for d in present if d not in DATASET_ORDER]


def models_of(frame: pd.DataFrame) -> list[str]:
    """Models in the paper's order, references last."""
    return ordered_models(frame.model)


def converged_text(rows: pd.DataFrame) -> str:
    """Whether the runs stopped before the epoch cap: "yes", "not converged (cap)" or how many hit it."""
    if "hit_cap" not in rows or rows.hit_cap.isna().all():
        return "—"
    capped = int(rows.hit_cap.fillna(False).astype(bool).sum())
    return "not converged (cap)" if capped == len(rows) else "yes" if capped == 0 else f"{capped}/{len(rows)} hit cap"


def model_label(model: str) -> str:
    """A model's name in the tables, AMCNN-LSTM marked as the federated GCM run."""
    return LABELS.get(model, model) + (" (fed. GCM)" if model == "amcnn_lstm" else "")
