"""`annotator stats`'s report: progress and label counts per annotator, as text or JSON."""

from __future__ import annotations

from typing import Any

from annotator.core.plan_progress import PlanProgress
from annotator.core.reports.jsondoc import dumps
from annotator.core.stats import ProjectStats

BAR_WIDTH = 24



def stats_json(stats: ProjectStats) -> str:
    """The stats as a JSON document (keys sorted, two-space indent, ending in a newline)."""
    data: dict[str, Any] = {
        "comments": stats.comments,
        "annotators": [
            {
                "name": one.name,
                "labeled": one.labeled,
                "flagged": one.flagged,
                "median_seconds": one.median_seconds,
                "stance": one.stance,
                "topics": one.topics,
                "share": None if one.assigned is None else {"assigned": one.assigned, "labeled": one.assigned_labeled},
            }
            for one in stats.annotators
        ],
        "plan": None if stats.plan is None else {
            "annotators": list(stats.plan.assignment.annotators),
            "overlap": stats.plan.assignment.overlap,
            "calibration": len(stats.plan.assignment.calibration),
            "complete": stats.plan.complete,
            "calibration_complete": stats.plan.calibration_complete,
        },
        "distribution": {
            "annotators": list(stats.counted),
            "labeled": stats.labeled,
            "stance": stats.stance,
            "topics": stats.topics,
        },
    }
    return dumps(data)


def stats_text(stats: ProjectStats) -> str:
    """The stats as a report for people: a table per annotator, then the label distributions."""
    comments = _count(stats.comments, "comment")
    if not stats.annotators:
        return f"{comments}, no annotation files yet\n"
    lines = [f"{comments}, {_count(stats.files, 'annotation file')}", ""]
    if stats.plan is not None:
        lines[1:1] = [_plan_line(stats.plan)]
    lines.extend(_table(stats))
    who = ", ".join(stats.counted)
    lines += ["", f"stance ({who}: {stats.labeled} labeled)"]
    lines.extend(_bars(stats.stance, stats.labeled))
    lines += ["", f"topics ({who}: share of {stats.labeled} labeled)"]
    lines.extend(_bars(stats.topics, stats.labeled))
    return "\n".join(lines) + "\n"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _plan_line(plan: PlanProgress) -> str:
    assignment = plan.assignment
    return (
        f"plan: {_count(len(assignment.annotators), 'annotator')}, overlap {assignment.overlap}, "
        f"{len(assignment.calibration)} calibration; {plan.complete} of {plan.comments} comments complete"
    )


def _table(stats: ProjectStats) -> list[str]:
    total = stats.comments
    labeled = [f"{one.labeled}/{total} {_share(one.labeled, total):>6}" for one in stats.annotators]
    width = max(len("annotator"), *(len(one.name) for one in stats.annotators))
    span = max(len("labeled"), *(len(cell) for cell in labeled))
    shares = [
        "-" if one.assigned is None else f"{one.assigned_labeled}/{one.assigned} {_share(one.assigned_labeled or 0, one.assigned):>6}"
        for one in stats.annotators
    ]
    share_span = max(len("of their share"), *(len(cell) for cell in shares))
    share_head = f"  {'of their share':>{share_span}}" if stats.plan is not None else ""
    rows = [f"{'annotator':<{width}}  {'labeled':>{span}}  {'flagged':>7}  {'median sec':>10}{share_head}"]
    for one, cell, share in zip(stats.annotators, labeled, shares, strict=True):
        median = "-" if one.median_seconds is None else f"{one.median_seconds:.1f}"
        tail = f"  {share:>{share_span}}" if stats.plan is not None else ""
        rows.append(f"{one.name:<{width}}  {cell:>{span}}  {one.flagged:>7}  {median:>10}{tail}")
    return rows


def _share(count: int, total: int) -> str:
    return f"{count / total:.1%}" if total else "-"


def _bars(counts: dict[str, int], total: int) -> list[str]:
    if not counts:
        return ["  (no labels in the schema)"]
    width = max(len(label) for label in counts)
    top = max(counts.values()) or 1
    digits = len(str(max(counts.values())))
    rows = []
    for label, count in counts.items():
        bar = "#" * max(round(count / top * BAR_WIDTH), 1 if count else 0)
        rows.append(f"  {label:<{width}}  {bar:<{BAR_WIDTH}}  {count:>{digits}}  {_share(count, total):>6}")
    return rows
