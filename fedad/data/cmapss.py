"""NASA C-MAPSS FD001 as the stand-in for the paper's (non-public) 12-D industrial engine data.

Each training engine runs to failure, one row per cycle: ``unit cycle setting1..3 s1..s21``.

Sensor choice (12 of 21), made by :func:`select_sensors` and frozen in :data:`DEFAULT_SENSORS`:
1. drop sensors with at most two distinct values in FD001 (s1, s5, s6, s10, s16, s18, s19: constant
   or a two-level quantisation artefact, carrying no degradation signal) — 14 remain;
2. of those, keep the 12 with the strongest monotonic relation (|Spearman ρ|) to the cycles left
   before failure — this drops s9 and s14 (core speeds, |ρ| 0.32 and 0.20 against ≥ 0.57 for the rest).
The rule reads only the detection protocol's training engines (the first 70 of the 7:3 split by engine),
never the test engines or any test label; on all 100 engines it picks the same 12, as on the earlier
90-engine copy.

Anomaly rule (configurable): the last ``anomaly_last_k`` cycles before failure are anomalous
(default 30, i.e. roughly the last 15 % of an average 200-cycle life). In remaining-useful-life terms a
cycle is anomalous when its RUL is below k (the failure cycle has RUL 0).

NASA's test pair (:func:`load_engine_test`): ``test_FD001.txt`` holds 100 engines cut off before failure
and ``RUL_FD001.txt`` the true RUL r_u at each one's last cycle, so cycle c of an engine with n_u cycles
has RUL r_u + n_u − c and is labelled by the same rule (RUL < k). With k = 30, 25 of the 100 test engines
end inside their anomalous stretch. The detection protocol splits the 100 run-to-failure engines 7:3 by
engine (the paper's split); the NASA test engines are an alternative test part (``test_source: nasa``).
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


def select_sensors(table: np.ndarray, n: int = 12, max_levels: int = 2,
                   train_fraction: float = 0.7) -> tuple[str, ...]:
    """Apply the documented sensor rule (module docstring) to a raw FD001 table's training engines: the
    first ``round(train_fraction · engines)`` units, as the detection protocol's split by engine (1.0: all)."""
    units = np.unique(table[:, 0])
    table = table[np.isin(table[:, 0], units[: round(train_fraction * len(units))])]
    sensors = table[:, 5:]
    remaining = cycles_to_failure(table[:, 0], table[:, 1])
    kept = [i for i in range(sensors.shape[1]) if len(np.unique(sensors[:, i])) > max_levels]
    strength = {i: abs(spearmanr(sensors[:, i], remaining).correlation) for i in kept}
    best = sorted(kept, key=lambda i: -strength[i])[:n]
    return tuple(SENSOR_NAMES[i] for i in sorted(best))


def _check_args(sensors: tuple[str, ...], anomaly_last_k: int) -> None:
    unknown = sorted(set(sensors) - set(SENSOR_NAMES))
    if unknown:
        raise ValueError(f"unknown C-MAPSS sensors {unknown}; known: s1..s21")
    if anomaly_last_k < 1:
        raise ValueError(f"anomaly_last_k must be >= 1, got {anomaly_last_k}")


def _engines(table: np.ndarray, rel: str, max_engines: int | None) -> list[tuple[int, np.ndarray]]:
    """(unit, rows) per engine in file order, checking that each engine's cycles run 1..n."""
    out = []
    for unit in np.unique(table[:, 0]).astype(int):
        rows = table[table[:, 0] == unit]
        if not np.array_equal(rows[:, 1], np.arange(1, len(rows) + 1)):
            raise MalformedDataError(f"engine: unit {unit} in {rel} has cycles that are not 1..n in order")
        out.append((unit, rows))
        if max_engines is not None and len(out) == max_engines:
            break
    return out


def load_engine(
    sensors: tuple[str, ...] = DEFAULT_SENSORS,
    anomaly_last_k: int = 30,
    max_engines: int | None = None,
    root: Path | None = None,
) -> SeriesDataset:
    """C-MAPSS FD001's 100 run-to-failure training engines as 12-D sequences, "last k cycles" labels."""
    _check_args(sensors, anomaly_last_k)
    rel = "engine_cmapss/train_FD001.txt"
    table = read_numeric_table(verified_path(rel, root), N_COLUMNS, "engine")
    columns = [5 + SENSOR_NAMES.index(s) for s in sensors]
    sequences, labels, names = [], [], []
    for unit, rows in _engines(table, rel, max_engines):
        sequences.append(rows[:, columns].astype(np.float32))
        lab = np.zeros(len(rows), dtype=bool)
        lab[-anomaly_last_k:] = True
        labels.append(lab)
        names.append(f"unit{unit}")
    notes = {"sensors": list(sensors), "anomaly_rule": f"last {anomaly_last_k} cycles before failure (RUL < k)",
             "engines": len(sequences), "file": rel}
    return SeriesDataset("engine", sequences, labels, names, list(sensors), CMAPSS_SOURCE, notes)


def load_engine_test(
    sensors: tuple[str, ...] = DEFAULT_SENSORS,
    anomaly_last_k: int = 30,
    root: Path | None = None,
) -> SeriesDataset:
    """NASA's 100 FD001 test engines, labelled from ``RUL_FD001.txt``: cycle c is anomalous when RUL < k."""
    _check_args(sensors, anomaly_last_k)
    rel, rul_rel = "engine_cmapss/test_FD001.txt", "engine_cmapss/RUL_FD001.txt"
    table = read_numeric_table(verified_path(rel, root), N_COLUMNS, "engine")
    rul = read_numeric_table(verified_path(rul_rel, root), 1, "engine")[:, 0]
    engines = _engines(table, rel, None)
    if len(engines) != len(rul):
        raise MalformedDataError(f"engine: {rel} holds {len(engines)} engines but {rul_rel} {len(rul)} RUL lines")
    columns = [5 + SENSOR_NAMES.index(s) for s in sensors]
    sequences, labels, names = [], [], []
    for (unit, rows), last_rul in zip(engines, rul, strict=True):
        sequences.append(rows[:, columns].astype(np.float32))
        remaining = last_rul + len(rows) - rows[:, 1]
        labels.append(remaining < anomaly_last_k)
        names.append(f"test_unit{unit}")
    notes = {"sensors": list(sensors), "anomaly_rule": f"RUL < {anomaly_last_k} (RUL from {rul_rel})",
             "engines": len(sequences), "file": rel}
    return SeriesDataset("engine", sequences, labels, names, list(sensors), CMAPSS_SOURCE, notes)
