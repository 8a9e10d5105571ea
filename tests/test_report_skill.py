"""REPORT.md's forecast-skill section on the fixture results."""

import pytest

from fedad.report.skill import skill_section
from fedad.results.tables import load
from tests.result_fixture import fill_results


@pytest.fixture(scope="module")
def frame(tmp_path_factory):
    return load("detect", fill_results(tmp_path_factory.mktemp("results")))


def test_the_skill_section_names_the_models_that_beat_seasonal_naive(frame):
    text = "\n".join(skill_section(frame))
    assert "### power_demand (MASE against seasonal naive (reference))" in text
    assert "AMCNN-LSTM (MASE 0.81, PR-AUC 21.0 against 27.0)" in text
    assert "| seasonal naive (reference) " in text and "| 1.000 " in text
