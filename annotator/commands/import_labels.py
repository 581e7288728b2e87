"""`annotator import-labels`: labels from a model, Prodigy or another tool into one annotator's file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from annotator.commands.common import ANNOTATOR, add_global_option, description, epilog

    parser = subparsers.add_parser(
        "import-labels",
        parents=[common],
        usage="%(prog)s [-h] [--project DIR] --annotator NAME [--overwrite]\n"
        "                               [--dry-run] SRC",  # (argparse would show --annotator as optional)
        help="add labels from a JSONL file to an annotator's file",
        description=description(
            """Add the labels in SRC to annotations/NAME.toml, to pre-annotate with a model or to
            migrate from another tool. Each line names a comment by its whole id (or meta.id; never by
            a start of it, on purpose: a file is applied unattended), or else by its exact text, and
            gives labels as a plain record (stance, topics, note, flagged; a key that is absent
            leaves that field as it is; `annotator export` writes such records) or as a Prodigy
            choice answer (answer and accept; reject and ignore are skipped).

            Check every line first: report unknown comments, texts that match no comment, labels
            not in annotator.toml, a comment given twice and malformed values with their lines,
            and then change nothing. Keep the labels NAME already made unless --overwrite. Say on
            stderr what was added, changed, kept and skipped."""
        ),
        epilog=epilog(
            [
                "annotator import-labels predictions.jsonl --annotator model-v1 --dry-run",
                "annotator import-labels prodigy-export.jsonl --annotator alice --overwrite",
            ],
            problems="a line is bad (each is listed with its line, and nothing changes), SRC cannot be read, or "
            "the app has NAME's file open",
        ),
    )
    parser.add_argument("source", metavar="SRC", help="read the labels from SRC (JSONL), or from stdin if it is -")
    add_global_option(parser, ANNOTATOR, help="write the labels to annotations/NAME.toml (required)")
    parser.add_argument("--overwrite", action="store_true", help="replace labels NAME already made")
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would change (on stdout) and write nothing"
    )
    parser.set_defaults(run=run, check=check)


def check(args: argparse.Namespace) -> None:
    if args.annotator is None:  # (not `required=True`: it may come before the command)
        args.parser.error("the following arguments are required: --annotator")


def run(args: argparse.Namespace) -> int:
    from annotator.core.perf import paused_gc

    with paused_gc():  # (100,000 rows and entries, no cycles: the collector would only rescan them)
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from annotator.core.label_import import (
        apply_label_plan,
        describe_changes,
        plan_label_import,
        read_label_rows,
        summary,
    )
    from annotator.core.models import utc_now
    from annotator.core.output import write_stdout
    from annotator.core.project import Project
    from annotator.core.sources import opened_source
    from annotator.core.lock import AnnotatorLock
    from annotator.core.store import ANNOTATIONS_DIR, AnnotationFile, annotation_path

    annotator = args.annotator
    project = Project.open(Path(args.project))
    with opened_source(args.source) as (name, stream):  # (read a block at a time: never held whole)
        rows = read_label_rows(stream, name, project.schema, project.corpus)
    lock = None if args.dry_run else AnnotatorLock.for_file(annotation_path(project.root, annotator)).acquire()
    try:  # while the app has this annotator open, it owns the file: refuse rather than race it
        store = AnnotationFile.open(project.root, annotator)
        plan = plan_label_import(rows, store, args.overwrite, utc_now())
        del rows  # (a dict a line: not kept while the file is written)
        if args.dry_run:
            write_stdout(f"{line}\n" for line in describe_changes(plan.changes))
        else:
            apply_label_plan(plan, store, project.corpus)
    finally:
        if lock is not None:
            lock.release()
    print(summary(plan, f"{ANNOTATIONS_DIR}/{store.path.name}", args.dry_run), file=sys.stderr)
    return 0
