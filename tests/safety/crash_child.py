"""The process the crash tests kill: it labels comments through the app's own save path until it dies.

`tests/safety/test_crash.py` starts `run` in a child process and kills it with SIGKILL at a random
moment (or the child kills itself at a chosen step of a write, see `DIE_AT`). The child takes the
annotator lock and opens the store exactly as the app does (`AnnotatorLock`, `AnnotationFile.open`,
which replays a journal left by the previous victim), then loops: `set` one random comment to a
random label, `commit()`, and `compact()` every few changes.

It reports on a pipe, one line per `os.write` (a pipe write shorter than PIPE_BUF is atomic, so a
kill never leaves half a line behind):

    ready                                   the store is open; kill me whenever you like
    begin <seq> <id> <stance> <topics>      about to `set`: this change may be in flight
    committed <seq> <id> <stance> <topics>  `commit()` returned: this change is durable
    saved <seq>                             (app mode) every change up to <seq> is durable
    compacting / compacted                  around `compact()`

`<stance>` is `-` for a removed entry, `<topics>` a comma-separated list or `-`. Every entry's note
is `change <seq>`, so the test can tell exactly which change it finds on disk.

To watch it by hand: `python -m tests.safety.crash_child DIR [SEED]` (stop it with ctrl+c).
"""

from __future__ import annotations

import os
import random
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from annotator.core.store import durable as store_module
from annotator.core.lock import AnnotatorLock
from annotator.core.models import Annotation
from annotator.core.store import AnnotationFile, annotation_path

ANNOTATOR = "alice"
STANCES = ("agree", "disagree", "mixed", "neutral")
TOPICS = ("scaling", "safety", "dl-theory")
WHEN = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)
REMOVED = "-"

# The steps of a write at which `die_at` makes the child kill itself, right after the named call.
DIE_AT = ("temporary-created", "temporary-synced", "renamed", "journal-appended", "journal-torn")


def comment_ids(count: int) -> list[str]:
    """The ids the child labels: `count` made-up 12-hex-digit ids, the same in every process."""
    return [f"{index:012x}" for index in range(count)]


def comment_text(comment_id: str) -> str:
    """The text of a made-up comment, for the excerpt line (non-ASCII and quotes on purpose)."""
    return f'Comment {comment_id}: a naïve “quote”, "another", and # not a TOML comment'


def annotation(seq: int, stance: str, topics: tuple[str, ...]) -> Annotation | None:
    """The entry of change `seq`: None removes the entry."""
    if stance == REMOVED:
        return None
    return Annotation(stance=stance, topics=topics, note=f"change {seq}", seconds=1.5, updated=WHEN)


def describe(stance: str, topics: tuple[str, ...]) -> str:
    return f"{stance} {','.join(topics) or REMOVED}"


def random_change(rng: random.Random) -> tuple[str, tuple[str, ...]]:
    """A random label: a stance and topics, or (one time in eight) the removal of the entry."""
    if rng.random() < 0.125:
        return REMOVED, ()
    return rng.choice(STANCES), tuple(sorted(rng.sample(TOPICS, rng.randint(0, 2))))


class Reporter:
    """Lines to the parent, each in one `write` call."""

    def __init__(self, out) -> None:
        self._out = out  # a file descriptor, or a multiprocessing Connection kept open by this reference
        self.fd = out if isinstance(out, int) else out.fileno()
        self._lock = threading.Lock()

    def __call__(self, *words: object) -> None:
        line = (" ".join(str(word) for word in words) + "\n").encode()
        with self._lock:
            os.write(self.fd, line)


def die() -> None:
    """What a power cut or `kill -9` does, at exactly this point."""
    os.kill(os.getpid(), signal.SIGKILL)


def arm(step: str, after_writes: int) -> None:
    """Make the child kill itself at `step` of a write, once `after_writes` such calls went through."""
    remaining = [after_writes]

    def due() -> bool:
        remaining[0] -= 1
        return remaining[0] < 0

    if step in ("temporary-created", "temporary-synced"):
        real_mkstemp = store_module.tempfile.mkstemp
        real_fsync = store_module.os.fsync
        synced_temporaries: set[int] = set()

        def mkstemp(*args, **kwargs):
            fd, name = real_mkstemp(*args, **kwargs)
            if step == "temporary-created" and due():
                die()
            if step == "temporary-synced":
                synced_temporaries.add(fd)
            return fd, name

        def fsync(fd: int) -> None:
            real_fsync(fd)
            if fd in synced_temporaries:
                synced_temporaries.discard(fd)
                if due():
                    die()

        store_module.tempfile = Patched(store_module.tempfile, mkstemp=mkstemp)
        store_module.os = Patched(store_module.os, fsync=fsync)
    elif step == "renamed":
        real_replace = store_module.os.replace

        def replace(source, target):
            real_replace(source, target)
            if due():
                die()

        store_module.os = Patched(store_module.os, replace=replace)
    elif step in ("journal-appended", "journal-torn"):
        real_append = store_module.append_durably

        def append_durably(path: Path, text: str) -> None:
            if due():
                if step == "journal-torn":  # a write cut short: half of the first record, unsynced
                    with open(path, "a", encoding="utf-8") as handle:
                        handle.write(text[: max(1, len(text.split("\n")[0]) // 2)])
                else:  # written, not yet fsynced
                    with open(path, "a", encoding="utf-8") as handle:
                        handle.write(text)
                die()
            real_append(path, text)

        store_module.append_durably = append_durably
    else:
        raise ValueError(f"unknown step {step!r}; expected one of {DIE_AT}")


class Patched:
    """A module with some of its attributes replaced, for the store's eyes only (set it as the
    store module's `os` or `tempfile`)."""

    def __init__(self, module, **replaced) -> None:
        self._module = module
        self.__dict__.update(replaced)

    def __getattr__(self, name: str):
        return getattr(self._module, name)


def run(
    root: str,
    out,
    seed: int,
    first_seq: int,
    comments: int = 60,
    mode: str = "serial",
    compact_every: tuple[int, int] = (3, 8),
    die_at: str | None = None,
    die_after: int = 0,
) -> None:
    """Label until killed. `mode` is "serial" (set, commit, report; compact every few changes) or
    "app" (a thread sets while one thread commits and another compacts, as the app's workers do)."""
    report = Reporter(out)
    rng = random.Random(seed)
    ids = comment_ids(comments)
    AnnotatorLock.for_file(annotation_path(Path(root), ANNOTATOR)).acquire()
    store = AnnotationFile.open(Path(root), ANNOTATOR)
    if die_at:
        arm(die_at, die_after)
    report("ready")
    if mode == "serial":
        _serial(store, report, rng, ids, first_seq, compact_every)
    else:
        _app_like(store, report, rng, ids, first_seq, compact_every)


def _serial(store, report, rng, ids, seq, compact_every) -> None:
    until_compact = rng.randint(*compact_every)
    while True:
        comment_id = rng.choice(ids)
        stance, topics = random_change(rng)
        report("begin", seq, comment_id, describe(stance, topics))
        store.set(comment_id, annotation(seq, stance, topics), comment_text(comment_id))
        store.commit()
        report("committed", seq, comment_id, describe(stance, topics))
        seq += 1
        until_compact -= 1
        if until_compact == 0:
            report("compacting")
            store.compact()
            report("compacted")
            until_compact = rng.randint(*compact_every)


def _app_like(store, report, rng, ids, first_seq, compact_every) -> None:
    """The app's pattern (`MainScreen`): the UI thread calls `set`; a commit thread takes the
    version, commits and reports it saved; a compaction thread compacts every few commits, while
    the commits go on."""
    version = [first_seq - 1]  # the last change whose `set` returned
    commits = [0]
    guard = threading.Lock()
    saver_rng = random.Random(rng.random())

    def committer() -> None:
        saved = version[0]
        while True:
            with guard:
                upto = version[0]
            if upto == saved:  # the app commits when a key changed something
                threading.Event().wait(0.0005)
                continue
            store.commit()
            saved = upto
            report("saved", upto)
            with guard:
                commits[0] += 1

    def compactor() -> None:
        while True:
            until = saver_rng.randint(*compact_every)
            while True:
                with guard:
                    if commits[0] >= until:
                        commits[0] = 0
                        break
                threading.Event().wait(0.0005)
            if store.needs_compaction:
                report("compacting")
                store.compact()
                report("compacted")

    threading.Thread(target=committer, daemon=True).start()
    threading.Thread(target=compactor, daemon=True).start()
    seq = first_seq
    while True:
        comment_id = rng.choice(ids)
        stance, topics = random_change(rng)
        report("begin", seq, comment_id, describe(stance, topics))
        store.set(comment_id, annotation(seq, stance, topics), comment_text(comment_id))
        with guard:
            version[0] = seq
        seq += 1
        if rng.random() < 0.5:
            threading.Event().wait(rng.random() / 1000)  # a key press now and then, not a busy loop


if __name__ == "__main__":
    folder = sys.argv[1]
    (Path(folder) / "annotations").mkdir(parents=True, exist_ok=True)
    try:
        run(folder, sys.stdout.fileno(), int(sys.argv[2]) if len(sys.argv) > 2 else 1, 1)
    except KeyboardInterrupt:
        pass
