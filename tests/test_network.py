import pytest

from fedad.federated.config import LinkConfig
from fedad.federated.network import round_link_seconds, upload_seconds


def test_upload_time_is_latency_plus_bits_over_bandwidth():
    link = LinkConfig(uplink_mbps=1.0, downlink_mbps=10.0, latency_ms=50)
    assert upload_seconds(link, 125_000) == pytest.approx(0.05 + 1.0)


def test_round_time_is_slowest_upload_plus_broadcast():
    link = LinkConfig(uplink_mbps=1.0, downlink_mbps=8.0, latency_ms=0)
    assert round_link_seconds(link, [1000, 125_000], 1_000_000) == pytest.approx(1.0 + 1.0)


def test_bad_link_is_rejected():
    with pytest.raises(ValueError):
        LinkConfig(uplink_mbps=0)


def test_bandwidth_grid_needs_a_positive_increasing_range():
    from fedad.federated.network import bandwidth_grid

    grid = bandwidth_grid(0.1, 1000, 5)
    assert grid[0] == pytest.approx(0.1) and grid[-1] == pytest.approx(1000) and len(grid) == 5
    for low, high in ((0, 10), (10, 1), (-1, 5), (5, 5)):
        with pytest.raises(ValueError, match="positive and increasing"):
            bandwidth_grid(low, high)


def test_per_round_seconds_and_the_crossover_range():
    import numpy as np

    from fedad.federated.network import per_round_seconds, ranges_at_or_below

    bw = np.array([1.0, 10.0])
    t = per_round_seconds(0.5, 125_000, 1_250_000, bw, downlink_factor=10.0, latency_ms=0)
    assert t.tolist() == pytest.approx([0.5 + 1.0 + 1.0, 0.5 + 0.1 + 0.1])
    x = np.logspace(-1, 3, 41)
    y = 1.0 / (1.0 + 100.0 / x)  # ratio rises with bandwidth: below 0.5 up to x = 100
    (low, high), = ranges_at_or_below(x, y, 0.5)
    assert low == pytest.approx(0.1) and high == pytest.approx(100, rel=0.05)
    assert ranges_at_or_below(x, y + 1, 0.5) == []
