"""fedad's own files, shipped inside the package: the data folder holds only third-party data.

``labels.json`` holds the anomaly intervals commonly used with the Keogh discord series since
Malhotra et al. (2015); ``metropt3_failures.json`` the MetroPT-3 failure list of its authors. Both are
read with :mod:`importlib.resources`, so an installed fedad has them wherever it runs.
"""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable

# Loaders read these attributes at call time, so a test can point them at a file it wrote.
LABELS: Traversable = resources.files("fedad.data").joinpath("labels.json")
METROPT3_FAILURES: Traversable = resources.files("fedad.data").joinpath("metropt3_failures.json")

# sha256 of the labels.json the reference results were made with (the reference machine's data folder).
LABELS_SHA256 = "a581ff749257f6a8f16044426d1e662995ac491e3a3758c6e434b4ae13801734"
