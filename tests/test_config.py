import pytest

from fedad.federated.config import FederatedConfig


def test_defaults_are_the_papers():
    c = FederatedConfig()
    assert (c.n_workers, c.lr, c.batch_size, c.rho) == (10, 0.001, 128, 0.3)
    assert c.compresses and not FederatedConfig(rho=100).compresses and not FederatedConfig(compressor="none").compresses


@pytest.mark.parametrize("bad", [{"mode": "async"}, {"rho": 0}, {"rho": 101}, {"lr": -1}, {"compressor": "zip"},
                                 {"mode": "fedavg", "memory": "momentum"}, {"compile": "yes"}])
def test_bad_settings_are_rejected_with_the_reason(bad):
    with pytest.raises(ValueError, match="FederatedConfig"):
        FederatedConfig(**bad)


def test_from_dict_rejects_unknown_keys_and_builds_links():
    c = FederatedConfig.from_dict({"link": {"uplink_mbps": 2.0}})
    assert c.link.uplink_mbps == 2.0
    with pytest.raises(ValueError, match="unknown"):
        FederatedConfig.from_dict({"learning_rate": 0.1})
