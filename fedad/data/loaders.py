"""Data sets by name, so that configs select them with a string."""

from __future__ import annotations

from collections.abc import Callable

from fedad.data.cmapss import load_engine
from fedad.data.images import ImageDataset, load_cifar10, load_fashion_mnist, load_mnist, load_mnist_subset
from fedad.data.keogh import load_ecg, load_power_demand, load_space_shuttle
from fedad.data.metropt import load_metropt
from fedad.data.series import SeriesDataset

SERIES: dict[str, Callable[..., SeriesDataset]] = {
    "power_demand": load_power_demand,
    "space_shuttle": load_space_shuttle,
    "ecg": load_ecg,
    "engine": load_engine,
    "metropt3": load_metropt,
}
IMAGES: dict[str, Callable[..., ImageDataset]] = {
    "mnist": load_mnist,
    "mnist10k": load_mnist_subset,
    "fashion_mnist": load_fashion_mnist,
    "cifar10": load_cifar10,
}
PAPER_SERIES = ("power_demand", "space_shuttle", "ecg", "engine")


def load_series(name: str, **kwargs) -> SeriesDataset:
    """Load a time-series data set by name (``power_demand``, ``space_shuttle``, ``ecg``, ``engine``, ``metropt3``)."""
    if name not in SERIES:
        raise KeyError(f"unknown series data set {name!r}; known: {sorted(SERIES)}")
    return SERIES[name](**kwargs)


def load_images(name: str, **kwargs) -> ImageDataset:
    """Load an image data set by name (``mnist``, ``mnist10k``, ``fashion_mnist``, ``cifar10``)."""
    if name not in IMAGES:
        raise KeyError(f"unknown image data set {name!r}; known: {sorted(IMAGES)}")
    return IMAGES[name](**kwargs)
