import numpy as np
import pytest

from fedad.data.series import SeriesDataset
from fedad.detection.pipeline import detect, prepare_series
from fedad.detection.threshold import f_theta, select_threshold


def test_f_theta_weighs_precision_and_reduces_to_f1_at_theta_1():
    assert f_theta(0.5, 1.0, theta=1.0) == pytest.approx(2 * 0.5 / 1.5)
    assert f_theta(1.0, 0.1, theta=0.05) > f_theta(0.1, 1.0, theta=0.05)
    assert f_theta(0.0, 0.0) == 0.0


def test_threshold_separates_a_clean_case():
    scores = np.array([0.1, 0.2, 0.3, 5.0, 6.0])
    labels = np.array([0, 0, 0, 1, 1], bool)
    thr, f = select_threshold(scores, labels)
    assert 0.3 < thr <= 5.0 and f == pytest.approx(1.0)


def test_without_training_anomalies_nothing_in_training_is_flagged():
    thr, f = select_threshold(np.array([1.0, 2.0]), np.array([False, False]))
    assert thr == 2.0 and np.isnan(f)


def test_test_labels_cannot_change_the_threshold():
    rng = np.random.default_rng(0)
    values = (np.sin(np.arange(600) / 5) + 0.05 * rng.normal(size=600)).astype(np.float32)[:, None]
    labels = np.zeros(600, bool)
    labels[100:120] = True
    ds = SeriesDataset("toy", [values], [labels], ["a"], ["v"], "t")
    prep = prepare_series(ds, window=8, horizon=2, split_mode="time")
    f_tr = prep.train_windows.y + rng.normal(scale=0.05, size=prep.train_windows.y.shape).astype(np.float32)
    f_te = prep.test_windows.y + rng.normal(scale=0.05, size=prep.test_windows.y.shape).astype(np.float32)
    first = detect(prep, f_tr, f_te)
    prep.test.labels[0][:] = rng.random(len(prep.test.labels[0])) < 0.3  # scramble the test labels
    second = detect(prep, f_tr, f_te)
    assert first["threshold"] == second["threshold"]
    assert first["point"]["n_anomalous"] != second["point"]["n_anomalous"]
