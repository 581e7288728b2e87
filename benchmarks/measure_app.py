"""The app in a real terminal: start-up against a bare Textual app, keys to frames and to disk, quit.

Each run is one session of the installed console script on a pseudo-terminal (`processes.Terminal`),
driven by typing into it and timed from this process, so nothing measured shares its interpreter.
The terminal says it has synchronized output, so a frame is timed to the read that brought its
last byte. A run is three sessions, the bare app first in even runs and last in odd ones:

- the bare app (`bare_app.py`): from the fork to its line on screen; then ctrl+q to its exit.
- a cold start (an empty parse cache of its own): from the fork to the first usable frame, one
  whole frame in which the status line counts the annotator's labels (`N/total`) and the editor
  shows the first comment (`#1/total`); whether an earlier frame showed the first comment (which
  is labeled) with the unlabeled mark; then one `j` typed at once, to the frame showing `#2/total`;
  the cache's size afterwards (the seeds' entry, and all it wrote).
- a session with the parses cached (by the cold start just before):
  - start: from the fork to the first output containing the start of the first comment (its list
    row, perhaps the placeholder list), then the first usable frame as above.
  - labels: 20 stance keys on the first comment, at a human cadence (`THINK`: some at once, some
    after a pause long enough for the app to start folding its journal into the TOML file). Each
    is timed to the frame that shows the stance chosen (`● name` in the labels panel), and until
    the change is on disk: the journal (`annotations/.<name>.journal`) has grown by a whole record
    naming the comment, or the TOML file has been replaced and its entry has the new stance. Both
    are polled with `os.stat` every 0.2 ms (and read only when they changed); before each key the
    files have been quiet for 50 ms.
  - navigation: 100 presses of `j`, each timed from typing it to the whole frame showing the next
    position (`#k/total`). Every 10th is preceded by a stance key and a 1.2 s pause, so the
    journal is being written and folded into the file while the key arrives (timed apart from
    the quick ones). Then 30 presses of `k`.
  - quit: 2 s after the last key, ctrl+q to the process's end; the peak RSS (`VmHWM`) just before.
- a start after that session, as a person's next one: the session's saves changed the labels
  file, which annotator parses into the cache in a child process left running as the session
  ends. Once that child has ended, from the fork to the first usable frame (the status line
  counting the labels as the session left them), then quit.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from annotator.core.config import load_config
from annotator.core.errors import AnnotatorError
from annotator.core.models import text_id
from annotator.core.seeds import peek_seeds
from annotator.core.store import AnnotationFile
from benchmarks.bare_app import MARKER
from benchmarks.generate import SyntheticProject
from benchmarks.processes import ROWS, Terminal, Timeout

ANNOTATOR = "alice"
STANCE_KEYS = "admn"
LABEL_PRESSES = 20
THINK = (0.0, 1.2, 0.0, 0.0, 1.5, 0.0, 0.0, 2.0)  # seconds before each label key, in turn
NEXT_PRESSES = 100
STANCE_EVERY = 10
NAVIGATION_PAUSE = 1.2
PREVIOUS_PRESSES = 30
QUIT_PAUSE = 2.0  # before ctrl+q: the last label has been folded into the file
MARK_UNLABELED = "·"  # the list's mark of a comment without labels
EXCERPT_MATCH = 20
START_TIMEOUT = 600.0  # seconds: a cold start at 1,000,000 comments on a busy machine is slow  # characters of the first comment looked for in its list row
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
    usable_warm: list[float] = field(default_factory=list)
    usable_cold: list[float] = field(default_factory=list)
    whole_cold: list[float] = field(default_factory=list)  # the screen of the whole corpus, at a cold start
    usable_after: list[float] = field(default_factory=list)  # the start after a session
    wrong_marks: list[float] = field(default_factory=list)  # per session: 1 if a frame showed wrong marks
    first_key_ms: list[float] = field(default_factory=list)
    label_to_disk_ms: list[float] = field(default_factory=list)
    label_drawn_ms: list[float] = field(default_factory=list)
    next_ms: list[float] = field(default_factory=list)  # quick presses
    next_after_save_ms: list[float] = field(default_factory=list)  # after a label and a pause
    previous_ms: list[float] = field(default_factory=list)
    next_total: list[float] = field(default_factory=list)
    quit: list[float] = field(default_factory=list)
    quit_bare: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    rss_cold: list[float] = field(default_factory=list)
    rss_cold_summed: list[float] = field(default_factory=list)  # each process's peak, summed
    rss_bare: list[float] = field(default_factory=list)
    cache_seeds_mb: list[float] = field(default_factory=list)
    cache_total_mb: list[float] = field(default_factory=list)
    seeds_mb: float = 0.0
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


@contextmanager
def killed_on_failure(terminal: Terminal) -> Iterator[Terminal]:
    """The program ends at once if the measurement fails (a timeout, ctrl+c)."""
    try:
        yield terminal
    except BaseException:
        terminal.kill()
        raise


def time_start(argv: list[str], cwd: Path, marker: bytes, env: dict[str, str] | None = None) -> tuple[Terminal, float]:
    """Start `argv` on a terminal; the seconds until `marker` is on screen."""
    terminal = Terminal(argv, cwd, env)
    with killed_on_failure(terminal):
        return terminal, terminal.wait_for(marker) - terminal.started


def label_presses(terminal: Terminal, watch: DiskWatch, stance: str | None, names: dict[str, str],
                  runs: AppRuns) -> None:
    """Each stance key's time to disk, and to the frame that shows it chosen (`● name` in the
    labels panel); `stance` is the comment's at first."""
    for press in range(LABEL_PRESSES):
        terminal.idle(THINK[press % len(THINK)])
        watch.quiet(terminal)
        key = STANCE_KEYS[press % len(STANCE_KEYS)]
        stance = None if stance == names[key] else names[key]  # the same stance again clears it
        mark, typed = terminal.send(key.encode())
        runs.label_to_disk_ms.append((watch.wait(terminal, stance) - typed) * 1000)
        if stance is not None:  # (a cleared stance has no mark of its own to wait for)
            runs.label_drawn_ms.append((terminal.wait_frame(f"● {stance}".encode(), since=mark) - typed) * 1000)
        terminal.wait_for(SAVED, since=mark)


def position(number: int, total: int | None) -> bytes:
    """What the comment's header shows at list position `number` (1-based); `total` None: on the
    app's provisional screen (the start of a cold start's corpus, its size not known yet)."""
    return f"#{number}/{'…' if total is None else total}".encode()


def next_presses(terminal: Terminal, total: int, runs: AppRuns) -> None:
    """100 presses of `j`, each timed from typing to the whole frame with the next position;
    every 10th comes after a stance key and a pause, while the label is being saved. Then
    `PREVIOUS_PRESSES` of `k`."""
    spent = 0.0
    for press in range(1, NEXT_PRESSES + 1):
        after_save = press % STANCE_EVERY == 0
        if after_save:
            terminal.send(STANCE_KEYS[0].encode())
            terminal.idle(NAVIGATION_PAUSE)
        mark, typed = terminal.send(b"j")
        took = terminal.wait_frame(position(press + 1, total), since=mark) - typed
        spent += took
        (runs.next_after_save_ms if after_save else runs.next_ms).append(took * 1000)
    runs.next_total.append(spent)
    for press in range(PREVIOUS_PRESSES):
        mark, typed = terminal.send(b"k")
        shown = terminal.wait_frame(position(NEXT_PRESSES - press, total), since=mark)
        runs.previous_ms.append((shown - typed) * 1000)


@dataclass(frozen=True, slots=True)
class Subject:
    """What a session at one size needs to know: the first comment, its stance, the key names, and
    the comment whose label mark the first frames are checked for."""

    comment_id: str
    stance: str | None
    names: dict[str, str]  # stance key -> stance name
    # The start of the first labeled comment of the first screen that no unlabeled one there
    # starts as (None: there is none): a frame with the unlabeled mark before it shows wrong
    # marks (see `wait_usable`).
    watched: str | None

    @classmethod
    def of(cls, project: SyntheticProject) -> Subject:
        comment_id = text_id(project.first)
        with paused_cache():
            labels = AnnotationFile.open(project.root, ANNOTATOR)
            screen = peek_seeds(project.root, ROWS // 2)  # (well within the list's rows)
        entry = labels.get(comment_id)
        names = {label.key: label.name for label in load_config(project.root).schema.stance}
        labeled = {comment.id for comment in screen if (found := labels.get(comment.id)) is not None and found.is_labeled}
        unlabeled_starts = {_start(comment.text) for comment in screen if comment.id not in labeled}
        watched = next((_start(comment.text) for comment in screen
                        if comment.id in labeled and _start(comment.text) not in unlabeled_starts), None)
        return cls(comment_id, entry.stance if entry else None, names, watched)


def _start(text: str) -> str:
    """What the check of wrong marks looks for of a comment: its first characters, on one line."""
    return " ".join(text.split())[:EXCERPT_MATCH]


def paused_cache():
    """The parse cache off in this process (the measured one is the app's)."""
    from unittest import mock

    return mock.patch.dict(os.environ, {"ANNOTATOR_CACHE_DIR": "off"})


def whole_counted(project: SyntheticProject, labeled_count: int | None = None) -> bytes:
    """The status line's count once the whole corpus is read: the annotator's labels (as
    generated, or `labeled_count`) of the corpus's size."""
    count = project.labeled[ANNOTATOR] if labeled_count is None else labeled_count
    return f"{count}/{project.size}".encode()


def wait_usable(terminal: Terminal, project: SyntheticProject, subject: Subject | None, runs: AppRuns,
                labeled_count: int | None = None) -> float:
    """Seconds from the fork to the first usable frame, in one whole frame: the editor shows the
    first comment and the list its labels' marks, on the screen of the whole corpus (`#1/total`,
    the status line counting the annotator's labels) or on the provisional screen of a cold start
    (`#1/…`: the start of the corpus, its labels found in the file, labels and moves acting at
    once). Given the `subject`, records whether an earlier frame showed a labeled comment
    (`Subject.watched`) without its label mark."""
    labeled = whole_counted(project, labeled_count)
    usable, which = terminal.wait_any_frame((labeled, position(1, project.size)), (position(1, None),),
                                            timeout=START_TIMEOUT)
    offset = terminal.output.find(labeled if which == 0 else position(1, None))
    if subject is not None and subject.watched is not None:
        wrong = re.search(f"{MARK_UNLABELED} +{re.escape(subject.watched)}", terminal.text_before(offset)) is not None
        runs.wrong_marks.append(float(wrong))
    return usable - terminal.started


def app_session(project: SyntheticProject, subject: Subject, script: str, runs: AppRuns, cache: Path) -> None:
    """One session of the app, its parses cached: start, the first usable frame, label presses,
    navigation, quit."""
    first = project.first[:24].encode()
    argv = [script, "--project", str(project.root), "--annotator", ANNOTATOR]
    terminal, start = time_start(argv, project.root, first, {"ANNOTATOR_CACHE_DIR": str(cache)})
    with killed_on_failure(terminal):
        usable = wait_usable(terminal, project, subject, runs)
        terminal.wait_frame(whole_counted(project), timeout=START_TIMEOUT)  # (the keys below: on the whole corpus)
        terminal.wait_for(SAVED)
        terminal.idle(SETTLE_SECONDS)
        watch = DiskWatch(project, subject.comment_id)
        label_presses(terminal, watch, subject.stance, subject.names, runs)
        next_presses(terminal, project.size, runs)
        terminal.idle(QUIT_PAUSE)
        rss = terminal.quit()
    runs.start.append(start)
    runs.usable_warm.append(usable)
    runs.quit.append(terminal.quit_seconds)
    runs.rss.append(rss)


def after_session(project: SyntheticProject, script: str, runs: AppRuns, cache: Path) -> None:
    """A start after `app_session` (with its `cache`), once the child it left parsing its labels
    has ended: the first usable frame, then quit. Not timed where that child cannot be seen
    (no /proc): the start would race it."""
    file = project.annotations / f"{ANNOTATOR}.toml"
    if not PROCESSES.is_dir():
        return
    wait_for_children(file)
    with paused_cache():
        labeled = sum(entry.is_labeled for entry in AnnotationFile.load(file).entries.values())
    argv = [script, "--project", str(project.root), "--annotator", ANNOTATOR]
    terminal = Terminal(argv, project.root, {"ANNOTATOR_CACHE_DIR": str(cache)})
    with killed_on_failure(terminal):
        usable = wait_usable(terminal, project, None, runs, labeled)
        terminal.idle(SETTLE_SECONDS)
        terminal.quit()
    runs.usable_after.append(usable)


PROCESSES = Path("/proc")
CHILD_TIMEOUT = 120.0  # seconds: the labels' parse at a million comments takes some ten


def wait_for_children(file: Path, timeout: float = CHILD_TIMEOUT) -> None:
    """Until no process of annotator's is parsing `file` into the cache (`prefetch`'s children,
    found by their command line in /proc)."""
    wanted = [b"annotator.core.prefetch", os.fsencode(file)]
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        running = False
        for entry in PROCESSES.glob("[0-9]*"):
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if all(part in command for part in wanted):
                running = True
                break
        if not running:
            return
        time.sleep(0.05)
    raise Timeout(f"the parse of {file.name} left by the session did not end")


def cold_session(project: SyntheticProject, subject: Subject, script: str, runs: AppRuns, cache: Path) -> None:
    """One start with an empty parse cache (`cache`, which it fills): the first usable frame, then
    one `j` typed at once (its time to the frame with the second comment, on whichever screen is
    up), the screen of the whole corpus, then quit. Records the cache's size afterwards."""
    argv = [script, "--project", str(project.root), "--annotator", ANNOTATOR]
    terminal = Terminal(argv, project.root, {"ANNOTATOR_CACHE_DIR": str(cache)})
    with killed_on_failure(terminal):
        usable = wait_usable(terminal, project, subject, runs)
        mark, typed = terminal.send(b"j")
        moved, _ = terminal.wait_any_frame((position(2, project.size),), (position(2, None),), since=mark)
        whole = terminal.wait_frame(whole_counted(project), timeout=START_TIMEOUT)
        terminal.wait_for(SAVED)  # (quits once the cache is written)
        terminal.idle(SETTLE_SECONDS)
        rss = terminal.quit()
    runs.usable_cold.append(usable)
    runs.whole_cold.append(whole - terminal.started)
    runs.first_key_ms.append((moved - typed) * 1000)
    runs.rss_cold.append(rss)
    runs.rss_cold_summed.append(terminal.summed_mb if terminal.summed_mb is not None else rss)
    entries = list(cache.glob("*")) if cache.is_dir() else []
    runs.cache_seeds_mb.append(sum(path.stat().st_size for path in entries if path.name.startswith("seeds-")) / 2**20)
    runs.cache_total_mb.append(sum(path.stat().st_size for path in entries) / 2**20)


def bare_session(runs: AppRuns) -> None:
    """One start of the bare Textual app, and its quit."""
    terminal, start = time_start([sys.executable, str(BARE_APP)], BARE_APP.parent, MARKER.encode())
    with killed_on_failure(terminal):
        terminal.idle(SETTLE_SECONDS)
        rss = terminal.quit()
    runs.start_bare.append(start)
    runs.quit_bare.append(terminal.quit_seconds)
    runs.rss_bare.append(rss)


def measure_app(project: SyntheticProject, script: str, count: int, folder: Path) -> AppRuns:
    """`count` runs, each of the bare app, a cold start and a session with the parses cached, the
    bare app first in even runs and last in odd ones; state reset between. A cold start gets an
    empty cache folder of its own, which then serves the session after it (`folder/cache`, the
    one the commands use afterwards)."""
    runs = AppRuns(seeds_mb=project.seeds_bytes / 2**20)
    subject = Subject.of(project)
    warm = folder / "cache"

    def cold() -> None:
        fresh = folder / "cache-cold"
        shutil.rmtree(fresh, ignore_errors=True)
        cold_session(project, subject, script, runs, fresh)
        shutil.rmtree(warm, ignore_errors=True)
        fresh.rename(warm)

    def session() -> None:
        if not warm.exists():  # (the cold start failed: warm the cache with an untimed start)
            cold_session(project, subject, script, AppRuns(), warm)
        app_session(project, subject, script, runs, warm)
        after_session(project, script, runs, warm)

    sessions = [lambda: bare_session(runs), cold, session]
    for run in range(count):
        for measured in sessions if run % 2 == 0 else [*sessions[1:], sessions[0]]:
            project.reset()
            try:
                measured()
            except (Timeout, OSError, AnnotatorError) as error:  # (AnnotatorError: a labels file that does not read)
                runs.errors.append(f"{type(error).__name__}: {error}")
    project.reset()
    return runs
