"""Durable file operations: atomic replacement, fsynced appends and removals, and noticing that
something else changed a file. Nothing here knows the annotation format."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from annotator.core.errors import AnnotatorError


class ChangedOnDisk(AnnotatorError):
    """The file was changed by something else since it was read: writing would lose that change."""


@dataclass(frozen=True, slots=True)
class DiskState:
    """What a file looked like when it was last read or written, to notice changes by others."""

    mtime_ns: int
    size: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> DiskState | None:
        try:
            stat = path.stat()
        except FileNotFoundError:
            return None
        return cls(stat.st_mtime_ns, stat.st_size, stat.st_ino)


def size(path: Path) -> int:
    """The size of `path` in bytes, 0 when it does not exist."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def append_durably(path: Path, text: str) -> None:
    """Append `text` to `path` and fsync it (and its folder, when the file is new).

    If the file does not end with a line end (a write cut short by a crash), `text` starts on a
    new line, so that the torn line is skipped alone and never swallows the first new record.
    """
    new = not path.exists()
    # Never through a symbolic link: a link planted in a repository must not make us write elsewhere.
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
    with os.fdopen(fd, "a+b") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size:
            handle.seek(size - 1)
            if handle.read(1) != b"\n":
                text = "\n" + text
        handle.write(text.encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())
    if new:
        _fsync_folder(path.parent)


def remove_durably(path: Path) -> None:
    """Remove `path` if it exists, and make the removal durable."""
    try:
        path.unlink()
    except FileNotFoundError:
        return
    _fsync_folder(path.parent)


_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write(
    path: Path, text: str | bytes | bytearray | memoryview | Iterable[bytes], before_replace: Callable[[], None] | None = None
) -> None:
    """Replace `path` with `text` (UTF-8, or bytes as they are, or pieces of bytes written one
    after the other, perhaps made as they are written): a temporary file in the same folder,
    flushed, fsynced, renamed.

    A crash at any moment leaves the old file or the new one, never a mix; on failure the
    temporary file is removed and the old file is untouched. The temporary file is named
    `.<name>.<pid>.<random>.tmp`: one that a killed process left behind is removed by
    `remove_stale_temporaries` (the store calls it after every write). If something else writes
    `path` meanwhile, it raises `ChangedOnDisk` rather than replace that.
    """
    before = DiskState.of(path)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(text, (str, bytes, bytearray, memoryview)):
                handle.write(text.encode("utf-8") if isinstance(text, str) else text)
            else:
                _write_in_batches(handle, text)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o666 & ~_UMASK
        os.chmod(temporary, mode)
        if before_replace is not None:
            before_replace()  # the caller's last word: it may raise, and nothing is replaced
        if DiskState.of(path) != before:  # written by someone else meanwhile (a `git pull`)
            raise ChangedOnDisk(
                f"{path.parent.name}/{path.name}: changed on disk while it was being written; not replaced",
                hint="read it again before saving, so that neither change is lost",
            )
        os.replace(temporary, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_folder(path.parent)


def _write_in_batches(handle: BinaryIO, parts: Iterable[bytes], batch: int = 512) -> None:
    """Write `parts` joined `batch` at a time: each join is short, and each write lets other
    threads run (a thread that joins a whole large file holds the interpreter meanwhile). A long
    part (a slice of many entries) is written as it is, never copied into a join."""
    pending: list[bytes] = []
    for part in parts:
        if len(part) >= LONG_PART:
            handle.write(b"".join(pending))
            pending = []
            handle.write(part)
            continue
        pending.append(part)
        if len(pending) == batch:
            handle.write(b"".join(pending))
            pending = []
    handle.write(b"".join(pending))


LONG_PART = 1 << 16  # bytes: a part this long is written alone


def remove_stale_temporaries(path: Path) -> list[str]:
    """Remove the temporary files `atomic_write` left beside `path` in processes that died before
    their rename (a kill, a power cut), and return their names. Only files named as `atomic_write`
    names them, whose process is gone, are touched: a live process's write in progress keeps its
    file. Never raises: a file it cannot remove stays."""
    if os.name != "posix":  # no cheap, safe way to ask whether a process is alive
        return []
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(\d+)\.[a-z0-9_]+\.tmp")
    removed = []
    with suppress(OSError):
        for name in os.listdir(path.parent):
            match = pattern.fullmatch(name)
            if match and not _process_alive(int(match[1])):
                with suppress(OSError):
                    os.unlink(path.parent / name)
                    removed.append(name)
    return removed


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process
        return True
    return True


def _fsync_folder(folder: Path) -> None:
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

