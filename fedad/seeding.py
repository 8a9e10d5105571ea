"""One place that seeds every random number generator a run touches."""

from __future__ import annotations

import os
import random

import numpy as np
import torch


def seed_everything(seed: int, deterministic: bool = True) -> torch.Generator:
    """Seed Python's ``random``, NumPy and torch (CPU and CUDA) and return a torch generator.

    Python's ``random`` is seeded too: missing it is a classic cause of runs that do not repeat.
    ``deterministic`` asks torch for deterministic kernels where they exist (warn-only, so that an
    op without a deterministic version does not crash a long run).
    """
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    os.environ.setdefault("PYTHONHASHSEED", str(seed))
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
    return torch.Generator().manual_seed(seed)


def numpy_rng(seed: int) -> np.random.Generator:
    """A NumPy generator for one job (partitioning, sampling) that does not disturb global state."""
    return np.random.default_rng(seed)
