"""Entry point kept for ``python -m reproduce.detect``; the code is :mod:`fedad.experiments.detect`."""

from fedad.experiments.detect import *
from fedad.experiments.detect import main

if __name__ == "__main__":
    main()
