"""The matrix-profile discord score (Yeh et al., 2016), the classical detector the UCR archive's authors
hold up, computed by ``stumpy`` (a well-kept library), with no training and no model.

Against a training part known to be normal, a subsequence is anomalous when it has no close match
there: its score is the z-normalised Euclidean distance to its nearest neighbour among the reference's
subsequences of the same length ``m`` (an AB-join; ``stumpy.stump(query, m, reference)``). Each
subsequence's distance is given to its centre point, so the highest score marks the discord's middle.

numba compiles stumpy's functions on their first call in every process (half a minute); their machine code is
kept in numba's on-disk cache (``<download dir>/numba``, or ``$NUMBA_CACHE_DIR``) so that later processes
load it instead, the same code either way.
"""

from __future__ import annotations

import importlib
import os
from functools import cache

import numpy as np

from fedad.data.datadir import download_dir


@cache
def _stumpy():
    """stumpy, with numba's on-disk cache turned on for each of its compiled functions (stumpy lists them)."""
    import numba
    import stumpy
    from stumpy import cache as stumpy_cache

    if not os.environ.get("NUMBA_CACHE_DIR"):  # else numba already uses the user's folder
        folder = download_dir() / "numba"
        folder.mkdir(parents=True, exist_ok=True)
        numba.config.CACHE_DIR = str(folder)
    for module, name in stumpy_cache.get_njit_funcs():
        getattr(importlib.import_module(f"stumpy.{module}"), name).enable_caching()
    return stumpy


def discord_scores(reference: np.ndarray, query: np.ndarray, m: int) -> np.ndarray:
    """One score per point of ``query``: the nearest-neighbour distance of the subsequence centred on it.

    Points within ``m // 2`` of either end (no subsequence is centred there) take the nearest centred
    score. Both series are 1-D; each must be at least ``m`` long.
    """
    stumpy = _stumpy()  # numba compiles (or loads) on first use: import only when a discord is asked for
    reference = np.asarray(reference, dtype=np.float64).ravel()
    query = np.asarray(query, dtype=np.float64).ravel()
    if m < 3:
        raise ValueError(f"the subsequence length m must be at least 3, got {m}")
    if len(reference) < m or len(query) < m:
        raise ValueError(f"both series must be at least m = {m} long; got {len(reference)} and {len(query)}")
    profile = stumpy.stump(query, m, reference, ignore_trivial=False)[:, 0].astype(np.float64)
    profile = np.where(np.isfinite(profile), profile, np.nanmax(profile[np.isfinite(profile)], initial=0.0))
    out = np.empty(len(query))
    lead = m // 2
    out[lead : lead + len(profile)] = profile
    out[:lead] = profile[0]
    out[lead + len(profile):] = profile[-1]
    return out
