"""The entries' text kept for compactions, compressed in blocks: read back in any ranges it is the
text as rendered, and a compaction through it writes what a fresh render writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator.core.models import Annotation
from annotator.core.store import AnnotationFile
from annotator.core.store import rendered as rendered_module
from annotator.core.store.layout import render_entry
from annotator.core.store.rendered import RenderedEntries

texts = st.lists(st.text(min_size=0, max_size=40), min_size=1, max_size=60)


@given(texts, st.lists(st.integers(0, 60), max_size=8), st.integers(1, 64))
def test_ranges_read_back_in_order_are_the_text_as_rendered(pieces: list[str], cuts: list[int], block: int) -> None:
    original = rendered_module.BLOCK
    rendered_module.BLOCK = block  # (small blocks: ranges across many of them)
    try:
        kept = RenderedEntries.render(len(pieces), pieces.__getitem__)
    finally:
        rendered_module.BLOCK = original
    bounds = sorted({0, len(pieces), *(min(cut, len(pieces)) for cut in cuts)})
    reader = kept.reader()
    for first, last in zip(bounds, bounds[1:]):
        assert b"".join(reader.between(first, last)) == "".join(pieces[first:last]).encode("utf-8")
    assert b"".join(kept.reader().between(0, len(pieces))) == "".join(pieces).encode("utf-8")


def many(tmp_path: Path, count: int) -> AnnotationFile:
    store = AnnotationFile.open(tmp_path, "alice")
    for number in range(count):
        store.set(f"{number * 7919 % 100_000:012x}", Annotation(stance=("agree", "disagree", None)[number % 3],
                                                               topics=("scaling",) if number % 4 == 0 else ()),
                  f"Comment number {number}, with some words to quote in the excerpt: é ü 中文.")
    store.save()
    return AnnotationFile.open(tmp_path, "alice")


def test_a_compaction_through_the_kept_text_writes_what_a_fresh_render_writes(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(rendered_module, "BLOCK", 2_000)  # (some 20 entries a block)
    store = many(tmp_path, 600)
    assert store.entries.columns is not None, "the file was not read into columns: this tests nothing"
    store.warm()
    kept = store._base_chunks[1]
    assert len(kept._blocks) > 10
    ids = sorted(store.entries)
    changes = {ids[0]: Annotation(stance="mixed"), ids[17]: None, ids[18]: Annotation(stance="neutral"),
               ids[300]: Annotation(stance="agree", flagged=True), ids[-1]: None,
               "000000000000": Annotation(stance="agree"), "ffffffffffff": Annotation(stance="disagree")}
    cold = AnnotationFile.load(store.path)
    for comment_id, entry in changes.items():
        store.set(comment_id, entry, "A new comment." if comment_id in ("000000000000", "ffffffffffff") else None)
        cold.set(comment_id, entry, "A new comment." if comment_id in ("000000000000", "ffffffffffff") else None)
    expected = cold.render()
    assert store.render() == expected
    store.compact()
    assert store.path.read_text("utf-8") == expected
    store.set(ids[400], Annotation(stance="disagree"))  # a second compaction, from the same kept text
    cold.set(ids[400], Annotation(stance="disagree"))
    store.compact()
    assert store.path.read_text("utf-8") == cold.render()


def test_the_kept_text_is_smaller_than_the_text(tmp_path: Path) -> None:
    store = many(tmp_path, 2_000)
    store.warm()
    kept = store._base_chunks[1]
    assert kept.kept_bytes() * 3 < kept.ends[-1]


@pytest.mark.parametrize("first, last", [(0, 0), (5, 5)])
def test_an_empty_range_is_no_text(first: int, last: int) -> None:
    kept = RenderedEntries.render(10, lambda position: f"entry {position}\n")
    assert b"".join(kept.reader().between(first, last)) == b""


NOTES = st.sampled_from([None, "", "short", "a \"quoted\" note", "back\\slash", "two\nlines", "tab\there", "é 中文"])
SECONDS = st.sampled_from([0.0, 0.1, 2.5, 20.7, 1234.5, 1e-1])
MICROS = st.sampled_from([0, 1, 500_000, 999_999])


@given(st.lists(st.tuples(st.sampled_from(["agree", "disagree", None]), st.sets(st.sampled_from(["scaling", "dl-theory", "a b"])),
                          NOTES, st.booleans(), SECONDS, MICROS, st.sampled_from(["Text é.", "x", "  "])),
                max_size=25),
       st.integers(1, 64))
def test_the_text_taken_from_the_file_is_the_text_rendered(tmp_path_factory, rows: list, block: int) -> None:
    """A file whose every entry stands as `render_entry` writes it gives its entries' text from
    its own bytes, read in pieces of any size: the same text, cut at the same places, as a
    render of every entry. A file with any other spelling gives none (and is rendered)."""
    from datetime import UTC, datetime, timedelta

    root = tmp_path_factory.mktemp("rendered")
    store = AnnotationFile.open(root, "alice")
    for number, (stance, topics, note, flagged, seconds, micros, text) in enumerate(rows):
        updated = datetime(2026, 11, 30, 9, 0, tzinfo=UTC) + timedelta(minutes=number, microseconds=micros)
        store.set(f"c{number:03d}", Annotation(stance=stance, topics=tuple(sorted(topics)), note=note or None,
                                               flagged=flagged, seconds=seconds, updated=updated), text)
    store.save()
    AnnotationFile.open(root, "alice")  # (parsed: its columns cached)
    store = AnnotationFile.open(root, "alice")
    columns = store.entries.columns
    if columns is None:
        return  # (not the canonical layout: an escaped note)
    original = rendered_module.BLOCK
    rendered_module.BLOCK = block
    try:
        taken = store._as_in_file(columns)
        ids, make, quote = columns.ids, columns.make, columns.quote
        rendered = RenderedEntries.render(len(ids), lambda position: render_entry(ids[position], make(position), quote(position)))
    finally:
        rendered_module.BLOCK = original
    plain = all(note is None or note == "" or note in ("short", "é 中文") for _, _, note, *_ in rows)
    assert columns.as_rendered == plain or not rows
    if columns.as_rendered:
        assert taken is not None
        assert taken.ends == rendered.ends
        assert b"".join(taken.reader().between(0, len(ids))) == b"".join(rendered.reader().between(0, len(ids)))
    else:
        assert taken is None


@pytest.mark.parametrize(("written", "spelled"), [
    ("seconds = 20.7\n", "seconds = 20.70\n"),
    ("seconds = 20.7\n", "seconds = 0.0\n"),
    ('    "dl-theory",\n    "scaling",\n', '    "scaling",\n    "dl-theory",\n'),
    ("updated = 2026-11-30 09:00:00+00:00\n", "updated = 2026-11-30 09:00:00.5+00:00\n"),
    ("updated = 2026-11-30 09:00:00+00:00\n", "updated = 2026-11-30 09:00:00.000000+00:00\n"),
    ("flagged = false\n", 'note = ""\nflagged = false\n'),
    ("# First comment\n", "# \n"),
])
def test_a_spelling_render_never_writes_leaves_the_text_to_a_render(tmp_path: Path, written: str, spelled: str) -> None:
    from datetime import UTC, datetime

    store = AnnotationFile.open(tmp_path, "alice")
    when = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    store.set("a1", Annotation(stance="agree", topics=("dl-theory", "scaling"), seconds=20.7, updated=when), "First comment")
    store.set("b2", Annotation(stance="agree", seconds=20.7, updated=when), "Second comment")
    store.save()
    text = store.path.read_text("utf-8")
    assert text.count(written) >= 1
    store.path.write_text(text.replace(written, spelled, 1), "utf-8")
    AnnotationFile.open(tmp_path, "alice")
    hand_edited = AnnotationFile.open(tmp_path, "alice")
    columns = hand_edited.entries.columns
    assert columns is not None and not columns.as_rendered
    assert hand_edited._as_in_file(columns) is None
    store.path.write_text(text, "utf-8")
    AnnotationFile.open(tmp_path, "alice")
    as_written = AnnotationFile.open(tmp_path, "alice")
    assert as_written.entries.columns.as_rendered and as_written._as_in_file(as_written.entries.columns) is not None


def test_a_file_changed_since_it_was_read_gives_no_text(tmp_path: Path) -> None:
    store = many(tmp_path, 40)
    columns = store.entries.columns
    assert columns.as_rendered and store._as_in_file(columns) is not None
    store.path.write_text(store.path.read_text("utf-8").replace('"agree"', '"mixed"', 1), "utf-8")
    assert store._as_in_file(columns) is None


def test_a_file_grown_since_it_was_read_gives_no_text(tmp_path: Path) -> None:
    store = many(tmp_path, 40)
    columns = store.entries.columns
    with store.path.open("a", encoding="utf-8") as handle:
        handle.write('\n[comments.zzzzzzzzzzzz]\nstance = "agree"\ntopics = []\nflagged = false\n')
    assert store._as_in_file(columns) is None
