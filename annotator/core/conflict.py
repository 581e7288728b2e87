"""An entry left in conflict by a merge, as the app shows and resolves it.

git's merge driver (`annotator.core.merge`) keeps "ours" in the fields that clash and adds a
`[comments.ID.conflict]` table: `fields` (the names that clash), `base` and `theirs` (the whole
entry in the common ancestor and on the other branch). Resolving takes one side per field; the
table loses that field's name, and goes once no field is left. Every step is a plain change of
the entry (the table being one of its keys), so the store journals it and undo restores it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from annotator.core.models import FIELDS, Annotation, InvalidEntry
from annotator.core.store import CONFLICT_KEY

SIDES = ("ours", "theirs")


@dataclass(frozen=True, slots=True)
class Conflict:
    """The unresolved fields of an entry, each with its value in the base, ours and theirs."""

    fields: tuple[str, ...]
    base: Mapping[str, Any]
    ours: Mapping[str, Any]
    theirs: Mapping[str, Any]

    @classmethod
    def of(cls, entry: Annotation | None) -> Conflict | None:
        """The conflict `entry` carries, or None. A table written by hand, without `fields`, lists
        every field where ours and theirs differ."""
        table = None if entry is None else entry.extra.get(CONFLICT_KEY)
        if table is None:
            return None
        table = table if isinstance(table, Mapping) else {}
        base, theirs = (_side(table.get(name)) for name in ("base", "theirs"))
        ours = {key: value for key, value in entry.as_dict().items() if key != CONFLICT_KEY}
        names = table.get("fields")
        if isinstance(names, list) and names and all(isinstance(name, str) for name in names):
            fields = tuple(names)
        else:
            conflict = cls((), base, ours, theirs)
            fields = tuple(name for name in (*FIELDS, *sorted(set(theirs) - set(FIELDS)))
                           if name not in ("seconds", "updated")
                           and conflict.value("ours", name) != conflict.value("theirs", name))
        return cls(fields, base, ours, theirs)

    def value(self, side: str, name: str) -> Any:
        """Field `name` on `side` (base, ours or theirs), as an entry has it (None: not set)."""
        values = {"base": self.base, "ours": self.ours, "theirs": self.theirs}[side]
        return values.get(name, _DEFAULTS.get(name))


_DEFAULTS = Annotation().as_dict()


def _side(table: Any) -> dict[str, Any]:
    """A side's entry as values by field name (as `Annotation.as_dict` gives them). A value of the
    wrong type (a hand edit) counts as not set, so that taking it can never make a bad entry."""
    if not isinstance(table, Mapping):
        return {}
    try:
        return Annotation.from_dict(table).as_dict()
    except InvalidEntry as error:
        bad = {problem.split(".")[0] for problem, _ in error.problems}
        return Annotation.from_dict({key: value for key, value in table.items() if key not in bad}).as_dict()


def take(entry: Annotation, name: str, side: str) -> Annotation:
    """`entry` with field `name` taken from `side` (ours or theirs) and that field resolved."""
    conflict = Conflict.of(entry)
    if conflict is None:
        return entry
    values = entry.as_dict()
    if not conflict.fields:  # (a table naming no field, and ours equal to theirs: nothing to choose)
        del values[CONFLICT_KEY]
        return Annotation.from_dict(values)
    if name not in conflict.fields:
        return entry
    values[name] = conflict.value(side, name)
    if values[name] is None and name not in FIELDS:  # (an unknown key that side does not have)
        del values[name]
    return settled(Annotation.from_dict(values), [name])


def settled(entry: Annotation, decided: list[str]) -> Annotation:
    """`entry` with the fields in `decided` no longer in conflict: the table without them, or
    without the table when no field is left."""
    table = entry.extra.get(CONFLICT_KEY)
    conflict = Conflict.of(entry)
    if conflict is None or not decided:
        return entry
    values = entry.as_dict()
    left = [name for name in conflict.fields if name not in decided]
    if left:
        values[CONFLICT_KEY] = (dict(table) if isinstance(table, Mapping) else {}) | {"fields": left}
    else:
        del values[CONFLICT_KEY]
    return Annotation.from_dict(values)


def decided_by(before: Annotation | None, after: Annotation) -> list[str]:
    """The conflicting fields of `before` that a change to `after` set by hand."""
    conflict = Conflict.of(before)
    if conflict is None:
        return []
    old, new = before.as_dict(), after.as_dict()
    return [name for name in conflict.fields if old.get(name) != new.get(name)]
