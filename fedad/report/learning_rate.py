"""REPORT.md's learning-rate section: the sweep on the validation part, per model family.

The detect experiment's ``lr_sweep`` (full profile) trains every family a few epochs per η and keeps the η
with the lowest best validation loss (``results/lr_sweep/_choice_<profile>.json``). A choice at the edge
of the grid means the best value may lie outside it, so the section flags it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from fedad.models import LABELS
from fedad.results import finite_or_none


def sweep_table(results: Path, profile: str) -> tuple[dict, pd.DataFrame] | None:
    """(the sweep's settings, one row per family with its best validation loss at each η), or None when
    the profile ran no sweep."""
    choice_file = Path(results) / "lr_sweep" / f"_choice_{profile}.json"
    if not choice_file.is_file():
        return None
    choice = json.loads(choice_file.read_text(encoding="utf-8"))
    grid = [float(v) for v in choice["sweep"]["values"]]
    losses: dict[str, dict[float, float | None]] = {}
    for path in sorted(choice_file.parent.glob("*.json")):
        if path.name.startswith("_"):
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        cfg = data["config"]
        if cfg.get("profile") != profile:
            continue
        lr = float(cfg["federated" if cfg["training"] == "federated" else "train"]["lr"])
        if lr in grid:
            losses.setdefault(f"{cfg['model']}/{cfg['training']}", {})[lr] = data["metrics"].get("best_val_loss")
    rows = []
    for family, picked in choice["choice"].items():
        model, training = family.split("/")
        row = {"model": LABELS.get(model, model), "training": training}
        for lr in grid:
            ran = lr in losses.get(family, {})
            loss = finite_or_none(losses.get(family, {}).get(lr))
            row[f"η = {lr:g}"] = "—" if not ran else ("diverged" if loss is None else f"{loss:.5f}")
        lr = float(picked["lr"])
        row["chosen η"] = f"{lr:g}" + (" (grid edge)" if lr in (min(grid), max(grid)) else "")
        rows.append(row)
    return choice["sweep"], pd.DataFrame(rows)


def learning_rate_section(results: Path, profile: str) -> list[str]:
    """Markdown lines: the sweep's table, or one line saying the rates come from the config."""
    table = sweep_table(results, profile)
    if table is None:
        return ["## Learning rates", "",
                f"Profile {profile}: no sweep; each family's η is set in its config (`lr:`).", ""]
    sweep, frame = table
    at_edge = frame[frame["chosen η"].str.contains("grid edge")]
    edge = [f"{m} ({t})" for m, t in zip(at_edge["model"], at_edge["training"], strict=True)]
    lines = ["## Learning rates", "",
             (f"Chosen per model family by the lowest best validation loss after {sweep['max_epochs']} epochs on "
              f"{sweep['dataset']} (seed {sweep['seed']}); the other data sets and seeds use the same η. The "
              "federated runs of a model take its federated choice, else its centralised one. Cells: best "
              "validation loss."), "",
             frame.to_markdown(index=False), ""]
    if edge:
        lines += [("At the grid's edge, so the best η may lie outside the grid: " + ", ".join(edge) + "."), ""]
    return lines
