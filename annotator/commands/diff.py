"""`annotator diff`: label-level changes between two git revisions of the annotation files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

FORMATS = ("text", "markdown", "json")


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "diff",
        parents=[common],
        help="label-level changes between two git revisions",
        description="Show which labels changed between two git revisions: per annotator and comment, "
        "the stance (old -> new), topics added and removed, note and flag changes, entries added and "
        "removed. With no revision: HEAD against the working tree; with one: that revision against the "
        "working tree. Changes only to `seconds` or `updated` are left out unless --all.",
    )
    parser.add_argument("old", metavar="REV_A", nargs="?", default="HEAD", help="the older revision (default: HEAD)")
    parser.add_argument("new", metavar="REV_B", nargs="?", help="the newer revision (default: the working tree)")
    parser.add_argument("--annotator", metavar="NAME", help="only this annotator's file")
    parser.add_argument("--format", choices=FORMATS, default="text", help="text (default), markdown or json")
    parser.add_argument("--all", action="store_true", help="also show changes to `seconds` and `updated`")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from annotator.core import diffformat
    from annotator.core.diff import diff_revisions
    from annotator.core.output import write_stdout

    changes = diff_revisions(Path(args.project), args.old, args.new, args.annotator)
    if args.format == "json":
        write_stdout([diffformat.render_json(changes, args.old, args.new, args.all)])
    elif args.format == "markdown":
        write_stdout([diffformat.render_markdown(changes, args.old, args.new, args.all)])
    else:
        write_stdout([diffformat.render_text(changes, args.all)])
        print(f"{diffformat.revision_range(args.old, args.new)}: {diffformat.summary(changes, args.all)}",
              file=sys.stderr)
    return 0
