"""The output writer at the function level, for the failures a test cannot cause for real as root or
without a full disk: every reason at every step (creating the temporary file, writing, fsync, the
rename) is one line naming the file, and leaves the target as it was and no temporary file.

The real failures, through the console script, are in test_output.py.
"""

from __future__ import annotations

import errno
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.core import output
from annotator.core.errors import AnnotatorError

LINES = [f"line {number}\n" for number in range(3 * output.BATCH)]  # several writes
REASONS = [errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EROFS, errno.EIO]


def reason(code: int) -> str:
    text = os.strerror(code)
    return text[:1].lower() + text[1:]


def failing(code: int):
    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    return fail


def fails_part_way(code: int) -> Iterator[str]:
    """Lines that stop with an `OSError` after some of them are written (as a full disk would)."""
    yield from LINES[: 2 * output.BATCH]
    raise OSError(code, os.strerror(code))


def contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.fixture(params=[False, True], ids=["new file", "replacing a file"])
def target(request, tmp_path: Path) -> Path:
    path = tmp_path / "labels.jsonl"
    if request.param:
        path.write_text("precious\n", "utf-8")
    return path


STEPS = ["temporary file", "writing", "fsync", "rename"]


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("code", REASONS, ids=errno.errorcode.get)
def test_a_failure_at_any_step_is_one_line_and_leaves_no_trace(
    target: Path, monkeypatch, step: str, code: int
) -> None:
    before = contents(target.parent)
    force = target.exists()  # a new file is linked into place, a replaced one renamed
    lines: object = LINES
    if step == "temporary file":
        monkeypatch.setattr(tempfile, "mkstemp", failing(code))
    elif step == "writing":
        lines = fails_part_way(code)
    elif step == "fsync":
        monkeypatch.setattr(os, "fsync", failing(code))
    else:
        monkeypatch.setattr(os, "replace", failing(code))
        monkeypatch.setattr(os, "link", failing(code))
    with pytest.raises(AnnotatorError) as raised:
        output.write_file(lines, target, force)
    assert (str(raised.value), raised.value.hint) == (f"{target}: {reason(code)}", "")
    monkeypatch.undo()
    assert contents(target.parent) == before


def test_without_hard_links_the_file_is_still_written(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(os, "link", failing(errno.EPERM))  # as on a FAT file system
    output.write_file(LINES, tmp_path / "labels.jsonl", force=False)
    assert contents(tmp_path) == {"labels.jsonl": "".join(LINES).encode("utf-8")}


def appears_meanwhile(path: Path, make) -> Iterator[str]:
    """Lines, while `make(path)` puts something at `path` half-way through."""
    yield from LINES[: output.BATCH]
    make(path)
    yield from LINES[output.BATCH :]


def test_a_fifo_that_appears_meanwhile_is_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    with pytest.raises(AnnotatorError, match="is a FIFO"):
        output.write_file(appears_meanwhile(path, os.mkfifo), path, force=True)
    assert path.is_fifo()
    assert [item.name for item in tmp_path.iterdir()] == ["labels.jsonl"]


def test_a_link_that_appears_meanwhile_is_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    with pytest.raises(AnnotatorError, match="is a symbolic link"):
        output.write_file(appears_meanwhile(path, lambda link: link.symlink_to(os.devnull)), path, force=True)
    assert os.readlink(path) == os.devnull


def test_a_file_that_appears_meanwhile_is_kept_without_force(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    with pytest.raises(AnnotatorError, match="already exists"):
        output.write_file(appears_meanwhile(path, lambda file: file.write_text("theirs\n")), path, force=False)
    assert contents(tmp_path) == {"labels.jsonl": b"theirs\n"}


def test_a_killed_run_leaves_a_temporary_file_the_next_one_removes(tmp_path: Path) -> None:
    finished = subprocess.Popen(["true"])
    finished.wait()
    stale = tmp_path / f".labels.jsonl.{finished.pid}.k1ll3d.tmp"
    stale.write_text("half an export")
    ours = tmp_path / f".labels.jsonl.{os.getpid()}.inflight.tmp"  # a live process's write: kept
    ours.write_text("in progress")
    output.write_file(LINES, tmp_path / "labels.jsonl", force=False)
    assert sorted(contents(tmp_path)) == [ours.name, "labels.jsonl"]


class Broken:
    """A binary stream whose every write fails."""

    def __init__(self, error: OSError) -> None:
        self.error = error

    def write(self, data: bytes) -> int:
        raise self.error

    def flush(self) -> None:
        raise self.error


@pytest.mark.parametrize(
    ("error", "message"),
    [(BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE)), f"stdout: {reason(errno.EPIPE)}"),
     (OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), f"stdout: {reason(errno.ENOSPC)}"),
     (OSError("no errno"), "stdout: no errno")],
)
def test_stdout_errors_are_one_line(error: OSError, message: str) -> None:
    with pytest.raises(AnnotatorError) as raised:
        output.write_stdout(LINES, Broken(error))
    assert (str(raised.value), raised.value.hint) == (message, "")
