"""Progress and label counts per annotator, as a text report or JSON.

Only entries for comments in `seeds/` count (orphans are `annotator validate`'s business). The
distributions sum every annotator except gold, unless gold is the only one. With a plan
(`[assign]`), each annotator of the plan also has their share: the comments assigned to them and
how many of those they labeled.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from annotator.core.config import Schema
from annotator.core.plan_progress import PlanProgress
from annotator.core.store import GOLD, AnnotationFile

BAR_WIDTH = 24
NO_STANCE = "(none)"


@dataclass(frozen=True, slots=True)
class AnnotatorStats:
    """One annotator's progress and label counts."""

    name: str
    labeled: int
    flagged: int
    median_seconds: float | None
    stance: dict[str, int]
    topics: dict[str, int]
    assigned: int | None = None  # with a plan: the comments assigned to them (None: not in the plan)
    assigned_labeled: int | None = None  # of those, labeled


@dataclass(frozen=True, slots=True)
class ProjectStats:
    """Every annotator's stats, and the label distribution over the counted annotators."""

    comments: int
    annotators: tuple[AnnotatorStats, ...]
    counted: tuple[str, ...]
    labeled: int
    stance: dict[str, int]
    topics: dict[str, int]
    plan: PlanProgress | None = None
    files: int = 0


def project_stats(
    comment_ids: Iterable[str], files: dict[str, AnnotationFile], schema: Schema, plan: PlanProgress | None = None
) -> ProjectStats:
    """The stats of `files` (by annotator name) over the comments `comment_ids`, with each
    annotator's share of `plan` where there is one (annotators of the plan with no file yet too)."""
    ids = set(comment_ids)
    annotators = tuple(annotator_stats(name, store, ids, schema) for name, store in sorted(files.items()))
    if plan is not None:
        shares = {share.name: share for share in plan.shares}
        empty = [AnnotatorStats(name, 0, 0, None, _in_order(Counter(), schema.stance_names),
                                _in_order(Counter(), schema.topic_names)) for name in shares if name not in files]
        annotators = tuple(
            replace(one, assigned=shares[one.name].assigned, assigned_labeled=shares[one.name].labeled)
            if one.name in shares else one
            for one in sorted((*annotators, *empty), key=lambda one: one.name)
        )
    counted = tuple(one for one in annotators if one.name != GOLD) or annotators
    stance: Counter[str] = Counter()
    topics: Counter[str] = Counter()
    for one in counted:
        stance.update(one.stance)
        topics.update(one.topics)
    return ProjectStats(
        comments=len(ids),
        annotators=annotators,
        counted=tuple(one.name for one in counted),
        labeled=sum(one.labeled for one in counted),
        stance=_in_order(stance, schema.stance_names),
        topics=_in_order(topics, schema.topic_names),
        plan=plan,
        files=len(files),
    )


def annotator_stats(name: str, store: AnnotationFile, ids: set[str], schema: Schema) -> AnnotatorStats:
    """Counts for one annotator over the comments `ids`."""
    entries = [entry for comment_id, entry in store.entries.items() if comment_id in ids]
    labeled = [entry for entry in entries if entry.is_labeled]
    timed = [entry.seconds for entry in labeled if entry.seconds > 0]
    stance = Counter(entry.stance or NO_STANCE for entry in labeled)
    topics = Counter(topic for entry in labeled for topic in entry.topics)
    return AnnotatorStats(
        name=name,
        labeled=len(labeled),
        flagged=sum(entry.flagged for entry in entries),
        median_seconds=round(statistics.median(timed), 1) if timed else None,
        stance=_in_order(stance, schema.stance_names),
        topics=_in_order(topics, schema.topic_names),
    )


def _in_order(counts: Counter[str], known: tuple[str, ...]) -> dict[str, int]:
    """Every known label (zero included) in schema order, then unknown ones, sorted."""
    ordered = {label: counts.get(label, 0) for label in known}
    ordered.update((label, counts[label]) for label in sorted(counts) if label not in ordered)
    return ordered


# Rendering ---------------------------------------------------------------------------------------


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
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


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
