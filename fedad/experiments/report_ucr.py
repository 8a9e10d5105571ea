"""REPORT.md's section "UCR anomaly archive": per-detector table, paired tests across series, verdicts on
two claims, and the published results on the same files beside ours.

Every series is one paired observation: a detector's PR-AUC (and ROC-AUC) is averaged over its seeds on a
series, its hit is the majority of its seeds' hits (ties count as a hit). "A beats B" is said only where
the paired test says so at the 5 % level (Wilcoxon signed-rank on PR-AUC, exact McNemar on KDD-rule
hits) and the 95 % bootstrap interval over series agrees in sign.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fedad.data.ucr_published import PUBLISHED_UCR_SCORE, TSBUAD_DETECTORS, TSBUAD_NOTE, tsbuad_table
from fedad.detection.ucr_score import RULES
from fedad.figures.result_tables import absent, load
from fedad.models import LABELS
from fedad.statistics import PairedTest, bootstrap_mean, mcnemar_exact, wilcoxon_paired

PAPER_DETECTOR = "amcnn_lstm_federated"
CENTRALISED = "amcnn_lstm_centralised"
EQUIVALENCE_MARGIN = 5.0  # PR-AUC points: "costs nothing" needs the whole 95 % interval inside ±this
MIN_SERIES = 10  # fewer paired series make a bootstrap interval over series meaningless: no equivalence verdict
DETECTOR_LABELS = {"amcnn_lstm_federated": "AMCNN-LSTM, federated GCM (ρ = 0.3, N = 10)",
                   "amcnn_lstm_centralised": "AMCNN-LSTM, centralised"}


def detector_label(name: str) -> str:
    return DETECTOR_LABELS.get(name, LABELS.get(name, name))


def per_series(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (detector, series): PR-AUC, ROC-AUC and F1 averaged over seeds, hits by majority."""
    cols = {"pr_auc": "mean", "roc_auc": "mean", "base_rate": "mean", "point.f1": "mean", "wall_time_s": "mean",
            "hit_kdd": "mean", "hit_length": "mean", "filename": "first", "family": "first", "hit_cap": "mean"}
    if "skipped" in frame:  # a detector that does not apply to a series (seasonal-naive without a period)
        frame = frame[frame.skipped.isna()]
    out = frame.groupby(["detector", "ucr_id"]).agg({k: v for k, v in cols.items() if k in frame}).reset_index()
    for rule in RULES:
        out[f"hit_{rule}"] = out[f"hit_{rule}"] >= 0.5
    return out


def paired(table: pd.DataFrame, a: str, b: str) -> tuple[PairedTest, PairedTest]:
    """(PR-AUC Wilcoxon, KDD-hit McNemar) of detector a − detector b over the series both ran."""
    wide = table.pivot(index="ucr_id", columns="detector")
    both = wide["pr_auc"][[a, b]].dropna().index
    return (wilcoxon_paired(wide["pr_auc"].loc[both, a], wide["pr_auc"].loc[both, b]),
            mcnemar_exact(wide["hit_kdd"].loc[both, a].astype(bool), wide["hit_kdd"].loc[both, b].astype(bool)))


@dataclass(frozen=True)
class Verdict:
    verdict: str
    why: str


def beats_verdict(tests: dict[str, tuple[PairedTest, PairedTest]]) -> Verdict:
    """"A beats every other detector": holds when A is significantly better on PR-AUC than each one; does
    not hold when any is significantly better than A on PR-AUC or UCR hits; else not shown."""
    if not tests:
        return Verdict("not run", "no other detector")
    better = [d for d, (pr, hit) in tests.items() if (pr.significant and pr.mean < 0) or (hit.significant and hit.mean < 0)]
    if better:
        return Verdict("not reproduced", "significantly better than AMCNN-LSTM: " + ", ".join(map(detector_label,
                                                                                               better)))
    undecided = [d for d, (pr, _) in tests.items() if not (pr.significant and pr.mean > 0)]
    if undecided:
        return Verdict("not shown", "no significant PR-AUC difference from: " + ", ".join(map(detector_label,
                                                                                            undecided)))
    return Verdict("reproduced", "significantly higher PR-AUC than every other detector")


def equivalence_verdict(pr: PairedTest, hit: PairedTest, margin: float = EQUIVALENCE_MARGIN) -> Verdict:
    """"Federation costs nothing": federated − centralised PR-AUC interval inside ±margin and no significant
    hit difference; "does not hold" when federated is significantly worse; else undecided."""
    if pr.n < 2:
        return Verdict("not run", f"{pr.n} paired series")
    if pr.n < MIN_SERIES:
        return Verdict("undecided", f"{pr.n} paired series, fewer than {MIN_SERIES}: too few for an interval over "
                                    f"series ({pr.text()})")
    if (pr.significant and pr.mean < 0) or (hit.significant and hit.mean < 0):
        return Verdict("not reproduced", f"federated is significantly worse: PR-AUC {pr.text()}")
    if -margin < pr.low and pr.high < margin and not hit.significant:
        return Verdict("reproduced", f"the PR-AUC difference lies within ±{margin:g} points: {pr.text()}")
    return Verdict("undecided", f"interval [{pr.low:+.1f}, {pr.high:+.1f}] is not inside ±{margin:g} PR-AUC points "
                                f"({pr.n} series)")


def _pct_ci(values) -> str:
    arr = np.asarray(values, dtype=float)
    low, high = bootstrap_mean(arr)
    return f"{arr.mean():.1f} [{low:.1f}, {high:.1f}]"


def _at_cap(sub: pd.DataFrame) -> str:
    """How many of a detector's series stopped at the epoch cap (not converged by validation loss)."""
    if "hit_cap" not in sub or sub.hit_cap.isna().all():
        return "—"  # a reference: nothing trains
    return f"{int((sub.hit_cap > 0).sum())} of {int(sub.hit_cap.notna().sum())}"


def detector_table(table: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for det, sub in table.groupby("detector", sort=False):
        rows.append({"detector": detector_label(det), "series": len(sub),
                     f"UCR score, {RULES['kdd']} (%)": _pct_ci(100.0 * sub.hit_kdd),
                     f"UCR score, {RULES['length']} (%)": _pct_ci(100.0 * sub.hit_length),
                     "PR-AUC": _pct_ci(sub.pr_auc), "ROC-AUC": _pct_ci(sub.roc_auc),
                     "F1 at ς": f"{sub['point.f1'].mean():.1f}" if "point.f1" in sub else "n/a",
                     "at the epoch cap": _at_cap(sub), "s per series": f"{sub.wall_time_s.mean():.1f}"})
    return pd.DataFrame(rows)


def order(detectors) -> list[str]:
    first = [PAPER_DETECTOR, CENTRALISED]
    present = list(dict.fromkeys(detectors))
    return [d for d in first if d in present] + [d for d in present if d not in first]


def published_tables(table: pd.DataFrame) -> list[str]:
    """TSB-UAD's means on the same files, and the published UCR scores, beside ours."""
    lines = []
    files = table.drop_duplicates("ucr_id")
    try:
        pr, roc = tsbuad_table("pr_auc"), tsbuad_table("roc_auc")
    except (FileNotFoundError, OSError) as exc:
        lines += [f"TSB-UAD's table not read: {exc}", ""]
    else:
        common = [f for f in files.filename if f in pr.index]
        ours = table[table.filename.isin(common)]
        rows = [{"detector": detector_label(d), "source": "ours (train/test protocol)",
                 "PR-AUC": f"{s.pr_auc.mean():.1f}", "ROC-AUC": f"{s.roc_auc.mean():.1f}"}
                for d, s in ours.groupby("detector", sort=False)]
        rows += [{"detector": d, "source": "published: " + TSBUAD_NOTE, "PR-AUC": f"{pr.loc[common, d].mean():.1f}",
                  "ROC-AUC": f"{roc.loc[common, d].mean():.1f}"} for d in TSBUAD_DETECTORS]
        lines += [(f"**Published, same files.** Means over the {len(common)} of our {len(files)} series that "
                  f"TSB-UAD scored. {TSBUAD_NOTE}: a reference point, not the same protocol."), "",
                  pd.DataFrame(rows).to_markdown(index=False), ""]
        mp = ours[ours.detector == "matrix_profile"].set_index("filename")["pr_auc"]
        if len(mp):
            check = wilcoxon_paired(mp.to_numpy(), pr.loc[mp.index, "MP"].to_numpy())
            lines += [(f"Our matrix-profile discord − TSB-UAD's MP, PR-AUC per file: {check.text()} (the same family "
                      "of detector under two protocols)."), ""]
    n = len(files)
    rows = [{"detector": d, "UCR score (%)": f"{v:.1f}", "series": "250 (the whole archive)", "source": src}
            for d, (v, src) in PUBLISHED_UCR_SCORE.items()]
    rows += [{"detector": detector_label(d), "UCR score (%)": f"{100 * s.hit_kdd.mean():.1f}",
              "series": f"{n} of the 234 present (ours)", "source": f"ours, {RULES['kdd']}"}
             for d, s in table.groupby("detector", sort=False)]
    lines += [("**Published UCR scores.** Theirs are over all 250 series; ours over the series this profile ran "
              "(a subset of the 234 present), so only a full run of all 234 compares like with like."), "",
              pd.DataFrame(rows).to_markdown(index=False), ""]
    return lines


def ucr_section(results: Path) -> list[str]:
    """The whole section, or nothing when the experiment has not run."""
    try:
        frame = load("ucr", results)
    except FileNotFoundError:
        missing = absent("ucr", None, results)
        if not missing:
            return []
        return ["## UCR anomaly archive", "", (f"Not run: data absent for {len(missing)} series "
                f"({', '.join(sorted(missing))}); the data directory's `ucr_anomaly/` holds them."), ""]
    table = per_series(frame)
    detectors = order(table.detector)
    table = table.set_index("detector").loc[detectors].reset_index()
    n = table.ucr_id.nunique()
    families = table.family.nunique()
    lines = ["## UCR anomaly archive", "",
             (f"**profile: {frame.profile.iloc[0]}**, {n} series from {families} source families (one labelled "
              "anomaly each; the series rule is in the profile's `ucr.yaml`). Validation = the tail of each "
              "series' anomaly-free training part (early stopping, μ, Σ, and ς as a quantile of validation "
              "scores); the test part is read once. UCR score: share of series whose highest test score lies "
              f"within the tolerance — the KDD Cup rule ({RULES['kdd']}) and the wider rule ({RULES['length']}). "
              "Intervals: 95 % bootstrap over series. \"At the epoch cap\": series where training stopped at the cap, "
              "not by validation loss (not converged). Command: `fedad run ucr --profile "
              f"{frame.profile.iloc[0]}`."), "",
             detector_table(table).to_markdown(index=False), ""]
    if PAPER_DETECTOR in detectors:
        tests = {d: paired(table, PAPER_DETECTOR, d) for d in detectors if d != PAPER_DETECTOR}
        rows = [{"AMCNN-LSTM federated − …": detector_label(d), "PR-AUC (points)": pr.text(),
                 "UCR hits, KDD rule (points)": hit.text()} for d, (pr, hit) in tests.items()]
        lines += [("**Paired tests across series** (A − B; p from Wilcoxon signed-rank on PR-AUC, exact McNemar on "
                  "hits)."), "", pd.DataFrame(rows).to_markdown(index=False), ""]
        claims = [("AMCNN-LSTM (federated, GCM) beats the baselines and the references",
                   beats_verdict({d: t for d, t in tests.items() if d != CENTRALISED}))]
        if CENTRALISED in tests:
            claims.append(("federation with GCM costs nothing against centralised training",
                           equivalence_verdict(*tests[CENTRALISED])))
        lines += ["| Claim | Verdict | Why |", "|---|---|---|"]
        lines += [f"| {c} | {v.verdict} | {v.why} |" for c, v in claims] + [""]
    lines += published_tables(table)
    return lines
