"""Progress and label counts per annotator (`annotator.core.reports.stats` renders them).

Only entries for comments in `seeds/` count (orphans are `annotator validate`'s business). The
distributions sum every annotator except gold, unless gold is the only one. With a plan
(`[assign]`), each annotator of the plan also has their share: the comments assigned to them and
how many of those they labeled.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

from annotator.core.config import Schema
from annotator.core.plan_progress import PlanProgress
from annotator.core.labels import LabelFile
from annotator.core.store import GOLD

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
    comment_ids: Iterable[str], files: dict[str, LabelFile], schema: Schema, plan: PlanProgress | None = None
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


def annotator_stats(name: str, store: LabelFile, ids: set[str], schema: Schema) -> AnnotatorStats:
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
