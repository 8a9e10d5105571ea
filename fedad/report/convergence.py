"""REPORT.md's convergence section: per data set, model and variant, the epochs run against the cap and
whether early stopping ended the training."""

from __future__ import annotations

import pandas as pd

from fedad.models import LABELS
from fedad.report.frames import converged_text, datasets_of, markdown_table, models_of
from fedad.statistics import mean_sd


def convergence_section(frame: pd.DataFrame) -> list[str]:
    """One row per (data set, model, variant) of learned runs: learning rate, epochs, best epoch, cap, status."""
    rows = []
    if "epochs_run" not in frame:
        return []
    learned = frame[frame.epochs_run.notna()]
    order = {d: i for i, d in enumerate(datasets_of(learned))}
    morder = {m: i for i, m in enumerate(models_of(learned))}
    groups = sorted(learned.groupby(["dataset", "model", "variant"], sort=False),
                    key=lambda g: (order[g[0][0]], morder[g[0][1]], g[0][2]))
    for (d, m, v), r in groups:
        rows.append({"data set": d, "model": LABELS.get(m, m), "variant": v, "seeds": len(r),
                     "lr": mean_sd(r["lr"], 4) if "lr" in r else "n/a",
                     "epochs run": mean_sd(r.epochs_run, 1), "best epoch": mean_sd(r.best_epoch, 1),
                     "cap": int(r.max_epochs.iloc[0]), "best val loss": mean_sd(r.best_val_loss, 5),
                     "status": converged_text(r)})
    return ["## Convergence", "",
            ("Every learned model trains until its validation loss has not improved for `patience` epochs, up "
             "to the cap; the best weights are kept. Rows that hit the cap are **not converged**: their gaps may "
             "come from too little training."), "", markdown_table(pd.DataFrame(rows)), ""]
