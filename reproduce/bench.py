"""Entry point kept for ``python -m reproduce.bench``; the code is :mod:`fedad.experiments.bench`."""

from fedad.experiments.bench import *
from fedad.experiments.bench import main

if __name__ == "__main__":
    main()
