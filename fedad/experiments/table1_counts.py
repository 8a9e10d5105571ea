"""Table I: dimensions, sequences and normal / anomalous subsequence counts of the four series, and
its companion: labelled anomaly events per split (train, validation, test) of every detection data set.

Counts come from the real data by the rule of :mod:`fedad.data.subsequences`; the paper's values sit
beside them. The events table uses each data set's detection protocol (:mod:`fedad.data.protocol`: its
records, time step and validation block). Writes ``results/table1.csv`` and ``results/events.csv``
(atomically). Run: ``python -m reproduce.table1``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from fedad import paper
from fedad.data import PAPER_SERIES, load_series
from fedad.data.protocol import PROTOCOLS, protocol_for, split_for
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


def events_table() -> pd.DataFrame:
    """One row per (data set, split): events, anomalous points, points, and whether it can test a detector.

    A data set whose test part, or whose train + validation part, holds no event is marked: its accuracy
    cannot test (or tune) a detector. Engine is listed twice: the 7:3 split by engine (the default) and
    NASA's test engines as the test part.
    """
    variants = [(name, protocol_for(name)) for name in PROTOCOLS]
    variants.append(("engine (NASA test file)", protocol_for("engine", {"test_source": "nasa"})))
    rows = []
    for label, protocol in variants:
        counts = split_for(protocol).events()
        no_test = counts["test"]["events"] == 0
        no_train = counts["train"]["events"] + counts["validation"]["events"] == 0
        usable = ("no: no test event" if no_test else "no: no train/validation event" if no_train else "yes")
        step = f"mean of {protocol.resample} raw points" if protocol.resample > 1 else "raw"
        for part in ("train", "validation", "test"):
            rows.append({"dataset": label, "split": part, **counts[part], "step": step, "can_test_detector": usable})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR / "table1.csv",
                        help="CSV file to write (default: results/table1.csv); events.csv goes beside it")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    frame = table1()
    atomic_write_text(args.out, frame.to_csv(index=False))
    print(frame[["dataset", "dims", "paper_dims", "X", "paper_X", "X_n", "paper_X_n", "X_a", "paper_X_a",
                 "chunk_length"]].to_string(index=False))
    events = events_table()
    events_path = args.out.with_name("events.csv")
    atomic_write_text(events_path, events.to_csv(index=False))
    print("\nLabelled anomaly events per split (detection protocol):")
    print(events.to_string(index=False))
    print(f"wrote {args.out} and {events_path} in {time.perf_counter() - start:.1f} s")
    return args.out


if __name__ == "__main__":
    main()
