import numpy as np
import pytest

from fedad.data.resample import resample_mean
from fedad.data.series import SeriesDataset


def _ds(values, labels):
    return SeriesDataset("x", [np.asarray(values, np.float32)[:, None]], [np.asarray(labels, bool)], ["s"], ["v"],
                         "test")


def test_means_of_factor_points_and_any_label():
    ds = resample_mean(_ds([1, 3, 5, 7, 9], [0, 0, 0, 1, 1]), 2)
    assert ds.sequences[0][:, 0].tolist() == [2.0, 6.0]  # the trailing remainder is dropped
    assert ds.labels[0].tolist() == [False, True]
    assert "mean of 2" in ds.notes["resample"]


def test_factor_one_is_identity_and_bad_factor_is_rejected():
    ds = _ds([1, 2], [0, 0])
    assert resample_mean(ds, 1) is ds
    with pytest.raises(ValueError, match="factor"):
        resample_mean(ds, 0)
