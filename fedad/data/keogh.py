"""Loaders for the Keogh discord series the paper uses: power demand, space shuttle, ECG.

Each file holds one sample per line (ECG: ``time lead1 lead2``); anomalies are the intervals of
fedad's own ``labels.json`` (Malhotra et al. 2015, shipped in the package), an index i being anomalous when a < i < b.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fedad.data.datadir import MalformedDataError, verified_path
from fedad.data.manifest import KEOGH_SOURCE
from fedad.data.power_labels import LABEL_SETS, audit_labels
from fedad.data.series import SeriesDataset, interval_labels, load_interval_labels, read_numeric_table

SHUTTLE_FILES = ("TEK14.txt", "TEK16.txt", "TEK17.txt")
ECG_FILES = (
    "qtdbsel102.txt",
    "chfdb_chf01_275.txt",
    "chfdb_chf13_45590.txt",
    "chfdbchf15.txt",
    "ltstdb_20221_43.txt",
    "ltstdb_20321_240.txt",
    "mitdb__100_180.txt",
    "stdb_308_0.txt",
    "xmitdb_x108_0.txt",
)


def _labelled(relpaths: list[str], column: int, n_columns: int, dataset: str, root: Path | None):
    intervals = load_interval_labels()
    sequences, labels = [], []
    for rel in relpaths:
        table = read_numeric_table(verified_path(rel, root), n_columns, dataset)
        values = table[:, column : column + 1].astype(np.float32)
        if rel not in intervals:
            raise MalformedDataError(f"{dataset}: labels.json has no intervals for {rel}")
        sequences.append(values)
        labels.append(interval_labels(len(values), intervals[rel]))
    return sequences, labels


def load_power_demand(labels: str = "original", root: Path | None = None) -> SeriesDataset:
    """Dutch research facility electricity demand, 1997, 15-minute steps: one 1-D sequence.

    ``labels="original"`` reads ``labels.json``; ``"audited"`` labels whole abnormal days by the stated
    rules of :mod:`fedad.data.power_labels`.
    """
    if labels not in LABEL_SETS:
        raise ValueError(f"power demand labels must be one of {LABEL_SETS}, got {labels!r}")
    rel = "power_demand/power_data.txt"
    seqs, labs = _labelled([rel], 0, 1, "power_demand", root)
    notes = {"sampling": "15 min", "period_points": 672, "labels": labels}
    if labels == "audited":
        audit = audit_labels(seqs[0][:, 0])
        labs, notes["label_audit"] = [audit.labels], audit.to_dict()
    return SeriesDataset("power_demand", seqs, labs, [rel], ["demand"], KEOGH_SOURCE, notes)


def load_space_shuttle(files: tuple[str, ...] = SHUTTLE_FILES, root: Path | None = None) -> SeriesDataset:
    """Marotta valve solenoid current (TEK14/16/17): three 1-D sequences."""
    rels = [f"space_shuttle/{f}" for f in files]
    seqs, labs = _labelled(rels, 0, 1, "space_shuttle", root)
    return SeriesDataset("space_shuttle", seqs, labs, rels, ["current"], KEOGH_SOURCE)


def load_ecg(files: tuple[str, ...] = ("qtdbsel102.txt",), lead: int = 1, root: Path | None = None) -> SeriesDataset:
    """ECG excerpts from PhysioNet; by default the usual single series ``qtdbsel102``, lead 1.

    ``lead`` is 1 or 2 (column 0 of each file is time). ``files`` may name any of :data:`ECG_FILES`.
    """
    if lead not in (1, 2):
        raise ValueError(f"ECG lead must be 1 or 2, got {lead}")
    unknown = sorted(set(files) - set(ECG_FILES))
    if unknown:
        raise ValueError(f"unknown ECG files {unknown}; known: {list(ECG_FILES)}")
    rels = [f"ecg/{f}" for f in files]
    seqs, labs = _labelled(rels, lead, 3, "ecg", root)
    return SeriesDataset("ecg", seqs, labs, rels, [f"lead{lead}"], KEOGH_SOURCE, {"lead": lead})
