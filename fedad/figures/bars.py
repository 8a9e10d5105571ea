"""Grouped bars of one metric per (data set, model), with seed spread: Figs. 5, 5b and 6.

Only the paper's setting is drawn (AMCNN-LSTM federated with GCM, the baselines centralised), with the
reference forecasters as grey hatched bars beside them; the controls live in REPORT.md.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from fedad.figures.style import setup_style, stamp
from fedad.models import LABELS, NOT_FORECASTS, REFERENCES
from fedad.results.tables import (
    DATASET_LABELS,
    DETERMINISTIC,
    FIGURE_DATASETS,
    headline_text,
    load,
    mean_std,
    ordered_models,
    paper_setting,
    without_test_events,
)

REFERENCE_STYLE = {"persistence": ("#9e9e9e", "//"), "seasonal_naive": ("#616161", "\\\\"),
                   "raw_value": ("#bdbdbd", "xx"), "flag_nothing": ("#d0d0d0", "..")}


def model_label(model: str) -> str:
    return LABELS.get(model, model) + (" (federated, GCM)" if model == "amcnn_lstm" else "")


def draw_bars(ax, frame: pd.DataFrame, metric: str, datasets: list[str], models: list[str]) -> int:
    """Bars of ``metric`` (mean ± sd over seeds) per data set and model; returns the fewest seeds drawn for
    a seeded model (the references and SVM are deterministic: one run each)."""
    stats = mean_std(frame[frame["dataset"].isin(datasets)], ["dataset", "model"], metric)
    width = 0.84 / len(models)
    palette = plt.get_cmap("tab10")
    learned = [m for m in models if m not in REFERENCE_STYLE]
    for j, model in enumerate(models):
        sub = stats[stats["model"] == model].set_index("dataset").reindex(datasets)
        xs = np.arange(len(datasets)) + (j - (len(models) - 1) / 2) * width
        if model in REFERENCE_STYLE:
            colour, hatch = REFERENCE_STYLE[model]
            ax.bar(xs, sub["mean"], width, yerr=sub["std"], capsize=2, label=model_label(model), color=colour,
                   hatch=hatch, edgecolor="black", linewidth=0.6)
        else:
            ax.bar(xs, sub["mean"], width, yerr=sub["std"], capsize=2, label=model_label(model),
                   color=palette(learned.index(model)), edgecolor="black" if model == "amcnn_lstm" else None,
                   linewidth=1.5)
    ax.set_xticks(range(len(datasets)), [DATASET_LABELS.get(d, d) for d in datasets])
    seeded = stats[~stats["model"].isin(DETERMINISTIC)]  # one run each: they would make every count 1
    return int(seeded["count"].min()) if len(seeded) else 0


def order(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The paper's data sets (:data:`FIGURE_DATASETS`, those with a test event only), then models: learned ones in the
    paper's order, references last."""
    skipped = set(without_test_events(frame))
    datasets = [d for d in FIGURE_DATASETS if d in set(frame["dataset"]) and d not in skipped]
    models = ordered_models(frame["model"])
    models = [m for m in models if m not in REFERENCES] + [m for m in REFERENCES if m in models]
    return datasets, models


def legend_below(fig, ax, ncol: int = 5) -> None:
    """One legend under the plot area, never over the bars."""
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, ncol=ncol, fontsize=9, loc="lower center", bbox_to_anchor=(0.5, -0.02),
               frameon=False)


def note_not_drawn(fig, frame: pd.DataFrame) -> None:
    """Name, at the top right, the data sets that :func:`order` leaves out."""
    skipped = without_test_events(frame)
    if skipped:
        names = ", ".join(DATASET_LABELS.get(d, d) for d in skipped)
        fig.text(0.99, 0.985, f"not drawn: {names} (no anomaly in the test part; no verdict in REPORT.md)",
                 fontsize=8, style="italic", ha="right", va="top")


def seeds_text(n: int) -> str:
    return f"mean ± sd over {n} seed{'s' if n > 1 else ''} (references and SVM: deterministic, one run)"


def bar_figure(results_dir, metric: str, title: str, ylabel: str, extra=None, log: bool = False):
    """One bar chart of ``metric`` over the paper's setting (Figs. 5 and 6): returns (fig, ax, frame,
    datasets, models, profile) with the legend below the axes; ``extra(ax, frame, datasets, models)``
    draws what a figure adds (lines, stars) before the legend is made."""
    frame = paper_setting(load("detect", results_dir))
    profile = frame["profile"].iloc[0]
    datasets, models = order(frame)
    if metric == "rmse":
        models = [m for m in models if m not in NOT_FORECASTS]
    setup_style()
    fig, ax = plt.subplots(figsize=(14, 6.2))
    seeds = draw_bars(ax, frame, metric, datasets, models)
    if extra is not None:
        extra(ax, frame, datasets, models)
    if log:
        ax.set_yscale("log")
    ax.set_ylabel(ylabel)
    title = title.replace("{rule}", headline_text(frame))
    ax.set_title(f"{title}\n{seeds_text(seeds)}", fontsize=11)
    note_not_drawn(fig, frame)
    legend_below(fig, ax)
    fig.subplots_adjust(bottom=0.24)
    stamp(fig, {profile})
    return fig
