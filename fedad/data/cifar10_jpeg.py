"""CIFAR-10 from its JPEG copy in the data directory: ``cifar10_jpeg/{train,test}.zip`` and
``train_original_order.csv``. **Lossy**: every image was re-encoded as JPEG (mean absolute error 5.8/255,
median PSNR 30.5 dB against the original pixels; the data directory's README gives the measurement).

The training images come back in the original batches' order (the CSV maps each original index to its
file), so partitions and seeds mean what they mean with ``cifar-10-batches-py``. The test zip has no
such map; its images come class by class in their original order within the class, which changes
nothing for an accuracy. Both zips and the CSV are sha256-verified; the decoded uint8 arrays are kept
in a cache file (:func:`fedad.data.datadir.download_dir`) named by the zips' hashes, so only the first
run decodes 60,000 images.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from fedad.data import manifest
from fedad.data.datadir import MalformedDataError, download_dir, locate, verified_path

FOLDER = "cifar10_jpeg"
TRAIN_ZIP, TEST_ZIP, ORDER_CSV = (f"{FOLDER}/train.zip", f"{FOLDER}/test.zip", f"{FOLDER}/train_original_order.csv")
CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
SOURCE = ("cifar10 (JPEG copy): CIFAR-10 re-encoded as JPEG, lossy (mean absolute error 5.8/255, median PSNR "
          "30.5 dB against the original pixels), training images in the original order; zips sha256 verified")
CACHE_VERSION = 1  # bump when the decoding changes, so that an old cache is not read


def present(root: Path | None = None) -> bool:
    """True when the three files of the copy are in the data directory or the fetch folder (not yet verified)."""
    if root:
        return all((Path(root) / rel).is_file() for rel in (TRAIN_ZIP, TEST_ZIP, ORDER_CSV))
    return all(locate(rel) is not None for rel in (TRAIN_ZIP, TEST_ZIP, ORDER_CSV))


def _decode(archive: zipfile.ZipFile, name: str) -> np.ndarray:
    try:
        with Image.open(io.BytesIO(archive.read(name))) as img:
            pixels = np.asarray(img.convert("RGB"))
    except (KeyError, OSError) as exc:
        raise MalformedDataError(f"cifar10 JPEG copy: cannot decode {name} in {archive.filename}: {exc}") from None
    if pixels.shape != (32, 32, 3):
        raise MalformedDataError(f"cifar10 JPEG copy: {name} is {pixels.shape}, expected 32×32 RGB")
    return pixels


def _label_of(name: str) -> int:
    """The class index of ``<split>/<class>/NNNN.jpg``."""
    parts = name.split("/")
    if len(parts) != 3 or parts[1] not in CLASSES:
        raise MalformedDataError(f"cifar10 JPEG copy: {name!r} is not <split>/<class>/<rank>.jpg with a CIFAR-10 class")
    return CLASSES.index(parts[1])


def _train_order(csv_path: Path) -> tuple[list[str], np.ndarray]:
    """The training files in original order and their labels, from the CSV (checked for gaps and clashes)."""
    with open(csv_path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or not {"original_index", "label", "label_name", "jpeg_path"} <= set(rows[0]):
        raise MalformedDataError(f"cifar10 JPEG copy: {csv_path} lacks the columns original_index, label, "
                                 "label_name, jpeg_path")
    rows.sort(key=lambda r: int(r["original_index"]))
    if [int(r["original_index"]) for r in rows] != list(range(len(rows))):
        raise MalformedDataError(f"cifar10 JPEG copy: {csv_path} does not number the images 0..{len(rows) - 1} once each")
    names, labels = [], []
    for r in rows:
        label = int(r["label"])
        if not 0 <= label < len(CLASSES) or CLASSES[label] != r["label_name"] or _label_of(r["jpeg_path"]) != label:
            raise MalformedDataError(f"cifar10 JPEG copy: row {r['original_index']} of {csv_path} disagrees with "
                                     f"itself ({r['label']}, {r['label_name']}, {r['jpeg_path']})")
        names.append(r["jpeg_path"])
        labels.append(label)
    return names, np.asarray(labels, dtype=np.int64)


def _decode_all(zip_path: Path, names: list[str], desc: str) -> np.ndarray:
    from tqdm.auto import tqdm

    with zipfile.ZipFile(zip_path) as archive:
        members = set(archive.namelist())
        missing = [n for n in names if n not in members]
        if missing:
            raise MalformedDataError(f"cifar10 JPEG copy: {zip_path} lacks {len(missing)} images, e.g. {missing[0]}")
        return np.stack([_decode(archive, n) for n in tqdm(names, desc=desc, leave=False, mininterval=2)])


def _test_names(zip_path: Path) -> list[str]:
    """The test images class by class, each class in its original order (the rank in the file name)."""
    with zipfile.ZipFile(zip_path) as archive:
        names = [n for n in archive.namelist() if n.endswith(".jpg")]
    return sorted(names, key=lambda n: (_label_of(n), n))


def cache_path() -> Path:
    """Where the decoded arrays are kept: named by the zips' sha256, so another copy never reuses them."""
    key = "-".join(manifest.FILES[rel].sha256[:12] for rel in (TRAIN_ZIP, TEST_ZIP, ORDER_CSV))
    return download_dir() / f"cifar10_jpeg_v{CACHE_VERSION}_{key}.npz"


def load_arrays(root: Path | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_test, y_test): uint8 images [N, 32, 32, 3] and int64 labels, from the cache
    when it exists, else decoded from the verified zips (and cached, written to a temporary file first)."""
    paths = {rel: verified_path(rel, root) for rel in (TRAIN_ZIP, TEST_ZIP, ORDER_CSV)}
    cache = cache_path()
    if cache.is_file():
        with np.load(cache) as npz:
            return npz["x_train"], npz["y_train"], npz["x_test"], npz["y_test"]
    train_names, y_train = _train_order(paths[ORDER_CSV])
    x_train = _decode_all(paths[TRAIN_ZIP], train_names, "decoding CIFAR-10 JPEG train")
    test_names = _test_names(paths[TEST_ZIP])
    x_test = _decode_all(paths[TEST_ZIP], test_names, "decoding CIFAR-10 JPEG test")
    y_test = np.asarray([_label_of(n) for n in test_names], dtype=np.int64)
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_name(f"{cache.stem}.{os.getpid()}.tmp.npz")
    np.savez(tmp, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    tmp.replace(cache)
    return x_train, y_train, x_test, y_test
