"""The annotation app. `build_app` makes it from a project and an annotator name; tests use the same
factory with a fixed clock."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from annotator.core.errors import AnnotatorError
from annotator.core.keymap import ACTIONS
from annotator.core.models import printable, utc_now
from annotator.core.project import Project
from annotator.core.session import Session
from annotator.core.lock import AnnotatorLock
from annotator.core.store import AnnotationFile, annotation_path, annotator_name_problem
from annotator.tui.screens.dialogs import Prompt
from annotator.tui.screens.main import MainScreen


@dataclass
class Opened(Message):
    """The annotator's file was read: the session can start."""

    session: Session
    annotator: str


@dataclass
class OpenFailed(Message):
    """The annotator's file could not be used as it is."""

    reason: str


class ErrorScreen(Screen[None]):
    """A problem that stops the app before labelling starts; nothing was written."""

    BINDINGS = [("escape,q,enter", "app.exit", "Quit")]

    def __init__(self, reason: str) -> None:
        super().__init__()
        self._reason = reason

    def compose(self) -> ComposeResult:
        yield Static(
            Content.assemble(("annotator cannot open the labels\n\n", "bold $error"), printable(self._reason),
                             ("\n\nNothing was written. Press q to quit.", "dim")),
            id="error-text",
        )


class AnnotatorApp(App[int]):
    """Open (or ask for) the annotator's file in a worker, then hand over to the main screen."""

    CSS_PATH = "app.tcss"
    TITLE = "annotator"

    def __init__(
        self,
        project: Project,
        annotator: str | None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__()
        self.project = project
        self.annotator = annotator
        self._clock = clock
        self._now = now
        self._lock: AnnotatorLock | None = None

    def on_unmount(self) -> None:
        if self._lock is not None:
            self._lock.release()

    def on_mount(self) -> None:
        if self.annotator:
            self._open(self.annotator)
        else:
            self.push_screen(
                Prompt("Who is annotating? (a name for annotations/NAME.toml)", "e.g. alice",
                       check=lambda value: annotator_name_problem(value)),
                self._named,
            )

    def _named(self, name: str | None) -> None:
        if name:
            self._open(name)
        else:
            self.exit(0)

    def _open(self, annotator: str) -> None:
        self.annotator = annotator
        self._load(annotator)

    @work(thread=True, exit_on_error=False)
    def _load(self, annotator: str) -> None:
        try:
            self._lock = AnnotatorLock.for_file(annotation_path(self.project.root, annotator)).acquire()
            store = AnnotationFile.open(self.project.root, annotator)
        except AnnotatorError as error:
            self.post_message(OpenFailed(str(error)))
            return
        session = Session(self.project.corpus.comments, self.project.schema, store, self._clock, self._now)
        self.post_message(Opened(session, annotator))

    @on(Opened)
    def _opened(self, message: Opened) -> None:
        self.push_screen(MainScreen(message.session, message.annotator))
        for warning in (*self.project.warnings, *message.session.store.warnings):
            self.notify(str(warning), severity="warning", markup=False, timeout=6)

    @on(OpenFailed)
    def _open_failed(self, message: OpenFailed) -> None:
        self.push_screen(ErrorScreen(message.reason))

    def action_quit(self) -> None:
        """ctrl+q: the main screen saves first; anywhere else, quit at once."""
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                if self.screen is not screen:
                    self.pop_screen()
                screen.action_quit()
                return
        self.exit(0)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette: every action and label by name, as `group: title`."""
        yield from super().get_system_commands(screen)
        main = next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)
        if main is None:
            return
        for action in ACTIONS:
            if action.id != "quit":
                yield SystemCommand(f"Go: {action.description}", f"keys: {', '.join(action.keys)}",
                                    lambda action=action: main.run_action(action.id))
        for label in main.session.schema.stance:
            yield SystemCommand(f"Stance: {label.name}", f"key {label.key}: {label.description}",
                                lambda name=label.name: main.action_stance(name))
        for label in main.session.schema.topic:
            yield SystemCommand(f"Topic: {label.name}", f"key {label.key}: {label.description}",
                                lambda name=label.name: main.action_topic(name))


def build_app(project: Project, annotator: str | None, **kwargs) -> AnnotatorApp:
    """The app for `project`, editing `annotator`'s labels (None: ask on start)."""
    return AnnotatorApp(project, annotator, **kwargs)
