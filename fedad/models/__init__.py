"""AMCNN-LSTM, the baselines (CNN-LSTM, LSTM, GRU, SAE, SVM) and the simple CNN of Fig. 4."""

from fedad.models.registry import (
    CLASSIFIERS,
    FORECASTERS,
    LABELS,
    NEURAL_FORECASTERS,
    NOT_FORECASTS,
    REFERENCES,
    build_model,
)

__all__ = ["CLASSIFIERS", "FORECASTERS", "LABELS", "NEURAL_FORECASTERS", "NOT_FORECASTS", "REFERENCES", "build_model"]
