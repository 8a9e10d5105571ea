"""Real data sets, checks, windows and partitions. See :mod:`fedad.data.loaders` for names."""

from fedad.data.datadir import (
    ChecksumMismatchError,
    DataError,
    DataMissingError,
    MalformedDataError,
    data_dir,
)
from fedad.data.images import DatasetAbsentError, ImageDataset
from fedad.data.loaders import PAPER_SERIES, load_images, load_series
from fedad.data.series import SeriesDataset

__all__ = [
    "PAPER_SERIES",
    "ChecksumMismatchError",
    "DataError",
    "DataMissingError",
    "DatasetAbsentError",
    "ImageDataset",
    "MalformedDataError",
    "SeriesDataset",
    "data_dir",
    "load_images",
    "load_series",
]
