"""Where a command's output goes (`-o FILE`, or stdout with `-o -`), and every rule for it.

- An output file is only ever a regular file: a symbolic link, a device, a FIFO or a socket at its
  path is refused, with `--force` or not, and left as it is; so is a folder, or a name that ends
  with a slash.
- An existing file is replaced only with `--force`.
- The output is streamed into a temporary file beside the target, flushed, fsynced and renamed into
  place, as the store's `atomic_write` does (and named as it names them, so that
  `remove_stale_temporaries` clears what a killed run left). `atomic_write` itself takes the whole
  text at once: for an export of 100,000 comments (80 to 120 MB) that is twice the file's size
  more memory, on top of the 390 MB the export needs.
  On any failure the temporary file is removed and the target is as it was: never a partial file.
- A failure to write, to a file or to stdout, is an `AnnotatorError` of one line, `FILE: reason`
  (`stdout: broken pipe`), never a traceback.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import BinaryIO

from annotator.core.errors import AnnotatorError
from annotator.core.store import remove_stale_temporaries

STDOUT = "-"
STDOUT_NAME = "stdout"
BATCH = 1000  # chunks joined per write
_REDIRECT = "-o writes only regular files: use -o - and redirect stdout to it"
_SPECIAL = (  # what is refused at an output path, what it is called, and what to do instead
    (stat.S_ISLNK, "is a symbolic link", "-o writes only regular files: name the file it points to"),
    (stat.S_ISCHR, "is a device", _REDIRECT),
    (stat.S_ISBLK, "is a device", _REDIRECT),
    (stat.S_ISFIFO, "is a FIFO (a named pipe)", _REDIRECT),
    (stat.S_ISSOCK, "is a socket", _REDIRECT),
)
_OTHER = ("is not a regular file", _REDIRECT)
_NO_HARD_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS}


def output_path(target: str, force: bool) -> Path | None:
    """The file that `-o target` names (None: stdout), checked before any work is done.

    `AnnotatorError` if it could not be written as a regular file: see the module's rules.
    """
    if target == STDOUT:
        return None
    if not target:
        raise AnnotatorError("-o '': no file name", hint="give -o a file name, or - for stdout")
    if _last_part(target) in ("", ".", ".."):
        raise AnnotatorError(f"{target}: names a folder, not a file", hint="give -o a file name")
    path = Path(target)
    _check_parent(path)
    _check_existing(path, force)
    return path


def _last_part(target: str) -> str:
    """The last part of `target` as written: '' after a trailing slash (which `Path` drops)."""
    if os.altsep:
        target = target.replace(os.altsep, os.sep)
    return target.rsplit(os.sep, 1)[-1]


def _check_parent(path: Path) -> None:
    parent = path.parent
    try:
        if parent.is_dir():
            return
        missing = not parent.exists()
    except OSError as error:  # a parent we may not look into
        raise _write_error(str(path), error) from None
    if missing:
        raise AnnotatorError(f"{path}: no such folder {str(parent)!r}")
    raise AnnotatorError(f"{path}: {str(parent)!r} is not a folder")


def _check_existing(path: Path, force: bool) -> None:
    """Refuse what is at `path` unless it is nothing, or a regular file and `force` is given."""
    try:
        mode = path.lstat().st_mode  # the link itself, never what it points to
    except FileNotFoundError:
        return
    except OSError as error:
        raise _write_error(str(path), error) from None
    if stat.S_ISDIR(mode):
        raise AnnotatorError(f"{path}: is a folder", hint="give -o a file name")
    if not stat.S_ISREG(mode):
        what, hint = next(((what, hint) for test, what, hint in _SPECIAL if test(mode)), _OTHER)
        raise AnnotatorError(f"{path}: {what}; not written", hint=hint)
    if not force:
        raise AnnotatorError(f"{path}: already exists", hint="add --force to overwrite it, or choose another -o")


def write_output(chunks: Iterable[str | bytes], path: Path | None, force: bool) -> None:
    """Write `chunks` (text, as UTF-8, or bytes as they are; line ends as they are) to `path`, or
    to stdout if None."""
    if path is None:
        write_stdout(chunks)
    else:
        write_file(chunks, path, force)


def write_file(chunks: Iterable[str | bytes], path: Path, force: bool) -> None:
    """Stream `chunks` into a temporary file beside `path`, then rename it to `path`.

    Just before the rename, `path` is checked again, so that something that appeared there
    meanwhile (a file without `force`; a link, a device or a FIFO in any case) is not replaced.
    """
    remove_stale_temporaries(path)
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
    except OSError as error:
        raise _write_error(str(path), error) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            _stream(chunks, handle)
            handle.flush()
            os.fsync(handle.fileno())
        _check_existing(path, force)
        os.chmod(temporary, _mode_of(path))
        _move(temporary, path, force)
    except OSError as error:
        raise _write_error(str(path), error) from None
    finally:
        with suppress(FileNotFoundError):
            os.unlink(temporary)


def write_stdout(chunks: Iterable[str | bytes], stream: BinaryIO | None = None) -> None:
    """Write `chunks` to stdout's bytes (or `stream`), as UTF-8, whatever the platform's text mode
    would do. A failure (a full device, a reader that went away) is one `AnnotatorError`, and
    stdout is then pointed at the null device, so that Python's own flush at exit does not fail
    again with a second message."""
    try:
        if stream is None:
            sys.stdout.flush()
        out = stream if stream is not None else sys.stdout.buffer
        _stream(chunks, out)
        out.flush()
    except OSError as error:
        if stream is None:
            _silence_stdout()
        raise _write_error(STDOUT_NAME, error) from None


def _stream(chunks: Iterable[str | bytes], out: BinaryIO) -> None:
    for batch in _batches(chunks):
        out.write(batch)


def _batches(chunks: Iterable[str | bytes]) -> Iterator[bytes]:
    """The chunks as UTF-8, text joined `BATCH` chunks at a time; bytes (already many lines: an
    export's) as they come, in their place among the text."""
    batch: list[str] = []
    for chunk in chunks:
        if type(chunk) is bytes:
            if batch:
                yield "".join(batch).encode("utf-8")
                batch.clear()
            yield chunk
            continue
        batch.append(chunk)  # type: ignore[arg-type]
        if len(batch) == BATCH:
            yield "".join(batch).encode("utf-8")
            batch.clear()
    if batch:
        yield "".join(batch).encode("utf-8")


def _write_error(name: str, error: OSError) -> AnnotatorError:
    """`NAME: reason`, the reason as the system words it (`no space left on device`)."""
    reason = error.strerror or str(error)
    return AnnotatorError(f"{name}: {reason[:1].lower()}{reason[1:]}")


def describe_write_error(error: OSError) -> str:
    """`FILE: reason` for a failed write that no command caught; without a file name it was
    stdout, which is then pointed at the null device (Python's flush at exit would fail again)."""
    if error.filename is None:
        _silence_stdout()
    return _write_error(str(error.filename or STDOUT_NAME), error).message


def _mode_of(path: Path) -> int:
    """The permissions of the file being replaced, or those of a new file under the umask."""
    try:
        return path.lstat().st_mode & 0o777
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _move(temporary: str, path: Path, force: bool) -> None:
    if force:
        os.replace(temporary, path)
        return
    try:
        os.link(temporary, path)  # fails if `path` exists, unlike a rename
    except FileExistsError:
        raise AnnotatorError(f"{path}: already exists", hint="add --force to overwrite it") from None
    except OSError as error:
        if error.errno not in _NO_HARD_LINKS:
            raise
        os.replace(temporary, path)  # a file system without hard links: the check just before must do


def _silence_stdout() -> None:
    with suppress(OSError, ValueError, AttributeError):
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, sys.stdout.fileno())
        finally:
            os.close(null)
