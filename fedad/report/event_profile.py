"""REPORT.md's event error profile (Fig. 10): through each labelled test event, does a model err at the
edges only (it adapts inside the event) or through the whole event?"""

from __future__ import annotations

import pandas as pd

from fedad.models import LABELS
from fedad.report.frames import datasets_of, first_value, markdown_table, model_label, models_of
from fedad.results.tables import paper_setting, protocol_runs
from fedad.statistics import finite, mean_sd

EDGE_ONLY = 1.5  # an interior ratio below this, with a larger edge ratio, is "errs at the edges only"


def _profile_rows(main: pd.DataFrame, d: str) -> list[dict]:
    """One row per model of the paper's setting (``main``) with an event profile on a data set: its error and
    score-percentile ratios, edge and interior, over normal stretches."""
    rows = []
    sub = main[main.dataset == d]
    for m in models_of(sub):
        r = sub[sub.model == m]
        if "event_profile.summary.error.edge_ratio" not in r or r["event_profile.summary.error.edge_ratio"].isna().all():
            continue
        row = {"model": model_label(m), "seeds": len(r), "events": first_value(r, "event_profile.events"),
               "normal stretches": first_value(r, "event_profile.normal_stretches")}
        for key, name in (("error", "error"), ("score_percentile", "score percentile")):
            for part in ("edge", "interior"):
                row[f"{name}: {part} ÷ normal"] = mean_sd(r[f"event_profile.summary.{key}.{part}_ratio"], 2)
        rows.append(row)
    return rows


def event_profile_section(frame: pd.DataFrame) -> list[str]:
    """Edge and interior ratios of every model's error and score through the test events (Fig. 10)."""
    main = paper_setting(protocol_runs(frame))
    if "event_profile.summary.error.edge_ratio" not in main:
        return []
    lines = ["## Through each event: edges or the whole event? (Fig. 10)", "",
             ("Every scored test point near a labelled event is placed by its position relative to the event (0 at "
              "its start, 1 at its end, a quarter of its length shown on each side) and binned; the same bins are "
              "filled from normal stretches at the same positions (the event's stretch moved by whole periods, "
              "kept where none of its points is labelled; without a period, by the event's length). *Edge* is the "
              "event's first and last eighth, *interior* the rest; each is the model's mean over the normal "
              "stretches' mean in the same bins (error: RMS of β_t over leads; score percentile: among V2's "
              "normal scores). A forecaster that adapts to the event errs at its edges only: interior ratio near "
              f"1 (below {EDGE_ONLY}) and an edge ratio of at least {EDGE_ONLY}; *no rise*: neither reaches it, so "
              "the event does not show in the model's errors at all. On power demand's published labels the event "
              "is a week-long window around Christmas whose abnormal days (the holidays) are its last third; "
              "`power_demand_audited`'s events are the holidays themselves, day by day."), ""]
    unprofiled = []
    for d in datasets_of(main):
        rows = _profile_rows(main, d)
        if rows:
            lines += [f"### {d}", "", markdown_table(pd.DataFrame(rows)), "", _adaptation_sentence(main, d), ""]
        elif (main[main.dataset == d].get("event_profile.normal_stretches", pd.Series(dtype=float)) == 0).any():
            unprofiled.append(d)
    if unprofiled:
        lines += [(f"No profile on {', '.join(unprofiled)}: its test part holds no normal stretch at the events' "
                   "positions to compare with (Fig. 10 draws its event curves alone)."), ""]
    return lines


def adaptation(main: pd.DataFrame, d: str, model: str) -> str | None:
    """"edges only", "whole event" or "no rise" (neither edge nor interior errs ``EDGE_ONLY`` × more than
    normal stretches) for a model's mean error ratios on a data set; None when it has no profile."""
    r = main[(main.dataset == d) & (main.model == model)]
    key = "event_profile.summary.error."
    if r.empty or f"{key}interior_ratio" not in r:
        return None
    edge, inside = finite(r[f"{key}edge_ratio"]), finite(r[f"{key}interior_ratio"])
    if not (edge.size and inside.size):
        return None
    if inside.mean() >= EDGE_ONLY:
        return "whole event"
    return "edges only" if edge.mean() >= EDGE_ONLY else "no rise"


def _adaptation_sentence(main: pd.DataFrame, d: str) -> str:
    """The sentence under a data set's event-profile table: each model's reading (edges only, whole event,
    no rise)."""
    parts = [f"{LABELS.get(m, m)}: {a}" for m in models_of(main[main.dataset == d])
             if (a := adaptation(main, d, m)) is not None]
    return "Error profile — " + "; ".join(parts) + "." if parts else ""
