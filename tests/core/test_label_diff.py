"""Comparing two versions of an annotation file: the block fast path agrees with a full parse."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.diff import Blocks, compare_files, field_changes, parse_bytes
from annotator.core.models import Annotation
from annotator.core.store import AnnotationFile, StoreError
from annotator.core.textconv import textconv
from tests.conftest import DATA

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
IDS = [f"id{n:02d}" for n in range(12)]

entries = st.dictionaries(
    st.sampled_from(IDS),
    st.builds(
        Annotation,
        stance=st.sampled_from([None, "agree", "disagree"]),
        topics=st.lists(st.sampled_from(["a", "b", "c"]), unique=True).map(tuple),
        note=st.sampled_from([None, "a note", "two\nlines"]),
        flagged=st.booleans(),
        seconds=st.sampled_from([0.0, 1.5]),
        updated=st.none(),
        extra=st.just({}),
    ).filter(lambda entry: not entry.is_empty),
)


def rendered(values: dict[str, Annotation], with_conflict: str | None = None, quoted: bool = True) -> bytes:
    annotations = AnnotationFile(Path("alice.toml"), "alice")
    for comment_id, entry in values.items():
        if comment_id == with_conflict:
            entry = Annotation.from_dict(entry.as_dict() | {"conflict": {"fields": ["stance"], "theirs": {"stance": "x"}}})
        annotations.set(comment_id, entry, f"text of {comment_id}" if quoted else None)
    return annotations.render().encode("utf-8")


def naive(old: bytes, new: bytes) -> dict[str, tuple[Annotation | None, Annotation | None]]:
    before, after = parse_bytes(old, "a").entries, parse_bytes(new, "b").entries
    return {key: (before.get(key), after.get(key)) for key in sorted(before.keys() | after.keys())
            if before.get(key) != after.get(key)}


@settings(max_examples=80, deadline=None)
@given(entries, entries, st.sampled_from([None, *IDS]), st.booleans())
def test_blocks_find_exactly_the_changes_a_full_parse_finds(old: dict, new: dict, conflicted, quoted: bool) -> None:
    old_bytes, new_bytes = rendered(old, quoted=quoted), rendered(new, conflicted, quoted)
    assert Blocks.split(old_bytes) is not None and Blocks.split(new_bytes) is not None
    found = compare_files(old_bytes, new_bytes, "alice", "a", "b").changes
    assert {change.comment_id: (change.old, change.new) for change in found} == naive(old_bytes, new_bytes)
    assert all(change.excerpt == (f"text of {change.comment_id}" if quoted else "") for change in found)


@pytest.mark.parametrize(
    "text",
    [
        b'[comments.a]\nnote = """x\n[comments.b]\n"""\n',  # a multi-line string
        b'[comments."a.b"]\nstance = "agree"\n',  # a quoted id with a dot
        b'[comments.a]\nstance = "agree"\n[meta]\nx = 1\n',  # another table
        b'[comments.a]\n[comments.b]\n[comments.a.extra]\n',  # a sub-table away from its entry
        b'[comments.a]\n[comments.a]\n',  # an entry twice
    ],
)
def test_layouts_the_blocks_cannot_follow(text: bytes) -> None:
    assert Blocks.split(text) is None


def test_an_odd_layout_still_compares_right() -> None:
    old = b'format = 1\n[comments.a]\nstance = "agree"\n'
    new = b'format = 1\ncomments.b.stance = "mixed"\n  [comments.a]\nstance = "agree"\n[comments.c]\nstance = "x"\n'
    found = compare_files(old, new, "alice", "old")
    assert [(change.comment_id, change.kind) for change in found.changes] == [("b", "added"), ("c", "added")]


def test_only_an_excerpt_line_changed_is_no_change() -> None:
    old = b'[comments.a]\nstance = "agree"\n\n# old quote\n[comments.b]\nstance = "agree"\n'
    new = b'[comments.a]\nstance = "agree"\n\n# new quote\n[comments.b]\nstance = "agree"\n'
    assert compare_files(old, new, "alice", "old").changes == []


def test_a_parse_error_is_reported_from_the_whole_file_with_its_version() -> None:
    old = b'format = 1\n\n[comments.a]\nstance = "agree"\n'
    new = b'format = 1\n\n[comments.a]\nstance = \n'
    with pytest.raises(StoreError) as error:
        compare_files(old, new, "alice", "abc:annotations/alice.toml", "annotations/alice.toml")
    assert str(error.value.problems[0]).startswith("annotations/alice.toml:4:")


def test_not_utf8() -> None:
    with pytest.raises(StoreError, match="not UTF-8"):
        compare_files(b"", b'# \xff\nformat = 1\n"""', "alice", "x")


def test_field_changes_treat_a_missing_entry_as_empty() -> None:
    changes = field_changes(None, Annotation(stance="agree", seconds=3.0, updated=WHEN, extra={"confidence": 0.5}), timing=True)
    assert [(change.name, change.old, change.new) for change in changes] == [
        ("stance", None, "agree"), ("seconds", None, 3.0), ("updated", None, WHEN), ("confidence", None, 0.5)
    ]


def test_textconv_golden_file() -> None:
    lines = textconv((DATA / "golden" / "alice.toml").read_bytes(), "alice.toml").splitlines()
    assert lines == [
        "0b1c2d3e4f50  Thanks for sharing this, I believe this kind of work is very promisin…  stance=agree",
        "7a8b9c0d1e2f  NO rigorous, first-principles analysis has ever computed any aspect o…  "
        'stance=disagree topics=dl-theory,scaling note="Cites \\"Tensor Programs V\\". See muP."',
        "c3d4e5f60718  Short one.  flagged",
    ]


def test_textconv_keeps_hostile_text_on_one_line() -> None:
    data = (
        'format = 1\nlegacy = "x"\n\n# red\u202e\n[comments.a]\nstance = "agree\\u001b[2J"\n'
        'note = "one\\ntwo\\u0007"\nconfidence = 0.5\n\n[comments.b]\nseconds = 3.0\n'
    ).encode("utf-8")
    assert textconv(data, "x.toml") == (
        'legacy="x"\n'
        'a  red  stance=agree[2J note="one two" confidence=0.5\n'
        "b  (no labels)\n"
    )


def test_textconv_shows_a_conflict_table_as_the_fields_that_clash() -> None:
    """`git diff` of a merge's conflict table reads as `annotator diff` does, not as a line of JSON."""
    data = (
        'format = 1\n\n[comments.a]\nstance = "mixed"\n\n[comments.a.conflict]\nfields = ["stance"]\n\n'
        '[comments.a.conflict.theirs]\nstance = "agree"\n\n[comments.a.conflict.base]\nstance = "neutral"\n'
    ).encode("utf-8")
    assert textconv(data, "x.toml") == "a  stance=mixed conflict=stance (theirs agree, base neutral)\n"
