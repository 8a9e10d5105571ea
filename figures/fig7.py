"""Fig. 7 — running time of federated training with and without GCM, per model: measured compute
plus modelled link time over the configured edge link, and their ratio."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from fedad import paper
from fedad.models import LABELS
from figures.common import PAPER_COLOUR, ordered_models, save, setup_style, stamp
from figures.results import load


def time_table(frame):
    """Per (model, compressor): mean compute, link and total seconds, and bytes up per message."""
    return frame.groupby(["model", "compressor"], sort=False)[
        ["compute_s", "link_s", "modelled_total_s", "mean_bytes_up_per_message", "rmse"]].mean()


def draw(results_dir: Path | None = None, out_dir: Path | None = None) -> list[Path]:
    frame = load("comm", results_dir)
    profile = frame["profile"].iloc[0]
    table = time_table(frame)
    models = ordered_models(frame["model"])
    comps = list(dict.fromkeys(frame["compressor"]))
    setup_style()
    fig, (ax_t, ax_r) = plt.subplots(1, 2, figsize=(15, 5.5), gridspec_kw={"width_ratios": [2, 1]})
    width = 0.8 / len(comps)
    for j, comp in enumerate(comps):
        xs = np.arange(len(models)) + (j - (len(comps) - 1) / 2) * width
        compute = [table.loc[(m, comp), "compute_s"] for m in models]
        link = [table.loc[(m, comp), "link_s"] for m in models]
        label = "without GCM (dense fp32)" if comp == "none" else f"with {comp}"
        ax_t.bar(xs, compute, width, color=plt.get_cmap("tab10")(j), label=f"{label}: compute")
        ax_t.bar(xs, link, width, bottom=compute, color=plt.get_cmap("tab10")(j), alpha=0.45, hatch="//",
                 label=f"{label}: link (modelled)")
    ax_t.set_xticks(range(len(models)), [LABELS.get(m, m) for m in models])
    ax_t.set_ylabel("seconds for the run")
    rounds = int(frame["rounds"].iloc[0])
    ax_t.set_title(f"{rounds} rounds, N = 10 workers: compute + modelled link time", fontsize=12)
    ax_t.legend(fontsize=8, ncol=2)
    if "none" in comps:
        for j, comp in enumerate(c for c in comps if c != "none"):
            ratio = [table.loc[(m, comp), "modelled_total_s"] / table.loc[(m, "none"), "modelled_total_s"] for m in models]
            compute_ratio = [table.loc[(m, comp), "compute_s"] / table.loc[(m, "none"), "compute_s"] for m in models]
            xs = np.arange(len(models)) + j * 0.35
            ax_r.bar(xs, ratio, 0.35, label=f"{comp}: compute + link", color=plt.get_cmap("tab10")(j + 1))
            ax_r.scatter(xs, compute_ratio, marker="D", color="black", zorder=5,
                         label="compute only (no network)" if j == 0 else None)
        ax_r.axhline(paper.FIG7_TIME_RATIO_WITH_GCM, color=PAPER_COLOUR, ls="--", label="paper: ~50 %")
        ax_r.set_xticks(range(len(models)), [LABELS.get(m, m) for m in models], rotation=30)
        ax_r.set_ylabel("time with GCM ÷ time without")
        ax_r.set_title("running-time ratio", fontsize=12)
        ax_r.legend(fontsize=8, loc="center right")
    fig.suptitle("Fig. 7 — communication efficiency of GCM (power demand)", fontsize=14)
    stamp(fig, {profile})
    return save(fig, "fig7", out_dir)
