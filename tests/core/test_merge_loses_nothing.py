"""The merge driver drops nothing: whatever base, ours and theirs hold (conflict tables from
earlier merges included), every value either side set is in the merged file, in the entry, in
a conflict table, or between git's markers."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.conflict import Conflict
from annotator.core.merge import merge_entry, merge_files, with_conflict
from annotator.core.models import Annotation
from annotator.core.store import AnnotationFile

IDS = ("aa", "bb")
FIELDS = ("stance", "note", "confidence")  # (a known field, a text, an unknown key)

plain = st.builds(
    lambda stance, note, confidence: Annotation.from_dict(
        {"stance": stance, "note": note} | ({"confidence": confidence} if confidence is not None else {})),
    st.sampled_from([None, "agree", "mixed", "neutral"]),
    st.sampled_from([None, "x", "y", "z"]),
    st.sampled_from([None, 1, 2, 3]),
)


def _merged(base: Annotation, ours: Annotation, theirs: Annotation) -> Annotation | None:
    """An entry as an earlier merge left it: with its conflict table where the sides clashed."""
    entry, clashes = merge_entry(base, ours, theirs)
    return with_conflict(entry, clashes, base, theirs) if clashes else entry


conflicted = st.builds(_merged, plain, plain, plain)
entries = st.one_of(st.none(), plain, conflicted)
files = st.fixed_dictionaries({comment_id: entries for comment_id in IDS})


def document(values: dict[str, Annotation | None]) -> bytes:
    store = AnnotationFile(Path("alice.toml"), "alice")
    for comment_id, entry in values.items():
        if entry is not None:
            store.set(comment_id, entry, f"The comment {comment_id}.")
    return store.render().encode("utf-8")


def values_in(text: str) -> dict[str, set[tuple[str, Any]]]:
    """Every (field, value) the merged text holds for each id: in its entries (both sides of
    git's markers) and in their conflict tables, at any depth."""
    found: dict[str, set[tuple[str, Any]]] = {comment_id: set() for comment_id in IDS}
    pieces = re.split(r"^<<<<<<< ours\n(.*?)^=======\n(.*?)^>>>>>>> theirs\n", text, flags=re.S | re.M)
    for piece in pieces:
        for comment_id, table in tomllib.loads(piece).get("comments", {}).items():
            _collect(table, found[comment_id])
    return found


def _collect(table: dict[str, Any], into: set[tuple[str, Any]]) -> None:
    for key, value in table.items():
        if isinstance(value, dict):
            _collect(value, into)
        elif not isinstance(value, list):  # (topics and `fields`: not among the values checked)
            into.add((key, value))


@settings(max_examples=500, deadline=None)
@given(files, files, files)
def test_every_value_either_side_set_is_in_the_merged_file(base, ours, theirs) -> None:
    """Each value a side holds for an entry, in it or offered by its conflict table, that the
    base does not hold there, is found in the merged file for that entry."""
    result = merge_files(document(base), document(ours), document(theirs), "annotations/alice.toml")
    found = values_in(result.text)
    for comment_id in IDS:
        before = held(base[comment_id])
        for side in (ours, theirs):
            for field, value in held(side[comment_id]) - before:
                if field in FIELDS:
                    assert (field, value) in found[comment_id], (comment_id, field, value, result.text)


def held(entry: Annotation | None) -> set[tuple[str, Any]]:
    """The values `entry` holds: its fields, and those its conflict table offers instead."""
    values: set[tuple[str, Any]] = set()
    if entry is None:
        return values
    values |= {(field, value) for field, value in entry.as_dict().items() if field in FIELDS and value is not None}
    conflict = Conflict.of(entry)
    if conflict is not None:
        values |= {(field, conflict.value(side, field)) for field in conflict.fields for side in ("base", "theirs")
                   if field in FIELDS and conflict.value(side, field) is not None}
    return values
