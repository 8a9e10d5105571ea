import math

import pytest
from scipy import stats

from fedad.statistics import mean_sd, paired_difference


def test_paired_difference_is_a_t_interval_over_common_seeds():
    a = {0: 10.0, 1: 12.0, 2: 11.0, 3: 99.0}
    b = {0: 9.0, 1: 10.0, 2: 10.5}
    d = paired_difference(a, b)
    diffs = [1.0, 2.0, 0.5]
    half = stats.t.ppf(0.975, 2) * stats.tstd(diffs) / math.sqrt(3)
    assert d.n == 3 and d.mean == pytest.approx(7 / 6)
    assert d.low == pytest.approx(7 / 6 - half) and d.high == pytest.approx(7 / 6 + half)


def test_interval_decides_whether_a_claim_holds():
    assert paired_difference({0: 1.0, 1: 1.1, 2: 1.05}, {0: 0.0, 1: 0.1, 2: 0.0}).excludes_zero
    assert not paired_difference({0: 1.0, 1: -1.0, 2: 0.1}, {0: 0.0, 1: 0.0, 2: 0.0}).excludes_zero
    assert not paired_difference({0: 5.0}, {0: 1.0}).excludes_zero  # one pair: no interval, no claim


def test_a_deterministic_reference_pairs_with_every_seed():
    d = paired_difference({0: 2.0, 1: 3.0, 2: 4.0}, {0: 1.0}, b_fixed=True)
    assert d.n == 3 and d.mean == pytest.approx(2.0)
    learned = paired_difference({0: 2.0, 1: 3.0, 2: 4.0}, {0: 1.0})  # one seed of a learned model: one pair
    assert learned.n == 1 and not learned.excludes_zero


def test_mean_sd_text():
    assert mean_sd([1.0, 3.0]) == "2.00 ± 1.41 (n=2)" and mean_sd([None, float("nan")]) == "n/a"
    assert mean_sd([2.5], 1, " %") == "2.5 %"
