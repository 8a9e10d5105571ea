"""REPORT.md's detection results tables."""

import pytest

from fedad.report import detection_tables as report_tables
from fedad.results.tables import load
from tests.result_fixture import fill_results


@pytest.fixture
def results(tmp_path):
    return fill_results(tmp_path)


def test_the_results_tables_give_event_recall_its_exact_binomial_interval(results):
    text = "\n".join(report_tables.results_section(load("detect", results)))
    # 2 of 5 test events: Clopper-Pearson 95 % is 5.3-85.3 %
    assert "event recall 95 % (exact)" in text and "5–85" in text
