"""Entry point kept for ``python -m reproduce.tune_rho``; the code is :mod:`fedad.experiments.tune_rho`."""

from fedad.experiments.tune_rho import *
from fedad.experiments.tune_rho import main

if __name__ == "__main__":
    main()
