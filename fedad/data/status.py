"""``fedad data status`` and the data check of ``make reproduce``: which data set is here, verified, and what a
profile needs.

A data set is *verified* when every file is present with the manifest's hash, *different* when a file
is present with other bytes (both hashes shown), *absent* when a file is missing (its source and size
shown). CIFAR-10 counts as present with its original python batches (torchvision checks their md5 when
it reads them) or with the JPEG copy.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from tabulate import tabulate

from fedad.data import manifest
from fedad.data.datadir import fetch_dir, matches, search_dirs, sha256_of
from fedad.data.fetch import FetchError, fetch, mirror, offline, offline_message

UCR = "ucr_anomaly"


@dataclass
class DatasetState:
    """One row of the status table, with the files behind it."""

    dataset: str
    state: str  # "verified", "different" or "absent"
    n_files: int
    size: int  # bytes of the manifest's files (the archive's for an absent CIFAR-10 original)
    source: str
    where: str = ""
    different: list[tuple[str, str, str]] = field(default_factory=list)  # (path, found sha256, expected)
    absent: list[str] = field(default_factory=list)


def _find(relpath: str) -> Path | None:
    return next((r / relpath for r in search_dirs() if (r / relpath).is_file()), None)


def _original_cifar() -> Path | None:
    folder = manifest.ARCHIVES["cifar10"].folder
    return next((r / folder for r in search_dirs() if (r / folder).is_dir()), None)


def dataset_state(name: str, verify: bool = True, fetchable: bool = False) -> DatasetState:
    """The state of one data set; ``verify=False`` compares sizes instead of hashes (the quick check);
    ``fetchable=True`` leaves out the files a fetch cannot bring (no public source and no mirror; CIFAR-10's
    JPEG copy stays, as its original archive replaces it)."""
    entries = [e for e in manifest.FILES.values() if e.dataset == name
               and not (fetchable and e.url is None and mirror() is None and name != "cifar10")]
    row = DatasetState(name, "verified", len(entries), sum(e.size or 0 for e in entries),
                       entries[0].source if entries else "")
    if name == "cifar10" and (original := _original_cifar()) is not None:
        row.where, row.source = str(original.parent), manifest.ARCHIVES["cifar10"].source
        return row
    for entry in entries:
        path = _find(entry.path)
        if path is None:
            row.absent.append(entry.path)
            continue
        row.where = row.where or str(path.parents[len(Path(entry.path).parts) - 1])
        if verify:
            ok, actual = matches(path, entry.sha256, entry.alt_hashes)
        else:
            ok, actual = entry.size is None or path.stat().st_size == entry.size, ""
        if not ok:
            row.different.append((entry.path, actual or sha256_of(path), entry.sha256))
    if row.different:
        row.state = "different"
    elif row.absent:
        row.state = "absent"
        if name == "cifar10":  # what a fetch brings without a mirror: the original archive
            row.size, row.source = manifest.ARCHIVES["cifar10"].size, manifest.ARCHIVES["cifar10"].source
    return row


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def status_table(names: list[str] | None = None, verify: bool = True) -> tuple[str, list[DatasetState]]:
    """The status table as text (with the differing files' hashes under it) and its rows."""
    rows = [dataset_state(n, verify) for n in names or manifest.datasets()]
    table = tabulate(
        [[r.dataset, r.state if r.state != "absent" else f"absent ({len(r.absent)} of {r.n_files} files)",
          _mb(r.size), r.where if r.state != "absent" else r.source[:90]] for r in rows],
        headers=["data set", "state", "size", "where / source"])
    lines = [table]
    for r in rows:
        for path, found, expected in r.different:
            lines.append(f"{r.dataset}: {path} has sha256 {found}, expected {expected}")
    lines.append(f"looked in: {', '.join(map(str, search_dirs()))}; `fedad data fetch NAME` writes to {fetch_dir()}")
    return "\n".join(lines), rows


def ensure(datasets: list[str], why: str = "needed", out=sys.stdout) -> list[str]:
    """Fetch those of ``datasets`` that are not here (quick check: presence and size, no hashing, no writes
    when everything is present); returns the data sets fetched. ``why`` opens the line that says what is
    downloaded (``fedad data ensure`` passes "profile quick"). Raises :class:`FetchError` with one line
    when something is absent and downloads are off, or when a fetch leaves something absent."""
    states = (dataset_state(n, verify=False, fetchable=True) for n in datasets)
    missing = [r for r in states if r.state != "verified"]
    if not missing:
        return []
    names = [r.dataset for r in missing]
    if offline():
        raise FetchError(offline_message(names))
    total = sum(r.size for r in missing)
    print(f"{why}: {', '.join(names)} not here; downloading up to {_mb(total)} into {fetch_dir()}",
          file=out, flush=True)
    failed = [f for o in fetch(names) for f in o.failed]
    if failed:
        raise FetchError(f"{len(failed)} file(s) could not be fetched; first: {failed[0]}")
    return names

