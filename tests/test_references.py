import numpy as np
import pytest

from fedad.models import build_model


def test_persistence_repeats_the_last_point():
    x = np.arange(2 * 6 * 1, dtype=np.float32).reshape(2, 6, 1)
    out = build_model("persistence", dims=1, horizon=3).fit(x, None).predict(x)
    assert out.shape == (2, 3, 1) and (out[0, :, 0] == 5).all() and (out[1, :, 0] == 11).all()


def test_seasonal_naive_takes_the_value_one_period_earlier():
    period, window, horizon = 4, 8, 3
    series = np.arange(20, dtype=np.float32)
    x = series[None, :window, None]  # inputs x_0..x_7; forecast x_8..x_10 as x_4..x_6
    out = build_model("seasonal_naive", dims=1, horizon=horizon, window=window, period=period).predict(x)
    assert out[0, :, 0].tolist() == [4.0, 5.0, 6.0]


def test_seasonal_naive_looks_back_each_windows_own_period():
    x = np.arange(3 * 8, dtype=np.float32).reshape(3, 8, 1)
    model = build_model("seasonal_naive", dims=1, horizon=2, window=8, period=8)
    out = model.predict(x, periods=np.array([4, 6, 8]))
    assert out[:, :, 0].tolist() == [[4, 5], [8 + 2, 8 + 3], [16, 17]]
    assert (model.predict(x) == model.predict(x, periods=np.array([8, 8, 8]))).all()
    with pytest.raises(ValueError, match="one period per window"):
        model.predict(x, periods=np.array([1, 4, 4]))


def test_seasonal_naive_needs_a_usable_period():
    with pytest.raises(ValueError, match="period"):
        build_model("seasonal_naive", dims=1, horizon=2, window=8, period=None)
    with pytest.raises(ValueError, match="period"):
        build_model("seasonal_naive", dims=1, horizon=2, window=8, period=9)
