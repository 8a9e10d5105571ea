"""Your own series from a CSV file: a time column, value columns, and labelled fault intervals (a JSON
list of ``[start, end]`` in the time column's units, or a 0/1 label column).

Every check names what is wrong and where, in one line: a missing file or column, a time column that
is not increasing, gaps in the sampling, missing (NaN) values, non-numeric values, intervals that do
not fit the series. Nothing is filled in silently. ``every`` (datetime time columns) averages the rows
into fixed time steps first; ``gaps="split"`` cuts the series at each gap into separate sequences
instead of rejecting it.
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd

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
    bad = np.flatnonzero(np.diff(_seconds(times)) <= 0)
    if len(bad):
        i = int(bad[0]) + 1
        raise MalformedDataError(f"{name}: time column {column!r} is not increasing at row {i + 2} "
                                 f"({raw.iloc[i - 1]!r} then {raw.iloc[i]!r}); sort the file or remove duplicates")
    return times


def _seconds(times: pd.Series) -> np.ndarray:
    """Times as float seconds (dates) or as they are (numbers), for steps and gaps."""
    if pd.api.types.is_datetime64_any_dtype(times):
        return times.to_numpy().astype("datetime64[ns]").astype(np.int64) / 1e9
    return times.to_numpy(dtype=float)


def _numeric(frame: pd.DataFrame, columns: list[str], name: str) -> np.ndarray:
    for c in columns:
        values = pd.to_numeric(frame[c], errors="coerce")
        not_number = values.isna() & frame[c].notna()
        if not_number.any():
            row = int(np.flatnonzero(not_number.to_numpy())[0])
            raise MalformedDataError(f"{name}: column {c!r} is not numeric (value {frame[c].iloc[row]!r} at row "
                                     f"{row + 2})")
        if values.isna().any():
            rows = np.flatnonzero(values.isna().to_numpy())
            raise MalformedDataError(f"{name}: column {c!r} has {len(rows)} missing values (first at row {rows[0] + 2}); "
                                     "fedad never fills them silently")
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


def load_csv_series(path: str | Path, time_column: str, columns: list[str] | None = None,
                    labels: str | Path | list | None = None, label_column: str | None = None,
                    every: str | None = None, gaps: str = "error", name: str | None = None
                    ) -> tuple[SeriesDataset, list[np.ndarray]]:
    """A user's CSV as a :class:`SeriesDataset` (one sequence, or one per gap-free stretch with
    ``gaps="split"``) and the time stamps of each sequence. See the module docstring for the checks."""
    path = Path(path)
    name = name or path.stem
    if gaps not in ("error", "split"):
        raise ValueError(f"gaps must be 'error' or 'split', got {gaps!r}")
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
    values = _numeric(frame, columns, name)
    if label_column:
        lab = pd.to_numeric(frame[label_column], errors="coerce")
        if lab.isna().any() or not lab.isin([0, 1]).all():
            raise MalformedDataError(f"{name}: label column {label_column!r} must hold only 0 and 1")
        point_labels = lab.to_numpy().astype(bool)
    elif labels is not None:
        intervals = load_intervals(labels) if isinstance(labels, (str, Path)) else labels
        point_labels = _interval_labels(times, intervals, name, str(labels if not isinstance(labels, list) else "labels"))
    else:
        point_labels = np.zeros(len(values), dtype=bool)
    if every:
        if not pd.api.types.is_datetime64_any_dtype(times):
            raise ValueError(f"{name}: --every needs a date/time column; {time_column!r} holds numbers")
        grouped = pd.DataFrame(values, index=pd.DatetimeIndex(times), columns=columns)
        grouped["_label"] = point_labels
        grouped = grouped.resample(every).agg({**dict.fromkeys(columns, "mean"), "_label": "max"})
        empty = grouped[columns].isna().any(axis=1)
        grouped["_label"] = grouped["_label"].fillna(0).astype(bool)
        if gaps == "split":
            grouped = grouped[~empty]
        elif empty.any():
            first = grouped.index[empty.to_numpy()][0]
            raise MalformedDataError(f"{name}: no rows in the {every} step at {first}: a gap; pass --gaps split to cut "
                                     "the series there")
        times = pd.Series(grouped.index)
        values = grouped[columns].to_numpy(dtype=np.float32)
        point_labels = grouped["_label"].to_numpy(dtype=bool)
    t = times.to_numpy()
    step = np.diff(_seconds(times))
    usual = float(np.median(step)) if len(step) else 0.0
    cuts = np.flatnonzero(step > usual * GAP_FACTOR) + 1 if len(step) else np.array([], dtype=int)
    if len(cuts) and gaps == "error":
        i = int(cuts[0])
        raise MalformedDataError(f"{name}: a gap in the time column at row {i + 2} ({t[i - 1]} then {t[i]}; the usual "
                                 f"step is {usual:g} {'s' if pd.api.types.is_datetime64_any_dtype(times) else ''}"
                                 "); pass --gaps split to cut the series there")
    spans = list(pairwise([0, *cuts.tolist(), len(values)]))
    sequences = [values[a:b] for a, b in spans]
    seq_labels = [point_labels[a:b] for a, b in spans]
    stamps = [t[a:b] for a, b in spans]
    names = [f"{path.name}[{a}:{b}]" for a, b in spans]
    notes = {"time_column": time_column, "usual_step": str(usual), "every": every, "gaps": gaps,
             "labelled_points": int(point_labels.sum())}
    return SeriesDataset(name, sequences, seq_labels, names, columns, str(path), notes), stamps
