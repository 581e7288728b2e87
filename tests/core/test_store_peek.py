"""A few entries found in a labels file without reading it whole (`AnnotationFile.peek`), the
first screen's store that journals only, and the whole store taking its journal over."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.core.models import Annotation
from annotator.core.store import AnnotationFile, annotation_path, journal_path
from annotator.core.store.peek import peek_entries

WHEN = datetime(2026, 11, 27, 9, 30, 0, tzinfo=UTC)
ids = st.from_regex(r"[0-9a-f]{12}", fullmatch=True)
plain = st.from_regex(r"[a-z][a-z -]{0,12}", fullmatch=True)
entries = st.builds(
    Annotation,
    stance=st.none() | st.sampled_from(["agree", "disagree", "neutral"]),
    topics=st.lists(st.sampled_from(["a", "b", "c"]), max_size=3, unique=True).map(tuple),
    note=st.none() | plain,
    flagged=st.booleans(),
    seconds=st.floats(min_value=0, max_value=1e4, allow_nan=False).map(lambda s: round(s, 1)),
    updated=st.none() | st.just(WHEN),
    extra=st.just({}),
).filter(lambda entry: not entry.is_empty)


def write(root: Path, labels: dict[str, Annotation], texts: dict[str, str] | None = None) -> Path:
    store = AnnotationFile.open(root, "alice")
    store.set_many((comment_id, entry, (texts or {}).get(comment_id, f"the text of {comment_id}"))
                   for comment_id, entry in labels.items())
    store.save()
    return annotation_path(root, "alice")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(ids, entries, min_size=1, max_size=400), st.lists(ids, max_size=30), st.data())
def test_the_entries_found_are_those_the_whole_file_holds(tmp_path: Path, labels: dict, others: list,
                                                          data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as folder:
        root = Path(folder)
        write(root, labels)
        asked = data.draw(st.lists(st.sampled_from(sorted(labels)), max_size=30)) + others
        peeked = AnnotationFile.peek(root, "alice", asked)
        whole = AnnotationFile.open(root, "alice")
        assert peeked is not None and peeked.partial
        assert {comment_id: peeked.get(comment_id) for comment_id in asked} == {
            comment_id: whole.get(comment_id) for comment_id in asked}
        assert set(peeked.entries.keys()) == set(asked) & set(labels)
        assert {comment_id: peeked.excerpts.get(comment_id) for comment_id in asked} == {
            comment_id: whole.excerpts.get(comment_id) for comment_id in asked if comment_id in labels} | {
            comment_id: None for comment_id in asked if comment_id not in labels}


def test_a_large_file_the_first_a_middle_the_last_and_absent_ids(tmp_path: Path) -> None:
    labels = {f"{number:012x}": Annotation(stance="agree", updated=WHEN) for number in range(0, 60_000, 3)}
    path = write(tmp_path, labels)
    asked = ["000000000000", f"{30_000:012x}", f"{30_001:012x}", f"{59_997:012x}", "zzzz", "0"]
    found = peek_entries(path, asked)
    assert found is not None
    assert sorted(found.entries.keys()) == ["000000000000", f"{30_000:012x}", f"{59_997:012x}"]


def test_an_entry_not_in_annotators_layout_reads_the_whole_file(tmp_path: Path) -> None:
    path = write(tmp_path, {"aaaaaaaaaaaa": Annotation(stance="agree"), "bbbbbbbbbbbb": Annotation(stance="agree")})
    path.write_text(path.read_text().replace('[comments.bbbbbbbbbbbb]\nstance = "agree"',
                                             '[comments.bbbbbbbbbbbb]\nstance = "agree"  # mine'))
    assert AnnotationFile.peek(tmp_path, "alice", ["aaaaaaaaaaaa"]) is not None  # (not read: not asked for)
    assert AnnotationFile.peek(tmp_path, "alice", ["bbbbbbbbbbbb"]) is None


@pytest.mark.parametrize("header", ['[comments."bbbbbbbbbbbb"]', "[comments.bbbbbbbbbbbb.conflict]"],
                         ids=["quoted id", "a conflict's table"])
def test_a_header_annotator_does_not_write_reads_the_whole_file(tmp_path: Path, header: str) -> None:
    path = write(tmp_path, {"aaaaaaaaaaaa": Annotation(stance="agree"), "bbbbbbbbbbbb": Annotation(stance="agree"),
                            "cccccccccccc": Annotation(stance="agree")})
    path.write_text(path.read_text().replace("[comments.bbbbbbbbbbbb]", header))
    assert peek_entries(path, ["bbbbbbbbbbbb"]) is None
    assert peek_entries(path, ["cccccccccccc"]) is None  # (met on the way)


def test_entries_out_of_order_met_on_the_way_read_the_whole_file(tmp_path: Path) -> None:
    path = write(tmp_path, {"aaaaaaaaaaaa": Annotation(stance="agree"), "bbbbbbbbbbbb": Annotation(stance="disagree")})
    text = path.read_text()
    head, first, second = text.split("\n\n")
    path.write_text(f"{head}\n\n{second}\n{first}")
    assert AnnotationFile.peek(tmp_path, "alice", ["cccccccccccc"]) is None


@pytest.mark.parametrize("case", ["journal", "other name", "newer format", "folder", "empty"])
def test_what_needs_the_whole_file_first_gives_none(tmp_path: Path, case: str) -> None:
    path = write(tmp_path, {"aaaaaaaaaaaa": Annotation(stance="agree")})
    if case == "journal":  # (a crash's records are replayed over every entry)
        journal_path(path).write_text("")
    elif case == "other name":
        path.write_text(path.read_text().replace('annotator = "alice"', 'annotator = "bob"'))
    elif case == "newer format":
        path.write_text(path.read_text().replace("format = 1", "format = 2"))
    elif case == "folder":
        path.unlink()
        path.mkdir()
    else:
        path.write_text("")
    assert AnnotationFile.peek(tmp_path, "alice", ["aaaaaaaaaaaa"]) is None


def test_no_file_yet_is_an_empty_partial_store(tmp_path: Path) -> None:
    store = AnnotationFile.peek(tmp_path, "alice", ["aaaaaaaaaaaa"])
    assert store is not None and store.partial and not store.entries


def test_a_partial_store_journals_and_never_writes_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, {"aaaaaaaaaaaa": Annotation(stance="agree"), "bbbbbbbbbbbb": Annotation(stance="agree")})
    before = path.read_bytes()
    store = AnnotationFile.peek(tmp_path, "alice", ["aaaaaaaaaaaa"])
    assert store is not None
    store.set("aaaaaaaaaaaa", Annotation(stance="disagree"))
    assert store.commit() == 1
    for write_it in (store.compact, store.save, store.merge_from_disk, lambda: store.write("x")):
        with pytest.raises(RuntimeError):
            write_it()
    assert path.read_bytes() == before
    assert AnnotationFile.open(tmp_path, "alice").get("aaaaaaaaaaaa").stance == "disagree"  # (the journal, replayed)


def test_the_whole_store_takes_the_journal_over(tmp_path: Path) -> None:
    labels = {"aaaaaaaaaaaa": Annotation(stance="agree"), "bbbbbbbbbbbb": Annotation(stance="agree"),
              "cccccccccccc": Annotation(stance="neutral", note="kept")}
    path = write(tmp_path, labels)
    first = AnnotationFile.peek(tmp_path, "alice", ["aaaaaaaaaaaa", "cccccccccccc"])
    assert first is not None
    first.set("aaaaaaaaaaaa", Annotation(stance="disagree"), "the text of aaaaaaaaaaaa")
    first.commit()
    first.set("cccccccccccc", Annotation(stance="neutral", note="kept", flagged=True))  # (not yet journaled)
    whole = AnnotationFile.load(path, replay=False)
    whole.take_over(first)
    assert whole.get("aaaaaaaaaaaa") == Annotation(stance="disagree")
    assert whole.get("bbbbbbbbbbbb") == Annotation(stance="agree")
    assert whole.get("cccccccccccc") == Annotation(stance="neutral", note="kept", flagged=True)
    assert whole.warnings == []  # (this session's own changes: nothing was recovered)
    assert first.commit() == 0  # (nothing left: its saver's last round)
    first.set("bbbbbbbbbbbb", Annotation(stance="neutral"))
    with pytest.raises(RuntimeError):  # (a change after the take-over would be lost: never made)
        first.commit()
    whole.compact()
    assert not journal_path(path).exists()
    again = AnnotationFile.open(tmp_path, "alice")
    assert {comment_id: again.get(comment_id) for comment_id in labels} == {
        "aaaaaaaaaaaa": Annotation(stance="disagree"), "bbbbbbbbbbbb": Annotation(stance="agree"),
        "cccccccccccc": Annotation(stance="neutral", note="kept", flagged=True)}


def test_a_change_on_disk_between_the_two_reads_is_merged_field_by_field(tmp_path: Path) -> None:
    path = write(tmp_path, {"aaaaaaaaaaaa": Annotation(stance="agree"), "bbbbbbbbbbbb": Annotation(stance="agree")})
    first = AnnotationFile.peek(tmp_path, "alice", ["aaaaaaaaaaaa", "bbbbbbbbbbbb"])
    assert first is not None
    first.set("aaaaaaaaaaaa", Annotation(stance="agree", flagged=True))
    first.set("bbbbbbbbbbbb", Annotation(stance="disagree"))
    first.commit()
    pulled = AnnotationFile.load(path, replay=False)  # (a `git pull` while the rest was read)
    pulled.set("aaaaaaaaaaaa", Annotation(stance="neutral"))
    pulled.set("bbbbbbbbbbbb", Annotation(stance="neutral"))
    pulled.save(force=True)
    whole = AnnotationFile.load(path, replay=False)
    whole.take_over(first)
    assert whole.get("aaaaaaaaaaaa") == Annotation(stance="neutral", flagged=True)  # (both kept: other fields)
    assert whole.get("bbbbbbbbbbbb") == Annotation(stance="disagree")  # (changed on both sides: this session's)
    assert [warning.message for warning in whole.warnings] == [
        "changed on both sides, yours kept: bbbbbbbbbbbb"]
