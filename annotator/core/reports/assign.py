"""`annotator assign`'s reports: the plan's effect and each annotator's share, and why one
comment went where it did (--explain), as text, Markdown or JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from annotator.core.assign import weights_adjusted
from annotator.core.models import printable
from annotator.core.reports.jsondoc import JSON_FORMAT, dumps
from annotator.core.reports.markdown import code
from annotator.core.validate import counted

if TYPE_CHECKING:
    from annotator.core.assign import Explanation
    from annotator.core.config import AssignPlan
    from annotator.core.plan_progress import PlanProgress


def render(progress: PlanProgress, form: str) -> str:
    """The plan and each annotator's share in `form` (text, markdown or json)."""
    return RENDERERS[form](progress)


def render_explanation(why: Explanation, excerpt: str, plan: AssignPlan, form: str) -> str:
    """Why one comment goes to whom, in `form` (text, markdown or json)."""
    return {"text": explain_text, "markdown": explain_markdown, "json": explain_json}[form](why, excerpt, plan)



def describe_plan(plan: AssignPlan) -> str:
    """`3 annotators, overlap 2, calibration: the first 20 comments, salt "pilot"`."""
    count = plan.calibration_count
    if count == 0:
        calibration = "no calibration set"
    elif count is not None:
        calibration = f"calibration: the first {counted(count, 'comment')}"
    else:
        calibration = f"calibration: {counted(len(plan.calibration), 'listed comment')}"
    return f"{counted(len(plan.annotators), 'annotator')}, overlap {plan.overlap}, {calibration}, salt {json.dumps(plan.salt)}"


def _summary(progress: PlanProgress) -> str:
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
    lines = [f"Plan: {describe_plan(progress.assignment.plan)}.", "", _summary(progress) + ".", ""]
    lines += ["| annotator | weight | assigned | calibration | labeled | outside the plan |",
              "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for row in _table(progress)[1:]:
        lines.append(f"| {code(row[0])} | {row[1]} | {row[2]} | {row[3]} | {row[4]} ({row[5]}) | {row[6]} |")
    if progress.unplanned:
        names = ", ".join(code(name, cell=False) for name in progress.unplanned)
        lines += ["", f"Not in the plan, with a file: {names}."]
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
    return dumps(data)


RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}


# One comment -----------------------------------------------------------------------------------


def _why(why: Explanation, plan: AssignPlan) -> str:
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
    lines = [f"{code(why.comment_id, cell=False)} {code(excerpt, cell=False)}", "", _why(why, plan) + ".", "",
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
    return dumps(data)
