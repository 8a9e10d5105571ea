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


def test_event_metrics_on_hand_made_cases():
    from fedad.detection.metrics import event_metrics

    labels = np.array([0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0], bool)  # two events
    flags = np.array([0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 1, 0], bool)  # three flagged runs, one touches an event
    m = event_metrics(labels, flags)
    assert (m["events"], m["detected_events"], m["flagged_runs"], m["true_flagged_runs"]) == (2, 1, 3, 1)
    assert m["recall"] == pytest.approx(50.0) and m["precision"] == pytest.approx(100 / 3)
    none = event_metrics(labels, np.zeros_like(flags))
    assert none["recall"] == 0.0 and math.isnan(none["precision"])


def test_runs_do_not_cross_segments():
    from fedad.detection.metrics import event_metrics

    labels = np.array([0, 1, 1, 1, 0], bool)
    flags = np.array([0, 0, 1, 1, 0], bool)
    # segment boundary after index 2: the labelled run is two events, the flagged run two runs
    m = event_metrics(labels, flags, np.array([0, 0, 0, 1, 1]))
    assert m["events"] == 2 and m["flagged_runs"] == 2 and m["detected_events"] == 2


def test_point_adjustment_inflates_and_is_only_an_extra():
    from fedad.detection.metrics import point_adjusted, point_adjusted_f1

    labels = np.zeros(100, bool)
    labels[10:60] = True
    flags = np.zeros(100, bool)
    flags[30] = True  # one lucky point inside a 50-point event
    assert point_adjusted(labels, flags).sum() == 50
    assert point_adjusted_f1(labels, flags) == pytest.approx(100.0)
    assert classification_metrics(labels, flags)["f1"] < 5  # the honest point F1


def test_threshold_free_metrics_match_sklearn_and_give_the_base_rate():
    from sklearn.metrics import average_precision_score, roc_auc_score

    from fedad.detection.metrics import threshold_free_metrics

    rng = np.random.default_rng(0)
    labels = rng.random(200) < 0.1
    scores = rng.random(200) + labels
    m = threshold_free_metrics(labels, scores)
    assert m["pr_auc"] == pytest.approx(100 * average_precision_score(labels, scores))
    assert m["roc_auc"] == pytest.approx(100 * roc_auc_score(labels, scores))
    assert m["base_rate"] == pytest.approx(100 * labels.mean())
    assert math.isnan(threshold_free_metrics(np.zeros(5, bool), np.arange(5.0))["pr_auc"])
