"""Anomaly detection on forecast errors: Eq. 10 scores, the F_θ threshold chosen out of sample, metrics."""

from fedad.detection.metrics import (
    classification_metrics,
    event_metrics,
    point_adjusted_f1,
    rmse,
    subsequence_metrics,
    threshold_free_metrics,
)
from fedad.detection.pipeline import Calibration, PreparedSeries, calibrate, detection_metrics, prepare_series
from fedad.detection.scores import GaussianErrorModel
from fedad.detection.threshold import ThresholdChoice, choose_threshold, f_theta

__all__ = ["Calibration", "GaussianErrorModel", "PreparedSeries", "ThresholdChoice", "calibrate",
           "choose_threshold", "classification_metrics", "detection_metrics", "event_metrics", "f_theta", "point_adjusted_f1",
           "prepare_series", "rmse", "subsequence_metrics", "threshold_free_metrics"]
