import numpy as np
import pytest

from fedad.data.partition import contiguous_partition, dirichlet_partition, iid_partition, partition


def _is_partition(parts, n):
    joined = np.concatenate(parts)
    return len(joined) == n and len(np.unique(joined)) == n


def test_iid_partition_is_disjoint_covering_and_balanced():
    parts = iid_partition(103, 10, seed=1)
    assert _is_partition(parts, 103)
    assert max(map(len, parts)) - min(map(len, parts)) <= 1


def test_partitions_are_deterministic_per_seed():
    a, b, c = (iid_partition(50, 5, s) for s in (3, 3, 4))
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c, strict=True))


def test_contiguous_partition_gives_time_blocks():
    parts = contiguous_partition(10, 3)
    assert [p.tolist() for p in parts] == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]


def test_dirichlet_partition_skews_labels_and_covers():
    labels = np.repeat(np.arange(10), 100)
    parts = dirichlet_partition(labels, 10, alpha=0.1, seed=0)
    assert _is_partition(parts, 1000)
    classes_per_worker = [len(np.unique(labels[p])) for p in parts]
    assert np.mean(classes_per_worker) < 6  # IID would give 10
    again = dirichlet_partition(labels, 10, alpha=0.1, seed=0)
    assert all(np.array_equal(x, y) for x, y in zip(parts, again, strict=True))


def test_bad_partition_requests_raise():
    with pytest.raises(ValueError):
        iid_partition(3, 5, 0)
    with pytest.raises(ValueError, match="labels"):
        partition("dirichlet", 10, 2, 0)
    with pytest.raises(ValueError, match="unknown"):
        partition("random", 10, 2, 0)
