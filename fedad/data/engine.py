"""NASA C-MAPSS FD001 as the stand-in for the paper's (non-public) 12-D industrial engine data.

Each training engine runs to failure, one row per cycle: ``unit cycle setting1..3 s1..s21``.

Sensor choice (12 of 21), made by :func:`select_sensors` and frozen in :data:`DEFAULT_SENSORS`:
1. drop sensors with at most two distinct values in FD001 (s1, s5, s6, s10, s16, s18, s19: constant
   or a two-level quantisation artefact, carrying no degradation signal) — 14 remain;
2. of those, keep the 12 with the strongest monotonic relation (|Spearman ρ|) to the cycles left
   before failure — this drops s9 and s14 (core speeds, |ρ| 0.30 and 0.19 against ≥ 0.57 for the rest).
The rule uses only the training file, never test labels.

Anomaly rule (configurable): the last ``anomaly_last_k`` cycles before failure are anomalous
(default 30, i.e. roughly the last 15 % of an average 200-cycle life).

Note on the copy in the data directory: its ``train_FD001.txt`` holds 90 engines (NASA's original has
100) and ``test_FD001.txt`` 110 engines against 100 lines of ``RUL_FD001.txt``, so the test/RUL pair
is inconsistent and is not used; only the run-to-failure training engines are.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from fedad.data.datadir import MalformedDataError, verified_path
from fedad.data.manifest import CMAPSS_SOURCE
from fedad.data.series import SeriesDataset, read_numeric_table

SENSOR_NAMES = [f"s{i}" for i in range(1, 22)]
DEFAULT_SENSORS = ("s2", "s3", "s4", "s7", "s8", "s11", "s12", "s13", "s15", "s17", "s20", "s21")
N_COLUMNS = 26  # unit, cycle, 3 operating settings, 21 sensors


def cycles_to_failure(units: np.ndarray, cycles: np.ndarray) -> np.ndarray:
    """For each row, how many cycles remain until its engine's last (failure) cycle."""
    last = {u: cycles[units == u].max() for u in np.unique(units)}
    return np.array([last[u] for u in units]) - cycles


def select_sensors(table: np.ndarray, n: int = 12, max_levels: int = 2) -> tuple[str, ...]:
    """Apply the documented sensor rule (module docstring) to a raw FD001 table."""
    sensors = table[:, 5:]
    remaining = cycles_to_failure(table[:, 0], table[:, 1])
    kept = [i for i in range(sensors.shape[1]) if len(np.unique(sensors[:, i])) > max_levels]
    strength = {i: abs(spearmanr(sensors[:, i], remaining).correlation) for i in kept}
    best = sorted(kept, key=lambda i: -strength[i])[:n]
    return tuple(SENSOR_NAMES[i] for i in sorted(best))


def load_engine(
    sensors: tuple[str, ...] = DEFAULT_SENSORS,
    anomaly_last_k: int = 30,
    max_engines: int | None = None,
    root: Path | None = None,
) -> SeriesDataset:
    """C-MAPSS FD001 training engines as 12-D sequences with "last k cycles" anomaly labels."""
    unknown = sorted(set(sensors) - set(SENSOR_NAMES))
    if unknown:
        raise ValueError(f"unknown C-MAPSS sensors {unknown}; known: s1..s21")
    if anomaly_last_k < 1:
        raise ValueError(f"anomaly_last_k must be >= 1, got {anomaly_last_k}")
    rel = "engine_cmapss/train_FD001.txt"
    table = read_numeric_table(verified_path(rel, root), N_COLUMNS, "engine")
    columns = [5 + SENSOR_NAMES.index(s) for s in sensors]
    sequences, labels, names = [], [], []
    for unit in np.unique(table[:, 0]).astype(int):
        rows = table[table[:, 0] == unit]
        if not np.array_equal(rows[:, 1], np.arange(1, len(rows) + 1)):
            raise MalformedDataError(f"engine: unit {unit} in {rel} has cycles that are not 1..n in order")
        sequences.append(rows[:, columns].astype(np.float32))
        lab = np.zeros(len(rows), dtype=bool)
        lab[-anomaly_last_k:] = True
        labels.append(lab)
        names.append(f"unit{unit}")
        if max_engines is not None and len(sequences) == max_engines:
            break
    notes = {"sensors": list(sensors), "anomaly_rule": f"last {anomaly_last_k} cycles before failure",
             "engines": len(sequences), "file": rel}
    return SeriesDataset("engine", sequences, labels, names, list(sensors), CMAPSS_SOURCE, notes)
