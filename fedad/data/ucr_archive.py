"""The UCR Time Series Anomaly Archive (Wu & Keogh, KDD Cup 2021): one univariate series per file, an
anomaly-free training part and exactly one labelled anomaly after it.

A file is named ``NNN_UCR_Anomaly_<name>_<train_end>_<begin>_<end>.txt`` (gzipped here). **Indexing
convention:** the archive's positions are 1-based and inclusive (its authors work in MATLAB): points
1 … ``train_end`` are the training part and points ``begin`` … ``end`` the anomaly. fedad converts them
once, here, to 0-based half-open intervals: training part ``[0, train_end)``, anomaly
``[begin − 1, end)``. Tools that read the numbers as 0-based differ from this by one point; the UCR
score's tolerance of ≥ 100 points makes that immaterial for hits, and it moves PR-AUC by one point of
the anomaly at most.

A series' *family* is its name without the leading ``DISTORTED``/``NOISE`` marker, the variant digits
after it and the trailing record digits (``DISTORTED2sddb40`` → ``sddb``): the archive holds several
variants of one source record, and a stratified selection should not count them as independent
sources.

A series' *source* (:func:`source_keys`) goes further: the archive holds the same record with the same
anomaly under ``DISTORTED``/``NOISE``/plain names, and distinct records that share one anomaly interval
(``DISTORTEDTkeepFifthMARS`` and ``DISTORTEDTkeepForthMARS``, three ``ltstdbs30791`` leads). Series are
one source when they are linked by a chain of such pairs: the same record (its name without the
``DISTORTED``/``NOISE`` marker) with overlapping anomalies, or the very same anomaly interval. Counting two
unrelated series as one source only widens an interval over sources; counting twins as two would narrow it
falsely.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from fedad.data import manifest
from fedad.data.datadir import DataMissingError, MalformedDataError, verified_path

FOLDER = "ucr_anomaly"
_NAME = re.compile(r"^(\d{3})_UCR_Anomaly_(.+)_(\d+)_(\d+)_(\d+)\.txt(?:\.gz)?$")
ARCHIVE_SIZE = 250


@dataclass(frozen=True)
class UcrFile:
    """What a file name says: id, name, and the 0-based half-open training part and anomaly."""

    id: int
    name: str
    filename: str
    train_end: int
    begin: int
    end: int

    @property
    def relpath(self) -> str:
        """The gzipped file's path inside the data directory."""
        return f"{FOLDER}/{self.filename}.gz"

    @property
    def family(self) -> str:
        return family_of(self.name)

    @property
    def anomaly_length(self) -> int:
        return self.end - self.begin


@dataclass(frozen=True)
class UcrSeries:
    """One archive series: its values and what its file name says."""

    meta: UcrFile
    values: np.ndarray  # float64 [L]

    def labels(self) -> np.ndarray:
        """Point labels [L]: True inside the anomaly."""
        out = np.zeros(len(self.values), dtype=bool)
        out[self.meta.begin : self.meta.end] = True
        return out


def family_of(name: str) -> str:
    """The source family of a series name (module docstring)."""
    return re.sub(r"\d+$", "", re.sub(r"^(?:DISTORTED|NOISE)?\d*", "", name)) or name


def record_of(name: str) -> str:
    """The record a series name was made from: the name without its ``DISTORTED``/``NOISE`` marker."""
    return re.sub(r"^(?:DISTORTED|NOISE)", "", name)


def source_keys(files: list[UcrFile] | None = None) -> dict[int, str]:
    """Each series' source (module docstring), as ``"<lowest id>_<its record>"``; by default over the whole
    catalogue, so that a series keeps its key whatever else a run selects."""
    files = catalogue() if files is None else list(files)
    begin = np.array([f.begin for f in files])
    end = np.array([f.end for f in files])
    records = np.array([record_of(f.name) for f in files])
    overlap = (begin[:, None] < end[None, :]) & (begin[None, :] < end[:, None])
    same_interval = (begin[:, None] == begin[None, :]) & (end[:, None] == end[None, :])
    linked = (overlap & (records[:, None] == records[None, :])) | same_interval
    rows, cols = np.nonzero(linked)
    graph = coo_array((np.ones(rows.size), (rows, cols)), shape=(len(files), len(files)))
    _, component = connected_components(graph, directed=False)
    first: dict[int, UcrFile] = {}
    for f, c in zip(files, component, strict=True):
        if c not in first or f.id < first[c].id:
            first[c] = f
    return {f.id: f"{first[c].id:03d}_{record_of(first[c].name)}" for f, c in zip(files, component, strict=True)}


@lru_cache(maxsize=1)
def archive_sources() -> dict[int, str]:
    """:func:`source_keys` of the whole catalogue (cached: the report and the selection rules both read it)."""
    return source_keys()


def parse_filename(filename: str) -> UcrFile:
    """Read id, name, training part and anomaly from an archive file name (1-based → 0-based)."""
    match = _NAME.match(Path(filename).name)
    if match is None:
        raise ValueError(f"{filename!r} is not a UCR anomaly archive file name "
                         "(NNN_UCR_Anomaly_<name>_<train_end>_<begin>_<end>.txt[.gz])")
    sid, name, train_end, begin, end = match.groups()
    train_end, begin, end = int(train_end), int(begin), int(end)
    if not 0 < train_end < begin <= end:
        raise ValueError(f"{filename}: need 0 < train_end < begin <= end, got {train_end}, {begin}, {end}")
    return UcrFile(int(sid), name, Path(filename).name.removesuffix(".gz"), train_end, begin - 1, end)


def catalogue() -> list[UcrFile]:
    """Every archive file fedad knows (sha256 in its manifest), in id order."""
    names = [p.removeprefix(f"{FOLDER}/") for p in manifest.FILES if p.startswith(f"{FOLDER}/") and p.endswith(".txt.gz")]
    return sorted((parse_filename(n) for n in names), key=lambda f: f.id)


def select(ids: list[int] | None = None, families: list[str] | None = None) -> list[UcrFile]:
    """Files by id and/or by family; an id or family fedad does not know is an error naming it."""
    known = catalogue()
    by_id = {f.id: f for f in known}
    out: list[UcrFile] = []
    for i in ids or []:
        if i not in by_id:
            why = (f"not one of the {len(known)} of the archive's {ARCHIVE_SIZE} files in fedad's manifest (the "
                   f"largest could not be reached; the data directory's {FOLDER}/all250_listing.tsv lists them)"
                   if 1 <= i <= ARCHIVE_SIZE else f"the archive's ids run from 1 to {ARCHIVE_SIZE}")
            raise KeyError(f"UCR series {i:03d}: {why}")
        out.append(by_id[i])
    for fam in families or []:
        members = [f for f in known if f.family == fam]
        if not members:
            raise KeyError(f"no UCR series of family {fam!r}; known: {sorted({f.family for f in known})}")
        out.extend(members)
    if ids is None and families is None:
        out = known
    return sorted({f.id: f for f in out}.values(), key=lambda f: f.id)


def read_values(path: Path) -> np.ndarray:
    """The values of one (gzipped) archive file: whitespace-separated numbers, one or many per line."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt") as fh:
            values = np.asarray(fh.read().split(), dtype=np.float64)
    except (OSError, EOFError, ValueError) as exc:
        raise MalformedDataError(f"{path}: not a readable series of numbers ({exc})") from None
    if not np.isfinite(values).all():
        raise MalformedDataError(f"{path}: {int((~np.isfinite(values)).sum())} NaN/inf values")
    return values


def load_ucr(meta: UcrFile | int, root: Path | None = None) -> UcrSeries:
    """One archive series, its ``.gz`` verified by sha256 first; the anomaly must lie inside the series."""
    meta = select([meta])[0] if isinstance(meta, int) else meta
    try:
        path = verified_path(meta.relpath, root)
    except DataMissingError as exc:
        raise DataMissingError(f"UCR series {meta.id:03d} ({meta.name}): {exc}") from None
    values = read_values(path)
    if meta.end > len(values):
        raise MalformedDataError(f"UCR series {meta.id:03d}: anomaly ends at {meta.end} but the file holds "
                                 f"{len(values)} points")
    return UcrSeries(meta, values)
