"""REPORT.md's forecast-skill control: is each model a competent forecaster? RMSE and MASE (MAE over
seasonal-naive's on the same points) on the test part's normal points and on V2."""

from __future__ import annotations

import pandas as pd

from fedad.models import LABELS, NOT_FORECASTS
from fedad.report.frames import datasets_of, first_value, markdown_table, model_label, models_of
from fedad.results.tables import paper_setting, protocol_runs
from fedad.statistics import finite, mean_sd


def _skill_sentence(sub: pd.DataFrame, scale: str | None) -> str:
    """Which learned models beat the MASE reference on normal test points, and whether they rank better."""
    ref = sub[sub.model == scale]
    ref_pr = float(ref["threshold_free.pr_auc"].mean()) if len(ref) else float("nan")
    better = []
    for m in dict.fromkeys(sub.model):
        if m in ("persistence", "seasonal_naive", "raw_value"):
            continue
        r = sub[sub.model == m]
        mase = finite(r["skill.test_normal.mase"])
        if mase.size and mase.mean() < 1:
            pr = float(r["threshold_free.pr_auc"].mean())
            better.append(f"{LABELS.get(m, m)} (MASE {mase.mean():.2f}, PR-AUC {pr:.1f} against "
                          f"{ref_pr:.1f})")
    if not better:
        return f"No learned model forecasts the normal test points better than {LABELS.get(scale, scale)}."
    return (f"Forecast normal test points better than {LABELS.get(scale, scale)}: " + "; ".join(better)
            + ". Where such a model's PR-AUC is lower than the reference's, forecast error is not what ranks "
            "anomalies here (see the event profile).")


def skill_section(frame: pd.DataFrame) -> list[str]:
    """RMSE and MASE on the normal points of the test part and of V2, every model of the paper's setting
    and every reference forecaster, beside PR-AUC: a competent forecaster that still ranks at chance."""
    main = paper_setting(protocol_runs(frame))
    if "skill.test_normal.mase" not in main or main["skill.test_normal.mase"].isna().all():
        return ["## Forecast skill", "", ("The runs of this profile predate the skill record, and a cached run is "
                                          "reused as it is: rerun them with `make detect FORCE=1`."), ""]
    lines = ["## Forecast skill: is each model a competent forecaster?", "",
             ("RMSE and MASE of every lead of every scored point, on the *normal* points only (so anomalies do "
              "not decide it), of the test part and of V2. MASE is the model's mean absolute error divided by "
              "seasonal-naive's on the same points (persistence's where a data set has no period: the engine); "
              "below 1 the model forecasts normal behaviour better than that reference. PR-AUC beside it: a model "
              "can forecast well and still rank anomalous points at chance (mean ± sd over seeds)."), ""]
    for d in datasets_of(main):
        sub = main[main.dataset == d]
        rows = []
        for m in models_of(sub):
            if m in NOT_FORECASTS:
                continue
            r = sub[sub.model == m]
            rows.append({"model": model_label(m), "seeds": len(r),
                         "RMSE, test normal": mean_sd(r.get("skill.test_normal.rmse", []), 4),
                         "MASE, test normal": mean_sd(r.get("skill.test_normal.mase", []), 3),
                         "RMSE, V2 normal": mean_sd(r.get("skill.validation_normal.rmse", []), 4),
                         "MASE, V2 normal": mean_sd(r.get("skill.validation_normal.mase", []), 3),
                         "PR-AUC": mean_sd(r["threshold_free.pr_auc"], 1)})
        scale = first_value(sub, "skill.scale")
        lines += [f"### {d} (MASE against {LABELS.get(scale, scale)})", "", markdown_table(pd.DataFrame(rows)), "",
                  _skill_sentence(sub, scale), ""]
    return lines
