"""The `annotator` command: the app by default, and subcommands for checks, review and data.

Data goes to stdout, diagnostics to stderr. Exit codes: 0 success; 1 problems found or input
that cannot be used (the message says which file and line); 2 a command line that is wrong;
128 + the signal's number when the app was stopped by one: 129 SIGHUP (the terminal or SSH session
closed), 143 SIGTERM (`kill`); it saved first, without asking, and said on stderr whether every
label is on disk.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from annotator import __version__
from annotator.core.errors import AnnotatorError

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2

# Each name is a module in `annotator.commands` with `register(subparsers, common)` and `run(args)`.
COMMANDS = ("annotate", "init", "validate", "export", "import_comments", "import_labels", "stats", "diff", "blame",
            "git_setup", "git_textconv", "git_merge_driver", "agree")


def build_parser() -> argparse.ArgumentParser:
    """The parser for every subcommand; `annotate` also runs when none is given."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--project", metavar="DIR", default=".", help="the project folder (default: the current folder)"
    )
    parser = argparse.ArgumentParser(
        prog="annotator",
        description="Label discussion comments for stance and topics; labels live as TOML files in git.",
        epilog="With no command, opens the annotation app (the same as `annotator annotate`).",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"annotator {__version__}")
    parser.add_argument("--annotator", metavar="NAME", help="with no command: whose labels to edit")
    parser.set_defaults(run=_run_app)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"annotator.commands.{name}").register(subparsers, common)
    return parser


def _run_app(args: argparse.Namespace) -> int:
    from annotator.commands.annotate import run

    return run(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except AnnotatorError as error:
        print(f"annotator: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (`annotator export | head`): not an error
        return EXIT_OK
