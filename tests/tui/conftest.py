"""Running the app in tests: a project copy, a fixed clock, and helpers that wait for the saver."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from annotator.core.project import Project
from annotator.core.store import AnnotationFile
from annotator.tui.app import AnnotatorApp, build_app
from annotator.tui.screens.main import MainScreen
from tests.conftest import make_project

NOW = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)

HOSTILE = [
    "[bold]not bold[/bold] [/] [/ [@click=app.quit]click me[/] $name ${x}",
    "ANSI \x1b[31mred\x1b[0m and a bell\x07 and a NUL-free control \x01 here",
    "Emoji 👩‍💻🎉, CJK 中文字符测试, right-to-left עברית العربية, and a \u202e bidi override",
    "averyveryverylongwordwithoutanyspaces" * 8,
]


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_app(tmp_path: Path, clock: FakeClock):
    """Build the app on a fresh copy of the bundled project (plus `extra` seed lines)."""

    def make(annotator: str | None = "alice", extra: list[str] | None = None, root: Path | None = None) -> AnnotatorApp:
        root = root or make_project(tmp_path / "project")
        if extra:
            (root / "seeds" / "zz_extra.txt").write_text("\n".join(extra) + "\n", "utf-8")
        return build_app(Project.open(root), annotator, clock=clock, now=lambda: NOW)

    return make


async def ready(pilot) -> MainScreen:
    """Wait until the main screen is up (of the whole corpus: not a provisional one)."""
    for _ in range(200):
        await pilot.pause()
        if isinstance(pilot.app.screen, MainScreen) and not pilot.app.screen.provisional:
            return pilot.app.screen
    raise AssertionError(f"main screen never came up; on {pilot.app.screen!r}")


async def settled(pilot, compacted: bool = False) -> MainScreen:
    """Wait until every change is on disk, in the journal (or also in the TOML file, with
    `compacted`), or the saver has given up for now."""
    screen = next(s for s in pilot.app.screen_stack if isinstance(s, MainScreen))
    for _ in range(400):
        await pilot.pause(0.01)
        if not screen.saver.idle:
            continue
        if screen.save_error:
            return screen
        if screen.saved_version == screen.session.version and not (
            compacted and screen.session.store.needs_compaction
        ):
            await pilot.pause()  # let the last messages' repaints land
            return screen
    raise AssertionError("the saver never settled")


def on_disk(app: AnnotatorApp, annotator: str = "alice") -> AnnotationFile:
    """The annotator's file as it is on disk now."""
    return AnnotationFile.open(app.project.root, annotator)


def disk_entry(app: AnnotatorApp, index: int, annotator: str = "alice"):
    return on_disk(app, annotator).get(app.project.corpus.comments[index].id)


WAIT_LIMIT = 30.0
"""Seconds `until` waits before it fails: a bound for an app that never gets there, not a measure
of its speed. Generous on purpose: the full suite, or another job, may share the machine."""


async def until(pilot, condition, what: str, limit: float = WAIT_LIMIT) -> None:
    """Wait until `condition()` holds, looking again after each short pause (the app's messages
    and its worker threads go on meanwhile). Fails after `limit` seconds."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < limit, f"waited {limit:g} s for {what}"
        await pilot.pause(0.02)


async def pick_filter(pilot, option: str) -> None:
    """Press `v` and choose the filter whose option id is `option` (`conflicts`, `disagree`…)."""
    await pilot.press("v")
    options = pilot.app.screen.query_one("#picker-options")
    options.highlighted = options.get_option_index(option)
    await pilot.press("enter")
    await pilot.pause()
