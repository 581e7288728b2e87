"""The labeler the git loop runs: the app's store and save lanes, in a process of its own.

`tests/safety/test_git_loop.py` starts `run` in a child process while it runs real git commands in
the same clone. The child takes the annotator lock and opens the store as the app does
(`AnnotatorLock`, `AnnotationFile.open`, which replays a journal a killed labeler left), sets
`pause_writes` as the main screen sets it (`gitio.operation_in_progress` on the clone's git
directory, which must also have been quiet for `gitio.QUIET_SECONDS`), then:

- the "key" thread (the app's UI thread) reads an entry, changes its stance and its note, `set`s
  it, and `commit()`s it to the journal, with a human pause (10 ms to 2 s) between changes;
- the fold lane (`Saver._fold`, step for step) runs a compaction once the keys pause for
  `compact_after` seconds and a look for outside changes every `watch` seconds: while git is in
  the middle of an operation it does nothing; else it merges a file changed on disk
  (`merge_from_disk`), then compacts, catching `WritesPaused` and `ChangedOnDisk` as the screen
  does.

On SIGTERM it quits as the app does: commits, folds once more (unless git is busy: then the
changes stay in the journal, for the next start) and reports "stopped".

Every change sets the note `change <seq>`, so the test can tell which change an entry holds; the
labeler never touches topics or the flag (the teammate's fields in the test) and never removes
an entry. It reports on a pipe, one line per `os.write`:

    ready
    begin <seq> <id> <stance>        about to `set`: this change may be in flight
    committed <seq> <id> <stance>    `commit()` returned: this change is durable
    wrote <t0> <t1> <git state>      the TOML file was renamed into place between wall-clock
                                     times t0 and t1; the state is what git was doing right after
                                     (`-` for nothing: anything else is a write during an operation)
    skipped <why>                    the fold lane did nothing: git is busy
    paused <why>                     `compact()` refused (`WritesPaused`): git started meanwhile
    merged <both> <restored>         `merge_from_disk()` took a file someone else changed
    compacted                        `compact()` returned
    failed <error>                   the fold lane failed (the app retries later)
    stopped <paused or -> <needs compaction 0/1>
"""

from __future__ import annotations

import random
import signal
import threading
import time
from pathlib import Path

from annotator.core import gitio
from annotator.core.lock import AnnotatorLock
from annotator.core.models import Annotation
from annotator.core.store import AnnotationFile, ChangedOnDisk, WritesPaused, annotation_path
from annotator.core.store import durable
from tests.safety.crash_child import WHEN, Patched, Reporter, comment_ids, comment_text

ANNOTATOR = "alice"
STANCES = ("agree", "disagree", "mixed", "neutral")


def note(seq: int) -> str:
    return f"change {seq}"


def seq_of(entry: Annotation | None) -> int:
    """Which change of the labeler `entry` holds (0 when none: never labeled, or only by others)."""
    if entry is None or entry.note is None:
        return 0
    return int(entry.note.removeprefix("change "))


def key_pause(rng: random.Random) -> float:
    """The time between two changes: mostly quick, sometimes a pause long enough to compact."""
    roll = rng.random()
    if roll < 0.6:
        return rng.uniform(0.01, 0.2)
    if roll < 0.9:
        return rng.uniform(0.2, 0.8)
    return rng.uniform(0.8, 2.0)


class FoldLane:
    """`Saver`'s fold lane: compaction after a pause of the keys, a look every `watch` s."""

    def __init__(self, store: AnnotationFile, git_busy, report, compact_after: float, watch: float) -> None:
        self.store = store
        self.git_busy = git_busy
        self.report = report
        self.compact_after = compact_after
        self.watch = watch
        self.paused: str | None = None
        self.last_key = time.monotonic()
        self.compact_due = False

    def keyed(self) -> None:
        """A change was made: compact once the keys pause (the screen's `schedule_save`)."""
        self.last_key = time.monotonic()
        self.compact_due = True

    def run(self, stop: threading.Event) -> None:
        next_look = time.monotonic() + self.watch
        while not stop.is_set():
            now = time.monotonic()
            compact = self.compact_due and now - self.last_key >= self.compact_after
            watch = now >= next_look
            if watch:
                next_look = now + self.watch
            if compact:
                self.compact_due = False
            if compact or watch:
                self.fold(compact, watch)
            stop.wait(0.005)

    def fold(self, compact: bool, watch: bool) -> str | None:
        """`Saver._fold`; why it paused, or None."""
        store = self.store
        try:
            busy = self.git_busy()
            if busy:
                self.report("skipped", busy.replace(" ", "_"))
                self.paused = busy
                return busy
            if (watch or self.paused) and store.changed_on_disk():
                self._merge()
                compact = True
            if (compact or self.paused) and store.needs_compaction:
                try:
                    store.compact()
                except WritesPaused as paused:
                    self.report("paused", paused.message.replace(" ", "_"))
                    self.paused = paused.message
                    return paused.message
                except ChangedOnDisk:
                    self._merge()
                    store.compact()
                self.report("compacted")
        except WritesPaused as paused:
            self.report("paused", paused.message.replace(" ", "_"))
            self.paused = paused.message
            return paused.message
        except Exception as error:  # the screen reports it and retries in RETRY_SECONDS
            self.report("failed", type(error).__name__)
            self.compact_due = True
            return None
        self.paused = None
        return None

    def _merge(self) -> None:
        reload = self.store.merge_from_disk()
        self.report("merged", len(reload.both), reload.restored)
        self.store.commit()  # the screen's `Reloaded` handler commits the merged changes at once


def report_renames(path: Path, git_dir: Path | None, report: Reporter) -> None:
    """Report every rename of the TOML file (not of the journal), with what git was doing right
    after it."""
    real_replace = durable.os.replace

    def replace(source, target) -> None:
        started = time.time()
        real_replace(source, target)
        done = time.time()
        if Path(target) == path:
            state = gitio.operation_in_progress(git_dir) or "-"
            report("wrote", f"{started:.6f}", f"{done:.6f}", state.replace(" ", "_"))

    durable.os = Patched(durable.os, replace=replace)


def run(root: str, out, seed: int, first_seq: int, comments: int, compact_after: float = 0.25,
        watch: float = 0.3, quiet: float = gitio.QUIET_SECONDS) -> None:
    """Label until SIGTERM (then quit as the app does) or SIGKILL. `quiet`: how long git must have
    left its directory alone before the TOML file is written (the app's `gitio.QUIET_SECONDS`)."""
    report = Reporter(out)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    rng = random.Random(seed)
    folder = Path(root)
    ids = comment_ids(comments)
    AnnotatorLock.for_file(annotation_path(folder, ANNOTATOR)).acquire()
    store = AnnotationFile.open(folder, ANNOTATOR)
    git_dir = gitio.git_dir(folder)

    def git_busy(quiet: float = 0.0) -> str | None:  # `Saver.git_busy`
        operation = gitio.operation_in_progress(git_dir, quiet)
        return f"{operation} to finish" if operation else None

    store.pause_writes = lambda: git_busy(quiet)  # `Saver.writes_paused`
    report_renames(store.path, git_dir, report)
    lane = FoldLane(store, git_busy, report, compact_after, watch)
    folder_thread = threading.Thread(target=lane.run, args=(stop,), daemon=True)
    report("ready")
    folder_thread.start()
    seq = first_seq
    while not stop.is_set():
        comment_id = rng.choice(ids)
        entry = store.get(comment_id) or Annotation()  # as `Session` does: read, change, set
        stance = rng.choice([name for name in STANCES if name != entry.stance])
        report("begin", seq, comment_id, stance)
        store.set(comment_id, entry.replace(stance=stance, note=note(seq), seconds=entry.seconds + 1.5,
                                            updated=WHEN), comment_text(comment_id))
        lane.keyed()
        store.commit()
        report("committed", seq, comment_id, stance)
        seq += 1
        stop.wait(key_pause(rng))
    folder_thread.join()
    store.commit()
    paused = lane.fold(compact=True, watch=True)  # quitting: fold once more, unless git is busy
    report("stopped", (paused or "-").replace(" ", "_"), int(store.needs_compaction))
