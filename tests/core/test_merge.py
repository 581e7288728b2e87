"""The entry-by-entry merge: its rules, the conflict table it writes, and its fallback."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from annotator.core.conflict import Conflict, take
from annotator.core.merge import merge_entry, merge_files, merge_in_place, with_conflict
from annotator.core.models import Annotation
from annotator.core.store import AnnotationFile, StoreError, parse_annotations

EARLY = datetime(2026, 1, 1, tzinfo=UTC)
LATE = datetime(2026, 1, 2, tzinfo=UTC)


def entry(**fields: object) -> Annotation:
    return Annotation.from_dict(fields)


@pytest.mark.parametrize(
    ("base", "ours", "theirs", "merged", "clashes"),
    [
        # one side changed a field: that side wins
        (entry(stance="agree"), entry(stance="agree"), entry(stance="mixed"), entry(stance="mixed"), []),
        (entry(stance="agree"), entry(stance="mixed"), entry(stance="agree"), entry(stance="mixed"), []),
        # both changed a field the same way
        (entry(stance="agree"), entry(stance="mixed"), entry(stance="mixed"), entry(stance="mixed"), []),
        # different fields of one entry merge
        (entry(stance="agree"), entry(stance="mixed"), entry(stance="agree", flagged=True, note="n"),
         entry(stance="mixed", flagged=True, note="n"), []),
        # topics are a set
        (entry(topics=("a", "b")), entry(topics=("a", "b", "c")), entry(topics=("b", "d")),
         entry(topics=("b", "c", "d")), []),
        # time adds up; the later update wins
        (entry(stance="agree", seconds=10.0, updated=EARLY), entry(stance="agree", seconds=15.0, updated=LATE),
         entry(stance="agree", seconds=12.0, updated=EARLY.replace(hour=5)),
         entry(stance="agree", seconds=17.0, updated=LATE), []),
        # a clash keeps ours
        (entry(stance="agree"), entry(stance="mixed", note="x"), entry(stance="neutral", note="y"),
         entry(stance="mixed", note="x"), ["note", "stance"]),
        # added on both sides, differently
        (None, entry(stance="agree", topics=("a",)), entry(stance="mixed", topics=("b",)),
         entry(stance="agree", topics=("a", "b")), ["stance"]),
        # removed on one side, unchanged on the other: removed
        (entry(stance="agree"), None, entry(stance="agree"), None, []),
        # removed on one side, changed on the other: a clash
        (entry(stance="agree"), None, entry(stance="mixed"), None, ["stance"]),
        # unknown keys merge like stance
        (entry(stance="agree", confidence=0.5), entry(stance="agree", confidence=0.5),
         entry(stance="agree", confidence=0.9), entry(stance="agree", confidence=0.9), []),
    ],
)
def test_merge_entry_rules(base, ours, theirs, merged, clashes) -> None:
    assert merge_entry(base, ours, theirs) == (merged, clashes)


def document(**values: Annotation) -> bytes:
    annotations = AnnotationFile(Path("alice.toml"), "alice")
    for comment_id, value in values.items():
        annotations.set(comment_id, value, f"The comment {comment_id}.")
    return annotations.render().encode("utf-8")


def test_a_conflict_is_written_as_a_table_under_the_entry() -> None:
    base = document(aa=entry(stance="agree"), bb=entry(stance="agree"))
    ours = document(aa=entry(stance="mixed", updated=EARLY), bb=entry(stance="agree"))
    theirs = document(aa=entry(stance="neutral", topics=("x",), updated=LATE), bb=entry(stance="disagree"))
    result = merge_files(base, ours, theirs, "annotations/alice.toml")
    assert result.conflicts == ["aa"]
    assert result.text.split("format = 1\n", 1)[1] == '''\
annotator = "alice"

# The comment aa.
[comments.aa]
stance = "mixed"
topics = [
    "x",
]
flagged = false
updated = 2026-01-02 00:00:00+00:00

[comments.aa.conflict]
fields = [
    "stance",
]

[comments.aa.conflict.base]
stance = "agree"
topics = []
flagged = false

[comments.aa.conflict.theirs]
stance = "neutral"
topics = [
    "x",
]
flagged = false
updated = 2026-01-02 00:00:00+00:00

# The comment bb.
[comments.bb]
stance = "disagree"
topics = []
flagged = false
'''
    parsed = parse_annotations(result.text, "merged", "alice")
    assert parsed.warnings == []  # the conflict key is known, not "unknown key kept"


def test_entries_only_theirs_has_keep_their_excerpt_and_ours_is_canonical() -> None:
    base = document()
    ours = b'format = 1\nannotator = "alice"\n[comments.zz]\nstance="agree"\n'
    theirs = document(aa=entry(stance="neutral"))
    result = merge_files(base, ours, theirs, "annotations/alice.toml")
    assert result.conflicts == []
    assert "# The comment aa.\n[comments.aa]\n" in result.text
    parsed = parse_annotations(result.text, "merged", "alice")
    assert AnnotationFile(Path("x"), "alice", parsed.entries, parsed.excerpts, parsed.extra).render() == result.text
    assert '[comments.zz]\nstance = "agree"\ntopics = []\nflagged = false\n' in result.text


def test_a_version_that_does_not_parse_falls_back_to_git_line_merge(tmp_path: Path) -> None:
    paths = {}
    for name, text in {"base": "a\nb\nc\n", "ours": "<<<<<<< x\nb\nc\n", "theirs": "a\nb\nz\n"}.items():
        paths[name] = tmp_path / name
        paths[name].write_text(text, "utf-8")
    outcome = merge_in_place(paths["base"], paths["ours"], paths["theirs"], "annotations/alice.toml")
    assert outcome.code == 0
    assert outcome.message.startswith("annotations/alice.toml: cannot merge entry by entry (")
    assert outcome.message.endswith("); merged lines instead")
    assert paths["ours"].read_text("utf-8") == "<<<<<<< x\nb\nz\n"


def test_an_entry_still_in_conflict_keeps_it_beside_a_new_one() -> None:
    """A merge committed with its conflict unresolved, then merged again: the table lists both
    merges' fields, each with its own alternative."""
    base = document(aa=entry(stance="agree"))
    first = merge_files(base, document(aa=entry(stance="agree", note="ours")),
                        document(aa=entry(stance="agree", note="theirs first")), "annotations/alice.toml")
    assert first.conflicts == ["aa"]
    ours = first.text.encode("utf-8")
    ours = ours.replace(b'stance = "agree"\ntopics = []\nnote = "ours"', b'stance = "mixed"\ntopics = []\nnote = "ours"', 1)
    second = merge_files(base, ours, document(aa=entry(stance="disagree")), "annotations/alice.toml")
    assert second.conflicts == ["aa"]
    merged = parse_annotations(second.text, "merged", "alice").entries["aa"]
    conflict = Conflict.of(merged)
    assert conflict.fields == ("note", "stance")
    assert [conflict.value(side, "note") for side in ("base", "ours", "theirs")] == [None, "ours", "theirs first"]
    assert [conflict.value(side, "stance") for side in ("base", "ours", "theirs")] == ["agree", "mixed", "disagree"]


@pytest.mark.parametrize("theirs", [
    document(aa=entry(stance="agree", note="theirs again")),  # the same field clashes again
    document(aa=with_conflict(entry(stance="neutral"), ["stance"], entry(stance="agree"), entry(stance="mixed"))),
])
def test_a_conflict_one_table_cannot_hold_keeps_both_versions_between_markers(tmp_path: Path, theirs: bytes) -> None:
    base = document(aa=entry(stance="agree"), bb=entry(stance="agree"))
    ours = merge_files(base, document(aa=entry(stance="agree", note="ours"), bb=entry(stance="agree")),
                       document(aa=entry(stance="agree", note="theirs first"), bb=entry(stance="agree")),
                       "annotations/alice.toml").text.encode("utf-8")
    theirs = theirs.replace(b'# The comment aa.', b'# The comment bb.\n[comments.bb]\nstance = "mixed"\ntopics = []\n'
                            b'flagged = false\n\n# The comment aa.')
    paths = {name: tmp_path / name for name in ("base", "ours", "theirs")}
    for name, data in (("base", base), ("ours", ours), ("theirs", theirs)):
        paths[name].write_bytes(data)
    outcome = merge_in_place(paths["base"], paths["ours"], paths["theirs"], "annotations/alice.toml")
    assert outcome.code == 1
    assert outcome.message.startswith("annotations/alice.toml: 1 comment(s) still in conflict from an earlier merge "
                                      "changed again: aa. Both versions")
    text = paths["ours"].read_text("utf-8")
    ours_block = ours.decode().split("# The comment aa.\n")[1].split("\n# The comment bb.")[0]
    theirs_block = theirs.decode().split("# The comment aa.\n")[1]
    assert f"# The comment aa.\n<<<<<<< ours\n{ours_block}=======\n{theirs_block}>>>>>>> theirs\n" in text
    assert '[comments.bb]\nstance = "mixed"' in text  # the other entries merged as ever
    with pytest.raises(StoreError, match="conflict marker"):
        parse_annotations(text, "annotations/alice.toml", "alice")


def test_an_entry_ours_deleted_while_in_conflict_and_theirs_changed_stands_between_markers(tmp_path: Path) -> None:
    """Ours deleted an entry still in conflict; theirs resolved one of its fields (its table
    changed): theirs stands between the markers, against nothing on our side, where the entry was."""
    conflicted = with_conflict(entry(stance="agree", note="n"), ["stance", "note"], entry(stance="neutral"),
                               entry(stance="mixed", note="m"))
    base = document(aa=conflicted, bb=entry(stance="agree"))
    ours = document(bb=entry(stance="agree"))
    theirs = document(aa=take(conflicted, "note", "theirs"), bb=entry(stance="agree"))
    paths = {name: tmp_path / name for name in ("base", "ours", "theirs")}
    for name, data in (("base", base), ("ours", ours), ("theirs", theirs)):
        paths[name].write_bytes(data)
    outcome = merge_in_place(paths["base"], paths["ours"], paths["theirs"], "annotations/alice.toml")
    assert outcome.code == 1 and "changed again: aa." in outcome.message
    text = paths["ours"].read_text("utf-8")
    theirs_block = theirs.decode().split("# The comment aa.\n")[1].split("\n# The comment bb.")[0]
    assert f"# The comment aa.\n<<<<<<< ours\n=======\n{theirs_block}>>>>>>> theirs\n\n# The comment bb.\n" in text
