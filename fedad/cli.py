"""The ``fedad`` command: every experiment, figure and report of the reproduction, and the detector on
your own series.

    fedad table1                                   Table I and the events-per-split table
    fedad run detect --profile quick               one experiment (tune_rho, detect, comm, compressors, ucr)
    fedad measure-link                             Fig. 7's measured points (Flower over tc-shaped links; root)
    fedad figures fig5 fig6                        figures from results/ (never trains)
    fedad report                                   results/REPORT.md
    fedad bench                                    engine benchmarks (results/bench.json)
    fedad profile --inside                         where the quick profile spends its time (results/profile.md)
    fedad tutorials                                run the teaching notebooks
    fedad own-series --csv plant.csv --time-column t --columns a,b --labels faults.json
    fedad data fetch [NAME ...]                    download the data sets from their sources (or a mirror)
    fedad data status                              which data sets are here, verified

Data, configuration and input errors print one line to stderr and exit with code 2; ``--debug`` shows
the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from fedad import settings
from fedad.data.datadir import DataError
from fedad.figures import FIGURES

EXPERIMENTS = ("tune_rho", "detect", "comm", "compressors", "ucr")


class InputError(ValueError):
    """Bad input from the command line or a user's file: reported in one line, exit code 2."""


def _forward(module: str):
    """A sub-command that hands its remaining arguments to ``<module>.main`` (a bare name is an experiment,
    ``fedad.experiments.<module>``)."""
    def run(args: argparse.Namespace) -> int:
        main = importlib.import_module(module if "." in module else f"fedad.experiments.{module}").main
        out = main(args.rest)
        return out if isinstance(out, int) else 0
    return run


def _run_experiment(args: argparse.Namespace) -> int:
    importlib.import_module(f"fedad.experiments.{args.experiment}").main(args.rest)
    return 0


def _figures(args: argparse.Namespace) -> int:
    parser = argparse.ArgumentParser(prog="fedad figures",
                                     description="Draw figures from saved results; they read results/, never train.")
    parser.add_argument("names", nargs="+", choices=(*FIGURES, "all"), help="which figures to draw")
    parser.add_argument("--results", type=Path, default=None, help="results folder (default: results/ or $FEDAD_RESULTS)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: figures/out)")
    options = parser.parse_args(args.rest)
    for name in FIGURES if "all" in options.names else options.names:
        for path in importlib.import_module(f"fedad.figures.{name}").draw(options.results, options.out):
            print(f"wrote {path}")
    return 0


def _own_series(args: argparse.Namespace) -> int:
    from fedad.experiments.own_series import main

    return main(args.rest)


def _data(args: argparse.Namespace) -> int:
    from fedad.data.command import main

    return main(args.rest)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fedad", description=__doc__, epilog=settings.epilog(),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, help_text: str, fn):
        # the command's own options (and its --help) belong to the script it runs
        p = sub.add_parser(name, help=help_text, description=help_text, add_help=False)
        p.set_defaults(fn=fn)
        return p

    add("table1", "Table I and the labelled events per split (results/table1.csv, results/events.csv).",
        _forward("table1_counts"))
    run = sub.add_parser("run", help="run one experiment, cached by config (tune_rho, detect, comm, compressors, ucr).",
                         description="Run one experiment; its own options follow (e.g. --profile quick --jobs 2): "
                                     "`fedad run detect --help` lists them.", add_help=False)
    run.add_argument("experiment", choices=EXPERIMENTS, help="which experiment")
    run.set_defaults(fn=_run_experiment)
    parser.run_parser = run
    add("measure-link", "Fig. 7's measured points: a Flower deployment over tc-shaped links (needs root).",
        _forward("comm_measured"))
    add("figures", f"Draw figures from results/ ({', '.join(FIGURES)}, all).", _figures)
    add("report", "Write results/REPORT.md from the saved results.", _forward("fedad.report.writer"))
    add("bench", "Engine benchmarks as ratios measured in one run (results/bench.json and .md).", _forward("bench"))
    add("profile", "Where a profile spends its time: per stage, per run kind, inside a run (results/profile.md).",
        _forward("stage_profile"))
    add("tutorials", "Run the teaching notebooks (executed copies in tutorials/out/).", _forward("tutorials"))
    add("backends", "Compare a back-end (syft, flower-sim, flower-deploy) with in-process.", _forward("backends"))
    add("own-series", "Your own series: federated AMCNN-LSTM detector, references, scores, flags, figure, report.",
        _own_series)
    add("data", "Data sets: fetch from their public sources (or FEDAD_DATA_MIRROR), status, ensure a profile's.",
        _data)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    parser = build_parser()
    if argv[:1] == ["run"] and (len(argv) == 1 or argv[1] in ("-h", "--help")):
        parser.run_parser.print_help()
        return 0 if len(argv) > 1 else 2
    args, rest = parser.parse_known_args(argv)
    args.rest = rest
    try:
        return args.fn(args) or 0
    except SystemExit as exc:  # argparse inside a command: its own message is already printed
        return int(exc.code) if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except (DataError, InputError, ValueError, KeyError, FileNotFoundError) as exc:
        if debug:
            raise
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"fedad: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
