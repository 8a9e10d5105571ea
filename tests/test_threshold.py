import numpy as np
import pytest

from fedad.detection.threshold import choose_threshold, f_theta


def test_f_theta_weighs_precision_and_reduces_to_f1_at_theta_1():
    assert f_theta(0.5, 1.0, theta=1.0) == pytest.approx(2 * 0.5 / 1.5)
    assert f_theta(1.0, 0.1, theta=0.05) > f_theta(0.1, 1.0, theta=0.05)
    assert f_theta(0.0, 0.0) == 0.0


def test_validation_rule_picks_max_f_theta_with_enough_precision():
    scores = np.array([0.1, 0.2, 0.3, 5.0, 6.0])
    labels = np.array([0, 0, 0, 1, 1], bool)
    choice = choose_threshold(scores, labels)
    assert 0.3 < choice.value <= 5.0 and choice.precision == pytest.approx(100.0)
    assert choice.rule.startswith("validation: max F_θ") and not choice.flags_nothing


def test_no_threshold_precise_enough_means_flag_nothing():
    scores = np.array([5.0, 0.2, 6.0, 0.1, 7.0])
    labels = np.array([0, 1, 0, 1, 0], bool)  # anomalies score lowest: precision never reaches 0.5
    choice = choose_threshold(scores, labels, min_precision=0.5)
    assert choice.flags_nothing and np.isinf(choice.value) and "flag nothing" in choice.rule
    assert not choose_threshold(scores, labels, rule="in_sample").flags_nothing  # the paper's rule has no floor


def test_fallback_without_labelled_points_is_a_percentile_of_scores():
    scores = np.arange(1000.0)
    choice = choose_threshold(scores, np.zeros(1000, bool), fallback_percentile=99.5)
    assert choice.value == pytest.approx(np.percentile(scores, 99.5)) and "99.5th percentile" in choice.rule


def test_unknown_rule_is_rejected():
    with pytest.raises(ValueError, match="rule"):
        choose_threshold(np.zeros(2), np.zeros(2, bool), rule="test")
