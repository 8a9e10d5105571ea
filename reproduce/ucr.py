"""Entry point kept for ``python -m reproduce.ucr``; the code is :mod:`fedad.experiments.ucr`."""

from fedad.experiments.ucr import main

if __name__ == "__main__":
    main()
