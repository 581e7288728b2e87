"""Reading an annotation file into the parse cache in a second process, while this one reads the
comments.

A start with nothing cached (a new clone, changed seeds) parses two large files: the seeds and
the annotator's labels, about a second each at 100,000 comments, one after the other on one
core. `Prefetch.start` runs the parse of the labels in a child process, which writes their
columns to the parse cache (`annotator.core.cache`) and exits; the caller reads the comments
meanwhile, then `wait`s, and `AnnotationFile.open` finds the labels cached.

The child changes nothing but the cache, and every failure in it (a file not in annotator's own
layout, no cache, a kill) only means that the caller parses the file itself, as without it, and
says what is wrong. It is started only where it pays: two cores or more, the cache on, seeds to
parse meanwhile, a labels file large enough that its parse outweighs starting Python (and
within the size `AnnotationFile.load` reads); the child first looks whether it is cached.

After a session the same child is started and left to run (`leave`): the session's saves
changed the file, and the next start would otherwise parse it again.
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
from pathlib import Path

from annotator.core import cache
from annotator.core.errors import AnnotatorError
from annotator.core.seeds import seeds_cached
from annotator.core.store.layout import CACHE_KIND, cache_columns, max_file_bytes
from annotator.core.store.names import annotation_path

MIN_BYTES = 2 * 2**20  # some 9,000 entries: a parse of a tenth of a second, twice a child's start
STOP_SECONDS = 1.0  # a child asked to end removes its temporary file at once; a second is plenty


class Prefetch:
    """A child process parsing one annotation file into the parse cache. Its `wait` and `stop`
    belong to one thread (the one that started it); `interrupt` may come from any."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process

    @classmethod
    def start(cls, root: Path, annotator: str) -> Prefetch | None:
        """The parse of the labels of `annotator` under the project `root`, started in a child
        process; None where it would not pay (see the module's docstring) or cannot start."""
        path = _worth_a_child(root, annotator) if _cores() >= 2 else None
        if path is None or seeds_cached(root):  # (then the labels' parse is all there is to do: here is as good)
            return None
        return cls._spawn(path)

    @classmethod
    def leave(cls, root: Path, annotator: str) -> None:
        """After a session: the labels of `annotator` as it left them, parsed into the cache by a
        child process that outlives this one, so that the next start reads them from there (the
        session's saves changed the file, and the cache knows only what it parsed). Nothing
        where the file is small or the cache is off; the child finds out whether it is cached
        (hashing a file just written costs time: not this process's, which is ending)."""
        path = _worth_a_child(root, annotator)
        if path is not None:
            cls._spawn(path)

    @classmethod
    def _spawn(cls, path: Path) -> Prefetch | None:
        try:
            process = subprocess.Popen(
                [sys.executable, "-P", "-m", __name__, str(path)],  # (-P: not the project's folder on the path)
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                close_fds=True, start_new_session=True,  # (not the terminal's: ctrl+c is the app's to handle)
            )
        except OSError:
            return None
        return cls(process)

    def wait(self) -> None:
        """Until the child has ended (its entry, if it wrote one, is then in the cache)."""
        self._process.wait()

    def interrupt(self) -> None:
        """Ask the child to end (it removes the entry it was writing); `wait` then returns soon."""
        self._process.terminate()

    def stop(self) -> None:
        """End the child now (the caller no longer needs the file), and reap it: asked to end,
        then killed if it has not after `STOP_SECONDS`."""
        if self._process.poll() is None:
            self._process.terminate()
        try:
            self._process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def _worth_a_child(root: Path, annotator: str) -> Path | None:
    """The labels file of `annotator` under `root` if a child may parse it: a size worth a
    process, within the size `AnnotationFile.load` reads, the cache on."""
    if cache.folder() is None:
        return None
    try:
        path = annotation_path(root, annotator)
        if path.is_symlink() or not path.is_file() or not MIN_BYTES <= path.stat().st_size <= max_file_bytes():
            return None
    except (AnnotatorError, OSError):  # (a bad name: said by the caller)
        return None
    return path


def _cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # (not on every platform)
        return os.cpu_count() or 1


def main(argv: list[str]) -> int:
    """The child: the annotation file `argv[0]` into the parse cache, if it is not there yet and
    is in annotator's own layout (`layout.cache_columns`). 0 when it is cached, 1 when not."""
    gc.disable()  # (a short life that makes objects by the hundred thousand and no cycles)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # (`interrupt`, `stop`: the entry being written is removed)
    path = Path(argv[0])
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > max_file_bytes():
            return 1
    except OSError:
        return 1
    entry = cache.file_key(CACHE_KIND, path, ".columns")
    if entry is not None and entry.exists():
        return 0
    return 0 if cache_columns(path) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
