import numpy as np
import pytest

from fedad.data.cmapss import DEFAULT_SENSORS, N_COLUMNS, load_engine, load_engine_test, select_sensors
from fedad.data.datadir import MalformedDataError, verified_path
from fedad.data.series import read_numeric_table
from tests.conftest import real_data_available


def _fake_fd001(units=3, cycles=40, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(1, units + 1):
        for c in range(1, cycles + 1):
            sensors = rng.normal(size=21) + np.linspace(0, 1, 21) * c / cycles
            sensors[[0, 4, 9, 15, 17, 18]] = 1.0  # constant sensors, as in FD001
            rows.append([u, c, 0, 0, 100, *sensors])
    return np.array(rows)


def test_engine_loader_labels_the_last_k_cycles(fake_data):
    table = _fake_fd001()
    fake_data.write("engine_cmapss/train_FD001.txt", "\n".join(" ".join(map(str, r)) for r in table))
    ds = load_engine(anomaly_last_k=5)
    assert len(ds.sequences) == 3 and ds.dims == 12
    assert all(lab.sum() == 5 and lab[-5:].all() for lab in ds.labels)


def test_engine_cycles_out_of_order_are_rejected(fake_data):
    table = _fake_fd001(units=1)
    table[[0, 1], 1] = table[[1, 0], 1]
    fake_data.write("engine_cmapss/train_FD001.txt", "\n".join(" ".join(map(str, r)) for r in table))
    with pytest.raises(MalformedDataError, match="cycles"):
        load_engine()


def test_unknown_sensor_is_rejected():
    with pytest.raises(ValueError, match="unknown"):
        load_engine(sensors=("s99",))


def test_sensor_rule_drops_constant_sensors():
    chosen = select_sensors(_fake_fd001(), n=12)
    assert not {"s1", "s5", "s10", "s16", "s18", "s19"} & set(chosen)


@pytest.mark.skipif(not real_data_available("engine_cmapss/train_FD001.txt"), reason="real data absent")
def test_default_sensors_are_what_the_rule_picks_on_the_training_engines_of_real_fd001():
    table = read_numeric_table(verified_path("engine_cmapss/train_FD001.txt"), N_COLUMNS, "engine")
    assert select_sensors(table) == DEFAULT_SENSORS  # the first 70 engines: the protocol's train part
    assert select_sensors(table, train_fraction=1.0) == DEFAULT_SENSORS  # all 100: the same 12


def test_the_sensor_rule_reads_only_the_training_engines():
    # s2 falls towards failure on the 7 training engines only, s3 on the 3 longer test engines only
    rng = np.random.default_rng(0)
    rows = []
    for u in range(1, 11):
        cycles = 30 if u <= 7 else 150
        for c in range(1, cycles + 1):
            sensors = rng.normal(size=21)
            sensors[1 if u <= 7 else 2] = cycles - c
            rows.append([u, c, 0, 0, 100, *sensors])
    table = np.array(rows)
    assert select_sensors(table, n=1) == ("s2",)
    assert select_sensors(table, n=1, train_fraction=1.0) == ("s3",)  # reading every engine would pick s3


def _write(fake_data, rel, table):
    fake_data.write(rel, "\n".join("\t".join(map(str, r)) for r in table) + "\n")


def test_nasa_test_engines_are_labelled_from_rul(fake_data):
    _write(fake_data, "engine_cmapss/test_FD001.txt", _fake_fd001(units=2, cycles=40))
    fake_data.write("engine_cmapss/RUL_FD001.txt", "3 \n50 \n")
    ds = load_engine_test(anomaly_last_k=10)
    # unit 1 ends with RUL 3: its last 7 cycles have RUL 3..9 < 10; unit 2 ends with RUL 50: none
    assert ds.labels[0].sum() == 7 and ds.labels[0][-7:].all() and not ds.labels[1].any()
    assert ds.names == ["test_unit1", "test_unit2"]


def test_nasa_test_engines_and_rul_lines_must_match(fake_data):
    _write(fake_data, "engine_cmapss/test_FD001.txt", _fake_fd001(units=2, cycles=40))
    fake_data.write("engine_cmapss/RUL_FD001.txt", "3\n")
    with pytest.raises(MalformedDataError, match=r"2 engines but .* 1 RUL"):
        load_engine_test()


@pytest.mark.skipif(not real_data_available("engine_cmapss/train_FD001.txt", "engine_cmapss/test_FD001.txt",
                                            "engine_cmapss/RUL_FD001.txt"), reason="real data absent")
def test_real_fd001_has_nasa_shapes():
    train, test = load_engine(), load_engine_test()
    assert len(train.sequences) == 100 and train.n_points == 20631
    assert len(test.sequences) == 100 and test.n_points == 13096
    assert sum(lab.any() for lab in test.labels) == 25  # test engines that end with RUL < 30
