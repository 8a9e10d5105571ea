"""MetroPT-3 (UCI 791), the data set of the later re-implementation (PAPER.md §7), when a user has it.

It cannot be downloaded here; a user passes the CSV (``MetroPT3(AirCompressor).csv``) explicitly or puts
it in the data directory as ``metropt3/MetroPT3(AirCompressor).csv``. Its sha256 is not pinned (UCI
re-exports it); the loader checks the columns instead. Anomalies are the four failure intervals
documented by the data set's authors (Veloso et al., 2022, Table 4), shipped with fedad as
``fedad/data/metropt3_failures.json`` — the same file ``fedad own-series --labels metropt3`` uses, so that
MetroPT-3 is one use of the own-series path (:mod:`fedad.data.csv_series`).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from fedad.data import own_files
from fedad.data.datadir import DataMissingError, MalformedDataError, data_dir
from fedad.data.series import SeriesDataset

SOURCE = "https://archive.ics.uci.edu/dataset/791/metropt+3+dataset"
DEFAULT_RELPATH = "metropt3/MetroPT3(AirCompressor).csv"
ANALOG = ["TP2", "TP3", "H1", "DV_pressure", "Reservoirs", "Oil_temperature", "Motor_current"]
DIGITAL = ["COMP", "DV_eletric", "Towers", "MPG", "LPS", "Pressure_switch", "Oil_level", "Caudal_impulses"]
FAILURES = [tuple(iv) for iv in json.loads(own_files.METROPT3_FAILURES.read_text(encoding="utf-8"))["intervals"]]


def load_metropt(
    csv_path: str | Path | None = None, channels: list[str] | None = None, resample: str = "1min"
) -> SeriesDataset:
    """MetroPT-3 as one multivariate sequence, resampled (mean) to ``resample`` steps."""
    path = Path(csv_path) if csv_path else data_dir() / DEFAULT_RELPATH
    if not path.is_file():
        raise DataMissingError(
            f"data set 'metropt3': file '{path.name}' not found at {path}. Download the CSV from {SOURCE} "
            f"and pass its path, or place it at <data dir>/{DEFAULT_RELPATH}"
        )
    channels = channels or ANALOG + DIGITAL
    frame = pd.read_csv(path)
    missing = sorted({*channels, "timestamp"} - set(frame.columns))
    if missing:
        raise MalformedDataError(f"metropt3: {path} lacks columns {missing}")
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    frame = frame.set_index("timestamp")[channels].resample(resample).mean().dropna(how="all")
    if frame.isna().any().any():
        raise MalformedDataError(f"metropt3: {path} has gaps inside resampled steps; fedad does not fill them")
    labels = np.zeros(len(frame), dtype=bool)
    for start, end in FAILURES:
        labels |= (frame.index >= pd.Timestamp(start)) & (frame.index <= pd.Timestamp(end))
    values = frame.to_numpy(dtype=np.float32)
    return SeriesDataset("metropt3", [values], [labels], [path.name], channels, SOURCE, {"resample": resample})
