"""The commands' readers of whole files work on the store's columns (`LabelColumns`) without
making an entry, and on the seeds' columns a batch at a time. Each gives exactly what the same
work on plain dicts of entries, or on comments made one by one, gives: checked here on random
files (agreement, the majority vote, validate's suspects, the JSONL records)."""

from __future__ import annotations

import hashlib
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core.agreement import Judgments, _disagreements
from annotator.core.columns import BATCH, ById, open_entry, rows_of, write_columns
from annotator.core.config import Label, Schema
from annotator.core.export import jsonl_chunk, record_line, record_lines
from annotator.core.labels import LabelFile
from annotator.core.models import Annotation, Comment
from annotator.core.resolve import Decision, Resolution, Resolver
from annotator.core.seeds import Corpus
from annotator.core.store.columns import Entries, locate_by
from annotator.core.store.layout import read_canonical, render_entry, render_head
from annotator.core.validate import check_entries

SCHEMA = Schema(
    stance=tuple(Label(name, name[0]) for name in ("agree", "disagree", "mixed")),
    topic=tuple(Label(name, str(index)) for index, name in enumerate(("t1", "t2", "t3"), 1)),
)
IDS = [f"c{index}" for index in range(12)]
CORPUS_IDS = IDS[:9]  # c9, c10 and c11 are orphans
CORPUS = Corpus(tuple(Comment(cid, f"text {cid}", "seeds/a.txt", 1) for cid in CORPUS_IDS),
                {cid: Comment(cid, f"text {cid}", "seeds/a.txt", 1) for cid in CORPUS_IDS})
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

entries = st.builds(
    lambda stance, topics, note, flagged, seconds, updated: Annotation(
        stance, tuple(topics), note, flagged, seconds, updated),
    st.none() | st.sampled_from(("agree", "disagree", "mixed", "sarcastic")),
    st.lists(st.sampled_from(("t1", "t2", "t3", "t9")), max_size=3),
    st.none() | st.just("a note"),
    st.booleans(),
    st.sampled_from((0.0, 1.5, 12.3, 0.1)),
    st.none() | st.sampled_from((NOW - timedelta(days=1), NOW + timedelta(minutes=4), NOW + timedelta(hours=1))),
).filter(lambda entry: not entry.is_empty)
files = st.dictionaries(st.sampled_from(IDS), entries)


def columns_of(labels: dict[str, Annotation], annotator: str = "alice") -> Entries:
    """`labels` as the store reads them from a file in its own layout: columns, no entry made."""
    text = render_head(annotator, {}) + "".join(render_entry(cid, labels[cid], f"text {cid}") for cid in sorted(labels))
    canonical = read_canonical(text)
    assert canonical is not None and canonical.entries.columns is not None
    return canonical.entries


def label_file(entries: object, name: str = "alice") -> LabelFile:
    return LabelFile(name, f"annotations/{name}.toml", entries, {}, {}, [])  # type: ignore[arg-type]


@settings(max_examples=200)
@given(st.lists(files, min_size=2, max_size=3), st.permutations(IDS))
def test_judgments_counted_from_columns_are_those_counted_from_entries(labels, order) -> None:
    names = [f"a{index}" for index in range(len(labels))]
    plain = dict(zip(names, labels))
    stored = {name: columns_of(entries, name) for name, entries in plain.items()}
    assert Judgments.count(stored, order) == Judgments.count(plain, order)
    assert list(Judgments.count(stored, order).rows.items()) == list(Judgments.count(plain, order).rows.items())
    assert _disagreements(stored, order, "a0", "a1") == _disagreements(plain, order, "a0", "a1")


@settings(max_examples=150, deadline=None)
@given(st.lists(files, min_size=2, max_size=3), st.permutations(CORPUS_IDS))
def test_judgments_counted_by_corpus_position_are_those_counted_by_id(labels, order) -> None:
    names = [f"a{index}" for index in range(len(labels))]
    digest = hashlib.sha256("\n".join(order).encode()).digest()
    expected = Judgments.count(dict(zip(names, labels)), order)
    for _ in range(2):  # (the second time, where each file's entries are in the corpus comes from the parse cache)
        stored = {name: stored_columns(entries, name) for name, entries in zip(names, labels)}
        counted = Judgments.count(stored, order, (locate_by(lambda: dict(zip(order, range(len(order))))), digest))
        assert list(counted.rows.items()) == list(expected.rows.items())
        assert (counted.units(), counted.topics_chosen()) == (expected.units(), expected.topics_chosen())


@settings(max_examples=200)
@given(st.lists(files, min_size=0, max_size=3), st.none() | files, st.lists(st.sampled_from(IDS), max_size=20))
def test_majority_decisions_from_columns_are_those_from_entries(labels, gold, ids) -> None:
    plain = {f"a{index}": label_file(entries, f"a{index}") for index, entries in enumerate(labels)}
    stored = {f"a{index}": label_file(columns_of(entries, f"a{index}"), f"a{index}") for index, entries in enumerate(labels)}
    if gold is not None:
        plain["gold"] = label_file(gold, "gold")
        stored["gold"] = label_file(columns_of(gold, "gold"), "gold")
    from_columns = Resolver(SCHEMA, stored, Resolution.default())
    expected = [Resolver(SCHEMA, plain, Resolution.default()).decide(cid) for cid in ids]
    assert list(from_columns.decisions(ids)) == expected
    assert list(from_columns.decisions(ids[::-1])) == expected[::-1]  # (again: from what it has counted)
    assert [tuple(map(type, decision)) for decision in from_columns.decisions(ids)] == [
        tuple(map(type, decision)) for decision in expected]  # (a flag is a bool, not a 1)


@settings(max_examples=200)
@given(files, st.booleans())
def test_suspects_found_in_columns_are_those_found_in_entries(labels, with_schema) -> None:
    schema = SCHEMA if with_schema else None
    stored = label_file(columns_of(labels))
    plain = label_file(columns_of(labels).as_dict())  # (every entry made, in the file's order)
    assert stored.columns is not None and plain.columns is None
    assert check_entries(stored, schema, CORPUS, NOW) == check_entries(plain, schema, CORPUS, NOW)
    assert check_entries(stored, schema, None, NOW) == check_entries(plain, schema, None, NOW)


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
some_text = st.text(st.characters(min_codepoint=0, max_codepoint=127), max_size=20) | text
comments = st.builds(
    Comment, id=some_text, text=some_text, source=some_text, line=st.integers(1, 10**7),
    author=st.none() | some_text, url=st.none() | some_text, parent=st.none() | some_text,
    context=st.none() | some_text, meta=st.just({}),
)
decisions = st.builds(
    Decision, stance=st.none() | some_text, stance_tie=st.lists(some_text, max_size=2).map(tuple),
    topics=st.lists(some_text, max_size=2).map(tuple), topics_tie=st.lists(some_text, max_size=2).map(tuple),
    note=st.none() | some_text, flagged=st.booleans(), seconds=st.sampled_from((0.0, 3.5, 1e12)),
    decided_by=st.none() | some_text,
)


@settings(max_examples=200)
@given(st.lists(st.tuples(comments, decisions), max_size=8))
def test_records_made_a_field_at_a_time_are_those_made_one_by_one(rows) -> None:
    batch, made = [comment for comment, _ in rows], [decision for _, decision in rows]
    assert record_lines(batch, made) == list(map(record_line, batch, made))


def test_comments_read_a_batch_at_a_time_are_those_read_one_by_one(tmp_path: Path) -> None:
    written = [Comment(f"id{index}", f"text {index} é", "seeds/a.jsonl", index + 1,
                       f"author{index}" if index % 3 else None, None, f"id{index - 1}" if index % 2 else None,
                       "context" if index % 5 == 0 else None, {"score": index} if index % 7 == 0 else {})
               for index in range(BATCH + 10)]
    path = tmp_path / "entry"
    with path.open("w+b") as handle:
        write_columns(handle, rows_of(written))
    import mmap

    with path.open("rb") as handle:
        view = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    comments = open_entry(view, "seeds/a.jsonl")
    assert comments is not None
    assert list(comments) == [comments[index] for index in range(len(comments))] == written
    read = Corpus(comments, ById(comments, comments.positions))
    assert [read.text(comment.id) for comment in written] == [comment.text for comment in written]
    assert CORPUS.text("c3") == "text c3"


def stored_columns(labels: dict[str, Annotation], annotator: str) -> Entries:
    """`columns_of`, named as the parse cache names what it read (by the file's content), so that
    what is worked out from it can be kept there."""
    entries = columns_of(labels, annotator)
    text = render_head(annotator, {}) + "".join(render_entry(cid, labels[cid], f"text {cid}") for cid in sorted(labels))
    entries.columns.source = "test-" + hashlib.sha256(text.encode()).hexdigest()  # type: ignore[union-attr]
    return entries


@settings(max_examples=150, deadline=None)
@given(st.lists(files, min_size=0, max_size=3), st.none() | files, st.permutations(CORPUS_IDS), st.integers(1, 4))
def test_majority_decisions_by_corpus_position_are_those_by_id(labels, gold, order, batch) -> None:
    plain = {f"a{index}": label_file(entries, f"a{index}") for index, entries in enumerate(labels)}
    if gold is not None:
        plain["gold"] = label_file(gold, "gold")
    expected = [Resolver(SCHEMA, plain, Resolution.default()).decide(cid) for cid in order]
    digest = hashlib.sha256("\n".join(order).encode()).digest()
    for _ in range(2):  # (the second time, each file's codes in corpus order come from the parse cache)
        stored = {name: label_file(stored_columns(dict(file.stored), name), name) for name, file in plain.items()}
        resolver = Resolver(SCHEMA, stored, Resolution.default())
        resolver.in_corpus(locate_by(lambda: dict(zip(order, range(len(order))))), digest, len(order))
        starts = range(0, len(order), batch)
        assert [decision for start in starts for decision in resolver.decisions(order[start:start + batch], start)] \
            == expected
        columns = [resolver.decision_columns(order[start:start + batch], start) for start in starts]
        assert [Decision._make(row) for part in columns for row in zip(*part)] == expected
        assert [tuple(map(type, decision)) for decision in resolver.decisions(order, 0)] == [
            tuple(map(type, decision)) for decision in expected]


@settings(max_examples=200)
@given(st.lists(st.tuples(comments, decisions | decisions.map(lambda decision: decision._replace(seconds=-0.0))),
                max_size=8))
def test_records_made_as_bytes_a_column_at_a_time_are_those_made_one_by_one(rows) -> None:
    batch, made = [comment for comment, _ in rows], [decision for _, decision in rows]
    fields = [list(column) for column in zip(*batch)][:8] if batch else [[] for _ in range(8)]
    columns = [list(column) for column in zip(*made)] if made else [[] for _ in range(8)]
    assert jsonl_chunk(fields, columns) == "".join(map(record_line, batch, made)).encode("utf-8")


def test_a_damaged_entry_of_votes_in_corpus_order_is_worked_out_again() -> None:
    """The CRC of an entry covers its parts joined: bytes moved from one part into the next keep
    it, and must still be refused (each part's length is checked), not read or fail."""
    from annotator.core import cache

    labels = {cid: Annotation(stance="agree" if index % 2 else "neutral", topics=("scaling",) * (index % 3 == 0))
              for index, cid in enumerate(CORPUS_IDS)}
    order = list(CORPUS_IDS)
    digest = hashlib.sha256("\n".join(order).encode()).digest()

    def decisions() -> list:
        stored = {"alice": label_file(stored_columns(labels, "alice"), "alice")}
        resolver = Resolver(SCHEMA, stored, Resolution.default())
        resolver.in_corpus(locate_by(lambda: dict(zip(order, range(len(order))))), digest, len(order))
        return list(resolver.decisions(order, 0))

    expected = decisions()  # (and kept)
    source = stored_columns(labels, "alice").columns.source  # type: ignore[union-attr]
    where = cache.key("votes", b"%s\0%s" % (source.encode(), digest))
    assert where is not None and where.exists()
    stances, topics, seconds, _ = cache.load(where)
    shifted = (stances + topics[:1], topics[1:], seconds)
    cache.save(where, (*shifted, zlib.crc32(b"".join(shifted))))
    assert decisions() == expected
