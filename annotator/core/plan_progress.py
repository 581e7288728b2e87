"""The plan against the labels: each annotator's share and how much of it is labeled, labels given
outside the plan, and the comments whose annotators have all given a stance.

- An annotator's comments are those the plan assigns them (`annotator.core.assign`), the
  calibration set included; `labeled` counts those with a stance or a topic in their file.
- A label *outside the plan* is an entry with a stance or a topic, by an annotator of the plan or
  anyone else but gold, for a comment in seeds/ the plan does not give them.
- A comment is *complete* when every annotator it is assigned to has given it a stance.

Entries for comments not in seeds/ are `annotator validate`'s business, and are not counted here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from annotator.core.assign import Assignment
from annotator.core.models import Annotation
from annotator.core.labels import LabelFile
from annotator.core.store import GOLD


@dataclass(frozen=True, slots=True)
class Share:
    """One annotator's part of the plan, and their progress on it."""

    name: str
    weight: float  # as the plan gives it
    assigned: int  # comments, calibration included
    calibration: int
    labeled: int  # of the assigned comments
    outside: int  # labels on comments the plan does not give them


@dataclass(frozen=True, slots=True)
class Outside:
    """A label outside the plan: who, which comment, the line of its entry, and whose it is."""

    annotator: str
    comment_id: str
    line: int | None
    assignees: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PlanProgress:
    """The plan's effect on the comments and how far the team has come."""

    assignment: Assignment
    shares: tuple[Share, ...]  # the plan's annotators, by name
    outside: tuple[Outside, ...]  # by annotator, then seed order
    unplanned: tuple[str, ...]  # annotators with a file who are not in the plan (gold aside)
    complete: int  # comments every assignee gave a stance, calibration included
    calibration_complete: int
    _stanced: Mapping[str, frozenset[int]]  # by annotator: positions they gave a stance

    @property
    def comments(self) -> int:
        return len(self.assignment.comment_ids)

    def incomplete(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        """Each comment not complete, in seed order, with the annotators whose stance it lacks."""
        assignment = self.assignment
        empty: frozenset[int] = frozenset()
        for position, comment_id in enumerate(assignment.comment_ids):
            missing = tuple(
                name for name in assignment.assignees(position) if position not in self._stanced.get(name, empty)
            )
            if missing:
                yield comment_id, missing


def plan_progress(assignment: Assignment, files: Mapping[str, LabelFile]) -> PlanProgress:
    """Compare the labels in `files` (by annotator) with `assignment`."""
    position_of = {comment_id: position for position, comment_id in enumerate(assignment.comment_ids)}
    calibration = {position_of[comment_id] for comment_id in assignment.calibration}
    stanced: dict[str, frozenset[int]] = {}
    outside: list[Outside] = []
    shares = []
    for name, store in sorted(files.items()):
        if name == GOLD:
            continue
        mine = set(assignment.positions(name))
        labeled = 0
        given: set[int] = set()
        lines = store.lines
        theirs: list[tuple[int, Outside]] = []
        for comment_id, entry in store.entries.items():
            position = position_of.get(comment_id)
            if position is None or not entry.is_labeled:
                continue
            if entry.stance is not None:
                given.add(position)
            if position in mine:
                labeled += 1
            else:
                theirs.append((position, Outside(name, comment_id, lines.get(comment_id), assignment.assignees(position))))
        stanced[name] = frozenset(given)
        outside.extend(item for _, item in sorted(theirs, key=lambda pair: pair[0]))
        if name in assignment.annotators:
            shares.append(Share(name, assignment.plan.weight(name), len(mine), len(calibration), labeled, len(theirs)))
    for name in assignment.annotators:  # those with no file yet
        if name not in files:
            assigned = len(assignment.positions(name))
            shares.append(Share(name, assignment.plan.weight(name), assigned, len(calibration), 0, 0))
    empty: frozenset[int] = frozenset()
    done = [
        all(position in stanced.get(name, empty) for name in assignment.assignees(position))
        for position in range(len(assignment.comment_ids))
    ]
    return PlanProgress(
        assignment=assignment,
        shares=tuple(sorted(shares, key=lambda share: share.name)),
        outside=tuple(outside),
        unplanned=tuple(name for name in sorted(files) if name != GOLD and name not in assignment.annotators),
        complete=sum(done),
        calibration_complete=sum(done[position] for position in calibration),
        _stanced=stanced,
    )


def planned_labels(
    assignment: Assignment, labels: Mapping[str, Mapping[str, Annotation]]
) -> tuple[dict[str, dict[str, Annotation]], dict[str, dict[str, Annotation]]]:
    """The labels agreement is measured on under a plan, by annotator of the plan: on the comments
    the plan shares out (each annotator's entries for the comments assigned to them), and on the
    calibration set (everyone's). Labels outside the plan are left out."""
    calibration = assignment.calibration
    shared: dict[str, dict[str, Annotation]] = {}
    everyone: dict[str, dict[str, Annotation]] = {}
    for name in assignment.annotators:
        entries = labels.get(name, {})
        mine = {assignment.comment_ids[position] for position in assignment.positions(name)}
        shared[name] = {cid: entry for cid, entry in entries.items() if cid in mine and cid not in calibration}
        everyone[name] = {cid: entry for cid, entry in entries.items() if cid in calibration}
    return shared, everyone
