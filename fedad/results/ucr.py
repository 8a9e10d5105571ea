"""The UCR experiment's results as tables: one row per (detector, series), the series set every detector in
a table finished, the run's plan (how far a run got), and where each detector's misses point.

REPORT.md's UCR section and Fig. 9 both read these, so the figure and the text always stand on the same
series.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from fedad.data.ucr_archive import archive_sources
from fedad.detection.ucr_score import RULES
from fedad.models import LABELS
from fedad.results import RESULTS_DIR

PAPER_DETECTOR = "amcnn_lstm_federated"
CENTRALISED = "amcnn_lstm_centralised"
DETECTOR_LABELS = {"amcnn_lstm_federated": "AMCNN-LSTM, federated GCM (ρ = 0.3, N = 10)",
                   "amcnn_lstm_centralised": "AMCNN-LSTM, centralised"}
MEANS = ("pr_auc", "roc_auc", "vus_pr", "vus_roc", "base_rate", "point.f1", "wall_time_s", "hit_cap")


def detector_label(name: str) -> str:
    """The name a detector has in REPORT.md's UCR tables and Fig. 9."""
    return DETECTOR_LABELS.get(name, LABELS.get(name, name))


def per_series(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (detector, series): threshold-free scores and F1 averaged over seeds, hits by majority
    (a tie counts as a hit), and the series' source (independent unit of the statistics)."""
    if "skipped" in frame:  # a detector that does not apply to a series (seasonal-naive without a period)
        frame = frame[frame.skipped.isna()]
    cols = {**dict.fromkeys(MEANS, "mean"), "hit_kdd": "mean", "hit_length": "mean", "filename": "first",
            "family": "first", "training": "first", "source": "first"}
    out = frame.groupby(["detector", "ucr_id"]).agg({k: v for k, v in cols.items() if k in frame}).reset_index()
    for rule in RULES:
        out[f"hit_{rule}"] = out[f"hit_{rule}"] >= 0.5
    sources = archive_sources()  # results made before runs recorded their source
    known = out["source"] if "source" in out else pd.Series([None] * len(out), index=out.index)
    out["source"] = [s if isinstance(s, str) else sources.get(int(i), f"{int(i):03d}")
                     for s, i in zip(known, out.ucr_id, strict=True)]
    return out


def order(detectors) -> list[str]:
    """The paper's detector first, then centralised training, then the rest as they came."""
    first = [PAPER_DETECTOR, CENTRALISED]
    present = list(dict.fromkeys(detectors))
    return [d for d in first if d in present] + [d for d in present if d not in first]


def read_plan(results: Path | None, profile: str) -> dict | None:
    """What the run set out to do (``_plan_<profile>.json``, written before its first run), or None."""
    path = Path(results or RESULTS_DIR) / "ucr" / f"_plan_{profile}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def common_series(table: pd.DataFrame, detectors: list[str], universe=None) -> tuple[pd.DataFrame, dict[str, int]]:
    """(the rows of ``detectors`` on the series every one of them finished, how many series of
    ``universe`` each did not finish). ``universe`` defaults to every series any of them ran."""
    rows = table[table.detector.isin(detectors)]
    done = {d: set(rows.loc[rows.detector == d, "ucr_id"]) for d in detectors}
    wanted = set(universe) if universe is not None else set().union(*done.values()) if done else set()
    common = set.intersection(*done.values()) & wanted if done else set()
    missing = {d: len(wanted - done[d]) for d in detectors}
    kept = rows[rows.ucr_id.isin(common)]
    return kept.set_index("detector").loc[[d for d in detectors if d in set(kept.detector)]].reset_index(), missing


def learned_and_references(table: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The detectors that train and the training-free references, each in report order."""
    ordered = order(table.detector)
    none = set(table.loc[table.training == "none", "detector"]) if "training" in table else set()
    return [d for d in ordered if d not in none], [d for d in ordered if d in none]


def period_points(frame: pd.DataFrame) -> pd.Series:
    """A series' period in original points: the protocol's period, else its window in original points."""
    window = frame["window"] * frame.get("factor", 1)
    if "period_points" not in frame:
        return window.astype(float)
    return frame["period_points"].astype(float).fillna(window.astype(float))


def location_errors(frame: pd.DataFrame, series: set[int], detectors: list[str]) -> pd.DataFrame:
    """Per detector, where its KDD-rule misses point on the given series: how many misses, the median
    highest-score position minus the anomaly's first and last point (points and periods), and the share
    of misses before the anomaly and after it (a forecaster whose inputs still hold the anomaly points late;
    a discord's bump is one period wide)."""
    needed = {"location_error.from_begin", "location_error.from_end", "window"}
    if not needed <= set(frame):
        return pd.DataFrame()
    rows = []
    for det in detectors:
        runs = frame[(frame.detector == det) & frame.ucr_id.isin(series)]
        runs = runs[runs["location_error.from_begin"].notna()]
        misses = runs[~runs.hit_kdd.astype(bool)]
        if runs.empty:
            continue
        begin, end = misses["location_error.from_begin"].astype(float), misses["location_error.from_end"].astype(float)
        period = period_points(misses)
        late, early = int((end > 0).sum()), int((begin < 0).sum())
        rows.append({"detector": det, "misses": f"{len(misses)} of {len(runs)} runs",
                     "median argmax − start (points)": _median(begin, "{:+.0f}"),
                     "median argmax − end (points)": _median(end, "{:+.0f}"),
                     "median argmax − start (periods)": _median(begin / period, "{:+.1f}"),
                     "median argmax − end (periods)": _median(end / period, "{:+.1f}"),
                     "misses after the end": f"{late}", "misses before the start": f"{early}"})
    return pd.DataFrame(rows)


def _median(values: pd.Series, fmt: str) -> str:
    values = values[np.isfinite(values)]
    return fmt.format(float(values.median())) if len(values) else "—"
