"""Fig. 9 (beyond the paper) — the UCR anomaly archive: per detector, the UCR score (KDD Cup rule, exact
Clopper–Pearson intervals), the mean PR-AUC and the mean VUS-PR (95 % bootstrap intervals over sources), all
on the series every detector finished (the set REPORT.md's table uses). Published results are drawn as
black diamonds on their own categories, never as bars: the UCR scores published for the whole archive
(250 series) and TSB-UAD's mean PR-AUC on the same files as ours (whole-series protocol)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from fedad.data.ucr_published import PUBLISHED_UCR_SCORE, TSBUAD_DETECTORS, tsbuad_table
from fedad.figures.style import save, setup_style, stamp
from fedad.results.tables import absent, load
from fedad.results.ucr import common_series, detector_label, learned_and_references, per_series, read_plan
from fedad.statistics import binomial_interval, cluster_bootstrap_mean

OURS, PUBLISHED = "#4c72b0", "black"
REFERENCE_COLOUR = "#9aa5b1"
SHORT = {"amcnn_lstm_federated": "AMCNN-LSTM fed. GCM", "amcnn_lstm_centralised": "AMCNN-LSTM central.",
         "matrix_profile": "matrix profile", "raw_value": "raw-value distance"}


def _bars(ax, names: list[str], values: list[np.ndarray], references: set[str],
          clusters: list[np.ndarray] | None = None) -> None:
    """Bars of the means; intervals: exact binomial for 0/100 hits (no ``clusters``), else a bootstrap that
    resamples whole sources."""
    means = [float(np.nanmean(v)) for v in values]
    if clusters is None:
        cis = [binomial_interval(int((v > 0).sum()), len(v)) for v in values]
    else:
        cis = [cluster_bootstrap_mean(v, c) for v, c in zip(values, clusters, strict=True)]
    err = np.array([[m - lo for m, (lo, _) in zip(means, cis, strict=True)],
                    [hi - m for m, (_, hi) in zip(means, cis, strict=True)]])
    colours = [REFERENCE_COLOUR if n in references else OURS for n in names]
    bars = ax.bar(range(len(names)), means, yerr=err, color=colours, capsize=3)
    for bar, name in zip(bars, names, strict=True):
        bar.set_label("ours, reference (no training)" if name in references else "ours, learned detector")


def _published(ax, start: int, points: list[tuple[str, float]], label: str) -> list[str]:
    """Published values as diamonds on their own categories after ours, behind a dashed divider; their names."""
    xs = range(start, start + len(points))
    ax.scatter(list(xs), [v for _, v in points], marker="D", s=40, color=PUBLISHED, zorder=3, label=label)
    ax.axvline(start - 0.5, color="grey", lw=0.8, ls="--")
    return [n for n, _ in points]


def _column(table, detector: str, col: str) -> np.ndarray:
    """One detector's values of a per-series column."""
    return table.loc[table.detector == detector, col].to_numpy(float)


def _score_panel(ax, table, detectors: list[str], labels: list[str], references: set[str], n: int) -> None:
    """(a) The UCR score (KDD rule) of each detector, beside the scores published for the whole archive."""
    _bars(ax, detectors, [100.0 * _column(table, d, "hit_kdd") for d in detectors], references)
    names = labels + _published(ax, len(detectors), [(k, v) for k, (v, _) in PUBLISHED_UCR_SCORE.items()],
                                "published UCR score, all 250 series")
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("UCR score (% of series), KDD rule")
    ax.set_ylim(0, 105)  # an interval reaching 100 stays visible
    ax.set_title(f"(a) UCR score: ours on {n} series | published", fontsize=11)


def _pr_auc_panel(ax, table, detectors: list[str], labels: list[str], references: set[str], groups: list,
                  n: int) -> None:
    """(b) Each detector's mean PR-AUC, TSB-UAD's published means on the same files, and the base rate."""
    _bars(ax, detectors, [_column(table, d, "pr_auc") for d in detectors], references, groups)
    try:
        pr = tsbuad_table("pr_auc")
        files = [f for f in table.drop_duplicates("ucr_id").filename if f in pr.index]
        published = [(f"{d} (TSB-UAD)", float(pr.loc[files, d].mean())) for d in TSBUAD_DETECTORS] if files else []
    except (FileNotFoundError, OSError):
        published = []
    names = labels + (_published(ax, len(detectors), published, "published TSB-UAD mean, same files "
                                 "(whole series, no split)") if published else [])
    base = float(table.groupby("ucr_id").base_rate.first().mean())
    ax.axhline(base, color="#c44e52", lw=1, ls=":", label=f"base rate (flag at random): {base:.1f}")
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("PR-AUC over the test part (%)")
    ax.set_ylim(0, 105)  # an interval reaching 100 stays visible
    ax.set_title(f"(b) mean PR-AUC: ours on {n} series | published", fontsize=11)


def _vus_panel(ax, table, detectors: list[str], labels: list[str], references: set[str], groups: list,
               n: int) -> None:
    """(c) Each detector's mean VUS-PR: range-aware, credits a peak beside the anomaly or a bump one period
    wide; a note instead where the results hold no VUS-PR."""
    if "vus_pr" in table and table.vus_pr.notna().any():
        _bars(ax, detectors, [_column(table, d, "vus_pr") for d in detectors], references, groups)
        ax.set_xticks(range(len(detectors)), labels, rotation=60, ha="right", fontsize=8)
    else:
        ax.text(0.5, 0.5, "no VUS-PR in these results\n(run made before VUS was scored)", ha="center",
                va="center", transform=ax.transAxes)
    ax.set_ylabel("VUS-PR over the test part (%)")
    ax.set_ylim(0, 105)
    ax.set_title(f"(c) mean VUS-PR (vus package): ours on {n} series", fontsize=11)


def _shared_legend(fig, axes) -> None:
    """One legend below the panels, each label once."""
    handles = {}
    for a in axes:
        for h, lab in zip(*a.get_legend_handles_labels(), strict=True):
            handles.setdefault(lab, h)
    fig.legend(list(handles.values()), list(handles), ncol=2, fontsize=9, loc="lower center",
               bbox_to_anchor=(0.5, -0.02), frameon=False)


def draw(results_dir: Path | None = None, out_dir: Path | None = None) -> list[Path]:
    """Fig. 9's three panels from the UCR results, on the series every detector finished."""
    try:
        frame = load("ucr", results_dir)
    except FileNotFoundError:
        if absent("ucr", None, results_dir):
            print("fig9 not drawn: not run: data absent (the data directory has no ucr_anomaly/ series)")
            return []
        raise
    profile = frame.profile.iloc[0]
    table = per_series(frame)
    learned, references_ = learned_and_references(table)
    plan = read_plan(results_dir, profile)
    table, _ = common_series(table, learned + references_, set(plan["series"]) if plan and learned else None)
    detectors = list(dict.fromkeys(table.detector))
    references = set(references_)
    n, sources = table.ucr_id.nunique(), table.source.nunique()
    setup_style()
    fig, axes = plt.subplots(1, 3, figsize=(21, 6.4))
    labels = [SHORT.get(d, detector_label(d).removesuffix(" (reference)")) for d in detectors]
    groups = [table.loc[table.detector == d, "source"].to_numpy() for d in detectors]
    _score_panel(axes[0], table, detectors, labels, references, n)
    _pr_auc_panel(axes[1], table, detectors, labels, references, groups, n)
    _vus_panel(axes[2], table, detectors, labels, references, groups, n)
    _shared_legend(fig, axes)
    fig.suptitle(f"Fig. 9 — UCR anomaly archive, every detector on the same {n} series ({sources} sources): bars with "
                 "exact (a) or source-bootstrap (b, c) 95 % intervals; published results as diamonds", fontsize=13,
                 y=0.95)
    fig.subplots_adjust(bottom=0.36, top=0.84, wspace=0.22)
    seeds = frame.seed.nunique()
    cap = f"capped at {int(frame.max_epochs.max())} epochs" if "max_epochs" in frame else "capped"
    stamp(fig, {profile}, full_text=f"{seeds} seed(s), learned detectors {cap} (REPORT.md counts the runs that "
                                    "stopped there)")
    return save(fig, "fig9", out_dir)
