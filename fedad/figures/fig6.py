"""Fig. 6 — forecast RMSE (Eq. 17, on the [0, 1]-scaled test part) of every model on every data set, with
the reference forecasters (top); and forecast skill (bottom): MASE on the test part's normal points, the
model's mean absolute error over seasonal-naive's on the same points (persistence's where a data set has
no period), so that below 1 a model forecasts normal behaviour better than that reference."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from fedad.figures.bars import draw_bars, legend_below, note_not_drawn, order, seeds_text
from fedad.figures.style import save, setup_style, stamp
from fedad.models import NOT_FORECASTS
from fedad.results.tables import load, paper_setting

MASE = "skill.test_normal.mase"


def draw(results_dir: Path | None = None, out_dir: Path | None = None) -> list[Path]:
    frame = paper_setting(load("detect", results_dir))
    profile = frame["profile"].iloc[0]
    datasets, models = order(frame)
    models = [m for m in models if m not in NOT_FORECASTS]
    setup_style()
    skill = MASE in frame and frame[MASE].notna().any()  # runs made before the skill was recorded have none
    fig, axes = plt.subplots(2 if skill else 1, 1, figsize=(14, 10 if skill else 6.2), sharex=True, squeeze=False)
    ax_rmse = axes[0, 0]
    seeds = draw_bars(ax_rmse, frame, "rmse", datasets, models)
    ax_rmse.set_yscale("log")
    ax_rmse.set_ylabel("RMSE (scaled units, log) — lower is better")
    ax_rmse.set_title("Fig. 6 — forecast RMSE: AMCNN-LSTM federated with GCM, baselines centralised, references "
                      f"hatched{'; bottom: skill against seasonal-naive on normal test points' if skill else ''}"
                      f"\n{seeds_text(seeds)}", fontsize=11)
    if skill:
        ax = axes[1, 0]
        draw_bars(ax, frame, MASE, datasets, models)
        ax.axhline(1.0, color="black", ls="dotted", lw=1.5, label="MASE 1: as good as the reference")
        ax.set_ylabel("MASE, normal test points (log)\nbelow 1: beats seasonal-naive")
        ax.set_yscale("log")
    note_not_drawn(fig, frame)
    legend_below(fig, ax_rmse)
    fig.subplots_adjust(bottom=0.15 if skill else 0.24, hspace=0.1)
    stamp(fig, {profile})
    return save(fig, "fig6", out_dir)
