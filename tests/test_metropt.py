import numpy as np
import pandas as pd
import pytest

from fedad.data.datadir import DataMissingError, MalformedDataError
from fedad.data.metropt import ANALOG, DIGITAL, load_metropt


def test_missing_csv_says_where_to_get_it(tmp_path):
    with pytest.raises(DataMissingError, match=r"archive\.ics\.uci\.edu"):
        load_metropt(tmp_path / "nope.csv")


def test_csv_without_the_sensor_columns_is_malformed(tmp_path):
    path = tmp_path / "m.csv"
    pd.DataFrame({"timestamp": ["2020-04-18 00:00:00"], "TP2": [1.0]}).to_csv(path, index=False)
    with pytest.raises(MalformedDataError, match="lacks columns"):
        load_metropt(path)


def test_failure_intervals_become_labels(tmp_path):
    stamps = pd.date_range("2020-04-17 23:58:00", periods=4, freq="1min")
    frame = pd.DataFrame({c: np.arange(4.0) for c in ANALOG + DIGITAL})
    frame.insert(0, "timestamp", stamps.astype(str))
    path = tmp_path / "m.csv"
    frame.to_csv(path, index=False)
    ds = load_metropt(path)
    assert ds.dims == 15 and ds.labels[0].tolist() == [False, False, True, True]
