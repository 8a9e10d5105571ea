import io

import numpy as np
import pytest

from fedad.data.datadir import MalformedDataError
from fedad.data.images import DatasetAbsentError, load_cifar10, load_fashion_mnist, load_mnist
from tests.conftest import real_data_available


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_mnist_subset_is_used_and_labelled_as_such(fake_data, monkeypatch, tmp_path):
    monkeypatch.setenv("FEDAD_DOWNLOAD_DIR", str(tmp_path / "cache"))
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(100, 28, 28), dtype=np.uint8)
    labels = np.repeat(np.arange(10), 10).astype(np.uint8)
    fake_data.write("mnist/mnist_npm10k.npz", _npz(images=images, labels=labels))
    ds = load_mnist()
    assert "10k subset" in ds.source
    assert ds.x_train.shape == (80, 1, 28, 28) and ds.x_test.shape == (20, 1, 28, 28)
    assert np.bincount(ds.y_test.numpy(), minlength=10).tolist() == [2] * 10  # stratified


def test_mnist_npz_without_expected_arrays_is_malformed(fake_data, monkeypatch, tmp_path):
    monkeypatch.setenv("FEDAD_DOWNLOAD_DIR", str(tmp_path / "cache"))
    fake_data.write("mnist/mnist_npm10k.npz", _npz(x=np.zeros(3)))
    with pytest.raises(MalformedDataError, match="images"):
        load_mnist()


def test_cifar10_absent_is_a_clear_error(fake_data, monkeypatch, tmp_path):
    monkeypatch.setenv("FEDAD_DOWNLOAD_DIR", str(tmp_path / "cache"))
    with pytest.raises(DatasetAbsentError, match="cifar-10-batches-py"):
        load_cifar10()


@pytest.mark.skipif(not real_data_available("fashion_mnist/train-images-idx3-ubyte.gz"), reason="real data absent")
def test_real_fashion_mnist_is_full_size(monkeypatch, tmp_path):
    monkeypatch.setenv("FEDAD_DOWNLOAD_DIR", str(tmp_path / "cache"))
    ds = load_fashion_mnist()
    assert ds.x_train.shape == (60000, 1, 28, 28) and ds.x_test.shape == (10000, 1, 28, 28)
    assert abs(float(ds.x_train.mean())) < 0.05  # normalised with the training statistics


@pytest.mark.skipif(not real_data_available("mnist/mnist_npm10k.npz"), reason="real data absent")
def test_real_mnist_subset_loads(monkeypatch, tmp_path):
    monkeypatch.setenv("FEDAD_DOWNLOAD_DIR", str(tmp_path / "cache"))
    ds = load_mnist()
    assert len(ds.x_train) + len(ds.x_test) == 10000 and ds.n_classes == 10
