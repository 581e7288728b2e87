"""Comparing two versions of an annotation file: the block fast path agrees with a full parse."""

from __future__ import annotations

from array import array
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core import diff
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
        'stance=disagree topics=dl-theory,scaling note="Cites \\"Tensor Programs V\\".\\nSee muP."',  # (the note's line end shows)
        "c3d4e5f60718  Short one.  flagged",
    ]


def test_textconv_keeps_hostile_text_on_one_line() -> None:
    data = (
        'format = 1\nlegacy = "x"\n\n# red\u202e\n[comments.a]\nstance = "agree\\u001b[2J"\n'
        'note = "one\\ntwo\\u0007"\nconfidence = 0.5\n\n[comments.b]\nseconds = 3.0\n'
    ).encode("utf-8")
    assert textconv(data, "x.toml") == (
        'legacy="x"\n'
        'a  red  stance=agree[2J note="one\\ntwo\\u0007" confidence=0.5\n'
        "b  (no labels)\n"
    )


def test_textconv_shows_a_conflict_table_as_the_fields_that_clash() -> None:
    """`git diff` of a merge's conflict table reads as `annotator diff` does, not as a line of JSON."""
    data = (
        'format = 1\n\n[comments.a]\nstance = "mixed"\n\n[comments.a.conflict]\nfields = ["stance"]\n\n'
        '[comments.a.conflict.theirs]\nstance = "agree"\n\n[comments.a.conflict.base]\nstance = "neutral"\n'
    ).encode("utf-8")
    assert textconv(data, "x.toml") == "a  stance=mixed conflict=stance (theirs agree, base neutral)\n"


# The aligned path: regions of the two versions cut at the same entries ------------------------

MANY = [f"c{n:03d}" for n in range(60)]
an_entry = st.builds(
    Annotation,
    stance=st.sampled_from([None, "agree", "disagree"]),
    topics=st.lists(st.sampled_from(["a", "b"]), unique=True).map(tuple),
    note=st.sampled_from([None, "a note", "two\nlines"]),
    flagged=st.booleans(),
    seconds=st.sampled_from([0.0, 1.5]),
    updated=st.none(),
    extra=st.just({}),
).filter(lambda entry: not entry.is_empty)


def same_as_blocks(old: bytes, new: bytes) -> diff.FileComparison:
    """`compare_files` of `old` and `new`, checked to be what cutting both whole gives (or to fail as it does)."""
    try:
        expected = diff.compare_blocks(old, new, "alice", "a", "b")
    except StoreError as error:
        with pytest.raises(StoreError) as raised:
            diff.compare_files(old, new, "alice", "a", "b")
        assert list(map(str, raised.value.problems)) == list(map(str, error.problems))
        return diff.FileComparison()
    found = diff.compare_files(old, new, "alice", "a", "b")
    assert found == expected
    return found


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(MANY), an_entry), st.data(), st.sampled_from([1, 2, 3, 16]))
def test_regions_find_exactly_the_changes_the_blocks_find(old: dict, data: st.DataObject, region: int) -> None:
    new = dict(old)
    for comment_id in data.draw(st.lists(st.sampled_from(MANY), max_size=12)):  # changed, added or removed
        choice = data.draw(st.sampled_from(["remove", "set"]))
        if choice == "remove":
            new.pop(comment_id, None)
        else:
            new[comment_id] = data.draw(an_entry)
    old_bytes, new_bytes = rendered(old), rendered(new)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(diff, "REGION", region)
        if old:
            assert diff._aligned_parts(old_bytes, new_bytes) is not None  # (the path under test is taken)
        found = same_as_blocks(old_bytes, new_bytes)
    assert {change.comment_id: (change.old, change.new) for change in found.changes} == naive(old_bytes, new_bytes)


def odd_versions() -> list[tuple[str, bytes, bytes]]:
    """Versions the regions must not misread: each new one changed in a way that breaks a rule."""
    old = rendered({comment_id: Annotation(stance="agree", note=f"n{comment_id}") for comment_id in MANY})
    entry = b'[comments.c030]\nstance = "agree"\ntopics = []\nnote = "nc030"\nflagged = false\n'
    def new(replacement: bytes, what: bytes = entry) -> bytes:
        assert what in old
        return old.replace(what, replacement)
    return [
        ("multi-line string", old, new(entry + b'[comments.c030.x]\ny = """\n[comments.c031]\nstance = "x"\n"""\n')),
        ("string over regions", old, new(b'[comments.c030]\nnote = """\n' + entry, entry).replace(
            b'[comments.c040]', b'"""\n[comments.c040]')),
        ("a header in a string", old, new(entry.replace(b'note = "nc030"', b'note = """\n[comments.c030a]\nx = 1\n"""'))),
        ("a string over an unchanged entry", old, new(b'[comments.c030]\nnote = """\n').replace(
            entry.replace(b"c030", b"c032"), b'[comments.c032]\n"""\nstance = "x"\n')),
        ("a string from the head", old, old.replace(b"format = 1", b'format = 1\nx = """').replace(
            b'[comments.c001]\nstance = "agree"', b'[comments.c001]\n"""\nstance = "x"')),
        ("a string in the head", old, old.replace(b"format = 1", b'format = 1\nx = """\n[comments.c000]\n"""')),
        ("another table", old, new(entry + b"[meta]\nx = 1\n")),
        ("an array of tables", old, new(entry + b"[[meta]]\nx = 1\n")),
        ("a sub-table", old, new(entry + b'[comments.c030.extra]\nx = 1\n')),
        ("a quoted id", old, new(entry + b'[comments."c030.5"]\nstance = "agree"\n')),
        ("an entry twice", old, new(entry + b"\n" + entry)),
        ("an entry moved", old, new(b"", entry).replace(b"[comments.c001]", entry + b"\n[comments.c001]")),
        ("out of order", old, new(entry.replace(b"c030", b"c059"))),
        ("a region's bound removed", old, new(b"", entry)),
        ("many entries added", old, new(entry + b"".join(b'[comments.c030x%03d]\nstance = "agree"\n' % n
                                                         for n in range(200)))),
        ("entries before the first", old, old.replace(b"\n# text of c000", b'\n[comments.a0]\nstance = "x"\n\n# text of c000')),
        ("a table first", old, b'[comments.a]\nstance = "x"\n' + old),
        ("a broken entry", old, new(b'[comments.c030]\nstance = \n')),
        ("an old entry twice", old.replace(entry, entry + b"\n" + entry), old),
        ("an old multi-line string", old.replace(entry, b'[comments.c030]\nnote = """\nx\n"""\n'), old),
        ("an old literal string", old.replace(entry, b"[comments.c030]\nnote = \'\'\'\nx\n\'\'\'\n"), old),
        ("no entries", old, b"format = 1\n"),
        ("the same", old, old),
    ]


@pytest.mark.parametrize(("old", "new"), [pytest.param(old, new, id=name) for name, old, new in odd_versions()])
@pytest.mark.parametrize("region", [1, 4, 16])
def test_odd_versions_are_compared_as_the_blocks_compare_them(old: bytes, new: bytes, region: int) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(diff, "REGION", region)
        same_as_blocks(old, new)


def test_the_old_layout_kept_by_its_blob_gives_the_same_changes(parse_cache: Path) -> None:
    old = rendered({comment_id: Annotation(stance="agree") for comment_id in MANY})
    new = rendered({comment_id: Annotation(stance="agree" if index % 7 else "disagree") for index, comment_id
                    in enumerate(MANY) if index % 11})
    expected = diff.compare_blocks(old, new, "alice", "a", "b")
    blob = "0123456789abcdef" * 2 + "01234567"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(diff, "REGION", 3)
        assert diff.compare_files(old, new, "alice", "a", "b", old_blob=blob) == expected  # (checked, and kept)
        kept = diff.cache.key("diff-layout", f"{blob}\0{3}".encode("ascii"))
        assert kept is not None and kept.exists()
        assert diff.compare_files(old, new, "alice", "a", "b", old_blob=blob) == expected  # (read back)
        ids, cuts, checksum = diff.cache.load(kept)
        moved = array("Q", [cut + 3 for cut in array("Q", cuts)]).tobytes()  # (damaged: checked again)
        diff.cache.save(kept, (ids, moved, checksum))
        assert diff.compare_files(old, new, "alice", "a", "b", old_blob=blob) == expected
        shifted = (ids + cuts[:1], cuts[1:])  # (a part's bytes moved into the other: the same CRC)
        diff.cache.save(kept, (*shifted, diff.zlib.crc32(shifted[1], diff.zlib.crc32(shifted[0]))))
        assert diff.compare_files(old, new, "alice", "a", "b", old_blob=blob) == expected
