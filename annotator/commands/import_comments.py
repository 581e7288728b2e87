"""`annotator import-comments`: add comments from a .txt, .jsonl or .csv file to seeds/."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "import-comments",
        parents=[common],
        help="add comments from a file to seeds/",
        description="Check every row of SRC, then write the comments that are not yet in seeds/ to a new "
        "JSONL file there. Comments already present (same id) are skipped. If any row is bad, each is "
        "reported with its line and nothing is written.",
    )
    parser.add_argument("source", metavar="SRC", help="a .txt, .jsonl or .csv file, or - for stdin")
    parser.add_argument(
        "--format", choices=("txt", "jsonl", "csv"), help="the format of SRC (default: from its extension)"
    )
    parser.add_argument("--text-field", metavar="F", default="text", help="the field holding the text (default: text)")
    parser.add_argument("--id-field", metavar="F", default="id", help="the field holding the id (default: id)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from annotator.core.comment_import import existing_comments, plan_comment_import, source_kind, write_seed_file
    from annotator.core.seeds import FieldNames
    from annotator.core.sources import read_source

    root = Path(args.project)
    kind = source_kind(args.source, args.format)
    name, data = read_source(args.source)
    plan = plan_comment_import(data, name, kind, existing_comments(root), FieldNames(args.text_field, args.id_field))
    written = write_seed_file(root, args.source, plan.added) if plan.added else "nothing written"
    print(f"import-comments: added {len(plan.added)}, skipped {plan.skipped} already present ({written})", file=sys.stderr)
    return 0
