"""Fig. 6 — forecast RMSE (Eq. 17, on the [0, 1]-scaled test part) of every model on every data set."""

from __future__ import annotations

from pathlib import Path

from figures.bars import model_bars


def draw(results_dir: Path | None = None, out_dir: Path | None = None) -> list[Path]:
    return model_bars("rmse", "fig6", "RMSE (scaled units) — lower is better",
                      "Fig. 6 — forecast RMSE (AMCNN-LSTM federated with GCM; others centralised)",
                      results_dir, out_dir, log=True)
