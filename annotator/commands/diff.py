"""`annotator diff`: label-level changes between two git revisions of the annotation files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path



def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from annotator.commands.common import ANNOTATOR, add_global_option, add_report_format, description, epilog

    parser = subparsers.add_parser(
        "diff",
        parents=[common],
        help="show the label changes between two git revisions",
        description=description(
            """Show which labels changed between two git revisions, per annotator and comment: the
            stance (old -> new), topics added (+) and removed (-), note and flag changes, entries
            added and removed, each with the start of the comment. With no revision, compare HEAD
            with the working tree; with one, that revision with the working tree. Leave out changes
            only to `seconds` or `updated` unless --all. In text format, a summary line goes to
            stderr; markdown is a table to paste in a pull request."""
        ),
        epilog=epilog(
            [
                "annotator diff",
                "annotator diff main feature --annotator alice",
                "annotator diff HEAD~3 --format markdown > changes.md",
            ],
            problems="not in a git repository, an unknown revision, an annotation file that does not parse, or no "
            "file for --annotator in either revision",
        ),
    )
    parser.add_argument("old", metavar="REV_A", nargs="?", default="HEAD", help="compare from REV_A (default: HEAD)")
    parser.add_argument("new", metavar="REV_B", nargs="?", help="compare to REV_B (default: the working tree)")
    add_global_option(parser, ANNOTATOR, help="show only NAME's changes (annotations/NAME.toml)")
    add_report_format(parser)
    parser.add_argument("--all", action="store_true", help="also show changes to `seconds` and `updated`")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from annotator.core.diff import diff_revisions
    from annotator.core.output import write_stdout
    from annotator.core.reports import diff as report

    changes = diff_revisions(Path(args.project), args.old, args.new, args.annotator)
    if args.format == "json":
        write_stdout([report.render_json(changes, args.old, args.new, args.all)])
    elif args.format == "markdown":
        write_stdout([report.render_markdown(changes, args.old, args.new, args.all)])
    else:
        visible = report.visible_changes(changes, args.all)  # (worked out once for both)
        write_stdout([report.render_text(changes, args.all, visible)])
        print(f"{report.revision_range(args.old, args.new)}: {report.summary(changes, args.all, visible)}",
              file=sys.stderr)
    return 0
