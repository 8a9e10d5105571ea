import io

import numpy as np
import pytest

from fedad.data.datadir import ChecksumMismatchError, DataMissingError, MalformedDataError, data_dir, sha256_of
from fedad.data.images import (
    MNIST_RAW,
    DatasetAbsentError,
    load_cifar10,
    load_fashion_mnist,
    load_mnist,
    load_mnist_subset,
)
from fedad.data.manifest import FILES
from tests.conftest import real_data_available

REAL_ROOT = data_dir()  # before any fixture points FEDAD_DATA at a fake folder


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_mnist_subset_is_labelled_as_such(fake_data, monkeypatch, tmp_path):
    monkeypatch.setenv("FEDAD_DOWNLOAD_DIR", str(tmp_path / "cache"))
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(100, 28, 28), dtype=np.uint8)
    labels = np.repeat(np.arange(10), 10).astype(np.uint8)
    fake_data.write("mnist/mnist_npm10k.npz", _npz(images=images, labels=labels))
    ds = load_mnist_subset()
    assert "10k subset" in ds.source and ds.name == "mnist10k"
    assert ds.x_train.shape == (80, 1, 28, 28) and ds.x_test.shape == (20, 1, 28, 28)
    assert np.bincount(ds.y_test.numpy(), minlength=10).tolist() == [2] * 10  # stratified


def test_mnist_npz_without_expected_arrays_is_malformed(fake_data, monkeypatch, tmp_path):
    monkeypatch.setenv("FEDAD_DOWNLOAD_DIR", str(tmp_path / "cache"))
    fake_data.write("mnist/mnist_npm10k.npz", _npz(x=np.zeros(3)))
    with pytest.raises(MalformedDataError, match="images"):
        load_mnist_subset()


def test_full_mnist_missing_is_not_silently_replaced_by_the_subset(fake_data, monkeypatch, tmp_path):
    monkeypatch.setenv("FEDAD_DOWNLOAD_DIR", str(tmp_path / "cache"))
    fake_data.write("mnist/mnist_npm10k.npz", _npz(images=np.zeros((10, 28, 28), np.uint8),
                                                   labels=np.arange(10, dtype=np.uint8)))
    with pytest.raises(DataMissingError, match="MNIST/raw/train-images-idx3-ubyte"):
        load_mnist()


@pytest.mark.skipif(not real_data_available(*MNIST_RAW), reason="real data absent")
def test_truncated_mnist_idx_file_names_file_both_hashes_and_source(fake_data, monkeypatch, tmp_path):
    monkeypatch.setenv("FEDAD_DOWNLOAD_DIR", str(tmp_path / "cache"))
    for rel in MNIST_RAW:
        data = (REAL_ROOT / rel).read_bytes()
        if rel.endswith("t10k-labels-idx1-ubyte"):
            data = data[:-100]  # truncated, as an interrupted copy leaves it
        fake_data.write(rel, data, register=False)
    with pytest.raises(ChecksumMismatchError) as info:
        load_mnist()
    msg = str(info.value)
    bad = fake_data.root / "MNIST/raw/t10k-labels-idx1-ubyte"
    assert "t10k-labels-idx1-ubyte" in msg and FILES["MNIST/raw/t10k-labels-idx1-ubyte"].sha256 in msg
    assert sha256_of(bad) in msg and "lecun" in msg.lower() and "truncated" in msg


def test_cifar10_absent_is_a_clear_error(fake_data, monkeypatch, tmp_path):
    monkeypatch.setenv("FEDAD_DOWNLOAD_DIR", str(tmp_path / "cache"))
    with pytest.raises(DatasetAbsentError, match="neither folder 'cifar-10-batches-py' nor the JPEG copy"):
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
    ds = load_mnist_subset()
    assert len(ds.x_train) + len(ds.x_test) == 10000 and ds.n_classes == 10


@pytest.mark.skipif(not real_data_available(*MNIST_RAW), reason="real data absent")
def test_real_full_mnist_is_verified_and_named(monkeypatch, tmp_path):
    monkeypatch.setenv("FEDAD_DOWNLOAD_DIR", str(tmp_path / "cache"))
    ds = load_mnist()
    assert ds.x_train.shape == (60000, 1, 28, 28) and ds.x_test.shape == (10000, 1, 28, 28)
    assert "full 60k train / 10k test" in ds.source and "sha256 verified" in ds.source
    assert np.bincount(ds.y_test.numpy()).tolist()[:2] == [980, 1135]  # the standard test split
