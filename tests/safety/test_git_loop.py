"""Real git operations at random moments while an app-like labeler labels and compacts.

Three repositories in a temporary folder: a bare "remote", alice's clone (where the labeler runs,
`tests/safety/git_child.py`: the app's store, journal and fold lane in a child process) and a
teammate's clone. The git drivers are set up (`annotator git-setup`), as a project would. The
teammate pushes commits that change alice's file on comments the labeler labels and on others
(a topic added, the flag set: fields the labeler never touches). After a random 0-1.5 s the test
runs, in alice's clone, one of:

- `git pull --rebase` (often right after `git commit -am`, as a user would; sometimes with the
  labeler's changes uncommitted, and git refuses), then sometimes `git push`;
- `git fetch` and `git merge origin/main`, sometimes `--no-commit` and then, after a pause,
  `git commit` or `git merge --abort`;
- `git rebase -i @{upstream}` with a sequence editor that rewords, squashes or swaps the first
  two commits (which all change alice's file), or stops (`break`) or runs a command (`exec`) in the
  middle; a stopped rebase waits, then `--continue`s or `--abort`s (always `--abort` on a conflict);
- `git stash`, a pause, `git stash pop` (committing first when the file is dirty again, and
  resolving a conflicted pop by `git add` and `git stash drop`);
- `git commit -am`, the teammate's push, or a kill -9 of the labeler and a restart (also in the
  middle of a stopped rebase).

Every few iterations everything settles: the labeler quits (or is killed, and the store is opened
and compacted as the next start would), stashes are popped, alice pulls and pushes. Then:

- every change the labeler reported committed (to the journal) is in the file, or a later change
  of its own to that comment is (the note `change N` says which change an entry holds), with the
  stance it set; a stance from an older change of its own is accepted only as the field rules of
  a merge give it (counted and printed);
- everything the teammate pushed (topics, flags) is in the file, which is the remote's;
- the TOML file parses (after every iteration too, when git is idle);
- the labeler never renamed the TOML file while git was in the middle of an operation: a thread
  watches the git directory every 2 ms, and the labeler looks right after each rename;
- no git command stopped with "Your local changes would be overwritten" or "You have unstaged
  changes" because the app wrote during it. A file dirty when the command started (`git status`
  is asked just before each, without optional locks, so that asking leaves the git directory
  alone) is expected; so is git's first look refusing a file the app wrote after that
  `git status` and before git locked anything (counted apart: git changed nothing).

`ANNOTATOR_GIT_ITERATIONS` sets the number of iterations (default 30, about 40 s);
`ANNOTATOR_GIT_SEED` replays a run (the seed is printed, and named in every failure).
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shlex
import signal
import subprocess
import sys
import threading
import time
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from annotator.core import gitio, gitsetup
from annotator.core.lock import AnnotatorLock
from annotator.core.models import Annotation
from annotator.core.store import AnnotationFile, annotation_path
from tests.core.gitrepo import isolate_git
from tests.safety import git_child
from tests.safety.crash_child import WHEN, comment_ids, comment_text
from tests.safety.git_child import ANNOTATOR, STANCES, note, seq_of

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs POSIX processes and SIGKILL")

ITERATIONS = int(os.environ.get("ANNOTATOR_GIT_ITERATIONS", "30"))
SEED = int(os.environ.get("ANNOTATOR_GIT_SEED", str(random.SystemRandom().randrange(1 << 30))))
ROUND = 8  # iterations between two settles
COMMENTS = 40
SEEDED = 20  # comments labeled in the first commit
TEAM_TOPICS = ("dl-theory", "reasoning", "memorization")
FILE = "annotations/alice.toml"
TIMEOUT = 30.0
COMPACT_AFTER = (0.02, 0.1, 0.25, 0.5)  # seconds without a change before the labeler compacts
WATCH = (0.05, 0.3)  # how often it looks for outside changes
# How long git must have left its directory alone before the labeler writes: the app's, or half
# a second (still twenty times the longest gap measured inside a git command, git stash's; and
# longer than `git pull`'s fetch from a local remote, which changes nothing in that folder).
QUIET = (gitio.QUIET_SECONDS, 0.5)

# What git says when it will not touch a file with changes it did not make.
REFUSALS = ("would be overwritten", "You have unstaged changes", "Your index contains uncommitted changes",
            "Please commit your changes or stash them")
# git's first look at the working tree, before it has changed or locked anything, per command.
FIRST_LOOK = {
    "pull": "cannot pull with rebase: You have unstaged changes",
    "rebase": "cannot rebase: You have unstaged changes",
    "merge": "would be overwritten by merge",
    "stash": "would be overwritten by merge",
}
# Failures that are part of the plan.
EXPECTED = ("CONFLICT", "nothing to commit", "no changes added to commit", "could not apply")

_CONTEXT = multiprocessing.get_context("forkserver") if hasattr(os, "fork") else None
if _CONTEXT is not None:
    _CONTEXT.set_forkserver_preload(["tests.safety.crash_child", "tests.safety.git_child"])

# The sequence editor of `git rebase -i`: `python -c EDITOR MODE TODO-FILE`.
EDITOR = """
import sys
mode, path = sys.argv[1], sys.argv[2]
lines = open(path, encoding="utf-8").read().splitlines(True)
picks = [n for n, line in enumerate(lines) if line.startswith("pick ")]
if picks and mode == "reword":
    lines[picks[0]] = "reword" + lines[picks[0]][4:]
elif len(picks) > 1 and mode == "squash":
    lines[picks[1]] = "squash" + lines[picks[1]][4:]
elif len(picks) > 1 and mode == "swap":
    lines[picks[0]], lines[picks[1]] = lines[picks[1]], lines[picks[0]]
elif picks and mode == "break":
    lines.insert(picks[0] + 1, "break\\n")
elif picks and mode == "exec":
    lines.insert(picks[0] + 1, "exec sleep 0.4\\n")
open(path, "w", encoding="utf-8").write("".join(lines))
"""
REBASE_MODES = ("plain", "reword", "squash", "swap", "break", "exec")


def pause(rng: random.Random, longest: float) -> None:
    time.sleep(rng.uniform(0, longest))


# The labeler ----------------------------------------------------------------------------------


class Labeler:
    """One run of `git_child.run` in a forked process; a thread reads its lines as they come."""

    def __init__(self, root: Path, seed: int, first_seq: int, **timings: float) -> None:
        reader, writer = _CONTEXT.Pipe(duplex=False)
        self.process = _CONTEXT.Process(target=git_child.run, args=(str(root), writer, seed, first_seq, COMMENTS),
                                        kwargs=timings, daemon=True)
        self.lines: list[str] = []
        self._reader = reader
        self._ready = threading.Event()
        self._closed = threading.Event()
        self.process.start()
        writer.close()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buffer = b""
        try:
            while chunk := os.read(self._reader.fileno(), 65536):
                buffer += chunk
                *complete, buffer = buffer.split(b"\n")
                for line in complete:
                    self.lines.append(line.decode())
                    if line == b"ready":
                        self._ready.set()
        finally:
            self._closed.set()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + TIMEOUT
        while not self._ready.wait(0.1):
            assert not self._closed.is_set(), f"the labeler exited with {self.process.exitcode} before it was ready"
            assert time.monotonic() < deadline, "the labeler never became ready"

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self._end(-signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM: the labeler quits as the app does."""
        os.kill(self.process.pid, signal.SIGTERM)
        self._end(0)
        assert self.lines[-1].startswith("stopped"), self.lines[-5:]

    def _end(self, code: int) -> None:
        assert self._closed.wait(TIMEOUT), "the labeler did not end"
        self.process.join(TIMEOUT)
        self._reader.close()
        assert self.process.exitcode == code, f"the labeler ended with {self.process.exitcode}, not {code}"


@dataclass
class History:
    """What the labelers said, over every run on alice's clone."""

    changes: dict[int, tuple[str, str]] = field(default_factory=dict)  # seq -> (comment id, stance)
    durable: dict[str, int] = field(default_factory=dict)  # comment id -> seq of its last committed change
    last_seq: int = 0
    writes: list[tuple[float, float, str]] = field(default_factory=list)  # the TOML file's renames
    events: Counter = field(default_factory=Counter)

    def feed(self, lines: list[str]) -> None:
        for line in lines:
            kind, *words = line.split()
            self.events[kind] += 1
            if kind == "begin":
                seq = int(words[0])
                self.changes[seq] = (words[1], words[2])
                self.last_seq = max(self.last_seq, seq)
            elif kind == "committed":
                seq = int(words[0])
                assert self.changes[seq] == (words[1], words[2])
                self.durable[words[1]] = max(self.durable.get(words[1], 0), seq)
            elif kind == "wrote":
                self.writes.append((float(words[0]), float(words[1]), words[2]))
            elif kind in ("skipped", "paused", "failed"):
                self.events[f"{kind} {words[0]}"] += 1


# Watching git ---------------------------------------------------------------------------------


class Watcher:
    """Polls what git is doing in a git directory every 2 ms: the spans each operation was seen."""

    def __init__(self, git_dir: Path) -> None:
        self.git_dir = git_dir
        self.spans: list[list] = []  # [operation, first seen, last seen]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        current = None
        while not self._stop.is_set():
            now = time.time()
            operation = gitio.operation_in_progress(self.git_dir)
            if operation is None:
                current = None
            elif current is not None and current[0] == operation:
                current[2] = now
            else:
                current = [operation, now, now]
                self.spans.append(current)
            self._stop.wait(0.002)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def writes_during(self, writes: list[tuple[float, float, str]]) -> list[str]:
        """The renames that happened while git was seen busy both before and after them."""
        found = []
        for operation, first, last in self.spans:
            for start, done, _ in writes:
                if first < start and done < last:
                    found.append(f"the TOML file was renamed at {start:.4f} during {operation} "
                                 f"(seen from {first:.4f} to {last:.4f})")
        return found


# alice's clone, the teammate, the remote --------------------------------------------------------


@dataclass
class Run:
    """One git command in alice's clone, with the state of the file just before it."""

    action: str
    args: tuple[str, ...]
    dirty: str  # `git status --porcelain` of the file just before the command
    head: str
    status_at: float
    start: float
    end: float
    code: int
    output: str
    left: str | None  # the operation git was in the middle of after it
    head_after: str

    @property
    def command(self) -> str:
        """`pull --rebase`, `stash pop`, `merge --no-commit`...: the command without its details."""
        words = [self.args[0]]
        words += [arg for arg in self.args[1:3] if arg in ("pop", "drop", "--abort", "--continue", "--rebase")]
        words += [arg for arg in self.args if arg in ("-i", "--no-commit", "--no-ff")][:1]
        return " ".join(words)

    def describe(self) -> str:
        last = self.output.strip().splitlines()[-3:]
        return (f"{self.action}: `git {' '.join(self.args)}` (file {'dirty: ' + self.dirty.strip() if self.dirty else 'clean'} "
                f"before; exit {self.code}): {' / '.join(last)}")


class World:
    """The three repositories, the labeler in alice's clone, and what happened."""

    def __init__(self, tmp_path: Path, rng: random.Random) -> None:
        self.rng = rng
        self.remote = tmp_path / "remote.git"
        self.alice = tmp_path / "alice"
        self.bob = tmp_path / "bob"
        self.ids = comment_ids(COMMENTS)
        self.history = History()
        self.runs: list[Run] = []
        self.team_topics: set[tuple[str, str]] = set()  # (comment id, topic) the teammate pushed
        self.team_flags: set[str] = set()
        self.problems: list[str] = []
        self.counts: Counter = Counter()
        self._create()
        self.git_dir = gitio.git_dir(self.alice)
        self.watcher = Watcher(self.git_dir)
        self.labeler: Labeler | None = None

    # Setting up ---------------------------------------------------------------------------

    def _create(self) -> None:
        plain(self.remote.parent, "init", "-q", "--bare", "-b", "main", str(self.remote))
        self.alice.mkdir()
        plain(self.alice, "init", "-q", "-b", "main")
        identity(self.alice, "Alice")
        (self.alice / "annotations").mkdir()
        (self.alice / ".gitignore").write_text("annotations/.*\n", "utf-8")  # journal, lock, temporary files
        gitsetup.set_up(self.alice)  # `.gitattributes`, and the drivers in this clone's config
        store = AnnotationFile(annotation_path(self.alice, ANNOTATOR), ANNOTATOR)
        for seq, comment_id in enumerate(self.ids[:SEEDED], start=1):
            stance = self.rng.choice(STANCES)
            store.set(comment_id, Annotation(stance=stance, note=note(seq), seconds=1.5, updated=WHEN),
                      comment_text(comment_id))
            self.history.changes[seq] = (comment_id, stance)
            self.history.durable[comment_id] = seq
        self.history.last_seq = SEEDED
        store.save()
        plain(self.alice, "add", "-A")
        plain(self.alice, "commit", "-q", "-m", "alice labels the first comments")
        plain(self.alice, "remote", "add", "origin", str(self.remote))
        plain(self.alice, "push", "-q", "-u", "origin", "main")
        plain(self.remote.parent, "clone", "-q", str(self.remote), str(self.bob))
        identity(self.bob, "Bob")
        gitsetup.set_up(self.bob)

    # The labeler --------------------------------------------------------------------------

    def start_labeler(self) -> None:
        # The app compacts after 1 s without a key, looks every 1.5 s and writes once git has left
        # its directory alone for 1 s; here it is faster, and sometimes much faster, so that its
        # writes meet git's commands more often.
        quiet = self.rng.choice(QUIET)
        self.counts[f"labeler runs waiting {quiet:g} s after git"] += 1
        self.labeler = Labeler(self.alice, self.rng.randrange(1 << 30), self.history.last_seq + 1,
                               compact_after=self.rng.choice(COMPACT_AFTER), watch=self.rng.choice(WATCH),
                               quiet=quiet)
        self.labeler.wait_ready()

    def stop_labeler(self, kill: bool) -> None:
        labeler, self.labeler = self.labeler, None
        if kill:
            labeler.kill()
            self.counts["labeler killed"] += 1
        else:
            labeler.stop()
            self.counts["labeler quit"] += 1
        self.history.feed(labeler.lines)

    def restart(self) -> None:
        self.stop_labeler(kill=True)
        self.start_labeler()

    # git in alice's clone ---------------------------------------------------------------------

    def git(self, action: str, *args: str, env: dict[str, str] | None = None) -> Run:
        head = plain(self.alice, "rev-parse", "HEAD").stdout.strip()
        status_at = time.time()
        # Without optional locks: asking must not change the git directory, which the app watches.
        dirty = plain(self.alice, "--no-optional-locks", "status", "--porcelain", "--", FILE).stdout
        start = time.time()
        result = subprocess.run(["git", *args], cwd=self.alice, capture_output=True, text=True, env=env)
        end = time.time()
        left = gitio.operation_in_progress(self.git_dir)
        head_after = plain(self.alice, "rev-parse", "HEAD").stdout.strip()
        run = Run(action, args, dirty, head, status_at, start, end, result.returncode,
                  result.stdout + result.stderr, left, head_after)
        self.runs.append(run)
        self.counts[f"git {run.command}"] += 1
        return run

    def busy(self) -> str | None:
        return gitio.operation_in_progress(self.git_dir)

    def conflicted(self) -> bool:
        return bool(plain(self.alice, "diff", "--name-only", "--diff-filter=U").stdout.strip())

    def dirty(self) -> bool:
        return bool(plain(self.alice, "--no-optional-locks", "status", "--porcelain", "--", FILE).stdout.strip())

    def commit(self) -> None:
        self.git("commit", "commit", "-q", "-a", "-m", "alice labels")

    def maybe_commit(self, chance: float) -> None:
        """`git commit -am` (with `chance`), and then a moment for the labeler to go on."""
        if self.rng.random() < chance:
            self.commit()
            pause(self.rng, 0.2 if self.rng.random() < 0.7 else 0.8)

    def ahead(self) -> int:
        return int(plain(self.alice, "rev-list", "--count", "--no-merges", "@{upstream}..HEAD").stdout or 0)

    # The actions ------------------------------------------------------------------------------

    def pull(self) -> None:
        if self.rng.random() < 0.5:
            self.teammate()  # something to rebase onto
        self.maybe_commit(0.7)
        run = self.git("pull", "pull", "--rebase", "-q")
        if run.left:
            self.finish_rebase()
        elif run.code == 0 and self.rng.random() < 0.5:
            self.git("pull", "push", "-q", "origin", "HEAD:main")

    def merge(self) -> None:
        if self.rng.random() < 0.7:
            self.teammate()  # something to merge
        self.git("merge", "fetch", "-q")
        self.maybe_commit(0.7)
        stop = self.rng.random() < 0.4
        options = ["--no-commit", "--no-ff"] if stop else (["--no-ff"] if self.rng.random() < 0.5 else [])
        run = self.git("merge", "merge", "-q", "--no-edit", *options, "origin/main")
        if run.left:  # stopped before its commit (asked to, or a conflict): git is mid-merge
            self.counts["merge stopped"] += 1
            pause(self.rng, 1.0)
            if self.rng.random() < 0.2:
                self.restart()
            if self.conflicted() or self.rng.random() < 0.3:
                self.git("merge", "merge", "--abort")
            else:
                self.git("merge", "commit", "-q", "--no-edit")

    def rebase(self) -> None:
        self.maybe_commit(0.8)
        if self.ahead() < 2:  # give it two commits of the labeler's to work on
            pause(self.rng, 1.0)
            self.maybe_commit(1.0)
        mode = self.rng.choice(REBASE_MODES)
        self.counts[f"rebase -i: {mode}"] += 1
        editor = f"{shlex.quote(sys.executable)} -c {shlex.quote(EDITOR)} {mode}"
        env = {**os.environ, "GIT_SEQUENCE_EDITOR": editor}
        run = self.git("rebase", "rebase", "-q", "-i", "@{upstream}", env=env)
        if run.left:
            self.finish_rebase()

    def finish_rebase(self) -> None:
        """A rebase stopped (a `break`, a conflict): wait, then continue or abort."""
        for _ in range(10):
            if not self.busy():
                return
            self.counts["rebase stopped"] += 1
            pause(self.rng, 1.0)
            if self.rng.random() < 0.2:
                self.restart()  # a labeler started in the middle of a rebase must not write either
            if self.conflicted() or self.rng.random() < 0.35:
                self.git("rebase", "rebase", "--abort")
            else:
                self.git("rebase", "rebase", "--continue")
        if self.busy():
            self.git("rebase", "rebase", "--abort")

    def stash(self) -> None:
        run = self.git("stash", "stash", "-q")
        pause(self.rng, 1.5)
        if run.code == 0:
            self.pop(tries=3)

    def pop(self, tries: int) -> None:
        """`git stash pop` until the stash list is empty, committing first when the file is dirty
        (mostly); a conflicted pop is resolved with `git add` and `git stash drop`."""
        while tries and plain(self.alice, "stash", "list").stdout.strip():
            tries -= 1
            if self.dirty() and self.rng.random() < 0.8:
                self.commit()
                pause(self.rng, 0.1)
            run = self.git("stash", "stash", "pop", "-q")
            if self.conflicted():
                self.counts["stash pop conflicts"] += 1
                self.git("stash", "add", FILE)
                self.git("stash", "stash", "drop", "-q")
            elif run.code != 0:
                pause(self.rng, 0.3)

    def teammate(self) -> None:
        """The teammate adds a topic or sets the flag on a few comments of alice's file, pushes."""
        plain(self.bob, "pull", "-q", "--rebase")
        store = AnnotationFile.open(self.bob, ANNOTATOR)
        topics, flags = set(), set()
        for comment_id in self.rng.sample(self.ids, self.rng.randint(1, 3)):
            entry = store.get(comment_id) or Annotation()
            missing = [topic for topic in TEAM_TOPICS if topic not in entry.topics]
            if missing and self.rng.random() < 0.8:
                topic = self.rng.choice(missing)
                store.set(comment_id, entry.replace(topics=(*entry.topics, topic)), comment_text(comment_id))
                topics.add((comment_id, topic))
            elif not entry.flagged:
                store.set(comment_id, entry.replace(flagged=True), comment_text(comment_id))
                flags.add(comment_id)
        if not (topics or flags):
            return
        store.save()
        plain(self.bob, "commit", "-q", "-a", "-m", "bob: topics and flags on alice's comments")
        plain(self.bob, "push", "-q", "origin", "main")
        self.team_topics |= topics
        self.team_flags |= flags
        self.counts["teammate pushes"] += 1

    # Each iteration, and the checks -------------------------------------------------------------

    def iterate(self) -> None:
        pause(self.rng, 1.5)
        actions = (self.pull, self.merge, self.rebase, self.stash, self.commit, self.teammate, self.restart)
        action = self.rng.choices(actions, weights=(3, 2, 3, 2, 1, 3, 0.6))[0]
        action()
        assert not self.busy(), f"git is still busy after {action.__name__}"
        self.check_parses(f"after {action.__name__}")

    def check_parses(self, context: str) -> None:
        path = annotation_path(self.alice, ANNOTATOR)
        try:
            tomllib.loads(path.read_text("utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            self.problems.append(f"{context}: {FILE} does not parse: {error}")

    def settle(self, context: str) -> None:
        """Stop the labeler (quit or kill -9), open the store as the next start would, bring back
        every stash, pull and push; then check."""
        self.stop_labeler(kill=self.rng.random() < 0.5)
        lock = AnnotatorLock.for_file(annotation_path(self.alice, ANNOTATOR)).acquire()
        try:
            store = AnnotationFile.open(self.alice, ANNOTATOR)  # replays what a killed labeler journaled
            if store.needs_compaction:
                store.compact()
        finally:
            lock.release()
        if self.dirty():
            self.commit()
        self.pop(tries=10)
        if self.dirty():
            self.commit()
        assert not plain(self.alice, "stash", "list").stdout.strip(), f"{context}: a stash is left"
        pulled = self.git("settle", "pull", "--rebase", "-q")
        assert pulled.code == 0 and not pulled.left, f"{context}: {pulled.describe()}"
        pushed = self.git("settle", "push", "-q", "origin", "HEAD:main")
        assert pushed.code == 0, f"{context}: {pushed.describe()}"
        self.check(context)

    def check(self, context: str) -> None:
        path = annotation_path(self.alice, ANNOTATOR)
        text = path.read_text("utf-8")
        tomllib.loads(text)
        assert not self.dirty(), f"{context}: the file is not committed"
        assert plain(self.remote, "show", f"main:{FILE}").stdout == text, f"{context}: the remote differs"
        store = AnnotationFile.open(self.alice, ANNOTATOR)
        assert not store.needs_compaction, f"{context}: a journal is left: {store.warnings}"
        entries = store.entries
        for comment_id in self.ids:
            entry = entries.get(comment_id)
            found, committed = seq_of(entry), self.history.durable.get(comment_id, 0)
            if found < committed:
                self.problems.append(f"{context}: LOST: {comment_id} holds change {found}, "
                                     f"but change {committed} was reported committed")
                continue
            if found:
                owner, stance = self.history.changes[found]
                assert owner == comment_id, f"{context}: {comment_id} holds change {found}, which was of {owner}"
                if entry.stance != stance:
                    older = {stance for seq, (owner, stance) in self.history.changes.items()
                             if owner == comment_id and seq < found}
                    if entry.stance in older:
                        self.counts["stances from an older change of its own, by the field rules"] += 1
                    else:
                        self.problems.append(f"{context}: {comment_id} holds change {found} with stance "
                                             f"{entry.stance!r}, not its {stance!r}")
                self.history.durable[comment_id] = found  # the file holds it now: the next round starts here
            topics = set(entry.topics) if entry else set()
            if not topics <= set(TEAM_TOPICS):
                self.problems.append(f"{context}: {comment_id} has topics {topics}: nobody set those")
        for comment_id, topic in sorted(self.team_topics):
            entry = entries.get(comment_id)
            if entry is None or topic not in entry.topics:
                self.problems.append(f"{context}: LOST: the teammate's topic {topic!r} on {comment_id} ({entry})")
        for comment_id in sorted(self.team_flags):
            entry = entries.get(comment_id)
            if entry is None or not entry.flagged:
                self.problems.append(f"{context}: LOST: the teammate's flag on {comment_id} ({entry})")

    def classify(self) -> Counter:
        """Each git command that refused the file, by why; a refusal the app caused during an
        operation is a problem."""
        found: Counter = Counter()
        writes = self.history.writes
        for run in self.runs:
            if run.code == 0:
                continue
            refused = any(message in run.output for message in REFUSALS)
            if not refused:
                if not any(message in run.output for message in EXPECTED):
                    self.problems.append(f"unexpected failure: {run.describe()}")
                continue
            if run.dirty:
                found["refused: the file was dirty before the command (expected)"] += 1
                continue
            wrote = [start for start, _, _ in writes if run.status_at <= start <= run.end]
            first_look = FIRST_LOOK.get(run.args[0])
            untouched = run.head_after == run.head and run.left is None
            if wrote and untouched and first_look and first_look in run.output:
                found["refused at git's first look: the app wrote after `git status` said clean"] += 1
            else:
                why = "the app wrote during it" if wrote else "no write of the app explains it"
                self.problems.append(f"refused, {why}: {run.describe()}")
                found["refused during the operation"] += 1
        return found


def plain(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A git command the test needs to succeed, not one of the loop's."""
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0 or args[0] in ("rev-list",), f"git {' '.join(args)}: {result.stderr}"
    return result


def identity(root: Path, name: str) -> None:
    plain(root, "config", "user.name", name)
    plain(root, "config", "user.email", f"{name.lower()}@example.org")
    plain(root, "config", "commit.gpgsign", "false")


def test_git_operations_at_random_moments_never_lose_a_label(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    isolate_git(monkeypatch, tmp_path / "home")
    started = time.monotonic()
    rng = random.Random(SEED)
    world = World(tmp_path, rng)
    try:
        world.start_labeler()
        for iteration in range(ITERATIONS):
            world.iterate()
            if iteration % ROUND == ROUND - 1 or iteration == ITERATIONS - 1:
                world.settle(f"ANNOTATOR_GIT_SEED={SEED}, iteration {iteration}")
                if iteration < ITERATIONS - 1:
                    world.start_labeler()
    finally:
        if world.labeler is not None:
            world.labeler.process.kill()
        world.watcher.stop()
    refusals = world.classify()
    world.problems.extend(world.watcher.writes_during(world.history.writes))
    after = Counter(state for _, _, state in world.history.writes if state != "-")
    events = world.history.events
    with capsys.disabled():
        print(f"\ngit loop: ANNOTATOR_GIT_SEED={SEED}, {ITERATIONS} iterations in {time.monotonic() - started:.1f} s")
        for name, count in sorted((world.counts + refusals).items()):
            print(f"  {count:5d}  {name}")
        print(f"  labeler: {events['committed']} changes committed, {events['wrote']} renames of the file, "
              f"{events['compacted']} compactions, {events['merged']} merges of a file changed on disk, "
              f"{sum(n for k, n in events.items() if k.startswith('skipped '))} folds skipped and "
              f"{sum(n for k, n in events.items() if k.startswith('paused '))} compactions refused while git was "
              f"busy, {sum(n for k, n in events.items() if k.startswith('failed '))} folds failed")
        print(f"  renames with git busy right after: {dict(after) or 0}; "
              f"git operations seen by the watcher: {len(world.watcher.spans)}")
        print(f"  problems (losses included): {len(world.problems)}")
    assert not world.problems, f"ANNOTATOR_GIT_SEED={SEED}:\n" + "\n".join(world.problems)
    assert events["committed"] > ITERATIONS and events["compacted"] > 0
