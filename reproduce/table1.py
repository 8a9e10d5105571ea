"""Table I: dimensions, sequences and normal / anomalous subsequence counts of the four series.

Counts come from the real data by the rule of :mod:`fedad.data.subsequences`; the paper's values sit
beside them. Writes ``results/table1.csv`` (atomically). Run: ``python -m reproduce.table1``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from fedad import paper
from fedad.data import PAPER_SERIES, load_series
from fedad.data.subsequences import count_subsequences
from fedad.results import RESULTS_DIR, atomic_write_text


def table1() -> pd.DataFrame:
    """One row per data set: ours and the paper's Dimensions, X, X_n, X_a, and the chunk length used."""
    rows = []
    for name in PAPER_SERIES:
        ds = load_series(name)
        c = count_subsequences(ds)
        p = paper.TABLE1[name]
        rows.append({
            "dataset": name, "dims": c.dims, "X": c.n_sequences, "X_n": c.normal, "X_a": c.anomalous,
            "paper_dims": p[0], "paper_X": p[1], "paper_X_n": p[2], "paper_X_a": p[3],
            "chunk_length": c.chunk_length, "points": ds.n_points,
            "anomalous_points": int(sum(lab.sum() for lab in ds.labels)), "source": ds.source.split(" (")[0],
        })
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "table1.csv",
                        help="CSV file to write (default: results/table1.csv)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    frame = table1()
    atomic_write_text(args.out, frame.to_csv(index=False))
    print(frame[["dataset", "dims", "paper_dims", "X", "paper_X", "X_n", "paper_X_n", "X_a", "paper_X_a",
                 "chunk_length"]].to_string(index=False))
    print(f"wrote {args.out} in {time.perf_counter() - start:.1f} s")
    return args.out


if __name__ == "__main__":
    main()
