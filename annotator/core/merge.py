"""Three-way merge of one annotation file, entry by entry: git's merge driver for `annotations/*.toml`.

The rules (also in the README):

- An entry only one side changed takes that side's version, so changes to different comments
  never conflict, however close their entries are in the file.
- An entry both sides changed is merged field by field (a missing entry counts as an empty one),
  by the rules every merge of labels follows (`annotator.core.store.changes`): `stance`, `note`,
  `flagged` and unknown keys take the side that changed them, and conflict when both sides
  changed them to different values; `topics` are a set; `seconds` add up; `updated` is the later.
- A conflict keeps "ours" in the fields that clash and adds a `[comments.ID.conflict]` table
  holding the clashing field names and the whole entry as it was in the base and in "theirs"
  (the layout is in `annotator.core.store`). An entry still in conflict from an earlier merge
  keeps it, beside the new one; where one table cannot hold both (a field clashing again, or
  both sides with tables of their own), both versions of the entry stand between git's
  markers, for a person to choose: nothing is dropped.

"Ours" is the branch being merged into (in a rebase: the branch being rebased onto). The merged
file is written in the canonical layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from annotator.core import gitio
from annotator.core.conflict import Conflict
from annotator.core.diff import EMPTY, EntryChange, compare_files, parse_bytes
from annotator.core.errors import Problem
from annotator.core.models import Annotation
from annotator.core.perf import paused_gc
from annotator.core.store import CONFLICT_KEY, SUFFIX, AnnotationFile, StoreError, atomic_write, merge_entry, merge_values
from annotator.core.store.layout import entry_table


@dataclass(slots=True)
class MergeResult:
    """The merged file's text, and the comment ids left in conflict."""

    text: str
    conflicts: list[str] = field(default_factory=list)
    unmerged: list[str] = field(default_factory=list)  # both versions kept between git's markers


def merge_files(base: bytes, ours: bytes, theirs: bytes, name: str, path: Path | None = None) -> MergeResult:
    """Merge three versions of the annotation file `name` (as in `annotations/alice.toml`).

    Raise `StoreError` when a version does not parse. Only "ours" is parsed whole; of the base
    and "theirs", only the entries that differ.
    """
    annotator = Path(name).name.removesuffix(SUFFIX)
    with paused_gc():
        mine = parse_bytes(ours, f"{name} (ours)", annotator)
        other = compare_files(base, theirs, annotator, f"{name} (base)", f"{name} (theirs)")
        extra = merge_values(other.old_extra, mine.extra, other.new_extra)[0]
        merged = AnnotationFile(path or Path(name), annotator, dict(mine.entries), dict(mine.excerpts), extra)
        unmerged: dict[str, tuple[bool, Annotation | None]] = {}
        conflicts = _apply(other.changes, merged, unmerged)
        text = merged.render()
        for comment_id, (ours_kept, theirs) in unmerged.items():  # (ours, or a stand-in, is in the file)
            block = entry_table(comment_id, merged.get(comment_id) or EMPTY)
            if text.count(block) != 1:  # (cannot be: then no entry-by-entry merge, rather than a guess)
                raise StoreError([Problem(name, None, f"comment {comment_id}: both versions could not be placed")])
            other_block = entry_table(comment_id, theirs) if theirs is not None else ""
            text = text.replace(block, f"<<<<<<< ours\n{block if ours_kept else ''}=======\n{other_block}>>>>>>> theirs\n")
        return MergeResult(text, conflicts, list(unmerged))


def _apply(their_changes: list[EntryChange], merged: AnnotationFile,
           unmerged: dict[str, tuple[bool, Annotation | None]]) -> list[str]:
    """Merge each entry "theirs" changed into `merged` (which holds "ours"); the ids in conflict.
    An entry whose conflict one table cannot say stays ours (an empty stand-in where ours has
    none, to mark its place), and goes to `unmerged` with whether ours has it, and theirs."""
    conflicts = []
    for change in their_changes:
        comment_id = change.comment_id
        entry, clashes = merge_entry(change.old, merged.get(comment_id), change.new)
        if clashes:
            try:
                entry = with_conflict(entry, clashes, change.old, change.new)
            except UnsaidConflict:
                ours = merged.get(comment_id)
                if ours is None:  # (ours deleted it: a stand-in marks where theirs goes)
                    merged.set(comment_id, _STAND_IN, change.excerpt or None)
                unmerged[comment_id] = (ours is not None, change.new)
                continue
            conflicts.append(comment_id)
        quote = None if comment_id in merged.excerpts else change.excerpt or None
        merged.set(comment_id, entry, quote)
    return conflicts


_STAND_IN = Annotation.from_dict({"merge-stand-in": True})  # (an entry with no labels would be no entry)


class UnsaidConflict(Exception):
    """A clash that one conflict table cannot hold beside the one the entry carries already."""


def with_conflict(
    entry: Annotation | None, clashes: list[str], base: Annotation | None, theirs: Annotation | None
) -> Annotation:
    """`entry` carrying a conflict table: the clashing fields, and the base and "theirs" entries.

    An entry still in conflict from an earlier merge (committed before it was resolved) keeps
    that conflict: the table lists the fields of both, each with its own base and theirs.
    `UnsaidConflict` where one table cannot say both: a field that clashes again, or both sides
    carrying tables of their own that differ.
    """
    values = (entry or EMPTY).as_dict()
    table = {"fields": clashes, "base": (base or EMPTY).to_toml_dict(), "theirs": (theirs or EMPTY).to_toml_dict()}
    if CONFLICT_KEY in clashes:
        raise UnsaidConflict("both sides hold a different unresolved conflict")
    earlier = Conflict.of(entry)
    if earlier is not None:
        again = [field for field in earlier.fields if field in clashes]
        if again:
            raise UnsaidConflict(f"{', '.join(again)} clash again before the earlier conflict was resolved")
        kept = values[CONFLICT_KEY] if isinstance(values[CONFLICT_KEY], dict) else {}
        for side in ("base", "theirs"):
            was = kept.get(side) if isinstance(kept.get(side), dict) else {}
            for field in earlier.fields:
                table[side].pop(field, None)
                if field in was:
                    table[side][field] = was[field]
        table = kept | table | {"fields": [*earlier.fields, *clashes]}
    values[CONFLICT_KEY] = table
    return Annotation.from_dict(values)


# The driver -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DriverOutcome:
    """What `git merge` needs to know: the exit code, and a message for its output ('' if none)."""

    code: int
    message: str


def merge_in_place(base: Path, ours: Path, theirs: Path, name: str) -> DriverOutcome:
    """Merge the three files git gives a merge driver, writing the result over `ours`.

    Exit 1 with the merged file when entries conflict. When a version does not parse (a file
    with conflict markers already, say), fall back to git's own line merge with markers.
    """
    try:
        result = merge_files(base.read_bytes(), ours.read_bytes(), theirs.read_bytes(), name, ours)
    except StoreError as error:
        conflicts = gitio.merge_text_files(ours, base, theirs)
        reason = error.problems[0] if error.problems else error.message
        message = f"{name}: cannot merge entry by entry ({reason}); merged lines instead"
        return DriverOutcome(1 if conflicts else 0, message)
    atomic_write(ours, result.text)
    said = []
    if result.conflicts:
        said.append(
            f"{name}: {len(result.conflicts)} comment(s) changed differently on both sides: {_listed(result.conflicts)}. "
            "Each keeps our labels and a [comments.ID.conflict] table with theirs and the base. "
            "`git add` the file and commit the merge, then resolve them in the app ("
            "< keeps ours, > takes theirs), or by hand: keep the labels you want, delete the table."
        )
    if result.unmerged:
        said.append(
            f"{name}: {len(result.unmerged)} comment(s) still in conflict from an earlier merge changed again: "
            f"{_listed(result.unmerged)}. Both versions of each stand between <<<<<<< and >>>>>>> markers: "
            "keep one (and its conflict table), delete the other and the markers, then `git add` the file."
        )
    return DriverOutcome(1 if said else 0, "\n".join(said))


def _listed(ids: list[str]) -> str:
    return ", ".join(ids[:5]) + (", …" if len(ids) > 5 else "")


def conflict_message(comment_id: str, entry: Annotation) -> str:
    """What `validate` says about an entry left in conflict, and how to resolve it."""
    table = entry.extra.get(CONFLICT_KEY)
    fields = table.get("fields") if isinstance(table, dict) else None
    clashing = ", ".join(map(str, fields)) if isinstance(fields, list) and fields else "labels"
    return (
        f"comment {comment_id}: unresolved merge conflict in {clashing}: the entry holds ours, "
        f"[comments.{comment_id}.conflict] holds theirs and the base; resolve it in the app (v, then "
        f"Conflicts; < keeps ours, > takes theirs), or by hand: keep the labels you want and delete the "
        f"[comments.{comment_id}.conflict] tables"
    )
