"""Anomaly detection on forecast errors: Eq. 10 scores, the F_θ threshold and metrics."""

from fedad.detection.metrics import classification_metrics, rmse, subsequence_metrics
from fedad.detection.pipeline import PreparedSeries, detect, prepare_series
from fedad.detection.scores import GaussianErrorModel
from fedad.detection.threshold import f_theta, select_threshold

__all__ = ["GaussianErrorModel", "PreparedSeries", "classification_metrics", "detect", "f_theta", "prepare_series",
           "rmse", "select_threshold", "subsequence_metrics"]
