"""`annotator init [DIR]`: a new project in one command, keeping whatever is there already."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from annotator.commands.common import description, epilog

    parser = subparsers.add_parser(
        "init",
        parents=[common],
        help="make a folder an annotator project: the schema, seeds/, annotations/ and git",
        description=description(
            """Make DIR (default: --project, else the current folder; created if missing) an annotator
            project: annotator.toml (a commented template of the labels), seeds/ and annotations/, the
            ignore rules for the app's journals, locks and temporary files in .gitignore, the drivers'
            line in .gitattributes, `git init` where DIR is not in a repository yet, then what
            `annotator git-setup` does. Then list what was done and the next steps.

            Overwrite nothing: an existing annotator.toml is kept, and .gitignore and .gitattributes
            only get the lines they lack, so running it again changes nothing. Without git, make the
            files, skip the git steps and warn (exit 0)."""
        ),
        epilog=epilog(
            ["annotator init survey", "annotator init          # the current folder"],
            problems="DIR cannot be made a project (a file is in the way, or it cannot be written)",
            project=False,
        ),
    )
    parser.add_argument("dir", metavar="DIR", nargs="?", help="make DIR a project (default: --project)")
    parser.set_defaults(run=run, check=check, needs_project=False)


def check(args: argparse.Namespace) -> None:
    if args.dir is not None and args.project not in (".", args.dir):
        args.parser.error(f"two project folders given ({args.dir} and --project {args.project}): give one")


def run(args: argparse.Namespace) -> int:
    from annotator.core.scaffold import init_project

    folder = args.dir if args.dir is not None else args.project
    root = Path(folder)
    report = init_project(root)
    if report.changes:
        for line in [f"created {folder}/"] * report.created_folder + report.changes + report.kept:
            print(line)
    else:
        print(f"nothing changed: {folder} is already an annotator project")
    if report.git_missing:
        print(f"annotator init: warning: git not found: skipped `git init` and `annotator git-setup` (install git, "
              f"then run both in {folder})", file=sys.stderr)
    print()
    print("Next:")
    if Path(folder).resolve() != Path.cwd().resolve():
        print(f"  cd {shlex.quote(folder)}")
    print("  put the comments to label in seeds/ (.txt, .jsonl or .csv files), or `annotator import-comments FILE`")
    print("  edit annotator.toml: the labels, their keys and the guidelines")
    print("  run `annotator` to label; commit annotator.toml, seeds/, annotations/, .gitignore and .gitattributes")
    return 0
