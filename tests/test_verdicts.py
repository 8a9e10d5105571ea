"""How a claim's verdict follows from our seeds and the paper's value."""

import math

from fedad.experiments.verdicts import TOLERANCE, verdict


def test_the_papers_value_inside_our_seeds_range_is_reproduced():
    assert verdict([95.0, 97.0, 96.0], 96.85, TOLERANCE["accuracy"]) == ("-0.85", "reproduced")


def test_outside_the_range_the_gap_decides_between_tolerance_and_not_reproduced():
    gap, v = verdict([95.6, 95.8], 96.85, TOLERANCE["accuracy"])
    assert v == "within tolerance" and gap == "-1.15"
    gap, v = verdict([90.0, 91.0], 96.85, TOLERANCE["accuracy"])
    assert v == "not reproduced" and gap == "-6.35"


def test_a_relative_tolerance_scales_with_the_target_and_the_gap_says_so():
    gap, v = verdict([330.0], 300.0, TOLERANCE["ratio"], relative=True)
    assert v == "within tolerance" and gap == "+30.00 (+10%)"
    assert verdict([400.0], 300.0, TOLERANCE["ratio"], relative=True)[1] == "not reproduced"


def test_no_finite_value_is_not_reproduced():
    assert verdict([], 1.0, 1.0) == ("n/a", "not reproduced")
    assert verdict([None, math.nan], 1.0, 1.0) == ("n/a", "not reproduced")
