"""Entry point kept for ``python -m figures NAME…``; the code is :mod:`fedad.figures`."""

import sys

from fedad.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", *sys.argv[1:]]))
