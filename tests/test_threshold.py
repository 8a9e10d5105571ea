import numpy as np
import pytest

from fedad.detection.threshold import choose_threshold, f_theta, false_alarm_threshold


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


def test_the_false_alarm_rule_flags_the_stated_share_of_normal_points_whatever_the_prevalence():
    rng = np.random.default_rng(0)
    normal = rng.normal(size=1000)
    choice = false_alarm_threshold(normal, 0.01)
    assert np.sum(normal >= choice.value) == 10 and "1 %" in choice.rule
    # ties cannot push the share over the rate, and rate 0 flags no normal point
    tied = np.repeat([1.0, 2.0, 3.0], [90, 5, 5])
    assert np.mean(tied >= false_alarm_threshold(tied, 0.07).value) <= 0.07
    assert np.sum(normal >= false_alarm_threshold(normal, 0.0).value) == 0
    # max F_θ moves with the validation prevalence; the false-alarm rule reads normal scores only
    anomalies = rng.normal(2.5, 1.0, size=400)
    by_prevalence = [choose_threshold(np.r_[normal, anomalies[:k]], np.r_[np.zeros(1000, bool), np.ones(k, bool)])
                     for k in (20, 400)]
    assert by_prevalence[0].value != by_prevalence[1].value


def test_the_false_alarm_rate_must_be_a_share():
    with pytest.raises(ValueError, match=r"false-alarm rate must be in \[0, 1\)"):
        false_alarm_threshold(np.ones(5), 1.0)
    with pytest.raises(ValueError, match="at least one normal"):
        false_alarm_threshold(np.array([]), 0.01)
