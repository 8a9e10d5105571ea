"""REPORT.md's threshold rules compared: the headline rule, the one-sided score, the paper's in-sample ς and
the sensitivity of max F_θ."""


from fedad.report.threshold_rules import threshold_rule_section
from fedad.results.tables import load, protocol_runs


def test_the_threshold_section_shows_the_false_alarm_rule_the_one_sided_score_and_the_sensitivity(fixture_results):
    section = "\n".join(threshold_rule_section(protocol_runs(load("detect", fixture_results))))
    assert section.startswith("## Threshold rules compared")
    assert "accuracy, 1 % false alarms" in section and "accuracy, max F_θ" in section
    assert "accuracy, one-sided score" in section and "accuracy, paper's in-sample ς" in section
    assert "*1 % false alarms* (the headline: the figures" in section  # the runs say which rule is the headline
    table = section.split("Sensitivity of max F_θ")[1]
    assert "| power_demand " in table and "0/3" in table and "3/3" in table  # the 0.6 floor flags nothing
