"""REPORT.md's forecast-skill section on the fixture results."""


from fedad.report.skill import skill_section


def test_the_skill_section_names_the_models_that_beat_seasonal_naive(fixture_detect_frame):
    text = "\n".join(skill_section(fixture_detect_frame))
    assert "### power_demand (MASE against seasonal naive (reference))" in text
    assert "AMCNN-LSTM (MASE 0.81, PR-AUC 21.0 against 27.0)" in text
    assert "| seasonal naive (reference) " in text and "| 1.000 " in text
