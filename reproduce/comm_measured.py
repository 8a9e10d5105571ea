"""Entry point kept for ``python -m reproduce.comm_measured``; the code is :mod:`fedad.experiments.comm_measured`."""

from fedad.experiments.comm_measured import *
from fedad.experiments.comm_measured import main

if __name__ == "__main__":
    main()
