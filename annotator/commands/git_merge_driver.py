"""`annotator git-merge-driver BASE OURS THEIRS PATH` (hidden): git's merge driver for annotation files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    # No help=: the command stays out of `annotator --help`; git runs it, people do not.
    parser = subparsers.add_parser(
        "git-merge-driver",
        description="Merge three versions of an annotation file entry by entry into OURS; exit 1 when "
        "entries conflict (see `annotator git-setup`). git passes %%O %%A %%B %%P.",
    )
    parser.add_argument("base", metavar="BASE", help="the common ancestor's version (%%O)")
    parser.add_argument("ours", metavar="OURS", help="our version, overwritten with the result (%%A)")
    parser.add_argument("theirs", metavar="THEIRS", help="their version (%%B)")
    parser.add_argument("path", metavar="PATH", help="the file's path in the repository (%%P)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from annotator.core.merge import merge_in_place

    outcome = merge_in_place(Path(args.base), Path(args.ours), Path(args.theirs), args.path)
    if outcome.message:
        print(f"annotator: {outcome.message}", file=sys.stderr)
    return outcome.code
