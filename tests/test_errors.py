import numpy as np
import pytest

from fedad.data.windows import make_windows
from fedad.detection.errors import point_errors, window_errors


def test_each_point_gets_its_t_forecast_errors():
    x = np.arange(12, dtype=np.float32)[:, None]
    _, y = make_windows(x, n=3, horizon=2)
    forecast = y.copy()
    forecast[:, 0] += 1.0  # horizon-0 forecasts off by 1
    forecast[:, 1] += 10.0  # horizon-1 forecasts off by 10
    m = len(y)
    pe = point_errors(window_errors(y, forecast), np.zeros(m, int), np.arange(m), [np.zeros(12, bool)], n=3)
    assert pe.position.tolist() == list(range(4, 11))  # n+T-1 .. L-T
    np.testing.assert_allclose(pe.errors, np.tile([1.0, 10.0], (7, 1)))


def test_shape_mismatch_is_rejected():
    with pytest.raises(ValueError):
        window_errors(np.zeros((2, 3, 1)), np.zeros((2, 2, 1)))
