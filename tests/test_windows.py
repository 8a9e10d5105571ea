import numpy as np
import pytest

from fedad.data.series import SeriesDataset
from fedad.data.splits import split_three_way
from fedad.data.windows import fit_scaler, make_windows, scale_part, window_labels, windows_of


def _ds(lengths=(100,), dims=1, name="toy"):
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(n, dims)).astype(np.float32) for n in lengths]
    labs = [np.zeros(n, bool) for n in lengths]
    return SeriesDataset(name, seqs, labs, [f"s{i}" for i in range(len(lengths))], [f"c{d}" for d in range(dims)], "t")


def test_scaler_sees_only_the_training_part():
    ds = _ds((100,))
    ds.sequences[0][80:] = 1000.0  # an extreme test part
    split = split_three_way(ds, 0.7, 0.2, "time", "tail")
    train, test = split.fit, split.test
    scaler = fit_scaler(train)
    scaled_train = scale_part(train, scaler)
    assert scaled_train.sequences[0].min() == pytest.approx(0) and scaled_train.sequences[0].max() == pytest.approx(1)
    assert scale_part(test, scaler).sequences[0].max() > 100  # the test part did not shape the scaler


def test_window_shapes_and_targets():
    values = np.arange(20, dtype=np.float32).reshape(10, 2)
    x, y = make_windows(values, n=4, horizon=2)
    assert x.shape == (5, 4, 2) and y.shape == (5, 2, 2)
    np.testing.assert_array_equal(x[1], values[1:5])
    np.testing.assert_array_equal(y[1], values[5:7])


def test_too_short_sequence_is_rejected():
    with pytest.raises(ValueError, match="too short"):
        make_windows(np.zeros((5, 1)), n=4, horizon=2)


def test_window_is_anomalous_when_a_target_point_is():
    lab = np.zeros(10, bool)
    lab[6] = True
    wl = window_labels(lab, n=4, horizon=2)
    assert wl.tolist() == [False, True, True, False, False]


def test_windows_of_concatenates_sequences_and_remembers_origin():
    w = windows_of(split_three_way(_ds((20, 30, 25, 35), dims=3), 0.5, 0.5, "sequences").fit, n=5, horizon=2)
    assert w.x.shape == (14, 5, 3) and (w.sequence == 0).all()
