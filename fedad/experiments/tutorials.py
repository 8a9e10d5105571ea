"""Execute the teaching notebooks in ``tutorials/`` top to bottom (``make tutorials``).

Executed copies (with outputs and figures) go to ``tutorials/out/``; the notebooks in git stay
output-free. ``--quick`` sets FEDAD_TUTORIAL_QUICK=1, the reduced mode the test suite uses.
"""

from __future__ import annotations

import argparse
import base64
import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from fedad import settings

TUTORIALS = settings.tutorials_dir()  # the repository's notebooks, from its root


def execute(path: Path, out_dir: Path, timeout_s: int = 900) -> tuple[Path, float]:
    """Run one notebook in its own kernel; save the executed copy and its PNG figures."""
    book = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(book, timeout=timeout_s, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
                   ).execute()
    out_dir.mkdir(parents=True, exist_ok=True)
    nbformat.write(book, out_dir / path.name)
    n = 0
    for cell in book.cells:
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                n += 1
                (out_dir / f"{path.stem}_fig{n}.png").write_bytes(base64.b64decode(png))
    return out_dir / path.name, time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="notebook names (default: all of tutorials/*.ipynb)")
    parser.add_argument("--quick", action="store_true", help="reduced rounds (FEDAD_TUTORIAL_QUICK=1)")
    parser.add_argument("--out", type=Path, default=TUTORIALS / "out", help="where executed copies go")
    args = parser.parse_args(argv)
    if args.quick:
        os.environ[settings.TUTORIAL_QUICK] = "1"  # for the notebooks' kernels
    paths = [TUTORIALS / (n if n.endswith(".ipynb") else f"{n}.ipynb") for n in args.names] or sorted(
        TUTORIALS.glob("*.ipynb"))
    for path in paths:
        out, seconds = execute(path, args.out)
        print(f"{path.name}: ran in {seconds:.0f} s -> {out}")


if __name__ == "__main__":
    main()
