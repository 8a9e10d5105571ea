"""Coarser time steps: non-overlapping means of ``factor`` points, so that a window of one period fits
a recurrent model's budget (power demand: 15-minute steps → hourly means, one week = 168 steps)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from fedad.data.series import SeriesDataset


def resample_mean(ds: SeriesDataset, factor: int) -> SeriesDataset:
    """Every ``factor`` consecutive points become their mean; a coarse step is anomalous when any of its
    points is. A trailing remainder shorter than ``factor`` is dropped. ``factor=1`` returns ``ds``."""
    if not isinstance(factor, int) or factor < 1:
        raise ValueError(f"{ds.name}: resample factor must be an int >= 1, got {factor!r}")
    if factor == 1:
        return ds
    sequences, labels = [], []
    for seq, lab, name in zip(ds.sequences, ds.labels, ds.names, strict=True):
        m = len(seq) // factor
        if m < 1:
            raise ValueError(f"{ds.name}/{name}: {len(seq)} points cannot be resampled by {factor}")
        sequences.append(seq[: m * factor].reshape(m, factor, -1).mean(axis=1).astype(np.float32))
        labels.append(lab[: m * factor].reshape(m, factor).any(axis=1))
    notes = {**ds.notes, "resample": f"mean of {factor} points per step"}
    return replace(ds, sequences=sequences, labels=labels, notes=notes)
