"""Anomaly score of Eq. 10: the Mahalanobis distance of an error vector from the fitted normal."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from sklearn.covariance import LedoitWolf

COVARIANCES = ("ml", "ledoit_wolf")  # Σ of Eq. 10: maximum likelihood, or Ledoit–Wolf shrinkage


@dataclass
class GaussianErrorModel:
    """N(μ, Σ) fitted by maximum likelihood to training error vectors.

    Σ is the ML (biased) covariance plus a ridge ``ridge · trace(Σ)/d · I``, so that it is invertible
    even when errors of neighbouring horizons are almost collinear or a channel is constant. With
    ``covariance="ledoit_wolf"`` Σ is scikit-learn's Ledoit–Wolf shrinkage estimate instead (plus the same
    ridge): for long error vectors (a horizon of a whole period) that few validation points cannot pin down.
    """

    mean: np.ndarray
    cov: np.ndarray

    @classmethod
    def fit(cls, errors: np.ndarray, ridge: float = 1e-6, covariance: str = "ml") -> GaussianErrorModel:
        errors = np.asarray(errors, dtype=np.float64)
        if errors.ndim != 2 or len(errors) < 2:
            raise ValueError(f"need at least two error vectors [P, d], got shape {errors.shape}")
        if covariance not in COVARIANCES:
            raise ValueError(f"covariance must be one of {COVARIANCES}, got {covariance!r}")
        mean = errors.mean(0)
        if covariance == "ledoit_wolf":
            cov = LedoitWolf(assume_centered=False).fit(errors).covariance_
        else:
            centred = errors - mean
            cov = centred.T @ centred / len(errors)
        d = cov.shape[0]
        cov = cov + (ridge * np.trace(cov) / d + 1e-12) * np.eye(d)
        return cls(mean, cov)

    def score(self, errors: np.ndarray, one_sided: bool = False) -> np.ndarray:
        """A_n = (β_n − μ)ᵀ Σ⁻¹ (β_n − μ) for each row β_n (Eq. 10).

        ``one_sided``: only errors larger than the fitted mean count (β_n − μ clipped at 0 per component),
        so that an unusually *good* forecast does not score as an anomaly; Eq. 10 itself is two-sided.
        """
        centred = np.asarray(errors, dtype=np.float64) - self.mean
        if one_sided:
            centred = np.maximum(centred, 0.0)
        factor = cho_factor(self.cov)
        return np.einsum("ij,ji->i", centred, cho_solve(factor, centred.T))
