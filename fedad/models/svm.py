"""SVM baseline: scikit-learn's SVR, trained centrally (the paper trains the SVM centrally too).

Multi-step output uses the *direct* strategy: one RBF SVR per (horizon step, channel), each reading the
flattened window (scikit-learn's ``MultiOutputRegressor``). SVR training is quadratic in the number of
samples, so at most ``max_train`` windows, evenly spaced in time, are used to fit it (recorded in the
results). Prediction evaluates the RBF kernel between the inputs and the fitted windows once, with BLAS, and
reads every SVR's decision function from it (all the SVRs were fitted on the same windows, so their support
vectors are rows of one matrix): the same values as libsvm's own predict, which computes the kernel again
for each of the T × D models, one support vector at a time.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.multioutput import MultiOutputRegressor
from sklearn.svm import SVR


class SVRForecaster:
    """fit(x [M, n, D], y [M, T, D]) / predict(x) → [M, T, D]."""

    def __init__(self, dims: int, horizon: int, window: int | None = None, C: float = 1.0, epsilon: float = 0.01,
                 gamma: str | float = "scale", max_train: int = 3000, n_jobs: int | None = None):
        self.dims, self.horizon, self.max_train = dims, horizon, max_train
        self.model = MultiOutputRegressor(SVR(C=C, epsilon=epsilon, gamma=gamma), n_jobs=n_jobs)
        self.n_fit: int | None = None
        self.x_fit: np.ndarray | None = None

    def fit(self, x: np.ndarray, y: np.ndarray) -> SVRForecaster:
        idx = np.arange(len(x))
        if len(idx) > self.max_train:
            idx = np.linspace(0, len(x) - 1, self.max_train).round().astype(int)
        self.n_fit = len(idx)
        self.x_fit = np.asarray(x[idx].reshape(len(idx), -1), dtype=np.float64)  # what SVR fits on
        self.model.fit(self.x_fit, y[idx].reshape(len(idx), -1))
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        flat = np.asarray(x.reshape(len(x), -1), dtype=np.float64)
        svrs = self.model.estimators_
        kernel = rbf_kernel(flat, self.x_fit, gamma=svrs[0]._gamma)  # gamma 'scale' is read off the inputs alone
        out = np.column_stack([kernel[:, m.support_] @ m.dual_coef_[0] + m.intercept_[0] for m in svrs])
        return out.reshape(len(x), self.horizon, self.dims).astype(np.float32)
