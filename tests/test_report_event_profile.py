"""REPORT.md's event error profile on the fixture results: edges only or the whole event."""

import pytest

from fedad.report.event_profile import adaptation, event_profile_section
from fedad.results.tables import load
from tests.result_fixture import fill_results


@pytest.fixture(scope="module")
def frame(tmp_path_factory):
    return load("detect", fill_results(tmp_path_factory.mktemp("results")))


def test_the_event_profile_tells_an_edge_only_forecaster_from_one_that_errs_throughout(frame):
    main = frame[frame.variant.isin(["federated_gcm", "reference"])]
    assert adaptation(main, "power_demand", "amcnn_lstm") == "edges only"
    assert adaptation(main, "power_demand", "seasonal_naive") == "whole event"
    assert "edges only" in "\n".join(event_profile_section(frame))
