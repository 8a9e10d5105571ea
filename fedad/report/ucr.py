"""REPORT.md's section "UCR anomaly archive": per-detector tables on one common series set, paired tests
across series, verdicts on two claims, where misses point, and the published results beside ours.

Every series is one paired observation: a detector's PR-AUC (and ROC-AUC, VUS-PR, VUS-ROC) is averaged
over its seeds on a series, its hit is the majority of its seeds' hits (ties count as a hit). Series of one
source (:func:`fedad.data.ucr_archive.source_keys`) are not independent: tests read per-source means and
intervals resample whole sources. UCR scores carry exact (Clopper–Pearson) intervals over series.

* "A beats every other detector": Wilcoxon on PR-AUC and the exact hit test (McNemar, or the sign test over
  sources) against each other detector, Holm-adjusted over all those tests together; it holds only when
  every one of them is significant in A's favour.
* "Federation costs nothing": two one-sided tests (TOST) of federated − centralised, on PR-AUC against
  ±:data:`EQUIVALENCE_MARGINS` ``["pr_auc"]`` points and on KDD-rule hits against
  ±:data:`EQUIVALENCE_MARGINS` ``["hit_kdd"]`` percentage points; both must show equivalence.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fedad.data.ucr_published import PUBLISHED_UCR_SCORE, TSBUAD_DETECTORS, TSBUAD_NOTE, tsbuad_table
from fedad.detection.ucr_score import RULES
from fedad.results.tables import absent, load, load_raw
from fedad.results.ucr import (
    CENTRALISED,
    PAPER_DETECTOR,
    common_series,
    detector_label,
    learned_and_references,
    location_errors,
    order,
    per_series,
    read_plan,
)
from fedad.statistics import (
    Equivalence,
    PairedTest,
    binomial_interval,
    cluster_bootstrap_mean,
    holm,
    mcnemar_exact,
    sign_test,
    tost_paired,
    wilcoxon_paired,
)

__all__ = ["beats_verdict", "detector_label", "equivalence_verdict", "order", "paired", "per_series", "ucr_section"]

# The equivalence margins of "federation costs nothing": a PR-AUC gap under 5 points, and a UCR-score gap
# under 10 percentage points (about the spread between neighbouring published detectors' UCR scores).
EQUIVALENCE_MARGINS = {"pr_auc": 5.0, "hit_kdd": 10.0}
MIN_SOURCES = 10  # fewer independent sources leave any equivalence test without power: no verdict
@dataclass(frozen=True)
class Comparison:
    """A − B on the common series: PR-AUC (Wilcoxon, sign test), VUS-PR (Wilcoxon) and KDD-rule hits."""

    pr: PairedTest
    pr_sign: PairedTest
    vus: PairedTest
    hit: PairedTest


def paired(table: pd.DataFrame, a: str, b: str) -> Comparison:
    """A − B over the series both ran, with the series' sources as clusters."""
    wide = table.pivot(index="ucr_id", columns="detector")
    both = wide["pr_auc"][[a, b]].dropna().index
    clusters = wide["source"].loc[both, a].to_numpy()

    def col(metric: str, det: str) -> np.ndarray:
        return wide[metric].loc[both, det].to_numpy(float)

    vus = (wilcoxon_paired(col("vus_pr", a), col("vus_pr", b), clusters=clusters) if "vus_pr" in wide
           else PairedTest(float("nan"), float("nan"), float("nan"), float("nan"), 0, 0, 0, "Wilcoxon", 0))
    return Comparison(wilcoxon_paired(col("pr_auc", a), col("pr_auc", b), clusters=clusters),
                      sign_test(col("pr_auc", a), col("pr_auc", b), clusters=clusters), vus,
                      mcnemar_exact(wide["hit_kdd"].loc[both, a].astype(bool), wide["hit_kdd"].loc[both, b].astype(bool),
                                    clusters=clusters))


@dataclass(frozen=True)
class Verdict:
    verdict: str
    why: str


def beats_verdict(tests: dict[str, tuple[PairedTest, PairedTest]]) -> Verdict:
    """"A beats every other detector": each (PR-AUC, hit) test against each other detector, Holm-adjusted
    over all of them together. Holds when every one is significant in A's favour; does not hold when any is
    significant against A; else not shown."""
    if not tests:
        return Verdict("not run", "no other detector")
    family = [(d, name, t) for d, pair in tests.items() for name, t in zip(("PR-AUC", "UCR hits"), pair, strict=True)]
    adjusted = holm([t.p for _, _, t in family])
    worse = [f"{detector_label(d)} ({name})" for (d, name, t), p in zip(family, adjusted, strict=True)
             if t.significant_at(p) and t.mean < 0]
    if worse:
        return Verdict("not reproduced", f"significantly better than AMCNN-LSTM after Holm over {len(family)} tests: "
                                         + ", ".join(worse))
    undecided = [f"{detector_label(d)} ({name}, Holm p = {p:.2g})" for (d, name, t), p in zip(family, adjusted, strict=True)
                 if not (t.significant_at(p) and t.mean > 0)]
    if undecided:
        return Verdict("not shown", f"not significant after Holm over {len(family)} tests: " + ", ".join(undecided))
    return Verdict("reproduced", f"all {len(family)} comparisons (PR-AUC and UCR hits against each of {len(tests)} "
                                 "detectors) significant after Holm")


def equivalence_verdict(pr: PairedTest, hit: PairedTest, pr_tost: Equivalence, hit_tost: Equivalence) -> Verdict:
    """"Federation costs nothing": TOST shows federated − centralised inside the stated margins on both PR-AUC
    and hits; "does not hold" when federated is significantly worse on either; else undecided."""
    if pr.n < 2:
        return Verdict("not run", f"{pr.n} paired series")
    if (pr.significant and pr.mean < 0) or (hit.significant and hit.mean < 0):
        return Verdict("not reproduced", f"federated is significantly worse: PR-AUC {pr.text()}; hits {hit.text()}")
    if pr_tost.units < MIN_SOURCES:
        return Verdict("undecided", f"{pr_tost.units} independent sources, fewer than {MIN_SOURCES}: too few to show "
                                    f"equivalence (PR-AUC {pr_tost.text()})")
    if pr_tost.equivalent and hit_tost.equivalent:
        return Verdict("reproduced", f"equivalent within the margins: PR-AUC {pr_tost.text()}; UCR hits "
                                     f"{hit_tost.text()}")
    failed = [f"{what} {t.text()}" for what, t in (("PR-AUC", pr_tost), ("UCR hits", hit_tost)) if not t.equivalent]
    return Verdict("undecided", "no significant difference, but equivalence not shown: " + "; ".join(failed))


def _score_ci(hits: pd.Series) -> str:
    k, n = int(hits.sum()), len(hits)
    low, high = binomial_interval(k, n)
    return f"{100 * k / n:.1f} [{low:.1f}, {high:.1f}]" if n else "n/a"


def _mean_ci(values: pd.Series, clusters: pd.Series) -> str:
    arr = values.to_numpy(float)
    if not np.isfinite(arr).any():
        return "n/a"
    low, high = cluster_bootstrap_mean(arr, clusters.to_numpy())
    return f"{np.nanmean(arr):.1f} [{low:.1f}, {high:.1f}]"


def _at_cap(sub: pd.DataFrame) -> str:
    """How many of a detector's series stopped at the epoch cap (not converged by validation loss)."""
    if "hit_cap" not in sub or sub.hit_cap.isna().all():
        return "—"  # a reference: nothing trains
    return f"{int((sub.hit_cap > 0).sum())} of {int(sub.hit_cap.notna().sum())}"


def detector_table(table: pd.DataFrame, missing: dict[str, int] | None = None) -> pd.DataFrame:
    """One row per detector on the rows given (the caller's common set); ``missing`` counts the series of the
    plan a detector did not finish (they are not in the rows)."""
    rows = []
    for det, sub in table.groupby("detector", sort=False):
        row = {"detector": detector_label(det), "series": len(sub), "sources": sub.source.nunique()}
        if missing is not None:
            row["not finished"] = missing.get(det, 0)
        row.update({f"UCR score, {RULES['kdd']} (%)": _score_ci(sub.hit_kdd),
                    f"UCR score, {RULES['length']} (%)": _score_ci(sub.hit_length)})
        for col, name in (("pr_auc", "PR-AUC"), ("roc_auc", "ROC-AUC"), ("vus_pr", "VUS-PR"), ("vus_roc", "VUS-ROC")):
            row[name] = _mean_ci(sub[col], sub.source) if col in sub else "n/a"
        row["F1 at ς"] = f"{sub['point.f1'].mean():.1f}" if "point.f1" in sub else "n/a"
        row["at the epoch cap"] = _at_cap(sub)
        row["s per series"] = f"{sub.wall_time_s.mean():.1f}"
        rows.append(row)
    if missing:
        rows += [{"detector": detector_label(d), "series": 0, "not finished": m} for d, m in missing.items()
                 if d not in set(table.detector)]
    return pd.DataFrame(rows)


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
        mp = ours[ours.detector == "matrix_profile"].set_index("filename")
        if len(mp):
            check = wilcoxon_paired(mp.pr_auc.to_numpy(), pr.loc[mp.index, "MP"].to_numpy(), clusters=mp.source.to_numpy())
            lines += [(f"Our matrix-profile discord − TSB-UAD's MP, PR-AUC per file: {check.text()} (the same family "
                      "of detector under two protocols)."), ""]
    n = len(files)
    rows = [{"detector": d, "UCR score (%)": f"{v:.1f}", "series": "250 (the whole archive)", "source": src}
            for d, (v, src) in PUBLISHED_UCR_SCORE.items()]
    rows += [{"detector": detector_label(d), "UCR score (%)": _score_ci(s.hit_kdd),
              "series": f"{n} of the 234 present (ours)", "source": f"ours, {RULES['kdd']}, Clopper–Pearson 95 %"}
             for d, s in table.groupby("detector", sort=False)]
    lines += [("**Published UCR scores.** Theirs are over all 250 series; ours over the series named above "
              "(a subset of the 234 present), so only a run on all 234 compares like with like."), "",
              pd.DataFrame(rows).to_markdown(index=False), ""]
    return lines


def _progress(plan: dict | None, table: pd.DataFrame, learned: list[str], references: list[str]) -> str:
    """How far the run got against its plan (a run stopped part-way is a stratified sample, not the start of
    an id-ordered list)."""
    if plan is None:
        return "No run plan was recorded (a run made before plans were written): the series are those finished."
    absent_ids = set(plan.get("absent", []))
    planned = [i for i in plan["series"] if i not in absent_ids]
    wider = [i for i in planned + plan.get("reference_series", []) if i not in absent_ids]
    done = lambda dets, ids: sum(all(((table.detector == d) & (table.ucr_id == i)).any() for d in dets)
                                 for i in ids)
    parts = []
    if learned:
        parts.append(f"every detector finished {done(learned + references, planned)} of the {len(planned)} planned "
                     "series (run in a seeded order stratified by family, so a run stopped part-way is a sample)")
    if references and len(wider) > len(planned):
        parts.append(f"the training-free references finished {done(references, wider)} of {len(wider)}")
    return "Progress: " + "; ".join(parts) + "." if parts else ""


def machines(runs: list[dict]) -> pd.DataFrame:
    """Where the runs ran: one row per machine and torch device (from each result file's environment), with
    its count of training-free and learned runs, so that a run split over machines says so, and its
    "s per series" column is read per machine."""
    rows = []
    for run in runs:
        env = run.get("environment", {})
        device = env.get("device_env") or "auto"
        machine = (f"{env.get('cuda')} GPU machine" if env.get("cuda") else "CPU machine") + \
            f" ({env.get('platform', '?')})"
        rows.append({"machine": machine, "torch": env.get("torch", "?"), "device": device,
                     "kind": "learned" if run["config"].get("training", "none") != "none" else "training-free"})
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame(rows)
    out = frame.groupby(["machine", "torch", "device", "kind"], sort=True).size().unstack("kind", fill_value=0)
    return out.reset_index().rename_axis(columns=None)


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
    profile = frame.profile.iloc[0]
    table = per_series(frame)
    learned, references = learned_and_references(table)
    plan = read_plan(results, profile)
    universe = None
    if plan is not None and learned:
        universe = set(plan["series"])
    common, missing = common_series(table, learned + references, universe)
    n, sources = common.ucr_id.nunique(), common.source.nunique()
    lines = ["## UCR anomaly archive", "",
             (f"**profile: {profile}**. Every detector below on the same {n} series ({sources} independent "
              f"sources, {common.family.nunique()} families; one labelled anomaly each; the series rule is in the "
              "profile's `ucr.yaml`). A detector that did not finish a series of the plan is counted in \"not "
              "finished\", never averaged over fewer series. " + _progress(plan, table, learned, references)), "",
             ("Validation = the tail of each series' anomaly-free training part (early stopping; μ, Σ and ς by the "
              "main pipeline's own calibration, ς at a 1 % false-alarm rate on validation); the test part is read "
              f"once. UCR score: share of series whose highest test score lies within the tolerance — the KDD Cup "
              f"rule ({RULES['kdd']}) and the wider rule ({RULES['length']}), with exact Clopper–Pearson 95 % "
              "intervals over series. PR-AUC, ROC-AUC and the range-aware VUS-PR / VUS-ROC (the `vus` package of "
              "their authors, buffer = its own period rule on the training part): mean with a 95 % bootstrap "
              "interval that resamples whole sources (the same record under DISTORTED/NOISE/plain names, or a "
              "shared anomaly interval, is one source). \"At the epoch cap\": series where training stopped at the "
              f"cap, not by validation loss (not converged). Command: `fedad run ucr --profile {profile}`."), "",
             detector_table(common, missing).to_markdown(index=False), ""]
    where = machines(load_raw("ucr", results, profile))
    if len(where) > 1:
        lines += [("**Where the runs ran.** This run was split over machines; each result file records its own "
                   "(\"s per series\" above mixes them). A config hash is the same configuration wherever it ran; "
                   "floating-point results may differ between machines and torch versions."),
                  "", where.to_markdown(index=False), ""]
    lines += _references_everywhere(table, references, common, plan)
    if PAPER_DETECTOR in set(common.detector):
        lines += _tests_and_verdicts(common)
    errors = location_errors(frame, set(common.ucr_id), order(common.detector))
    if not errors.empty:
        errors["detector"] = errors.detector.map(detector_label)
        lines += [(f"**Where misses point** (KDD rule, the {n} common series, every seed's run). Argmax − start "
                  "and argmax − end of the anomaly, in points and in periods of the series: a positive value past "
                  "the end means the detector points late (a forecaster's inputs still hold the anomaly for a "
                  "window after it); a discord's bump is one period wide."), "",
                  errors.to_markdown(index=False, disable_numparse=True), ""]
    lines += published_tables(common)
    return lines


def _references_everywhere(table: pd.DataFrame, references: list[str], common: pd.DataFrame,
                           plan: dict | None) -> list[str]:
    """The training-free references on every series they ran, when that is more than the common set."""
    if not references:
        return []
    universe = None if plan is None else set(plan["series"]) | set(plan.get("reference_series", []))
    wide, missing = common_series(table, references, universe)
    if wide.ucr_id.nunique() <= common.ucr_id.nunique():
        return []
    return [(f"**The training-free references on {wide.ucr_id.nunique()} series** ({wide.source.nunique()} sources, "
             f"{wide.family.nunique()} families; the table above shows them on the learned detectors' "
             f"{common.ucr_id.nunique()})."), "", detector_table(wide, missing).to_markdown(index=False), ""]


def _tests_and_verdicts(common: pd.DataFrame) -> list[str]:
    dets = order(common.detector)
    tests = {d: paired(common, PAPER_DETECTOR, d) for d in dets if d != PAPER_DETECTOR}
    others = {d: (c.pr, c.hit) for d, c in tests.items() if d != CENTRALISED}
    adjusted = dict(zip([(d, k) for d in others for k in range(2)], holm([t.p for pair in others.values() for t in pair]),
                        strict=True))
    rows = [{"AMCNN-LSTM federated − …": detector_label(d), "PR-AUC (points), Wilcoxon": c.pr.text(),
             "PR-AUC sign test p": f"{c.pr_sign.p:.3g}", "VUS-PR (points), Wilcoxon": c.vus.text(),
             "UCR hits, KDD rule (points)": c.hit.text(),
             "Holm p (PR-AUC, hits)": (f"{adjusted[d, 0]:.3g}, {adjusted[d, 1]:.3g}" if d in others else "—")}
            for d, c in tests.items()]
    lines = [("**Paired tests across series** (A − B on the common series; tests on per-source means, intervals "
              "resample sources; Holm's adjustment over the 'beats' family of tests)."), "",
             pd.DataFrame(rows).to_markdown(index=False), ""]
    claims = [("AMCNN-LSTM (federated, GCM) beats the baselines and the references", beats_verdict(others))]
    if CENTRALISED in tests:
        c = tests[CENTRALISED]
        wide = common.pivot(index="ucr_id", columns="detector")
        both = wide["pr_auc"][[PAPER_DETECTOR, CENTRALISED]].dropna().index
        clusters = wide["source"].loc[both, PAPER_DETECTOR].to_numpy()
        col = lambda m, d: wide[m].loc[both, d].to_numpy(float)
        pr_tost = tost_paired(col("pr_auc", PAPER_DETECTOR), col("pr_auc", CENTRALISED),
                              EQUIVALENCE_MARGINS["pr_auc"], clusters)
        hit_tost = tost_paired(100 * col("hit_kdd", PAPER_DETECTOR), 100 * col("hit_kdd", CENTRALISED),
                               EQUIVALENCE_MARGINS["hit_kdd"], clusters)
        claim = ("federation with GCM costs nothing against centralised training (TOST, margins ±"
                 f"{EQUIVALENCE_MARGINS['pr_auc']:g} PR-AUC points and ±{EQUIVALENCE_MARGINS['hit_kdd']:g} "
                 "UCR-score points)")
        claims.append((claim, equivalence_verdict(c.pr, c.hit, pr_tost, hit_tost)))
    lines += ["| Claim | Verdict | Why |", "|---|---|---|"]
    lines += [f"| {c} | {v.verdict} | {v.why} |" for c, v in claims] + [""]
    return lines
