"""Entry point kept for ``python -m reproduce.tutorials``; the code is :mod:`fedad.experiments.tutorials`."""

from fedad.experiments.tutorials import *
from fedad.experiments.tutorials import main

if __name__ == "__main__":
    main()
