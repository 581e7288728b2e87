"""The write-ahead journal: every committed change survives a crash; compaction folds it into the file;
changes made on disk by others are merged, never overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.core.models import Annotation
from annotator.core.store import AnnotationFile, ChangedOnDisk
from tests.core.test_store import TEXTS, sample


def test_commit_appends_to_the_journal_and_a_crash_keeps_it(tmp_path: Path) -> None:
    store = sample(tmp_path)
    store.save()
    before = store.path.read_bytes()
    store.set("c3d4e5f60718", Annotation(stance="neutral"), TEXTS["c3d4e5f60718"])
    assert store.commit() == 1
    assert store.path.read_bytes() == before  # the TOML file is not rewritten on each change
    assert store.journal.name == ".alice.journal"
    # The process dies here. The next start replays the journal:
    again = AnnotationFile.open(tmp_path, "alice")
    assert again.get("c3d4e5f60718").stance == "neutral"
    assert [str(w) for w in again.warnings] == [
        "annotations/.alice.journal: warning: recovered 1 unsaved changes from a session that did not finish"
    ]
    again.save()
    assert not again.journal.exists()
    assert AnnotationFile.open(tmp_path, "alice").get("c3d4e5f60718").stance == "neutral"


def test_commit_costs_only_the_changes(tmp_path: Path) -> None:
    store = sample(tmp_path)
    store.save()
    store.set("0b1c2d3e4f50", None)
    store.set("7a8b9c0d1e2f", Annotation(stance="mixed"))
    store.commit()
    lines = store.journal.read_text("utf-8").splitlines()
    assert len(lines) == 2
    assert store.commit() == 0


def test_a_line_cut_short_by_a_crash_is_skipped(tmp_path: Path) -> None:
    store = sample(tmp_path)
    store.save()
    store.set("c3d4e5f60718", Annotation(stance="neutral"))
    store.commit()
    with open(store.journal, "a", encoding="utf-8") as handle:
        handle.write('{"id": "c3d4e5f60718", "chunk": "\\n[comments.c3d4')  # no newline: cut short
    again = AnnotationFile.open(tmp_path, "alice")
    assert again.get("c3d4e5f60718").stance == "neutral"
    assert "ignored 1 incomplete journal lines" in str(again.warnings[-1])


def test_removal_is_journaled_too(tmp_path: Path) -> None:
    store = sample(tmp_path)
    store.save()
    store.set("0b1c2d3e4f50", None)
    store.commit()
    assert AnnotationFile.open(tmp_path, "alice").get("0b1c2d3e4f50") is None


def test_compaction_writes_the_canonical_file(tmp_path: Path) -> None:
    store = sample(tmp_path)
    store.commit()
    assert store.needs_compaction
    store.compact()
    assert not store.needs_compaction
    assert not store.journal.exists()
    assert store.path.read_text("utf-8") == sample(tmp_path / "other").render()


def test_changes_on_disk_are_merged_with_ours(tmp_path: Path) -> None:
    store = sample(tmp_path)
    store.save()
    # Someone else (a git pull) changes two entries and adds one:
    other = AnnotationFile.open(tmp_path, "alice")
    other.set("0b1c2d3e4f50", Annotation(stance="disagree"))
    other.set("c3d4e5f60718", Annotation(stance="mixed"))
    other.set("ffffffffffff", Annotation(stance="agree"), "A new comment from the other branch.")
    other.save()
    # Meanwhile this session changed one of them, and another one:
    store.set("c3d4e5f60718", Annotation(stance="neutral"))
    store.set("7a8b9c0d1e2f", Annotation(stance="agree"))
    with pytest.raises(ChangedOnDisk):
        store.compact()
    assert store.changed_on_disk()
    both = store.merge_from_disk().both
    assert both == ["c3d4e5f60718"]
    store.compact()
    final = AnnotationFile.open(tmp_path, "alice")
    assert final.get("0b1c2d3e4f50").stance == "disagree"  # theirs
    assert final.get("ffffffffffff").stance == "agree"  # theirs, new
    assert final.get("7a8b9c0d1e2f").stance == "agree"  # ours
    assert final.get("c3d4e5f60718").stance == "neutral"  # both: ours kept, and reported


def test_warming_the_cache_changes_nothing_written(tmp_path: Path) -> None:
    store = sample(tmp_path)
    store.save()
    again = AnnotationFile.open(tmp_path, "alice")
    again.warm()
    again.set("c3d4e5f60718", Annotation(stance="neutral"))
    cold = AnnotationFile.load(again.path)
    cold.set("c3d4e5f60718", Annotation(stance="neutral"))
    assert again.render() == cold.render()
