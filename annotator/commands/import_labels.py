"""`annotator import-labels`: labels from a model, Prodigy or another tool into one annotator's file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "import-labels",
        parents=[common],
        help="add labels from a JSONL file to an annotator's file",
        description="Read labels from SRC (JSONL: plain records with id or text and stance, topics, note, "
        "flagged; Prodigy choice answers; or `annotator export` output) into annotations/NAME.toml. Every "
        "line is checked first: unknown comments and labels are reported with their lines and nothing "
        "changes. Comments NAME already labeled are kept unless --overwrite.",
    )
    parser.add_argument("source", metavar="SRC", help="a JSONL file, or - for stdin")
    parser.add_argument("--annotator", metavar="NAME", required=True, help="whose file receives the labels")
    parser.add_argument("--overwrite", action="store_true", help="replace labels NAME already made")
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would change (on stdout) and write nothing"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
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
    from annotator.core.sources import read_source
    from annotator.core.lock import AnnotatorLock
    from annotator.core.store import ANNOTATIONS_DIR, AnnotationFile, annotation_path, check_annotator_name

    annotator = check_annotator_name(args.annotator)
    project = Project.open(Path(args.project))
    name, data = read_source(args.source)
    rows = read_label_rows(data, name, project.schema, project.corpus)
    lock = None if args.dry_run else AnnotatorLock.for_file(annotation_path(project.root, annotator)).acquire()
    try:  # while the app has this annotator open, it owns the file: refuse rather than race it
        store = AnnotationFile.open(project.root, annotator)
        plan = plan_label_import(rows, store, args.overwrite, utc_now())
        if args.dry_run:
            write_stdout(f"{line}\n" for line in describe_changes(plan.changes))
        else:
            apply_label_plan(plan, store, project.corpus)
    finally:
        if lock is not None:
            lock.release()
    print(summary(plan, f"{ANNOTATIONS_DIR}/{store.path.name}", args.dry_run), file=sys.stderr)
    return 0
