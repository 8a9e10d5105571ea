import math

import numpy as np
import pytest

from fedad.detection.metrics import classification_metrics, rmse, subsequence_metrics


def test_point_metrics_on_a_hand_made_case():
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 0], bool)
    flags = np.array([0, 1, 0, 0, 1, 1, 0, 0], bool)
    m = classification_metrics(labels, flags)
    assert m["confusion"] == [[4, 1], [1, 2]]
    assert m["accuracy"] == pytest.approx(75.0)
    assert m["precision"] == pytest.approx(200 / 3) and m["recall"] == pytest.approx(200 / 3)
    assert m["f1"] == pytest.approx(200 / 3)


def test_undefined_precision_is_nan_not_zero():
    m = classification_metrics(np.array([0, 1], bool), np.array([0, 0], bool))
    assert math.isnan(m["precision"]) and m["recall"] == 0.0


def test_rmse_eq17():
    assert rmse(np.array([0.0, 0.0]), np.array([3.0, 4.0])) == pytest.approx(np.sqrt(12.5))


def test_subsequence_level_counts_a_chunk_detected_by_any_flag():
    labels = np.zeros(20, bool)
    labels[3:6] = True
    flags = np.zeros(20, bool)
    flags[5] = True
    flags[15] = True
    m = subsequence_metrics(labels, flags, np.zeros(20, int), np.arange(20), chunk=10)
    assert m["confusion"] == [[0, 1], [0, 1]] and m["chunk_length"] == 10
