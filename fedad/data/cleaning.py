"""Plant data as it comes from a logger, made into one regular series on request: rows out of time order
(``sort``), repeated time stamps after a restart (``duplicates``) and short dropouts (``interpolate``).

Every step is off unless asked for; without it the first problem is one line naming the row and the
option that handles it. Each step counts what it changed, for the run's report. The frames here are
indexed by time (dates or numbers) and carry the value columns, ``_label`` (0/1, the label column's or
zeros) and ``_row`` (the row's line in the file, for messages).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fedad.data.datadir import MalformedDataError
from fedad.data.events import event_runs

DUPLICATE_RULES = ("error", "first", "last", "mean")
GAP_MODES = ("error", "split", "interpolate")
DEFAULT_MAX_FILL = 3  # steps: a few missed readings, not an outage


def parse_gaps(value: str) -> tuple[str, int]:
    """``error``, ``split``, ``interpolate`` or ``interpolate:MAX`` → (mode, MAX steps filled at most)."""
    mode, _, limit = value.partition(":")
    if mode not in GAP_MODES or (limit and mode != "interpolate"):
        raise ValueError(f"--gaps must be one of error, split, interpolate or interpolate:MAX, got {value!r}")
    if not limit:
        return mode, DEFAULT_MAX_FILL if mode == "interpolate" else 0
    if not limit.isdigit() or int(limit) < 1:
        raise ValueError(f"--gaps interpolate:MAX needs MAX, a whole number of steps >= 1, got {limit!r}")
    return mode, int(limit)


def order_rows(frame: pd.DataFrame, sort: bool, duplicates: str, name: str, column: str) -> tuple[pd.DataFrame, dict]:
    """Rows in increasing time order with one row per time stamp, and what was changed to get there.

    Without ``sort`` a step back in time is an error naming the row; without a ``duplicates`` rule a
    repeated time stamp is. ``first``/``last`` keep one of the repeated rows, ``mean`` averages their
    values; a merged row is anomalous when any of its rows is.
    """
    if duplicates not in DUPLICATE_RULES:
        raise ValueError(f"duplicates must be one of {DUPLICATE_RULES}, got {duplicates!r}")
    seconds = as_seconds(frame.index)
    back = np.flatnonzero(np.diff(seconds) < 0)
    changes = {"rows_sorted": 0, "duplicate_rows_merged": 0}
    if len(back) and not sort:
        i = int(back[0]) + 1
        raise MalformedDataError(f"{name}: time column {column!r} is not increasing at row {frame['_row'].iloc[i]} "
                                 f"({frame.index[i - 1]} then {frame.index[i]}); pass --sort to sort the rows by time")
    if len(back):
        # a row is out of order when an earlier row is later in time; counting moved positions instead would
        # count every row after one late row
        changes["rows_sorted"] = int((seconds < np.maximum.accumulate(seconds)).sum())
        frame = frame.iloc[np.argsort(seconds, kind="stable")]
    repeated = frame.index.duplicated(keep="first")
    if repeated.any() and duplicates == "error":
        i = int(np.flatnonzero(repeated)[0])
        first = int(frame["_row"].iloc[int(np.flatnonzero(frame.index == frame.index[i])[0])])
        raise MalformedDataError(f"{name}: time column {column!r} repeats {frame.index[i]} at rows {first} and "
                                 f"{frame['_row'].iloc[i]}; pass --duplicates first, last or mean to keep one row per "
                                 "time")
    if repeated.any():
        values = [c for c in frame.columns if c not in ("_label", "_row")]
        grouped = frame.groupby(level=0, sort=False)
        merged = grouped[values].agg(duplicates)
        merged["_label"] = grouped["_label"].max()
        merged["_row"] = grouped["_row"].first()
        changes["duplicate_rows_merged"] = len(frame) - len(merged)
        frame = merged
    return frame, changes


def as_seconds(index: pd.Index) -> np.ndarray:
    """Times as float seconds (dates) or as they are (numbers), for steps and gaps."""
    if isinstance(index, pd.DatetimeIndex):
        return index.to_numpy().astype("datetime64[ns]").astype(np.int64) / 1e9
    return np.asarray(index, dtype=float)


def onto_grid(frame: pd.DataFrame, step: float) -> tuple[pd.DataFrame, np.ndarray]:
    """The frame on a regular grid of ``step`` (seconds for dates) from its first time to its last, each
    value by time interpolation between the readings around it (pandas), and which grid points had no
    reading within half a step (missing: the gap fillers). A regular file comes back unchanged."""
    dated = isinstance(frame.index, pd.DatetimeIndex)
    seconds = as_seconds(frame.index)
    n = int(np.floor((seconds[-1] - seconds[0]) / step + 1e-9)) + 1
    if dated:
        grid = pd.date_range(frame.index[0], periods=n, freq=pd.Timedelta(seconds=step))
    else:
        grid = pd.Index(seconds[0] + np.arange(n) * step)
    values = [c for c in frame.columns if c not in ("_label", "_row")]
    both = frame[values].reindex(frame.index.union(grid)).interpolate(method="time" if dated else "index")
    out = both.reindex(grid)
    nearest = frame.index.get_indexer(grid, method="nearest")
    distance = np.abs(as_seconds(grid) - seconds[nearest])
    out["_label"] = frame["_label"].to_numpy()[nearest]
    out["_row"] = frame["_row"].to_numpy()[nearest]
    return out, distance > step / 2 + 1e-9 * step


def fill_short_runs(frame: pd.DataFrame, missing: np.ndarray, max_fill: int) -> tuple[pd.DataFrame, np.ndarray,
                                                                                          np.ndarray, dict]:
    """Fill runs of at most ``max_fill`` missing grid points by time interpolation and drop longer runs.

    Returns the kept frame, which of its points were filled, where a dropped run cut it (indices into the
    kept frame where a new piece starts) and the counts for the report.
    """
    values = [c for c in frame.columns if c not in ("_label", "_row")]
    dated = isinstance(frame.index, pd.DatetimeIndex)
    filled = frame.copy()  # grid points of empty --every steps are still NaN; onto_grid has filled the others
    filled[values] = filled[values].interpolate(method="time" if dated else "index", limit_area="inside")
    runs = event_runs(missing)
    long = np.zeros(len(frame), dtype=bool)
    short = 0
    for a, b in runs:
        if b - a > max_fill:
            long[a:b] = True
        else:
            short += 1
    keep = ~long
    starts_after_cut = np.flatnonzero(long[:-1] & keep[1:]) + 1  # first kept point after a dropped run
    cuts = np.searchsorted(np.flatnonzero(keep), starts_after_cut)
    interpolated = (missing & keep)[keep]
    changes = {"points_interpolated": int(interpolated.sum()), "gaps_filled": short, "gaps_cut": len(runs) - short,
               "missing_steps_dropped": int(long.sum())}
    return filled[keep], interpolated, cuts, changes

