"""Split a data set's sample indices across N virtual workers (seeded, disjoint, covering)."""

from __future__ import annotations

import numpy as np

PARTITIONS = ("iid", "dirichlet", "contiguous")


def iid_partition(n_items: int, n_workers: int, seed: int) -> list[np.ndarray]:
    """Shuffle, then deal into N parts whose sizes differ by at most one."""
    _check(n_items, n_workers)
    perm = np.random.default_rng(seed).permutation(n_items)
    return [np.sort(p) for p in np.array_split(perm, n_workers)]


def contiguous_partition(n_items: int, n_workers: int) -> list[np.ndarray]:
    """Contiguous blocks in index (time) order: worker k sees one stretch of the series (non-IID)."""
    _check(n_items, n_workers)
    return np.array_split(np.arange(n_items), n_workers)


def dirichlet_partition(labels: np.ndarray, n_workers: int, alpha: float, seed: int, min_size: int = 1) -> list[np.ndarray]:
    """Label-skewed split: each class is shared among workers by proportions ~ Dirichlet(alpha).

    Small ``alpha`` gives each worker few classes. Redraws (up to 100 times) until every worker has at
    least ``min_size`` samples, so that no worker is left empty.
    """
    labels = np.asarray(labels)
    _check(len(labels), n_workers)
    if alpha <= 0:
        raise ValueError(f"alpha must be > 0, got {alpha}")
    rng = np.random.default_rng(seed)
    for _ in range(100):
        parts: list[list[int]] = [[] for _ in range(n_workers)]
        for cls in np.unique(labels):
            idx = rng.permutation(np.flatnonzero(labels == cls))
            cuts = (np.cumsum(rng.dirichlet(np.full(n_workers, alpha))) * len(idx)).astype(int)[:-1]
            for k, chunk in enumerate(np.split(idx, cuts)):
                parts[k].extend(chunk.tolist())
        if min(len(p) for p in parts) >= min_size:
            return [np.sort(np.asarray(p, dtype=np.int64)) for p in parts]
    raise ValueError(f"could not give every worker {min_size} samples with alpha={alpha}; raise alpha")


def partition(kind: str, n_items: int, n_workers: int, seed: int, labels: np.ndarray | None = None,
              alpha: float = 0.5) -> list[np.ndarray]:
    """Dispatch by name: ``iid`` (default), ``dirichlet`` (needs labels), ``contiguous``."""
    if kind == "iid":
        return iid_partition(n_items, n_workers, seed)
    if kind == "contiguous":
        return contiguous_partition(n_items, n_workers)
    if kind == "dirichlet":
        if labels is None:
            raise ValueError("dirichlet partition needs class labels")
        return dirichlet_partition(labels, n_workers, alpha, seed)
    raise ValueError(f"unknown partition {kind!r}; choose one of {PARTITIONS}")


def _check(n_items: int, n_workers: int) -> None:
    if n_workers < 1:
        raise ValueError(f"n_workers must be >= 1, got {n_workers}")
    if n_items < n_workers:
        raise ValueError(f"{n_items} samples cannot be split across {n_workers} workers")
