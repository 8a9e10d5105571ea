"""Where the data lives, and the checks every file passes before a loader reads it.

Resolution order of the data directory: the ``FEDAD_DATA`` environment variable; else
``../shared/data`` beside the repository when it exists; else ``~/.cache/fedad``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from fedad.data.manifest import FILES, SUPERSEDED

REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = Path.home() / ".cache" / "fedad"


class DataError(Exception):
    """Base class of every data problem a loader reports."""


class DataMissingError(DataError, FileNotFoundError):
    """A data file is not where fedad looked for it."""


class ChecksumMismatchError(DataError):
    """A data file's bytes differ from the ones fedad knows."""


class MalformedDataError(DataError, ValueError):
    """A data file parses but its content is not what the format promises (columns, NaNs...)."""


def data_dir() -> Path:
    """The data directory fedad reads from (see the module docstring for the order)."""
    env = os.environ.get("FEDAD_DATA")
    if env:
        return Path(env).expanduser()
    shared = REPO_ROOT.parent / "shared" / "data"
    if shared.is_dir():
        return shared
    return CACHE_DIR


def download_dir() -> Path:
    """Where downloads go when a user allows them (never into a shared, read-only data directory)."""
    return Path(os.environ.get("FEDAD_DOWNLOAD_DIR", CACHE_DIR)).expanduser()


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


_VERIFIED: dict[tuple[str, int, int], str] = {}


def verified_path(relpath: str, root: Path | None = None) -> Path:
    """Return the absolute path of a known data file after checking it exists and its sha256.

    Raises :class:`DataMissingError` (naming the data set, file, path looked at and source) or
    :class:`ChecksumMismatchError` (naming both hashes). A file is hashed once per process.
    """
    entry = FILES.get(relpath)
    if entry is None:
        raise KeyError(f"{relpath!r} is not a file fedad knows; known: {sorted(FILES)}")
    root = data_dir() if root is None else Path(root)
    path = root / relpath
    if not path.is_file():
        raise DataMissingError(
            f"data set '{entry.dataset}': file '{relpath}' not found at {path}. "
            f"Set FEDAD_DATA to the folder that holds it, or download it from: {entry.source}"
        )
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if _VERIFIED.get(key) != entry.sha256:
        actual = sha256_of(path)
        if actual != entry.sha256:
            old = SUPERSEDED.get(actual)
            what = (f"This is a different version: {old[1]}" if old and old[0] == relpath
                    else "The file is truncated, corrupt or a different version")
            raise ChecksumMismatchError(
                f"data set '{entry.dataset}': {path} has sha256 {actual}, expected {entry.sha256}. "
                f"{what}; fetch the right one from: {entry.source}"
            )
        _VERIFIED[key] = actual
    return path
