"""A full disk or a read-only file system under `commit()` and `compact()`: the old file stays as it
was, the change stays in memory (and in the journal, when it got there), and a retry succeeds.

The app's side (the message, the retries, the question on quit) is in `tests/tui/test_safety.py`.
Here the failures are injected into the store's own `os` and `tempfile` calls: a write that stops
half way, an fsync, a rename, creating a file.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

import pytest

from annotator.core.store import durable as store_module
from annotator.core.models import Annotation
from annotator.core.store import AnnotationFile
from tests.safety.crash_child import Patched

A, B = "aaaaaaaaaaaa", "bbbbbbbbbbbb"
ENOSPC = (errno.ENOSPC, "No space left on device")
EROFS = (errno.EROFS, "Read-only file system")


class HalfWrites:
    """A file whose `write` puts half of the data on disk, then fails like a full disk."""

    def __init__(self, handle, error: tuple[int, str]) -> None:
        self._handle = handle
        self._error = error

    def write(self, data):
        self._handle.write(data[: len(data) // 2])
        self._handle.flush()
        raise OSError(*self._error)

    def __getattr__(self, name: str):
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._handle.close()


def fail(monkeypatch: pytest.MonkeyPatch, where: str, error: tuple[int, str]) -> None:
    """Make the store's `where` fail with `error`: "write" (half written), "fsync", "replace",
    "create" (opening or creating any file for writing)."""

    def raise_error(*args, **kwargs):
        raise OSError(*error)

    if where == "write":
        monkeypatch.setattr(store_module, "os", Patched(os, fdopen=lambda fd, *a, **k: HalfWrites(os.fdopen(fd, *a, **k), error)))
    elif where == "fsync":
        monkeypatch.setattr(store_module, "os", Patched(os, fsync=raise_error))
    elif where == "replace":
        monkeypatch.setattr(store_module, "os", Patched(os, replace=raise_error))
    elif where == "create":
        monkeypatch.setattr(store_module, "os", Patched(os, open=raise_error))
        monkeypatch.setattr(store_module, "tempfile", Patched(tempfile, mkstemp=raise_error))
    else:
        raise ValueError(where)


@pytest.fixture
def store(tmp_path: Path) -> AnnotationFile:
    """alice's file on disk with one label (A agree), and a new change in memory (B neutral)."""
    (tmp_path / "annotations").mkdir()
    store = AnnotationFile.open(tmp_path, "alice")
    store.set(A, Annotation(stance="agree"), "The first comment.")
    store.save()
    store.set(B, Annotation(stance="neutral"), "The second comment.")
    return store


def reopen(store: AnnotationFile) -> AnnotationFile:
    return AnnotationFile.open(store.path.parent.parent, "alice")


def stray_files(store: AnnotationFile) -> list[str]:
    return sorted(p.name for p in store.path.parent.iterdir() if p.name not in ("alice.toml", ".alice.journal"))


def fails_and_keeps_everything(store: AnnotationFile, monkeypatch, operation, where: str, error: tuple[int, str]) -> None:
    """`operation` fails with `error` at `where`; the old file is whole, the change is in memory,
    and no temporary file is left."""
    before = store.path.read_bytes()
    fail(monkeypatch, where, error)
    with pytest.raises(OSError) as caught:
        operation()
    assert caught.value.errno == error[0]
    monkeypatch.undo()
    assert store.path.read_bytes() == before
    assert store.get(B).stance == "neutral" and store.needs_compaction
    assert stray_files(store) == []


CASES = [(where, error) for where in ("write", "fsync", "replace", "create") for error in (ENOSPC, EROFS)]
IDS = [f"{where}-{errno.errorcode[error[0]]}" for where, error in CASES]
COMMIT_CASES = [case for case in CASES if case[0] != "replace"]  # a commit only appends
COMMIT_IDS = [name for name in IDS if not name.startswith("replace")]


@pytest.mark.parametrize(("where", "error"), COMMIT_CASES, ids=COMMIT_IDS)
def test_a_failing_commit_keeps_the_file_and_the_change_and_succeeds_on_retry(
    store: AnnotationFile, monkeypatch, where: str, error: tuple[int, str]
) -> None:
    fails_and_keeps_everything(store, monkeypatch, store.commit, where, error)
    # Whatever the failed commit left in the journal (half a line, an unsynced line), the next
    # run reads the file and the journal without an error.
    assert reopen(store).get(A).stance == "agree"
    assert store.commit() == 1  # the retry
    assert reopen(store).get(B).stance == "neutral"
    store.compact()
    assert AnnotationFile.load(store.path, replay=False).get(B).stance == "neutral"
    assert not store.journal.exists()


@pytest.mark.parametrize(("where", "error"), CASES, ids=IDS)
@pytest.mark.parametrize("committed", [True, False], ids=["committed", "not-committed"])
def test_a_failing_compaction_keeps_the_file_and_the_change_and_succeeds_on_retry(
    store: AnnotationFile, monkeypatch, where: str, error: tuple[int, str], committed: bool
) -> None:
    if committed:
        store.commit()  # the app's way: in the journal, then compacted
    fails_and_keeps_everything(store, monkeypatch, store.compact, where, error)
    if committed:
        assert reopen(store).get(B).stance == "neutral"  # a crash now loses nothing committed
    store.compact()  # the retry
    again = AnnotationFile.load(store.path, replay=False)
    assert (again.get(A).stance, again.get(B).stance) == ("agree", "neutral")
    assert not store.journal.exists() and not store.needs_compaction
    assert stray_files(store) == []
