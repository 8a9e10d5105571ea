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
