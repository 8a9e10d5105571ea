"""Fig. 4 — test accuracy of the federated simple CNN against ρ, with the measured compression ratio."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from fedad import paper
from fedad.figures.style import PAPER_COLOUR, save, setup_style, stamp
from fedad.results.tables import absent, load, main_runs, mean_std

PANELS = (("mnist", "MNIST"), ("cifar10", "CIFAR-10"), ("fashion_mnist", "Fashion-MNIST (extra panel)"))


def draw(results_dir: Path | None = None, out_dir: Path | None = None) -> list[Path]:
    frame = main_runs(load("tune_rho", results_dir))
    profile = frame["profile"].iloc[0]
    missing = absent("tune_rho", profile, results_dir)
    setup_style()
    fig, axes = plt.subplots(2, len(PANELS), figsize=(5.2 * len(PANELS), 7.5), sharex=True,
                             gridspec_kw={"height_ratios": [2, 1]})
    rhos = sorted(frame["rho"].unique())
    pos = {r: i for i, r in enumerate(rhos)}
    for col, (name, title) in enumerate(PANELS):
        ax, ax_ratio = axes[0, col], axes[1, col]
        sub = frame[frame["dataset"] == name]
        if sub.empty:
            why = missing.get(name, "not run")
            ax.text(0.5, 0.5, why.split(" (")[0], ha="center", va="center", transform=ax.transAxes, fontsize=13,
                    color="#555")
            ax.set_xticks([])
            ax.set_yticks([])
            ax_ratio.set_axis_off()
            ax.set_title(title)
            continue
        acc = mean_std(sub, ["rho"], "accuracy").sort_values("rho")
        ax.errorbar([pos[r] for r in acc["rho"]], acc["mean"], yerr=acc["std"], marker="o", capsize=4, lw=2,
                    label=f"fedad (mean ± sd, {int(acc['count'].min())} seeds)")
        for r, m in zip(acc["rho"], acc["mean"], strict=True):
            ax.annotate(f"{m:.1f}", (pos[r], m), textcoords="offset points", xytext=(12, -14), ha="center", fontsize=9)
        if name == "mnist":
            xs = [pos[r] for r in paper.FIG4_MNIST_ACCURACY if r in pos]
            ys = [v for r, v in paper.FIG4_MNIST_ACCURACY.items() if r in pos]
            ax.scatter(xs, ys, marker="*", s=220, color=PAPER_COLOUR, zorder=5, label="paper (stated values)")
        source = sub["data_source"].iloc[0]
        subset = ("10k subset (8k train / 2k test)" if "10k subset" in source
                  else "JPEG copy: lossy, not the original pixels" if "JPEG copy" in source else "full set")
        ax.set_title(f"{title}\n{subset}", fontsize=11, color="#b03a2e" if "JPEG copy" in source else "black")
        if col == 0:  # one label per row: a label between panels would run into its neighbour
            ax.set_ylabel("test accuracy (%)")
        ax.legend(loc="lower right", fontsize=9)
        ratio = mean_std(sub, ["rho"], "upload_compression_ratio").sort_values("rho")
        ax_ratio.bar([pos[r] for r in ratio["rho"]], ratio["mean"], color="#4c72b0")
        ax_ratio.set_yscale("log")
        ax_ratio.axhline(paper.COMPRESSION_RATIO, color=PAPER_COLOUR, ls="--", lw=1, label="paper: ~300×")
        if col == 0:
            ax_ratio.set_ylabel("upload compression\n(dense bytes ÷ sent)")
        ax_ratio.legend(fontsize=9, loc="upper right")
    for ax in axes[1]:
        ax.set_xticks(range(len(rhos)), [f"{r:g}" for r in rhos])
        ax.set_xlabel("ρ (% of entries sent)")
    fig.suptitle("Fig. 4 — tuning ρ: simple CNN, N = 10 workers, Algorithm 1", fontsize=14)
    stamp(fig, {profile})
    return save(fig, "fig4", out_dir)
