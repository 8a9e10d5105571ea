"""Your own series from a CSV file: a time column, value columns, and labelled fault intervals (a JSON
list of ``[start, end]`` in the time column's units, or a 0/1 label column).

Every check names what is wrong and where, in one line, and the option that handles it: a missing file
or column, a time column that steps back (``sort``) or repeats a time (``duplicates``), gaps in the
sampling (``gaps``), missing (NaN) values, non-numeric values, intervals that do not fit the series.
Nothing is filled in silently. ``every`` (datetime time columns) averages the rows into fixed time steps
first; ``gaps="split"`` cuts the series at each gap into separate sequences; ``gaps="interpolate:MAX"``
puts the series on its usual step, fills gaps of at most MAX steps by time interpolation (a row with a
missing value counts as a gap there) and cuts at longer ones. What was changed is counted in the data
set's notes, and the filled points are returned so that they are never scored.
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from fedad.data.cleaning import as_seconds, fill_short_runs, onto_grid, order_rows, parse_gaps
from fedad.data.datadir import DataMissingError, MalformedDataError
from fedad.data.series import SeriesDataset

GAP_FACTOR = 1.5  # a step longer than 1.5 × the usual one is a gap


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataMissingError(f"CSV file {path} not found")
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise MalformedDataError(f"{path.name}: not a readable CSV file ({str(exc).splitlines()[0]})") from None


def _times(frame: pd.DataFrame, column: str, name: str) -> pd.Series:
    raw = frame[column]
    if pd.api.types.is_numeric_dtype(raw):
        times = raw.astype(float)
    else:
        times = pd.to_datetime(raw, errors="coerce")
        if times.isna().any():
            row = int(np.flatnonzero(times.isna().to_numpy())[0])
            raise MalformedDataError(f"{name}: time column {column!r} has a value that is neither a number nor a "
                                     f"date at row {row + 2} ({raw.iloc[row]!r})")
    if times.isna().any():
        row = int(np.flatnonzero(times.isna().to_numpy())[0])
        raise MalformedDataError(f"{name}: time column {column!r} is empty at row {row + 2}")
    return times


def _numeric(frame: pd.DataFrame, columns: list[str], name: str, allow_missing: bool = False) -> np.ndarray:
    for c in columns:
        values = pd.to_numeric(frame[c], errors="coerce")
        not_number = values.isna() & frame[c].notna()
        if not_number.any():
            row = int(np.flatnonzero(not_number.to_numpy())[0])
            raise MalformedDataError(f"{name}: column {c!r} is not numeric (value {frame[c].iloc[row]!r} at row "
                                     f"{row + 2})")
        if values.isna().any() and not allow_missing:
            rows = np.flatnonzero(values.isna().to_numpy())
            raise MalformedDataError(f"{name}: column {c!r} has {len(rows)} missing values (first at row {rows[0] + 2}); "
                                     "fedad never fills them silently (--gaps interpolate treats them as gaps)")
        frame[c] = values
    return frame[columns].to_numpy(dtype=np.float32)


def _interval_labels(times: pd.Series, intervals: list, name: str, source: str) -> np.ndarray:
    """Points whose time lies in any [start, end] (inclusive)."""
    if not isinstance(intervals, list) or not all(isinstance(iv, (list, tuple)) and len(iv) == 2 for iv in intervals):
        raise MalformedDataError(f"{name}: {source} must hold a list of [start, end] pairs")
    dated = pd.api.types.is_datetime64_any_dtype(times)
    t = times.to_numpy()
    labels = np.zeros(len(t), dtype=bool)
    for a, b in intervals:
        try:
            start, end = (pd.Timestamp(a), pd.Timestamp(b)) if dated else (float(a), float(b))
        except (ValueError, TypeError):
            raise MalformedDataError(f"{name}: interval [{a}, {b}] in {source} is not in the time column's units "
                                     f"({'dates' if dated else 'numbers'})") from None
        if end < start:
            raise MalformedDataError(f"{name}: interval [{a}, {b}] in {source} ends before it starts")
        if end < t[0] or start > t[-1]:
            raise MalformedDataError(f"{name}: interval [{a}, {b}] in {source} lies outside the series "
                                     f"({t[0]} .. {t[-1]})")
        labels |= (t >= np.asarray(start, dtype=t.dtype)) & (t <= np.asarray(end, dtype=t.dtype))
    return labels


def load_intervals(path: str | Path) -> list:
    """A JSON list of [start, end] pairs (or ``{"intervals": [...]}``)."""
    path = Path(path)
    if not path.is_file():
        raise DataMissingError(f"label file {path} not found")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise MalformedDataError(f"label file {path.name} is not valid JSON: {exc}") from None
    return data["intervals"] if isinstance(data, dict) and "intervals" in data else data


class CsvSeries(NamedTuple):
    """A user's series as read: the data set, each sequence's time stamps and which of its points were
    filled by interpolation (never to be scored)."""

    dataset: SeriesDataset
    stamps: list[np.ndarray]
    interpolated: list[np.ndarray]


def load_csv_series(path: str | Path, time_column: str, columns: list[str] | None = None,
                    labels: str | Path | list | None = None, label_column: str | None = None,
                    every: str | None = None, gaps: str = "error", name: str | None = None, sort: bool = False,
                    duplicates: str = "error") -> CsvSeries:
    """A user's CSV as a :class:`SeriesDataset` (one sequence, or one per piece between gaps with
    ``gaps="split"`` or ``"interpolate:MAX"``). See the module docstring for the checks and options."""
    path = Path(path)
    name = name or path.stem
    mode, max_fill = parse_gaps(gaps)
    if labels is not None and label_column is not None:
        raise ValueError("give either labels (a JSON file of intervals) or a label column, not both")
    frame = _read(path)
    if frame.empty:
        raise MalformedDataError(f"{name}: {path.name} has a header but no rows")
    columns = list(columns) if columns else [c for c in frame.columns if c not in (time_column, label_column)]
    missing = [c for c in [time_column, *columns, *([label_column] if label_column else [])] if c not in frame]
    if missing:
        raise MalformedDataError(f"{name}: column(s) {missing} not in {path.name}; it has {list(frame.columns)}")
    times = _times(frame, time_column, name)
    values = _numeric(frame, columns, name, allow_missing=mode == "interpolate")
    if label_column:
        lab = pd.to_numeric(frame[label_column], errors="coerce")
        if lab.isna().any() or not lab.isin([0, 1]).all():
            raise MalformedDataError(f"{name}: label column {label_column!r} must hold only 0 and 1")
        row_labels = lab.to_numpy().astype(np.int8)
    else:
        row_labels = np.zeros(len(values), dtype=np.int8)
    dated = pd.api.types.is_datetime64_any_dtype(times)
    index = pd.DatetimeIndex(times) if dated else pd.Index(times.to_numpy(dtype=float))
    table = pd.DataFrame(values, index=index, columns=columns)
    table["_label"], table["_row"] = row_labels, np.arange(len(table)) + 2
    changes = {}
    if mode == "interpolate":
        empty_rows = table[columns].isna().any(axis=1)
        changes["rows_with_missing_values_dropped"] = int(empty_rows.sum())
        table = table[~empty_rows.to_numpy()]
    table, ordered = order_rows(table, sort, duplicates, name, time_column)
    changes.update(ordered)
    step = np.diff(as_seconds(table.index))
    usual = float(np.median(step)) if len(step) else 0.0
    gap_options = "pass --gaps interpolate:MAX to fill gaps of up to MAX steps, or --gaps split to cut the series there"
    empty = np.zeros(len(table), dtype=bool)
    if every:
        if not dated:
            raise ValueError(f"{name}: --every needs a date/time column; {time_column!r} holds numbers")
        table = table.resample(every).agg({**dict.fromkeys(columns, "mean"), "_label": "max", "_row": "first"})
        empty = table[columns].isna().any(axis=1).to_numpy()
        table["_label"] = table["_label"].fillna(0)
        if mode == "error" and empty.any():
            first = table.index[empty][0]
            raise MalformedDataError(f"{name}: no rows in the {every} step at {first}: a gap; {gap_options}")
        if mode == "split":
            table, empty = table[~empty], empty[~empty]
        usual = float(np.median(np.diff(as_seconds(table.index)))) if len(table) > 1 else 0.0
    elif mode == "interpolate" and len(table) > 1:
        table, empty = onto_grid(table, usual)
    if mode == "interpolate":
        table, filled, cuts, fills = fill_short_runs(table, empty, max_fill)
        changes.update(fills)
    else:
        step = np.diff(as_seconds(table.index))
        cuts = np.flatnonzero(step > usual * GAP_FACTOR) + 1 if len(step) else np.array([], dtype=int)
        filled = np.zeros(len(table), dtype=bool)
        if len(cuts) and mode == "error":
            i = int(cuts[0])
            raise MalformedDataError(f"{name}: a gap in the time column at row {table['_row'].iloc[i]} "
                                     f"({table.index[i - 1]} then {table.index[i]}; the usual step is {usual:g}"
                                     f"{' s' if dated else ''}); {gap_options}")
        changes["gaps_cut"] = len(cuts)
    times = pd.Series(table.index)
    values = table[columns].to_numpy(dtype=np.float32)
    if labels is not None:
        intervals = load_intervals(labels) if isinstance(labels, (str, Path)) else labels
        point_labels = _interval_labels(times, intervals, name, str(labels if not isinstance(labels, list) else "labels"))
    else:
        point_labels = table["_label"].to_numpy() > 0
    t = times.to_numpy()
    spans = list(pairwise([0, *np.asarray(cuts).tolist(), len(values)]))
    notes = {"time_column": time_column, "usual_step": str(usual), "every": every, "gaps": gaps,
             "labelled_points": int(point_labels.sum()), "changes": changes}
    ds = SeriesDataset(name, [values[a:b] for a, b in spans], [point_labels[a:b] for a, b in spans],
                       [f"{path.name}[{a}:{b}]" for a, b in spans], columns, str(path), notes)
    return CsvSeries(ds, [t[a:b] for a, b in spans], [filled[a:b] for a, b in spans])
