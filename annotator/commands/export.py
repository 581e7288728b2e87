"""`annotator export`: the labels as JSONL, CSV or Prodigy JSONL, one record per comment."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from annotator.core.resolve import Resolution


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from annotator.commands.common import description, epilog

    parser = subparsers.add_parser(
        "export",
        parents=[common],
        help="write the labels as JSONL, CSV or Prodigy JSONL",
        description=description(
            """Write one record per comment, in seed order, to stdout or FILE: the comment (id, text,
            source, line, author, url, and its target: parent, context) and the labels chosen by
            --resolve (stance, stance_tie, topics, topics_tie, note, flagged, seconds, decided_by; with
            --resolve all, each annotator's labels too). CSV has one topic:NAME column (1 or 0) per
            topic; Prodigy JSONL has answered tasks of the choice interface, one answer per comment,
            with the parent and context (where given) in its meta.

            By default (--resolve majority) a comment gets gold's labels where annotations/gold.toml
            labeled it, and the vote of the other annotators elsewhere; decided_by says which (gold,
            majority, or null where nobody labeled it), so no comment is left out because gold has
            not got to it yet. A vote never breaks a tie silently: tied stances go to stance_tie,
            topics chosen by exactly half to topics_tie.

            A line on stderr says what the export holds, such as "annotator export: 120 comments: 30
            from gold, 85 by vote, 5 undecided", and how many comments --only-labeled and
            --exclude-flagged left out. The output is deterministic: the same labels give the same
            bytes."""
        ),
        epilog=epilog(
            [
                "annotator export --format csv --only-labeled -o labels.csv",
                "annotator export --resolve all > everything.jsonl",
                "annotator export --resolve annotator:alice --format prodigy -o alice.jsonl",
            ],
            problems="the project cannot be read, --resolve names a file that is not there, or FILE cannot be "
            "written (or exists, without --force)",
        ),
    )
    parser.add_argument(
        "--format", choices=("jsonl", "csv", "prodigy"), default="jsonl", metavar="FORMAT",
        help="write jsonl (default), csv or prodigy",
    )
    parser.add_argument(
        "--resolve",
        metavar="HOW",
        type=_resolution,
        help="take the labels of majority (the default: gold where gold labeled the comment, else the "
        "vote), gold (gold's labels only), all (majority plus every annotator's labels) or annotator:NAME",
    )
    parser.add_argument(
        "--only-labeled", action="store_true", help="leave out comments with no labels under --resolve (counted on stderr)"
    )
    parser.add_argument("--exclude-flagged", action="store_true", help="leave out flagged comments")
    parser.add_argument(
        "--excel-safe",
        action="store_true",
        help="with --format csv: put a ' before any cell that starts with =, +, -, @, a tab or a carriage "
        "return, so that a spreadsheet shows it as text and runs no formula",
    )
    parser.add_argument("-o", "--output", metavar="FILE", default="-", help="write to FILE (default: - for stdout)")
    parser.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    parser.set_defaults(run=run, check=check)


def _resolution(text: str) -> Resolution:
    """The value of --resolve; an argparse type error (exit 2) when it is not one."""
    from annotator.core.errors import AnnotatorError
    from annotator.core.resolve import ANNOTATOR_PREFIX, MODES, Resolution

    if text not in MODES and not text.startswith(ANNOTATOR_PREFIX):
        raise argparse.ArgumentTypeError(f"expected gold, majority, all or annotator:NAME, got {text!r}")
    try:
        return Resolution.parse(text)
    except AnnotatorError as error:  # annotator:NAME, with a NAME that cannot be an annotator's
        raise argparse.ArgumentTypeError(error.message) from None


def check(args: argparse.Namespace) -> None:
    if args.excel_safe and args.format != "csv":
        args.parser.error(f"--excel-safe applies to --format csv only, not {args.format} "
                          "(add --format csv, or leave out --excel-safe)")
    if args.format == "prodigy" and args.resolve is not None and args.resolve.mode == "all":
        args.parser.error("--format prodigy holds one answer per comment: it cannot carry --resolve all "
                          "(use --resolve majority, gold or annotator:NAME, or --format jsonl)")


def run(args: argparse.Namespace) -> int:
    from annotator.core.export import ExportCounts, ExportOptions, export_chunks
    from annotator.core.output import output_path, write_output
    from annotator.core.project import Project
    from annotator.core.labels import read_labels
    from annotator.core.perf import paused_gc
    from annotator.core.resolve import Resolution, Resolver

    target = output_path(args.output, args.force)
    resolution = args.resolve or Resolution.default()
    project = Project.open(Path(args.project))
    with paused_gc():  # (the records are made a column at a time: many objects, no cycles)
        resolver = Resolver(project.schema, read_labels(project.root), resolution)
        options = ExportOptions(args.format, args.only_labeled, args.exclude_flagged, args.excel_safe)
        counts = ExportCounts()
        chunks = export_chunks(project.corpus, project.schema, resolver, options, counts, progress="export")
        write_output(chunks, target, args.force)
    print(f"annotator export: {counts.summary(resolution)}", file=sys.stderr)
    return 0
