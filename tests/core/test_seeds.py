"""Reading seeds: the id rule, the three formats, and a clear error for each kind of bad input."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest

from annotator.core.seeds import PEEK_BYTES, SeedError, load_seeds, peek_seeds
from tests.conftest import REPO, make_project


def ids(root: Path) -> dict[str, str]:
    return {comment.text: comment.id for comment in load_seeds(root).comments}


def test_bundled_seeds_are_22_comments_with_sources() -> None:
    corpus = load_seeds(REPO)
    assert len(corpus) == 22
    first = corpus.comments[0]
    assert first.source == "seeds/000_a0a04ea2baef8c80.txt"
    assert first.line == 1
    assert first.text.startswith("Thanks for sharing this")
    assert corpus.comments[-1].line == 22
    assert corpus.comments[-1].text.endswith("(read more)")


def test_id_is_sha256_prefix_of_stripped_text(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"a.txt": "  Hello world  \n"})
    (comment,) = load_seeds(root).comments
    assert comment.text == "Hello world"
    assert comment.id == hashlib.sha256(b"Hello world").hexdigest()[:12]


def test_shuffling_and_inserting_lines_keeps_every_id(tmp_path: Path) -> None:
    lines = (REPO / "seeds" / "000_a0a04ea2baef8c80.txt").read_text("utf-8").splitlines()
    before = ids(make_project(tmp_path / "a", {"s.txt": "\n".join(lines)}))
    shuffled = lines[:]
    random.Random(7).shuffle(shuffled)
    shuffled.insert(5, "A brand new comment inserted in the middle.")
    shuffled.insert(0, "")
    after = ids(make_project(tmp_path / "b", {"s.txt": "\n".join(shuffled)}))
    assert {text: after[text] for text in before} == before
    assert len(after) == len(before) + 1


def test_identical_texts_are_one_comment(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"a.txt": "same\nother\nsame\n", "b.txt": "same\n"})
    corpus = load_seeds(root)
    assert [c.text for c in corpus.comments] == ["same", "other"]
    assert (corpus.comments[0].source, corpus.comments[0].line) == ("seeds/a.txt", 1)


def test_line_numbers_count_blank_lines_and_all_line_ends(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"a.txt": b"\xef\xbb\xbfone\r\n\r\ntwo\rthree\n"})
    corpus = load_seeds(root)
    assert [(c.text, c.line) for c in corpus.comments] == [("one", 1), ("two", 3), ("three", 4)]


def test_jsonl_fields_and_metadata(tmp_path: Path) -> None:
    records = [
        {"id": "c1", "text": "First", "author": "ann", "url": "https://example.org/1", "parent": "p0", "score": 3},
        {"text": "Second"},
        {"id": 42, "text": "Third"},
    ]
    root = make_project(tmp_path, {"a.jsonl": "\n".join(json.dumps(r) for r in records)})
    first, second, third = load_seeds(root).comments
    assert (first.id, first.author, first.url, first.parent, first.meta) == (
        "c1", "ann", "https://example.org/1", "p0", {"score": 3},
    )
    assert second.id == hashlib.sha256(b"Second").hexdigest()[:12]
    assert third.id == "42"
    assert (third.source, third.line) == ("seeds/a.jsonl", 3)


def test_the_target_fields_of_jsonl_and_csv(tmp_path: Path) -> None:
    """`parent` and `context` in both formats: the context loses surrounding white space, a blank
    one is none, a number is its digits; `target` or `post` is metadata like any other field."""
    records = [
        {"id": "j1", "text": "Reply", "parent": "p9", "context": "  The post\nit replies to.  "},
        {"id": "j2", "text": "Other", "context": "   ", "target": "kept as metadata"},
        {"id": "j3", "text": "Third", "context": 7},
    ]
    csv_text = "id,text,parent,context\nk1,Reply,j1,\"The post, quoted\"\nk2,Alone,,\n"
    root = make_project(tmp_path, {"a.jsonl": "\n".join(json.dumps(r) for r in records), "b.csv": csv_text})
    targets = [(c.id, c.parent, c.context, dict(c.meta)) for c in load_seeds(root).comments]
    assert targets == [
        ("j1", "p9", "The post\nit replies to.", {}),
        ("j2", None, None, {"target": "kept as metadata"}),
        ("j3", None, "7", {}),
        ("k1", "j1", "The post, quoted", {}),
        ("k2", None, None, {}),
    ]


def test_csv_with_embedded_newlines_and_quotes(tmp_path: Path) -> None:
    content = 'id,text,author\nx1,"Line one\nline ""two""",bo\nx2,plain,\n'
    root = make_project(tmp_path, {"a.csv": content})
    first, second = load_seeds(root).comments
    assert first.text == 'Line one\nline "two"'
    assert (first.id, first.author, first.line) == ("x1", "bo", 2)
    assert (second.id, second.line) == ("x2", 4)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"a.txt": b"ok\n\xff\xfe bad\n"}, "seeds/a.txt:2: not UTF-8"),
        ({"a.txt": b"ok\nnul\x00here\n"}, "seeds/a.txt:2: contains a NUL byte"),
        ({"a.jsonl": '{"text": "ok"}\n[1, 2]\n'}, 'seeds/a.jsonl:2: expected a JSON object with a "text" field, got a list'),
        ({"a.jsonl": '{"text": "ok"}\n\n{"body": "x"}\n'}, 'seeds/a.jsonl:3: expected a non-empty "text" string, no "text" field'),
        ({"a.jsonl": '{"text": 5}\n'}, 'seeds/a.jsonl:1: expected a non-empty "text" string, "text" is a number'),
        ({"a.jsonl": '{"text": ""}\n'}, 'seeds/a.jsonl:1: expected a non-empty "text" string, "text" is empty'),
        ({"a.jsonl": '{"text": " \\t"}\n'}, 'seeds/a.jsonl:1: expected a non-empty "text" string, "text" is only white space'),
        ({"a.jsonl": '{"text": "x",}\n'}, "seeds/a.jsonl:1: not valid JSON"),
        ({"a.jsonl": "[" * 100000 + "]" * 100000 + "\n"}, "seeds/a.jsonl:1: JSON nested too deeply"),
        ({"a.csv": "body,author\nhello,me\n"}, 'seeds/a.csv:1: no "text" column'),
        ({"a.jsonl": '{"text": "ok", "context": ["a"]}\n'}, 'seeds/a.jsonl:1: "context" must be a string or a number, got a list'),
        (
            {"a.jsonl": '{"id": "x", "text": "one"}\n{"id": "x", "text": "two"}\n'},
            "seeds/a.jsonl:2: id 'x' is already the id of a different comment at seeds/a.jsonl:1",
        ),
        ({}, "seeds/: no comments found"),
        ({"a.txt": "\n\n   \n"}, "seeds/: no comments found"),
    ],
)
def test_bad_input_names_file_and_line(tmp_path: Path, files: dict, message: str) -> None:
    root = make_project(tmp_path, files)
    with pytest.raises(SeedError) as caught:
        load_seeds(root)
    assert str(caught.value).startswith(message)


def test_missing_seeds_folder(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match=r"^seeds/: not found"):
        load_seeds(tmp_path)


def test_other_files_are_ignored_with_a_warning(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"a.txt": "one\n", "notes.md": "# not seeds\n"})
    corpus = load_seeds(root)
    assert len(corpus) == 1
    assert [str(w) for w in corpus.warnings] == [
        "seeds/notes.md: warning: ignored: seeds are .txt, .jsonl or .csv files"
    ]


# The start of the list, shown while the rest is read ----------------------------------------------


def test_peeking_gives_the_first_comments_of_the_corpus(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {
        "a.txt": "One.\nTwo.\n\nOne.\nThree.\n",  # a repeated text is one comment
        "b.jsonl": json.dumps({"text": "Four.", "author": "x"}) + "\n",
    })
    assert peek_seeds(root, 3) == list(load_seeds(root).comments[:3])
    assert peek_seeds(root, 50) == list(load_seeds(root).comments)


def test_peeking_reads_only_the_start_of_a_large_file(tmp_path: Path) -> None:
    lines = [json.dumps({"id": f"c{number}", "text": f"Comment {number}: " + "word " * 60}) for number in range(20_000)]
    root = make_project(tmp_path / "p", {"big.jsonl": "\n".join(lines) + "\n", "later.txt": "Never peeked.\n"})
    assert len((root / "seeds" / "big.jsonl").read_bytes()) > 4 * PEEK_BYTES
    peeked = peek_seeds(root, 100_000)
    assert 0 < len(peeked) < 20_000  # whole lines from the first PEEK_BYTES, and not the next file
    assert peeked == list(load_seeds(root).comments[: len(peeked)])


def test_peeking_stops_quietly_at_a_problem(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"a.jsonl": '{"text": "Fine."}\n[1, 2]\n{"text": "Never shown."}\n'})
    assert [comment.text for comment in peek_seeds(root, 10)] == ["Fine."]
    assert peek_seeds(tmp_path / "no-such-project", 10) == []
