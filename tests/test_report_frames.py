"""The readers REPORT.md's detection sections share."""

import pytest

from fedad.report import frames as report_frames
from fedad.results.tables import load
from tests.result_fixture import fill_results


@pytest.fixture
def results(tmp_path):
    return fill_results(tmp_path)


def test_pr_auc_at_or_below_the_base_rate_is_beaten_by_a_random_ranking(results):
    frame = load("detect", results)
    assert any("base rate" in r for r in report_frames.references_at_least(
        frame, "power_demand", 5.0, "threshold_free.pr_auc"))
    assert not any("base rate" in r for r in report_frames.references_at_least(
        frame, "power_demand", 50.0, "threshold_free.pr_auc"))
