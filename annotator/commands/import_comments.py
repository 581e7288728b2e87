"""`annotator import-comments`: add comments from a .txt, .jsonl or .csv file to seeds/."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from annotator.commands.common import description, epilog

    parser = subparsers.add_parser(
        "import-comments",
        parents=[common],
        help="add comments from a .txt, .jsonl or .csv file to seeds/",
        description=description(
            """Add the comments of SRC to seeds/. Check every row first: if any is bad, report each
            with its line (SRC:LINE: message) and write nothing. Skip the comments already in seeds/
            (same id and text); the same id with another text is a bad row. Write the new comments,
            in their order, to a new JSONL file named after SRC (seeds/NAME.jsonl, or NAME-2.jsonl
            and so on), and say on stderr how many were added and skipped.

            SRC is read by the rules of the seed files: a .txt file has one comment per non-empty
            line; a .jsonl (or .ndjson) file one JSON object per line; a .csv file a header row. A row
            without an id gets one made from its text (the first 12 hexadecimal digits of its
            SHA-256). A row's "parent" (the id of the comment it replies to) and "context" (the text
            it replies to) are kept, and shown above the comment in the app; --context-field takes
            the context from a field of another name."""
        ),
        epilog=epilog(
            [
                "annotator import-comments forum-dump.jsonl",
                "annotator import-comments posts.csv --text-field body --id-field post_id",
                "annotator import-comments replies.jsonl --context-field post_title",
                "some-scraper | annotator import-comments - --format txt",
            ],
            problems="a row is bad (each is listed with its line, and nothing is written), or SRC cannot be read",
        ),
    )
    parser.add_argument("source", metavar="SRC", help="read the comments from SRC, or from stdin if it is -")
    parser.add_argument(
        "--format", choices=("txt", "jsonl", "csv"), metavar="FORMAT",
        help="read SRC as txt, jsonl or csv (default: from its extension; needed for stdin)",
    )
    parser.add_argument(
        "--text-field", metavar="F", default="text", help="take the text from field (or CSV column) F (default: text)"
    )
    parser.add_argument("--id-field", metavar="F", default="id", help="take the id from field F (default: id)")
    parser.add_argument(
        "--context-field", metavar="F", default="context",
        help="take the text the comment replies to from field F (default: context)",
    )
    parser.set_defaults(run=run, check=check)


def check(args: argparse.Namespace) -> None:
    from annotator.core.comment_import import source_kind
    from annotator.core.errors import AnnotatorError

    try:
        source_kind(args.source, args.format)
    except AnnotatorError as error:  # no --format, and none to tell from the name: the command line lacks it
        args.parser.error(f"{error.message}: {error.hint}")


def run(args: argparse.Namespace) -> int:
    from annotator.core.comment_import import existing_comments, plan_comment_import, source_kind, write_seed_file
    from annotator.core.seeds import FieldNames
    from annotator.core.sources import read_source

    root = Path(args.project)
    kind = source_kind(args.source, args.format)
    name, data = read_source(args.source)
    plan = plan_comment_import(data, name, kind, existing_comments(root), FieldNames(args.text_field, args.id_field, args.context_field))
    written = write_seed_file(root, args.source, plan.added) if plan.added else "nothing written"
    print(f"import-comments: added {len(plan.added)}, skipped {plan.skipped} already present ({written})", file=sys.stderr)
    return 0
