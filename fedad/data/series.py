"""The container every time-series loader returns, with the checks that reject malformed data."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fedad.data import own_files
from fedad.data.datadir import MalformedDataError


@dataclass
class SeriesDataset:
    """One or more labelled multivariate sequences of one data set.

    ``sequences[i]`` is a float32 array [L_i, D]; ``labels[i]`` a bool array [L_i], True where the
    point is anomalous. ``names`` identifies each sequence (file, engine unit...). ``notes`` records
    every choice a loader made (lead, channels, anomaly rule) so results can say what was used.
    """

    name: str
    sequences: list[np.ndarray]
    labels: list[np.ndarray]
    names: list[str]
    channels: list[str]
    source: str
    notes: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.sequences:
            raise MalformedDataError(f"{self.name}: no sequences")
        if not (len(self.sequences) == len(self.labels) == len(self.names)):
            raise MalformedDataError(f"{self.name}: sequences, labels and names differ in number")
        for seq, lab, nm in zip(self.sequences, self.labels, self.names, strict=True):
            if seq.ndim != 2 or seq.shape[1] != len(self.channels):
                raise MalformedDataError(
                    f"{self.name}/{nm}: expected shape [L, {len(self.channels)}], got {seq.shape}"
                )
            if lab.shape != (seq.shape[0],):
                raise MalformedDataError(f"{self.name}/{nm}: labels shape {lab.shape} != ({seq.shape[0]},)")
            if not np.isfinite(seq).all():
                bad = int((~np.isfinite(seq)).sum())
                raise MalformedDataError(f"{self.name}/{nm}: {bad} NaN/inf values; fedad never fills them silently")

    @property
    def dims(self) -> int:
        """Number of channels D."""
        return len(self.channels)

    @property
    def n_points(self) -> int:
        return int(sum(len(s) for s in self.sequences))


def read_numeric_table(path: Path, n_columns: int | None, dataset: str) -> np.ndarray:
    """Read a whitespace-separated numeric text file into a float64 array [rows, cols].

    Rejects ragged rows, non-numeric tokens, NaNs and a wrong column count with a
    :class:`MalformedDataError` that names the file and the first bad line.
    """
    rows: list[list[float]] = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            tokens = line.split()
            if not tokens:
                continue
            try:
                values = [float(t) for t in tokens]
            except ValueError as exc:
                raise MalformedDataError(f"{dataset}: {path} line {lineno}: not a number ({exc})") from None
            if n_columns is not None and len(values) != n_columns:
                raise MalformedDataError(
                    f"{dataset}: {path} line {lineno}: {len(values)} columns, expected {n_columns}"
                )
            if rows and len(values) != len(rows[0]):
                raise MalformedDataError(f"{dataset}: {path} line {lineno}: ragged row ({len(values)} columns)")
            rows.append(values)
    if not rows:
        raise MalformedDataError(f"{dataset}: {path} is empty")
    array = np.asarray(rows, dtype=np.float64)
    if not np.isfinite(array).all():
        line = int(np.argwhere(~np.isfinite(array))[0, 0]) + 1
        raise MalformedDataError(f"{dataset}: {path} holds NaN/inf (first at data row {line})")
    return array


def interval_labels(length: int, intervals: list[list[int]]) -> np.ndarray:
    """Point labels from ``labels.json`` intervals: index i is anomalous when a < i < b."""
    idx = np.arange(length)
    out = np.zeros(length, dtype=bool)
    for a, b in intervals:
        if not (0 <= a < b <= length + 1):
            raise MalformedDataError(f"interval [{a}, {b}] outside a series of length {length}")
        out |= (idx > a) & (idx < b)
    return out


def load_interval_labels() -> dict[str, list[list[int]]]:
    """The anomaly intervals of fedad's own ``labels.json`` (shipped in the package), keyed by data file path."""
    source = own_files.LABELS
    try:
        raw = json.loads(source.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise MalformedDataError(f"labels.json at {source} is not valid JSON: {exc}") from None
    return {k: v for k, v in raw.items() if not k.startswith("_")}
