"""`annotator export`: the labels as JSONL, CSV or Prodigy JSONL, one record per comment."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "export",
        parents=[common],
        help="write the labels as JSONL, CSV or Prodigy JSONL",
        description="Write one record per comment, in seed order, to stdout or a file. The fields are "
        "described in the README. The output is deterministic: the same labels give the same bytes.",
    )
    parser.add_argument(
        "--format", choices=("jsonl", "csv", "prodigy"), default="jsonl", help="the output format (default: jsonl)"
    )
    parser.add_argument(
        "--resolve",
        metavar="HOW",
        help="whose labels: gold, majority, all (majority plus every annotator's labels) or "
        "annotator:NAME (default: gold if annotations/gold.toml exists, else majority)",
    )
    parser.add_argument("--only-labeled", action="store_true", help="leave out comments nobody labeled")
    parser.add_argument("--exclude-flagged", action="store_true", help="leave out flagged comments")
    parser.add_argument(
        "--excel-safe",
        action="store_true",
        help="with --format csv: put a ' before any cell that starts with =, +, -, @, a tab or a carriage "
        "return, so that a spreadsheet shows it as text and runs no formula",
    )
    parser.add_argument("-o", "--output", metavar="FILE", default="-", help="the file to write (default: - for stdout)")
    parser.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from annotator.core.export import ExportOptions, export_lines
    from annotator.core.output import output_path, write_output
    from annotator.core.progress import tracked
    from annotator.core.project import Project
    from annotator.core.resolve import Resolution, Resolver, open_label_files

    target = output_path(args.output, args.force)
    resolution = Resolution.parse(args.resolve) if args.resolve else None
    project = Project.open(Path(args.project))
    names = project.annotators()
    resolver = Resolver(project.schema, open_label_files(project.root, names), resolution or Resolution.default(names))
    options = ExportOptions(args.format, args.only_labeled, args.exclude_flagged, args.excel_safe)
    comments = tracked(project.corpus.comments, "export", len(project.corpus))
    lines = export_lines(comments, project.schema, resolver, options)
    write_output(lines, target, args.force)
    return 0
