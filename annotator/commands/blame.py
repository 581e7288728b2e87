"""`annotator blame COMMENT_ID`: who changed the labels on one comment, and when."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from annotator.commands.common import add_report_format, description, epilog

    parser = subparsers.add_parser(
        "blame",
        parents=[common],
        help="show the history of the labels on one comment",
        description=description(
            """Show every commit that changed an annotator's labels on the comment: commit, date,
            author and what changed (old -> new), grouped by annotator, oldest first. Leave out
            changes only to `seconds` or `updated` unless --all. A merge commit is listed only for
            the fields it left different from every parent (a conflict resolved by hand), against
            its first parent: a field it took from one side is that side's change, listed with the
            commit that made it. A comment nobody labeled shows
            its start only, with a note on stderr.

            COMMENT_ID may be the start of an id that no other comment's id starts with (as git takes
            a commit's). A comment no longer in seeds/ is found by its whole id only. A COMMENT_ID
            that names no comment, or several (the first few are listed), is a bad value: exit 2."""
        ),
        epilog=epilog(
            ["annotator blame 7a8b9c0d1e2f", "annotator blame 7a8b --format json --all"],
            problems="not in a git repository",
        ),
    )
    parser.add_argument(
        "comment_id", metavar="COMMENT_ID", help="the comment's id (as in [comments.ID]), or a start of it no other id has"
    )
    add_report_format(parser, markdown=False)
    parser.add_argument("--all", action="store_true", help="also show changes to `seconds` and `updated`")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from annotator.core.blame import blame
    from annotator.core.ids import IdLookupError
    from annotator.core.output import write_stdout
    from annotator.core.reports.blame import render_json, render_text

    try:
        history = blame(Path(args.project), args.comment_id)
    except IdLookupError as error:  # a bad value on the command line: exit 2
        args.parser.error(f"{error.message} ({error.hint})" if error.hint else error.message)
    for name in history.unreadable:
        print(f"annotator blame: {name}: does not parse: skipped", file=sys.stderr)
    render = render_json if args.format == "json" else render_text
    write_stdout([render(history, args.all)])
    if not history.events:
        print(f"annotator blame: no committed labels on comment {history.comment_id}", file=sys.stderr)
    return 0
