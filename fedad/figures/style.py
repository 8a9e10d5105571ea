"""Shared look of every figure: style, the quick-profile stamp, saving to PNG and PDF."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import seaborn as sns

from fedad import settings

OUT_DIR = settings.figures_dir()  # relative to where fedad runs, as results/
PAPER_COLOUR = "#d62728"


def setup_style() -> None:
    sns.set_theme(context="paper", style="whitegrid", font_scale=1.25)
    plt.rcParams.update({"figure.dpi": 110, "savefig.dpi": 160, "savefig.bbox": "tight"})


def stamp(fig, profiles: set[str], full_text: str = "trained to convergence by validation loss, 3 seeds") -> None:
    """Mark a figure made from quick-profile runs, so nobody mistakes it for the paper profile; ``full_text``
    says what the full profile of the figure's experiment does."""
    if "quick" in profiles:
        fig.text(0.005, 0.995, "QUICK PROFILE — capped epochs, few seeds, not the paper's settings",
                 ha="left", va="top", fontsize=9, color="#b22222", style="italic", weight="bold")
    elif "full" in profiles:
        fig.text(0.005, 0.995, f"FULL PROFILE — {full_text}",
                 ha="left", va="top", fontsize=9, color="#1f4e79", style="italic", weight="bold")


def save(fig, name: str, out_dir: Path | None = None) -> list[Path]:
    """Save ``name``.png and ``name``.pdf; return their paths."""
    out = Path(out_dir or OUT_DIR)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.png", out / f"{name}.pdf"]
    for p in paths:
        tmp = p.with_name(f".{p.stem}.tmp{p.suffix}")
        fig.savefig(tmp)
        tmp.replace(p)
    plt.close(fig)
    return paths
