"""REPORT.md's label-audit section: power demand scored on its published labels and on the audited ones, each
set's accuracy ceiling beside the paper's 96.85 %."""

from __future__ import annotations

import pandas as pd

from fedad import paper
from fedad.data.power_labels import BORDERLINE_RATIO
from fedad.models import LABELS, REFERENCES
from fedad.report.frames import first_value, markdown_table
from fedad.results.tables import paper_setting
from fedad.statistics import mean_sd

LABEL_SETS = {"power_demand": "original (labels.json: week-long windows)",
              "power_demand_audited": "audited (whole abnormal days)"}


def label_audit_section(frame: pd.DataFrame) -> list[str]:
    """Power demand on both label sets: the audit's rule and days, each set's accuracy ceiling beside the
    paper's 96.85 %, and the paper's model and the references scored against each."""
    main = paper_setting(frame)
    sets, scores, audit = [], {}, None
    for d, name in LABEL_SETS.items():
        sub = main[main.dataset == d]
        if sub.empty or "label_audit.labels" not in sub or sub["label_audit.labels"].dropna().empty:
            continue
        own = first_value(sub, "label_audit.labels")
        audit = audit or {k: first_value(sub, f"label_audit.audit.{k}") or [] for k in
                          ("rule", "abnormal_days", "added", "removed", "borderline")}
        sets.append({"label set": name, "test anomalous points": first_value(sub, f"label_audit.{own}.anomalous_points"),
                     "flag nothing (%)": first_value(sub, f"label_audit.{own}.trivial_accuracy"),
                     "accuracy ceiling (%)": first_value(sub, f"label_audit.{own}.accuracy_ceiling"),
                     "ceiling with borderline days (%)": first_value(sub, f"label_audit.{own}.accuracy_ceiling_with_borderline"),
                     "paper (%)": paper.FIG5_POWER_DEMAND_AMCNN_ACCURACY})
        short = own
        for m in ("amcnn_lstm", *REFERENCES):
            r = sub[sub.model == m]
            if r.empty:
                continue
            row = scores.setdefault(m, {"detector": LABELS.get(m, m) + (" (fed. GCM)" if m == "amcnn_lstm" else "")})
            max_f = "max_f_rule.point.accuracy" if "max_f_rule.point.accuracy" in r else "point.accuracy"
            row[f"{short}: accuracy, max F_θ"] = mean_sd(r[max_f], 2)
            if "false_alarm_rule.point.accuracy" in r:
                row[f"{short}: accuracy, 1 % false alarms"] = mean_sd(r["false_alarm_rule.point.accuracy"], 2)
            row[f"{short}: PR-AUC"] = mean_sd(r["threshold_free.pr_auc"], 1)
    if not sets:
        return []
    ceiling = next((r["accuracy ceiling (%)"] for r in sets if r["label set"].startswith("original")), None)
    lines = ["## Power demand: the labels audited", "",
             ("The published test label runs from 19 December 22:45 to 27 December 10:15, but only the holidays "
              "inside it look abnormal; Ascension Day and Whit Monday are holidays like the labelled ones but "
              "unlabelled (they fall in the validation block). The audited label set (data set "
              f"`power_demand_audited`) marks whole days by a stated rule: {audit['rule']}."), "",
             f"- abnormal days: {', '.join(audit['abnormal_days'])}",
             (f"- added by the data rule: {', '.join(audit['added']) or 'none'}; removed: "
              f"{', '.join(audit['removed']) or 'none'}"),
             f"- borderline (ratio below {BORDERLINE_RATIO}, not labelled): {', '.join(audit['borderline']) or 'none'}",
             "",
             ("*Accuracy ceiling*: the test accuracy of a detector that flags exactly the audited abnormal days that "
              "the label set marks, and nothing else, on the same scored test points (hourly means); the next "
              "column flags the borderline days too where the label set marks them."), "",
             markdown_table(pd.DataFrame(sets)), ""]
    if ceiling is not None and ceiling < paper.FIG5_POWER_DEMAND_AMCNN_ACCURACY:
        lines += [(f"Against the published labels no detector reaches the paper's "
                   f"{paper.FIG5_POWER_DEMAND_AMCNN_ACCURACY} % without flagging normal-looking days: the ceiling is "
                   f"{ceiling:.2f} %."), ""]
    if scores:
        lines += ["The paper's model and the references against each label set (test part, mean ± sd over seeds):",
                  "", markdown_table(pd.DataFrame(scores.values())), ""]
    return lines
