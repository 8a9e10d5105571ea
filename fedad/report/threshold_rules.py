"""REPORT.md's threshold-rules section: the headline false-alarm rule, the paper's max F_θ, its in-sample ς
and the one-sided score on the same forecasts, and how max F_θ moves with its precision floor and θ."""

from __future__ import annotations

import pandas as pd

from fedad.models import LABELS
from fedad.report.frames import datasets_of, markdown_table, models_of
from fedad.results.tables import headline_rule, paper_setting
from fedad.statistics import mean_sd

HEADLINE_MARK = " (the headline: the figures, the results tables and the verdicts use it)"


def threshold_rule_section(frame: pd.DataFrame) -> list[str]:
    """The paper's in-sample ς against ours, the prevalence-free false-alarm rule and the one-sided score
    beside them, on the same forecasts; and how max F_θ's accuracy moves with its precision floor and θ."""
    main = paper_setting(frame)
    rows, sens_rows = [], []
    for d in datasets_of(main):
        for m in models_of(main):
            r = main[(main.dataset == d) & (main.model == m)]
            if r.empty or "paper_rule.point.accuracy" not in r:
                continue
            row = {"data set": d, "model": LABELS.get(m, m)}
            for key, name in (("false_alarm_rule.point.accuracy", "accuracy, 1 % false alarms"),
                              ("max_f_rule.point.accuracy", "accuracy, max F_θ"),
                              ("paper_rule.point.accuracy", "accuracy, paper's in-sample ς"),
                              ("false_alarm_rule.point.precision", "precision, 1 % false alarms"),
                              ("max_f_rule.point.precision", "precision, max F_θ"),
                              ("paper_rule.point.precision", "precision, in-sample ς"),
                              ("false_alarm_rule.event.recall", "event recall, 1 % false alarms"),
                              ("max_f_rule.event.recall", "event recall, max F_θ"),
                              ("paper_rule.event.recall", "event recall, in-sample ς"),
                              ("one_sided.point.accuracy", "accuracy, one-sided score (max F_θ)"),
                              ("one_sided.threshold_free.pr_auc", "PR-AUC, one-sided score")):
                if key in r:
                    row[name] = mean_sd(r[key], 1)
            rows.append(row)
            if m == "amcnn_lstm" and "sensitivity" in r:
                sens_rows += _sensitivity_rows(d, r["sensitivity"])
    headline = headline_rule(main)
    lines = ["## Threshold rules compared", "",
             ("All out of sample: μ, Σ and ς from V2, the validation block's second part. *1 % false alarms*"
              f"{HEADLINE_MARK if headline == 'false_alarm' else ''}: ς flags 1 % of V2's normal points, whatever its "
              "share of anomalies — the block is centred on an event, so it sees 3–7× the test part's prevalence. "
              f"*Max F_θ*{HEADLINE_MARK if headline == 'max_f' else ''}: the paper's criterion (θ = 0.05, "
              "validation precision ≥ 50 % or flag nothing) on V2. "
              "*Paper's in-sample ς*: max F_θ on the training part the model was fitted on, as the paper did. "
              "*One-sided*: Eq. 10 with only errors larger than the validation mean counting (so that an unusually "
              "good forecast is not an anomaly), ς by max F_θ. Every rule scores the paper's two-sided Eq. 10 "
              "except the one-sided column. Same forecasts, same test part."), "",
             markdown_table(pd.DataFrame(rows)), ""]
    if sens_rows:
        lines += [("Sensitivity of max F_θ (AMCNN-LSTM, federated with GCM; mean over seeds): test accuracy and F1 "
                   "as the validation-precision floor and θ change; *flags nothing* counts the seeds where no "
                   "threshold reached the floor."), "", markdown_table(pd.DataFrame(sens_rows)), ""]
    return lines


def _sensitivity_rows(dataset: str, per_seed) -> list[dict]:
    """One row per (precision floor, θ) of a model's seeds' ``sensitivity`` lists."""
    cells: dict[tuple, list[dict]] = {}
    for runs in per_seed:
        if not isinstance(runs, list):
            continue
        for cell in runs:
            cells.setdefault((cell["min_precision"], cell["theta"]), []).append(cell)
    return [{"data set": dataset, "precision floor": floor, "θ": theta,
             "accuracy": mean_sd([c["accuracy"] for c in cs], 1), "F1": mean_sd([c["f1"] for c in cs], 1),
             "flags nothing": f"{sum(c['flags_nothing'] for c in cs)}/{len(cs)}"}
            for (floor, theta), cs in sorted(cells.items())]
