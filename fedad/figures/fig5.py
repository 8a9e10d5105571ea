"""Fig. 5 — point-level detection accuracy (the paper's metric) of every model on every data set, with
the reference forecasters and the all-normal ("flag nothing") accuracy as a line."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fedad import paper
from fedad.figures.bars import bar_figure
from fedad.figures.style import PAPER_COLOUR, save


def _lines(ax, frame, datasets, models) -> None:
    trivial = frame.groupby("dataset")["trivial_accuracy"].mean().reindex(datasets)
    for i, v in enumerate(trivial):
        ax.hlines(v, i - 0.45, i + 0.45, colors="black", linestyles="dotted", lw=2,
                  label="flag nothing (all-normal accuracy)" if i == 0 else None)
    if "power_demand" in datasets:
        i = datasets.index("power_demand")
        x = i + (models.index("amcnn_lstm") - (len(models) - 1) / 2) * (0.84 / len(models)) if "amcnn_lstm" in models else i
        ax.scatter([x], [paper.FIG5_POWER_DEMAND_AMCNN_ACCURACY], marker="*", s=250, color=PAPER_COLOUR, zorder=5,
                   label="paper: AMCNN-LSTM 96.85 %")
    low = float(np.nanmin(frame["point.accuracy"]))
    ax.set_ylim(max(0.0, min(low, float(np.nanmin(trivial))) - 3), 100.5)


def draw(results_dir: Path | None = None, out_dir: Path | None = None) -> list[Path]:
    fig = bar_figure(results_dir, "point.accuracy", "Fig. 5 — detection accuracy: AMCNN-LSTM federated with GCM, "
                     "baselines centralised, references hatched; {rule}",
                     "accuracy (%) — point level, test part", extra=_lines)
    return save(fig, "fig5", out_dir)
