"""Entry point kept for ``python -m figures NAME…``; the code is :mod:`fedad.figures`."""

from fedad.figures.__main__ import main

if __name__ == "__main__":
    main()
