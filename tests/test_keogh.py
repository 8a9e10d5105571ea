import numpy as np
import pytest

from fedad.data.datadir import MalformedDataError
from fedad.data.keogh import load_ecg, load_power_demand, load_space_shuttle
from tests.conftest import needs_real


def test_power_demand_loader_reads_values_and_labels(fake_data):
    values = np.arange(20, dtype=float)
    fake_data.series("power_demand/power_data.txt", values, [[3, 7]])
    ds = load_power_demand()
    assert ds.sequences[0].shape == (20, 1) and ds.sequences[0].dtype == np.float32
    assert np.flatnonzero(ds.labels[0]).tolist() == [4, 5, 6]


def test_ecg_loader_takes_the_requested_lead(fake_data):
    table = np.column_stack([np.arange(10) * 0.004, np.arange(10), -np.arange(10)])
    fake_data.series("ecg/qtdbsel102.txt", table, [[1, 3]])
    assert load_ecg(lead=1).sequences[0][:, 0].tolist() == list(range(10))
    assert load_ecg(lead=2).sequences[0][:, 0].tolist() == [-v for v in range(10)]
    with pytest.raises(ValueError, match="lead"):
        load_ecg(lead=3)


def test_ecg_file_with_wrong_columns_is_malformed(fake_data):
    fake_data.series("ecg/qtdbsel102.txt", np.zeros((5, 2)), [[1, 3]])
    with pytest.raises(MalformedDataError, match="expected 3"):
        load_ecg()


def test_series_without_labels_entry_is_malformed(fake_data):
    fake_data.labels({})
    fake_data.write("power_demand/power_data.txt", "1\n2\n3\n")
    with pytest.raises(MalformedDataError, match="no intervals"):
        load_power_demand()


@needs_real
def test_real_keogh_series_have_the_documented_shapes():
    pd_ = load_power_demand()
    assert pd_.sequences[0].shape == (35040, 1) and pd_.labels[0].sum() > 0
    sh = load_space_shuttle()
    assert [len(s) for s in sh.sequences] == [5000] * 3
    ecg = load_ecg()
    assert ecg.sequences[0].shape == (45000, 1)
    assert ecg.labels[0].sum() == 4430 - 4230 - 1
