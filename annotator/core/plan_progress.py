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

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import compress
from operator import not_

from annotator.core.assign import Assignment
from annotator.core.labels import LabelFile
from annotator.core.models import Annotation
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
    unplanned: tuple[str, ...]  # annotators with a file who are not in the plan (gold aside)
    complete: int  # comments every assignee gave a stance, calibration included
    calibration_complete: int
    _missing: int  # bit 8p set when the comment at position p lacks an assignee's stance
    _given: Mapping[str, bytes]  # by annotator: 1 at each position they gave a stance
    _outside: tuple[tuple[str, Mapping[str, int], list[int]], ...]  # by annotator: lines, positions labeled outside

    @property
    def comments(self) -> int:
        return len(self.assignment.comment_ids)

    @property
    def outside_count(self) -> int:
        """How many labels lie outside the plan."""
        return sum(len(positions) for _, _, positions in self._outside)

    def outside(self) -> Iterator[Outside]:
        """Each label outside the plan, by annotator, then seed order (made as it is asked for:
        a project can hold tens of thousands)."""
        ids, named, codes = self.assignment.comment_ids, self.assignment.named_sets, self.assignment.codes
        for name, lines, positions in self._outside:
            for position in positions:
                yield Outside(name, ids[position], lines.get(ids[position]), named[codes[position]])

    def incomplete(self) -> Iterator[tuple[str, tuple[str, ...]]]:
        """Each comment not complete, in seed order, with the annotators whose stance it lacks."""
        assignment = self.assignment
        count = len(assignment.comment_ids)
        missing = self._missing.to_bytes(count, "little") if count else b""
        for position in compress(range(count), missing):
            yield assignment.comment_ids[position], self._lacking(position)

    def _lacking(self, position: int) -> tuple[str, ...]:
        return tuple(name for name in self.assignment.assignees(position) if not self._given[name][position])


def plan_progress(assignment: Assignment, files: Mapping[str, LabelFile]) -> PlanProgress:
    """Compare the labels in `files` (by annotator) with `assignment`.

    Per annotator, which comments they have and which they gave a stance are byte strings, one
    byte (0 or 1) per comment in seed order, read as integers: "complete" is then a few integer
    operations, not a loop over comments and annotators."""
    count = len(assignment.comment_ids)
    position_of = {comment_id: position for position, comment_id in enumerate(assignment.comment_ids)}
    calibration = bytearray(count)
    for comment_id in assignment.calibration:
        calibration[position_of[comment_id]] = 1
    ones = int.from_bytes(b"\1" * count, "little")
    corpus = hashlib.sha256("\n".join(assignment.comment_ids).encode()).digest()  # (ids hold no newline)
    missing = 0  # bit 8p: the comment at position p lacks the stance of someone assigned it
    stanced: dict[str, bytes] = {}
    outside: list[tuple[str, Mapping[str, int], list[int]]] = []
    shares = []
    for name in sorted({*files, *assignment.annotators} - {GOLD}):
        mine = assignment.mask(name)
        given = bytearray(count)
        labeled = 0
        theirs: list[int] = []
        store = files.get(name)
        if store is not None:
            positions, has_stance = store.labeled_positions(position_of, corpus)
            for position in compress(positions, has_stance):
                given[position] = 1
            labeled = sum(map(mine.__getitem__, positions))
            theirs = sorted(compress(positions, map(not_, map(mine.__getitem__, positions))))
            if theirs:
                outside.append((name, store.lines, theirs))
        missing |= int.from_bytes(mine, "little") & ~int.from_bytes(given, "little") & ones
        stanced[name] = bytes(given)
        if name in assignment.annotators:
            shares.append(Share(name, assignment.plan.weight(name), mine.count(1), calibration.count(1), labeled, len(theirs)))
    return PlanProgress(
        assignment=assignment,
        shares=tuple(shares),
        unplanned=tuple(name for name in sorted(files) if name != GOLD and name not in assignment.annotators),
        complete=count - missing.bit_count(),
        calibration_complete=calibration.count(1) - (missing & int.from_bytes(calibration, "little")).bit_count(),
        _missing=missing,
        _given=stanced,
        _outside=tuple(outside),
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
