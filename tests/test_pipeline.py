import numpy as np

from fedad.data.series import SeriesDataset
from fedad.detection.pipeline import detect, prepare_series


def test_a_perfect_forecaster_with_a_spike_detects_it():
    rng = np.random.default_rng(1)
    values = (0.5 + 0.3 * np.sin(np.arange(1000) / 4)).astype(np.float32)[:, None]
    labels = np.zeros(1000, bool)
    for a in (300, 900):
        labels[a : a + 5] = True
    ds = SeriesDataset("toy", [values], [labels], ["a"], ["v"], "t")
    prep = prepare_series(ds, window=8, horizon=1)
    noise = lambda y: y + rng.normal(scale=0.01, size=y.shape).astype(np.float32)
    f_tr, f_te = noise(prep.train_windows.y), noise(prep.test_windows.y)
    f_tr[prep.train_windows.labels] += 0.5  # the forecaster fails where the series is anomalous
    f_te[prep.test_windows.labels] += 0.5
    out = detect(prep, f_tr, f_te)
    assert out["point"]["recall"] == 100.0 and out["point"]["precision"] == 100.0
    assert out["subsequence"]["recall"] == 100.0
