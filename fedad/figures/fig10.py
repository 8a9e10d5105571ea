"""Fig. 10 (beyond the paper) — the error profile through the labelled test events: the mean error and score
percentile by position relative to each event (0 = its start, 1 = its end), solid, against the same
positions of normal stretches, dashed; for AMCNN-LSTM (federated, GCM), SVR and seasonal-naive (persistence
where a data set has no period). A forecaster that adapts to an event errs at its edges only."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from fedad.figures.bars import order
from fedad.figures.style import save, setup_style, stamp
from fedad.models import LABELS
from fedad.results.tables import DATASET_LABELS, load, paper_setting, protocol_runs

LINES = (("amcnn_lstm", "#1f77b4"), ("svm", "#d62728"), ("seasonal_naive", "#424242"), ("persistence", "#9e9e9e"))
AUDITED = "power_demand_audited"
TITLES = {AUDITED: "Power demand, audited labels (whole holidays)",
          "power_demand": "Power demand, published labels (a week around Christmas)"}
PANELS = (("error", "error (RMS of β over leads, scaled)"), ("score_percentile", "score percentile among V2's normal"))


def _mean_curve(rows: pd.Series) -> np.ndarray | None:
    curves = [np.array([np.nan if v is None else v for v in c], float) for c in rows if isinstance(c, list)]
    if not curves:
        return None
    with np.errstate(all="ignore"):
        return np.nanmean(np.vstack(curves), axis=0)


def draw(results_dir: Path | None = None, out_dir: Path | None = None) -> list[Path]:
    frame = paper_setting(protocol_runs(load("detect", results_dir)))
    if "event_profile.bin_edges" not in frame:
        raise FileNotFoundError("no event profiles in the detect results: rerun `make detect` (they are recorded "
                                "since the forecast-skill controls)")
    datasets, _ = order(frame)
    if (frame.dataset == AUDITED).any():  # day-long holiday events: the mechanism at the holidays themselves
        datasets.insert(datasets.index("power_demand") + 1 if "power_demand" in datasets else 0, AUDITED)
    datasets = [d for d in datasets if frame[frame.dataset == d]["event_profile.bin_edges"].notna().any()]
    setup_style()
    height = 3.2 * len(datasets) + 2.4
    fig, axes = plt.subplots(len(datasets), 2, figsize=(13, height), squeeze=False)
    for i, d in enumerate(datasets):
        sub = frame[frame.dataset == d]
        edges = np.asarray(sub["event_profile.bin_edges"].dropna().iloc[0], float)
        centres = (edges[:-1] + edges[1:]) / 2
        models = [(m, c) for m, c in LINES if (sub.model == m).any()]
        if any(m == "seasonal_naive" for m, _ in models):
            models = [(m, c) for m, c in models if m != "persistence"]
        for j, (key, ylabel) in enumerate(PANELS):
            ax = axes[i, j]
            for m, colour in models:
                rows = sub[sub.model == m]
                event = _mean_curve(rows[f"event_profile.{key}.event"])
                normal = _mean_curve(rows[f"event_profile.{key}.normal"])
                name = LABELS.get(m, m) + (" (federated, GCM)" if m == "amcnn_lstm" else "")
                if event is not None:
                    ax.plot(centres, event, "-o", color=colour, ms=3, label=f"{name}: through the event")
                if normal is not None:
                    ax.plot(centres, normal, "--", color=colour, lw=1, label=f"{name}: normal, same positions")
            ax.axvspan(0, 1, color="#fbe9e7", zorder=0)
            ax.set_ylabel(ylabel, fontsize=8)
            if key == "error":
                ax.set_yscale("log")
            ax.set_title(TITLES.get(d, DATASET_LABELS.get(d, d)), fontsize=9 if d in TITLES else 10)
            if i == len(datasets) - 1:
                ax.set_xlabel("relative position (0 = event start, 1 = its end; shaded)", fontsize=9)
    legend: dict = {}  # every line drawn in any panel, once (persistence stands in where a data set has no period)
    for ax in axes.flat:
        legend.update(zip(*reversed(ax.get_legend_handles_labels()), strict=True))
    fig.legend(list(legend.values()), list(legend), ncol=3, fontsize=8, loc="lower center", frameon=False)
    fig.suptitle("Fig. 10 — does a forecaster err through a whole event, or only at its edges?\n(test part; mean "
                 "over events and seeds; dashed: normal stretches at the same positions)", fontsize=11, y=1 - 0.2 / height)
    fig.subplots_adjust(bottom=1.5 / height, top=1 - 0.9 / height, hspace=0.45)
    stamp(fig, set(frame["profile"]))
    return save(fig, "fig10", out_dir)
