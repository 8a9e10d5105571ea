"""Table I from ``results/table1.csv``: Markdown and a rendered PNG/PDF, ours beside the paper's."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from fedad.figures.style import OUT_DIR, save, setup_style
from fedad.results import RESULTS_DIR, atomic_write_text

LABELS = {"power_demand": "Power demand", "space_shuttle": "Space shuttle", "ecg": "ECG",
          "engine": "Engine (C-MAPSS FD001)"}


def _cell(ours, theirs) -> str:
    return f"{ours}" if ours == theirs else f"{ours} (paper {theirs})"


def table_frame(csv: Path) -> pd.DataFrame:
    raw = pd.read_csv(csv)
    return pd.DataFrame({
        "Dataset": [LABELS.get(d, d) for d in raw.dataset],
        "Dimensions": [_cell(a, b) for a, b in zip(raw.dims, raw.paper_dims, strict=True)],
        "X": [_cell(a, b) for a, b in zip(raw.X, raw.paper_X, strict=True)],
        "X_n": [_cell(a, b) for a, b in zip(raw.X_n, raw.paper_X_n, strict=True)],
        "X_a": [_cell(a, b) for a, b in zip(raw.X_a, raw.paper_X_a, strict=True)],
        "chunk length": raw.chunk_length,
    })


def draw(results_dir: Path | None = None, out_dir: Path | None = None) -> list[Path]:
    csv = Path(results_dir or RESULTS_DIR) / "table1.csv"
    if not csv.is_file():
        raise FileNotFoundError(f"{csv} not found: run `make table1` (python -m reproduce.table1) first")
    frame = table_frame(csv)
    out = Path(out_dir or OUT_DIR)
    note = ("\n\nX: sequences; X_n / X_a: normal / anomalous subsequences, counted on the real data by the rule "
            "in fedad/data/subsequences.py (chunks of one natural period; a chunk is anomalous when any point is "
            "labelled). Where ours differ, the paper's value is in brackets.\n")
    md = "# Table I — data sets\n\n" + frame.to_markdown(index=False) + note
    events_csv = csv.with_name("events.csv")
    written = [out / "table1.md"]
    if events_csv.is_file():
        events = pd.read_csv(events_csv)
        md += ("\n# Labelled anomaly events per split\n\n" + events.to_markdown(index=False) +
               "\n\nAn event is a contiguous run of labelled points. train = the points the models are fitted on; "
               "validation = the block held out of fitting (it sets μ, Σ and ς); test = read once, at the end. "
               "Counts are at each data set's detection time step (`step`). A data set marked 'no' cannot "
               "test a detector: its accuracy only measures how rarely a model flags anything.\n")
        atomic_write_text(out / "events.md", "# Labelled anomaly events per split\n\n" + events.to_markdown(index=False)
                          + "\n")
        written.append(out / "events.md")
    atomic_write_text(out / "table1.md", md)
    setup_style()
    fig, ax = plt.subplots(figsize=(11, 0.55 * (len(frame) + 2)))
    ax.axis("off")
    tbl = ax.table(cellText=frame.values, colLabels=frame.columns, loc="center", cellLoc="center")
    tbl.auto_set_font_size(False)
    tbl.set_fontsize(10)
    tbl.scale(1, 1.5)
    ax.set_title("Table I — data sets (ours; paper's value in brackets where different)")
    return [*written, *save(fig, "table1", out)]
