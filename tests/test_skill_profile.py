"""Forecast skill (RMSE, MASE on normal points) and the event error profile, on synthetic errors."""

import numpy as np
import pytest

from fedad.detection.errors import PointErrors
from fedad.detection.event_profile import event_profile
from fedad.detection.pipeline import detection_metrics, prepare_series, reference_forecast, scored_errors
from fedad.detection.scores import GaussianErrorModel
from fedad.detection.skill import forecast_skill
from tests.test_pipeline import PROTOCOL, _oracle, _series


def _errors(values: np.ndarray, labels: np.ndarray) -> PointErrors:
    n = len(values)
    return PointErrors(np.asarray(values, float)[:, None], labels, np.zeros(n, int), np.arange(n))


def test_mase_is_the_models_mean_absolute_error_over_the_references_on_normal_points_only():
    labels = np.zeros(100, bool)
    labels[40:50] = True
    model = np.full(100, 0.1)
    model[40:50] = 9.0  # anomalous points must not enter the skill
    out = forecast_skill(_errors(model, labels), _errors(np.full(100, 0.2), labels))
    assert out["mase"] == pytest.approx(0.5) and out["rmse"] == pytest.approx(0.1) and out["points"] == 90
    with pytest.raises(ValueError, match="same points"):
        forecast_skill(_errors(model, labels), _errors(np.full(99, 0.2), labels[:99]))


def test_seasonal_naive_scores_mase_one_and_an_oracle_below_it():
    prep = prepare_series(PROTOCOL, horizon=2, dataset=_series())
    naive = {p: reference_forecast(prep, p) for p in prep.windows}
    assert detection_metrics(prep, naive)["skill"]["test_normal"]["mase"] == pytest.approx(1.0)
    skill = detection_metrics(prep, _oracle(prep))["skill"]
    assert skill["scale"] == "seasonal_naive"
    assert skill["test_normal"]["mase"] < 0.7 and skill["validation_normal"]["mase"] < 0.7


def _profile(errors_in_event: np.ndarray, period: int = 20) -> dict:
    n, a, length = 400, 200, 40
    labels = np.zeros(n, bool)
    labels[a : a + length] = True
    values = np.full(n, 0.1)
    values[a : a + length] = errors_in_event
    pe = _errors(values, labels)
    return event_profile(pe, values, np.linspace(0, 0.2, 50), shift=period)


def test_an_edge_only_forecaster_rises_at_the_event_edges_and_not_inside():
    inside = np.full(40, 0.1)
    inside[:3] = inside[-3:] = 1.0  # adapts after three steps, errs again when the event ends
    summary = _profile(inside)["summary"]["error"]
    assert summary["edge_ratio"] > 3 and summary["interior_ratio"] == pytest.approx(1.0)


def test_a_forecaster_that_errs_through_the_event_rises_inside_it_too():
    out = _profile(np.full(40, 1.0))
    assert out["summary"]["error"]["interior_ratio"] == pytest.approx(10.0)
    assert out["events"] == 1 and out["normal_stretches"] > 0  # normal stretches moved by whole periods
    assert out["score_percentile"]["event"][5] == 100.0  # every point inside scores above all normal ones


def test_normal_stretches_never_overlap_a_labelled_point():
    labels = np.zeros(120, bool)
    labels[50:70] = True
    values = np.where(labels, 1.0, 0.1)
    out = event_profile(_errors(values, labels), values, np.array([0.1, 0.1]), shift=25)
    assert max(v for v in out["error"]["normal"] if v is not None) == pytest.approx(0.1)


def test_a_stated_lead_scores_each_point_by_that_forecast_only():
    prep = prepare_series(PROTOCOL, horizon=2, dataset=_series())
    forecasts = _oracle(prep)
    full = scored_errors(prep, "test", forecasts["test"])
    second = scored_errors(prep, "test", forecasts["test"], lead=2)
    assert second.errors.shape[1] == 1 and np.array_equal(second.errors[:, 0], full.errors[:, 1])
    with pytest.raises(ValueError, match="lead must be between 1 and the horizon 2"):
        scored_errors(prep, "test", forecasts["test"], lead=3)
    out = detection_metrics(prep, forecasts, lead=1, covariance="ledoit_wolf")
    assert out["threshold_free"]["pr_auc"] > 50


def test_ledoit_wolf_shrinks_a_covariance_that_too_few_points_leave_singular():
    rng = np.random.default_rng(0)
    errors = rng.normal(size=(10, 40))  # fewer points than dimensions
    ml, lw = GaussianErrorModel.fit(errors), GaussianErrorModel.fit(errors, covariance="ledoit_wolf")
    assert np.linalg.cond(lw.cov) < np.linalg.cond(ml.cov) / 100
    with pytest.raises(ValueError, match="covariance must be one of"):
        GaussianErrorModel.fit(errors, covariance="oas")
