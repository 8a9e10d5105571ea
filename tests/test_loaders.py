import pytest

from fedad.data.loaders import IMAGES, PAPER_SERIES, SERIES, load_images, load_series
from fedad.data.protocol import PROTOCOLS


def test_every_paper_series_has_a_loader_and_a_detection_protocol():
    assert set(PAPER_SERIES) <= set(SERIES) and set(PAPER_SERIES) <= set(PROTOCOLS)
    assert PROTOCOLS["engine"].split_mode == "sequences"  # run-to-failure: split by engine, not in time
    assert {"mnist", "mnist10k", "fashion_mnist", "cifar10"} == set(IMAGES)


def test_unknown_names_are_rejected_with_the_known_ones():
    with pytest.raises(KeyError, match="power_demand"):
        load_series("weather")
    with pytest.raises(KeyError, match="mnist"):
        load_images("imagenet")
