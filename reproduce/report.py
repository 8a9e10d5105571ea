"""Entry point kept for ``python -m reproduce.report``; the code is :mod:`fedad.report.writer`."""

from fedad.report.writer import *
from fedad.report.writer import main

if __name__ == "__main__":
    main()
