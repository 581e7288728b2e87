"""`annotator git-textconv FILE` (hidden): git's textconv driver, set up by `annotator git-setup`."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    # No help=: the command stays out of `annotator --help`; git runs it, people do not.
    from annotator.commands.common import description, epilog

    parser = subparsers.add_parser(
        "git-textconv",
        description=description(
            """Print an annotation file as one line per entry, for git diff, git log -p and git show.
            git runs it once `annotator git-setup` has set it up; people do not."""
        ),
        epilog=epilog(["annotator git-textconv annotations/alice.toml"], problems="FILE cannot be read", project=False),
    )
    parser.add_argument("file", metavar="FILE", help="print FILE, the annotation file git asks about")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from annotator.core.errors import AnnotatorError
    from annotator.core.output import write_stdout
    from annotator.core.textconv import textconv

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise AnnotatorError(f"{args.file}: cannot be read: {error.strerror}") from None
    write_stdout([textconv(data, path.name)])
    return 0
