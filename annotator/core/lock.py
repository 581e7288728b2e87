"""One app per annotator and project at a time.

The lock is an OS file lock (`flock`), so it goes away with the process that held it: a crashed
or killed app never leaves it stuck. Its file lives where no `git clean` or `rm annotations/.*`
reaches: in the repository's git directory (`.git/annotator/<annotator>-<project key>.lock`; the
key tells apart two projects in one repository), and only outside git in
`annotations/.<annotator>.lock`. The file also says who holds it, for the message.
"""

from __future__ import annotations

import errno
import hashlib
import os
import socket
from pathlib import Path

from annotator.core import gitio
from annotator.core.errors import AnnotatorError

try:
    import fcntl
except ImportError:  # not on POSIX: no lock, as before this module existed
    fcntl = None  # type: ignore[assignment]


class AlreadyOpen(AnnotatorError):
    """Another app is labelling as the same annotator in the same project."""


class AnnotatorLock:
    """Held while the app edits one annotator's file; `release` (or process exit) frees it."""

    def __init__(self, path: Path, annotator: str, shown: str) -> None:
        self.path = path
        self.annotator = annotator
        self.shown = shown  # the path in messages, relative to the project or the repository
        self._fd: int | None = None

    @classmethod
    def for_file(cls, annotation_file: Path) -> AnnotatorLock:
        """The lock of the annotation file `annotations/NAME.toml`."""
        annotator = annotation_file.stem
        folder = annotation_file.parent
        directory = gitio.git_dir(folder.parent)
        if directory is not None and directory.is_dir():
            key = hashlib.sha256(str(folder.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:12]
            name = f"{annotator}-{key}.lock"
            return cls(directory / "annotator" / name, annotator, f".git/annotator/{name}")
        name = f".{annotator}.lock"
        return cls(folder / name, annotator, f"{folder.name}/{name}")

    def acquire(self) -> AnnotatorLock:
        """Take the lock or raise `AlreadyOpen` naming the process that has it."""
        if fcntl is None:
            return self
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Never through a symbolic link: the lock file is truncated, and a link planted in a
            # repository must not make that someone else's file.
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as error:
            reason = "is a symbolic link" if error.errno == errno.ELOOP else error.strerror
            raise AnnotatorError(
                f"{self.shown}: cannot be used as the lock file: {reason}",
                hint="it is annotator's own lock file and must be a regular file; remove it",
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise AlreadyOpen(
                f"{self.annotator} is already annotating in this project ({holder})",
                hint="close that annotator first, or use another --annotator name",
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
