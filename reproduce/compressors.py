"""Entry point kept for ``python -m reproduce.compressors``; the code is :mod:`fedad.experiments.compressors`."""

from fedad.experiments.compressors import *
from fedad.experiments.compressors import main

if __name__ == "__main__":
    main()
