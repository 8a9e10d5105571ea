"""The readers REPORT.md's detection sections share."""


from fedad.report import frames as report_frames
from fedad.results.tables import load


def test_pr_auc_at_or_below_the_base_rate_is_beaten_by_a_random_ranking(fixture_results):
    frame = load("detect", fixture_results)
    assert any("base rate" in r for r in report_frames.references_at_least(
        frame, "power_demand", 5.0, "threshold_free.pr_auc"))
    assert not any("base rate" in r for r in report_frames.references_at_least(
        frame, "power_demand", 50.0, "threshold_free.pr_auc"))
