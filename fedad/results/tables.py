"""Read result files into pandas tables (figures and the report read results only, never train)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from fedad import settings
from fedad.models import REFERENCES
from fedad.results import RESULTS_DIR

DATASET_ORDER = ("power_demand", "power_demand_audited", "space_shuttle", "ecg", "engine", "ecg_qtdbsel102")
CLAIM_DATASETS = ("power_demand", "space_shuttle", "ecg", "engine")  # the paper's four, published labels
# the bar figures draw the paper's data sets (its single ECG record too, named as not drawn when its test
# part holds no event); the audited-label power demand is a control of REPORT.md's label audit
FIGURE_DATASETS = (*CLAIM_DATASETS, "ecg_qtdbsel102")
DATASET_LABELS = {"power_demand": "Power demand", "power_demand_audited": "Power demand (audited labels)",
                  "space_shuttle": "Space shuttle", "ecg": "ECG (7 records)", "engine": "Engine",
                  "ecg_qtdbsel102": "ECG qtdbsel102"}
MODEL_ORDER = ("amcnn_lstm", "cnn_lstm", "lstm", "gru", "sae", "svm", "persistence", "seasonal_naive", "raw_value")


def search_choice_path(results: Path, profile: str) -> Path:
    """Where the training search (``fedad.experiments.train_search``) writes, and REPORT.md reads, its
    settings and the configuration it chose per family."""
    return Path(results) / "train_search" / f"_choice_{profile}.json"


def ordered_models(models) -> list[str]:
    """Models in the paper's order (AMCNN-LSTM first), whatever order the result files came in."""
    present = list(dict.fromkeys(models))
    return [m for m in MODEL_ORDER if m in present] + [m for m in present if m not in MODEL_ORDER]


def _infinity(value):
    return float(value) if value in ("inf", "-inf") else value


def load_raw(experiment: str, results_dir: Path | None = None, profile: str | None = None) -> list[dict]:
    """The whole result files (config, metrics, records, extras) that :func:`load` would read."""
    frame = load(experiment, results_dir, profile)
    folder = Path(results_dir or RESULTS_DIR) / experiment
    wanted = set(frame["config_hash"])
    out = []
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith("_"):
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("config_hash") in wanted:
            out.append(data)
    return out


def load(experiment: str, results_dir: Path | None = None, profile: str | None = None) -> pd.DataFrame:
    """One row per finished run: its config keys, flattened metrics (``a.b`` for nested) and wall time.

    With ``profile=None``: ``$FEDAD_PROFILE`` when set, else the most complete profile that has results
    (paper, then full, then quick). When
    the experiment script recorded which runs its latest config made (``_current_<profile>.json``),
    only those are read, so results of an older config never mix into a figure.
    """
    folder = Path(results_dir or RESULTS_DIR) / experiment
    current = {m.stem.removeprefix("_current_"): set(json.loads(m.read_text(encoding="utf-8")))
               for m in folder.glob("_current_*.json")}
    rows = []
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith("_"):
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        wanted = current.get(data["config"].get("profile"))
        if wanted is not None and data.get("config_hash") not in wanted:
            continue
        row = {k: v for k, v in data["config"].items() if not isinstance(v, dict)}
        metrics = pd.json_normalize(data["metrics"], sep=".").iloc[0].to_dict()
        if "engine" in metrics:  # "engine" is a data set (C-MAPSS); older files named the round engine so
            metrics.setdefault("round_engine", metrics.pop("engine"))
        row.update(metrics)
        row["wall_time_s"] = data["wall_time_s"]
        row["config_hash"] = data.get("config_hash")
        rows.append(row)
    frame = pd.DataFrame(rows)
    for column in frame.columns[frame.dtypes == object]:  # result files spell ±∞ as strings (strict JSON)
        values = frame[column]
        if values.isin(["inf", "-inf"]).any():
            frame[column] = values.map(_infinity)
    if frame.empty:
        raise FileNotFoundError(f"no results in {folder}: run `make {experiment_target(experiment)}` first")
    if profile is None:
        profile = settings.profile() or next(
            (p for p in ("paper", "full", "quick") if (frame["profile"] == p).any()), "quick")
    if not (frame["profile"] == profile).any():
        raise FileNotFoundError(f"no {profile}-profile results in {folder}: run "
                                f"`PROFILE={profile} make {experiment_target(experiment)}` first")
    return frame[frame["profile"] == profile].reset_index(drop=True)


def main_runs(frame: pd.DataFrame) -> pd.DataFrame:
    """The runs of an experiment's grid, without its control runs (``control`` set: REPORT.md reads those)."""
    if "control" not in frame:
        return frame
    return frame[frame["control"].isna()]


def is_eq9(frame: pd.DataFrame) -> pd.Series:
    """Which rows are Eq. 9 read literally (window = horizon = one period): labelled variants whose scored
    points differ from the headline runs', so only REPORT.md's Eq. 9 controls read them."""
    if "eq9.T" not in frame:
        return pd.Series(False, index=frame.index)
    return frame["eq9.T"].notna()


def protocol_runs(frame: pd.DataFrame) -> pd.DataFrame:
    """The detection runs of the stated protocol (horizon 4), without the Eq. 9 variants."""
    return frame[~is_eq9(frame)].reset_index(drop=True)


def without_test_events(frame: pd.DataFrame) -> list[str]:
    """Data sets of a detect frame whose test part holds no labelled event: their accuracy cannot test a
    detector (all-normal scores 100 %), so the bar figures leave them out and REPORT.md gives no verdict."""
    if "no_test_anomaly" not in frame:
        return []
    flagged = frame[frame["no_test_anomaly"].fillna(False).astype(bool)]
    return sorted(set(flagged["dataset"]))


# Models whose one run stands for every seed (no random state): references, "flag nothing" and SVM.
DETERMINISTIC = (*REFERENCES, "svm", "flag_nothing")


# The setting each model has in the paper's Figs. 5-6: AMCNN-LSTM federated with GCM, the baselines
# centralised, references untrained. Other variants are the controls of REPORT.md.
PAPER_VARIANT = {"amcnn_lstm": "federated_gcm"}


def paper_setting(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the paper's setting (results without a ``variant`` column are all taken)."""
    if "variant" not in frame:
        return frame
    wanted = frame["model"].map(PAPER_VARIANT.get)
    keep = (frame["variant"] == wanted) | (wanted.isna() & frame["variant"].isin(["centralised", "reference"]))
    return frame[keep].reset_index(drop=True)


def experiment_target(experiment: str) -> str:
    return {"tune_rho": "fig4", "detect": "fig5", "comm": "fig7", "compressors": "fig8"}.get(experiment, experiment)


def absent(experiment: str, profile: str | None, results_dir: Path | None = None) -> dict:
    """What an experiment reported as not run (``_absent_<profile>.json``); ``profile=None``: every profile's."""
    folder = Path(results_dir or RESULTS_DIR) / experiment
    paths = sorted(folder.glob("_absent_*.json")) if profile is None else [folder / f"_absent_{profile}.json"]
    return {k: v for p in paths if p.is_file() for k, v in json.loads(p.read_text(encoding="utf-8")).items()}


def mean_std(frame: pd.DataFrame, by: list[str], value: str) -> pd.DataFrame:
    """Mean, standard deviation (0 for a single seed) and number of seeds of ``value`` per group."""
    g = frame.groupby(by, sort=False)[value]
    out = g.agg(["mean", "std", "count"]).reset_index()
    out["std"] = out["std"].fillna(0.0)
    return out


def headline_rule(frame: pd.DataFrame) -> str | None:
    """The ς rule the detection runs' headline metrics use ("false_alarm" or "max_f"); None when runs
    differ. A run that records no rule used max F_θ, the only rule there was before ``headline_rule``."""
    rules = set(frame["headline_rule"].dropna()) if "headline_rule" in frame else set()
    if rules == {"false_alarm"}:
        return "false_alarm"
    return "max_f" if rules <= {"max_f"} else None


def headline_text(frame: pd.DataFrame) -> str:
    """Which ς the detection runs' headline metrics use, in words for a figure title."""
    rule = headline_rule(frame)
    if rule == "false_alarm":
        return "ς at 1 % false alarms on V2's normal points, μ, Σ from V2"
    if rule == "max_f":
        return "ς by max F_θ on the validation part, μ, Σ from it"
    return "ς rules differ between runs: see REPORT.md"
