"""REPORT.md's detection protocol section: per data set, how its series was cut into fit, V1, V2 and test
parts, the window, the headline threshold rule, and the events and unscored points of each part."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fedad.report.frames import datasets_of, markdown_table
from fedad.results.tables import headline_rule, without_test_events

PART_NAMES = {"train": "fit", "stopping": "V1", "validation": "V2", "test": "test"}


def _v1_v2_text(blocks) -> str:
    """How many validation blocks were cut into V1 and V2, and how many do both jobs (the fallback)."""
    if not isinstance(blocks, list) or not blocks:
        return "—"
    cut = sum("stopping" in b for b in blocks)
    if cut == len(blocks):
        return "cut in two" if cut == 1 else f"all {cut} blocks cut in two"
    return f"{cut} of {len(blocks)} blocks cut; the others do both jobs (fallback)"


def _headline_words(frame: pd.DataFrame) -> str:
    """The headline ς rule of the runs in ``frame``, in words for the protocol section."""
    rule = headline_rule(frame)
    if rule == "false_alarm":
        return ("headline: the quantile of V2's normal scores that flags 1 % of them; the paper's max F_θ, "
                "θ = 0.05, precision ≥ 50 % or flag nothing, beside it")
    if rule == "max_f":
        return "max F_θ, θ = 0.05, precision ≥ 50 % or flag nothing"
    return "the headline rule differs between runs: see each run's threshold rule"


def protocol_section(frame: pd.DataFrame) -> list[str]:
    """The protocol every detection run followed, and one row per data set of its parts and events."""
    lines = ["## Detection protocol", "",
             ("Every data set: a validation block held out of model fitting, its edges moved out to event "
              "boundaries, and cut in two in time: V1 (its first part) for early stopping and the learning rate, "
              "V2 (the rest, holding the block's last event) for μ, Σ (Eq. 10) and ς (" + _headline_words(frame)
              + "), so no model has trained towards the points its threshold is set on; where "
              "V1 would be too short the whole block does both jobs (stated below). References use V2 the same "
              "way. The test part is read once. Window rule: at least the dominant period, by autocorrelation on "
              "the fitting segments; seasonal-naive looks back each record's own period. The last T − 1 points of each "
              "test segment are not scored, since Eq. 10's error vector needs all T horizons' forecasts of a point; "
              "the table counts them (for the engine they are the 3 cycles nearest each failure)."), ""]
    rows = []
    for d in datasets_of(frame):
        r = frame[frame.dataset == d].iloc[0]
        ev = {p: (r.get(f"events.{p}.events"), r.get(f"events.{p}.points"))
              for p in ("train", "stopping", "validation", "test")}
        step = r.get("protocol.resample", 1)
        blocks = r.get("validation_blocks") or []
        rules = sorted({b["rule"].split(" [")[0] for b in blocks}) if isinstance(blocks, list) else []
        rows.append({"data set": d, "step": f"mean of {step} points" if step and step > 1 else "raw",
                     "window (steps)": r.get("window"), "window rule": r.get("window_rule"),
                     "validation block": "; ".join(rules),
                     "V1 / V2": _v1_v2_text(blocks),
                     **{f"events {PART_NAMES[p]} (points)": f"{int(e)} ({int(n)})"
                        if e is not None and not pd.isna(e) else "—" for p, (e, n) in ev.items()},
                     "unscored test points (anomalous)": (
                         f"{int(r['unscored_test_points.points'])} ({int(r['unscored_test_points.anomalous'])})"
                         if not pd.isna(r.get("unscored_test_points.points", np.nan)) else "—"),
                     "test verdicts": "none: no test anomaly" if d in without_test_events(frame) else "yes"})
    return [*lines, markdown_table(pd.DataFrame(rows)), ""]
