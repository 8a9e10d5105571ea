"""``fedad data``: fetch the data sets from their public sources (or a mirror), show what is here, and the
check ``make reproduce`` runs first.

    fedad data fetch [NAME ...]       download, verify and lay out (all data sets when no name is given)
    fedad data status [NAME ...]      every data set: verified, different (both hashes) or absent (source, size)
    fedad data ensure --profile P     fetch what profile P needs and is not here (nothing else when all is here)

Environment: FEDAD_DATA (the data folder), FEDAD_DOWNLOAD_DIR (where fetched files go instead),
FEDAD_DATA_MIRROR (a base URL serving a copy of a fedad data folder; replaces every source),
FEDAD_OFFLINE=1 (no downloads: a missing data set is a one-line error naming `fedad data fetch`).
"""

from __future__ import annotations

import argparse

from fedad.data.fetch import FetchError, fetch
from fedad.data.manifest import datasets
from fedad.data.status import ensure, status_table


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="fedad data", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    names_help = f"data sets (default: all): {', '.join(datasets())}"
    f = sub.add_parser("fetch", help="download, verify and lay out data sets", description=names_help)
    f.add_argument("names", nargs="*", metavar="NAME", help=names_help)
    s = sub.add_parser("status", help="which data sets are here, verified", description=names_help)
    s.add_argument("names", nargs="*", metavar="NAME", help=names_help)
    s.add_argument("--quick", action="store_true", help="compare sizes instead of hashing every file")
    e = sub.add_parser("ensure", help="fetch what a profile needs and is not here (make reproduce runs it)")
    e.add_argument("--profile", default="quick", help="quick, full or paper (default: quick)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.action == "status":
        text, _ = status_table(args.names or None, verify=not args.quick)
        print(text)
        return 0
    if args.action == "ensure":
        from fedad.experiments.common import profile_datasets  # the profile's configs say what it reads

        ensure(profile_datasets(args.profile), why=f"profile {args.profile}")
        return 0
    failed = []
    for out in fetch(args.names or None):
        print(f"{out.dataset}: {len(out.fetched)} fetched, {len(out.present)} already here"
              + (f", {len(out.failed)} not fetched" if out.failed else "")
              + (f"; only a mirror (FEDAD_DATA_MIRROR) serves {', '.join(out.mirror_only)}" if out.mirror_only else ""))
        failed += out.failed
    if failed:
        raise FetchError(f"{len(failed)} file(s) not fetched; first: {failed[0]}")
    return 0
