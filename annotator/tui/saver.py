"""How a change reaches the disk from the app: the saver, a widget without a face in the main screen.

Two lanes of store work, each in a thread worker, each one task at a time:

- the commit lane appends every change to the journal as it happens (`AnnotationFile.commit`):
  its cost does not grow with the corpus, so a label is durable within milliseconds;
- the fold lane compacts the journal into the TOML file once the annotator pauses (and on quit),
  and every WATCH_SECONDS looks whether someone else changed the file (a `git pull`, a hand
  edit), merging it field by field (`AnnotationFile.merge_from_disk`). At 100,000 comments a
  compaction takes a tenth of a second, during which key presses go on being committed.

While git is in the middle of an operation (a rebase, a merge, `index.lock`...) the fold lane
neither reads nor writes the file: the journal holds every change, and the file is merged and
written once git is done. A lane that fails keeps the changes in memory and tries again every
RETRY_SECONDS. The saver tells its screen what happened with messages (`StateChanged`,
`Reloaded`, `Failed`, `Recovered`, `Paused`, `Idle`); the screen only shows them.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget

from annotator.core import gitio
from annotator.core.session import Session
from annotator.core.store import ChangedOnDisk, Reload, WritesPaused

COMPACT_AFTER = 1.0  # seconds of pause before the journal is folded into the TOML file
RETRY_SECONDS = 3.0  # after a failed write
WATCH_SECONDS = 1.5  # how often the file is checked for changes made by others
WARM_AFTER = 0.3  # seconds after the screen is up: its first frame does not share the interpreter
QUIT_QUIET_WAITS = 3  # on quit, how many times to wait `gitio.QUIET_SECONDS` for git to be quiet


@dataclass
class _Committed(Message):
    bubble = False  # (the saver's own: its lanes tell it)

    version: int


@dataclass
class _Folded(Message):
    bubble = False  # (the saver's own: its lanes tell it)

    paused: str | None


@dataclass
class _LaneFailed(Message):
    bubble = False  # (the saver's own: its lanes tell it)

    lane: str  # "commit" or "fold"
    reason: str


@dataclass
class _Merged(Message):
    bubble = False  # (the saver's own: its lanes tell it)

    reload: Reload


class Saver(Widget):
    """Makes the session's changes durable, and keeps the file and the session in step."""

    DEFAULT_CSS = "Saver { display: none; }"

    class StateChanged(Message):
        """What `state` says may have changed: redraw it."""

    @dataclass
    class Reloaded(Message):
        """The file was changed by someone else (or removed), and merged into the session."""

        reload: Reload

    @dataclass
    class Failed(Message):
        """A write failed; the changes are kept in memory. `first`: no lane was failing before."""

        reason: str
        first: bool

    class Recovered(Message):
        """Every lane writes again after a failure."""

    @dataclass
    class Paused(Message):
        """Git began an operation (`operation`, such as "a git rebase"): only the journal is written."""

        operation: str

    class Idle(Message):
        """Both lanes are idle: `everything_written` says whether anything is left to do."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.saved_version = session.version  # every change up to this one is in the journal or the file
        self.paused: str | None = None  # the git operation the file waits for
        self._errors: dict[str, str] = {}  # lane -> why its last try failed
        self._committing = False
        self._commit_again = False  # a change came while a commit ran
        self._folding = False
        self._fold_queued = (False, False)  # (compact, watch) asked for while a fold ran
        self._compact_timer: Timer | None = None
        self._retries: dict[str, Timer] = {}  # lane -> its retry, waiting
        self._quiet_waits = 0  # times quitting waited for git to leave its directory alone
        self._git_dir = gitio.git_dir(session.store.path.parent.parent)
        session.store.pause_writes = self.writes_paused

    def on_mount(self) -> None:
        if self.session.store.partial:  # (a provisional screen's: it journals, and does nothing else)
            return
        self.set_interval(WATCH_SECONDS, lambda: self.fold_soon(watch=True))
        self.set_timer(WARM_AFTER, self._warm)
        if self.session.store.needs_compaction:  # (a journal a crash left, replayed: into the file too,
            # before someone commits the file without it)
            self._compact_timer = self.set_timer(COMPACT_AFTER, self._compact_when_ready)

    # What the screen asks and shows ------------------------------------------------------------

    @property
    def error(self) -> str | None:
        """Why the last try of a lane failed, while one is failing."""
        return next(iter(self._errors.values()), None)

    @property
    def idle(self) -> bool:
        """No lane is running."""
        return not (self._committing or self._folding)

    @property
    def everything_written(self) -> bool:
        """Every change is in the TOML file; or in the journal, while git works (the next start,
        or the end of the operation, folds it in)."""
        store = self.session.store
        if store.partial:  # (never compacted: the whole store, which takes it over, folds the journal in)
            return self.saved_version == self.session.version
        return self.saved_version == self.session.version and (not store.needs_compaction or bool(self.paused))

    def state(self) -> tuple[str, str]:
        """The save state for the status line, and its style."""
        if self.error:
            return ("✗ not saved (retrying)", "bold $error")
        if self.saved_version != self.session.version:
            return ("○ saving…", "$warning")
        if self.paused:
            return ("◐ git busy", "$warning")  # (short: the line is narrow; the `Paused` notice says more)
        return ("● saved", "$success")

    def git_busy(self) -> str | None:
        """The git operation under way, during which the fold lane neither reads nor writes the
        file (asked from its thread)."""
        return gitio.operation_in_progress(self._git_dir)

    def writes_paused(self) -> str | None:
        """Why the TOML file must not be rewritten now (the store asks before and just before each
        rename): git is busy, or touched its directory a moment ago and may be between two steps
        of one command (`git stash` reads the tree, then resets it, with no lock in between)."""
        return gitio.operation_in_progress(self._git_dir, gitio.QUIET_SECONDS)

    # What the screen tells it ---------------------------------------------------------------

    def changed(self) -> None:
        """A label changed (or time was recorded): make it durable now, compact after a pause."""
        if self.saved_version == self.session.version:
            return
        if self.session.store.partial:
            self.commit_soon()
            return
        if self._compact_timer is not None:
            self._compact_timer.stop()
        self._compact_timer = self.set_timer(COMPACT_AFTER, self._compact_when_ready)
        self.commit_soon()

    def flush(self) -> bool:
        """For quitting: whether everything is written; if not, start what is missing (an `Idle`
        message follows when the lanes are done)."""
        if not self.idle:
            return False
        if self.saved_version != self.session.version:
            self.commit_soon()
            return False
        if self.paused and self.git_busy() is None and self._quiet_waits < QUIT_QUIET_WAITS:
            # git touched its directory a moment ago: write the file once it is quiet, rather than
            # leave the labels in the journal, where the next `git commit` would miss them.
            self._quiet_waits += 1
            self._folding = True  # (a fold is due: `Idle` comes when it is done)
            self.set_timer(gitio.QUIET_SECONDS, lambda: self._fold(True, False))
            return False
        if self.everything_written:
            return True
        self.fold_soon(compact=True)
        return False

    # The commit lane -------------------------------------------------------------------------

    def commit_soon(self) -> None:
        if self._committing:
            self._commit_again = True
            return
        self._committing = True
        self._commit()

    @work(thread=True, group="commit", exit_on_error=False)
    def _commit(self) -> None:
        version = self.session.version
        try:
            self.session.store.commit()
        except Exception as error:  # reported to the user; the changes stay in memory
            self.post_message(_LaneFailed("commit", describe_failure(error)))
        else:
            self.post_message(_Committed(version))

    @on(_Committed)
    def _committed(self, message: _Committed) -> None:
        self._committing = False
        self.saved_version = message.version
        self._recovered("commit")
        self.post_message(self.StateChanged())
        if self._commit_again or self.saved_version != self.session.version:
            self._commit_again = False
            self.commit_soon()
        elif self.idle:
            self.post_message(self.Idle())

    # The fold lane ---------------------------------------------------------------------------

    def _compact_when_ready(self) -> None:
        """Fold the journal into the file once the entries' text is ready (`AnnotationFile.warm`):
        until then a compaction would hold the interpreter for long. The journal holds every change."""
        if self.session.store.warmed:
            self.fold_soon(compact=True)
        else:
            self._compact_timer = self.set_timer(COMPACT_AFTER, self._compact_when_ready)

    @work(thread=True, group="warm", exit_on_error=False)
    def _warm(self) -> None:
        self.session.store.warm()

    def fold_soon(self, compact: bool = False, watch: bool = False) -> None:
        if self._folding:
            self._fold_queued = (self._fold_queued[0] or compact, self._fold_queued[1] or watch)
            return
        self._folding = True
        self._fold(compact, watch)

    @work(thread=True, group="fold", exit_on_error=False)
    def _fold(self, compact: bool, watch: bool) -> None:
        """Merge the file if someone changed it, and compact; while git is in the middle of an
        operation, neither (the watch comes back every WATCH_SECONDS)."""
        store = self.session.store
        try:
            busy = self.git_busy()
            if busy:
                self.post_message(_Folded(busy))
                return
            if (watch or self.paused) and store.changed_on_disk():
                self.post_message(_Merged(store.merge_from_disk()))
                compact = True
            if (compact or self.paused) and store.needs_compaction:
                try:
                    store.compact()
                except ChangedOnDisk as changed:
                    if isinstance(changed, WritesPaused):
                        raise
                    self.post_message(_Merged(store.merge_from_disk()))
                    store.compact()
        except WritesPaused as paused:
            self.post_message(_Folded(paused.message))
        except Exception as error:  # reported to the user; the changes stay in memory
            self.post_message(_LaneFailed("fold", describe_failure(error)))
        else:
            self.post_message(_Folded(None))

    @on(_Merged)
    def _merged(self, message: _Merged) -> None:
        self.commit_soon()  # (the merge journaled this session's changes itself; a key may have come since)
        self.post_message(self.Reloaded(message.reload))

    @on(_Folded)
    def _folded(self, message: _Folded) -> None:
        self._folding = False
        if message.paused and not self.paused:
            self.post_message(self.Paused(message.paused))
        self.paused = message.paused
        self._recovered("fold")
        self.post_message(self.StateChanged())
        queued, self._fold_queued = self._fold_queued, (False, False)
        if any(queued):
            self.fold_soon(*queued)
        elif self.idle:
            self.post_message(self.Idle())

    # Failures --------------------------------------------------------------------------------

    @on(_LaneFailed)
    def _lane_failed(self, message: _LaneFailed) -> None:
        if message.lane == "commit":
            self._committing = self._commit_again = False
        else:
            self._folding = False
            self._fold_queued = (False, False)
        first = self.error is None
        self._errors[message.lane] = message.reason
        if message.lane not in self._retries:  # (one retry waiting per lane: the watch fails on a broken file too)
            self._retries[message.lane] = self.set_timer(RETRY_SECONDS, lambda lane=message.lane: self._retry(lane))
        self.post_message(self.StateChanged())
        self.post_message(self.Failed(message.reason, first))

    def _retry(self, lane: str) -> None:
        del self._retries[lane]
        if lane == "commit":
            self.commit_soon()
        else:  # (with the watch: a fold that failed on a file it could not read must read it again,
            # not find nothing to write and call that a success until the next watch fails again)
            self.fold_soon(compact=True, watch=True)

    def _recovered(self, lane: str) -> None:
        if self._errors.pop(lane, None) is not None and not self._errors:
            self.post_message(self.Recovered())


def describe_failure(error: BaseException) -> str:
    """A short, plain reason for a failed write."""
    if isinstance(error, OSError) and error.strerror:
        where = f" ({error.filename})" if error.filename else ""
        return f"{error.strerror}{where}"
    return str(error) or type(error).__name__
