"""How a claim's verdict follows from our seeds and the paper's value."""

import math

import pytest

from fedad.report.verdicts import TOLERANCE, verdict


def test_the_papers_value_inside_our_seeds_95_interval_is_reproduced():
    assert verdict([95.0, 97.0, 96.0], 96.85, TOLERANCE["accuracy"]) == ("-0.85", "reproduced")


def test_outside_the_interval_the_gap_decides_between_tolerance_and_not_reproduced():
    gap, v = verdict([95.6, 95.7, 95.8], 96.85, TOLERANCE["accuracy"])
    assert v == "within tolerance" and gap == "-1.15"
    gap, v = verdict([90.0, 90.5, 91.0], 96.85, TOLERANCE["accuracy"])
    assert v == "not reproduced" and gap == "-6.35"


def test_two_seeds_give_a_wide_t_interval_that_min_max_would_not():
    # min..max of 95.6 and 95.8 misses 96.85; the 95 % t-interval with one degree of freedom is ±1.27
    assert verdict([95.6, 95.8], 96.85, TOLERANCE["accuracy"])[1] == "reproduced"


def test_a_relative_tolerance_scales_with_the_target_and_the_gap_says_so():
    gap, v = verdict([330.0], 300.0, TOLERANCE["ratio"], relative=True)
    assert v == "within tolerance" and gap == "+30.00 (+10%)"
    assert verdict([400.0], 300.0, TOLERANCE["ratio"], relative=True)[1] == "not reproduced"


def test_no_finite_value_is_not_reproduced():
    assert verdict([], 1.0, 1.0) == ("n/a", "not reproduced")
    assert verdict([None, math.nan], 1.0, 1.0) == ("n/a", "not reproduced")


def test_the_paper_value_must_lie_inside_the_seeds_95_percent_interval():
    from fedad.report.verdicts import verdict

    assert verdict([96.0, 97.0, 98.0], 96.85, 0.1)[1] == "reproduced"
    assert verdict([96.9, 97.0, 97.1], 96.5, 0.1)[1] == "not reproduced"  # outside a narrow interval
    assert verdict([97.0, 97.0, 97.0], 96.9, 0.05)[1] == "not reproduced"  # no spread is no interval
    assert verdict([96.85], 96.85, 0.1)[1] == "reproduced" and verdict([96.9], 96.85, 0.01)[1] == "not reproduced"


def test_the_accuracy_tolerance_is_a_share_of_the_anomalous_part():
    from fedad.report.verdicts import accuracy_tolerance

    assert accuracy_tolerance(93.14) == pytest.approx(0.2 * 6.86)
    assert accuracy_tolerance(80.0) == 1.5 and accuracy_tolerance(None) == 1.5
