"""Where the data lives, and the checks every file passes before a loader reads it.

Resolution order of the data directory: the ``FEDAD_DATA`` environment variable; else
``../shared/data`` beside the repository when it exists; else ``~/.cache/fedad``. ``fedad data fetch``
writes to :func:`fetch_dir`, and a loader that does not find a file in the data directory looks there
too, so a read-only shared folder can be completed without writing into it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from fedad import settings
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
    env = settings.data_dir()
    if env is not None:
        return env
    shared = REPO_ROOT.parent / "shared" / "data"
    if shared.is_dir():
        return shared
    return CACHE_DIR


def download_dir() -> Path:
    """Where downloads go when a user allows them (never into a shared, read-only data directory)."""
    return settings.download_dir() or CACHE_DIR.expanduser()


def fetch_dir() -> Path:
    """Where ``fedad data fetch`` lays files out: ``FEDAD_DOWNLOAD_DIR`` when set, else the folder a user
    named with ``FEDAD_DATA``, else the download cache (never the shared folder found beside the repository)."""
    if settings.download_dir() is not None or settings.data_dir() is None:
        return download_dir()
    return data_dir()


def search_dirs() -> list[Path]:
    """The folders a loader looks in for a data file, in order: the data directory, then :func:`fetch_dir`."""
    return list(dict.fromkeys([data_dir(), fetch_dir()]))


def locate(relpath: str) -> Path | None:
    """The first of :func:`search_dirs` that holds ``relpath``, as a path to the file; ``None`` if none does."""
    for root in search_dirs():
        if (root / relpath).is_file():
            return root / relpath
    return None


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks."""
    return hash_of(path, "sha256", chunk)


def hash_of(path: Path, algorithm: str, chunk: int = 1 << 20) -> str:
    """Hex digest of a file with any :mod:`hashlib` algorithm (``md5``, ``sha256``...), read in chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def matches(path: Path, entry_sha256: str, alt_hashes: tuple[str, ...] = ()) -> tuple[bool, str]:
    """Whether a file is the manifest's bytes or a source copy it accepts (``"md5:<hex>"``); also its sha256."""
    actual = sha256_of(path)
    if actual == entry_sha256:
        return True, actual
    return any(hash_of(path, alt.split(":", 1)[0]) == alt.split(":", 1)[1] for alt in alt_hashes), actual


def missing_message(relpath: str, looked: list[Path]) -> str:
    """The one line a loader reports when a known data file is in none of the folders it looked in."""
    entry = FILES[relpath]
    where = " or ".join(str(root / relpath) for root in looked)
    return (f"data set '{entry.dataset}': file '{relpath}' not found at {where}. Run `fedad data fetch "
            f"{entry.dataset}` (or set FEDAD_DATA to the folder that holds it); source: {entry.source}")


_VERIFIED: dict[tuple[str, int, int], str] = {}


def verified_path(relpath: str, root: Path | None = None) -> Path:
    """Return the absolute path of a known data file after checking it exists and its sha256.

    Without ``root`` it looks in :func:`search_dirs`. Raises :class:`DataMissingError` (naming the data set,
    file, paths looked at, ``fedad data fetch`` and the source) or :class:`ChecksumMismatchError` (naming
    both hashes). A file is hashed once per process.
    """
    entry = FILES.get(relpath)
    if entry is None:
        raise KeyError(f"{relpath!r} is not a file fedad knows; known: {sorted(FILES)}")
    looked = search_dirs() if root is None else [Path(root)]
    path = next((r / relpath for r in looked if (r / relpath).is_file()), None)
    if path is None:
        raise DataMissingError(missing_message(relpath, looked))
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if _VERIFIED.get(key) != entry.sha256:
        ok, actual = matches(path, entry.sha256, entry.alt_hashes)
        if not ok:
            old = SUPERSEDED.get(actual)
            what = (f"This is a different version: {old[1]}" if old and old[0] == relpath
                    else "The file is truncated, corrupt or a different version")
            raise ChecksumMismatchError(
                f"data set '{entry.dataset}': {path} has sha256 {actual}, expected {entry.sha256}. "
                f"{what}; replace it with `fedad data fetch {entry.dataset}` (source: {entry.source})"
            )
        _VERIFIED[key] = entry.sha256
    return path
