"""`annotator assign`: the plan of `[assign]` in annotator.toml, its effect, and (for CI) whether
the labels follow it."""

from __future__ import annotations

import argparse
import sys
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from annotator.core.assign import Assignment
    from annotator.core.plan_progress import PlanProgress
    from annotator.core.project import Project

LISTED = 50  # problems of each kind listed by --check; the rest are counted


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from annotator.commands.common import add_report_format, description, epilog

    parser = subparsers.add_parser(
        "assign",
        parents=[common],
        help="show who labels which comments under the plan in annotator.toml, and check it",
        description=description(
            """Show the effect of the [assign] plan in annotator.toml: per annotator, how many
            comments they have (calibration included), how many of those are calibration, how many
            they labeled (a stance or a topic), and how many labels they gave outside the plan; then
            how many comments are complete (every annotator assigned to a comment gave it a
            stance).

            --check exits 1 when a label lies outside the plan (an annotator labeled a comment the
            plan does not give them; gold, the adjudicated labels, is exempt), listing each on
            stderr; with --complete, also when a comment is not complete. Labeling takes time, so
            incomplete comments fail only with --complete: a gate for pull requests uses --check,
            the gate before an export --check --complete.

            --explain ID says who has a comment and why (ID may be the start of an id that no
            other comment's id starts with): every annotator's score for it, highest first; the comment goes to the `overlap` highest, or to everyone in the calibration
            set."""
        ),
        epilog=epilog(
            [
                "annotator assign",
                "annotator assign --format markdown > plan.md",
                "annotator assign --check              # in CI: labels outside the plan fail",
                "annotator assign --check --complete   # before an export: every comment fully labeled",
                "annotator assign --explain 7a8b9c0d1e2f",
            ],
            problems="labels outside the plan (--check), comments not complete (--complete), or no [assign] "
            "table in annotator.toml",
        ),
    )
    add_report_format(parser)
    parser.add_argument("--check", dest="gate", action="store_true", help="exit 1 when a label lies outside the plan")
    parser.add_argument(
        "--complete", action="store_true", help="with --check: also exit 1 when a comment lacks an assigned stance"
    )
    parser.add_argument("--explain", metavar="ID", help="say who has the comment with this id, and why")
    parser.set_defaults(run=run, check=check)


def check(args: argparse.Namespace) -> None:
    if args.complete and not args.gate:
        args.parser.error("--complete goes with --check")
    if args.explain is not None and args.gate:
        args.parser.error("--explain shows one comment: it does not go with --check")


def run(args: argparse.Namespace) -> int:
    from annotator.core.assign import project_assignment
    from annotator.core.labels import read_labels
    from annotator.core.output import write_stdout
    from annotator.core.plan_progress import plan_progress
    from annotator.core.project import Project
    from annotator.core.reports.assign import render

    project = Project.open(Path(args.project))
    assignment = project_assignment(project.schema.assign, project.corpus.ids())
    if args.explain is not None:
        return _explain(args, project, assignment)
    progress = plan_progress(assignment, read_labels(project.root))
    write_stdout([render(progress, args.format)])
    return _check(progress, args.complete) if args.gate else 0


def _explain(args: argparse.Namespace, project: Project, assignment: Assignment) -> int:
    from annotator.core.assign import explain
    from annotator.core.ids import IdIndex, IdLookupError
    from annotator.core.models import excerpt
    from annotator.core.output import write_stdout
    from annotator.core.reports.assign import render_explanation

    try:  # the whole id, or a start of it no other id has (as `blame` and the app's `:` take it)
        comment = project.corpus.by_id[IdIndex(project.corpus.ids()).find(args.explain)]
    except IdLookupError as error:  # a bad value on the command line, as in `blame`: exit 2
        args.parser.error(f"--explain: {error.message} ({error.hint})" if error.hint else f"--explain: {error.message}")
    why = explain(assignment.plan, comment.id, assignment.calibration)
    write_stdout([render_explanation(why, excerpt(comment.text), assignment.plan, args.format)])
    return 0


def _check(progress: PlanProgress, complete: bool) -> int:
    """Report on stderr what breaks the plan; 1 when something does."""
    from annotator.core.store import ANNOTATIONS_DIR, SUFFIX
    from annotator.core.validate import counted

    lines = []
    for item in islice(progress.outside(), LISTED):
        where = f"{ANNOTATIONS_DIR}/{item.annotator}{SUFFIX}" + (f":{item.line}" if item.line else "")
        lines.append(f"{where}: comment {item.comment_id}: labeled by {item.annotator}, but the plan gives it to "
                     f"{', '.join(item.assignees)}")
    outside = progress.outside_count
    problems = [counted(outside, "label") + " outside the plan"] if outside else []
    _listed(lines, outside)
    if complete:
        incomplete = [
            f"comment {comment_id}: not complete: no stance from {', '.join(missing)}"
            for comment_id, missing in progress.incomplete()
        ]
        _listed(incomplete, len(incomplete))
        if incomplete:
            problems.append(f"{counted(len(incomplete), 'comment')} of {progress.comments} not complete")
    if problems:
        print(f"annotator assign: {'; '.join(problems)}", file=sys.stderr)
        return 1
    return 0


def _listed(lines: list[str], count: int) -> None:
    """The first `LISTED` of `lines` (of `count` in all) on stderr, and how many more there are."""
    for line in lines[:LISTED]:
        print(line, file=sys.stderr)
    if count > LISTED:
        print(f"... and {count - LISTED} more", file=sys.stderr)
