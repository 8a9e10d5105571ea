"""UCR-score rules against hand-computed cases, the location of tied maxima, and the per-series scores."""

import numpy as np
import pytest

from fedad.detection.ucr_score import peak_location, series_scores, tolerance, ucr_hit

# anomaly at 0-based [1000, 1050): the archive's 1-based points 1001..1050, length 50
BEGIN, END = 1000, 1050


@pytest.mark.parametrize(("loc", "hit"), [(899, False), (900, True), (1000, True), (1049, True), (1149, True),
                                          (1150, False)])
def test_the_kdd_rule_allows_100_points_on_each_side(loc, hit):
    # KDD Cup: [begin − 100, end + 100] in 1-based inclusive points = 0-based 900 … 1149
    assert ucr_hit(loc, BEGIN, END, "kdd") is hit


def test_the_length_rule_equals_kdd_for_short_anomalies_and_widens_for_long_ones():
    assert tolerance("length", BEGIN, END) == 100
    begin, end = 1000, 1400  # length 400: 400 points allowed on each side
    assert tolerance("length", begin, end) == 400
    assert ucr_hit(600, begin, end, "length") and not ucr_hit(599, begin, end, "length")
    assert ucr_hit(1799, begin, end, "length") and not ucr_hit(1800, begin, end, "length")
    assert not ucr_hit(600, begin, end, "kdd")


def test_an_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="unknown UCR-score rule"):
        ucr_hit(0, 1, 2, "vus")


def test_a_run_of_tied_maxima_counts_by_its_centre():
    assert peak_location(np.array([0, 1, 5, 5, 5, 5, 2, 5])) == 3  # the first run 2..5
    assert peak_location(np.array([3.0, 1.0])) == 0
    with pytest.raises(ValueError, match="no finite score"):
        peak_location(np.array([np.nan]))


def test_series_scores_on_a_hand_made_detector():
    offset = 800  # the test part starts at series position 800
    scores = np.zeros(600)
    scores[BEGIN - offset + 10] = 9.0  # the peak inside the anomaly
    scores[BEGIN - offset : END - offset] += 1.0
    validation = np.linspace(0.0, 0.5, 101)  # its 0.99 quantile is 0.495
    out = series_scores(scores, offset, BEGIN, END, validation, 0.99)
    assert out["location"] == 1010 and out["hit_kdd"] and out["hit_length"]
    assert out["pr_auc"] == pytest.approx(100.0) and out["roc_auc"] == pytest.approx(100.0)
    assert out["base_rate"] == pytest.approx(100 * 50 / 600)
    assert out["threshold"] == pytest.approx(0.495)
    assert out["point"]["recall"] == pytest.approx(100.0) and out["point"]["precision"] == pytest.approx(100.0)


def test_a_detector_peaking_far_away_misses_under_both_rules():
    scores = np.zeros(600)
    scores[0] = 1.0
    out = series_scores(scores, 800, BEGIN, END, np.zeros(10), 0.5)
    assert out["location"] == 800 and not out["hit_kdd"] and not out["hit_length"]
    assert out["point"]["anomaly_flagged"] is True  # ς = 0 flags everything: the point metrics say so
    assert out["point"]["precision"] == pytest.approx(100 * 50 / 600)
