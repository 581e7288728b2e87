"""`annotator blame COMMENT_ID`: who changed the labels on one comment, and when."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from annotator.commands.common import description, epilog

    parser = subparsers.add_parser(
        "blame",
        parents=[common],
        help="show the history of the labels on one comment",
        description=description(
            """Show every commit that changed an annotator's labels on the comment: commit, date,
            author and what changed (old -> new), grouped by annotator, oldest first. Leave out
            changes only to `seconds` or `updated` unless --all. A comment nobody labeled shows its
            start only, with a note on stderr."""
        ),
        epilog=epilog(
            ["annotator blame 7a8b9c0d1e2f", "annotator blame 7a8b9c0d1e2f --format json --all"],
            problems="not in a git repository, or an id in neither the seeds nor any committed annotation file",
        ),
    )
    parser.add_argument("comment_id", metavar="COMMENT_ID", help="show the comment with this id, as in [comments.ID]")
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", metavar="FORMAT", help="write text (default) or json"
    )
    parser.add_argument("--all", action="store_true", help="also show changes to `seconds` and `updated`")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from annotator.core.blame import blame, render_json, render_text
    from annotator.core.output import write_stdout

    history = blame(Path(args.project), args.comment_id)
    for name in history.unreadable:
        print(f"annotator blame: {name}: does not parse: skipped", file=sys.stderr)
    render = render_json if args.format == "json" else render_text
    write_stdout([render(history, args.all)])
    if not history.events:
        print(f"annotator blame: no committed labels on comment {args.comment_id}", file=sys.stderr)
    return 0
