"""Fig. 6 — forecast RMSE (Eq. 17, on the [0, 1]-scaled test part) of every model on every data set, with
the reference forecasters."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from fedad.figures.bars import draw_bars, legend_below, order, seeds_text
from fedad.figures.common import save, setup_style, stamp
from fedad.figures.results import load, paper_setting


def draw(results_dir: Path | None = None, out_dir: Path | None = None) -> list[Path]:
    frame = paper_setting(load("detect", results_dir))
    profile = frame["profile"].iloc[0]
    datasets, models = order(frame)
    setup_style()
    fig, ax = plt.subplots(figsize=(14, 6.2))
    seeds = draw_bars(ax, frame, "rmse", datasets, models)
    ax.set_yscale("log")
    ax.set_ylabel("RMSE (scaled units, log) — lower is better")
    ax.set_title("Fig. 6 — forecast RMSE: AMCNN-LSTM federated with GCM, baselines centralised, references "
                 f"hatched\n{seeds_text(seeds)}", fontsize=11)
    legend_below(fig, ax)
    fig.subplots_adjust(bottom=0.22)
    stamp(fig, {profile})
    return save(fig, "fig6", out_dir)
