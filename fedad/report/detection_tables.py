"""REPORT.md's per-data-set detection tables: every model of the paper's setting beside the references on the
test part, with the intervals its few events allow and which learned models beat every reference."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fedad.models import LABELS, REFERENCES
from fedad.report.frames import (
    converged_text,
    datasets_of,
    markdown_table,
    mean_of,
    models_of,
    references_at_least,
    seeds_of,
)
from fedad.results.tables import paper_setting, without_test_events
from fedad.statistics import binomial_interval, mean_sd

POINT_ADJUSTED_WARNING = ("Point-adjusted F1 marks a whole event found when one of its points is flagged; it "
                          "inflates every detector, naive ones included, and is shown only as a labelled extra.")
RESULT_COLUMNS = (("point.accuracy", "accuracy"), ("point.precision", "precision"), ("point.recall", "recall"),
                  ("point.f1", "F1"), ("event.recall", "event recall"), ("event.precision", "event precision"),
                  ("threshold_free.pr_auc", "PR-AUC"), ("threshold_free.roc_auc", "ROC-AUC"), ("rmse", "RMSE"),
                  ("point_adjusted_f1", "PA-F1 (extra)"))


def results_section(frame: pd.DataFrame) -> list[str]:
    """Per data set: every model of the paper's setting beside the references (mean ± sd over seeds)."""
    main = paper_setting(frame)
    lines = ["## Detection results against the references (test part)", "",
             "Percent, mean ± sd over seeds. *event recall 95 % (exact)*: the Clopper–Pearson interval over the "
             "test events (mean of the seeds' bounds): one or two events leave most of 0–100 % open. "
             "*accuracy 95 % (segments)*: the interval when period-long segments "
             "of the test part are resampled (mean of the seeds' bounds): what the test part's few events allow. "
             "*flag nothing* never flags a point: its accuracy is the share of normal points. A learned model is only worth its training where it beats every reference row. "
             + POINT_ADJUSTED_WARNING, ""]
    for d in datasets_of(main):
        rows = []
        sub = main[main.dataset == d]
        for m in models_of(sub):
            r = sub[sub.model == m]
            row = {"model": LABELS.get(m, m) + (" (fed. GCM)" if m == "amcnn_lstm" else "")}
            for key, name in RESULT_COLUMNS:
                row[name] = mean_sd(r[key], 4 if key == "rmse" else 1) if key in r else "n/a"
                if key == "point.accuracy" and "bootstrap.accuracy_low" in r and r["bootstrap.accuracy_low"].notna().any():
                    row["accuracy 95 % (segments)"] = (f"{r['bootstrap.accuracy_low'].mean():.1f}–"
                                                      f"{r['bootstrap.accuracy_high'].mean():.1f}")
                if key == "event.recall" and "event.events" in r:
                    row["event recall 95 % (exact)"] = _event_recall_interval(r)
            row["ς rule"] = r.threshold_rule.iloc[0].split(" (")[0] if "threshold_rule" in r else ""
            row["converged"] = converged_text(r)
            rows.append(row)
        nothing = sub.iloc[0]
        rows.append({"model": LABELS["flag_nothing"],
                     **{name: (f"{nothing.get('flag_nothing.' + key):.1f}"
                               if isinstance(nothing.get("flag_nothing." + key), float) else "n/a")
                        for key, name in RESULT_COLUMNS if key.startswith(("point.", "event."))},
                     "PR-AUC": f"{nothing.get('threshold_free.base_rate', float('nan')):.1f} (base rate)"})
        beat = _who_beats_references(frame, d)
        title = f"### {d}" + (" — no test anomaly: no verdict" if d in without_test_events(frame) else "")
        lines += [title, "", markdown_table(pd.DataFrame(rows)), "", beat, ""]
    return lines


def _event_recall_interval(rows: pd.DataFrame) -> str:
    """The exact binomial 95 % interval of event recall over the test events (mean of the seeds' bounds)."""
    bounds = [binomial_interval(int(k), int(n)) for k, n in zip(rows["event.detected_events"], rows["event.events"],
                                                                 strict=True) if pd.notna(k) and pd.notna(n) and n > 0]
    if not bounds:
        return "n/a"
    low, high = np.mean(bounds, axis=0)
    return f"{low:.0f}–{high:.0f}"


def _who_beats_references(frame: pd.DataFrame, dataset: str) -> str:
    """The sentence under a data set's table: which learned models beat every reference on both means."""
    main = paper_setting(frame)
    sub = main[main.dataset == dataset]
    winners = []
    for m in dict.fromkeys(sub.model):
        if m in REFERENCES:
            continue
        acc = mean_of(seeds_of(main, dataset, m, "point.accuracy"))
        pr = mean_of(seeds_of(main, dataset, m, "threshold_free.pr_auc"))
        if not references_at_least(frame, dataset, acc, "point.accuracy") and \
                not references_at_least(frame, dataset, pr, "threshold_free.pr_auc"):
            winners.append(LABELS.get(m, m))
    if winners:
        return f"Beat every reference on both accuracy and PR-AUC (means): {', '.join(winners)}."
    return "No learned model beats every reference on both accuracy and PR-AUC (means)."
