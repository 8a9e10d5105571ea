"""Fig. 5b — metrics that discriminate: PR-AUC of the raw scores (threshold-free; the anomalous share is
what a detector that knows nothing scores) and event recall at ς, per model and data set."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from fedad.figures.bars import draw_bars, legend_below, note_not_drawn, order, seeds_text
from fedad.figures.style import save, setup_style, stamp
from fedad.results.tables import headline_text, load, paper_setting


def draw(results_dir: Path | None = None, out_dir: Path | None = None) -> list[Path]:
    frame = paper_setting(load("detect", results_dir))
    profile = frame["profile"].iloc[0]
    datasets, models = order(frame)
    setup_style()
    fig, (ax_pr, ax_ev) = plt.subplots(2, 1, figsize=(14, 9.5), sharex=True)
    seeds = draw_bars(ax_pr, frame, "threshold_free.pr_auc", datasets, models)
    base = frame.groupby("dataset")["threshold_free.base_rate"].mean().reindex(datasets)
    for i, v in enumerate(base):
        ax_pr.hlines(v, i - 0.45, i + 0.45, colors="black", linestyles="dotted", lw=2,
                     label="anomalous share (PR-AUC of a detector that knows nothing)" if i == 0 else None)
    ax_pr.set_ylabel("PR-AUC (%) of the scores, test part")
    ax_pr.set_ylim(0, max(100, ax_pr.get_ylim()[1]))  # room for a seed spread above 100, never clipped
    draw_bars(ax_ev, frame, "event.recall", datasets, models)
    ax_ev.set_ylabel("event recall (%) at ς, test part")
    ax_ev.set_ylim(0, max(105, ax_ev.get_ylim()[1]))
    ax_pr.set_title("Fig. 5b — do the detectors beat the references? Threshold-free PR-AUC (top) and events "
                    f"found at ς (bottom; {headline_text(frame)})\n{seeds_text(seeds)}", fontsize=11)
    note_not_drawn(fig, frame)
    legend_below(fig, ax_pr)
    fig.subplots_adjust(bottom=0.15, hspace=0.12)
    stamp(fig, {profile})
    return save(fig, "fig5b", out_dir)
