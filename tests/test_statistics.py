import math

import numpy as np
import pytest
from scipy import stats

from fedad.statistics import (
    bootstrap_mean,
    cluster_bootstrap_mean,
    holm,
    mcnemar_exact,
    mean_sd,
    paired_difference,
    sign_test,
    tost_paired,
    wilcoxon_paired,
)


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


# -- across series -------------------------------------------------------------------------------------


def test_exact_mcnemar_reads_only_the_discordant_pairs():
    a = [True] * 10 + [False] * 10
    b = [True] * 4 + [False] * 6 + [False] * 10  # 6 series only A hits, 0 only B hits
    t = mcnemar_exact(a, b)
    assert (t.wins, t.losses, t.n) == (6, 0, 20)
    assert t.p == pytest.approx(2 * 0.5**6)  # two-sided binomial: 0.03125
    assert t.mean == pytest.approx(30.0) and t.significant
    same = mcnemar_exact(a, a)
    assert same.p == 1.0 and not same.significant and same.low == same.high == 0.0


def test_wilcoxon_finds_a_consistent_shift_and_not_noise():
    rng = np.random.default_rng(1)
    base = rng.uniform(0, 100, 40)
    better = wilcoxon_paired(base + 5 + rng.normal(0, 1, 40), base)
    assert better.significant and better.low > 0 and better.wins == 40
    noise = wilcoxon_paired(base + rng.normal(0, 1, 40), base)
    assert noise.low < 0 < noise.high and not noise.significant


def test_missing_pairs_are_dropped_and_a_constant_sample_has_no_spread():
    t = wilcoxon_paired([1.0, np.nan, 3.0], [0.0, 1.0, np.nan])
    assert t.n == 1 and not t.significant
    assert bootstrap_mean([2.0, 2.0, 2.0]) == (2.0, 2.0)


def test_a_zero_width_interval_is_not_significant_and_says_no_spread():
    from fedad.statistics import paired_difference

    d = paired_difference({0: 3.0, 1: 3.0, 2: 3.0}, {0: 1.0, 1: 1.0, 2: 1.0})
    assert d.mean == 2.0 and d.no_spread and not d.excludes_zero
    assert d.text() == "+2.00 (n=3, no spread)"
    spread = paired_difference({0: 3.0, 1: 3.5, 2: 3.2}, {0: 1.0, 1: 1.0, 2: 1.0})
    assert spread.excludes_zero and not spread.no_spread


def test_a_difference_identical_on_every_series_is_not_significant():
    from fedad.statistics import wilcoxon_paired

    test = wilcoxon_paired(np.full(30, 2.0), np.ones(30))
    assert test.low == test.high and not test.significant


def test_event_recall_intervals_are_exact_binomial_and_wide_with_few_events():
    from fedad.statistics import binomial_interval

    low, high = binomial_interval(1, 1)
    assert low == pytest.approx(2.5, abs=0.01) and high == 100.0  # one event found: 2.5–100 %
    low, high = binomial_interval(14, 30)
    assert 28 < low < 30 and 65 < high < 67
    assert all(np.isnan(binomial_interval(0, 0)))


def test_segment_bootstrap_brackets_the_point_accuracy_and_is_repeatable():
    from fedad.statistics import segment_bootstrap

    labels = np.zeros(200, bool)
    labels[50:60] = True
    flags = np.zeros(200, bool)
    flags[55:70] = True  # half the event found, ten false alarms: all inside segment 2 of 10
    segments = np.arange(200) // 20
    out = segment_bootstrap(labels, flags, segments)
    accuracy = 100 * np.mean(labels == flags)
    assert out["segments"] == 10 and out["accuracy_low"] < accuracy <= out["accuracy_high"] == 100.0
    assert out == segment_bootstrap(labels, flags, segments)
    perfect = segment_bootstrap(labels, labels, segments)
    assert perfect["accuracy_low"] == perfect["accuracy_high"] == 100.0
    assert segment_bootstrap(labels, flags, np.zeros(200))["accuracy_low"] is None  # one segment: no interval


def test_a_cluster_bootstrap_is_wider_than_one_that_takes_twins_for_independent_series():
    rng = np.random.default_rng(1)
    per_source = rng.normal(0, 10, 15)
    values = np.repeat(per_source, 4)  # every source appears as four identical twins
    clusters = np.repeat(np.arange(15), 4)
    naive = bootstrap_mean(values)
    lo, hi = cluster_bootstrap_mean(values, clusters)
    assert hi - lo > 1.6 * (naive[1] - naive[0])  # ~sqrt(4) wider: 15 sources, not 60 series
    assert cluster_bootstrap_mean(values, clusters) == (lo, hi)  # seeded
    assert cluster_bootstrap_mean([1.0, 1.0], ["a", "b"]) == (1.0, 1.0)


def test_tests_over_sources_count_a_twin_once():
    a = np.array([5.0, 5.0, 5.0, 5.0, 5.0, 5.0, -1.0, -1.0, -1.0, -1.0, -1.0])
    b = np.zeros_like(a)
    twins = ["s"] * 6 + [f"t{i}" for i in range(5)]  # six copies of one win, five distinct losses
    assert sign_test(a, b).wins == 6 and sign_test(a, b).p > 0.05
    over = sign_test(a, b, clusters=twins)
    assert over.sources == 6 and over.p == pytest.approx(stats.binomtest(1, 6, 0.5).pvalue)
    assert "6 sources" in over.text()
    hits = mcnemar_exact(a > 0, b > 0, clusters=twins)
    assert hits.test == "sign test over sources" and hits.sources == 6
    assert mcnemar_exact(a > 0, b > 0, clusters=list(range(11))).test == "exact McNemar"


def test_tost_says_equivalent_only_when_the_90_percent_interval_is_inside_the_margin():
    rng = np.random.default_rng(2)
    base = rng.uniform(0, 100, 60)
    close = tost_paired(base + rng.normal(0.5, 2, 60), base, margin=5)
    assert close.equivalent and -5 < close.low < close.high < 5
    spread = 4.5 + np.tile([-6.0, 6.0], 10)  # mean 4.5 inside ±5, but 20 pairs this spread leave 5 open
    far = tost_paired(base[:20] + spread, base[:20], margin=5)
    assert not far.equivalent and far.low < 5 < far.high and far.mean == pytest.approx(4.5)
    few = tost_paired(base[:4] + rng.normal(0, 8, 4), base[:4], margin=5)  # no difference shown, no power
    assert not few.equivalent
    assert tost_paired([1.0, 1.0], [0.0, 0.0], margin=5).equivalent  # no spread, inside
    with pytest.raises(ValueError, match="margin must be > 0"):
        tost_paired(base, base, margin=0)


def test_holm_matches_its_hand_computed_step_down():
    adjusted = holm([0.01, 0.04, 0.03, 0.005])
    # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04 -> running max 0.02, 0.03, 0.06, 0.06
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]).max() == pytest.approx(1.0)


def test_hits_won_on_every_series_are_significant_though_their_interval_has_no_width():
    every = mcnemar_exact(np.ones(12, dtype=bool), np.zeros(12, dtype=bool))
    assert every.low == every.high == 100.0 and every.significant
    assert not wilcoxon_paired(np.full(12, 2.0), np.ones(12)).significant  # a continuous score: a bug, not proof
