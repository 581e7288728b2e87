"""The labels parsed in a child process at the start: the same labels and the same errors as a
parse in the process, a cache entry when the file is good, and no child where it cannot pay."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from annotator.core import cache
from annotator.core.models import Annotation
from annotator.core.store import AnnotationFile, StoreError, annotation_path
from annotator.core.store import prefetch as prefetch_module
from annotator.core.store.layout import CACHE_KIND
from annotator.core.store.prefetch import Prefetch
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
    assert child is not None
    child.wait()
    assert entry_of(labeled).exists()
    opened = AnnotationFile.open(labeled, "alice")
    assert dict(opened.entries) == dict(expected.entries) and len(opened.entries) == 200
    assert opened.render() == expected.render()
    assert Prefetch.start(labeled, "alice") is None  # (cached now: nothing to do)


def test_a_file_the_child_cannot_read_is_said_by_the_caller_as_before(labeled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = annotation_path(labeled, "alice")
    path.write_text(path.read_text("utf-8").replace('stance = "agree"', 'stance = agree', 1), "utf-8")
    with pytest.raises(StoreError) as without:
        in_process(labeled, monkeypatch)
    child = Prefetch.start(labeled, "alice")
    assert child is not None
    child.wait()
    assert not entry_of(labeled).exists()
    with pytest.raises(StoreError) as after:
        AnnotationFile.open(labeled, "alice")
    assert str(after.value) == str(without.value) and "invalid TOML" in str(after.value)


def test_no_child_where_it_cannot_pay(labeled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert Prefetch.start(labeled, "nobody") is None  # no file yet
    assert Prefetch.start(labeled, "../alice") is None  # a bad name: said by the caller
    with monkeypatch.context() as patch:
        patch.setenv("ANNOTATOR_CACHE_DIR", "off")
        assert Prefetch.start(labeled, "alice") is None
    with monkeypatch.context() as patch:
        patch.setattr(prefetch_module, "_cores", lambda: 1)
        assert Prefetch.start(labeled, "alice") is None
    with monkeypatch.context() as patch:
        patch.setattr(prefetch_module, "MIN_BYTES", annotation_path(labeled, "alice").stat().st_size + 1)
        assert Prefetch.start(labeled, "alice") is None
    assert not entry_of(labeled).exists()


def test_a_child_stopped_leaves_no_process_and_no_half_entry(labeled: Path) -> None:
    child = Prefetch.start(labeled, "alice")
    assert child is not None
    child.stop()
    assert child._process.returncode is not None
    entry = entry_of(labeled)
    assert not entry.exists() or AnnotationFile.open(labeled, "alice").entries  # (done before the kill, or not at all)
    assert not entry.parent.exists() or not [path for path in entry.parent.iterdir() if path.name.endswith(".tmp")]
