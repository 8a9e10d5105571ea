"""Entry point kept for ``python -m reproduce.comm``; the code is :mod:`fedad.experiments.comm`."""

from fedad.experiments.comm import *
from fedad.experiments.comm import main

if __name__ == "__main__":
    main()
