"""Models by name, so that configs select them with a string."""

from __future__ import annotations

from collections.abc import Callable

from fedad.models.amcnn_lstm import AMCNNLSTM
from fedad.models.cnn_lstm import CNNLSTM
from fedad.models.names import CLASSIFIER_NAMES, FORECASTER_NAMES
from fedad.models.recurrent import GRUModel, LSTMModel
from fedad.models.references import Persistence, RawValue, SeasonalNaive
from fedad.models.sae import StackedAutoencoder
from fedad.models.simple_cnn import SimpleCNN
from fedad.models.svm import SVRForecaster

FORECASTERS: dict[str, Callable] = {
    "amcnn_lstm": AMCNNLSTM,
    "cnn_lstm": CNNLSTM,
    "lstm": LSTMModel,
    "gru": GRUModel,
    "sae": StackedAutoencoder,
    "svm": SVRForecaster,
    "persistence": Persistence,
    "seasonal_naive": SeasonalNaive,
    "raw_value": RawValue,
}
CLASSIFIERS: dict[str, Callable] = {"simple_cnn": SimpleCNN}
if tuple(FORECASTERS) != FORECASTER_NAMES or tuple(CLASSIFIERS) != CLASSIFIER_NAMES:
    raise RuntimeError("fedad.models.names and the registry name different models")

def build_model(name: str, **kwargs):
    """Build a model by name: forecasters take (dims, horizon, window, ...), ``simple_cnn`` image sizes."""
    table = {**FORECASTERS, **CLASSIFIERS}
    if name not in table:
        raise KeyError(f"unknown model {name!r}; known: {sorted(table)}")
    return table[name](**kwargs)
