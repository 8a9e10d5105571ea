"""The models' names and labels, without importing a model (so that figures and REPORT.md, which only
name models, never load torch)."""

FORECASTER_NAMES = ("amcnn_lstm", "cnn_lstm", "lstm", "gru", "sae", "svm", "persistence", "seasonal_naive",
                    "raw_value")
CLASSIFIER_NAMES = ("simple_cnn",)
NEURAL_FORECASTERS = ("amcnn_lstm", "cnn_lstm", "lstm", "gru", "sae")
REFERENCES = ("persistence", "seasonal_naive", "raw_value")
NOT_FORECASTS = ("raw_value",)  # scores the values themselves: its "forecast" RMSE means nothing
LABELS = {"amcnn_lstm": "AMCNN-LSTM", "cnn_lstm": "CNN-LSTM", "lstm": "LSTM", "gru": "GRU", "sae": "SAE",
          "svm": "SVM", "simple_cnn": "simple CNN", "persistence": "persistence (reference)",
          "seasonal_naive": "seasonal naive (reference)",
          "raw_value": "raw-value distance (reference)", "matrix_profile": "matrix-profile discord (reference)",
          "flag_nothing": "flag nothing (reference)"}
