"""The parse cache: the same result as parsing, never a stale one, and never in the way."""

from __future__ import annotations

import hashlib
import json
import os
import time
from array import array
from pathlib import Path

import pytest

from annotator.core import cache, seeds
from annotator.core.seeds import load_seeds
from annotator.core.config import Label, Schema
from annotator.core.models import Annotation, Comment
from annotator.core.session import Session
from annotator.core.store import AnnotationFile
from annotator.core.store import layout
from annotator.core.store.columns import MAGIC as LABELS_MAGIC, StoredNotes
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


def test_a_settled_file_is_named_by_its_status_and_a_rewrite_with_its_old_times_is_read_again(
    tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The digest kept by a file's status is never served for other bytes: a rewrite of the same
    size in the middle of the file (outside the ends the status samples), its modification time
    put back, still changes the file's change time."""
    monkeypatch.setattr(cache, "SETTLED_NS", -(10**12))  # (every file counts as settled)
    seed = tmp_path / "a.txt"
    one, two = b"x" * 200_000 + b"one\n" + b"y" * 200_000, b"x" * 200_000 + b"two\n" + b"y" * 200_000
    seed.write_bytes(one)
    first = cache.file_key("seeds-txt", seed)
    assert first == cache.key("seeds-txt", one) and len(list(own_cache.glob("status-*"))) == 1
    hashed = []
    sha256 = hashlib.sha256
    monkeypatch.setattr(cache.hashlib, "sha256", lambda data=b"": hashed.append(data) or sha256(data))
    assert cache.file_key("seeds-txt", seed) == first
    assert not [data for data in hashed if data.startswith(b"seeds-txt\0")], "the file was hashed again"
    old = seed.stat()
    time.sleep(0.05)  # (past the clock tick of the first write: this test turned the settling off)
    seed.write_bytes(two)
    os.utime(seed, ns=(old.st_atime_ns, old.st_mtime_ns))
    new = seed.stat()
    assert (new.st_ino, new.st_size, new.st_mtime_ns) == (old.st_ino, old.st_size, old.st_mtime_ns)
    assert cache.file_key("seeds-txt", seed) == cache.key("seeds-txt", two)


def test_a_file_read_after_its_key_is_hashed_once_and_never_named_by_a_stale_digest(
    tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`read_keyed` after `file_key` (a parse after a miss) takes the digest by the status the
    file has as it is read: no second hash of a settled file, and the bytes' own key after any
    write since."""
    monkeypatch.setattr(cache, "SETTLED_NS", -(10**12))  # (every file counts as settled)
    seed = tmp_path / "a.txt"
    one, two = b"x" * 200_000 + b"one\n" + b"y" * 200_000, b"x" * 200_000 + b"two\n" + b"y" * 200_000
    seed.write_bytes(one)
    first = cache.file_key("seeds-txt", seed)
    hashed = []
    sha256 = hashlib.sha256
    monkeypatch.setattr(cache.hashlib, "sha256", lambda data=b"": hashed.append(data) or sha256(data))
    assert cache.read_keyed("seeds-txt", seed) == (one, first)
    assert not [data for data in hashed if data.startswith(b"seeds-txt\0")], "the file was hashed again"
    old = seed.stat()
    time.sleep(0.05)
    seed.write_bytes(two)
    os.utime(seed, ns=(old.st_atime_ns, old.st_mtime_ns))
    assert cache.read_keyed("seeds-txt", seed) == (two, cache.key("seeds-txt", two))
    monkeypatch.setenv("ANNOTATOR_CACHE_DIR", "off")
    assert cache.read_keyed("seeds-txt", seed) == (two, None)


def test_a_file_changed_in_the_last_seconds_is_hashed_every_time(tmp_path: Path, own_cache: Path) -> None:
    seed = tmp_path / "a.txt"
    seed.write_text("one\n", "utf-8")
    assert cache.file_key("seeds-txt", seed) == cache.key("seeds-txt", b"one\n")
    assert not list(own_cache.glob("status-*"))


def test_a_second_read_of_an_annotation_file_comes_from_the_cache(
    tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "annotations" / "alice.toml"
    path.parent.mkdir()
    path.write_bytes((DATA / "golden" / "alice.toml").read_bytes())
    parsed = AnnotationFile.load(path)

    monkeypatch.setattr(layout, "read_canonical", lambda text: pytest.fail("parsed again"))
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


SCHEMA = Schema(stance=(Label(name="agree", key="a"), Label(name="disagree", key="d")))


def golden_alice(root: Path) -> tuple[Path, Schema]:
    """alice's golden file (2 labeled entries of 3) under `root`, and a schema for it."""
    path = root / "annotations" / "alice.toml"
    path.parent.mkdir()
    path.write_bytes((DATA / "golden" / "alice.toml").read_bytes())
    return path, SCHEMA


def test_the_labeled_count_is_the_corpus_s_whatever_was_counted_before(tmp_path: Path, own_cache: Path) -> None:
    path, schema = golden_alice(tmp_path)
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


def test_the_labeled_positions_are_the_corpus_s_whatever_was_found_before(tmp_path: Path, own_cache: Path) -> None:
    """What the "mine" view counts: 1 where the comment at that position is labeled."""
    path, schema = golden_alice(tmp_path)
    every = [Comment(comment_id, "text", "seeds/a.txt", 1) for comment_id in ("ffff", "c3d4e5f60718",
                                                                              "7a8b9c0d1e2f", "0b1c2d3e4f50")]
    for _ in range(2):  # (found, then from the cache)
        assert Session(every, schema, AnnotationFile.load(path)).labeled_positions() == bytearray([0, 0, 1, 1])
        assert Session(every[2:3], schema, AnnotationFile.load(path)).labeled_positions() == bytearray([1])
    store = AnnotationFile.load(path)
    store.set("0b1c2d3e4f50", None)
    store.set("ffff", Annotation("agree"))
    session = Session(every, schema, store)
    assert session.labeled_positions() == bytearray([1, 0, 1, 0])
    assert [session.is_labeled(position) for position in range(4)] == [True, False, True, False]


def test_a_damaged_labels_entry_is_parsed_again(tmp_path: Path, own_cache: Path) -> None:
    path = tmp_path / "annotations" / "alice.toml"
    path.parent.mkdir()
    path.write_bytes((DATA / "golden" / "alice.toml").read_bytes())
    parsed = AnnotationFile.load(path)
    expected = dict(parsed.entries), dict(parsed.excerpts), dict(parsed.lines)
    (entry,) = own_cache.glob("labels-*")
    whole = entry.read_bytes()
    assert whole.startswith(LABELS_MAGIC)
    flipped = [whole[:at] + bytes([whole[at] ^ 1 << at % 8]) + whole[at + 1:] for at in range(0, len(whole), 7)]
    for damaged in (whole[:len(whole) // 2], whole[:40], b"", b"X" * len(LABELS_MAGIC) + whole[len(LABELS_MAGIC):], *flipped):
        entry.unlink()
        entry.write_bytes(damaged)
        again = AnnotationFile.load(path)
        assert again.entries == expected[0]  # (a damaged excerpt or line number, read in place, shows as it is)
        if damaged in flipped:
            continue
        assert (again.excerpts, again.lines) == expected[1:]
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
    for at in range(len(good)):  # a damaged byte anywhere: never an error, never comments misplaced
        entry.write_bytes(good[:at] + bytes([good[at] ^ 1 << at % 8]) + good[at + 1:])
        read = list(load_seeds(root).comments)
        assert [(c.id, c.line, c.meta) for c in read] == [(c.id, c.line, c.meta) for c in parsed]
        assert sum(a != b for a, b in zip(read, parsed)) <= 1


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


def test_a_temporary_file_left_by_a_kill_goes_once_it_is_an_hour_old(own_cache: Path) -> None:
    """A write cut short by a kill leaves its temporary file; the next entry written removes it
    once no write can still be making it."""
    own_cache.mkdir(parents=True, exist_ok=True)
    old, recent = own_cache / ".abc.tmp", own_cache / ".def.tmp"
    for path in (old, recent):
        path.write_bytes(b"half an entry")
    os.utime(old, (time.time() - cache.STALE_SECONDS - 60,) * 2)
    cache.save(cache.key("test", b"one"), "value")
    assert not old.exists() and recent.exists()


def test_notes_read_from_the_cache_are_the_files_one_by_one_and_all_at_once(
    tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [f"c{index:03}" for index in range(60)]
    notes = {0: "first", 7: "déjà vu: ünïcode", 8: 'says "no"', 31: "a\ttab", 59: "last"}
    labels = AnnotationFile.open(tmp_path, "alice")
    for position, comment_id in enumerate(ids):
        labels.set(comment_id, Annotation("agree", note=notes.get(position)), f"text {position}")
    labels.save(force=True)
    path = labels.path
    with monkeypatch.context() as uncached:
        uncached.setenv("ANNOTATOR_CACHE_DIR", "off")
        parsed = AnnotationFile.load(path)
    assert parsed.entries.columns is not None and type(parsed.entries.columns.notes) is dict
    cached = AnnotationFile.load(path)  # (parsed, cached, and read back from the cache entry)
    columns = cached.entries.columns
    assert columns is not None and type(columns.notes) is StoredNotes
    assert [cached.get(comment_id).note for comment_id in ids] == [notes.get(position) for position in range(60)]
    assert [entry.note for entry in columns.every_entry()] == [notes.get(position) for position in range(60)]
    assert cached.entries == parsed.entries
    assert cached.render() == path.read_text("utf-8")


@pytest.mark.parametrize("block", [7, 100, 4096])
def test_a_labels_file_read_a_block_at_a_time_is_cached_as_it_parses_whole(
    tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    labels = AnnotationFile.open(tmp_path, "alice")
    for index in range(40):
        entry = Annotation("agree" if index % 3 else None, ("t1",) if index % 2 else (), note="déjà" if index % 7 == 0 else None)
        labels.set(f"c{index:03}", entry, f"excerpt {index} …" if index % 5 else f"excerpt {index}")
    labels.save(force=True)
    path = labels.path
    text = path.read_text("utf-8")
    monkeypatch.setattr(cache, "BLOCK_BYTES", block)
    for written in (text, "\ufeff" + text):  # (a file an editor gave a byte order mark)
        for entry in own_cache.glob("labels-*"):
            entry.unlink()
        path.write_text(written, "utf-8")
        assert layout.cache_columns(path)
        with monkeypatch.context() as patched:
            patched.setattr(layout, "read_canonical", lambda text: pytest.fail("parsed again"))
            cached = AnnotationFile.load(path)
        whole = layout.read_canonical(text)
        assert whole is not None
        assert cached.entries == whole.entries
        assert (dict(cached.lines), dict(cached.excerpts)) == (dict(whole.lines), dict(whole.excerpts))
    for entry in own_cache.glob("labels-*"):
        entry.unlink()
    path.write_text(text + "\n[comments.zz]\nstance = 'agree'\ntopics = []\nflagged = false\n", "utf-8")
    assert not layout.cache_columns(path)  # (a hand edit in a later block: parsed by tomllib when read)
    assert not list(own_cache.glob("labels-*"))


def test_a_labels_entry_whose_notes_do_not_add_up_is_parsed_again(
    tmp_path: Path, own_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    labels = AnnotationFile.open(tmp_path, "alice")
    for index, note in enumerate(["one", None, "three"]):
        labels.set(f"c{index}", Annotation("agree", note=note), f"text {index}")
    labels.save(force=True)
    sections = StoredNotes.sections
    monkeypatch.setattr(StoredNotes, "sections", staticmethod(
        lambda notes: sections(notes) | {"note_texts": sections(notes)["note_texts"][:-1]}))  # (checksummed as written)
    AnnotationFile.load(labels.path)  # (parsed, and its entry written)
    assert list(own_cache.glob("labels-*"))
    again = AnnotationFile.load(labels.path)
    assert type(again.entries.columns.notes) is dict  # (the entry was not used: the file was parsed)
    assert [again.get(f"c{index}").note for index in range(3)] == ["one", None, "three"]


def test_damaged_counts_in_the_cache_are_worked_out_again(tmp_path: Path, own_cache: Path) -> None:
    """The count of labeled comments and where each entry's comment is, kept in the parse cache
    by the labels' entry and the corpus, are checked as they are read: a damaged one (a flipped
    bit, or one kept as an earlier version wrote it) is worked out again, not shown or used."""
    root = tmp_path / "p"
    (root / "seeds").mkdir(parents=True)
    (root / "seeds" / "a.txt").write_text("one\ntwo\nthree\n")
    corpus = load_seeds(root).comments
    ids = corpus.ids.all()
    labels = AnnotationFile.open(root, "alice")
    for comment_id in ids[:2]:
        labels.set(comment_id, Annotation("agree"), "excerpt")
    labels.save(force=True)
    AnnotationFile.load(labels.path)  # (parsed, and its entry written)
    columns = AnnotationFile.load(labels.path).entries.columns
    assert columns is not None and columns.source is not None
    digest = corpus.ids_digest()
    truth = (2, sorted(map(corpus.positions().__getitem__, columns.ids)))
    assert (columns.labeled_among(digest, corpus.locate), sorted(columns.positions_in(corpus.locate, digest))) == truth
    counted = cache.key("labeled", b"%s\0%s" % (columns.source.encode(), digest))
    placed = cache.key("positions", b"%s\0%s" % (columns.source.encode(), digest))
    for count, positions in [((3, 0), (array("i", [0, 7]).tobytes(), 0)),  # (checks that do not match)
                             (3, array("i", [0, 7]).tobytes())]:  # (as kept before they had checks)
        cache.save(counted, count)
        cache.save(placed, positions)
        fresh = AnnotationFile.load(labels.path).entries.columns
        assert (fresh.labeled_among(digest, corpus.locate), sorted(fresh.positions_in(corpus.locate, digest))) == truth
