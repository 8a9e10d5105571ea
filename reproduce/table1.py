"""Entry point kept for ``python -m reproduce.table1``; the code is :mod:`fedad.experiments.table1_counts`."""

from fedad.experiments.table1_counts import *
from fedad.experiments.table1_counts import main

if __name__ == "__main__":
    main()
