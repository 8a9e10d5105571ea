"""Fig. 5 — point-level detection accuracy of every model on every data set."""

from __future__ import annotations

from pathlib import Path

from figures.bars import model_bars


def draw(results_dir: Path | None = None, out_dir: Path | None = None) -> list[Path]:
    return model_bars("point.accuracy", "fig5", "accuracy (%) — point level, test part",
                      "Fig. 5 — anomaly detection accuracy (AMCNN-LSTM federated with GCM; others centralised)",
                      results_dir, out_dir, trivial=True)
