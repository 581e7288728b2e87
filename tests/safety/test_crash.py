"""Kill -9 at random moments: every change reported durable survives, and nothing else is harmed.

A child process (`tests/safety/crash_child.py`) labels comments through the store exactly as the
app does and reports each change when `commit()` returns. The test kills it with SIGKILL after a
random 0-50 ms, hundreds of times, and after every kill opens the file as the app would and checks:

- the TOML file parses, and the journal replays without error;
- every change reported complete is there, with its value (the last reported one per comment), or
  a later change that was in flight when the child died; never an older one, and never an older
  one than the TOML file itself holds (replaying the journal must not go backwards);
- no temporary file of the store is left once the file was opened and compacted again;
- the annotator lock is free: the next run is never blocked.

`ANNOTATOR_CRASH_ITERATIONS` sets the number of kills (default 100; the 20,000-entry variant does
a tenth of that, at least 10): `ANNOTATOR_CRASH_ITERATIONS=2000 pytest tests/safety/test_crash.py`.
A failure prints the seed of the iteration; `ANNOTATOR_CRASH_SEED` replays a run.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import select
import signal
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from annotator.core.lock import AnnotatorLock
from annotator.core.models import Annotation
from annotator.core.store import AnnotationFile, annotation_path
from tests.safety import crash_child
from tests.safety.crash_child import ANNOTATOR, REMOVED, comment_ids, comment_text

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs POSIX processes and SIGKILL")

ITERATIONS = int(os.environ.get("ANNOTATOR_CRASH_ITERATIONS", "100"))
SEED = int(os.environ.get("ANNOTATOR_CRASH_SEED", str(random.SystemRandom().randrange(1 << 30))))
READY_TIMEOUT = 30.0

_CONTEXT = multiprocessing.get_context("forkserver") if hasattr(os, "fork") else None
if _CONTEXT is not None:
    # Children are forked from a server that has already imported the store: a few milliseconds
    # each instead of a fresh interpreter's 200 ms.
    _CONTEXT.set_forkserver_preload(["tests.safety.crash_child"])


@dataclass(frozen=True, slots=True)
class Change:
    seq: int
    comment_id: str
    stance: str
    topics: tuple[str, ...]

    @property
    def entry(self) -> Annotation | None:
        return crash_child.annotation(self.seq, self.stance, self.topics)


@dataclass
class History:
    """Everything the children said, over every run on one project."""

    changes: dict[int, Change] = field(default_factory=dict)
    durable: dict[str, int] = field(default_factory=dict)  # id -> seq of its last change reported complete
    saved_upto: int = 0
    last_seq: int = 0
    compactions: int = 0
    kills_in_compaction: int = 0

    def feed(self, lines: list[str]) -> None:
        """Take in the lines of one run (its changes are numbered from `last_seq + 1`)."""
        compacting = False
        self.saved_upto = self.last_seq  # "saved N" speaks only of this run's changes
        for line in lines:
            kind, *words = line.split()
            if kind in ("begin", "committed"):
                seq, comment_id, stance, topics = int(words[0]), words[1], words[2], words[3]
                change = Change(seq, comment_id, stance, () if topics == REMOVED else tuple(topics.split(",")))
                if kind == "begin":
                    self.changes[seq] = change
                    self.last_seq = max(self.last_seq, seq)
                else:
                    assert self.changes[seq] == change
                    self.durable[comment_id] = seq
            elif kind == "saved":
                upto = int(words[0])
                for seq in range(self.saved_upto + 1, upto + 1):
                    if seq in self.changes:
                        change = self.changes[seq]
                        self.durable[change.comment_id] = max(self.durable.get(change.comment_id, 0), seq)
                self.saved_upto = max(self.saved_upto, upto)
            elif kind == "compacting":
                compacting = True
            elif kind == "compacted":
                compacting = False
                self.compactions += 1
        self.kills_in_compaction += compacting

    def seq_of(self, comment_id: str, entry: Annotation | None, context: str) -> int:
        """Which change `entry` is (for a missing entry: the latest removal, or 0 for never set)."""
        if entry is None:
            removals = [c.seq for c in self.changes.values() if c.comment_id == comment_id and c.stance == REMOVED]
            return max(removals, default=0)
        assert entry.note and entry.note.startswith("change "), f"{context}: {comment_id} holds {entry!r}"
        seq = int(entry.note.removeprefix("change "))
        change = self.changes.get(seq)
        assert change is not None and change.comment_id == comment_id, f"{context}: {comment_id} holds {entry!r}"
        assert entry == change.entry, f"{context}: {comment_id} holds {entry!r}, change {seq} was {change}"
        return seq


class Child:
    """One run of `crash_child.run` in a forked process, and the lines it wrote."""

    def __init__(self, root: Path, seed: int, first_seq: int, **options) -> None:
        reader, writer = _CONTEXT.Pipe(duplex=False)
        self.process = _CONTEXT.Process(
            target=crash_child.run, args=(str(root), writer, seed, first_seq), kwargs=options, daemon=True
        )
        self._reader = reader
        self._buffer = b""
        self.lines: list[str] = []
        self.process.start()
        writer.close()

    def _read(self, timeout: float) -> bool:
        """Read what is there (waiting up to `timeout`); False at end of file."""
        ready, _, _ = select.select([self._reader.fileno()], [], [], timeout)
        if not ready:
            return True
        chunk = os.read(self._reader.fileno(), 65536)
        if not chunk:
            return False
        self._buffer += chunk
        *complete, self._buffer = self._buffer.split(b"\n")
        self.lines.extend(line.decode() for line in complete)
        return True

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while "ready" not in self.lines:
            assert time.monotonic() < deadline, "the child never became ready"
            if not self._read(0.5):
                self.process.join()
                raise AssertionError(f"the child exited with {self.process.exitcode} before it was ready")

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.finish()

    def finish(self, timeout: float = READY_TIMEOUT) -> None:
        """Wait for the child to die (it was killed, or kills itself) and read its last lines."""
        deadline = time.monotonic() + timeout
        while self._read(0.5):
            assert time.monotonic() < deadline, "the child did not die"
        self.process.join(timeout)
        self._reader.close()
        assert self.process.exitcode == -signal.SIGKILL, f"the child ended with {self.process.exitcode}, not a kill"


def temporaries(root: Path) -> list[str]:
    return sorted(path.name for path in (root / "annotations").glob(".*.tmp"))


def check_after_crash(
    root: Path, history: History, ids: list[str], context: str, compact: bool, parse: bool = True
) -> None:
    """Open the file as the next run of the app would, and check every promise (`parse`: also
    parse the TOML file with `tomllib`, not only with the store's own reader)."""
    path = annotation_path(root, ANNOTATOR)
    lock = AnnotatorLock.for_file(path).acquire()  # raises AlreadyOpen if the dead child still held it
    try:
        in_file: dict[str, int] = {}
        if path.exists():
            if parse:
                tomllib.loads(path.read_text("utf-8"))  # the TOML file itself always parses
            alone = AnnotationFile.load(path, replay=False)
            in_file = {  # only entries the file has: a missing one does not say which change removed it
                comment_id: history.seq_of(comment_id, alone.get(comment_id), context)
                for comment_id in ids if alone.get(comment_id) is not None
            }
        store = AnnotationFile.open(root, ANNOTATOR)
        for warning in store.warnings:
            assert "recovered" in warning.message or "incomplete journal" in warning.message, f"{context}: {warning}"
        for comment_id in ids:
            found = history.seq_of(comment_id, store.get(comment_id), context)
            durable = history.durable.get(comment_id, 0)
            assert found >= durable, (
                f"{context}: {comment_id} holds change {found}, but change {durable} was reported complete"
            )
            assert found >= in_file.get(comment_id, 0), (
                f"{context}: replaying the journal took {comment_id} back from change {in_file[comment_id]} "
                f"in the TOML file to change {found}"
            )
            if found:
                history.durable[comment_id] = found  # what the next run starts from
        if compact:
            store.compact()
            assert temporaries(root) == [], f"{context}: stray temporary files after open and compact"
            assert not store.journal.exists()
            assert AnnotationFile.open(root, ANNOTATOR).entries == store.entries
    finally:
        lock.release()


def run_child(root: Path, history: History, seed: int, delay: float | None, **options) -> str:
    """One child: kill it `delay` seconds after it is ready (None: it kills itself), take in what
    it said; the context for messages."""
    child = Child(root, seed, history.last_seq + 1, **options)
    try:
        child.wait_ready()
        if delay is None:
            child.finish()
        else:
            time.sleep(delay)
            child.kill()
    finally:
        if child.process.is_alive():
            child.process.kill()
    history.feed(child.lines)
    return f"ANNOTATOR_CRASH_SEED={SEED}, child seed {seed}"


def crash_loop(root: Path, iterations: int, ids: list[str], **options) -> History:
    """Start, kill after a random 0-50 ms, check; `iterations` times on the same project."""
    rng = random.Random(SEED)
    history = History()
    for iteration in range(iterations):
        context = run_child(root, history, rng.randrange(1 << 30), rng.uniform(0, 0.05), **options)
        check_after_crash(root, history, ids, f"iteration {iteration} ({context})", compact=rng.random() < 0.5)
    return history


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "annotations").mkdir()
    return tmp_path


@pytest.mark.parametrize("mode", ["serial", "app"])
def test_random_kills_never_lose_a_committed_change(root: Path, mode: str) -> None:
    ids = comment_ids(60)
    history = crash_loop(root, ITERATIONS, ids, mode=mode, comments=len(ids))
    assert len(history.changes) > ITERATIONS  # the children did work before they died
    assert history.compactions > 0


def test_random_kills_while_compacting_a_20000_entry_file(root: Path) -> None:
    """A large file takes long enough to write that many kills land inside `compact()`, between
    the temporary file and the rename."""
    ids = comment_ids(20_000)
    seed_file = AnnotationFile(annotation_path(root, ANNOTATOR), ANNOTATOR)
    history = History()
    for seq, comment_id in enumerate(ids, start=1):
        history.changes[seq] = Change(seq, comment_id, "agree", ("safety",))
        seed_file.set(comment_id, history.changes[seq].entry, comment_text(comment_id))
    seed_file.save()
    history.last_seq = len(ids)
    history.durable = {comment_id: seq for seq, comment_id in enumerate(ids, start=1)}

    rng = random.Random(SEED)
    for iteration in range(max(10, ITERATIONS // 10)):
        # A first compaction takes about 0.3 s here (0.02 s once the entries' text is cached).
        context = run_child(root, history, rng.randrange(1 << 30), rng.uniform(0, 0.25),
                            comments=len(ids), compact_every=(1, 2))
        touched = sorted({c.comment_id for c in history.changes.values() if c.seq > len(ids)}) + ids[:50]
        check_after_crash(root, history, touched, f"iteration {iteration} ({context})",
                          compact=rng.random() < 0.5, parse=iteration % 5 == 0)
    assert history.kills_in_compaction > 0, "no kill landed inside compact(): the file is too small to test this"


@pytest.mark.parametrize("step", crash_child.DIE_AT)
def test_a_kill_at_each_step_of_a_write(root: Path, step: str) -> None:
    """The child kills itself right after a chosen call: the temporary file created, the temporary
    file synced, the rename, a journal line appended (not synced), a journal line cut in half."""
    ids = comment_ids(30)
    rng = random.Random(SEED)
    history = History()
    for iteration in range(6):
        context = run_child(root, history, rng.randrange(1 << 30), None, comments=len(ids),
                            die_at=step, die_after=rng.randint(0, 4))
        check_after_crash(root, history, ids, f"{step}, iteration {iteration} ({context})", compact=iteration % 2 == 1)
    assert temporaries(root) == []
