"""Entry point kept for ``python -m reproduce.report``; the code is :mod:`fedad.experiments.report`."""

from fedad.experiments.report import *
from fedad.experiments.report import main

if __name__ == "__main__":
    main()
