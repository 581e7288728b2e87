"""The moments between the steps of a save, one at a time, each found by the kill loop first.

Here a crash is an exception nothing catches (`Crash`, raised right after the step): no code of
the store runs after it, as after SIGKILL, and the next run is a fresh `AnnotationFile.open`.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from annotator.core.store import durable as store_module
from annotator.core.models import Annotation
from annotator.core.store import AnnotationFile, ChangedOnDisk, read_journal, remove_stale_temporaries
from tests.safety.crash_child import Patched

A, B = "aaaaaaaaaaaa", "bbbbbbbbbbbb"


class Crash(BaseException):
    """The process dies here."""


def crash_instead_of(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """The store's function `name` never runs: the process dies just before it."""

    def die(*args, **kwargs):
        raise Crash

    monkeypatch.setattr(store_module, name, die)


def label(stance: str) -> Annotation:
    return Annotation(stance=stance)


@pytest.fixture
def store(tmp_path: Path) -> AnnotationFile:
    (tmp_path / "annotations").mkdir()
    return AnnotationFile.open(tmp_path, "alice")


def reopen(store: AnnotationFile) -> AnnotationFile:
    return AnnotationFile.open(store.path.parent.parent, "alice")


def test_a_crash_between_the_rename_and_the_journal_removal_replays_what_the_file_holds(
    store: AnnotationFile, monkeypatch
) -> None:
    """The app's saver commits, then the annotator changes the label again, then the saver
    compacts: the file gets the newer label. A crash before the journal is removed used to replay
    the older label over it."""
    store.set(A, label("agree"))
    store.commit()
    store.set(A, label("disagree"))  # a key press between the saver's commit and its compaction
    crash_instead_of(monkeypatch, "remove_durably")
    with pytest.raises(Crash):
        store.compact()
    assert AnnotationFile.load(store.path, replay=False).get(A).stance == "disagree"
    assert reopen(store).get(A).stance == "disagree"


def test_a_label_changed_during_a_compaction_does_not_keep_a_stale_journal(store: AnnotationFile, monkeypatch) -> None:
    """A key press while the file is written used to keep the whole journal. After a `git pull`
    changed the file and a crash, its stale records were replayed over the pulled labels."""
    store.set(A, label("agree"))
    store.commit()
    real_write = store_module.atomic_write

    def write_while_labelling(path: Path, text: str, **options) -> None:
        store.set(B, label("neutral"))  # the UI thread, while the saver writes
        real_write(path, text, **options)

    monkeypatch.setattr(store_module, "atomic_write", write_while_labelling)
    store.compact()
    monkeypatch.undo()
    teammate = AnnotationFile.load(store.path, replay=False)  # `git pull` brings a teammate's fix
    teammate.set(A, label("mixed"))
    teammate.write(teammate.render(), force=True)  # (git writes the file, and leaves the journal alone)
    assert store.merge_from_disk().both == []
    store.commit()  # B reaches the journal; then the app is killed
    again = reopen(store)
    assert again.get(A).stance == "mixed"
    assert again.get(B).stance == "neutral"


def test_a_label_committed_during_a_compaction_stays_in_the_journal(store: AnnotationFile, monkeypatch) -> None:
    """The app commits each key press while a compaction writes the file (on another thread):
    that record must outlive the compaction, since the file it writes does not hold the change."""
    store.set(A, label("agree"))
    store.commit()
    real_write = store_module.atomic_write

    def write_while_committing(path: Path, text: str | bytes, **options) -> None:
        if path == store.path:
            store.set(B, label("neutral"))
            store.commit()  # the commit thread, while the saver writes
        real_write(path, text, **options)

    monkeypatch.setattr(store_module, "atomic_write", write_while_committing)
    store.compact()
    monkeypatch.undo()
    assert AnnotationFile.load(store.path, replay=False).get(B) is None  # not in the file...
    assert store.needs_compaction
    records, _ = read_journal(store.journal.read_bytes())
    assert [record.change.comment_id for record in records] == [B]  # ...so in the journal, and only it
    again = reopen(store)  # killed now: nothing is lost
    assert (again.get(A).stance, again.get(B).stance) == ("agree", "neutral")
    store.compact()
    assert not store.journal.exists()
    assert AnnotationFile.load(store.path, replay=False).get(B).stance == "neutral"


def test_a_change_the_file_holds_leaves_no_record_for_a_crash_to_replay(store: AnnotationFile, monkeypatch) -> None:
    """A change not yet committed when a compaction starts goes to the file; a commit during the
    write used to journal it after the mark, and a crash replayed it over a later `git pull`."""
    store.set(A, label("agree"))  # its commit is still on the way when the compaction starts
    real_write = store_module.atomic_write

    def write_while_committing(path: Path, text: str | bytes, **options) -> None:
        if path == store.path:
            store.commit()
        real_write(path, text, **options)

    monkeypatch.setattr(store_module, "atomic_write", write_while_committing)
    store.compact()
    monkeypatch.undo()
    assert not store.journal.exists()
    teammate = AnnotationFile.load(store.path, replay=False)
    teammate.set(A, label("mixed"))
    teammate.write(teammate.render(), force=True)  # `git pull`
    assert store.merge_from_disk().both == []
    assert reopen(store).get(A).stance == "mixed"  # killed now: the pull stands


def test_a_change_made_during_a_compaction_is_merged_against_what_the_file_holds(
    store: AnnotationFile, monkeypatch
) -> None:
    """After a compaction, an entry changed while it wrote must be merged against the value the
    file got, not the one the session started with: else reverting a label was undone by the
    next outside change."""
    store.set(A, label("agree"))
    store.save()
    store.set(A, label("disagree"))
    real_write = store_module.atomic_write

    def write_while_reverting(path: Path, text: str | bytes, **options) -> None:
        if path == store.path:
            store.set(A, label("agree"))  # back to what it was, while the file gets "disagree"
        real_write(path, text, **options)

    monkeypatch.setattr(store_module, "atomic_write", write_while_reverting)
    store.compact()
    monkeypatch.undo()
    assert AnnotationFile.load(store.path, replay=False).get(A).stance == "disagree"
    teammate = AnnotationFile.load(store.path, replay=False)
    teammate.set(B, label("mixed"))  # an outside change to another entry
    teammate.write(teammate.render(), force=True)
    assert store.merge_from_disk().both == []
    assert (store.get(A).stance, store.get(B).stance) == ("agree", "mixed")


def test_a_journal_line_cut_short_does_not_swallow_the_next_record(store: AnnotationFile) -> None:
    store.set(A, label("agree"))
    store.commit()
    with open(store.journal, "ab") as handle:  # a commit cut short by a crash
        handle.write(b'{"id": "bbbbbbbbbbbb", "chunk": "\\n[comments.bbbb')
    again = reopen(store)
    assert "ignored 1 incomplete journal lines" in str(again.warnings[-1])
    again.set(B, label("mixed"))
    again.commit()  # used to be glued to the torn line, and lost with it
    third = reopen(store)
    assert (third.get(A).stance, third.get(B).stance) == ("agree", "mixed")


def test_a_crash_before_the_rename_keeps_the_old_file_and_the_journal(store: AnnotationFile, monkeypatch) -> None:
    store.set(A, label("agree"))
    store.compact()
    before = store.path.read_bytes()
    store.set(B, label("neutral"))
    store.commit()
    real_replace = store_module.os.replace

    def crash_before_replace(source, target):
        raise Crash

    monkeypatch.setattr(store_module.os, "replace", crash_before_replace)
    with pytest.raises(Crash):
        store.compact()
    monkeypatch.setattr(store_module.os, "replace", real_replace)
    assert store.path.read_bytes() == before
    assert reopen(store).get(B).stance == "neutral"


def test_a_change_on_disk_while_the_file_is_written_is_not_replaced(store: AnnotationFile, monkeypatch) -> None:
    """The store checks the file before it writes; a `git pull` during the write itself (the fsync
    of a large file takes a while) used to be replaced unseen."""
    store.set(A, label("agree"))
    store.save()
    real_fsync = os.fsync

    def pull_during_fsync(fd: int) -> None:
        real_fsync(fd)
        store.path.write_text(store.path.read_text("utf-8").replace('"agree"', '"mixed"'), "utf-8")

    store.set(B, label("neutral"))
    store.commit()  # (so that the only fsync left is the file's)
    monkeypatch.setattr(store_module, "os", Patched(os, fsync=pull_during_fsync))
    with pytest.raises(ChangedOnDisk, match="changed on disk while it was being written"):
        store.compact()
    monkeypatch.undo()
    assert AnnotationFile.load(store.path, replay=False).get(A).stance == "mixed"  # the pull, kept
    assert [p.name for p in store.path.parent.glob(".*.tmp")] == []
    assert store.merge_from_disk().both == []  # what the app does next
    store.compact()
    again = reopen(store)
    assert (again.get(A).stance, again.get(B).stance) == ("mixed", "neutral")


def dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_stale_temporary_files_of_dead_processes_are_removed_and_nothing_else(store: AnnotationFile) -> None:
    folder = store.path.parent
    pid = dead_pid()
    names = {
        f".alice.toml.{pid}.k3j_x9q0.tmp": False,  # a killed process's: removed
        f".alice.toml.{os.getpid()}.abcd1234.tmp": True,  # a live process's (ours): kept
        f".bob.toml.{pid}.k3j_x9q0.tmp": True,  # another annotator's file: not ours to judge here
        ".alice.toml.k3j_x9q0.tmp": True,  # not the pattern
        "alice.toml.tmp": True,
        "notes.tmp": True,
    }
    for name in names:
        (folder / name).write_text("partial", "utf-8")
    store.set(A, label("agree"))
    store.save()
    assert {name: (folder / name).exists() for name in names} == names
    assert remove_stale_temporaries(store.path) == []  # idempotent
