"""Looking a few ids up in an annotation file read from the parse cache: the ids stay joined, as
read, when they all have one length (ids made from the texts do), and every lookup gives what a
search of the split ids gives."""

from __future__ import annotations

import mmap
from bisect import bisect_left
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.models import Annotation
from annotator.core.store.columns import LabelColumns
from annotator.core.store.layout import read_canonical, render_entry, render_head

HEX = "0123456789abcdef"


def cached(tmp_path: Path, ids: list[str], name: str = "entry") -> LabelColumns:
    """The columns of a file of an entry per id, written to a cache entry and read back in place."""
    text = render_head("alice", {}) + "".join(
        render_entry(cid, Annotation(stance="agree" if n % 2 else None, topics=("t1",) if n % 3 else ()), None)
        for n, cid in enumerate(sorted(ids)))
    canonical = read_canonical(text)
    assert canonical is not None and canonical.entries.columns is not None
    entry = tmp_path / f"{name}.columns"
    with entry.open("wb") as handle:
        canonical.entries.columns.write(handle, {})
    with entry.open("rb") as handle:
        view = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    read = LabelColumns.read(view)
    assert read is not None
    return read[1]


def searched(ids: list[str], comment_id: str) -> int:
    at = bisect_left(ids, comment_id)
    return at if at < len(ids) and ids[at] == comment_id else -1


same_length = st.integers(1, 4).flatmap(
    lambda length: st.lists(st.text(HEX, min_size=length, max_size=length), min_size=1, max_size=40, unique=True))
any_length = st.lists(st.text(HEX, min_size=1, max_size=5), min_size=1, max_size=40, unique=True)


@settings(max_examples=60, deadline=None)
@given(st.one_of(same_length, any_length), st.lists(st.text(HEX, max_size=5), max_size=10))
def test_each_id_is_found_where_a_search_of_the_split_ids_finds_it(tmp_path_factory, ids, others) -> None:
    columns = cached(tmp_path_factory.mktemp("entry"), ids)
    in_order = sorted(ids)
    for comment_id in [*ids, *others]:
        position = columns.position(comment_id)
        assert position == searched(in_order, comment_id)
        if position >= 0:
            assert columns.entry(position) == columns.make(position)
            assert columns.entry(position) is columns.entry(position)  # (made once)
    assert isinstance(columns._ids, str) == (len({len(cid) for cid in ids}) == 1)  # (in place: one length)
    assert columns.ids == in_order


def test_ids_of_one_length_are_looked_up_without_splitting_them(tmp_path: Path) -> None:
    ids = [f"{n * 7919:012x}" for n in range(1, 500)]
    columns = cached(tmp_path, ids)
    assert columns.position(ids[123]) == sorted(ids).index(ids[123])
    assert columns.entry(columns.position(ids[5])).stance in ("agree", None)
    assert isinstance(columns._ids, str)  # still as read: a million ids split take 70 ms
    mixed = cached(tmp_path, [*ids[:10], "abc"], name="mixed")
    assert mixed.position("abc") == 10


def test_many_lookups_have_the_ids_split(tmp_path: Path, monkeypatch) -> None:
    """In place, a lookup costs ten times one in a list: a reader of every entry (an import)
    splits them first, and any other after `IN_PLACE_LOOKUPS`."""
    from annotator.core.store import columns as module

    monkeypatch.setattr(module, "IN_PLACE_LOOKUPS", 5)
    ids = [f"{n:04x}" for n in range(1, 40)]
    columns = cached(tmp_path, ids)
    for number, comment_id in enumerate(ids):
        assert columns.position(comment_id) == number
        assert isinstance(columns._ids, str) == (number < 5)
    split = cached(tmp_path, ids, name="split")
    split.for_many_lookups()
    assert not isinstance(split._ids, str) and split.position(ids[7]) == 7
