"""What Fig. 7 and REPORT.md derive from the comm results: time to a target loss, the bandwidth sweep
and its crossover, the fixed-round totals. Pure functions of result files (never training)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from fedad.deployment.flower_modes import MODES
from fedad.federated.network import bandwidth_grid, per_round_seconds, ranges_at_or_below
from fedad.results import RESULTS_DIR
from fedad.results.tables import load_raw

PAPER_RATIO = 0.5


def runs_by_model(results_dir: Path | None = None) -> dict:
    """{model: {variant: [result, …]}} with variant "dense", "gcm" or "gcm_two_way"."""
    out: dict = {}
    for res in load_raw("comm", results_dir):
        c = res["config"]
        variant = "dense" if c["compressor"] == "none" else "gcm_two_way" if c.get("downlink_rho") else "gcm"
        out.setdefault(c["model"], {}).setdefault(variant, []).append(res)
    for variants in out.values():
        for runs in variants.values():
            runs.sort(key=lambda r: r["config"]["seed"])
    return out


def link_seconds(point: dict, link: dict, n_rounds: int, per_round: dict) -> float:
    """Modelled link seconds of ``n_rounds`` rounds at the config's link, from the per-round means."""
    t = per_round_seconds(0.0, per_round["up_max"], per_round["down"], link["uplink_mbps"],
                          link["downlink_mbps"] / link["uplink_mbps"], link["latency_ms"])
    return float(t) * n_rounds


def time_to_target(run: dict, target: float) -> dict | None:
    """The first evaluation with validation loss ≤ target: rounds, epochs, bytes, compute and modelled
    total seconds there (None when the run never reached it)."""
    link = run["config"]["federated"]["link"]
    per_round = run["metrics"]["per_round"]
    for point in run.get("curve", []):
        if point["val_loss"] is not None and point["val_loss"] <= target:
            link_s = link_seconds(point, link, point["round"], per_round)
            return {**point, "link_s_model": link_s, "total_s": point["compute_s"] + link_s}
    return None


def targets(model_runs: dict) -> dict[int, float]:
    """Per seed: the dense run's best validation loss × (1 + ε)."""
    out = {}
    for run in model_runs.get("dense", []):
        eps = run["config"]["epsilon"]
        out[run["config"]["seed"]] = run["metrics"]["best_val_loss"] * (1 + eps)
    return out


def sweep_settings(results_dir: Path | None, profile: str) -> dict:
    """The bandwidth sweep (``sweep:`` of the comm config) the profile's runs were made with: ``fedad run comm``
    saves its config beside the results, ``results/comm/_config_<profile>.json``."""
    path = Path(results_dir or RESULTS_DIR) / "comm" / f"_config_{profile}.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} missing: `fedad run comm --profile {profile}` (make fig7) writes it")
    return json.loads(path.read_text(encoding="utf-8"))["sweep"]


def sweep(model_runs: dict, settings: dict, variant: str = "gcm") -> tuple[np.ndarray, np.ndarray]:
    """Uplink bandwidths and the GCM ÷ dense seconds-per-round ratio there (means over seeds)."""
    grid = bandwidth_grid(settings["low_mbps"], settings["high_mbps"], settings["points"])

    def seconds(runs):
        return np.mean([per_round_seconds(r["metrics"]["per_round"]["compute_s"], r["metrics"]["per_round"]["up_max"],
                                          r["metrics"]["per_round"]["down"], grid, settings["downlink_factor"],
                                          settings["latency_ms"]) for r in runs], axis=0)

    return grid, seconds(model_runs[variant]) / seconds(model_runs["dense"])


def crossover_text(grid: np.ndarray, ratio: np.ndarray, level: float = PAPER_RATIO) -> str:
    spans = ranges_at_or_below(grid, ratio, level)
    if not spans:
        return f"never ≤ {level} in {grid[0]:g}–{grid[-1]:g} Mbit/s (lowest {ratio.min():.2f})"
    return "; ".join(f"{a:.3g}–{b:.3g} Mbit/s" for a, b in spans)


def measured_points(results_dir: Path | None = None) -> dict | None:
    path = Path(results_dir or RESULTS_DIR) / "comm_measured" / "measured.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


DEPLOYMENT_MODES = MODES


def row_mode(row: dict) -> str:
    """A measured row's app mode (rows measured before the long-lived mode existed ran in subprocess mode)."""
    return row.get("mode", "subprocess")


def is_control(row: dict) -> bool:
    """Whether a measured row is the SuperNode polling control (Flower's waits capped), not a deployment
    as Flower ships it."""
    return bool(row.get("node_poll_s"))


def deployment_ratio(measured: dict, mode: str, grid: np.ndarray, control: bool = False) -> np.ndarray | None:
    """GCM ÷ dense seconds per round of the deployment in ``mode`` over uplink bandwidths ``grid``: each
    compressor's unshaped round plus its measured wire bytes over the link (None when a run is missing).
    ``control``: the polling control's rows instead (their own unshaped rounds, the same wire bytes)."""
    by = {(r["compressor"], r["rate_mbit"]): r for r in measured["rows"]
          if row_mode(r) == mode and is_control(r) == control}
    if ("none", None) not in by or ("topk", None) not in by:
        return None
    factor = measured["settings"]["downlink_factor"]

    def seconds(r: dict) -> np.ndarray:
        return (r["median_round_s"] + 8 * r["wire_up_per_round"] / (grid * 1e6)
                + 8 * r["wire_down_per_round"] / (grid * factor * 1e6))

    return seconds(by[("topk", None)]) / seconds(by[("none", None)])
