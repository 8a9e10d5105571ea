"""Which pieces of a series cut at its gaps the detection protocol can use, and a plain error when none.

Under the time split (:mod:`fedad.data.splits`) every sequence gets its own validation block, and the
window must fit the shortest block (:func:`fedad.data.protocol.check_window`), so one short piece would
stop the whole run. A piece is kept when its block holds a window, its fit part a window plus the
horizon and its test part the horizon; shorter pieces are dropped and counted.
"""

from __future__ import annotations

import math

import numpy as np

from fedad.data.csv_series import CsvSeries
from fedad.data.datadir import MalformedDataError
from fedad.data.series import SeriesDataset


def min_piece_length(window: int, horizon: int, train_fraction: float, validation_fraction: float) -> int:
    """The fewest steps a sequence needs under the time split (module docstring)."""
    length = max(window + horizon, math.floor((window - 1) / (train_fraction * validation_fraction)))
    while True:
        train = math.floor(train_fraction * length)
        block = round(validation_fraction * train)
        if block >= window and train - block >= window + horizon and length - train >= horizon:
            return length
        length += 1


def keep_long_pieces(series: CsvSeries, min_length: int, needs: str, hint: str) -> tuple[CsvSeries, dict]:
    """The pieces of at least ``min_length`` rows and what was dropped; when none is left, one error says
    how much there is, what the protocol ``needs`` (in words) and the option that would help (``hint``)."""
    ds = series.dataset
    lengths = [len(s) for s in ds.sequences]
    keep = [i for i, n in enumerate(lengths) if n >= min_length]
    if not keep:
        raise MalformedDataError(
            f"{ds.name}: too little is left to fit, validate and test: the longest piece between gaps holds "
            f"{max(lengths)} rows ({sum(lengths)} rows in {len(lengths)} piece(s)); the protocol needs {min_length} "
            f"rows in one piece ({needs}); {hint}")
    dropped = {"pieces_dropped": len(lengths) - len(keep),
               "points_dropped": int(sum(n for i, n in enumerate(lengths) if i not in keep))}
    if not dropped["pieces_dropped"]:
        return series, dropped
    kept = SeriesDataset(ds.name, [ds.sequences[i] for i in keep], [ds.labels[i] for i in keep],
                         [ds.names[i] for i in keep], ds.channels, ds.source, ds.notes)
    return CsvSeries(kept, [series.stamps[i] for i in keep], [series.interpolated[i] for i in keep]), dropped


def coarse_mask(mask: np.ndarray, factor: int) -> np.ndarray:
    """A per-row mask on steps of ``factor`` rows (as :func:`fedad.data.resample.resample_mean` cuts them):
    a step is marked when any of its rows is."""
    n = len(mask) // factor
    return np.asarray(mask[: n * factor], dtype=bool).reshape(n, factor).any(axis=1)
