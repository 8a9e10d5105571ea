"""Fig. 7 — communication efficiency of GCM: (a) time to a target validation loss, (b) totals over a
fixed number of rounds, (c) the GCM ÷ dense time per round against uplink bandwidth, with the measured
points of the rate-limited Flower deployment in each app mode (long-lived and subprocess, ``make
fig7-measured``) and the paper's 0.5."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from fedad.figures.style import PAPER_COLOUR, save, setup_style, stamp
from fedad.models import LABELS
from fedad.results import comm as comm_stats
from fedad.results.comm import (
    PAPER_RATIO,
    measured_points,
    runs_by_model,
    sweep,
    sweep_settings,
    targets,
    time_to_target,
)
from fedad.results.tables import ordered_models

VARIANTS = (("dense", "without GCM (dense fp32)", "#4c72b0"), ("gcm", "with GCM (top-k ρ = 0.3)", "#dd8452"),
            ("gcm_two_way", "GCM + top-k broadcast", "#55a868"))


def _variant_bars(ax_tta, ax_fix, runs: dict, models: list[str]) -> dict[str, float]:
    """Panels (a) and (b)'s bars, one group per variant: mean time to target ("not reached" where a seed never
    got there) and the fixed rounds' compute with the modelled link on top. Returns each panel's smallest bar."""
    width = 0.27
    smallest = {"tta": np.inf, "fix": np.inf}  # log axes: the lowest bar must stay visible, not clipped
    for j, (variant, label, colour) in enumerate(VARIANTS):
        xs = np.arange(len(models)) + (j - 1) * width
        tta, fixed_c, fixed_l = [], [], []
        for m in models:
            model_runs = runs[m]
            goal = targets(model_runs)
            reached = [time_to_target(r, goal[r["config"]["seed"]]) for r in model_runs.get(variant, [])
                       if r["config"]["seed"] in goal]
            ok = [t["total_s"] for t in reached if t is not None]
            tta.append(np.mean(ok) if ok and len(ok) == len(reached) else np.nan)
            fx = [r["metrics"]["fixed"] for r in model_runs.get(variant, [])]
            fixed_c.append(np.mean([f["compute_s"] for f in fx]) if fx else np.nan)
            fixed_l.append(np.mean([f["link_s"] for f in fx]) if fx else np.nan)
        ax_tta.bar(xs, tta, width, color=colour, label=label)
        for x, v, m in zip(xs, tta, models, strict=True):
            if not np.isfinite(v) and variant in runs[m]:
                ax_tta.text(x, 0.02, "not reached", ha="center", va="bottom", fontsize=8, rotation=90, color=colour,
                            transform=ax_tta.get_xaxis_transform())
        smallest["tta"] = np.nanmin([smallest["tta"], *tta])
        smallest["fix"] = np.nanmin([smallest["fix"], *fixed_c])
        ax_fix.bar(xs, fixed_c, width, color=colour, label=f"{label}: compute")
        ax_fix.bar(xs, fixed_l, width, bottom=fixed_c, color=colour, alpha=0.45, hatch="//",
                   label=f"{label}: link (modelled)")
    return smallest


def _time_axes(ax_tta, ax_fix, models: list[str], smallest: dict[str, float], any_run: dict) -> None:
    """Panels (a) and (b)'s axes: model names, log scales that keep the smallest bar, titles with the link."""
    link = any_run["config"]["federated"]["link"]
    eps = any_run["config"]["epsilon"]
    names = [LABELS.get(m, m) for m in models]
    ax_tta.set_xticks(range(len(models)), names, rotation=25)
    ax_tta.set_yscale("log")
    if np.isfinite(smallest["tta"]):
        ax_tta.set_ylim(bottom=smallest["tta"] / 3)
    ax_tta.set_ylabel("seconds to target (compute + link)")
    ax_tta.set_title(f"(a) time to the dense run's best validation loss × {1 + eps:g}\n"
                     f"link: {link['uplink_mbps']:g} Mbit/s up, {link['downlink_mbps']:g} down, "
                     f"{link['latency_ms']:g} ms", fontsize=10)
    ax_tta.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.22), frameon=False)
    ax_fix.set_xticks(range(len(models)), names, rotation=25)
    ax_fix.set_yscale("log")
    if np.isfinite(smallest["fix"]):
        ax_fix.set_ylim(bottom=smallest["fix"] / 3)
    ax_fix.set_ylabel("seconds for the rounds")
    rounds = int(any_run["metrics"]["fixed_rounds"])
    ax_fix.set_title(f"(b) the first {rounds} rounds, same link: compute + link", fontsize=10)
    ax_fix.legend(fontsize=7, ncol=1, loc="upper center", bbox_to_anchor=(0.5, -0.22), frameon=False)


def _measured_lines(ax_bw, measured: dict, sweep_cfg: dict) -> None:
    """Panel (c)'s Flower deployment, per app mode: the calibrated model's ratio and the tc-shaped points."""
    rows = measured["rows"]
    grid = np.logspace(np.log10(sweep_cfg["low_mbps"]), np.log10(sweep_cfg["high_mbps"]), 81)
    for mode, line, marker in zip(comm_stats.DEPLOYMENT_MODES, (":", "-."), ("o", "D"), strict=True):
        ratio = comm_stats.deployment_ratio(measured, mode, grid)
        if ratio is None:
            continue
        by = {(r["compressor"], r["rate_mbit"]): r for r in rows
              if comm_stats.row_mode(r) == mode and not comm_stats.is_control(r)}
        base = by[("none", None)]["median_round_s"]
        ax_bw.plot(grid, ratio, color="black", ls=line, lw=1.5, label=f"Flower, {mode} ({base:.1f} s/round): model")
        rates = sorted(r for (c, r) in by if c == "topk" and r and ("none", r) in by)
        ax_bw.scatter(rates, [by[("topk", r)]["median_round_s"] / by[("none", r)]["median_round_s"] for r in rates],
                      marker=marker, s=60, color="black", facecolor="white" if mode == "subprocess" else "black",
                      zorder=5, label=f"Flower, {mode}: measured (tc)" if rates else None)


def _bandwidth_panel(ax_bw, runs: dict, models: list[str], results_dir: Path | None, profile: str) -> None:
    """Panel (c): GCM ÷ dense time per round against uplink bandwidth, each model's modelled sweep, the
    measured deployment where it ran, and the paper's 0.5."""
    sweep_cfg = sweep_settings(results_dir, profile)
    palette = plt.get_cmap("tab10")
    for i, m in enumerate(models):
        if "gcm" in runs[m] and "dense" in runs[m]:
            grid, ratio = sweep(runs[m], sweep_cfg)
            ax_bw.plot(grid, ratio, color=palette(i), lw=2, label=LABELS.get(m, m))
    measured = measured_points(results_dir)
    if measured:
        _measured_lines(ax_bw, measured, sweep_cfg)
    ax_bw.axhline(PAPER_RATIO, color=PAPER_COLOUR, ls="--", label="paper: ~0.5")
    ax_bw.set_xscale("log")
    ax_bw.set_xlabel("uplink bandwidth (Mbit/s); downlink × "
                     f"{sweep_cfg['downlink_factor']:g}; latency {sweep_cfg['latency_ms']:g} ms")
    ax_bw.set_ylabel("time per round: GCM ÷ dense")
    ax_bw.set_ylim(0, max(1.3, ax_bw.get_ylim()[1]))
    ax_bw.set_title("(c) bandwidth sweep (modelled from measured compute and bytes)", fontsize=10)
    ax_bw.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False, ncol=2)


def draw(results_dir: Path | None = None, out_dir: Path | None = None) -> list[Path]:
    """Fig. 7's three panels from the comm results (and the measured deployment, where it ran)."""
    runs = runs_by_model(results_dir)
    if not runs:
        raise FileNotFoundError("no comm results: run `make fig7` first")
    any_run = next(iter(next(iter(runs.values())).values()))[0]
    profile = any_run["config"]["profile"]
    models = ordered_models(runs)
    setup_style()
    fig, (ax_tta, ax_fix, ax_bw) = plt.subplots(1, 3, figsize=(19, 6.2), gridspec_kw={"width_ratios": [1.2, 1.2, 1.1]})
    smallest = _variant_bars(ax_tta, ax_fix, runs, models)
    _time_axes(ax_tta, ax_fix, models, smallest, any_run)
    _bandwidth_panel(ax_bw, runs, models, results_dir, profile)
    # the suptitle sits below the profile stamp and above the two-line panel titles
    fig.suptitle("Fig. 7 — communication efficiency of GCM, N = 10 workers, power demand", fontsize=14, y=0.955)
    fig.subplots_adjust(bottom=0.3, top=0.82, wspace=0.3)
    stamp(fig, {profile})
    return save(fig, "fig7", out_dir)
