"""UCR-score rules against hand-computed cases, the location of tied maxima, and the per-series scores."""

import numpy as np
import pytest

from fedad.detection.metrics import threshold_free_metrics
from fedad.detection.ucr_score import peak_location, series_scores, tolerance, ucr_hit
from fedad.detection.vus import sliding_window, vus_metrics

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
    out = series_scores(scores, offset, BEGIN, END, 0.5, 20)
    assert out["location"] == 1010 and out["hit_kdd"] and out["hit_length"]
    assert out["location_error"] == {"from_begin": 10, "from_end": 1010 - 1049}
    assert out["pr_auc"] == pytest.approx(100.0) and out["roc_auc"] == pytest.approx(100.0)
    assert out["vus_pr"] > 50 and out["vus_roc"] > 90 and out["vus_window"] == 20
    assert out["base_rate"] == pytest.approx(100 * 50 / 600)
    assert out["threshold"] == pytest.approx(0.5)
    assert out["point"]["recall"] == pytest.approx(100.0) and out["point"]["precision"] == pytest.approx(100.0)
    assert out["point"]["confusion"] == [[550, 0], [0, 50]]  # the main pipeline's point metrics


def test_a_detector_peaking_far_away_misses_under_both_rules():
    scores = np.zeros(600)
    scores[0] = 1.0
    out = series_scores(scores, 800, BEGIN, END, 0.0, 20)
    assert out["location"] == 800 and not out["hit_kdd"] and not out["hit_length"]
    assert out["location_error"]["from_begin"] == -200  # it points 200 points early
    assert out["point"]["anomaly_flagged"] is True  # ς = 0 flags everything: the point metrics say so
    assert out["point"]["precision"] == pytest.approx(100 * 50 / 600)


def test_an_anomaly_outside_the_test_part_is_refused():
    with pytest.raises(ValueError, match="must lie in the test part"):
        series_scores(np.zeros(100), 800, BEGIN, END, 0.0, 20)


def test_vus_rewards_a_peak_beside_the_anomaly_where_pr_auc_does_not():
    labels = np.zeros(2000, dtype=bool)
    labels[1000:1050] = True
    beside = np.zeros(2000)
    beside[1052:1062] = 1.0  # just after the anomaly: no labelled point scores above the rest
    point = threshold_free_metrics(labels, beside)
    assert point["pr_auc"] == pytest.approx(2.5)  # the base rate: point-wise, the peak is worth nothing
    assert vus_metrics(labels, beside, 0)["vus_pr"] == pytest.approx(point["pr_auc"])  # no buffer: PR-AUC
    assert vus_metrics(labels, beside, 40)["vus_pr"] > 4 * point["pr_auc"]
    assert np.isnan(vus_metrics(np.zeros(10, dtype=bool), np.arange(10.0), 4)["vus_pr"])


def test_the_vus_window_is_the_packages_period_rule():
    t = np.arange(4000)
    assert sliding_window(np.sin(2 * np.pi * t / 50)) == 50
    assert sliding_window(np.ones(500)) == 125  # no autocorrelation peak: the package's default
