"""A change to one entry, as the fields it set, and the rules that put two changes together.

Every path that combines labels goes through `merge_entry`: the app merging a file someone else
changed, the journal replayed after a crash, undo and redo after an outside change, and git's
merge driver (`annotator.core.merge`). The rules:

- a field only one side changed takes that side's value;
- `topics` are a set: a topic added on either side is added, one removed on either side removed;
- `seconds` add up the time both sides spent; `updated` is the later time;
- any other field both sides changed to different values is a clash: it keeps "ours", and its
  name is returned, so that the caller can say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from annotator.core.models import FIELDS, Annotation

EMPTY = Annotation()
_ALWAYS_MERGED = frozenset({"topics", "seconds", "updated"})
_TIMES = frozenset({"seconds", "updated"})


@dataclass(frozen=True, slots=True)
class FieldChange:
    """What one change did to one entry: the fields it changed, as they were and as it set them.

    A missing entry counts as an empty one; `after` with every field empty removes the entry.
    """

    comment_id: str
    before: dict[str, Any]
    after: dict[str, Any]

    @classmethod
    def between(cls, comment_id: str, old: Annotation | None, new: Annotation | None) -> FieldChange | None:
        """The change that turns `old` into `new`, or None when they are equal."""
        was, now = (old or EMPTY).as_dict(), (new or EMPTY).as_dict()
        fields = [key for key in was.keys() | now.keys() if was.get(key) != now.get(key)]
        if not fields:
            return None
        return cls(comment_id, {key: was.get(key) for key in fields}, {key: now.get(key) for key in fields})

    @classmethod
    def replacing(cls, comment_id: str, new: Annotation | None) -> FieldChange:
        """A change that sets every field to `new`'s, whatever was there (no `before`)."""
        now = (new or EMPTY).as_dict()
        return cls(comment_id, {}, {key: now.get(key) for key in (*FIELDS, *now)})

    def reverted(self) -> FieldChange:
        """The change that undoes this one."""
        return FieldChange(self.comment_id, self.after, self.before)

    @property
    def fields(self) -> list[str]:
        return sorted(self.after)


def compose(changes: list[FieldChange], current: Annotation | None) -> FieldChange:
    """Changes to one entry, made one after the other, as one change to apply to `current`.

    Each field goes from where `current` stands in the changes' chain of values to the last one:
    a file that already holds some of the changes (a crash between writing the file and
    trimming the journal) takes the rest without a clash; a value that is nowhere in the chain
    was set by someone else, and clashes with the chain as a whole. (A field a change set
    without saying what it found, as a whole-entry record does, starts from `current`.)
    """
    now = (current or EMPTY).as_dict()
    chains: dict[str, list[Any]] = {}
    for change in changes:
        for key, value in change.after.items():
            chain = chains.get(key)
            if chain is None:
                chain = chains[key] = [change.before[key] if key in change.before else now.get(key)]
            chain.append(value)
    before: dict[str, Any] = {}
    for key, chain in chains.items():
        here = now.get(key)
        before[key] = next((value for value in reversed(chain) if value == here), chain[0])
    return FieldChange(changes[0].comment_id, before, {key: chain[-1] for key, chain in chains.items()})


def apply(current: Annotation | None, change: FieldChange, keep_current: bool = False) -> tuple[Annotation | None, list[str]]:
    """`change` made to the entry as it is now, field by field, and the fields that clash: those
    that something else changed since the change's `before` (to another value than its `after`).

    A clash takes the change's value, as a journal replayed after a crash or this session's
    change on top of a reloaded file does; with `keep_current`, it keeps the current value, as
    undo and redo do (they never take back what someone else changed since).
    """
    now = (current or EMPTY).as_dict()
    base = Annotation.from_dict(_without_none(now | change.before))
    changed = Annotation.from_dict(_without_none(now | change.after))
    if keep_current:
        return merge_entry(base, current, changed)
    return merge_entry(base, changed, current)


def same_labels(one: Annotation | None, other: Annotation | None) -> bool:
    """Whether two entries hold the same labels: every field but the time spent and the time of
    the last change."""
    first, second = (one or EMPTY).as_dict(), (other or EMPTY).as_dict()
    return all(first.get(key) == second.get(key) for key in first.keys() | second.keys() if key not in _TIMES)


def merge_entry(
    base: Annotation | None, ours: Annotation | None, theirs: Annotation | None
) -> tuple[Annotation | None, list[str]]:
    """One entry merged field by field, and the fields that clash (kept as "ours")."""
    old, mine, other = ((entry or EMPTY).as_dict() for entry in (base, ours, theirs))
    values, clashes = merge_values(old, mine, other)
    if "topics" in clashes:
        values["topics"] = merge_topics(old["topics"], mine["topics"], other["topics"])
    if "seconds" in clashes:
        values["seconds"] = max(0.0, mine["seconds"] + other["seconds"] - old["seconds"])
    if "updated" in clashes:
        values["updated"] = _latest(mine["updated"], other["updated"])
    merged = Annotation.from_dict(values)
    return (None if merged.is_empty else merged), [name for name in clashes if name not in _ALWAYS_MERGED]


def merge_values(
    base: dict[str, Any], ours: dict[str, Any], theirs: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Each key three-way: the side that changed it wins; both changed differently keeps ours
    and names the key among the clashes. A key whose merged value is absent is left out."""
    merged: dict[str, Any] = {}
    clashes: list[str] = []
    for key in sorted(base.keys() | ours.keys() | theirs.keys()):
        old, mine, other = base.get(key), ours.get(key), theirs.get(key)
        if mine == other or other == old:
            value = mine
        elif mine == old:
            value = other
        else:
            value = mine
            clashes.append(key)
        if value is not None:
            merged[key] = value
    return merged, clashes


def merge_topics(base: tuple[str, ...], ours: tuple[str, ...], theirs: tuple[str, ...]) -> tuple[str, ...]:
    """Topics as a set: the base, plus what either side added, minus what either side removed."""
    old = set(base)
    added = (set(ours) - old) | (set(theirs) - old)
    removed = (old - set(ours)) | (old - set(theirs))
    return tuple(sorted((old | added) - removed))


def _latest(first: datetime | None, second: datetime | None) -> datetime | None:
    if first is None or second is None:
        return first or second
    return max(first, second)


def _without_none(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}
