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
