"""`annotator validate`: check the config, the seeds and every annotation file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from annotator.commands.common import description, epilog

    parser = subparsers.add_parser(
        "validate",
        parents=[common],
        help="check the config, the seeds and every annotation file",
        description=description(
            """Check annotator.toml, seeds/ and annotations/: TOML syntax, conflict markers, labels not
            in the schema, entries whose comment is no longer in the seeds, entries left in conflict by
            a merge, duplicate entries, bad annotator file names, and journals or locks that git
            tracks. Print one line per problem on stderr and exit 1; print a one-line summary on
            stdout and exit 0 when all is well. Warnings alone do not fail."""
        ),
        epilog=epilog(
            ["annotator validate", "annotator validate --project ../survey   # in CI or a pre-commit hook"],
            problems="problems found (warnings alone do not fail)",
        ),
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from annotator.core.output import write_stdout
    from annotator.core.validate import validate_project

    problems, summary = validate_project(Path(args.project))
    for problem in problems:
        print(problem, file=sys.stderr)
    if any(not problem.warning for problem in problems):
        print(f"annotator validate: {summary}", file=sys.stderr)
        return 1
    write_stdout([summary + "\n"])
    return 0
