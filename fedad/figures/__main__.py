"""``python -m fedad.figures NAME…`` is ``fedad figures NAME…`` (table1, fig4, fig5, fig5b, fig6, fig7, fig8, fig9,
fig10, all)."""

from __future__ import annotations

import sys

from fedad.cli import main

if __name__ == "__main__":
    sys.exit(main(["figures", *sys.argv[1:]]))
