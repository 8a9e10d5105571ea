"""Entry point kept for ``python -m reproduce.backends``; the code is :mod:`fedad.experiments.backends`."""

from fedad.experiments.backends import *
from fedad.experiments.backends import main

if __name__ == "__main__":
    main()
