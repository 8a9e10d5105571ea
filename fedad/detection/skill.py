"""Forecast skill: is a forecaster competent at all, apart from how well it detects?

RMSE and MASE of a model's point errors β_t (every horizon of each scored point) on the *normal* points of
a part, so that anomalies do not decide the skill. MASE is the model's mean absolute error divided by a
reference forecaster's on the same points and horizons: seasonal-naive where the data set has a period,
persistence where it has none (engine). Below 1 the model forecasts better than that reference.
"""

from __future__ import annotations

import numpy as np

from fedad.detection.errors import PointErrors


def forecast_skill(model: PointErrors, reference: PointErrors) -> dict:
    """RMSE, MAE, the reference's MAE and MASE over the normal points of one part.

    ``model`` and ``reference`` are the same part's point errors (same points, same order) of the
    forecaster and of the reference forecaster.
    """
    if not (np.array_equal(model.position, reference.position) and np.array_equal(model.sequence, reference.sequence)):
        raise ValueError("forecast_skill needs the model's and the reference's errors on the same points")
    normal = ~np.asarray(model.labels, bool)
    if not normal.any():
        return {"rmse": None, "mae": None, "reference_mae": None, "mase": None, "points": 0}
    err, ref = model.errors[normal], reference.errors[normal]
    mae, ref_mae = float(np.mean(err)), float(np.mean(ref))
    return {"rmse": float(np.sqrt(np.mean(err**2))), "mae": mae, "reference_mae": ref_mae,
            "mase": mae / ref_mae if ref_mae > 0 else None, "points": int(normal.sum())}
