"""REPORT.md's detection results tables."""


from fedad.report import detection_tables as report_tables
from fedad.results.tables import load


def test_the_results_tables_give_event_recall_its_exact_binomial_interval(fixture_results):
    text = "\n".join(report_tables.results_section(load("detect", fixture_results)))
    # 2 of 5 test events: Clopper-Pearson 95 % is 5.3-85.3 %
    assert "event recall 95 % (exact)" in text and "5–85" in text
