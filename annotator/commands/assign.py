"""`annotator assign`: the plan of `[assign]` in annotator.toml, its effect, and (for CI) whether
the labels follow it."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from annotator.core.assign import Assignment, Explanation
    from annotator.core.config import AssignPlan
    from annotator.core.plan_progress import PlanProgress
    from annotator.core.project import Project

FORMATS = ("text", "markdown", "json")
JSON_FORMAT = 1
LISTED = 50  # problems of each kind listed by --check; the rest are counted


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    from annotator.commands.common import description, epilog

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
            problems="labels outside the plan (--check), comments not complete (--complete), no [assign] table "
            "in annotator.toml, or an --explain id that is not a comment",
        ),
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="text", metavar="FORMAT", help="write text (default), markdown or json"
    )
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
    from annotator.core.output import write_stdout
    from annotator.core.plan_progress import plan_progress
    from annotator.core.project import Project
    from annotator.core.resolve import open_label_files

    project = Project.open(Path(args.project))
    assignment = project_assignment(project.schema.assign, [comment.id for comment in project.corpus.comments])
    if args.explain is not None:
        return _explain(args, project, assignment)
    progress = plan_progress(assignment, open_label_files(project.root, project.annotators()))
    write_stdout([RENDERERS[args.format](progress)])
    return _check(progress, args.complete) if args.gate else 0


def _explain(args: argparse.Namespace, project: Project, assignment: Assignment) -> int:
    from annotator.core.assign import explain
    from annotator.core.errors import AnnotatorError
    from annotator.core.ids import IdIndex, IdLookupError
    from annotator.core.models import excerpt
    from annotator.core.output import write_stdout

    try:  # the whole id, or a start of it no other id has (as `blame` and the app's `:` take it)
        comment = project.corpus.by_id[IdIndex([c.id for c in project.corpus.comments]).find(args.explain)]
    except IdLookupError as error:
        raise AnnotatorError(f"--explain: {error.message}", error.hint) from None
    why = explain(assignment.plan, comment.id, assignment.calibration)
    render = {"text": explain_text, "markdown": explain_markdown, "json": explain_json}[args.format]
    write_stdout([render(why, excerpt(comment.text), assignment.plan)])
    return 0


def _check(progress: PlanProgress, complete: bool) -> int:
    """Report on stderr what breaks the plan; 1 when something does."""
    from annotator.core.store import ANNOTATIONS_DIR, SUFFIX
    from annotator.core.validate import counted

    lines = []
    for item in progress.outside:
        where = f"{ANNOTATIONS_DIR}/{item.annotator}{SUFFIX}" + (f":{item.line}" if item.line else "")
        lines.append(f"{where}: comment {item.comment_id}: labeled by {item.annotator}, but the plan gives it to "
                     f"{', '.join(item.assignees)}")
    problems = [counted(len(progress.outside), "label") + " outside the plan"] if progress.outside else []
    _listed(lines)
    if complete:
        incomplete = [
            f"comment {comment_id}: not complete: no stance from {', '.join(missing)}"
            for comment_id, missing in progress.incomplete()
        ]
        _listed(incomplete)
        if incomplete:
            problems.append(f"{counted(len(incomplete), 'comment')} of {progress.comments} not complete")
    if problems:
        print(f"annotator assign: {'; '.join(problems)}", file=sys.stderr)
        return 1
    return 0


def _listed(lines: list[str]) -> None:
    for line in lines[:LISTED]:
        print(line, file=sys.stderr)
    if len(lines) > LISTED:
        print(f"... and {len(lines) - LISTED} more", file=sys.stderr)


# The plan's effect -------------------------------------------------------------------------------


def describe_plan(plan: AssignPlan) -> str:
    """`3 annotators, overlap 2, calibration: the first 20 comments, salt "pilot"`."""
    from annotator.core.validate import counted

    count = plan.calibration_count
    if count == 0:
        calibration = "no calibration set"
    elif count is not None:
        calibration = f"calibration: the first {counted(count, 'comment')}"
    else:
        calibration = f"calibration: {counted(len(plan.calibration), 'listed comment')}"
    return f"{counted(len(plan.annotators), 'annotator')}, overlap {plan.overlap}, {calibration}, salt {json.dumps(plan.salt)}"


def _summary(progress: PlanProgress) -> str:
    from annotator.core.validate import counted

    assignment = progress.assignment
    calibration = len(assignment.calibration)
    shared = progress.comments - calibration
    return (
        f"{counted(progress.comments, 'comment')}: {calibration} calibration (everyone), {shared} shared "
        f"({counted(assignment.overlap, 'annotator')} each); {progress.complete} complete "
        f"({progress.calibration_complete} of the calibration)"
    )


def _table(progress: PlanProgress) -> list[list[str]]:
    rows = [["annotator", "weight", "assigned", "calibration", "labeled", "", "outside"]]
    for share in progress.shares:
        rows.append([
            share.name, f"{share.weight:g}", str(share.assigned), str(share.calibration),
            f"{share.labeled}/{share.assigned}", _percent(share.labeled, share.assigned), str(share.outside),
        ])
    return rows


def _percent(count: int, total: int) -> str:
    return f"{count / total:.1%}" if total else "-"


def _unplanned(progress: PlanProgress) -> list[str]:
    if not progress.unplanned:
        return []
    return [f"not in the plan, with a file: {', '.join(progress.unplanned)} (their labels are outside the plan)"]


def _weights_note(plan: AssignPlan) -> list[str]:
    """A line when unequal weights could not be adjusted for the overlap (too many annotators)."""
    from annotator.core.assign import weights_adjusted

    unequal = len({plan.weight(name) for name in plan.annotators}) > 1
    if not unequal or plan.overlap == 1 or plan.overlap >= len(plan.annotators) or weights_adjusted(plan):
        return []
    return [("note: too many annotators to adjust the weights for the overlap: they are used as they are, and the "
             "shares above deviate from them")]


def render_text(progress: PlanProgress) -> str:
    """The plan and each annotator's share, as aligned columns."""
    table = _table(progress)
    widths = [max(len(row[column]) for row in table) for column in range(len(table[0]))]
    lines = [f"plan: {describe_plan(progress.assignment.plan)}", _summary(progress), *_weights_note(
        progress.assignment.plan), ""]
    for row in table:
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
    lines += _unplanned(progress)
    return "\n".join(lines) + "\n"


def render_markdown(progress: PlanProgress) -> str:
    """A table to paste in a pull request; names are code spans, never markup."""
    from annotator.core.diffformat import code

    lines = [f"Plan: {describe_plan(progress.assignment.plan)}.", "", _summary(progress) + ".", ""]
    lines += ["| annotator | weight | assigned | calibration | labeled | outside the plan |",
              "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for row in _table(progress)[1:]:
        lines.append(f"| {code(row[0])} | {row[1]} | {row[2]} | {row[3]} | {row[4]} ({row[5]}) | {row[6]} |")
    if progress.unplanned:
        lines += ["", f"Not in the plan, with a file: {', '.join(map(code, progress.unplanned))}."]
    return "\n".join(lines) + "\n"


def plan_json(plan: AssignPlan) -> dict[str, Any]:
    return {
        "annotators": sorted(plan.annotators),
        "overlap": plan.overlap,
        "calibration": plan.calibration if isinstance(plan.calibration, int) else list(plan.calibration),
        "weights": {name: plan.weight(name) for name in sorted(plan.annotators)},
        "salt": plan.salt,
    }


def render_json(progress: PlanProgress) -> str:
    """Every figure, keys sorted: the layout is in the README."""
    data = {
        "format": JSON_FORMAT,
        "plan": plan_json(progress.assignment.plan),
        "comments": progress.comments,
        "calibration": len(progress.assignment.calibration),
        "complete": progress.complete,
        "calibration_complete": progress.calibration_complete,
        "annotators": [
            {"name": s.name, "weight": s.weight, "assigned": s.assigned, "calibration": s.calibration,
             "labeled": s.labeled, "outside": s.outside}
            for s in progress.shares
        ],
        "unplanned": list(progress.unplanned),
    }
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}


# One comment -----------------------------------------------------------------------------------


def _why(why: Explanation, plan: AssignPlan) -> str:
    from annotator.core.validate import counted

    names = ", ".join(why.assignees)
    if why.calibration:
        count = plan.calibration_count
        where = f"the first {counted(count, 'comment')}" if count is not None else "the ids listed"
        return f"goes to everyone ({names}): it is in the calibration set (assign.calibration: {where})"
    return (f"goes to {names}: the {counted(why.overlap, 'highest score')} of {len(why.candidates)} "
            f"(overlap {why.overlap})")


def _candidate_rows(why: Explanation) -> Iterable[list[str]]:
    for c in why.candidates:
        yield [str(c.rank), c.annotator, f"{c.weight:.4g}", f"{c.score:.4f}", "assigned" if c.chosen else ""]


def explain_text(why: Explanation, excerpt: str, plan: AssignPlan) -> str:
    from annotator.core.models import printable

    table = [["rank", "annotator", "weight", "score", ""], *_candidate_rows(why)]
    widths = [max(len(row[column]) for row in table) for column in range(len(table[0]))]
    lines = [f"{why.comment_id}  {printable(excerpt, keep_newlines=False)}", _why(why, plan), ""]
    for row in table:
        cells = [row[0].rjust(widths[0]), row[1].ljust(widths[1]), row[2].rjust(widths[2]), row[3].rjust(widths[3]),
                 row[4]]
        lines.append("  ".join(cells).rstrip())
    lines.append("score = -weight / ln(u), u from BLAKE2b of salt, annotator and comment id (see the README)")
    return "\n".join(lines) + "\n"


def explain_markdown(why: Explanation, excerpt: str, plan: AssignPlan) -> str:
    from annotator.core.diffformat import code

    lines = [f"{code(why.comment_id)} {code(excerpt)}", "", _why(why, plan) + ".", "",
             "| rank | annotator | weight | score | |", "| ---: | --- | ---: | ---: | --- |"]
    for row in _candidate_rows(why):
        lines.append(f"| {row[0]} | {code(row[1])} | {row[2]} | {row[3]} | {row[4]} |")
    return "\n".join(lines) + "\n"


def explain_json(why: Explanation, excerpt: str, plan: AssignPlan) -> str:
    data = {
        "format": JSON_FORMAT,
        "comment": why.comment_id,
        "excerpt": excerpt,
        "calibration": why.calibration,
        "overlap": why.overlap,
        "assignees": list(why.assignees),
        "candidates": [
            {"rank": c.rank, "annotator": c.annotator, "weight": c.weight, "u": c.u, "score": c.score,
             "assigned": c.chosen}
            for c in why.candidates
        ],
    }
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
