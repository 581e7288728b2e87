"""The seeds read from the parse cache in place: the same corpus as a parse, comment for comment."""

from __future__ import annotations

import hashlib
import io
import json
import mmap
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core import cache, columns, jsonl_rows, seeds
from annotator.core.columns import Joined, SeedColumns
from annotator.core.ids import IdLookupError
from annotator.core.models import Annotation, Comment
from annotator.core.project import Project
from annotator.core.seeds import SeedError, load_seeds
from annotator.core.session import Session
from annotator.core.store import AnnotationFile
from tests.conftest import make_project

RECORDS = [
    {"text": "  First, with an author.  ", "author": "ada", "url": "https://example.org/1"},
    {"text": "Second:\nüñíçødé ✓ and a tab\t.", "parent": "given-7", "context": " The post. ", "score": 3},
    {"id": "given-7", "text": "Third, with an id and nested extras.", "tags": ["a", {"b": None}], "n": 1.5},
    {"id": 42, "text": "Fourth, a number for an id."},
    {"text": "First, with an author."},  # the same comment again: kept once
]
SEEDS = {
    "a.jsonl": "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in RECORDS),
    "b.txt": "A line of text.\n\n  Another line.\n",
    "c.csv": 'text,author,extra\n"A CSV row, quoted",bo,x\nPlain row,,\n',
    "notes.md": "not a seed",
}


def uncached(root: Path, monkeypatch: pytest.MonkeyPatch) -> list:
    with monkeypatch.context() as patch:
        patch.setenv("ANNOTATOR_CACHE_DIR", "off")
        corpus = load_seeds(root)
        return [list(corpus.comments), dict(corpus.by_id), corpus.warnings]


@pytest.mark.parametrize("seeds", [SEEDS, {"a.jsonl": SEEDS["a.jsonl"]}, {"b.txt": SEEDS["b.txt"]}])
def test_the_cached_corpus_is_the_parsed_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seeds: dict) -> None:
    root = make_project(tmp_path / "project", seeds)
    expected_comments, expected_by_id, expected_warnings = uncached(root, monkeypatch)
    for _ in range(2):  # the first read parses and fills the cache, the second reads the cache only
        corpus = load_seeds(root)
        assert list(corpus.comments) == expected_comments
        assert [corpus.comments[position] for position in range(len(corpus))] == expected_comments
        assert corpus.comments[-1] == expected_comments[-1]
        assert list(corpus.comments[1:3]) == expected_comments[1:3]
        assert dict(corpus.by_id) == expected_by_id
        assert list(corpus.by_id) == list(expected_by_id)
        assert corpus.warnings == expected_warnings
        assert "no-such-id" not in corpus.by_id
        with pytest.raises(IndexError):
            corpus.comments[len(corpus)]
    assert isinstance(corpus.comments, SeedColumns if len(seeds) == 1 else Joined)
    assert corpus.comments == expected_comments and corpus.comments != expected_comments[1:]
    assert corpus.comments != [comment.id for comment in expected_comments]


def test_several_cached_files_are_one_lazy_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path / "project", {"a.txt": "one\ntwo\n", "b.jsonl": '{"text": "three", "id": "t3"}\n'})
    expected = uncached(root, monkeypatch)
    load_seeds(root)
    corpus = load_seeds(root)
    assert isinstance(corpus.comments, columns.Joined)
    assert corpus.comments == expected[0] and list(corpus.comments) == expected[0]
    assert corpus.comments[2].id == "t3" and corpus.comments[-3].text == "one"
    assert dict(corpus.by_id) == expected[1] and corpus.ids() == list(expected[1])
    session = Session(corpus.comments, Project.open(root).schema, AnnotationFile.open(root, "alice"))
    assert (session.position("t3"), session.find("t"), session.find("#1")) == (2, "t3", corpus.comments[0].id)
    assert list(session.threads.order) == [0, 1, 2]


def test_a_comment_read_in_place_has_every_field(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project", {"a.jsonl": SEEDS["a.jsonl"]})
    load_seeds(root)
    comments = load_seeds(root).comments
    assert isinstance(comments, SeedColumns)
    first, second, third, fourth = comments
    assert (first.text, first.author, first.url, first.line) == ("First, with an author.", "ada", "https://example.org/1", 1)
    assert (second.parent, second.context, dict(second.meta)) == ("given-7", "The post.", {"score": 3})
    assert second.text == "Second:\nüñíçødé ✓ and a tab\t."
    assert (third.id, dict(third.meta)) == ("given-7", {"tags": ["a", {"b": None}], "n": 1.5})
    assert (fourth.id, fourth.author, fourth.source) == ("42", None, "seeds/a.jsonl")


def test_a_session_finds_comments_of_a_cached_corpus_by_id_start_and_position(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project", {"a.jsonl": SEEDS["a.jsonl"]})
    Project.open(root)
    project = Project.open(root)
    session = Session(project.corpus.comments, project.schema, AnnotationFile.open(root, "alice"))
    assert session.position("given-7") == 2
    assert session.comment("42").text == "Fourth, a number for an id."
    assert session.position("no-such-id") is None
    assert session.find("giv") == "given-7"
    assert session.find("#4") == "42"
    with pytest.raises(IdLookupError):
        session.find("#9")
    with pytest.raises(IdLookupError, match="4 comment ids start with ''"):  # (the first few named)
        session.find("")


def test_an_id_given_to_two_different_comments_is_still_an_error(tmp_path: Path) -> None:
    seeds = {"a.jsonl": '{"id": "x", "text": "one"}\n', "b.jsonl": '{"id": "x", "text": "two"}\n'}
    root = make_project(tmp_path / "project", seeds)
    for _ in range(2):  # parsed, then from the cache
        with pytest.raises(SeedError, match="seeds/b.jsonl:1: id 'x' is already the id of a different comment"):
            load_seeds(root)


@pytest.mark.parametrize("batch", [2, 8192])
def test_a_file_that_repeats_a_comment_reads_as_parsed_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    monkeypatch.setattr(columns, "BATCH", batch)  # (repeats within a batch of the writer, and across)
    root = make_project(tmp_path / "project", {"a.txt": "same\nother\nsame\nthird\nother\nsame\nlast\n"})
    expected = uncached(root, monkeypatch)[0]
    load_seeds(root)
    comments = load_seeds(root).comments
    assert isinstance(comments, SeedColumns)
    assert list(comments) == expected
    assert [comment.text for comment in expected] == ["same", "other", "third", "last"]
    assert [comment.line for comment in expected] == [1, 2, 4, 7]


@pytest.mark.parametrize("settled", [False, True], ids=["read whole", "read a block at a time"])
def test_a_json_lines_file_that_repeats_a_comment_reads_as_parsed_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settled: bool
) -> None:
    """A file whose digest is known by its status is read a block at a time, its ids kept in no
    set: the repeat is found at the end, and the file read again as one that is not."""
    monkeypatch.setattr(cache, "SETTLED_NS", -(10**12) if settled else 10**12)
    monkeypatch.setenv("ANNOTATOR_CACHE_DIR", str(tmp_path / "cache"))
    lines = [{"text": "same"}, {"text": "other"}, {"text": "same"}, {"text": "third", "id": "t"},
             {"text": "third", "id": "t"}, {"text": "last"}]
    root = make_project(tmp_path / "project", {"a.jsonl": "".join(json.dumps(line) + "\n" for line in lines)})
    expected = uncached(root, monkeypatch)[0]
    written = []
    write = columns.write_columns
    monkeypatch.setattr(columns, "write_columns", lambda *args, **kwargs: written.append(kwargs) or write(*args, **kwargs))
    load_seeds(root)
    comments = load_seeds(root).comments
    assert isinstance(comments, SeedColumns)
    assert list(comments) == expected and [comment.line for comment in expected] == [1, 2, 4, 6]
    assert written == ([{"repeats_seen": False}, {}] if settled else [{}])
    if settled:  # (without the repeat: read a block at a time, the ids sorted for `find`)
        (root / "seeds" / "a.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines[4:]))
        more = [{"text": "é", "id": "é1"}, {"text": "z", "id": "z"}, {"text": "Z", "id": "Z"}, {"text": "e", "id": "e"}]
        with (root / "seeds" / "a.jsonl").open("a") as handle:
            handle.writelines(json.dumps(line) + "\n" for line in more)
        expected = uncached(root, monkeypatch)[0]
        written.clear()
        load_seeds(root)
        comments = load_seeds(root).comments
        assert written == [{"repeats_seen": False}] and list(comments) == expected
        assert [comments.find(comment.id) for comment in expected] == list(range(len(expected)))


HOSTILE_LINES = [
    '{"text": "fine"}', "", "   ", '{"text": "NaN", "n": NaN}', '{"text": "x", "n": 1e400}', '{"text": "x", "n": 1e-400}',
    '{"text": "x", "n": -0}', '{"text": "x", "id": ' + "9" * 5000 + "}", '{"text": "x", "id": ' + "9" * 40 + "}",
    '{"text": "x\\ud800"}', '{"text": "pair \\ud83d\\ude00"}', '{"text": "x"} {"text": "y"}', '[1, 2]', '"text"',
    '{"text": "dup", "a": 1, "a": 2}', '{"text": "x", "deep": ' + "[" * 3000 + "]" * 3000 + "}",
    '{"text": "tab\\t and \\u0000 escaped"}', '{"text": ""}', '{"text": "x", "author": 12.5}', "\x1c",
    '{"text": "x", "f": 0.1, "g": 2.2250738585072014e-308, "h": 123456789012345678901234567890}',
]


def outcome(read: object) -> object:
    try:
        return list(read())  # type: ignore[operator]
    except SeedError as error:
        return error.message


@pytest.mark.parametrize("line", HOSTILE_LINES, ids=range(len(HOSTILE_LINES)))
def test_the_quick_json_reader_reads_each_line_as_python_json_does(line: str) -> None:
    data = f'{{"text": "before"}}\n{line}\n{{"text": "after"}}\n'.encode()
    quick = outcome(lambda: seeds.parse_seeds(data, "s.jsonl", "jsonl"))
    careful = outcome(lambda: seeds._read_jsonl(seeds.decode_text(data, "s.jsonl"), "s.jsonl", seeds.DEFAULT_FIELDS, None))
    assert quick == careful


def test_a_cached_corpus_gives_the_same_ids_and_threads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path / "project", {"a.jsonl": SEEDS["a.jsonl"]})
    with monkeypatch.context() as patch:
        patch.setenv("ANNOTATOR_CACHE_DIR", "off")
        parsed = Project.open(root)
    load_seeds(root)
    cached = Project.open(root)
    assert isinstance(cached.corpus.comments, SeedColumns)
    assert cached.corpus.ids() == parsed.corpus.ids() == [comment.id for comment in parsed.corpus.comments]
    sessions = [Session(project.corpus.comments, project.schema, AnnotationFile.open(root, "alice"))
                for project in (parsed, cached)]
    assert [list(session.threads.order) for session in sessions] == [[0, 2, 1, 3]] * 2
    assert [list(session.threads.depth) for session in sessions] == [[0, 1, 0, 0]] * 2  # (by position)


def test_an_empty_seed_file_is_cached_and_leaves_the_corpus_lazy(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project", {"a.txt": "", "b.txt": "One.\nTwo.\n"})
    for _ in range(2):
        corpus = load_seeds(root)
        assert [comment.text for comment in corpus.comments] == ["One.", "Two."]
    assert isinstance(corpus.comments, Joined)


def test_an_id_is_found_by_bisecting_and_the_corpus_named_by_its_ids(tmp_path: Path) -> None:
    texts = [f"Comment {n}, é {n * 7}" for n in range(300)]
    root = make_project(tmp_path / "project", {"a.txt": "\n".join(texts) + "\n"})
    load_seeds(root)
    comments = load_seeds(root).comments  # (from the cache)
    assert isinstance(comments, SeedColumns)
    ids = [comment.id for comment in comments]
    assert [comments.find(comment_id) for comment_id in ids] == list(range(300))
    assert {comments.find(missing) for missing in ("", "0", "zzzz", ids[5][:-1], ids[5] + "0")} == {None}
    assert comments.ids_digest() == hashlib.sha256("\n".join(ids).encode()).digest()


def test_a_session_over_cached_seeds_looks_ids_up_without_making_every_position(tmp_path: Path) -> None:
    """Making the position of every id costs over a second at a million: a start does not."""
    root = make_project(tmp_path / "project", {"a.txt": "".join(f"Comment {n}.\n" for n in range(50))})
    Project.open(root)
    project = Project.open(root)
    session = Session(project.corpus.comments, project.schema, AnnotationFile.open(root, "alice"))
    third = project.corpus.comments[2].id
    session.set_stance(third, "agree")
    assert session.position(third) == 2 and session.position("nope") is None
    assert session.comment(third).text == "Comment 2." and session.labeled_count == 1
    assert session.labeled_positions()[:4] == bytearray([0, 0, 1, 0])
    assert session._positions is None and project.corpus.comments._positions is None


def test_a_first_session_over_labels_counts_and_marks_them_without_making_every_position(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first start over a labels file (nothing of it counted in the parse cache yet) finds
    its entries' comments without the dict of every id: at a million, 140 MB kept for good."""
    root = make_project(tmp_path / "project", {"a.txt": "".join(f"Comment {n}.\n" for n in range(50))})
    Project.open(root)
    project = Project.open(root)
    ids = [comment.id for comment in project.corpus.comments]
    elsewhere = next(candidate for candidate in ("0123456789ab", "ba9876543210") if candidate not in ids)
    labels = AnnotationFile.open(root, "alice")
    for comment_id in (ids[40], ids[1], ids[4], elsewhere):
        labels.set(comment_id, Annotation("agree"), "excerpt")
    labels.save(force=True)
    AnnotationFile.load(labels.path)  # (parsed: its columns are in the parse cache)
    monkeypatch.setattr(columns, "LOCATE_BLOCK", 7)  # (the ids read in several blocks)
    session = Session(project.corpus.comments, project.schema, AnnotationFile.open(root, "alice"))
    assert session.store.entries.columns is not None  # (read as columns, counted from them)
    assert session.labeled_count == 3
    assert session.labeled_positions()[:6] == bytearray([0, 1, 0, 0, 1, 0])
    assert session._positions is None and project.corpus.comments._positions is None


def test_ids_are_located_as_the_dict_of_every_id_places_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(tmp_path / "project", {"a.txt": "".join(f"Comment {n}.\n" for n in range(30))})
    load_seeds(root)
    comments = load_seeds(root).comments
    assert isinstance(comments, SeedColumns)
    ids = [comment.id for comment in comments]
    wanted = [ids[29], "nowhere", ids[0], ids[7], ids[8], ids[13]]
    expected = [29, -1, 0, 7, 8, 13]
    for block in (1, 7, 30, 65536):
        monkeypatch.setattr(columns, "LOCATE_BLOCK", block)
        assert comments.locate(wanted).tolist() == expected and comments._positions is None
    assert comments.locate([]).tolist() == []
    comments.positions()  # (made for another reason: then used)
    assert comments.locate(wanted).tolist() == expected


@pytest.mark.parametrize("files", [["a.jsonl"], ["a.jsonl", "b.txt", "c.csv"]], ids=["one file", "several"])
def test_texts_of_many_comments_are_their_texts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: list) -> None:
    root = make_project(tmp_path / "project", {name: SEEDS[name] for name in files})
    with monkeypatch.context() as patch:
        patch.setenv("ANNOTATOR_CACHE_DIR", "off")
        parsed = load_seeds(root)
    load_seeds(root)
    for corpus in (parsed, load_seeds(root)):  # (parsed; from the cache, as columns)
        ids = corpus.ids()[::-1]
        assert list(corpus.texts(ids)) == [corpus.text(comment_id) for comment_id in ids] == [
            corpus.by_id[comment_id].text for comment_id in ids]
        with pytest.raises(KeyError):
            list(corpus.texts([ids[0], "no such id"]))
    assert isinstance(load_seeds(root).comments, SeedColumns if len(files) == 1 else Joined)


_TEXTS = st.text(st.sampled_from("ab é✓\n"), min_size=1, max_size=6)  # (ASCII or not, batch by batch)
_OPTIONAL = st.none() | _TEXTS


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text(st.sampled_from("abéz0"), min_size=1, max_size=3), _TEXTS,
                          _OPTIONAL, _OPTIONAL, _OPTIONAL, _OPTIONAL), max_size=40),
       st.integers(1, 5), st.booleans())
def test_an_entry_reads_back_the_comments_written_in_any_batches(rows: list, batch: int, on_disk: bool) -> None:
    """Each field of a batch is encoded at once when it is ASCII, value by value when not: the
    entry reads back what was written either way, and finds the ids in their UTF-8 order. A
    comment given again is left out, its text read back from the entry being written (from a
    file as the cache writes one, or from memory)."""
    comments, kept, first_text = [], [], {}
    for line, (comment_id, text, author, url, parent, context) in enumerate(rows, start=1):
        comment = Comment(comment_id, text, "s.jsonl", line, author, url, parent, context)
        comments.append(comment)
        if first_text.setdefault(comment_id, text) != text or comment_id not in {other.id for other in kept}:
            kept.append(comment)  # (left out: the comment its id was first given to, again)
    handle = tempfile.TemporaryFile("w+b") if on_disk else io.BytesIO()
    original = columns.BATCH
    columns.BATCH = batch
    try:
        columns.write_columns(handle, columns.rows_of(comments))
    finally:
        columns.BATCH = original
    handle.seek(0)
    written = handle.read()
    handle.close()
    view = mmap.mmap(-1, len(written))
    view.write(written)
    entry = columns.open_entry(view, "s.jsonl")
    assert entry is not None
    assert list(entry) == kept
    assert list(entry.sorted_ids) == sorted((comment.id for comment in kept), key=lambda i: i.encode("utf-8"))


def through_entry(data: bytes) -> object:
    """The comments a JSON-lines file gives when read into a cache entry (`seeds._rows`: blocks
    read by `jsonl_rows`, the rest by the parser) and read back; or the parser's error."""
    handle = io.BytesIO()
    try:
        columns.write_columns(handle, seeds._rows(data, "s.jsonl", "jsonl"))
    except SeedError as error:
        return error.message
    view = mmap.mmap(-1, len(handle.getvalue()))
    view.write(handle.getvalue())
    entry = columns.open_entry(view, "s.jsonl")
    assert entry is not None
    return list(entry)


def parsed(data: bytes) -> object:
    """The comments the careful reader gives, a repeated one kept once as the cache keeps it; or its error."""
    try:
        comments = list(seeds._read_jsonl(seeds.decode_text(data, "s.jsonl"), "s.jsonl", seeds.DEFAULT_FIELDS, None))
    except SeedError as error:
        return error.message
    first: dict[str, Comment] = {}
    return [comment for comment in comments if first.setdefault(comment.id, comment) is comment
            or first[comment.id].text != comment.text]


@pytest.mark.parametrize("line", HOSTILE_LINES, ids=range(len(HOSTILE_LINES)))
def test_the_block_reader_gives_what_the_careful_reader_does(line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonl_rows, "BLOCK_BYTES", 20)  # (a block of a line or two: the line on its own)
    data = "".join(f'{{"text": "line {n}"}}\n' for n in range(4)) + line + '\n{"text": "after", "id": 7}\n'
    assert through_entry(data.encode()) == parsed(data.encode())


TYPED_LINES = [  # the fields annotator knows, with values of every kind (no other field: the block reader's)
    '{"text": "x", "author": 1e400}', '{"text": "x", "author": 123456789012345678901234567890}',
    '{"text": "x", "id": ' + "9" * 5000 + "}", '{"text": "x", "id": true}', '{"text": "x", "id": 1.0}',
    '{"text": "x", "id": 7}', '{"text": "a", "text": "b"}', '{"text": "x", "id": "a", "id": null}',
    '{"text": "x", "author": -0, "url": 1e-400, "parent": 2.5, "context": 3}', '{"text": " \\u00e9 "}',
    '{"text": "x\\ud800"}', '{"text": "x", "id": " \\u0007 "}', '{"text": "x", "context": "  "}',
    '{"text": "x", "author": ""}', '{"text": "x", "author": []}', '{"text": "x"} ', ' {"text": "x"}',
    '{"text": "x"}{"text": "y"}', '{"text": "x"},{"text": "y"}', '{"text": "x\\n"}',
]


@pytest.mark.parametrize("line", TYPED_LINES, ids=range(len(TYPED_LINES)))
def test_the_block_reader_gives_what_the_careful_reader_does_with_known_fields(line: str) -> None:
    data = "".join(f'{{"text": "line {n}"}}\n' for n in range(4)) + line + '\n{"text": "after", "id": 7}\n'
    assert through_entry(data.encode()) == parsed(data.encode())


@pytest.mark.parametrize("data", [
    '{"text": "a\nb"}\n{"text": "c"},{"text": "d"}\n',  # a line end in a string, two objects on a line
    '{"text": "a"\n"id": "b"}\n{"text": "c"},{"text": "d"}\n',  # an object over two lines, the same
    '{"text": "a}\n{b"}\n{"text": "c"} {"text": "d"}\n',  # "}" then "{" around the line end in a string
    '{"text": "a"}\n\n{"text": "b"}\n', '{"text": "a"}\n{"text": "b"}', '{"text": "a"}\n{"text": "b"}\n\n',
])
def test_lines_that_would_add_up_as_blocks_are_read_as_the_careful_reader_reads_them(data: str) -> None:
    """Errors that a count of lines against records alone would let cancel out."""
    assert through_entry(data.encode()) == parsed(data.encode())


_JSON_VALUES = (st.none() | st.integers(-10, 10**20) | st.floats(allow_nan=False, allow_infinity=False)
                | st.text(st.sampled_from("ab é\t\n✓"), max_size=4) | st.booleans())


@settings(max_examples=150, deadline=None)
@given(records=st.lists(st.dictionaries(st.sampled_from(["text", "text", "id", "author", "url", "parent", "context",
                                                         "extra"]), _JSON_VALUES, max_size=4), min_size=1, max_size=12),
       ends=st.lists(st.sampled_from(["\n", "\n", "\n", "\n\n", "\r\n", " \n"]), min_size=12, max_size=12),
       block=st.integers(1, 200))
def test_any_file_reads_into_the_cache_as_the_careful_reader_reads_it(records: list[dict], ends: list[str],
                                                                      block: int) -> None:
    """Blocks of any size, stopped anywhere (another field, a blank line, a value of another
    kind): the comments, their lines and the errors are the careful reader's."""
    data = "".join(json.dumps(record, ensure_ascii=False) + end for record, end in zip(records, ends)).encode()
    original, jsonl_rows.BLOCK_BYTES = jsonl_rows.BLOCK_BYTES, block
    try:
        assert through_entry(data) == parsed(data)
        streamed = streamed_entry(data)  # (read from a file a block at a time: all of it, or stopped)
        assert streamed is None or streamed == parsed(data)
    finally:
        jsonl_rows.BLOCK_BYTES = original


def streamed_entry(data: bytes) -> list[Comment] | None:
    """The comments the block reader gives of `data` read as a file (`blocks_in`), through an
    entry; None if it stopped."""
    handle = io.BytesIO()
    try:
        columns.write_columns(handle, jsonl_rows.rows(jsonl_rows.blocks_in(io.BytesIO(data))))
    except jsonl_rows.Stopped:
        return None
    view = mmap.mmap(-1, len(handle.getvalue()))
    view.write(handle.getvalue())
    entry = columns.open_entry(view, "s.jsonl")
    assert entry is not None
    return list(entry)


def test_a_plain_file_is_read_in_blocks_to_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    """The common file never reaches the careful reader."""
    monkeypatch.setattr(jsonl_rows, "BLOCK_BYTES", 100)
    records = [{"text": f" Comment {n} ✓ ", "author": f"user{n}", "parent": n - 1 or None, "context": "Post."}
               for n in range(1, 40)] + [{"text": "Given an id.", "id": "c-1", "url": 7.5}]
    data = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records).encode()
    blocks = list(jsonl_rows.rows(jsonl_rows.blocks_of(data)))
    assert len(blocks) > 3
    assert through_entry(data) == parsed(data)
    assert [comment.text for comment in parsed(data)][:2] == ["Comment 1 ✓", "Comment 2 ✓"]  # type: ignore[index]


@pytest.fixture
def settled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project of 300 plain JSON lines, its cache of its own, every file counted as settled
    (its digest kept by its status once hashed), the block reader's blocks small."""
    from annotator.core import cache

    monkeypatch.setenv("ANNOTATOR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "SETTLED_NS", -(10**12))
    monkeypatch.setattr(jsonl_rows, "BLOCK_BYTES", 500)
    lines = [json.dumps({"text": f"Comment {n} ✓", "author": f"user{n % 7}"}, ensure_ascii=False) for n in range(300)]
    return make_project(tmp_path / "project", {"a.jsonl": "\n".join(lines) + "\n"})


def test_a_file_known_by_its_status_is_read_a_block_at_a_time(settled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its digest known, the file is never read whole (at a million comments, 552 MB)."""
    expected = uncached(settled, monkeypatch)[0]
    seed = settled / "seeds" / "a.jsonl"
    seeds._cache_entry(seed)  # (hashed once, as a start that found nothing cached has)
    monkeypatch.setattr(seeds.cache, "read_keyed", lambda *args: pytest.fail("read whole"))
    comments = load_seeds(settled).comments
    assert isinstance(comments, SeedColumns) and list(comments) == expected and len(expected) == 300


def test_a_file_written_while_it_is_read_in_blocks_is_read_again_whole(
    settled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entry is never named by the digest of other bytes than those it holds."""
    seed = settled / "seeds" / "a.jsonl"
    before = seeds._cache_entry(seed)  # (the digest of the bytes before the write)
    assert before is not None
    blocks_in = jsonl_rows.blocks_in

    def written_meanwhile(source):
        for number, block in enumerate(blocks_in(source)):
            if number == 1:
                with seed.open("a", encoding="utf-8") as handle:
                    handle.write('{"text": "Added while read."}\n')
            yield block

    monkeypatch.setattr(jsonl_rows, "blocks_in", written_meanwhile)
    comments = load_seeds(settled).comments
    assert [comment.text for comment in comments][-1] == "Added while read." and len(comments) == 301
    assert not before.exists()  # (no entry of the new bytes under the old bytes' name)
    monkeypatch.setattr(jsonl_rows, "blocks_in", blocks_in)
    assert list(load_seeds(settled).comments) == list(comments)  # (from the entry: the bytes it holds)
    assert list(load_seeds(settled).comments) == uncached(settled, monkeypatch)[0]


def test_a_file_known_by_its_status_but_not_plain_is_read_whole_by_the_careful_reader(
    settled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = settled / "seeds" / "a.jsonl"
    seed.write_text(seed.read_text("utf-8") + '{"text": "With a score.", "score": 3}\n', "utf-8")
    expected = uncached(settled, monkeypatch)[0]
    seeds._cache_entry(seed)
    comments = load_seeds(settled).comments
    assert list(comments) == expected and comments[-1].meta == {"score": 3}
