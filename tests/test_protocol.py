import numpy as np
import pytest

from fedad.data.protocol import (
    PROTOCOLS,
    SeriesProtocol,
    check_window,
    choose_window,
    protocol_for,
    record_periods,
    split_for,
)
from fedad.data.series import SeriesDataset
from fedad.data.splits import split_three_way
from tests.conftest import needs_real, real_data_available


def _periodic(n=2000, period=50, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    x = np.sin(2 * np.pi * t / period) + 0.5 * np.sin(4 * np.pi * t / period) + 0.05 * rng.normal(size=n)
    lab = np.zeros(n, bool)
    lab[600:640] = True
    lab[1700:1720] = True
    return SeriesDataset("p", [x.astype(np.float32)[:, None]], [lab], ["s"], ["v"], "test")


def test_window_covers_the_dominant_period():
    split = split_three_way(_periodic(period=50), 0.7, 0.2)
    window, period, rule = choose_window(split, SeriesProtocol("p", "p", lag_range=(20, 200)))
    assert window == period and abs(period - 50) <= 1 and "autocorrelation" in rule


def test_each_record_keeps_its_own_period_and_the_window_covers_the_longest():
    a, b = _periodic(period=36, seed=1), _periodic(period=64, seed=2)
    ds = SeriesDataset("p", a.sequences + b.sequences, a.labels + b.labels, ["a", "b"], ["v"], "test")
    split = split_three_way(ds, 0.7, 0.2)
    protocol = SeriesProtocol("p", "p", lag_range=(20, 200))
    periods = record_periods(split, protocol)
    assert abs(periods[0] - 36) <= 1 and abs(periods[1] - 64) <= 1
    assert choose_window(split, protocol)[0] == max(periods.values())


def test_resampling_divides_the_lag_range():
    split = split_three_way(_periodic(period=50), 0.7, 0.2)
    _, _, rule = choose_window(split, SeriesProtocol("p", "p", lag_range=(40, 400), resample=2))
    assert "lags 20..200" in rule


def test_fixed_window_is_used_as_stated():
    split = split_three_way(_periodic(), 0.7, 0.2)
    assert choose_window(split, SeriesProtocol("p", "p", window=32, why="no period: x"))[:2] == (32, None)


def test_window_longer_than_validation_names_data_set_and_both_lengths():
    split = split_three_way(_periodic(), 0.7, 0.2)  # validation: 280 points
    with pytest.raises(ValueError, match=r"p: window 300 is longer than the validation block \(280 steps\)"):
        check_window(split, 300, 4, "p")
    with pytest.raises(ValueError, match="longer than the longest fitting segment"):
        check_window(split, 2000, 4, "p")


def test_unknown_protocol_setting_is_an_error():
    with pytest.raises(ValueError, match="unknown protocol settings"):
        protocol_for("power_demand", {"resampel": 2})
    assert protocol_for("power_demand", {"resample": 2}).resample == 2


@needs_real
def test_power_demand_window_is_one_week_of_hourly_steps():
    protocol = protocol_for("power_demand")
    split = split_for(protocol)
    assert choose_window(split, protocol)[0] == 168


@pytest.mark.skipif(not real_data_available("ecg/chfdb_chf13_45590.txt", "engine_cmapss/train_FD001.txt",
                                            "space_shuttle/TEK16.txt"), reason="real data absent")
@pytest.mark.parametrize("name", [n for n in PROTOCOLS if n != "ecg_qtdbsel102"])
def test_every_detection_data_set_has_events_on_both_sides(name):
    events = split_for(protocol_for(name)).events()
    assert events["test"]["events"] >= 1
    assert events["train"]["events"] + events["validation"]["events"] >= 1
    assert events["validation"]["events"] >= 1  # ς can be tuned out of sample
