"""The parse cache: the same result as parsing, never a stale one, and never in the way."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from annotator.core import cache, seeds, store
from annotator.core.seeds import load_seeds
from annotator.core.config import Label, Schema
from annotator.core.models import Annotation, Comment
from annotator.core.session import Session
from annotator.core.store import AnnotationFile
from tests.conftest import DATA, make_project

TEXTS = ["First reply, about scaling.", "Second reply.\nIt has two lines.", "Third: a note with \"quotes\"."]


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("ANNOTATOR_CACHE_DIR", str(folder))
    return folder


def jsonl_project(root: Path) -> Path:
    records = [{"text": TEXTS[0], "author": "ada"}, {"text": TEXTS[1], "parent": "x1", "context": "The post.", "score": 3}, {"text": TEXTS[2]}]
    return make_project(root, {"replies.jsonl": "".join(json.dumps(record) + "\n" for record in records)})


def test_a_second_read_of_the_same_seeds_comes_from_the_cache_and_equals_a_parse(
    tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = jsonl_project(tmp_path / "project")
    parsed = load_seeds(root)
    assert len(list(own_cache.glob("seeds-jsonl-*.columns"))) == 1

    monkeypatch.setattr(seeds, "parse_seeds", lambda *args, **kwargs: pytest.fail("parsed again"))
    cached = load_seeds(root)
    assert cached.comments == parsed.comments
    assert cached.comments[1].meta == {"score": 3}
    assert (cached.comments[1].parent, cached.comments[1].context) == ("x1", "The post.")


def test_an_entry_of_another_layout_is_parsed_again(tmp_path: Path, own_cache: Path) -> None:
    """An entry of another layout (or byte order: the magic says which) is never misread."""
    root = jsonl_project(tmp_path / "project")
    parsed = load_seeds(root)
    (entry,) = own_cache.glob("seeds-jsonl-*.columns")
    entry.write_bytes(b"ANCOL0LE" + entry.read_bytes()[8:])
    assert load_seeds(root).comments == parsed.comments
    assert load_seeds(root).comments[1].context == "The post."


def test_a_changed_seed_file_is_parsed_again(tmp_path: Path, own_cache: Path) -> None:
    root = jsonl_project(tmp_path / "project")
    load_seeds(root)
    with (root / "seeds" / "replies.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"text": "A fourth reply."}) + "\n")
    assert [comment.text for comment in load_seeds(root).comments][-1] == "A fourth reply."


def test_a_second_read_of_an_annotation_file_comes_from_the_cache(
    tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "annotations" / "alice.toml"
    path.parent.mkdir()
    path.write_bytes((DATA / "golden" / "alice.toml").read_bytes())
    parsed = AnnotationFile.load(path)

    monkeypatch.setattr(store, "read_canonical", lambda text: pytest.fail("parsed again"))
    cached = AnnotationFile.load(path)
    assert cached.entries == parsed.entries
    assert (cached.lines, cached.excerpts, cached.extra) == (parsed.lines, parsed.excerpts, parsed.extra)
    assert cached.render() == path.read_text("utf-8")


def test_changes_to_a_file_read_from_the_cache_are_written_as_to_one_parsed(
    tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "annotations" / "alice.toml"
    path.parent.mkdir()
    path.write_bytes((DATA / "golden" / "alice.toml").read_bytes())
    AnnotationFile.load(path)
    cached = AnnotationFile.load(path)
    monkeypatch.setenv("ANNOTATOR_CACHE_DIR", "off")
    parsed = AnnotationFile.load(path)
    for labels in (cached, parsed):
        labels.set("0b1c2d3e4f50", None)  # removed
        labels.set("7a8b9c0d1e2f", Annotation("agree"), "A new excerpt")  # changed
        labels.set("00aa", Annotation(topics=("scaling",)), "Added first")
        labels.set("ffff", Annotation(note="only a note"))
        labels.set("ffff", None)  # added, then removed
    assert cached.entries == parsed.entries
    assert cached.entries.as_dict() == dict(parsed.entries.items())  # (what the commands read)
    assert list(cached.entries) == ["7a8b9c0d1e2f", "c3d4e5f60718", "00aa"]
    assert (len(cached.entries), len(cached.excerpts)) == (3, len(parsed.excerpts))
    assert cached.excerpts == parsed.excerpts
    assert cached.render() == parsed.render()
    assert "[comments.0b1c2d3e4f50]" not in cached.render()
    assert "# A new excerpt\n[comments.7a8b9c0d1e2f]\nstance = \"agree\"" in cached.render()


def test_the_labeled_count_is_the_corpus_s_whatever_was_counted_before(tmp_path: Path, own_cache: Path) -> None:
    path = tmp_path / "annotations" / "alice.toml"
    path.parent.mkdir()
    path.write_bytes((DATA / "golden" / "alice.toml").read_bytes())  # 2 labeled entries of 3
    schema = Schema(stance=(Label(name="agree", key="a"), Label(name="disagree", key="d")))
    every = [Comment(comment_id, "text", "seeds/a.txt", 1) for comment_id in ("0b1c2d3e4f50", "7a8b9c0d1e2f",
                                                                              "c3d4e5f60718", "ffff")]
    for _ in range(2):  # (counted, then from the cache)
        assert Session(every, schema, AnnotationFile.load(path)).labeled_count == 2
        assert Session(every[1:], schema, AnnotationFile.load(path)).labeled_count == 1
    store = AnnotationFile.load(path)
    store.set("0b1c2d3e4f50", None)
    store.set("ffff", Annotation("agree"))
    store.set("7a8b9c0d1e2f", Annotation("agree"))
    assert Session(every, schema, store).labeled_count == 2
    assert Session(every[2:], schema, store).labeled_count == 1


def test_a_damaged_labels_entry_is_parsed_again(tmp_path: Path, own_cache: Path) -> None:
    path = tmp_path / "annotations" / "alice.toml"
    path.parent.mkdir()
    path.write_bytes((DATA / "golden" / "alice.toml").read_bytes())
    parsed = AnnotationFile.load(path)
    expected = dict(parsed.entries), dict(parsed.excerpts), dict(parsed.lines)
    (entry,) = own_cache.glob("labels-*")
    whole = entry.read_bytes()
    for damaged in (whole[:len(whole) // 2], whole[:40], b"", whole.replace(b"ANLAB1", b"XXXXXX")):
        entry.unlink()
        entry.write_bytes(damaged)
        again = AnnotationFile.load(path)
        assert (again.entries, again.excerpts, again.lines) == expected
        assert again.render() == path.read_text("utf-8")


def test_a_damaged_cache_entry_is_parsed_again(tmp_path: Path, own_cache: Path) -> None:
    root = jsonl_project(tmp_path / "project")
    parsed = list(load_seeds(root).comments)  # (made now: the entry it reads is damaged below, in place)
    for damage in (b"\x00not columns", b""):
        for entry in own_cache.glob("*.columns"):
            entry.write_bytes(damage)
        assert list(load_seeds(root).comments) == parsed
    for entry in own_cache.glob("*.columns"):  # cut short: every section must be whole
        good = entry.read_bytes()
    for size in (8, len(good) // 2, len(good) - 1):
        entry.write_bytes(good[:size])
        assert list(load_seeds(root).comments) == parsed


def test_a_cache_folder_that_cannot_be_made_only_means_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ANNOTATOR_CACHE_DIR", str(blocker / "cache"))
    root = jsonl_project(tmp_path / "project")
    assert [comment.text for comment in load_seeds(root).comments] == [text.strip() for text in TEXTS]


def test_the_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANNOTATOR_CACHE_DIR", "off")
    assert cache.folder() is None
    root = jsonl_project(tmp_path / "project")
    assert len(load_seeds(root)) == 3


def test_the_most_recently_used_entries_are_kept_up_to_a_size(own_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    payload = "x" * 1000
    monkeypatch.setattr(cache, "KEEP_BYTES", 5500)  # room for five entries of a little over 1,000 bytes
    for number in range(9):
        entry = cache.key("test", str(number).encode())
        cache.save(entry, (number, payload))
        os.utime(entry, ns=(number * 10**9, number * 10**9))  # used in this order, whatever the clock's grain
    assert len(list(own_cache.glob("*.marshal"))) == 5
    assert cache.load(cache.key("test", b"8")) == (8, payload)  # the newest is always kept
    assert cache.load(cache.key("test", b"0")) is None


def _aged(path: Path, seconds: int = 60) -> None:
    """Make `path` look changed `seconds` ago (its change time stays now: see `settled`)."""
    past = os.stat(path).st_mtime_ns - seconds * 10**9
    os.utime(path, ns=(past, past))


def test_a_file_s_digest_is_remembered_once_it_has_settled(
    tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"one")
    expected = cache.key("kind", b"one")
    assert cache.file_key("kind", path) == expected
    assert not list(own_cache.glob("digest-*")), "a file changed just now is not remembered"
    monkeypatch.setattr(cache, "SETTLING_NS", -10**12)  # (as if its change time were long past)
    assert cache.file_key("kind", path) == expected
    assert len(list(own_cache.glob("digest-*"))) == 1
    (memo,) = own_cache.glob("digest-*")
    identity, _ = cache.load(memo)
    cache.save(memo, (identity, "f" * 64))  # what the memo says is taken: the file is not hashed
    assert cache.file_key("kind", path) == own_cache / f"kind-{'f' * 64}.marshal"


def test_a_remembered_digest_is_never_given_for_a_changed_file(
    tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "SETTLING_NS", -10**12)
    path = tmp_path / "a.txt"
    path.write_bytes(b"one")
    _aged(path)
    cache.file_key("kind", path)
    stat = os.stat(path)
    path.write_bytes(b"two")  # the same size, and the same modification time put back: only ctime differs
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert cache.file_key("kind", path) == cache.key("kind", b"two")
    assert cache.file_key("other", path) == cache.key("other", b"two")
