"""The seeds and labels parsed in child processes at the start: the same comments, labels and
errors as a parse in the process, a cache entry when the file is good, and no child where it
cannot pay."""

from __future__ import annotations

import gc
import os
import select
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from annotator.core import cache
from annotator.core.models import Annotation
from annotator.core import seeds as seeds_module
from annotator.core.columns import SeedColumns
from annotator.core.seeds import SeedError, load_seeds
from annotator.core.store import AnnotationFile, StoreError, annotation_path
from annotator.core import prefetch as prefetch_module
from annotator.core.store.layout import CACHE_KIND
from annotator.core.prefetch import STOP_SECONDS, Prefetch
from tests.conftest import make_project

WHEN = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def labeled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project whose alice has 200 labels, in a cache folder of its own; any file is large
    enough for a child."""
    monkeypatch.setenv("ANNOTATOR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(prefetch_module, "MIN_BYTES", 0)
    root = make_project(tmp_path / "project", {"a.txt": "".join(f"Comment number {n}.\n" for n in range(200))})
    store = AnnotationFile.open(root, "alice")
    for number in range(200):
        topics = ("scaling",) if number % 3 else ()
        store.set(f"id{number:04d}", Annotation(stance="agree" if number % 2 else "disagree", topics=topics,
                                              note="a note" if number == 7 else "", updated=WHEN),
                  f"Comment number {number}.")
    store.save()
    return root


def entry_of(root: Path) -> Path:
    entry = cache.file_key(CACHE_KIND, annotation_path(root, "alice"), ".columns")
    assert entry is not None
    return entry


def in_process(root: Path, monkeypatch: pytest.MonkeyPatch) -> AnnotationFile:
    with monkeypatch.context() as patch:
        patch.setenv("ANNOTATOR_CACHE_DIR", "off")
        return AnnotationFile.open(root, "alice")


def test_the_child_caches_the_labels_a_parse_in_the_process_gives(labeled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = in_process(labeled, monkeypatch)
    assert not entry_of(labeled).exists()
    child = Prefetch.start(labeled, "alice")
    assert child._labels is not None
    child.wait()
    assert entry_of(labeled).exists()
    opened = AnnotationFile.open(labeled, "alice")
    assert dict(opened.entries) == dict(expected.entries) and len(opened.entries) == 200
    assert opened.render() == expected.render()
    written = entry_of(labeled).stat().st_mtime_ns
    again = Prefetch.start(labeled, "alice")  # (cached now: the child finds it so, and ends)
    again.wait()
    assert again._labels is not None and again._labels.returncode == 0
    assert entry_of(labeled).stat().st_mtime_ns == written


def test_after_a_session_a_child_left_running_caches_the_file_as_it_left_it(labeled: Path) -> None:
    """The next start reads the labels from the cache, though the session changed the file."""
    load_seeds(labeled)  # (a start after a session: the seeds are cached)
    store = AnnotationFile.open(labeled, "alice")
    store.set("id0003", Annotation(stance="mixed", updated=WHEN), "Comment number 3.")
    store.save()
    assert not entry_of(labeled).exists()
    Prefetch.leave(labeled, "alice")
    deadline = time.monotonic() + 30
    while not entry_of(labeled).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert entry_of(labeled).exists()
    assert AnnotationFile.open(labeled, "alice").get("id0003").stance == "mixed"


def test_after_a_session_the_next_start_finds_the_entry_without_hashing_the_file(labeled: Path) -> None:
    """The child left running waits until the file has settled, then keeps its digest by its
    status: the next start reads the entry's name from there (hashing 210 MB at a million
    entries took 0.2-0.35 s before its first usable frame)."""
    load_seeds(labeled)
    store = AnnotationFile.open(labeled, "alice")
    store.set("id0003", Annotation(stance="mixed", updated=WHEN), "Comment number 3.")
    store.save()
    path = annotation_path(labeled, "alice")
    expected = cache.key(CACHE_KIND, path.read_bytes(), ".columns")  # (hashed here: nothing kept by status)
    assert cache.known_key(CACHE_KIND, path, ".columns") is None
    Prefetch.leave(labeled, "alice")
    deadline = time.monotonic() + 15
    while not (cache.known_key(CACHE_KIND, path, ".columns") and expected.exists()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert cache.known_key(CACHE_KIND, path, ".columns") == expected
    assert expected is not None and expected.exists()


def test_a_file_the_child_cannot_read_is_said_by_the_caller_as_before(labeled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = annotation_path(labeled, "alice")
    path.write_text(path.read_text("utf-8").replace('stance = "agree"', 'stance = agree', 1), "utf-8")
    with pytest.raises(StoreError) as without:
        in_process(labeled, monkeypatch)
    child = Prefetch.start(labeled, "alice")
    assert child._labels is not None
    child.wait()
    assert not entry_of(labeled).exists()
    with pytest.raises(StoreError) as after:
        AnnotationFile.open(labeled, "alice")
    assert str(after.value) == str(without.value) and "invalid TOML" in str(after.value)


def labels_child(root: Path, annotator: str | None) -> object:
    prefetch = Prefetch.start(root, annotator)
    prefetch.wait()
    return prefetch._labels


def no_child(root: Path, annotator: str | None) -> bool:
    return not Prefetch.start(root, annotator)._children()


def test_no_child_where_it_cannot_pay(labeled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert labels_child(labeled, "nobody") is None  # no file yet
    assert labels_child(labeled, "../alice") is None  # a bad name: said by the caller
    assert labels_child(labeled, None) is None  # not known yet: the app asks
    with monkeypatch.context() as patch:
        patch.setenv("ANNOTATOR_CACHE_DIR", "off")
        assert no_child(labeled, "alice")
    with monkeypatch.context() as patch:
        patch.setattr(prefetch_module, "cores", lambda: 1)
        assert no_child(labeled, "alice")
    with monkeypatch.context() as patch:
        patch.setattr(prefetch_module, "MIN_BYTES", annotation_path(labeled, "alice").stat().st_size + 1)
        assert no_child(labeled, "alice")  # (the seeds are smaller still)
    assert not entry_of(labeled).exists()


def test_a_name_asked_for_while_the_seeds_are_read_adds_the_labels_child(labeled: Path) -> None:
    seeds = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # (a seeds' child at work)
    prefetch = Prefetch(seeds, None, named=False)
    try:
        prefetch.add_labels(labeled, "alice")
        assert prefetch._labels is not None
        prefetch._labels.wait()
    finally:
        prefetch.stop()
    assert prefetch._labels.returncode == 0 and entry_of(labeled).exists()
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    late = Prefetch(done, None, named=False)  # (the seeds' child done when the name comes: the app reads the labels)
    late.add_labels(labeled, "alice")
    assert late._labels is None
    named = Prefetch.start(labeled, "alice")  # (known at the start: nothing to add later)
    labels = named._labels
    named.add_labels(labeled, "alice")
    assert named._labels is labels
    named.wait()


def test_the_seeds_child_caches_the_comments_a_parse_in_the_process_gives(
    labeled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        patch.setenv("ANNOTATOR_CACHE_DIR", "off")
        expected = load_seeds(labeled)
    prefetch = Prefetch.start(labeled, None)
    assert prefetch._seeds is not None
    prefetch.wait_for_seeds()
    assert prefetch._seeds.returncode == 0
    with monkeypatch.context() as patch:  # (read from the cache: no parse here)
        patch.setattr(seeds_module, "parse_seeds", None)
        corpus = load_seeds(labeled)
    assert isinstance(corpus.comments, SeedColumns)
    assert list(corpus.comments) == list(expected.comments) and len(corpus.comments) == 200


def test_seeds_the_child_cannot_read_are_said_by_the_app_as_before(labeled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (labeled / "seeds" / "b.jsonl").write_text('{"text": "fine"}\n{"text": ""}\n', "utf-8")
    with monkeypatch.context() as patch:
        patch.setenv("ANNOTATOR_CACHE_DIR", "off")
        with pytest.raises(SeedError) as without:
            load_seeds(labeled)
    prefetch = Prefetch.start(labeled, None)
    assert prefetch._seeds is not None
    prefetch.wait()
    assert prefetch._seeds.returncode == 1
    with pytest.raises(SeedError) as after:
        load_seeds(labeled)
    assert str(after.value) == str(without.value) and "b.jsonl:2" in str(after.value)


@pytest.mark.parametrize("settled", [True, False])
def test_with_everything_cached_no_child_or_one_that_ends_writing_nothing(
    labeled: Path, monkeypatch: pytest.MonkeyPatch, settled: bool
) -> None:
    """A start with the seeds and labels cached (every start but the first): files whose digest
    the cache knows by their status start no child; others (changed in the last seconds) start
    children that find them cached and end."""
    monkeypatch.setattr(cache, "SETTLED_NS", 0 if settled else 10**12)  # (forked from here, the children have it too)
    first = Prefetch.start(labeled, "alice")
    first.wait()
    if settled:  # (the digests kept by status here, however the children were started)
        cache.file_key(CACHE_KIND, annotation_path(labeled, "alice"), ".columns")
        cache.file_key("seeds-txt", labeled / "seeds" / "a.txt", ".columns")
    entries = written_entries(labeled)
    again = Prefetch.start(labeled, "alice")
    if settled:
        assert not again._children()
    else:
        again.wait()
        assert [child.returncode for child in again._children()] == [0, 0]
    assert written_entries(labeled) == entries


def written_entries(root: Path) -> dict[Path, int]:
    """The entries of parsed files in the cache, with their sizes (not their times: a read
    touches an entry)."""
    return {path: path.stat().st_size for path in (root.parent / "cache").glob("*.columns")}


def test_a_file_over_the_size_limit_is_not_even_hashed(labeled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANNOTATOR_MAX_FILE_MB", "0.001")
    hashed = []
    monkeypatch.setattr(cache, "file_key", lambda *args: hashed.append(args))
    assert labels_child(labeled, "alice") is None and not hashed


CHILD = """
import sys, time
from pathlib import Path
from annotator.core import cache
from annotator.core import prefetch

def writing(path):
    def write(handle):
        handle.write(b"half an entry")
        handle.flush()
        print("writing", flush=True)
        time.sleep(30)
    return cache.save_columns(Path(sys.argv[2]), write)

prefetch.cache_columns = writing
sys.exit(prefetch.main(["labels", sys.argv[1]]))
"""


def test_a_child_stopped_while_it_writes_leaves_no_temporary_file(labeled: Path, tmp_path: Path) -> None:
    """Asked to end while it writes its entry, the child removes the temporary file and ends at
    once (the app stops it when it quits during the start)."""
    folder = tmp_path / "cache"
    folder.mkdir(exist_ok=True)
    entry = folder / "labels-0.columns"
    process = subprocess.Popen([sys.executable, "-P", "-c", CHILD, str(annotation_path(labeled, "alice")), str(entry)],
                               stdout=subprocess.PIPE, cwd=Path(__file__).resolve().parents[2])
    assert process.stdout is not None and process.stdout.readline() == b"writing\n"
    assert [path.name.endswith(".tmp") for path in folder.iterdir()] == [True]
    started = time.monotonic()
    Prefetch(None, process).stop()
    assert process.returncode == 1 and time.monotonic() - started < STOP_SECONDS
    assert list(folder.iterdir()) == []


def test_after_a_session_the_child_also_counts_the_labels_among_the_comments(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The next start counts the labeled comments, and finds where each entry's comment is, in
    the cache: the child left running after a session worked them out (a start looks up every id
    for them: over a second at a million comments)."""
    monkeypatch.setenv("ANNOTATOR_CACHE_DIR", str(tmp_path / "cache"))
    root = make_project(tmp_path / "project", {"a.txt": "".join(f"Comment number {n}.\n" for n in range(200))})
    comments = load_seeds(root).comments  # (cached: as at a start after a session)
    store = AnnotationFile.open(root, "alice")
    for number in range(0, 200, 3):
        store.set(comments[number].id, Annotation(stance="agree", updated=WHEN), comments[number].text)
    store.set("not-a-comment", Annotation(stance="agree", updated=WHEN), "An entry for no comment.")
    store.save()
    terminate = signal.getsignal(signal.SIGTERM)
    try:
        assert prefetch_module.main(["labels", str(annotation_path(root, "alice"))]) == 0
    finally:  # (the child's settings, not this process's: the tests after this one collect as usual)
        gc.enable()
        signal.signal(signal.SIGTERM, terminate)
    corpus = load_seeds(root).comments
    opened = AnnotationFile.open(root, "alice")

    def never(ids):
        pytest.fail("every id looked up")

    assert opened.entries.labeled_among(corpus.ids_digest(), never, lambda key: True) == 67
    positions, _ = opened.entries.labeled_positions(never, corpus.ids_digest(), corpus.find)
    assert sorted(positions) == list(range(0, 200, 3))


def test_a_child_forked_at_the_start_and_stopped_while_it_writes_leaves_no_temporary_file(
    labeled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the start the app is one thread, and its children are forked from it (no interpreter
    to start, no imports): stopped while writing, such a child too removes its temporary file
    and ends at once, and the terminal is not its own."""
    folder = tmp_path / "cache"
    marker = tmp_path / "writing"

    def writing(path: Path) -> bool:
        def write(handle) -> None:
            handle.write(b"half an entry")
            handle.flush()
            quiet = all(os.path.samestat(os.fstat(descriptor), os.stat(os.devnull)) for descriptor in (0, 1, 2))
            marker.write_text(f"{os.getsid(0)} {'no terminal' if quiet else 'a terminal'}")
            time.sleep(30)
        return cache.save_columns(folder / "labels-0.columns", write)

    monkeypatch.setattr(prefetch_module, "cache_columns", writing)
    monkeypatch.setattr(prefetch_module, "_seeds_worth_a_child", lambda root: True)
    reader, writer = os.pipe()  # (as a harness's pipe, which waits for the app's end)
    prefetch = Prefetch.start(labeled, "alice")
    try:
        os.close(writer)
        assert isinstance(prefetch._labels, prefetch_module.Forked)
        deadline = time.monotonic() + 10
        while not marker.exists() or not marker.read_text():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        session, terminal = marker.read_text().split(" ", 1)
        assert int(session) == prefetch._labels.pid and terminal == "no terminal"
        assert select.select([reader], [], [], 5)[0] and os.read(reader, 1) == b""  # (no child holds it open)
        assert any(path.name.endswith(".tmp") for path in folder.iterdir())
        started = time.monotonic()
    finally:
        prefetch.stop()
        os.close(reader)
    assert prefetch._labels.returncode == 1 and time.monotonic() - started < STOP_SECONDS
    assert not [path.name for path in folder.iterdir() if path.name.endswith(".tmp")]


def test_with_another_thread_running_the_children_are_new_interpreters_and_cache_the_same(
    labeled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fork copies one thread of a process, and a lock another thread held stays held in the
    child: with other threads at work the children are started afresh."""
    import threading

    expected = in_process(labeled, monkeypatch)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        prefetch = Prefetch.start(labeled, "alice")
    finally:
        stop.set()
        other.join()
    assert isinstance(prefetch._labels, subprocess.Popen)
    prefetch.wait()
    assert prefetch._labels.returncode == 0 and entry_of(labeled).exists()
    assert AnnotationFile.open(labeled, "alice").render() == expected.render()


def test_children_reaped_by_the_system_do_not_stop_the_start(labeled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An app started with SIGCHLD ignored (its parent's setting, kept across an exec) has its
    children reaped by the system: waiting for them must not fail, and the app then finds the
    entries they wrote."""
    before = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        prefetch = Prefetch.start(labeled, "alice")
        assert isinstance(prefetch._labels, prefetch_module.Forked)
        prefetch.wait_for_seeds()
        prefetch.wait()
        prefetch.stop()
    finally:
        signal.signal(signal.SIGCHLD, before)
    assert entry_of(labeled).exists()
    assert AnnotationFile.open(labeled, "alice").render() == in_process(labeled, monkeypatch).render()


@pytest.mark.parametrize("released_by", ["go_on", "its own deadline"])
def test_for_a_large_corpus_the_labels_child_waits_for_the_first_screen(
    labeled: Path, monkeypatch: pytest.MonkeyPatch, released_by: str
) -> None:
    """Seeds large enough for the app's first screen at once: the labels' child, forked with the
    seeds', parses nothing until the app says its first screen is drawn (`go_on`), or until
    `LABELS_HELD` has passed; then it caches the labels as always."""
    monkeypatch.setattr(prefetch_module, "_seeds_worth_a_child", lambda root: prefetch_module.FIRST_SCREEN_AT_ONCE)
    monkeypatch.setattr(prefetch_module, "LABELS_HELD", 30.0 if released_by == "go_on" else 0.5)
    prefetch = Prefetch.start(labeled, "alice")
    try:
        assert isinstance(prefetch._labels, prefetch_module.Forked)
        if released_by == "go_on":
            time.sleep(0.5)
            assert prefetch._labels.poll() is None and not entry_of(labeled).exists()  # (waiting)
            prefetch.go_on()
        assert prefetch._labels.wait(10) == 0
        assert entry_of(labeled).exists()
    finally:
        prefetch.stop()
