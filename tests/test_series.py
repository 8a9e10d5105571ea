import numpy as np
import pytest

from fedad.data.datadir import MalformedDataError
from fedad.data.series import SeriesDataset, interval_labels, read_numeric_table


def test_interval_labels_are_open_intervals():
    lab = interval_labels(10, [[2, 5]])
    assert np.flatnonzero(lab).tolist() == [3, 4]


def test_interval_outside_series_is_rejected():
    with pytest.raises(MalformedDataError):
        interval_labels(10, [[5, 30]])


@pytest.mark.parametrize("text,match", [
    ("1 2\n3\n", "ragged|columns"),
    ("1\nabc\n", "not a number"),
    ("1\nnan\n", "NaN"),
    ("", "empty"),
])
def test_malformed_tables_raise_clear_errors(tmp_path, text, match):
    path = tmp_path / "f.txt"
    path.write_text(text)
    with pytest.raises(MalformedDataError, match=match):
        read_numeric_table(path, None, "test")


def test_wrong_column_count_names_the_line(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("1 2 3\n1 2\n")
    with pytest.raises(MalformedDataError, match="line 1: 3 columns, expected 2"):
        read_numeric_table(path, 2, "test")


def test_series_dataset_rejects_nan_and_bad_shapes():
    ok = np.zeros((5, 1), np.float32)
    with pytest.raises(MalformedDataError, match="NaN"):
        SeriesDataset("x", [np.full((5, 1), np.nan, np.float32)], [np.zeros(5, bool)], ["a"], ["c"], "s")
    with pytest.raises(MalformedDataError, match="labels shape"):
        SeriesDataset("x", [ok], [np.zeros(4, bool)], ["a"], ["c"], "s")
    with pytest.raises(MalformedDataError, match="expected shape"):
        SeriesDataset("x", [ok], [np.zeros(5, bool)], ["a"], ["c", "d"], "s")
