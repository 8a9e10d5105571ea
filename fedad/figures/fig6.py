"""Fig. 6 — forecast RMSE (Eq. 17, on the [0, 1]-scaled test part) of every model on every data set, with
the reference forecasters."""

from __future__ import annotations

from pathlib import Path

from fedad.figures.bars import bar_figure
from fedad.figures.style import save


def draw(results_dir: Path | None = None, out_dir: Path | None = None) -> list[Path]:
    fig = bar_figure(results_dir, "rmse", "Fig. 6 — forecast RMSE: AMCNN-LSTM federated with GCM, baselines "
                     "centralised, references hatched", "RMSE (scaled units, log) — lower is better", log=True)
    return save(fig, "fig6", out_dir)
