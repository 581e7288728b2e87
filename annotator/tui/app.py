"""The annotation app. `build_app` makes it from a project (or its folder) and an annotator name;
tests use the same factory with a fixed clock."""

from __future__ import annotations

import asyncio
import gc
import importlib
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, Static
from textual.worker import Worker, WorkerState

from annotator.core.errors import AnnotatorError
from annotator.core.keymap import ACTION_KEYS, ACTIONS, bindable, key_label
from annotator.core.lock import AnnotatorLock
from annotator.core.models import Comment, printable, utc_now
from annotator.core.seeds import peek_seeds
from annotator.core.store import (
    ANNOTATIONS_DIR,
    AnnotationFile,
    annotation_path,
    check_folder,
    journal_path,
    list_annotators,
    read_journal,
)
from annotator.core.prefetch import FIRST_SCREEN_AT_ONCE, Prefetch
from annotator.tui.collector import CHECK_SECONDS, IdleCollector
from annotator.tui.screens.dialogs import NamePrompt
from annotator.tui.widgets.comment_list import CommentList

if TYPE_CHECKING:  # imported where they are used: the first frame waits for none of them
    from textual.dom import DOMNode

    from annotator.core.project import Project  # (its config brings pydantic: 80 ms to import)
    from annotator.core.schema import Label, Schema
    from annotator.core.session import Session
    from annotator.tui.screens.main import MainScreen

PREVIEW_ROWS = 200  # more than a screen holds
PREVIEW_STANCE_WIDTH = 8  # the stance column (wider for a longer stance found), before the schema is read
# The start of the list is shown only when reading the project takes longer than this: a warm
# start at 100,000 comments is ready sooner, and drawing a list that is replaced at once would
# cost a tenth of its start-up. (Textual's own first frame, the empty screen, comes before.)
PREVIEW_DELAY = 0.3

# SIGTERM (`kill`) and SIGHUP (a closed SSH session or terminal window) end the app as ctrl+q does,
# without asking anything: after STOP_DEADLINE seconds it exits whether or not saving is done, and if
# even that exit hangs (a write that never returns), the process ends STOP_BACKSTOP seconds later.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
STOP_DEADLINE = 3.0
STOP_BACKSTOP = 3.0
# What Textual's driver writes on exit to give the terminal back; the backstop writes it itself.
RESTORE_TERMINAL = (
    b"\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l"  # no mouse reporting
    b"\x1b[?2004l\x1b[?7h\x1b[<u\x1b[?1004l"  # no bracketed paste, lines wrap, no keyboard protocol or focus events
    b"\x1b[?1049l\x1b[?25h"  # the normal screen, the cursor shown
)

# Keys typed while the labels are read are kept and applied in order once the main screen is up:
# its actions' keys (except ctrl+q, which quits at once), printable characters (the label keys,
# which come from the project's config, and text typed after `/`, `:` or `e`), and any key that
# the project's `[keys]` can give an action (read with the labels).
TYPED_AHEAD_KEYS = frozenset(key for action in ACTIONS if action.id != "quit" for key in action.keys) | {
    "enter", "backspace"}
SETTLE_ROUNDS = 8  # at most, of the waits between two of them (see `_settle`)
# The main screen's actions that move the focus into a box or push a screen: the keys that come
# with one of theirs (in one read from the terminal) wait until it has (`AnnotatorApp.hold_keys`).
FOCUS_ACTIONS = ("note", "search", "goto", "filter", "help", "take", "accept_unanimous", "quit")


@dataclass
class Opened(Message):
    """The project and the annotator's file were read: the session can start."""

    project: Project
    session: Session
    annotator: str
    theirs: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)  # from `take_over`, if any


@dataclass
class ProjectFailed(Message):
    """The project (its config or seeds) could not be read: the app quits and the command says why."""

    error: AnnotatorError


@dataclass
class OpenFailed(Message):
    """The annotator's file could not be used as it is."""

    error: AnnotatorError


def plan_share(project: Project, annotator: str) -> frozenset[int] | None:
    """The positions of the comments the project's plan assigns to `annotator`; None without a
    plan, or when the plan does not name them (gold, say): then the app shows every comment."""
    plan = project.schema.assign
    if plan is None or annotator not in plan.annotators:
        return None
    from annotator.core.assign import assign

    return frozenset(assign(plan, project.corpus.ids()).positions(annotator))


class ErrorScreen(Screen[None]):
    """A problem that stops the app before labelling starts; nothing was written. q, Escape or
    Enter quits (exit code 1), and `annotator` repeats the reason on stderr."""

    BINDINGS = [Binding("q,escape,enter", "leave", "Quit", id="error.quit")]

    def __init__(self, reason: str) -> None:
        super().__init__()
        self._reason = reason

    def compose(self) -> ComposeResult:
        yield Static(
            Content.assemble(("annotator cannot open the labels\n\n", "bold $error"), printable(self._reason),
                             ("\n\nNothing was written. Press q, Escape or Enter to quit.", "dim")),
            id="error-text",
        )

    def action_leave(self) -> None:
        self.app.exit(return_code=1)


class AnnotatorApp(App[int]):
    """Open (or ask for) the annotator's file in a worker, then hand over to the main screen.

    Given a project folder rather than an open `Project`, it reads the project in the worker
    too; if that takes longer than `PREVIEW_DELAY` (a cold start of a large corpus), it shows the
    start of the comment list meanwhile (`peek_seeds`, a few milliseconds), with the marks of the
    labels found for it in the file (`AnnotationFile.peek`), or none where that cannot be known yet.
    """

    preview_delay = PREVIEW_DELAY  # (tests set 0: the list at once)

    CSS_PATH = "app.tcss"
    TITLE = "annotator"

    def __init__(
        self,
        project: Project | Path,
        annotator: str | None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = utc_now,
        prefetch: Prefetch | None = None,
    ) -> None:
        super().__init__()
        self.root = project if isinstance(project, Path) else project.root
        self.project = None if isinstance(project, Path) else project
        self.annotator = annotator
        self.failure: AnnotatorError | None = None  # why the project or the labels could not be read
        self._clock = clock
        self._now = now
        self._lock: AnnotatorLock | None = None
        self._prefetch = prefetch  # the seeds and labels being parsed in child processes, at the start
        self._closing = False  # the app is ending: the seeds and labels being read are no longer needed
        self._main: MainScreen | None = None  # once it is up
        self._first: MainScreen | None = None  # the provisional screen of a cold start, until `_main` is up
        self._first_lock = threading.Lock()  # orders showing `_first` and the hand-over (`_handing`)
        self._handing = False  # the whole project is read: no provisional screen from now on
        self._rescued = 0  # keys on their way through the provisional screen as it froze, kept since
        self._typed_ahead: deque[events.Key] | None = None  # keys kept while the labels are read
        self._replayed: events.Key | None = None  # the kept key being applied now
        self._quit_kept = False  # a quit on the first screen waits for the whole corpus (`_keeps_quit`)
        self.stopped_by: signal.Signals | None = None  # SIGTERM or SIGHUP ended the app
        self._backstop: threading.Timer | None = None
        self._signal_handlers: dict[int, object] = {}  # signal -> the handler it had before the app
        self._collector: IdleCollector | None = None  # the full collections in the pauses, once the start is over

    collector_paused = False  # `annotate` turned the garbage collector off for the start

    def resume_collector(self) -> None:
        """The start is over (the main screen is up, or a prompt or an error shows): turn the
        collector back on, what the start made set aside for good (`gc.freeze`). Start-up makes
        few cycles (some 1,500 objects), and with the collector on, each young collection in it
        rescanned the lists just read (at a million comments, 25-50 ms each, on the way to the
        first usable frame). From then on the full passes come in the pauses (`IdleCollector`)."""
        if self.collector_paused:
            self.collector_paused = False
            gc.freeze()
            gc.enable()
            collector = IdleCollector()
            if not self._closing and collector.start():
                self._collector = collector
                self.set_interval(CHECK_SECONDS, collector.check)

    @work(thread=True, group="preview", exit_on_error=False)
    def _show_preview(self) -> None:
        """The start of the list while the project is read (read here, on a thread), under the main
        screen once it is up; with its labels, where the file gives them without being read whole
        (`AnnotationFile.peek`), else without marks."""
        preview = peek_seeds(self.root, PREVIEW_ROWS)
        if not preview:
            self.call_from_thread(self._labels_go_on)
            return
        labels = None
        if self.annotator:
            try:
                labels = AnnotationFile.peek(self.root, self.annotator, [comment.id for comment in preview])
            except (AnnotatorError, OSError, ValueError):  # (anything odd: said once the whole file is read)
                labels = None
        first = self._provisional_session(preview, labels) if labels is not None else None
        if first is not None:
            self.call_from_thread(self._mount_first, first)
        else:
            self.call_from_thread(self._mount_preview, preview, labels)

    def _provisional_session(self, preview: list[Comment], labels: AnnotationFile) -> Session | None:
        """A session on the start of the corpus, with its labels (`labels`, a partial store), for the
        provisional screen; None where the first rows cannot be shown as the whole corpus will show
        them: a plan (the start shows the annotator's share), a config with problems, no lock."""
        from annotator.core.config import load_config
        from annotator.core.project import project_folder
        from annotator.core.session import Session

        assert self.annotator is not None
        try:
            loaded = load_config(project_folder(self.root))
        except (AnnotatorError, OSError):
            return None
        plan = loaded.schema.assign
        if loaded.warnings or (plan is not None and self.annotator in plan.annotators):
            return None
        # Only rows whose target is known: a parent further on in the corpus would show as missing.
        ids = {comment.id for comment in preview}
        rows = []
        for comment in preview:
            if comment.parent is not None and comment.parent != comment.id and comment.parent not in ids:
                break
            rows.append(comment)
        if not rows or not self._take_lock():
            return None
        return Session(rows, loaded.schema, labels, self._clock, self._now)

    def _take_lock(self) -> bool:
        """Hold the annotator's lock (once: the provisional screen or `_load` takes it first);
        False where it cannot be had (`_load` then says why)."""
        with self._first_lock:
            if self._lock is None:
                try:
                    path = annotation_path(self.root, self.annotator or "")
                    check_folder(path.parent)  # (first: outside git, the lock lives in that folder)
                    self._lock = AnnotatorLock.for_file(path).acquire()
                except (AnnotatorError, OSError):
                    return False
            return True

    def _mount_first(self, session: Session) -> None:
        """Show the provisional screen (unless the whole project is read already, or the app ends)."""
        from annotator.tui.screens.main import MainScreen

        with self._first_lock:
            if self._handing or self._main is not None or self.failure is not None or self.stopped_by is not None:
                return
            self._apply_keymap(session.schema)
            self._first = MainScreen.for_session(session, self.annotator or "")
            self.push_screen(self._first)
            self._first.call_after_refresh(self._labels_go_on)

    def _labels_go_on(self) -> None:
        """The labels' child may parse now (it waited for the first screen, or the list, to be drawn)."""
        if (prefetch := self._prefetch) is not None:
            prefetch.go_on()

    def _mount_preview(self, preview: list[Comment], labels: AnnotationFile | None) -> None:
        self.call_after_refresh(self._labels_go_on)
        if self._main is not None or self.failure is not None or self.stopped_by is not None:
            return
        lookup = labels.get if labels is not None else None
        entries = [lookup(comment.id) for comment in preview] if lookup is not None else []
        width = max([PREVIEW_STANCE_WIDTH] + [len(entry.stance) for entry in entries if entry and entry.stance])
        if len(self.screen_stack) == 1:
            self.screen_stack[0].mount_all([
                Header(icon="✎"),
                Horizontal(Vertical(CommentList(preview, lookup, width, id="comments"),
                                    Static("reading the comments and labels…", id="progress", markup=False),
                                    id="left"),
                           id="main"),
            ])

    def on_load(self) -> None:
        loop = asyncio.get_running_loop()
        for number in STOP_SIGNALS:
            previous = signal.getsignal(number)
            try:
                loop.add_signal_handler(number, self.stop_on_signal, number)
            except (NotImplementedError, RuntimeError, ValueError):  # not on this platform, or not the main thread
                continue
            self._signal_handlers[number] = previous

    def on_unmount(self) -> None:
        self.resume_collector()  # (an app that ends before its start is over: what runs after collects)
        self._closing = True
        if (prefetch := self._prefetch) is not None:  # (quit while the seeds or labels were read: `_load` reaps them)
            prefetch.interrupt()
        if (first := self._first) is not None:  # (ended on the provisional screen: its last changes, into the journal)
            try:
                first.session.leave()
                first.session.store.commit()
            except (OSError, RuntimeError):  # (said by `stop_report`; the next start recovers what the journal has)
                pass
        if self._lock is not None:
            self._lock.release()
        loop = asyncio.get_running_loop()
        for number, previous in self._signal_handlers.items():  # (what was there before: pytest's, in tests)
            loop.remove_signal_handler(number)
            if previous is not None:
                signal.signal(number, previous)
        self._signal_handlers.clear()

    def on_mount(self) -> None:
        if self.annotator:
            self._open(self.annotator)
        else:
            try:
                existing = list_annotators(self.root)
            except OSError:  # (an unreadable folder: said once a name is chosen)
                existing = []
            self.push_screen(NamePrompt(existing), self._named)
            self.resume_collector()  # (a person types now: the start is over)

    def _named(self, name: str | None) -> None:
        if name:
            self._open(name)
        else:
            self.exit(0)

    def _open(self, annotator: str) -> None:
        self.annotator = annotator
        self._typed_ahead = deque()  # (not before: keys typed into the name prompt are the prompt's)
        self._load(annotator)
        cold = self._prefetch is not None and self._prefetch.seeds_bytes >= FIRST_SCREEN_AT_ONCE
        if self.project is None and self.preview_delay > 0 and not cold:
            self.set_timer(self.preview_delay, self._show_preview)
        elif self.project is None:
            self.call_after_refresh(self._show_preview)

    @work(thread=True, exit_on_error=False)
    def _load(self, annotator: str) -> None:
        from annotator.core.project import Project
        from annotator.core.session import Session

        importlib.import_module("annotator.tui.screens.main")  # here, rather than before the first frame

        if self._prefetch is None and self.project is None:  # (not started before the app: the parses, on other cores)
            self._prefetch = Prefetch.start(self.root, annotator)
        elif self._prefetch is not None:  # (started before the name was asked for)
            self._prefetch.add_labels(self.root, annotator)
        prefetch = self._prefetch
        if prefetch is not None and self._closing:  # (the app ended as it started)
            prefetch.stop()
            return

        def before_seeds() -> None:
            if prefetch is not None:
                prefetch.wait_for_seeds()
            if self._closing:  # (the app ended meanwhile: its child stopped, no parse here instead)
                raise _Closing

        try:
            project = self.project or Project.open(self.root, before_seeds)
        except _Closing:
            if prefetch is not None:
                prefetch.stop()
            return
        except AnnotatorError as error:
            if prefetch is not None:
                prefetch.stop()
            self.post_message(ProjectFailed(error))
            return
        if prefetch is not None:
            prefetch.wait()
            self._prefetch = None
        if self._closing:  # (the app ended meanwhile: nothing more to read)
            return
        try:
            path = annotation_path(self.root, annotator)
            if not self._take_lock():  # (taken by the provisional screen, or here: else the reason, said)
                check_folder(path.parent)  # (first: outside git, the lock lives in that folder)
                self._lock = AnnotatorLock.for_file(path).acquire()
            store = AnnotationFile.open(self.root, annotator, replay=False)  # (the provisional screen goes on)
            with self._first_lock:
                self._handing = True  # (no provisional screen from now on)
            first = self.call_from_thread(self._freeze_first)
            theirs = {}
            if first is None:
                store.replay()
            else:  # (its changes are in the journal, of this session: taken over, not recovered)
                theirs = store.take_over(first.store)
        except AnnotatorError as error:
            self.post_message(OpenFailed(error))
            return
        except OSError as error:  # (an unreadable file, say: said at once, not "reading…" forever)
            reason = error.strerror or str(error)
            self.post_message(OpenFailed(AnnotatorError(f"{ANNOTATIONS_DIR}/{annotator}.toml: cannot be read: {reason}")))
            return
        session = Session(project.corpus.comments, project.schema, store, self._clock, self._now,
                          share=plan_share(project, annotator))
        self.post_message(Opened(project, session, annotator, theirs))

    def _freeze_first(self) -> Session | None:
        """The hand-over begins: the provisional screen (if one is up) changes nothing more, and
        every key from now on is kept for the screen of the whole corpus. Its session, if any."""
        if self._first is None:
            return None
        self._first.frozen = True
        self._rescued = 0
        return self._first.session

    @on(Opened)
    async def _opened(self, message: Opened) -> None:
        self.project = message.project
        if self._first is not None:  # (a key passed on to it before it froze: done there first, not lost with it)
            self._after_queues(self._first, lambda: self.call_later(self._show_main, message))
            return
        await self._show_main(message)

    def _after_queues(self, screen: Screen, then: Callable[[], object]) -> None:
        """Call `then` once the message queues from `screen`'s focused widget up to the app have
        handled what they held, twice over (as `_settle` waits): a key passed on to the screen
        before now has then done all it does, its binding's action included."""
        self._through_queues(screen.focused or screen, lambda: self._through_queues(screen.focused or screen, then))

    @staticmethod
    def _through_queues(node: DOMNode, then: Callable[[], object]) -> None:
        """Call `then` after a callback has gone through the message queue of each node from `node`
        up to the app, after whatever those queues held."""
        path = list(node.ancestors_with_self)  # ... the screen, the app

        def hop() -> None:
            while path:
                if path.pop(0).call_later(hop):
                    return
            then()

        hop()

    async def _show_main(self, message: Opened) -> None:
        """The main screen for the session opened, in place of the provisional screen if there is one."""
        from annotator.tui.screens.main import MainScreen

        if self.stopped_by is not None:  # a signal came while the labels were read: nothing to save
            return
        assert self.project is not None
        self._apply_keymap(self.project.schema)
        screen = MainScreen.for_session(message.session, message.annotator)
        first, self._first = self._first, None
        carried = first.carried() if first is not None else None
        if first is not None:  # (the provisional screen, frozen since the hand-over began: replaced)
            self.pop_screen()
        mounted = self.push_screen(screen)
        for warning in (*self.project.warnings, *message.session.store.warnings):
            self.notify(str(warning), severity="warning", markup=False, timeout=6)
        await mounted  # (its list takes the focus before any key that is posted from now on)
        if carried is not None:
            screen.go_on_from(carried, message.theirs)
        self.resume_collector()
        self._main = screen
        self._replay_typed_ahead()

    def _apply_keymap(self, schema: Schema) -> None:
        """The project's [keys]: bindings `main.ACTION`, only those it moves. Textual applies a keymap
        to the bindings on every key press; an empty one (the default keys) costs nothing."""
        keymap = schema.keymap
        self.set_keymap({f"main.{action_id}": ",".join(keys) for action_id, keys in keymap.keys.items()
                         if keys != ACTION_KEYS.get(action_id)})
        self._focus_keys = frozenset({"tab", "shift+tab"}.union(  # (tab: to the note's preview, which opens it)
            key for action_id in FOCUS_ACTIONS for key in keymap.keys.get(action_id, ())))
        self._search_keys = frozenset({"enter", *keymap.keys.get("clear_filter", ())})

    @on(OpenFailed)
    def _open_failed(self, message: OpenFailed) -> None:
        self.resume_collector()
        self._typed_ahead = None
        self.failure = message.error  # (said again on stderr once the app has quit)
        self.push_screen(ErrorScreen(str(message.error)))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A bug in reading the labels is shown too, rather than "reading…" forever."""
        if event.state is WorkerState.ERROR and event.worker.name == "_load":
            error = event.worker.error
            self.post_message(OpenFailed(AnnotatorError(
                f"unexpected error while reading the labels: {type(error).__name__}: {error}",
                hint="this is a bug in annotator; please report it with this message")))

    @on(ProjectFailed)
    def _project_failed(self, message: ProjectFailed) -> None:
        self.resume_collector()
        self._typed_ahead = None
        self.failure = message.error
        self.exit(return_code=1)

    # Keys typed ahead --------------------------------------------------------------------------
    # From the moment the labels are being read until the main screen is up, keys that mean
    # something there are kept instead of going to the preview list. Then each is applied through
    # the usual path, as if pressed now, and the next one waits until the app has taken it in: a
    # key may move the focus (`e` to the note, `/` to the search box) or open a prompt (`:`), and
    # the keys after it belong there. Keys typed meanwhile join the queue, so the order holds.

    async def on_event(self, event: events.Event) -> None:
        if self._collector is not None and isinstance(event, events.InputEvent):
            self._collector.input_came()
        if (
            isinstance(event, events.Key)
            and self._typed_ahead is None
            and not event.is_forwarded
            and self._moves_focus(event.key)
        ):
            await super().on_event(event)  # (passed on to the focused widget: its action comes later)
            self.hold_keys()
            return
        if (
            isinstance(event, events.Key)
            and event.is_forwarded
            and (first := self._first) is not None
            and first.frozen
            and self._typed_ahead is not None
        ):  # (passed on to the provisional screen before it froze, on its way back for its binding: kept
            # instead, before the keys typed since, for the screen of the whole corpus)
            self._typed_ahead.insert(self._rescued, events.Key(event.key, event.character))
            self._rescued += 1
            return
        if (
            self._typed_ahead is not None
            and isinstance(event, (events.Key, events.Paste))
            and not event.is_forwarded  # (not a key on its way back up from the focused widget)
            and event is not self._replayed
        ):
            if isinstance(event, events.Paste):
                self._typed_ahead.append(events.Paste(event.text))
                return
            if not self._typed_ahead and self._first_takes(event.key):
                await super().on_event(event)  # (acts there now: nothing kept before it)
                return
            if self._keeps_quit(event.key):
                self._typed_ahead.append(events.Key(event.key, event.character))
                return
            if (event.key in TYPED_AHEAD_KEYS or event.is_printable or bindable(event.key)
                    or event.key.startswith("alt+")) and (  # (quit at once while the labels are read;
                    event.key not in ACTION_KEYS["quit"] or self._main is not None):  # after, after what came before)
                if event.key == "ctrl+j" and self._main is None:  # (Enter, typed before Textual set the
                    # terminal raw: the terminal gave a line feed)
                    self._typed_ahead.append(events.Key("enter", "\r"))
                else:
                    self._typed_ahead.append(events.Key(event.key, event.character))
                return
        await super().on_event(event)

    def _first_takes(self, key: str) -> bool:
        """Whether `key` acts on the provisional screen now: one of `PROVISIONAL_ACTIONS` (but not
        past its last row), or a key that does nothing there; any other is kept, with every key
        after it, for the screen of the whole corpus."""
        from annotator.tui.screens.main import PROVISIONAL_ACTIONS

        first = self._first
        if first is None or first.frozen or self.screen is not first or key in ACTION_KEYS["quit"]:
            return False
        bound = first.active_bindings.get(key)
        if bound is None:
            return key not in TYPED_AHEAD_KEYS and not key.startswith("alt+")  # (Enter, say, may act later)
        action = bound.binding.action.partition("(")[0]
        if action == "next" and first.comment_list.cursor >= len(first.comment_list.rows) - 1:
            return False  # (on to the rows not read yet)
        return action in PROVISIONAL_ACTIONS and bound.enabled

    def _keeps_quit(self, key: str) -> bool:
        """Whether `key`, a quit on the first screen of a cold start whose labels changed there,
        is kept for the screen of the whole corpus, which writes them to the file and quits (else
        they would wait in the journal until the next start, and a `git commit` meanwhile would
        not have them). Once: a second quit quits at once, the changes in the journal."""
        first = self._first
        if first is None or self._quit_kept or key not in ACTION_KEYS["quit"] or not first.session.version:
            return False
        self._quit_kept = True
        store = first.session.store
        self.notify(f"Quitting once the whole corpus is read, to write your labels to {ANNOTATIONS_DIR}/"
                    f"{store.path.name}. {key} again: quit now, they wait in {ANNOTATIONS_DIR}/{store.journal.name}",
                    markup=False, timeout=30)
        return True

    def _moves_focus(self, key: str) -> bool:
        """Whether `key` is one whose action moves the focus, or pushes a screen, on the main screen:
        the keys after it wait until it has (`hold_keys`)."""
        main = self._main
        if main is None:
            return False
        if self.screen is not main:  # (a dialog over it: its keys answer it and close it)
            return main in self.screen_stack
        focused = self.focused
        if focused is main.note_editor:  # (Escape, or Escape and a key at once, leave the note)
            return key == "escape" or key.startswith("alt+")
        if focused is main.search_box:
            return key in self._search_keys or key.startswith("alt+")
        return key in self._focus_keys

    _focus_keys: frozenset[str] = frozenset()  # the keys of `FOCUS_ACTIONS`, as the project's [keys] has them
    _search_keys: frozenset[str] = frozenset()  # the keys that leave the search box: Enter, and clear_filter's

    def hold_keys(self, first: events.Key | None = None) -> None:
        """Keep the keys that come until the focus an action gave, or the screen it pushed, is in
        place, then apply them there in order (`first` before them). Textual moves the focus after
        the keys it has read already: `e`, `/` or `:` and text in one read (a fast typist, a paste,
        a slow link) had the text taken as the main screen's keys (`d` a stance, `r` review mode)."""
        if self._main is None or self.stopped_by is not None:  # (the start keeps its keys itself)
            if first is not None:
                self.post_message(first)
            return
        if self._typed_ahead is None:
            self._typed_ahead = deque()
            self.call_later(self._settle, None, 0)
        if first is not None:
            key = events.Key(first.key, first.character)
            key._sender = self  # (as the terminal's keys: Textual stops a key bubbling past its sender's child)
            self._typed_ahead.appendleft(key)

    @property
    def keeping_typed_keys(self) -> bool:
        """Whether keys typed while the labels were read are still kept, or not all applied yet."""
        return self._typed_ahead is not None

    def _replay_typed_ahead(self) -> None:
        """Apply the next kept key as if it were pressed now; when none is left, stop keeping them."""
        if self._typed_ahead is None:  # (stopped by a signal)
            return
        if not self._typed_ahead:
            self._typed_ahead = self._replayed = None
            return
        self._replayed = self._typed_ahead.popleft()
        self.post_message(self._replayed)
        self.call_later(self._settle, None, 0)  # after the app has passed the key to the focused widget

    def _settle(self, seen: tuple[object, object] | None, rounds: int) -> None:
        """Wait until the app has taken in the key just applied. Each round sends a callback through
        the message queue of every node from the focused widget up to the app, after whatever those
        queues hold: the first round follows the key itself (its bindings act when it reaches the
        app), later ones what it set off (a prompt submitted, a screen pushed or popped). Once a round
        that is not the first ends on the screen and focus it started with, the next key goes."""
        now = (self.screen, self.focused)
        if (rounds >= 2 and now == seen) or rounds >= SETTLE_ROUNDS:
            self._replay_typed_ahead()
            return
        self._through_queues(self.focused or self.screen, lambda: self._settle(now, rounds + 1))

    # SIGTERM and SIGHUP ----------------------------------------------------------------------

    def stop_on_signal(self, number: int) -> None:
        """Save what can be saved and exit, asking nothing (no one may be there); `annotator` then
        says on stderr whether every label is on disk (`stop_report`) and exits with 128 + number."""
        if self.stopped_by is not None:
            return
        self.stopped_by = signal.Signals(number)
        self._typed_ahead = self._replayed = None
        if not self.is_headless:  # (in tests there is no terminal, and nothing ends the process)
            if not terminal_alive():  # a closed SSH session, a closed window
                mute(self._driver)
            self._backstop = threading.Timer(STOP_DEADLINE + STOP_BACKSTOP, self._stop_hard)
            self._backstop.daemon = True
            self._backstop.start()
        if self._main is None:  # still reading the labels (or asking for a name): nothing changed yet
            self.exit()
            return
        self.set_timer(STOP_DEADLINE, self.exit)
        self._main.action_quit(unattended=True)

    def _stop_hard(self) -> None:
        """The backstop, on its own thread: the exit hangs (a write that never returns). Give the
        terminal back, say so, and end the process."""
        try:
            if terminal_alive():
                os.write(sys.__stderr__.fileno(), RESTORE_TERMINAL)
                import termios

                attributes = getattr(self._driver, "attrs_before", None)
                if attributes is not None:
                    termios.tcsetattr(sys.__stdin__.fileno(), termios.TCSANOW, attributes)
        except Exception:  # best effort: the process ends next in any case
            pass
        journal = (f"{ANNOTATIONS_DIR}/{journal_path(annotation_path(self.root, self.annotator)).name}"
                   if self.annotator else "the journal")
        say(f"annotator: stopped by {self.stopped_by.name}; saving did not finish in "
            f"{STOP_DEADLINE + STOP_BACKSTOP:g} s: the changes in {journal} will be recovered at the next "
            "start, and any later ones are lost")
        os._exit(128 + self.stopped_by)

    def stop_report(self) -> str:
        """After a stop by a signal: one line saying whether every label is on disk, as read back
        from the disk (the file, with its journal replayed as the next start will)."""
        if self._backstop is not None:
            self._backstop.cancel()
        name = self.stopped_by.name if self.stopped_by is not None else "a signal"
        screen = self._main or self._first
        if screen is None or (screen is self._first and not screen.session.version):
            return f"annotator: stopped by {name} before labelling started; nothing was changed"
        held = screen.session.store
        file = f"{ANNOTATIONS_DIR}/{held.path.name}"
        journal = f"{ANNOTATIONS_DIR}/{held.journal.name}"
        try:
            on_disk = AnnotationFile.open(self.root, held.annotator)
            records = len(read_journal(held.journal.read_bytes())[0]) if held.journal.exists() else 0
        except (AnnotatorError, OSError) as error:
            return f"annotator: stopped by {name}; could not read {file} back to check it: {error}"
        compared = held.entries.keys() if held.partial else held.entries.keys() | on_disk.entries.keys()
        lost = sum(held.get(key) != on_disk.get(key) for key in compared)
        kept = (f"{records} change{'s are' if records != 1 else ' is'} in the journal {journal} and will be "
                "recovered at the next start")
        if lost:
            why = screen.save_error or "saving did not finish in time"
            return (f"annotator: stopped by {name}; {lost} label{'s' if lost != 1 else ''} could not be written "
                    f"({why}) and {'are' if lost != 1 else 'is'} lost" + (f"; {kept}" if records else ""))
        if records:
            return f"annotator: stopped by {name}; every label is on disk: {kept}"
        if not held.path.exists():
            return f"annotator: stopped by {name}; no labels yet, nothing to save"
        return f"annotator: stopped by {name}; every label is saved in {file}"

    def action_quit(self) -> None:
        """ctrl+q: the main screen saves first; anywhere else, quit at once."""
        from annotator.tui.screens.main import MainScreen

        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                if self.screen is not screen:
                    self.pop_screen()
                screen.action_quit()
                return
        self.exit(0)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette: every action by what it does, every label as `Stance: name` or `Topic: name`."""
        from annotator.tui.screens.main import MainScreen

        yield from super().get_system_commands(screen)
        main = next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)
        if main is None:
            return
        # (The palette reads a help given as a string as markup: the keys and descriptions from
        # annotator.toml go as `Content`, literally: a key `[` would not be read as markup.)
        keymap = main.session.schema.keymap
        for action in ACTIONS:
            if action.id != "quit":
                yield SystemCommand(action.description,
                                    Content(f"keys: {', '.join(key_label(key) for key in keymap.keys[action.id])}"),  # type: ignore[arg-type]
                                    lambda action=action: main.run_action(action.id))
        for label in main.session.schema.stance:
            yield SystemCommand(f"Stance: {label.name}", described(label),  # type: ignore[arg-type]
                                lambda name=label.name: main.action_stance(name))
        for label in main.session.schema.topic:
            yield SystemCommand(f"Topic: {label.name}", described(label),  # type: ignore[arg-type]
                                lambda name=label.name: main.action_topic(name))


def described(label: Label) -> Content:
    """A label's key and description, for the command palette: shown as written."""
    return Content(f"key {label.key}: {printable(label.description, keep_newlines=False)}")


class _Closing(Exception):
    """The app ended while `_load` waited for the seeds: nothing more to read."""


def terminal_alive() -> bool:
    """Whether Textual's output (stderr) is still a terminal: after a hang-up it no longer is."""
    try:
        return sys.__stderr__ is not None and os.isatty(sys.__stderr__.fileno())
    except (OSError, ValueError):
        return False


def mute(driver: object) -> None:
    """Write nothing more to a terminal that is gone. Writes to it fail (EIO); Textual's writer
    thread would stop at the first failure and leave every later write waiting on its full queue."""
    if driver is not None:
        driver.write = lambda data: None  # type: ignore[attr-defined]
        driver.close = lambda: None  # type: ignore[attr-defined]  # (it would wait for that thread)


def say(line: str) -> None:
    """Print `line` on stderr, if there is still somewhere to print it: after a closed SSH session
    there is not, and the interpreter must not fail at exit flushing it (fd 2 goes to /dev/null)."""
    try:
        print(line, file=sys.stderr, flush=True)
    except OSError:
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, sys.stderr.fileno())
            os.dup2(null, sys.stdout.fileno())
        except OSError:
            pass


def build_app(project: Project | Path, annotator: str | None, **kwargs) -> AnnotatorApp:
    """The app for `project` (open, or a folder to open), editing `annotator`'s labels (None: ask on start)."""
    return AnnotatorApp(project, annotator, **kwargs)
