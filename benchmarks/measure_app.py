"""The app in a real terminal: start-up against a bare Textual app, key press to disk, navigation.

Each run is one session of the installed console script on a pseudo-terminal (`processes.Terminal`),
driven by typing into it and timed from this process, so nothing measured shares its interpreter:

- start: from the fork to the first output containing the start of the first comment (its list
  row); the bare app (`bare_app.py`) is timed the same way, alternating with the app in one run.
- labels on screen: from the fork to the progress line showing `N/total`, N = the annotator's labels.
- label to disk: 20 stance keys on the first comment, at a human cadence (`THINK`: some at once,
  some after a pause long enough for the app to start folding its journal into the TOML file).
  Each is timed from typing it until the change is on disk: the journal
  (`annotations/.<name>.journal`) has grown by a whole record naming the comment, or the TOML
  file has been replaced and its entry has the new stance. Both are polled with `os.stat` every 0.2 ms (and
  read only when they changed); before each key the files have been quiet for 50 ms.
- navigation: 100 presses of `j`, each timed from typing it to the frame showing the next position
  (`#k/total`). Every 10th is preceded by a stance key and a 1.2 s pause, so the journal is being
  written and folded into the file while the keys arrive.
- memory: the session's peak RSS (`VmHWM`) just before it quits.
"""

from __future__ import annotations

import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from annotator.core.config import load_config
from annotator.core.models import text_id
from annotator.core.store import AnnotationFile
from benchmarks.bare_app import MARKER
from benchmarks.generate import SyntheticProject
from benchmarks.processes import Terminal, Timeout

ANNOTATOR = "alice"
STANCE_KEYS = "admn"
LABEL_PRESSES = 20
THINK = (0.0, 1.2, 0.0, 0.0, 1.5, 0.0, 0.0, 2.0)  # seconds before each label key, in turn
NEXT_PRESSES = 100
STANCE_EVERY = 10
NAVIGATION_PAUSE = 1.2
SAVED = "● saved".encode()
POLL_SECONDS = 0.0002
QUIET_SECONDS = 0.05
SETTLE_SECONDS = 0.3
BARE_APP = Path(__file__).with_name("bare_app.py")
_STANCE_LINE = re.compile(r'^stance = "([^"]*)"$', re.MULTILINE)


@dataclass
class AppRuns:
    """What the runs at one size measured (seconds, milliseconds per press, MiB)."""

    start: list[float] = field(default_factory=list)
    start_bare: list[float] = field(default_factory=list)
    labels_on_screen: list[float] = field(default_factory=list)
    label_to_disk_ms: list[float] = field(default_factory=list)
    next_total: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    rss_bare: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def disk_state(paths: list[Path]) -> list[tuple[int, int, int] | None]:
    """Size, mtime and inode of each path (None where missing)."""
    states = []
    for path in paths:
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            states.append(None)
        else:
            states.append((stat.st_size, stat.st_mtime_ns, stat.st_ino))
    return states


def file_stance(text: str, comment_id: str) -> str | None:
    """The stance of `comment_id`'s entry in the text of an annotation file (None: no stance)."""
    start = text.find(f"\n[comments.{comment_id}]\n")
    if start < 0:
        return None
    end = text.find("\n\n", start + 1)
    found = _STANCE_LINE.search(text, start, end if end >= 0 else len(text))
    return found[1] if found else None


class DiskWatch:
    """Notices one comment's change reaching the annotator's file or journal."""

    def __init__(self, project: SyntheticProject, comment_id: str) -> None:
        self.file = project.annotations / f"{ANNOTATOR}.toml"
        self.journal = project.annotations / f".{ANNOTATOR}.journal"
        self.comment_id = comment_id
        self.before = self.state()

    def state(self) -> list[tuple[int, int, int] | None]:
        return disk_state([self.file, self.journal])

    def quiet(self, terminal: Terminal, timeout: float = 120.0) -> None:
        """Wait until neither file has changed for `QUIET_SECONDS`, then take that as the baseline."""
        deadline = time.perf_counter() + timeout
        state, since = self.state(), time.perf_counter()
        while time.perf_counter() - since < QUIET_SECONDS:
            if time.perf_counter() > deadline:
                raise Timeout("the annotation files never stopped changing")
            terminal.drain()
            time.sleep(POLL_SECONDS)
            now = self.state()
            if now != state:
                state, since = now, time.perf_counter()
        self.before = state

    def landed(self, stance: str | None) -> bool:
        """Whether the change to `stance` is on disk now; other changes move the baseline on."""
        now = self.state()
        if now == self.before:
            return False
        (file_before, journal_before), (file_now, journal_now) = self.before, now
        found = False
        if journal_now is not None and journal_now != journal_before:
            grown = journal_before is not None and journal_before[2] == journal_now[2]
            try:
                with self.journal.open("rb") as handle:
                    handle.seek(journal_before[0] if grown else 0)
                    added = handle.read()
            except FileNotFoundError:  # folded into the file meanwhile: the next poll sees that
                return False
            found = self.comment_id.encode() in added and added.endswith(b"\n")  # a whole record
        if not found and file_now is not None and file_now != file_before:
            found = file_stance(self.file.read_text("utf-8"), self.comment_id) == stance
        self.before = now
        return found

    def wait(self, terminal: Terminal, stance: str | None, timeout: float = 60.0) -> float:
        """The time at which the change to `stance` was seen on disk, draining the terminal meanwhile."""
        deadline = time.perf_counter() + timeout
        while not self.landed(stance):
            if time.perf_counter() > deadline:
                raise Timeout("the key press never reached the disk")
            terminal.drain()
            time.sleep(POLL_SECONDS)
        return time.perf_counter()


def time_start(argv: list[str], cwd: Path, marker: bytes) -> tuple[Terminal, float]:
    """Start `argv` on a terminal; the seconds until `marker` is on screen."""
    terminal = Terminal(argv, cwd)
    try:
        return terminal, terminal.wait_for(marker) - terminal.started
    except BaseException:
        terminal.kill()
        raise


def label_presses(terminal: Terminal, watch: DiskWatch, stance: str | None, names: dict[str, str]) -> list[float]:
    """Milliseconds from each stance key to its change on disk; `stance` is the comment's at first."""
    latencies = []
    for press in range(LABEL_PRESSES):
        terminal.idle(THINK[press % len(THINK)])
        watch.quiet(terminal)
        key = STANCE_KEYS[press % len(STANCE_KEYS)]
        stance = None if stance == names[key] else names[key]  # the same stance again clears it
        mark, typed = terminal.send(key.encode())
        latencies.append((watch.wait(terminal, stance) - typed) * 1000)
        terminal.wait_for(SAVED, since=mark)
    return latencies


def next_presses(terminal: Terminal, total: int) -> float:
    """Seconds that 100 `j` presses took, each from typing to the frame with the next position."""
    spent = 0.0
    for press in range(1, NEXT_PRESSES + 1):
        if press % STANCE_EVERY == 0:
            terminal.send(STANCE_KEYS[0].encode())
            terminal.idle(NAVIGATION_PAUSE)
        mark, typed = terminal.send(b"j")
        spent += terminal.wait_for(f"#{press + 1}/{total}".encode(), since=mark) - typed
    return spent


@dataclass(frozen=True, slots=True)
class Subject:
    """What a session at one size needs to know: the first comment, its stance, the key names."""

    comment_id: str
    stance: str | None
    names: dict[str, str]  # stance key -> stance name

    @classmethod
    def of(cls, project: SyntheticProject) -> Subject:
        comment_id = text_id(project.comments[0])
        entry = AnnotationFile.open(project.root, ANNOTATOR).get(comment_id)
        names = {label.key: label.name for label in load_config(project.root).schema.stance}
        return cls(comment_id, entry.stance if entry else None, names)


def app_session(project: SyntheticProject, subject: Subject, script: str, runs: AppRuns) -> None:
    """One session of the app: start, labels on screen, label presses, navigation, quit."""
    first = project.comments[0][:24].encode()
    labeled = f"{project.labeled[ANNOTATOR]}/{project.size}".encode()
    argv = [script, "--project", str(project.root), "--annotator", ANNOTATOR]
    terminal, start = time_start(argv, project.root, first)
    try:
        labels = terminal.wait_for(labeled) - terminal.started
        terminal.wait_for(SAVED)
        terminal.idle(SETTLE_SECONDS)
        watch = DiskWatch(project, subject.comment_id)
        latencies = label_presses(terminal, watch, subject.stance, subject.names)
        navigation = next_presses(terminal, project.size)
        rss = terminal.quit()
    except BaseException:
        terminal.kill()
        raise
    runs.start.append(start)
    runs.labels_on_screen.append(labels)
    runs.label_to_disk_ms += latencies
    runs.next_total.append(navigation)
    runs.rss.append(rss)


def bare_session(runs: AppRuns) -> None:
    """One start of the bare Textual app."""
    terminal, start = time_start([sys.executable, str(BARE_APP)], BARE_APP.parent, MARKER.encode())
    runs.start_bare.append(start)
    runs.rss_bare.append(terminal.quit())


def measure_app(project: SyntheticProject, script: str, count: int) -> AppRuns:
    """`count` runs of the bare app and the app, alternating which goes first; state reset between."""
    runs = AppRuns()
    subject = Subject.of(project)
    sessions = [lambda: bare_session(runs), lambda: app_session(project, subject, script, runs)]
    for run in range(count):
        for session in sessions if run % 2 == 0 else sessions[::-1]:
            project.reset()
            try:
                session()
            except (Timeout, OSError) as error:
                runs.errors.append(f"{type(error).__name__}: {error}")
    project.reset()
    return runs
