"""``fedad data fetch``: download each data set from its public source (or a mirror), verify and lay it out.

Downloads go through :func:`pooch.retrieve` (the fetcher behind SciPy's and scikit-image's data sets): it
checks the known hash before a file is moved into place and deletes what does not match, so a failed
or altered download never sits where a loader reads. Its default downloader starts over after an
interruption; :class:`ResumableDownloader` keeps the bytes already received in a ``.part`` file and asks
the server for the rest (an HTTP range request), within a run and across runs.

``FEDAD_DATA_MIRROR`` (a base URL) replaces every source: the mirror serves a copy of a fedad data
folder, ``<mirror>/<path in the data folder>``, checked against the manifest's sha256 with no
conversion. ``FEDAD_OFFLINE=1`` forbids downloads: a fetch then stops with one line.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pooch
import requests
import urllib3
from tqdm.auto import tqdm

from fedad import settings
from fedad.data import manifest
from fedad.data.datadir import ChecksumMismatchError, DataError, fetch_dir, matches
from fedad.data.manifest import Archive, FileEntry

STAGING = ".fedad-downloads"  # inside the fetch folder, so that a finished file is renamed, never copied


class FetchError(DataError):
    """A download that cannot happen (offline, server error) or did not complete."""


class NoSourceError(FetchError):
    """A file only a mirror serves (made for fedad, e.g. the CIFAR-10 JPEG copy) and no mirror is set."""


def mirror() -> str | None:
    """The base URL of ``FEDAD_DATA_MIRROR``, without a trailing slash; ``None`` when unset."""
    return settings.data_mirror()


def offline() -> bool:
    """True when ``FEDAD_OFFLINE`` forbids downloads (any value but empty or ``0``)."""
    return settings.offline()


def offline_message(names: list[str]) -> str:
    """The one line a run reports when data is absent and downloads are off."""
    return (f"data set(s) {', '.join(names)} absent and downloads are off (FEDAD_OFFLINE=1): run "
            f"`fedad data fetch {' '.join(names)}` where downloads are allowed, or set FEDAD_DATA to a folder "
            "that holds them")


class ResumableDownloader:
    """A pooch downloader that resumes: received bytes stay in ``partial`` until the file is whole.

    A dropped connection is retried ``retries`` times from where it stopped; after that the ``.part``
    file stays, and the next fetch continues it. A server that ignores the range request is read again
    from the start.
    """

    def __init__(self, partial: Path, retries: int = 3, timeout: float = 60.0):
        self.partial, self.retries, self.timeout = partial, retries, timeout

    def __call__(self, url: str, output_file: str, pooch_obj: object, check_only: bool = False) -> bool | None:
        if check_only:
            return True
        self.partial.parent.mkdir(parents=True, exist_ok=True)
        for attempt in range(self.retries + 1):
            try:
                self._resume(url)
                break
            except requests.HTTPError as exc:
                raise FetchError(f"{url}: the server answered {exc.response.status_code}") from None
            except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
                if attempt == self.retries:
                    have = self.partial.stat().st_size if self.partial.exists() else 0
                    raise FetchError(f"{url}: download interrupted after {have} bytes ({type(exc).__name__}); "
                                     "run the same fetch again to resume") from None
        shutil.move(self.partial, output_file)
        return None

    def _resume(self, url: str) -> None:
        have = self.partial.stat().st_size if self.partial.exists() else 0
        # identity: a range counts the file's own bytes, not those of a compressed transfer
        headers = {"Accept-Encoding": "identity", **({"Range": f"bytes={have}-"} if have else {})}
        with requests.get(url, headers=headers, stream=True, timeout=self.timeout) as response:
            if response.status_code == 416:  # the partial file already holds every byte
                return
            response.raise_for_status()
            if response.status_code != 206:
                have = 0
            length = response.headers.get("Content-Length")
            expected = have + int(length) if length is not None else None
            with open(self.partial, "ab" if have else "wb") as fh, tqdm(
                total=expected, initial=have, unit="B", unit_scale=True, desc=Path(url).name, disable=None,
                leave=False,
            ) as bar:
                # read1 returns what has arrived, so the bytes before a dropped connection reach the .part
                # file (a buffered read discards them when it raises)
                while block := response.raw.read1(1 << 16):
                    fh.write(block)
                    bar.update(len(block))
            if expected is not None and self.partial.stat().st_size < expected:
                raise requests.ConnectionError(f"connection closed at {self.partial.stat().st_size} of {expected} bytes")


def _join(base: str, relpath: str) -> str:
    return f"{base}/{quote(relpath)}"


def _retrieve(url: str, known_hash: str, dest: Path, partial: Path) -> Path:
    """Download ``url`` to ``dest`` through pooch; a hash mismatch becomes a one-line error, nothing in place."""
    pooch.get_logger().setLevel("WARNING")
    try:
        return Path(pooch.retrieve(url, known_hash, fname=dest.name, path=dest.parent,
                                   downloader=ResumableDownloader(partial)))
    except ValueError as exc:
        if "hash" not in str(exc).lower():
            raise
        raise ChecksumMismatchError(f"{url}: the downloaded bytes do not have the {known_hash.split(':')[0]} "
                                    f"{known_hash.split(':')[-1]} fedad expects; nothing was written") from None


def _convert(entry: FileEntry, source: Path, dest: Path) -> None:
    """Turn a verified source file into the data folder's bytes; the result must hash to the manifest."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            if entry.convert == "gunzip":
                with gzip.open(source, "rb") as fh:
                    shutil.copyfileobj(fh, out)
            elif entry.convert == "gzip":
                # GNU gzip's deflate, not zlib's, made the data folder's bytes; Python's gzip differs from it
                gz = shutil.which("gzip")
                if gz is None:
                    raise FetchError(f"{entry.path}: making it needs GNU gzip on PATH (`gzip -n -9`), not found")
                subprocess.run([gz, "-n", "-9", "-c", str(source)], stdout=out, check=True)
            elif entry.convert == "kdd21":
                lines = source.read_bytes().splitlines(keepends=True)
                out.write(b"".join(lines[:1] + [line for line in lines[1:] if b",KDD21," in line]))
            else:
                raise ValueError(f"{entry.path}: unknown conversion {entry.convert!r}")
        ok, actual = matches(tmp, entry.sha256, entry.alt_hashes)
        if not ok:
            raise ChecksumMismatchError(f"{entry.path}: converted from {entry.url}, it has sha256 {actual}, expected "
                                        f"{entry.sha256}; nothing was written")
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)
    source.unlink()


def fetch_file(entry: FileEntry, root: Path, base: str | None = None) -> bool:
    """Put one manifest file, verified, at ``root/<path>``; False when it was there already."""
    dest = root / entry.path
    if dest.is_file() and matches(dest, entry.sha256, entry.alt_hashes)[0]:
        return False
    partial = root / STAGING / f"{entry.path}.part"
    if base is not None:
        _retrieve(_join(base, entry.path), f"sha256:{entry.sha256}", dest, partial)
        return True
    if entry.url is None:
        raise NoSourceError(f"{entry.path}: no public source serves fedad's copy (it was re-packed for fedad); "
                            "set FEDAD_DATA_MIRROR to a mirror of a fedad data folder")
    if not entry.convert:
        _retrieve(entry.url, entry.url_hash or f"sha256:{entry.sha256}", dest, partial)
        return True
    staged = _retrieve(entry.url, entry.url_hash or "", root / STAGING / f"{entry.path}.source", partial)
    _convert(entry, staged, dest)
    return True


def fetch_archive(archive: Archive, root: Path, base: str | None = None) -> bool:
    """Download and unpack an original archive into ``root/<folder>``; False when the folder was there."""
    dest = root / archive.folder
    if dest.is_dir():
        return False
    url = _join(base, archive.filename) if base else archive.url
    staged = _retrieve(url, archive.known_hash, root / STAGING / archive.filename,
                       root / STAGING / f"{archive.filename}.part")
    unpack = Path(tempfile.mkdtemp(dir=root, prefix=f".{archive.folder}."))
    try:
        with tarfile.open(staged) as tar:
            tar.extractall(unpack, filter="data")
        inner = unpack / archive.folder
        if not inner.is_dir():
            raise FetchError(f"{archive.filename}: holds no folder {archive.folder}/")
        inner.replace(dest)
    finally:
        shutil.rmtree(unpack, ignore_errors=True)
    staged.unlink()
    return True


@dataclass
class Outcome:
    """What a fetch did for one data set: files fetched, files already there, files only a mirror serves,
    and what failed."""

    dataset: str
    fetched: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    mirror_only: list[str] = field(default_factory=list)


def _check_names(names: list[str] | None) -> list[str]:
    known = manifest.datasets()
    unknown = [n for n in names or [] if n not in known]
    if unknown:
        raise FetchError(f"unknown data set(s) {unknown}; known: {known}")
    return list(names) if names else known


def _fetch_cifar10(root: Path, base: str | None, out: Outcome) -> None:
    """The lossless original first; a mirror without it serves the JPEG copy (which has no public source)."""
    archive = manifest.ARCHIVES["cifar10"]
    try:
        (out.fetched if fetch_archive(archive, root, base) else out.present).append(archive.folder)
        return
    except FetchError as exc:
        if base is None:
            out.failed.append(str(exc))
            return
    for entry in (e for e in manifest.FILES.values() if e.dataset == "cifar10"):
        (out.fetched if fetch_file(entry, root, base) else out.present).append(entry.path)


def fetch(names: list[str] | None = None, root: Path | None = None) -> list[Outcome]:
    """Fetch the named data sets (all when ``names`` is empty) into ``root`` (default :func:`fetch_dir`).

    A file that cannot be fetched is reported in :attr:`Outcome.failed` (or :attr:`Outcome.mirror_only`)
    and the others still come; a hash mismatch raises at once. Raises :class:`FetchError` when downloads
    are off.
    """
    names = _check_names(names)
    if offline():
        raise FetchError(offline_message(names))
    root = fetch_dir() if root is None else Path(root)
    base = mirror()
    outcomes = []
    for name in names:
        out = Outcome(name)
        if name == "cifar10":
            _fetch_cifar10(root, base, out)
        else:
            for entry in (e for e in manifest.FILES.values() if e.dataset == name):
                try:
                    (out.fetched if fetch_file(entry, root, base) else out.present).append(entry.path)
                except NoSourceError:
                    out.mirror_only.append(entry.path)
                except FetchError as exc:
                    out.failed.append(str(exc))
        outcomes.append(out)
    _prune(root / STAGING)
    return outcomes


def _prune(folder: Path) -> None:
    """Remove the empty folders a finished fetch leaves under the staging folder (a ``.part`` file stays)."""
    if not folder.is_dir():
        return
    for sub in sorted((p for p in folder.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(sub.iterdir()):
            sub.rmdir()
    if not any(folder.iterdir()):
        folder.rmdir()

