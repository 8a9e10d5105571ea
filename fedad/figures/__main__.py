"""Draw figures from saved results: ``fedad figures NAME…`` or ``python -m figures NAME…`` (table1, fig4, fig5,
fig5b, fig6, fig7, fig8, fig9, fig10, all)."""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

FIGURES = ("table1", "fig4", "fig5", "fig5b", "fig6", "fig7", "fig8", "fig9", "fig10")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="+", choices=(*FIGURES, "all"),
                        help="which figures to draw (they read results/, never train)")
    parser.add_argument("--results", type=Path, default=None, help="results folder (default: results/ or $FEDAD_RESULTS)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: figures/out)")
    args = parser.parse_args(argv)
    names = FIGURES if "all" in args.names else args.names
    for name in names:
        module = importlib.import_module(f"fedad.figures.{name}")
        for path in module.draw(args.results, args.out):
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
