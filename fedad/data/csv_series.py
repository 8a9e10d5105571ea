"""Your own series from a CSV file: a time column, value columns, and labelled fault intervals (a JSON
list of ``[start, end]`` in the time column's units, or a 0/1 label column).

Every check names what is wrong and where, in one line: a missing file or column, a time column that
steps back or repeats, gaps in the sampling, missing (NaN) values, non-numeric values, intervals that do
not fit the series. Nothing is changed unless asked, and every change is counted (``CsvSeries.changes``):

* ``sort``: rows sorted by time (a logger restart writes them out of order);
* ``duplicates``: rows with the same time stamp merged (``first``, ``last`` or ``mean`` of their values;
  a merged row is anomalous when any of its rows is);
* ``every`` (date/time columns): the rows averaged into fixed time steps first;
* ``gaps``: ``split`` cuts the series at each gap (a step longer than 1.5 × the usual one) into separate
  sequences; ``interpolate[:MAX]`` fills a gap of at most MAX missing steps (default 3) with points on the
  usual step, by pandas' time interpolation, and splits only at longer gaps. Existing rows stay as they
  are; the filled points are marked (``CsvSeries.interpolated``) so that they are never scored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from fedad.data.datadir import DataMissingError, MalformedDataError
from fedad.data.series import SeriesDataset

GAP_FACTOR = 1.5  # a step longer than 1.5 × the usual one is a gap
DUPLICATES = ("error", "first", "last", "mean")
DEFAULT_FILL = 3  # interpolate: the longest gap filled, in missing steps, when no MAX is given


@dataclass(frozen=True)
class GapPolicy:
    """What a gap in the sampling does: ``error``, ``split`` or ``interpolate`` (gaps of at most ``max_fill``
    missing steps filled, longer ones split)."""

    mode: str
    max_fill: int = 0

    @classmethod
    def parse(cls, text: str) -> GapPolicy:
        """``error``, ``split``, ``interpolate`` or ``interpolate:MAX``."""
        mode, _, limit = str(text).partition(":")
        if mode in ("error", "split") and not limit:
            return cls(mode)
        if mode == "interpolate":
            if not limit:
                return cls(mode, DEFAULT_FILL)
            if limit.isdigit() and int(limit) >= 1:
                return cls(mode, int(limit))
        raise ValueError(f"gaps must be error, split, interpolate or interpolate:MAX (MAX a whole number of steps "
                         f">= 1), got {text!r}")


@dataclass
class CsvSeries:
    """A user's CSV as a :class:`SeriesDataset`, with each sequence's time stamps, which of its points were
    interpolated, and what was changed to read it (rows sorted, duplicates merged, points interpolated,
    gaps filled and split)."""

    dataset: SeriesDataset
    stamps: list[np.ndarray]
    interpolated: list[np.ndarray]
    changes: dict = field(default_factory=dict)


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


def _ordered(frame: pd.DataFrame, times: pd.Series, time_column: str, name: str, sort: bool, duplicates: str,
             changes: dict) -> tuple[pd.DataFrame, pd.Series]:
    """Rows in time order with one row per time stamp, as ``sort`` and ``duplicates`` allow; else the one-line
    error that names the first row out of order or repeated, and the option that would read it."""
    frame = frame.assign(_row=np.arange(len(frame)) + 2)  # the file's line number, for messages
    if sort:
        order = np.argsort(_seconds(times), kind="stable")
        changes["rows_sorted"] = int((order != np.arange(len(order))).sum())
        frame, times = frame.iloc[order].reset_index(drop=True), times.iloc[order].reset_index(drop=True)
    step = np.diff(_seconds(times))
    raw = frame[time_column]
    back = np.flatnonzero(step < 0)
    if len(back):
        i = int(back[0]) + 1
        raise MalformedDataError(f"{name}: time column {time_column!r} steps back at row {frame['_row'].iloc[i]} "
                                 f"({raw.iloc[i - 1]!r} then {raw.iloc[i]!r}); pass --sort to sort the rows by time")
    same = np.flatnonzero(step == 0)
    if len(same) and duplicates == "error":
        i = int(same[0]) + 1
        raise MalformedDataError(f"{name}: row {frame['_row'].iloc[i]} repeats the time stamp {raw.iloc[i]!r} of the "
                                 "row before; pass --duplicates first, last or mean to merge rows with one time stamp")
    if len(same):
        key = pd.Series(_seconds(times))
        agg = "mean" if duplicates == "mean" else duplicates
        merged = frame.groupby(key.to_numpy(), sort=False).agg(
            {c: ("max" if c == "_label" else agg) for c in frame.columns if c != time_column} | {time_column: "first"})
        changes["duplicates_merged"] = len(frame) - len(merged)
        keep = ~key.duplicated(keep="first").to_numpy()
        frame, times = merged.reset_index(drop=True), times[keep].reset_index(drop=True)
    return frame.drop(columns="_row"), times


def _regular(values: pd.DataFrame, times: pd.Series, every: str | None, policy: GapPolicy, name: str,
             changes: dict) -> tuple[list[pd.DataFrame], list[np.ndarray]]:
    """The series cut into pieces on a regular step: averaged into ``every`` steps first when given; each
    gap filled (``interpolate``, at most ``policy.max_fill`` missing steps), cut (``split``, and longer gaps
    under ``interpolate``) or refused (``error``). Returns the pieces (indexed by time) and each piece's mask
    of interpolated points."""
    dated = pd.api.types.is_datetime64_any_dtype(times)
    frame = values.set_index(pd.DatetimeIndex(times) if dated else pd.Index(times.to_numpy(dtype=float)))
    data = [c for c in frame.columns if c != "_label"]
    if every:
        if not dated:
            raise ValueError(f"{name}: --every needs a date/time column; the time column holds numbers")
        frame = frame.resample(every).agg({c: ("max" if c == "_label" else "mean") for c in frame.columns})
        gaps = _runs(frame[data].isna().any(axis=1).to_numpy())  # empty steps: (first row, missing steps)

        def where(i: int) -> str:
            return f"no rows in the {every} step at {frame.index[i]}"
    else:
        step = np.diff(_seconds(pd.Series(frame.index)))
        usual = float(np.median(step)) if len(step) else 0.0
        at = (np.flatnonzero(step > usual * GAP_FACTOR) + 1).tolist() if len(step) else []
        gaps = [(i, round(step[i - 1] / usual) - 1) for i in at]

        def where(i: int) -> str:
            return (f"a gap in the time column at row {i + 2} ({frame.index[i - 1]} then {frame.index[i]}; the usual "
                    f"step is {usual:g}{' s' if dated else ''})")
    if gaps and policy.mode == "error":
        raise MalformedDataError(f"{name}: {where(gaps[0][0])}; pass --gaps interpolate[:MAX] to fill short gaps or "
                                 "--gaps split to cut the series there")
    fill = [(i, n) for i, n in gaps if policy.mode == "interpolate" and 1 <= n <= policy.max_fill]
    cut = [(i, n) for i, n in gaps if (i, n) not in fill]
    if every:  # the empty steps are rows already: fill the short ones, drop the others where the series is cut
        interp = np.zeros(len(frame), dtype=bool)
        for i, n in fill:
            interp[i:i + n] = True
        frame = _interpolate(frame, interp, dated)
        bounds = [(i, i + n) for i, n in cut]
    else:  # a gap is a missing stretch: insert the missing steps of a short one, cut at a long one
        inserted = []
        for i, n in fill:
            gap = (frame.index[i] - frame.index[i - 1]) / (n + 1)
            inserted += [frame.index[i - 1] + gap * (k + 1) for k in range(n)]
        cut_times = [frame.index[i] for i, _ in cut]
        interp = np.zeros(len(frame), dtype=bool)
        if inserted:
            added = pd.DatetimeIndex(inserted) if dated else pd.Index(inserted, dtype=float)
            frame = frame.reindex(frame.index.append(added).sort_values())
            interp = np.asarray(frame.index.isin(added))
            frame = _interpolate(frame, interp, dated)
        bounds = [(k, k) for k in (frame.index.get_loc(t) for t in cut_times)]
    pieces, masks, a = [], [], 0
    for lo, hi in [*bounds, (len(frame), len(frame))]:
        if lo > a:
            pieces.append(frame.iloc[a:lo])
            masks.append(interp[a:lo].copy())
        a = hi
    changes.update(gaps_filled=len(fill), gaps_split=len(cut), points_interpolated=int(interp.sum()))
    return pieces, masks


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, length) of every run of True."""
    edges = np.diff(np.concatenate([[0], flags.astype(int), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [(int(a), int(b - a)) for a, b in zip(starts, ends, strict=True)]


def _interpolate(frame: pd.DataFrame, rows: np.ndarray, dated: bool) -> pd.DataFrame:
    """The values of ``rows`` by linear interpolation in time between their neighbours (pandas' ``time``
    method, or ``index`` for numeric times); an interpolated point is anomalous when a neighbour is."""
    out = frame.copy()
    data = [c for c in out.columns if c != "_label"]
    filled = out[data].interpolate(method="time" if dated else "index", limit_area="inside")
    out.loc[rows, data] = filled.loc[rows, data]
    if "_label" in out:
        lab = out["_label"].astype(float).where(~rows)
        out["_label"] = ((lab.ffill().fillna(0) + lab.bfill().fillna(0)) > 0).to_numpy()
    return out


def load_csv_series(path: str | Path, time_column: str, columns: list[str] | None = None,
                    labels: str | Path | list | None = None, label_column: str | None = None,
                    every: str | None = None, gaps: str = "error", name: str | None = None,
                    sort: bool = False, duplicates: str = "error") -> CsvSeries:
    """A user's CSV as a :class:`CsvSeries`: one sequence, or one per stretch between long gaps. See the
    module docstring for the checks and the changes that options allow."""
    path = Path(path)
    name = name or path.stem
    policy = GapPolicy.parse(gaps)
    if duplicates not in DUPLICATES:
        raise ValueError(f"duplicates must be one of {DUPLICATES}, got {duplicates!r}")
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
    values = pd.DataFrame(_numeric(frame, columns, name), columns=columns)
    values[time_column] = frame[time_column]
    if label_column:
        lab = pd.to_numeric(frame[label_column], errors="coerce")
        if lab.isna().any() or not lab.isin([0, 1]).all():
            raise MalformedDataError(f"{name}: label column {label_column!r} must hold only 0 and 1")
        values["_label"] = lab.to_numpy().astype(bool)
    changes = {"rows_read": len(frame), "rows_sorted": 0, "duplicates_merged": 0, "points_interpolated": 0,
               "gaps_filled": 0, "gaps_split": 0}
    values, times = _ordered(values, times, time_column, name, sort, duplicates, changes)
    pieces, masks = _regular(values.drop(columns=time_column), times, every, policy, name, changes)
    intervals = None
    if labels is not None:
        intervals = load_intervals(labels) if isinstance(labels, (str, Path)) else labels
        everything = pd.concat([pd.Series(p.index) for p in pieces], ignore_index=True)
        all_labels = _interval_labels(everything, intervals, name, str(labels if not isinstance(labels, list) else "labels"))
    sequences, seq_labels, stamps, names, offset = [], [], [], [], 0
    for piece in pieces:
        n = len(piece)
        sequences.append(piece[columns].to_numpy(dtype=np.float32))
        if intervals is not None:
            seq_labels.append(all_labels[offset:offset + n])
        elif "_label" in piece:
            seq_labels.append(piece["_label"].to_numpy(dtype=bool))
        else:
            seq_labels.append(np.zeros(n, dtype=bool))
        stamps.append(piece.index.to_numpy())
        names.append(f"{path.name}[{offset}:{offset + n}]")
        offset += n
    notes = {"time_column": time_column, "every": every, "gaps": gaps,
             "labelled_points": int(sum(lab.sum() for lab in seq_labels)), **changes}
    ds = SeriesDataset(name, sequences, seq_labels, names, columns, str(path), notes)
    return CsvSeries(ds, stamps, masks, changes)


def drop_short(series: CsvSeries, min_points: int) -> CsvSeries:
    """The pieces of at least ``min_points`` points; what was dropped is counted in ``changes``."""
    keep = [i for i, s in enumerate(series.dataset.sequences) if len(s) >= min_points]
    dropped = [len(s) for i, s in enumerate(series.dataset.sequences) if i not in keep]
    changes = {**series.changes, "pieces_dropped": len(dropped) + series.changes.get("pieces_dropped", 0),
               "points_dropped": sum(dropped) + series.changes.get("points_dropped", 0)}
    if not keep:
        return CsvSeries(series.dataset, [], [], changes)
    ds = series.dataset
    dataset = SeriesDataset(ds.name, _pick(ds.sequences, keep), _pick(ds.labels, keep), _pick(ds.names, keep), ds.channels, ds.source,
                            {**ds.notes, **changes, "labelled_points": int(sum(lab.sum() for lab in _pick(ds.labels, keep)))})
    return CsvSeries(dataset, _pick(series.stamps, keep), _pick(series.interpolated, keep), changes)


def _pick(items: list, keep: list[int]) -> list:
    return [items[i] for i in keep]
