"""Fig. 8 (beyond the paper) — the compressors compared under one byte count: accuracy against total
uploaded bytes (log), one curve per compressor through its budgets of rounds, same rounds and seeds."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from fedad.figures.style import save, setup_style, stamp
from fedad.results.tables import load_raw

STYLE = {"dense": ("dense fp32 (ρ = 100)", "#4c72b0", "o"),
         "topk_momentum": ("top-k + momentum correction (GCM)", "#dd8452", "s"),
         "topk_residual": ("top-k + error feedback", "#c44e52", "^"),
         "randomk": ("random-k, same budget", "#8172b3", "v"),
         "qsgd8": ("QSGD 8-bit", "#55a868", "D")}
PANELS = {"mnist": ("MNIST, simple CNN", "accuracy", "test accuracy (%)"),
          "power_demand": ("power demand, AMCNN-LSTM", "val_rmse", "validation RMSE (lower is better)")}


def draw(results_dir: Path | None = None, out_dir: Path | None = None) -> list[Path]:
    runs = load_raw("compressors", results_dir)
    profile = runs[0]["config"]["profile"]
    workloads = [w for w in PANELS if any(r["config"]["workload"] == w for r in runs)]
    setup_style()
    fig, axes = plt.subplots(1, len(workloads), figsize=(7 * len(workloads), 5.6), squeeze=False)
    for ax, workload in zip(axes[0], workloads, strict=True):
        title, key, ylabel = PANELS[workload]
        for name, (label, colour, marker) in STYLE.items():
            sel = [r for r in runs if r["config"]["workload"] == workload and r["config"]["name"] == name]
            if not sel:
                continue
            n_budgets = len(sel[0]["metrics"]["points"])
            xs = [np.mean([r["metrics"]["points"][i]["bytes_up"] for r in sel]) for i in range(n_budgets)]
            ys = [np.mean([r["metrics"]["points"][i][key] for r in sel]) for i in range(n_budgets)]
            sd = [np.std([r["metrics"]["points"][i][key] for r in sel]) for i in range(n_budgets)]
            ax.errorbar(xs, ys, yerr=sd, color=colour, marker=marker, capsize=3, lw=2, label=label)
        ax.set_xscale("log")
        ax.set_xlabel("total bytes uploaded by the 10 workers (real codec bytes)")
        ax.set_ylabel(ylabel)
        budgets = sorted({p["rounds"] for r in runs if r["config"]["workload"] == workload
                          for p in r["metrics"]["points"]})
        seeds = len({r["config"]["seed"] for r in runs})
        ax.set_title(f"{title}\nafter {', '.join(map(str, budgets))} rounds; {seeds} seed(s)", fontsize=11)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, ncol=3, fontsize=9, loc="lower center", bbox_to_anchor=(0.5, -0.01), frameon=False)
    # the suptitle sits below the profile stamp and above the two-line panel titles
    fig.suptitle("Fig. 8 — compressors under one byte count (beyond the paper)", fontsize=14, y=0.955)
    fig.subplots_adjust(bottom=0.24, top=0.8, wspace=0.25)
    stamp(fig, {profile})
    return save(fig, "fig8", out_dir)
