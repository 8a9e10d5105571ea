import numpy as np

from fedad.data.series import SeriesDataset
from fedad.data.subsequences import SubsequenceRule, chunk_bounds, count_subsequences, estimate_period


def test_estimate_period_finds_a_sine_period():
    x = np.sin(2 * np.pi * np.arange(2000) / 50)
    assert estimate_period(x, 20, 80) == 50


def test_chunk_bounds_drop_short_remainder_and_align_to_end():
    assert chunk_bounds(9, 4) == [(0, 4), (4, 8)]  # remainder 1 < half a chunk: dropped
    assert chunk_bounds(10, 4) == [(0, 4), (4, 8), (8, 10)]  # remainder 2 = half a chunk: kept
    assert chunk_bounds(11, 4, align="end") == [(0, 3), (3, 7), (7, 11)]


def test_count_subsequences_marks_chunks_with_any_anomaly():
    lab = np.zeros(40, bool)
    lab[12] = True
    ds = SeriesDataset("toy", [np.zeros((40, 1), np.float32)], [lab], ["a"], ["c"], "t")
    counts = count_subsequences(ds, SubsequenceRule(fixed=10))
    assert (counts.normal, counts.anomalous) == (3, 1)
