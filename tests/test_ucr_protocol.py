"""A UCR series through the detection protocol: the period, averaging above the cap, the three parts
(validation = tail of the training part, nothing of the test part before it), and scores back on points."""

import numpy as np
import pytest

from fedad.data.resample import resample_mean
from fedad.data.series import SeriesDataset
from fedad.data.ucr_archive import UcrFile, UcrSeries
from fedad.detection.ucr_protocol import UcrSettings, dominant_period, prepare_ucr, to_points


def _series(period: int, n: int = 6000, train_end: int = 2500, begin: int = 4000, end: int = 4100) -> UcrSeries:
    t = np.arange(n)
    values = np.sin(2 * np.pi * t / period) + 0.01 * np.random.default_rng(0).standard_normal(n)
    return UcrSeries(UcrFile(999, "synthetic", "x.txt", train_end, begin, end), values)


@pytest.mark.parametrize("period", [24, 57, 90])
def test_the_dominant_period_is_the_highest_autocorrelation_peak(period):
    x = _series(period).values
    assert abs(dominant_period(x, 8, 2000) - period) <= 1
    # a smooth trend has its highest autocorrelation at the shortest lag but no peak: no period
    assert dominant_period(np.arange(500.0), 8, 2000) is None


def test_a_period_within_the_cap_keeps_every_point():
    pu = prepare_ucr(_series(50), UcrSettings(window_cap=100))
    assert pu.factor == 1 and pu.prep.window == pytest.approx(50, abs=1)
    blocks = pu.prep.split.blocks[0]
    assert blocks["train"] == [0, 2500] and blocks["validation"] == [2000, 2500]  # the last 20 % of training
    test = pu.prep.split.test
    assert test.context[0] == pu.prep.window + 3  # window + horizon − 1 points before the test part
    assert len(test.sequences[0]) - test.context[0] == 6000 - 2500
    assert not pu.prep.split.validation.labels[0].any()


def test_a_long_period_is_averaged_to_fit_the_cap():
    pu = prepare_ucr(_series(300, n=12000, train_end=6000, begin=9000, end=9100), UcrSettings(window_cap=100))
    assert pu.factor == 3 and pu.prep.window == 100 and pu.period_points == pytest.approx(300, abs=2)
    assert pu.coarse_train_end == 2000 and "means of 3 points" in pu.prep.window_rule
    coarse = resample_mean(SeriesDataset("x", [np.arange(7.0)[:, None]], [np.zeros(7, bool)], ["x"], ["v"], "t"), 3)
    np.testing.assert_allclose(coarse.sequences[0][:, 0], [1.0, 4.0])  # means of 3 points, the remainder dropped


def test_scores_map_back_to_every_original_test_point():
    pu = prepare_ucr(_series(300, n=12000, train_end=6001, begin=9000, end=9100), UcrSettings(window_cap=100))
    test = pu.prep.split.test
    context, steps = test.context[0], len(test.sequences[0]) - test.context[0]
    scored = np.arange(context, context + steps - 3)  # the last steps are not scored
    points = to_points(pu, scored, (scored - context).astype(float))
    assert points.shape == (12000 - 6001,)
    # original point p lies in coarse step (p − 3·2000) // 3; series point 6001 → step 0 (6000..6002)
    assert points[0] == 0.0 and points[1498] == 499.0 and points[1499] == 500.0  # 7499 → 499, 7500 → 500
    assert points[-1] == 0.0  # unscored tail points take the lowest score


def test_the_validation_block_is_never_shorter_than_a_window():
    pu = prepare_ucr(_series(90, n=3000, train_end=400, begin=2000, end=2050), UcrSettings(validation_fraction=0.05))
    start, end = pu.prep.split.blocks[0]["validation"]
    assert end - start >= pu.prep.window + 4


@pytest.mark.parametrize("model", ["persistence", "raw_value"])  # no numba compile: seconds
def test_a_planted_anomaly_is_found_where_it_is_after_averaging(model):
    # period 300 points > the cap of 100 steps: the series is averaged over factor 3 before any detector sees it
    from fedad.detection.ucr_score import series_scores
    from fedad.experiments import ucr

    begin, end = 9030, 9090  # 60 points, 20 coarse steps, lifted by 3 (the series spans -1 … 1)
    series = _series(300, n=12000, train_end=6000, begin=begin, end=end)
    series.values[begin:end] += 3.0
    pu = prepare_ucr(series, UcrSettings(window_cap=100))
    assert pu.factor == 3 and pu.period_points == pytest.approx(300, abs=2)
    run = {"model": model, "label": "planted", "max_fit_windows": 400, "training": "none", "seed": 0,
           "horizon": 4, "model_kwargs": {}, "checkpoint_every": 0}
    threshold, points, _ = ucr._forecaster_scores(run, pu, None, False)
    assert points.size == series.values.size - 6000  # one score per original test point
    out = series_scores(points, 6000, begin, end, threshold, 20)
    assert out["hit_kdd"] and out["hit_length"], out["location"]
    assert -100 <= out["location_error"]["from_begin"] and out["location_error"]["from_end"] <= 100
    assert out["point"]["anomaly_flagged"]
