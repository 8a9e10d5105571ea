"""REPORT.md's equal-conditions section: AMCNN-LSTM against every baseline that was also trained federated with
GCM on the same partitions, ρ, budget and seeds, paired over seeds."""

from __future__ import annotations

import pandas as pd

from fedad.models import LABELS
from fedad.report.frames import datasets_of, markdown_table, models_of, seeds_of
from fedad.statistics import mean_sd, paired_difference


def _direction(d, higher_is_better: bool) -> str:
    """Which side a paired difference (AMCNN-LSTM − other) is sure of, in words."""
    if d.n < 2 or not d.excludes_zero:
        return "no difference shown" if d.n >= 2 else "one seed"
    return "AMCNN-LSTM better" if (d.mean > 0) == higher_is_better else "AMCNN-LSTM worse"


def equal_conditions_section(frame: pd.DataFrame) -> list[str]:
    """AMCNN-LSTM against each baseline that was also trained federated with GCM (same partitions, ρ,
    compressor, budget and seeds): the paper's Fig. 5 compares a federated model with centralised
    baselines, and this is the comparison under equal conditions."""
    if "variant" not in frame:
        return []
    fed = frame[(frame.variant == "federated_gcm") & (frame.model != "amcnn_lstm")]
    lines = ["## Under equal conditions: every model federated with GCM", "",
             ("Fig. 5 sets a federated AMCNN-LSTM against centralised baselines. Here the baselines that were also "
              "trained federated with GCM (same partitions, ρ, epochs and seeds) face it; differences are "
              "AMCNN-LSTM minus the baseline, paired over seeds with a 95 % t-interval."), ""]
    found = False
    for d in datasets_of(fed):
        amc = {k: seeds_of(frame, d, "amcnn_lstm", k, "federated_gcm") for k in ("threshold_free.pr_auc", "rmse")}
        rows, verdicts = [], []
        for m in models_of(fed[fed.dataset == d]):
            pr = seeds_of(frame, d, m, "threshold_free.pr_auc", "federated_gcm")
            rmse = seeds_of(frame, d, m, "rmse", "federated_gcm")
            d_pr, d_rmse = paired_difference(amc["threshold_free.pr_auc"], pr), paired_difference(amc["rmse"], rmse)
            rows.append({"baseline (federated, GCM)": LABELS.get(m, m), "seeds": len(pr),
                         "PR-AUC": mean_sd(pr.values(), 1), "AMCNN-LSTM − baseline, PR-AUC": d_pr.text(1),
                         "RMSE": mean_sd(rmse.values(), 4), "AMCNN-LSTM − baseline, RMSE": d_rmse.text(4),
                         "PR-AUC verdict": _direction(d_pr, True), "RMSE verdict": _direction(d_rmse, False)})
            verdicts.append(f"{LABELS.get(m, m)}: {_direction(d_pr, True)} on PR-AUC, "
                            f"{_direction(d_rmse, False)} on RMSE")
        if rows:
            found = True
            head = (f"AMCNN-LSTM (federated, GCM): PR-AUC {mean_sd(amc['threshold_free.pr_auc'].values(), 1)}, "
                    f"RMSE {mean_sd(amc['rmse'].values(), 4)}.")
            lines += [f"### {d}", "", head, "", markdown_table(pd.DataFrame(rows)), "", "; ".join(verdicts) + ".", ""]
    if not found:
        lines += [("No baseline was trained federated in this profile (the `full` profile trains CNN-LSTM and GRU "
                   "federated with GCM)."), ""]
    return lines
