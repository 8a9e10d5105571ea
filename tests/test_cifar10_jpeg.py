"""The CIFAR-10 JPEG copy: small zips made here (shapes, labels, original order, the cache), the sha256
check of the real files, and the real copy when the data directory has it."""

import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from fedad.data import cifar10_jpeg
from fedad.data.datadir import ChecksumMismatchError, MalformedDataError
from fedad.data.images import load_cifar10
from tests.conftest import real_data_available


def _jpeg(value: int) -> bytes:
    """A 32×32 RGB image of one grey level, as JPEG (a flat image survives JPEG almost exactly)."""
    buf = io.BytesIO()
    Image.fromarray(np.full((32, 32, 3), value, dtype=np.uint8)).save(buf, format="JPEG", quality=95)
    return buf.getvalue()


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


# original training order: frog, truck, truck, deer, automobile (as in the real batches' first five)
TRAIN = [(6, "frog", "train/frog/0000.jpg", 10), (9, "truck", "train/truck/0000.jpg", 60),
         (9, "truck", "train/truck/0001.jpg", 110), (4, "deer", "train/deer/0000.jpg", 160),
         (1, "automobile", "train/automobile/0000.jpg", 210)]


@pytest.fixture
def small_copy(fake_data, monkeypatch, tmp_path):
    monkeypatch.setenv("FEDAD_DOWNLOAD_DIR", str(tmp_path / "cache"))
    rows = "original_index,label,label_name,jpeg_path\n" + "".join(
        f"{i},{label},{name},{path}\n" for i, (label, name, path, _) in enumerate(TRAIN))
    # files stored in class-folder order in the zip, not in the original order
    fake_data.write(cifar10_jpeg.TRAIN_ZIP, _zip({p: _jpeg(v) for _, _, p, v in sorted(TRAIN, key=lambda t: t[2])}))
    fake_data.write(cifar10_jpeg.ORDER_CSV, rows)
    fake_data.write(cifar10_jpeg.TEST_ZIP, _zip({"test/truck/0000.jpg": _jpeg(30), "test/airplane/0001.jpg": _jpeg(90),
                                                 "test/airplane/0000.jpg": _jpeg(70)}))
    return fake_data


def test_a_small_copy_decodes_in_the_original_training_order(small_copy):
    x_tr, y_tr, x_te, y_te = cifar10_jpeg.load_arrays()
    assert x_tr.shape == (5, 32, 32, 3) and x_tr.dtype == np.uint8 and x_te.shape == (3, 32, 32, 3)
    assert y_tr.tolist() == [6, 9, 9, 4, 1]
    assert [round(float(x.mean())) for x in x_tr] == [10, 60, 110, 160, 210]  # each image where the CSV puts it
    assert y_te.tolist() == [0, 0, 9]  # class by class, each in its original order
    assert [round(float(x.mean())) for x in x_te] == [70, 90, 30]


def test_load_cifar10_says_it_is_the_jpeg_copy(small_copy):
    ds = load_cifar10()
    assert ds.name == "cifar10" and ds.source.startswith("cifar10 (JPEG copy)") and "lossy" in ds.source
    assert ds.x_train.shape == (5, 3, 32, 32) and ds.n_classes == 10


def test_the_second_load_reads_the_cache_not_the_zips(small_copy, monkeypatch):
    first = cifar10_jpeg.load_arrays()
    assert cifar10_jpeg.cache_path().is_file()

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded again")

    monkeypatch.setattr(cifar10_jpeg, "_decode_all", no_decoding)
    second = cifar10_jpeg.load_arrays()
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))


def test_a_csv_that_skips_an_index_is_malformed(small_copy):
    small_copy.write(cifar10_jpeg.ORDER_CSV, "original_index,label,label_name,jpeg_path\n0,6,frog,train/frog/0000.jpg\n"
                                             "2,9,truck,train/truck/0000.jpg\n")
    with pytest.raises(MalformedDataError, match=r"0\.\.1 once each"):
        cifar10_jpeg.load_arrays()


def test_a_csv_row_whose_label_disagrees_with_its_folder_is_malformed(small_copy):
    small_copy.write(cifar10_jpeg.ORDER_CSV, "original_index,label,label_name,jpeg_path\n0,5,dog,train/frog/0000.jpg\n")
    with pytest.raises(MalformedDataError, match="disagrees"):
        cifar10_jpeg.load_arrays()


def test_an_image_missing_from_the_zip_is_named(small_copy):
    small_copy.write(cifar10_jpeg.ORDER_CSV, "original_index,label,label_name,jpeg_path\n0,6,frog,train/frog/0009.jpg\n")
    with pytest.raises(MalformedDataError, match=r"train/frog/0009\.jpg"):
        cifar10_jpeg.load_arrays()


def test_an_altered_real_zip_fails_its_sha256(fake_data, monkeypatch, tmp_path):
    monkeypatch.setenv("FEDAD_DOWNLOAD_DIR", str(tmp_path / "cache"))
    for rel in (cifar10_jpeg.TRAIN_ZIP, cifar10_jpeg.TEST_ZIP, cifar10_jpeg.ORDER_CSV):
        fake_data.write(rel, b"not the real file", register=False)  # checked against the real manifest hashes
    with pytest.raises(ChecksumMismatchError, match=r"cifar10_jpeg/train\.zip"):
        load_cifar10()


@pytest.mark.skipif(not real_data_available(cifar10_jpeg.TRAIN_ZIP, cifar10_jpeg.TEST_ZIP, cifar10_jpeg.ORDER_CSV),
                    reason="real data absent")
def test_the_real_copy_is_complete_and_in_the_original_order(monkeypatch, tmp_path):
    monkeypatch.setenv("FEDAD_DOWNLOAD_DIR", str(tmp_path / "cache"))
    x_tr, y_tr, x_te, y_te = cifar10_jpeg.load_arrays()
    assert x_tr.shape == (50000, 32, 32, 3) and x_te.shape == (10000, 32, 32, 3)
    assert np.bincount(y_tr).tolist() == [5000] * 10 and np.bincount(y_te).tolist() == [1000] * 10
    assert y_tr[:10].tolist() == [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]  # the first labels of data_batch_1
    # the copy's channel means are the original's to 1e-3 (the data directory's README: 1e-4)
    np.testing.assert_allclose(x_tr.reshape(-1, 3).mean(0) / 255, [0.4914, 0.4822, 0.4465], atol=1e-3)
