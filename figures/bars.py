"""Grouped bars of one metric per (data set, model), with seed spread: Figs. 5 and 6."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from fedad import paper
from fedad.models import LABELS
from figures.common import PAPER_COLOUR, ordered_models, save, setup_style, stamp
from figures.results import load, mean_std

DATASETS = {"power_demand": "Power demand", "space_shuttle": "Space shuttle", "ecg": "ECG", "engine": "Engine"}


def model_bars(metric: str, name: str, ylabel: str, title: str, results_dir: Path | None, out_dir: Path | None,
               trivial: bool = False, log: bool = False) -> list[Path]:
    frame = load("detect", results_dir)
    profile = frame["profile"].iloc[0]
    stats = mean_std(frame, ["dataset", "model"], metric)
    datasets = [d for d in DATASETS if d in set(stats["dataset"])]
    models = ordered_models(frame["model"])
    setup_style()
    fig, ax = plt.subplots(figsize=(13, 5.5))
    width = 0.8 / len(models)
    palette = plt.get_cmap("tab10")
    for j, model in enumerate(models):
        sub = stats[stats["model"] == model].set_index("dataset").reindex(datasets)
        xs = np.arange(len(datasets)) + (j - (len(models) - 1) / 2) * width
        label = LABELS.get(model, model) + (" (federated, GCM)" if model == "amcnn_lstm" else "")
        ax.bar(xs, sub["mean"], width, yerr=sub["std"], capsize=3, label=label, color=palette(j),
               edgecolor="black" if model == "amcnn_lstm" else None, linewidth=1.5)
    if trivial:
        triv = frame.groupby("dataset")["trivial_accuracy"].mean().reindex(datasets)
        for i, v in enumerate(triv):
            ax.hlines(v, i - 0.45, i + 0.45, colors="black", linestyles="dotted", lw=2,
                      label="all-normal baseline" if i == 0 else None)
        if "power_demand" in datasets:
            i = datasets.index("power_demand")
            xs = i + (models.index("amcnn_lstm") - (len(models) - 1) / 2) * width if "amcnn_lstm" in models else i
            ax.scatter([xs], [paper.FIG5_POWER_DEMAND_AMCNN_ACCURACY], marker="*", s=250, color=PAPER_COLOUR,
                       zorder=5, label="paper: AMCNN-LSTM 96.85 %")
        low = float(np.nanmin(stats["mean"] - stats["std"]))
        ax.set_ylim(max(0.0, low - 5), 100.5)
    if log:
        ax.set_yscale("log")
    ax.set_xticks(range(len(datasets)), [DATASETS[d] for d in datasets])
    ax.set_ylabel(ylabel)
    seeds = int(stats["count"].min())
    ax.set_title(f"{title}\nmean ± sd over {seeds} seed{'s' if seeds > 1 else ''}", fontsize=12)
    ax.legend(ncol=4, fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.1))
    stamp(fig, {profile})
    return save(fig, name, out_dir)
