"""Reading the seeds and an annotator's labels into the parse cache in child processes, while the
app starts.

A start with nothing cached (a new clone, changed seeds) parses two large files: the seeds and
the annotator's labels, most of a second each at 100,000 comments, on top of the app's own start
(importing Textual, the first frame, the config). `Prefetch.start`, called before the app
loads, runs each parse in a child process, which writes the file's columns to the parse cache
(`annotator.core.cache`) and exits; the app `wait`s for the seeds once it has read its config,
for the labels once it has the comments, and then finds both cached. At the start the app is
still one thread, and each child is forked from it: a new interpreter would spend some 0.1 s of
a core starting and importing what the app has imported already, when both cores are busiest.

A child changes nothing but the cache, and every failure in it (a seed file with an error, a
labels file not in annotator's own layout, no cache, a kill) only means that the app parses the
file itself, as without it, and says what is wrong. A child is started only where it may pay:
two cores or more, the cache on, files large enough that their parse outweighs a child's start
(and labels within the size `AnnotationFile.load` reads), seeds not known to be cached (by the
status of their files, `cache.known_key`). With the seeds cached, as at every start but the
first, there are no children: the app has the comments at once and reads the labels itself
(from the cache, where the child left after the last session put them), and a child would only
add its start to the wait. Each child first looks whether its file is cached (a file touched
but not changed), and ends at once if it is. For a large corpus (FIRST_SCREEN_AT_ONCE), the
labels' child waits, before it parses, until the app's first screen is drawn (`go_on`): with two
cores, a third busy process took that screen from 0.47 to 0.81 s (100,000 comments, 10 starts
each in turn), for 0.08 s more before the whole corpus is there.

After a session the labels' child is started and left to run (`leave`): the session's saves
changed the file, and the next start would otherwise parse it again. That child first waits
until the file has been left alone for two seconds (`cache.SETTLED_NS`): its digest is then kept
by its status, and the next start finds the entry without hashing the file (at a million
entries, 0.2-0.35 s before the first usable frame).
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from annotator.core import cache
from annotator.core.errors import AnnotatorError
from annotator.core.perf import cores
from annotator.core.columns import Joined, SeedColumns
from annotator.core.seeds import cache_kind, cache_seeds, load_seeds, seed_files
from annotator.core.store.columns import LabelColumns
from annotator.core.store.layout import CACHE_KIND, cache_columns, max_file_bytes
from annotator.core.store.names import annotation_path

# Seeds of this size or more that are not cached take half a second or more to read (100,000
# comments are some 60 MB): the app shows its first screen at once, and the labels' child,
# forked with the seeds', waits until that screen is drawn (`go_on`), LABELS_HELD seconds at
# most, rather than take a core from it.
FIRST_SCREEN_AT_ONCE = 20 * 2**20
LABELS_HELD = 1.0
HOLD = getattr(signal, "SIGUSR1", None)  # (sent to the waiting child: go on)
MIN_BYTES = 2 * 2**20  # some 4,000-9,000 comments or entries: a parse of a tenth of a second, a new interpreter's start twice
STOP_SECONDS = 1.0  # a child asked to end removes its temporary file at once; a second is plenty


class Prefetch:
    """The children reading one project's seeds and one annotator's labels into the parse cache
    (either may be absent). `wait_for_seeds`, `wait` and `stop` belong to one thread (the one
    that opens the project); `interrupt` may come from any."""

    def __init__(self, seeds: Child | None, labels: Child | None,
                 named: bool = True, seeds_bytes: int = 0, held: bool = False) -> None:
        self._seeds = seeds
        self._labels = labels
        self._named = named  # the annotator was known at the start (else `add_labels` may add a child)
        self.seeds_bytes = seeds_bytes if seeds is not None else 0  # the size of the seeds its child parses
        self._held = held  # the labels' child waits for `go_on`

    @classmethod
    def start(cls, root: Path, annotator: str | None) -> Prefetch:
        """The seeds of the project `root` and the labels of `annotator` (None: not known yet)
        read into the cache by children; none where none would pay (see the module's
        docstring) or none can start."""
        size = _seeds_worth_a_child(root)
        seeds = _start("seeds", root) if cores() >= 2 and size else None
        labels = None
        hold = size >= FIRST_SCREEN_AT_ONCE and HOLD is not None
        if seeds is not None and annotator:  # (with the seeds cached, the app reads the labels with nothing else to do)
            path = _worth_a_child(root, annotator)
            labels = _start("labels", path, hold) if path is not None else None
        return cls(seeds, labels, named=annotator is not None, seeds_bytes=size,
                   held=hold and isinstance(labels, Forked))

    def go_on(self) -> None:
        """Let the labels' child parse, if it waits (the app's first screen is drawn, or will not be)."""
        labels, held, self._held = self._labels, self._held, False
        if held and isinstance(labels, Forked) and labels.poll() is None and HOLD is not None:
            labels._signal(HOLD)

    def add_labels(self, root: Path, annotator: str) -> None:
        """The labels of `annotator` too, once the app has asked for the name: a child if the
        seeds' child is still at work (else the app has nothing to do meanwhile)."""
        if not self._named and self._seeds is not None and self._seeds.poll() is None:
            path = _worth_a_child(root, annotator)
            self._labels = _spawn("labels", path) if path is not None else None
        self._named = True

    @classmethod
    def leave(cls, root: Path, annotator: str) -> None:
        """After a session: the labels of `annotator` as it left them, parsed into the cache by a
        child process that outlives this one, so that the next start reads them from there (the
        session's saves changed the file, and the cache knows only what it parsed). Nothing
        where the file is small or the cache is off; the child finds out whether it is cached
        (hashing a file just written costs time: not this process's, which is ending)."""
        path = _worth_a_child(root, annotator)
        if path is not None:
            _spawn("session-labels", path)

    def wait_for_seeds(self) -> None:
        """Until the seeds' child has ended (their entries, if it wrote them, are then in the cache)."""
        if self._seeds is not None:
            self._seeds.wait()

    def wait(self) -> None:
        """Until both children have ended."""
        self.go_on()
        for process in self._children():
            process.wait()

    def interrupt(self) -> None:
        """Ask the children to end (each removes the entry it was writing); `wait` then returns soon."""
        for process in self._children():
            process.terminate()

    def stop(self) -> None:
        """End the children now (the caller no longer needs the files), and reap them: asked to
        end, then killed if one has not after `STOP_SECONDS`."""
        for process in self._children():
            if process.poll() is None:
                process.terminate()
        for process in self._children():
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _children(self) -> list[Child]:
        return [process for process in (self._seeds, self._labels) if process is not None]


class Forked:
    """A child forked from this process (`_start`), with the part of `subprocess.Popen` that
    `Prefetch` uses: `poll`, `wait`, `terminate`, `kill`, `returncode`."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        return self._reaped(os.WNOHANG)

    def wait(self, timeout: float | None = None) -> int:
        if timeout is None:
            return self._reaped(0)
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"prefetch child {self.pid}", timeout)
            time.sleep(0.005)
        return self.returncode

    def terminate(self) -> None:
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def _signal(self, number: int) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, number)
            except ProcessLookupError:  # (ended, not reaped yet: `poll` reaps it)
                pass

    def _reaped(self, options: int) -> int | None:
        """The exit code, once the child has ended (`options`: 0 to wait for it, `os.WNOHANG` not).
        1 if it was reaped already (the app started with SIGCHLD ignored: the system reaps its
        children itself): what it did is unknown, and the app looks for its entry as always."""
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, options)
            except ChildProcessError:
                self.returncode = 1
            else:
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode


Child = subprocess.Popen[bytes] | Forked


def _start(kind: str, path: Path, hold: bool = False) -> Child | None:
    """The child reading `path` at the app's start: forked from this process while it is the
    only thread (a new interpreter's start and imports cost each child some 0.1 s of a core,
    while the cores are busiest), else a new interpreter (`_spawn`)."""
    if threading.active_count() > 1 or not hasattr(os, "fork"):
        return _spawn(kind, path)
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {HOLD}) if hold and HOLD is not None else None
    try:  # (`hold`: HOLD blocked in the child from its first instant: one sent before it waits is kept for it)
        pid = os.fork()
    except OSError:
        pid = -1
    if pid and blocked is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    if pid == -1:
        return _spawn(kind, path)
    if pid:
        return Forked(pid)
    code = 1
    try:  # (the child: its own session, no terminal, none of the app's files, as `_spawn`'s; it never returns)
        os.setsid()
        _close_inherited()
        quiet = os.open(os.devnull, os.O_RDWR)
        for descriptor in (0, 1, 2):
            os.dup2(quiet, descriptor)
        if hold and HOLD is not None:  # (until the app's first screen is drawn: `go_on`)
            signal.sigtimedwait({HOLD}, LABELS_HELD)
        code = main([kind, str(path)])
    except BaseException:  # (SystemExit on SIGTERM, after its entry is removed)
        pass
    finally:
        os._exit(code)


def _close_inherited() -> None:
    """Close every file descriptor above the standard three (in a forked child: a pipe of the
    app's parent held open by a child that outlives the app would keep its reader waiting)."""
    try:
        descriptors = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        descriptors = list(range(3, 1024))
    for descriptor in descriptors:
        if descriptor > 2:
            try:
                os.close(descriptor)
            except OSError:  # (not open: the listing's own, for one)
                pass


def _spawn(kind: str, path: Path) -> subprocess.Popen[bytes] | None:
    """The child reading `path` (the project, for "seeds"; the labels file, for "labels"), a
    new interpreter."""
    try:
        return subprocess.Popen(
            [sys.executable, "-P", "-m", __name__, kind, str(path)],  # (-P: not the project's folder on the path)
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            close_fds=True, start_new_session=True,  # (not the terminal's: ctrl+c is the app's to handle)
        )
    except OSError:
        return None


def _seeds_worth_a_child(root: Path) -> int:
    """The size of the seed files of the project `root`, if it is large enough for a child and
    they are not known to be cached (the cache on); else 0."""
    if cache.folder() is None:
        return 0
    paths = seed_files(root)
    try:
        size = sum(path.stat().st_size for path in paths)
    except OSError:
        return 0
    if size < MIN_BYTES or all(_known_cached(cache_kind(path), path) for path in paths):
        return 0
    return size


def _known_cached(kind: str, path: Path, hashed: bool = False) -> bool:
    """Whether the file at `path` is known to be cached, by its status (`cache.known_key`): the
    common start, which then needs no child. `hashed`: or by its digest, where its status does
    not tell (a file just written)."""
    entry = (cache.file_key if hashed else cache.known_key)(kind, path, ".columns")
    return entry is not None and entry.exists()


def _worth_a_child(root: Path, annotator: str) -> Path | None:
    """The labels file of `annotator` under `root` if a child may parse it: a size worth a
    process, within the size `AnnotationFile.load` reads, the cache on, not known to be cached."""
    if cache.folder() is None:
        return None
    try:
        path = annotation_path(root, annotator)
        if path.is_symlink() or not path.is_file() or not MIN_BYTES <= path.stat().st_size <= max_file_bytes():
            return None
    except (AnnotatorError, OSError):  # (a bad name: said by the caller)
        return None
    return None if _known_cached(CACHE_KIND, path) else path


def main(argv: list[str]) -> int:
    """The child: `seeds ROOT`, the seed files of the project ROOT into the parse cache
    (`seeds.cache_seeds`); or `labels FILE`, the annotation file FILE, if it is in annotator's
    own layout (`layout.cache_columns`). Either only what is not cached yet. 0 when all is
    cached, 1 when not. `session-labels FILE`: as `labels`, once the file has settled (`leave`)."""
    gc.disable()  # (a short life that makes objects by the hundred thousand and no cycles)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # (`interrupt`, `stop`: the entry being written is removed)
    kind, path = argv[0], Path(argv[1])
    if kind == "session-labels":
        cache.wait_until_settled(path)
    if kind == "seeds":
        return 0 if cache_seeds(path) else 1
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > max_file_bytes():
            return 1
    except OSError:
        return 1
    entry = cache.file_key(CACHE_KIND, path, ".columns")
    if entry is not None and entry.exists():
        return 0
    if not cache_columns(path):
        return 1
    if entry is not None:
        cache_counts(path, entry)
    return 0


def cache_counts(path: Path, entry: Path) -> None:
    """With the labels file at `path` cached (at `entry`, its key: not hashed again): how many of
    its entries label a comment of the project's corpus, and where each entry's comment is in
    it, into the parse cache too (`LabelColumns.labeled_among`, `positions_in`: kept by the two
    files' contents), when the seeds are cached. A start works them out before its first usable frame, from a dict of
    every id (over a second at a million comments); after a session, whose saves changed the
    file, the child left running does it instead. Nothing when the seeds are not cached (the
    start's own child, beside the seeds' one) or cannot be read (the app says why)."""
    root = path.parent.parent  # (`annotations/NAME.toml`)
    files = seed_files(root)
    if not files or not all(_known_cached(cache_kind(file), file, hashed=True) for file in files):
        return
    try:
        corpus = load_seeds(root).comments
    except (AnnotatorError, OSError):
        return
    read = LabelColumns.read(cache.mapped(entry))
    if read is None or not isinstance(corpus, (SeedColumns, Joined)) or not corpus.unique:
        return
    columns = read[1]
    columns.source = entry.name  # (the name the app reads them by)
    digest = corpus.ids_digest()
    columns.labeled_among(digest, corpus.locate)  # (and the positions, which it counts from)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
