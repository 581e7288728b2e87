"""`annotator git-setup`: make git diff and merge annotation files label by label."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from annotator.commands.common import description, epilog

    parser = subparsers.add_parser(
        "git-setup",
        parents=[common],
        help="make git diff and merge annotation files label by label",
        description=description(
            """Add `annotations/*.toml diff=annotator merge=annotator` to the project's
            .gitattributes, and the ignore rules for the app's journals, locks and temporary files
            to its .gitignore (commit both), and set the drivers in this repository's own git
            config (this clone only). Then `git diff`, `git log -p` and `git show` show one line
            per entry, and merges, rebases and cherry-picks merge annotation files entry by entry;
            an entry changed differently on both sides is a conflict that keeps ours and carries
            theirs in a [comments.ID.conflict] table. Run it once in each clone (again after moving
            the virtual environment); running it again changes nothing."""
        ),
        epilog=epilog(["annotator git-setup"], problems="not in a git repository, or a file cannot be written"),
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from annotator.core.gitsetup import set_up

    changed = set_up(Path(args.project))
    for line in changed or ["git drivers already set up: nothing changed"]:
        print(line)
    return 0
