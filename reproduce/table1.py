"""Entry point kept for ``python -m reproduce.table1``; the code is :mod:`fedad.experiments.table1`."""

from fedad.experiments.table1 import *
from fedad.experiments.table1 import main

if __name__ == "__main__":
    main()
