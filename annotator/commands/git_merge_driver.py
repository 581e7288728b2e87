"""`annotator git-merge-driver BASE OURS THEIRS PATH` (hidden): git's merge driver for annotation files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    # No help=: the command stays out of `annotator --help`; git runs it, people do not.
    from annotator.commands.common import description, epilog

    parser = subparsers.add_parser(
        "git-merge-driver",
        description=description(
            """Merge three versions of an annotation file entry by entry into OURS. git runs it, with
            %O %A %B %P, once `annotator git-setup` has set it up; people do not."""
        ),
        epilog=epilog(
            ["annotator git-merge-driver BASE OURS THEIRS annotations/alice.toml"],
            problems="entries conflict (OURS keeps our labels and carries theirs in a conflict table), or a "
            "version does not parse and git's line merge left conflict markers",
            project=False,
        ),
    )
    parser.add_argument("base", metavar="BASE", help="take BASE as the common ancestor's version (%%O)")
    parser.add_argument("ours", metavar="OURS", help="take OURS as our version, and overwrite it with the result (%%A)")
    parser.add_argument("theirs", metavar="THEIRS", help="take THEIRS as their version (%%B)")
    parser.add_argument("path", metavar="PATH", help="name the file PATH in messages: its path in the repository (%%P)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from annotator.core.merge import merge_in_place

    outcome = merge_in_place(Path(args.base), Path(args.ours), Path(args.theirs), args.path)
    if outcome.message:
        print(f"annotator: {outcome.message}", file=sys.stderr)
    return outcome.code
