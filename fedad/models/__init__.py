"""AMCNN-LSTM, the baselines (CNN-LSTM, LSTM, GRU, SAE, SVM) and the simple CNN of Fig. 4.

The names and labels load without torch; the model classes (``FORECASTERS``, ``CLASSIFIERS``,
``build_model``) load on first use.
"""

from fedad.models.names import LABELS, NEURAL_FORECASTERS, NOT_FORECASTS, REFERENCES

__all__ = ["CLASSIFIERS", "FORECASTERS", "LABELS", "NEURAL_FORECASTERS", "NOT_FORECASTS", "REFERENCES", "build_model"]


def __getattr__(name: str):
    if name in ("CLASSIFIERS", "FORECASTERS", "build_model"):
        from fedad.models import registry

        return getattr(registry, name)
    raise AttributeError(f"module 'fedad.models' has no attribute {name!r}")
